/**
 * How the dashboard follows export snapshots (src/dashboard/snapshot.ts), with `deno task dashboard` in a child
 * process on a private exports folder: a snapshot whose Parquet file does not match its manifest (an export rewriting
 * it at that moment) is not loaded, the one served stays, and it is loaded once file and manifest agree; the row
 * count served is the manifest's. The Parquet file is written by ClickHouse (chDB, in a separate process); the
 * manifest by hand, with the file's SHA-256. Needs PostgreSQL (the dashboard opens it) and chdb.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { PROJECT_ROOT } from "../src/config.ts";
import { chCommands, type MartsEnv } from "./_marts_env.ts";

async function sha256(path: string): Promise<{ bytes: number; sha256: string }> {
  const data = await Deno.readFile(path);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
  return { bytes: data.length, sha256: [...digest].map((b) => b.toString(16).padStart(2, "0")).join("") };
}

Deno.test({
  name: "the dashboard keeps its snapshot while an export's file does not match the manifest, then loads the new one",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const work = await Deno.makeTempDir({ prefix: "sp-dashboard-snapshot-" });
    const env: MartsEnv = { prefix: "", chPath: join(work, "source-chdb"), database: "src", targetDir: work };
    const day = join(work, "exports", "date=2026-11-30");
    await Deno.mkdir(day, { recursive: true });
    const parquet = join(day, "mart_fixture.parquet");
    /** Write the fixture mart with `rows` rows as Parquet (by ClickHouse), and a manifest that says `claimedRows`. */
    const exportFixture = async (rows: number, snapshotAt: string, manifestOf: string = parquet) => {
      await chCommands(env, [
        `select toDate('2026-11-01') + number as day, number * 10 as n from numbers(${rows}) ` +
        `into outfile '${parquet}' truncate format Parquet`,
      ]);
      const file = await sha256(manifestOf);
      await Deno.writeTextFile(
        join(day, "manifest.json"),
        JSON.stringify({
          snapshot_at: snapshotAt,
          date: "2026-11-30",
          database: "src",
          marts: [{
            mart: "mart_fixture",
            rows,
            columns: [{ name: "day", type: "Date" }, { name: "n", type: "UInt64" }],
            csv: { name: "mart_fixture.csv", bytes: 0, sha256: "" },
            parquet: { name: "mart_fixture.parquet", ...file },
          }],
        }),
      );
    };
    await exportFixture(3, "2026-11-30T10:00:00.000Z");

    const dashboard = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "tasks/dashboard.ts", "--port", "0", "--exports", join(work, "exports"), "--poll", "1"],
      cwd: PROJECT_ROOT,
      env: { CLICKHOUSE_URL: `chdb://${join(work, "unused-warehouse")}`, LOG_FORMAT: "json", LOG_LEVEL: "INFO" },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stderr = new Response(dashboard.stderr).text();
    try {
      const reader = dashboard.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let first = "";
      while (!first.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) break;
        first += value;
      }
      const base = /dashboard: (http:\/\/\S+)/.exec(first)?.[1];
      assert(base, `the dashboard printed its URL: ${first}`);
      const snapshot = async () => (await (await fetch(new URL("/healthz", base))).json()).snapshot;
      const waitFor = async (snapshotAt: string) => {
        for (let i = 0; i < 120; i++) {
          const s = await snapshot();
          if (s?.snapshot_at === snapshotAt) return s;
          await new Promise((r) => setTimeout(r, 250));
        }
        throw new Error(
          `the dashboard did not load the snapshot of ${snapshotAt}: ${JSON.stringify(await snapshot())}`,
        );
      };
      assertEquals((await waitFor("2026-11-30T10:00:00.000Z")).rows, 3);

      // An export halfway: the manifest names a new snapshot, the file on disk is not the one it describes.
      const elsewhere = join(work, "other.parquet");
      await Deno.writeFile(elsewhere, new Uint8Array([1, 2, 3]));
      await exportFixture(5, "2026-11-30T10:01:00.000Z", elsewhere);
      await new Promise((r) => setTimeout(r, 3500));
      const kept = await snapshot();
      assertEquals([kept.snapshot_at, kept.rows], ["2026-11-30T10:00:00.000Z", 3], "the old snapshot is kept");

      // The export completes: file and manifest agree.
      await exportFixture(5, "2026-11-30T10:01:00.000Z");
      assertEquals((await waitFor("2026-11-30T10:01:00.000Z")).rows, 5);
    } finally {
      dashboard.kill("SIGTERM");
      await dashboard.status;
      await dashboard.stdout.cancel().catch(() => {});
      await Deno.remove(work, { recursive: true });
    }
    assert((await stderr).includes("does not match the manifest's SHA-256"), "the mismatch was logged");
  },
});
