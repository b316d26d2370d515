/**
 * The Tableau workbook. Unit part (no services): our checks reject a sheet naming a missing field, a misspelled
 * aggregation, a measure aggregation on a dimension and a dashboard zone naming a missing sheet, on a hand-written
 * manifest. End to end: three generated days (reduced rate) in a private warehouse, the models built on a private
 * chDB folder, `deno task export`, then `deno task tableau` in a child process; the `.twbx` is unzipped by Python's
 * zipfile (an independent reader), the inner `.twb` validated by xmllint against Tableau's official 2026.2 schema,
 * and read back with XPath: one worksheet per sheet whose mart was exported, the dashboards, one data source per
 * used mart whose packed CSV is byte-identical to the export (manifest SHA-256), and every field on a shelf is a
 * column of that CSV's header. Needs PostgreSQL, the chdb npm package, xmllint and python3.
 */
import { deepStrictEqual as assertEquals, ok as assert, throws as assertThrows } from "node:assert/strict";
import { join } from "node:path";
import { config, PROJECT_ROOT } from "../src/config.ts";
import { createPostgres } from "../src/clients/postgres.ts";
import type { ExportManifest } from "../src/export/mod.ts";
import { configureLogging } from "../src/log.ts";
import { createPrivateWarehouse, dropPrivateWarehouse, generateDrops } from "../src/runner/testing.ts";
import { checkWorkbook } from "../src/tableau/check.ts";
import { describeWorkbook, workbookText } from "../src/tableau/mod.ts";
import { DASHBOARDS, SHEETS } from "../src/tableau/sheets.ts";
import type { SheetSpec } from "../src/tableau/spec.ts";
import { loadInBatches, models, tempMartsEnv } from "./_marts_env.ts";

const SCHEMA = join(PROJECT_ROOT, "dashboard", "schema", "twb-2026.2-wrapper.xsd");

/** A hand-written manifest: one mart with a date, a count, a ratio and a name. */
const MANIFEST: ExportManifest = {
  snapshot_at: "2026-11-23T00:00:00.000Z",
  date: "2026-11-23",
  database: "fixture",
  marts: [{
    mart: "mart_fixture",
    rows: 1,
    columns: [
      { name: "day", type: "Date" },
      { name: "dau", type: "UInt64" },
      { name: "ratio", type: "Nullable(Float64)" },
      { name: "community_key", type: "Int64" },
      { name: "community_name", type: "LowCardinality(String)" },
    ],
    csv: { name: "mart_fixture.csv", bytes: 0, sha256: "" },
    parquet: { name: "mart_fixture.parquet", bytes: 0, sha256: "" },
  }],
};

const GOOD: SheetSpec = {
  name: "DAU",
  group: "g",
  mart: "mart_fixture",
  mark: "Line",
  cols: [{ field: "day", derivation: "Day-Trunc" }],
  rows: [{ field: "dau", derivation: "Sum" }],
  color: { field: "community_name", derivation: "None" },
  filters: [{ kind: "date-range", field: "day" }, { kind: "members", field: "community_name" }],
};

function problems(sheet: SheetSpec, dashboardSheets = [sheet.name]): string[] {
  const { spec } = describeWorkbook(MANIFEST, [sheet], [{ name: "D", sheets: dashboardSheets, perRow: 1 }]);
  return checkWorkbook({ ...spec, dashboards: [{ name: "D", sheets: dashboardSheets, perRow: 1 }] });
}

