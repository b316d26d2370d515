/**
 * Reading a chDB folder from a test: in a separate process, since one process may open one chDB folder only and the
 * runner under test (or another task) may hold it.
 *
 * @module
 */
import { join } from "node:path";
import { PROJECT_ROOT } from "../src/config.ts";

/**
 * Run `body` in a process of its own with `ch` open on the chDB folder `chPath` (database `database`, read-only when
 * asked) and `chQuery` in scope; returns what the body printed last as JSON (`console.log(JSON.stringify(...))`), null when it printed nothing.
 */
export async function inChdbProcess<T>(
  chPath: string,
  database: string,
  body: string,
  opts: { readOnly?: boolean; what?: string } = {},
): Promise<T> {
  const code = `import { chQuery, createClickHouse } from ${
    JSON.stringify(join(PROJECT_ROOT, "src/clients/clickhouse.ts"))
  };
const ch = await createClickHouse({ target: { kind: "chdb", path: ${JSON.stringify(chPath)} }, user: "", password: "",
  database: ${JSON.stringify(database)}, pgAddress: "", reader: { user: "", password: "" } },
  { readOnly: ${opts.readOnly === true} });
${body}
await ch.close();`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code],
    cwd: PROJECT_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (out.code !== 0) throw new Error(`${opts.what ?? "chdb process"} failed: ${dec.decode(out.stderr)}`);
  const last = dec.decode(out.stdout).trim().split("\n").at(-1);
  return JSON.parse(last ? last : "null");
}

/** The rows of each query on the chDB folder `chPath` (database `database`), read in a separate process. */
export function chdbQueries(
  chPath: string,
  database: string,
  queries: string[],
): Promise<Record<string, unknown>[][]> {
  return inChdbProcess(
    chPath,
    database,
    `const out = [];
for (const q of ${JSON.stringify(queries)}) out.push(await chQuery(ch, q));
console.log(JSON.stringify(out));`,
    { what: "chdb query" },
  );
}
