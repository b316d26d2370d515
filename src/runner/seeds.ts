/**
 * Seeds: reference CSV files in `seeds/` loaded as PostgreSQL tables (`deno task models seed`).
 *
 * Column types come from the CSV header (`topic_id:int,name:text`) or from a sidecar `seeds/<name>.yml`
 * (`columns: {topic_id: {type: int, description: ..., tests: [unique]}}`); a column typed nowhere is `text`.
 * A seed is loaded like a table model: into a new table, tested, then swapped in.
 *
 * @module
 */
import { z } from "zod";
import { headerSchema, ModelError } from "./header.ts";
import { quoteIdent } from "./quote.ts";
import type { Location } from "./types.ts";

/** Types a seed column may have, with their PostgreSQL spelling. */
export const SEED_TYPES = {
  text: "text",
  int: "integer",
  bigint: "bigint",
  numeric: "numeric",
  boolean: "boolean",
  date: "date",
  timestamptz: "timestamptz",
} as const;

/** One typed seed column. */
export interface SeedColumn {
  name: string;
  type: keyof typeof SEED_TYPES;
  description: string;
  /** Tests as written (validated by the header schema). */
  tests: unknown[];
}

const seedType = z.enum(Object.keys(SEED_TYPES) as [keyof typeof SEED_TYPES, ...(keyof typeof SEED_TYPES)[]]);

/** A seed's sidecar file `seeds/<name>.yml`. */
export const seedSidecarSchema = z.object({
  description: z.string().optional(),
  grain: z.string().optional(),
  columns: z.record(
    z.string(),
    z.object({
      type: seedType.optional(),
      description: z.string().optional(),
      tests: z.array(z.unknown()).optional(),
    }).strict(),
  ).optional(),
}).strict();

/** Read a CSV header line (`name` or `name:type` per column) merged with the sidecar's columns. */
export function parseSeedHeader(
  line: string,
  sidecar: z.infer<typeof seedSidecarSchema> | undefined,
  at: Location,
): SeedColumn[] {
  const fields = parseCsv(line + "\n")[0] ?? [];
  const columns = fields.map((f) => {
    const [rawName, rawType] = (f ?? "").split(":").map((s) => s.trim());
    const name = rawName ?? "";
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) {
      throw new ModelError(at, `seed column '${name}' is not a lower-case identifier`);
    }
    const side = sidecar?.columns?.[name];
    const typeText = rawType ?? side?.type ?? "text";
    const type = seedType.safeParse(typeText);
    if (!type.success) {
      throw new ModelError(
        at,
        `seed column '${name}' has unknown type '${typeText}' (${Object.keys(SEED_TYPES).join(", ")})`,
      );
    }
    return { name, type: type.data, description: side?.description ?? "", tests: side?.tests ?? [] };
  });
  for (const name of Object.keys(sidecar?.columns ?? {})) {
    if (!columns.some((c) => c.name === name)) {
      throw new ModelError(at, `sidecar names column '${name}' that the CSV lacks`);
    }
  }
  // Validate the tests with the same schema as model headers.
  const check = headerSchema.safeParse({
    columns: Object.fromEntries(columns.map((c) => [c.name, { tests: c.tests }])),
  });
  if (!check.success) throw new ModelError(at, `seed tests: ${check.error.issues[0]!.message}`);
  return columns;
}

/** Parse RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF). An empty unquoted field is null. */
export function parseCsv(text: string): (string | null)[][] {
  const rows: (string | null)[][] = [];
  let row: (string | null)[] = [];
  let field = "";
  let quoted = false;
  let wasQuoted = false;
  let i = 0;
  const endField = () => {
    row.push(field === "" && !wasQuoted ? null : field);
    field = "";
    wasQuoted = false;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"') {
      quoted = true;
      wasQuoted = true;
    } else if (c === ",") endField();
    else if (c === "\n" || c === "\r") {
      endField();
      rows.push(row);
      row = [];
      if (c === "\r" && text[i + 1] === "\n") i++;
    } else field += c;
    i++;
  }
  if (field !== "" || wasQuoted || row.length > 0) {
    endField();
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === null));
}

/** `create table` for a seed's typed columns. */
export function seedTableDdl(relation: string, columns: SeedColumn[]): string {
  return `create table ${relation} (${columns.map((c) => `${quoteIdent(c.name)} ${SEED_TYPES[c.type]}`).join(", ")})`;
}