Deno.test("checkWorkbook() accepts a sound sheet and rejects each kind of broken one", () => {
  assertEquals(problems(GOOD), []);
  assert(problems({ ...GOOD, rows: [{ field: "daus", derivation: "Sum" }] })[0]?.includes("'daus' is not a column"));
  assert(
    problems({ ...GOOD, rows: [{ field: "dau", derivation: "Summ" as "Sum" }] })[0]?.includes(
      "not a Tableau aggregation",
    ),
  );
  assert(problems({ ...GOOD, rows: [{ field: "community_key", derivation: "Sum" }] })[0]?.includes("a dimension"));
  assert(problems({ ...GOOD, cols: [{ field: "dau", derivation: "Day-Trunc" }] })[0]?.includes("needs a date"));
  assert(problems({ ...GOOD, rows: [{ field: "dau", derivation: "None" }] })[0]?.includes("needs an aggregation"));
  assert(problems({ ...GOOD, filters: [{ kind: "date-range", field: "dau" }] })[0]?.includes("date range"));
  assert(problems({ ...GOOD, filters: [{ kind: "members", field: "nope" }] })[0]?.includes("'nope'"));
  assert(problems(GOOD, ["DAU", "Gone"])[0]?.includes("missing sheet 'Gone'"));
});

Deno.test("workbookText() refuses to write a sheet naming a missing field", () => {
  const { spec } = describeWorkbook(MANIFEST, [{ ...GOOD, rows: [{ field: "wau", derivation: "Sum" }] }], [
    { name: "D", sheets: ["DAU"], perRow: 1 },
  ]);
  assertThrows(() => workbookText(spec), /field 'wau' is not a column of mart_fixture/);
});

Deno.test("describeWorkbook() leaves out the sheets of marts the export does not hold, and their zones", () => {
  const { spec, skipped } = describeWorkbook(MANIFEST, [GOOD, { ...GOOD, name: "Other", mart: "mart_absent" }], [
    { name: "D", sheets: ["DAU", "Other"], perRow: 2 },
  ]);
  assertEquals(spec.sheets.map((s) => s.name), ["DAU"]);
  assertEquals(skipped.map((s) => s.name), ["Other"]);
  assertEquals(spec.dashboards[0]?.sheets, ["DAU"]);
});

