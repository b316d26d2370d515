/**
 * `deno task export` end to end: a private chDB folder holding a hand-written mart (dates, times, decimals, NULLs,
 * text with commas, quotes and non-ASCII letters) and a non-mart table, a private bucket (sandbox), and the task in
 * a child process. The CSV is read back with a CSV reader (csv-parse) and the Parquet with a Parquet reader
 * (hyparquet), both independent of ClickHouse, and compared with the rows the test wrote; the manifest's columns,
 * row counts and SHA-256 checksums must hold for the local files and for the objects in the bucket; a second run
 * writes byte-identical files (idempotent); an unknown mart is a one-line error.
 * Needs S3 and the chdb npm package.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { parquetMetadata, parquetReadObjects, parquetSchema } from "hyparquet";
import { config, PROJECT_ROOT } from "../src/config.ts";
import { configureLogging, logger } from "../src/log.ts";
import { openSandbox } from "../src/pipeline/sandbox.ts";
import type { ExportManifest } from "../src/export/mod.ts";
import { chCommands, type MartsEnv } from "./_marts_env.ts";

/** The fixture rows, as the test writes them. */
const ROWS = [
  { day: "2026-11-20", name: 'Café, "quoted"', amount: "12.50", ratio: 0.25, at: "2026-11-20T10:00:00.123456Z" },
  { day: "2026-11-21", name: "Минск", amount: "0.01", ratio: null, at: "2026-11-21T23:59:59.000001Z" },
  { day: "2026-11-22", name: "plain", amount: "1000.00", ratio: 1, at: "2026-11-22T00:00:00.000000Z" },
];

async function sha256(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return [...d].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function exportTask(env: MartsEnv, bucket: string, out: string, extra: string[] = []) {
  const res = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "tasks/export.ts", "--out", out, ...extra],
    cwd: PROJECT_ROOT,
    env: {
      CLICKHOUSE_URL: `chdb://${env.chPath}`,
      CLICKHOUSE_DATABASE: env.database,
      S3_BUCKET: bucket,
      LOG_FORMAT: "json",
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  const stdout = dec.decode(res.stdout).trim();
  return { code: res.code, summary: JSON.parse(stdout.split("\n").at(-1)!), stderr: dec.decode(res.stderr) };
}

Deno.test({
  name: "export writes every mart as CSV and Parquet that independent readers parse, with a manifest that holds",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    configureLogging({ level: "ERROR", format: "json" });
    const box = await openSandbox(config(), "marts_export", logger("test-marts-export"));
    const env: MartsEnv = {
      prefix: "rt_mexp_",
      chPath: await Deno.makeTempDir({ prefix: "sp-marts-export-ch-" }),
      database: "rt_mexp_marts",
      targetDir: "",
    };
    const out = await Deno.makeTempDir({ prefix: "sp-marts-export-out-" });
    try {
      const values = ROWS.map((r) =>
        `('${r.day}', '${r.name.replaceAll("'", "\\'")}', ${r.amount}, ${r.ratio ?? "null"}, '${r.at}', ${
          r.ratio === 1 ? "true" : "false"
        })`
      );
      await chCommands(env, [
        "create table mart_fixture (day Date, name String, amount Decimal(12, 2), ratio Nullable(Float64), " +
        "at DateTime64(6, 'UTC'), full Bool) engine = MergeTree order by day",
        `insert into mart_fixture values ${values.join(", ")}`,
        "create table int_not_a_mart (x UInt8) engine = MergeTree order by x",
        "insert into int_not_a_mart values (1)",
      ]);

      const first = await exportTask(env, box.cfg.s3.bucket, out);
      assertEquals(first.code, 0, first.stderr);
      assertEquals([first.summary.status, first.summary.marts, first.summary.rows], ["ok", 1, ROWS.length]);
      const date = first.summary.date as string;
      const dir = join(out, `date=${date}`);
      const manifest = JSON.parse(await Deno.readTextFile(join(dir, "manifest.json"))) as ExportManifest;
      assertEquals(manifest.marts.map((m) => [m.mart, m.rows]), [["mart_fixture", ROWS.length]]);
      const m = manifest.marts[0]!;
      assertEquals(m.columns, [
        { name: "day", type: "Date" },
        { name: "name", type: "String" },
        { name: "amount", type: "Decimal(12, 2)" },
        { name: "ratio", type: "Nullable(Float64)" },
        { name: "at", type: "DateTime64(6, 'UTC')" },
        { name: "full", type: "Bool" },
      ]);

      // CSV: header, ISO dates and times, '.' decimals, NULL as an empty field, text round-trips.
      const csvBytes = await Deno.readFile(join(dir, m.csv.name));
      const csv = parse(new TextDecoder("utf-8", { fatal: true }).decode(csvBytes), { columns: true }) as Record<
        string,
        string
      >[];
      assertEquals(Object.keys(csv[0]!), m.columns.map((c) => c.name));
      assertEquals(
        csv,
        ROWS.map((r) => ({
          day: r.day,
          name: r.name,
          amount: String(Number(r.amount)),
          ratio: r.ratio === null ? "" : String(r.ratio),
          at: r.at,
          full: r.ratio === 1 ? "true" : "false",
        })),
      );

      // Parquet: the declared columns, the same values.
      const pqBytes = await Deno.readFile(join(dir, m.parquet.name));
      const file = pqBytes.buffer.slice(pqBytes.byteOffset, pqBytes.byteOffset + pqBytes.byteLength) as ArrayBuffer;
      const schema = parquetSchema(parquetMetadata(file));
      assertEquals(schema.children.map((c) => c.element.name), m.columns.map((c) => c.name));
      const pq = await parquetReadObjects({ file });
      assertEquals(pq.length, ROWS.length);
      for (const [i, r] of ROWS.entries()) {
        const got = pq[i]!;
        assertEquals(new Date(got.day as Date).toISOString().slice(0, 10), r.day);
        assertEquals(got.name, r.name);
        assertEquals(Number(got.amount), Number(r.amount));
        assertEquals(got.ratio ?? null, r.ratio);
        assertEquals(got.full, r.ratio === 1);
        assert(got.at !== null && got.at !== undefined, "the timestamp column is read");
      }

      // The manifest's checksums hold locally and in the bucket, under exports/date=.../.
      const prefix = `exports/date=${date}/`;
      assertEquals((await box.store.list(prefix)).map((o) => o.key).sort(), [
        prefix + "manifest.json",
        prefix + m.csv.name,
        prefix + m.parquet.name,
      ]);
      for (const f of [m.csv, m.parquet]) {
        const local = await Deno.readFile(join(dir, f.name));
        assertEquals([local.length, await sha256(local)], [f.bytes, f.sha256]);
        assertEquals(await sha256(await box.store.get(prefix + f.name)), f.sha256, `bucket ${f.name}`);
      }

      // Idempotent: a second run gives the same files.
      const second = await exportTask(env, box.cfg.s3.bucket, out);
      assertEquals(second.code, 0, second.stderr);
      const again = JSON.parse(await Deno.readTextFile(join(dir, "manifest.json"))) as ExportManifest;
      assertEquals(again.marts, manifest.marts);

      const bad = await exportTask(env, box.cfg.s3.bucket, out, ["--mart", "mart_missing"]);
      assertEquals(bad.code, 1);
      assert(/no such mart in ClickHouse database rt_mexp_marts: mart_missing/.test(bad.summary.error.message));
    } finally {
      await box.close();
      await Deno.remove(env.chPath, { recursive: true });
      await Deno.remove(out, { recursive: true });
    }
  },
});