async function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(cmd, { args, cwd: PROJECT_ROOT, env, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Values an XPath selects, with xmllint (attribute nodes print as ` name="value"`). */
async function xpath(file: string, expr: string): Promise<string[]> {
  const r = await run("xmllint", ["--xpath", expr, file]);
  if (r.code === 10 || r.stderr.includes("XPath set is empty")) return [];
  assertEquals(r.code, 0, r.stderr);
  return [...r.stdout.matchAll(/[\w:-]+="([^"]*)"/g)].map((m) =>
    m[1]!.replaceAll("&amp;", "&").replaceAll("&quot;", '"')
  )
    .concat(expr.endsWith("/text()") ? r.stdout.split("\n").filter((l) => l.length > 0) : []);
}

const PREFIX = "rt_dtab_";

Deno.test({
  name: "tableau writes a .twbx from a real export that validates against the official schema and reads back",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    configureLogging({ level: "WARN", format: "json" });
    const env = await tempMartsEnv(PREFIX, "rt_dtab_marts", "tableau");
    const work = await Deno.makeTempDir({ prefix: "sp-tableau-out-" });
    const sql = createPostgres(config().postgres);
    try {
      const drops = await generateDrops("2026-11-20T00:00:00Z", "2026-11-23T00:00:00Z", 10, 7, 0.02);
      await createPrivateWarehouse(sql, PREFIX);
      await loadInBatches(sql, PREFIX, drops, drops.files, 360, new Set());
      const build = await models(env, ["build"]);
      assertEquals(build.code, 0, build.stderr.slice(-3000));

      const chEnv = { CLICKHOUSE_URL: `chdb://${env.chPath}`, CLICKHOUSE_DATABASE: env.database, LOG_FORMAT: "json" };
      const exp = await run(Deno.execPath(), [
        "run",
        "-A",
        "tasks/export.ts",
        "--out",
        join(work, "exports"),
        "--no-upload",
      ], chEnv);
      assertEquals(exp.code, 0, exp.stderr);
      const out = join(work, "socialpulse.twbx");
      const tab = await run(Deno.execPath(), [
        "run",
        "-A",
        "tasks/tableau.ts",
        "--exports",
        join(work, "exports"),
        "--out",
        out,
      ], chEnv);
      assertEquals(tab.code, 0, tab.stderr);
      const summary = JSON.parse(tab.stdout.trim().split("\n").at(-1)!);
      const exportDir = summary.export_dir as string;
      const manifest: ExportManifest = JSON.parse(await Deno.readTextFile(join(exportDir, "manifest.json")));
      const marts = new Set(manifest.marts.map((m) => m.mart));
      const expectSheets = SHEETS.filter((s) => marts.has(s.mart));
      assert(expectSheets.length >= 10, `the export holds most marts (${[...marts].join(", ")})`);
      // The influence sheets (M7-M10) are checked like every other: their marts are in the export.
      for (const m of ["mart_user_influence", "mart_network_daily"]) assert(marts.has(m), `the export holds ${m}`);
      assertEquals(summary.skipped_sheets, SHEETS.filter((s) => !marts.has(s.mart)).map((s) => s.name));

      // Unpack with an independent reader.
      const unpacked = join(work, "unpacked");
      const unzip = await run("python3", ["-m", "zipfile", "-e", out, unpacked]);
      assertEquals(unzip.code, 0, unzip.stderr);
      const twb = join(unpacked, "socialpulse.twb");
      const valid = await run("xmllint", ["--noout", "--schema", SCHEMA, twb]);
      assertEquals(valid.code, 0, `schema: ${valid.stderr}`);

      assertEquals(
        (await xpath(twb, "/workbook/worksheets/worksheet/@name")).sort(),
        expectSheets.map((s) => s.name).sort(),
      );
      const dashboards = await xpath(twb, "/workbook/dashboards/dashboard/@name");
      assert(dashboards.includes("Overview") && dashboards.includes("Communities"), dashboards.join(", "));
      assertEquals(dashboards.length, DASHBOARDS.length);
      const zoneSheets = await xpath(twb, "/workbook/dashboards/dashboard//zone[not(@type-v2)]/@name");
      // Every zone names an existing sheet, and every sheet is on a dashboard.
      assertEquals([...new Set(zoneSheets)].sort(), expectSheets.map((s) => s.name).sort());

      const usedMarts = [...new Set(expectSheets.map((s) => s.mart))].sort();
      const sourceNames = await xpath(twb, "/workbook/datasources/datasource/@caption");
      assertEquals(sourceNames.sort(), usedMarts);
      const headers = new Map<string, string[]>();
      for (const mart of usedMarts) {
        const m = manifest.marts.find((x) => x.mart === mart)!;
        const bytes = await Deno.readFile(join(unpacked, "Data", "exports", m.csv.name));
        const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))]
          .map((b) => b.toString(16).padStart(2, "0")).join("");
        assertEquals(digest, m.csv.sha256, `${m.csv.name} packed unchanged`);
        headers.set(
          `federated.${mart}`,
          new TextDecoder().decode(bytes).split("\n")[0]!.split(",").map((h) => h.replaceAll('"', "")),
        );
      }
      // Every field a shelf, color or filter names is a column of its source's CSV header.
      const refs = [
        ...(await xpath(twb, "//worksheet/table/rows/text()")),
        ...(await xpath(twb, "//worksheet/table/cols/text()")),
        ...(await xpath(twb, "//worksheet//encodings/color/@column")),
        ...(await xpath(twb, "//worksheet//filter/@column")),
      ];
      let checked = 0;
      for (const ref of refs) {
        for (const m of ref.matchAll(/\[(federated\.[a-z_]+)\]\.\[[a-z]+:([a-z0-9_]+):[a-z]k\]/g)) {
          assert(headers.get(m[1]!)?.includes(m[2]!), `${m[2]} is a column of ${m[1]}`);
          checked++;
        }
      }
      assert(checked >= expectSheets.length * 2, `checked ${checked} shelf fields`);
    } finally {
      await dropPrivateWarehouse(sql, PREFIX);
      await sql.end();
      for (const d of [env.chPath, env.targetDir, work]) await Deno.remove(d, { recursive: true });
    }
  },
});
