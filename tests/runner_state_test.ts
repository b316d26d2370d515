/**
 * The runner's view of what changed, on real PostgreSQL in private schemas (`rt_snap_`, `rt_deep_`, `rt_state_`):
 *
 * - a batch that lands in the middle of a build is left for the next build by every model (one snapshot of the
 *   loaded batches per run), so the next build catches up and every table equals a `--full-refresh`;
 * - a table over a view over a rebuilt table is rebuilt (changes propagate through any depth, also across runs);
 * - `state:modified` compares with the manifest of the last successful run/build (or `--state DIR`), which
 *   plan, ls and compile leave alone.
 *
 * Needs PostgreSQL (`deno task stack:up --only postgres`).
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { config, PROJECT_ROOT } from "../src/config.ts";
import { createPostgres, type Sql } from "../src/clients/postgres.ts";
import { logger } from "../src/log.ts";
import { run, type RunnerArgs, type RunnerDeps } from "../src/runner/mod.ts";
import type { NodeResult } from "../src/runner/execute.ts";
import {
  createPrivateWarehouse,
  dropPrivateWarehouse,
  generateDrops,
  loadBatch,
  tableFingerprints,
} from "../src/runner/testing.ts";

const cfg = config();

function deps(sql: Sql, prefix: string, root = PROJECT_ROOT, over: Partial<RunnerDeps> = {}): RunnerDeps {
  return {
    root,
    sql,
    clickhouse: () => Promise.reject(new Error("this test opens no ClickHouse")),
    log: logger("models-test"),
    print: () => {},
    targets: {
      schemaPrefix: prefix,
      clickhouseDatabase: cfg.clickhouse.database,
      pg: { collection: "socialpulse_pg" },
    },
    ...over,
  };
}

function args(targetDir: string, over: Partial<RunnerArgs> = {}): RunnerArgs {
  return {
    command: "build",
    selectors: ["engine:postgres"], // the star schema (ClickHouse marts have their own tests)
    exclude: [],
    fullRefresh: false,
    vars: {},
    targetDir,
    docsDir: join(targetDir, "docs"),
    ...over,
  };
}

async function results(targetDir: string): Promise<NodeResult[]> {
  return JSON.parse(await Deno.readTextFile(join(targetDir, "run_results.json"))).results;
}

async function fingerprints(sql: Sql, prefix: string) {
  return { ...await tableFingerprints(sql, `${prefix}staging`), ...await tableFingerprints(sql, `${prefix}core`) };
}

Deno.test({
  name: "a batch landing between two nodes of a build is caught by the next build: every table equals a full refresh",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const prefix = "rt_snap_";
    const sql = createPostgres(cfg.postgres);
    const target = await Deno.makeTempDir({ prefix: "runner_snap_" });
    try {
      const drops = await generateDrops("2026-11-20T06:00:00Z", "2026-11-20T10:00:00Z", 120, 11);
      await createPrivateWarehouse(sql, prefix);
      const seen = new Set<string>();
      const first = drops.files.slice(0, 180), landing = drops.files.slice(180);
      for (let i = 0; i < first.length; i += 60) await loadBatch(sql, prefix, drops, first.slice(i, i + 60), seen);
      assertEquals((await run(deps(sql, prefix), args(target))).errors, 0);

      // The next build: right after the incremental staging table of user changes is built, a batch lands. The
      // dimension built from that table must not claim the batch (its rows are not in the table yet).
      let landed = 0;
      const hook = async (r: NodeResult) => {
        if (r.name !== "stg_user_changes") return;
        landed = (await loadBatch(sql, prefix, drops, landing, seen)).loaded;
      };
      // A batch without events (every line rejected) is in the snapshot: increments mark it with no work.
      await loadBatch(sql, prefix, drops, [], seen);
      const during = await run(deps(sql, prefix, PROJECT_ROOT, { afterNode: hook }), args(target));
      assertEquals([during.errors, during.failed], [0, 0]);
      const fact = (await results(target)).find((r) => r.name === "fact_view")!;
      assertEquals([fact.status, fact.message], ["up_to_date", "up to date: 1 new batch(es) without events"]);
      assert(landed > 1000, `the landing batch should carry events, got ${landed}`);
      const [changes] = await sql.unsafe<{ n: string }[]>(
        `select count(*) as n from ${prefix}landing.events
         where batch_id = (select max(batch_id) from ${prefix}etl.batches) and event_type like 'user.%'
           and event_type <> 'user.status_changed'`,
      );
      assert(Number(changes!.n) > 0, "the landing batch should change users");

      const after = await run(deps(sql, prefix), args(target));
      assertEquals([after.errors, after.failed], [0, 0]);
      const rs = await results(target);
      assertEquals(
        [rs.find((r) => r.name === "dim_user")!.mode, rs.find((r) => r.name === "dim_user")!.batches],
        ["incremental", 1],
      );
      const incremental = await fingerprints(sql, prefix);
      const full = await run(deps(sql, prefix), args(target, { fullRefresh: true }));
      assertEquals([full.errors, full.failed], [0, 0]);
      assertEquals(incremental, await fingerprints(sql, prefix));
    } finally {
      await dropPrivateWarehouse(sql, prefix);
      await sql.end();
      await Deno.remove(target, { recursive: true });
    }
  },
});

/** Write a throwaway project: a project file and model files. */
async function scratchProject(files: Record<string, string>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "runner_project_" });
  const projectFile = `name: scratch
models:
  core: { engine: postgres, schema: core, materialized: table }
seeds: { schema: core }
sources: {}
`;
  for (const [path, text] of Object.entries({ "models/project.yml": projectFile, ...files })) {
    await Deno.mkdir(join(root, path, ".."), { recursive: true });
    await Deno.writeTextFile(join(root, path), text);
  }
  return root;
}

Deno.test({
  name: "a table over a view over a rebuilt table is rebuilt, in the same run and in a later one",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const prefix = "rt_deep_";
    const sql = createPostgres(cfg.postgres);
    const root = await scratchProject({
      "models/core/deep_base.sql": "select {{ var('v', 'number', '1') }}::int as x",
      "models/core/deep_view.sql": "/*\nmaterialized: view\n*/\nselect x from {{ ref('deep_base') }}",
      "models/core/deep_top.sql": "select x * 10 as y from {{ ref('deep_view') }}",
    });
    const target = join(root, "target");
    const top = async () => (await sql.unsafe<{ y: number }[]>(`select y from ${prefix}core.deep_top`))[0]!.y;
    try {
      await dropPrivateWarehouse(sql, prefix);
      await run(deps(sql, prefix, root), args(target));
      assertEquals(await top(), 10);
      await run(deps(sql, prefix, root), args(target, { vars: { v: "2" } }));
      assertEquals((await results(target)).find((r) => r.name === "deep_top")!.status, "success");
      assertEquals(await top(), 20);
      // Across runs: the base is rebuilt alone, then a run of the top alone sees that its input changed.
      await run(deps(sql, prefix, root), args(target, { selectors: ["deep_base"], vars: { v: "3" } }));
      await run(deps(sql, prefix, root), args(target, { selectors: ["deep_top"] }));
      assertEquals(await top(), 30);
      // And with nothing changed upstream, the top is up to date.
      await run(deps(sql, prefix, root), args(target, { selectors: ["deep_top"] }));
      assertEquals((await results(target)).find((r) => r.name === "deep_top")!.status, "up_to_date");
    } finally {
      await dropPrivateWarehouse(sql, prefix);
      await sql.end();
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "state:modified compares with the last successful build's manifest or --state DIR; plan, ls, compile keep it",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const prefix = "rt_state_";
    const sql = createPostgres(cfg.postgres);
    const root = await scratchProject({
      "models/core/st_a.sql": "select 1 as a",
      "models/core/st_b.sql": "select a from {{ ref('st_a') }}",
    });
    const target = join(root, "target");
    const printed: string[] = [];
    const d = deps(sql, prefix, root, { print: (l) => printed.push(l) });
    try {
      await dropPrivateWarehouse(sql, prefix);
      await run(d, args(target));
      const prod = join(root, "prod_state");
      await Deno.mkdir(prod);
      await Deno.copyFile(join(target, "manifest.json"), join(prod, "manifest.json"));
      const manifest = await Deno.readTextFile(join(target, "manifest.json"));

      await Deno.writeTextFile(join(root, "models/core/st_a.sql"), "select 2 as a");
      for (const command of ["plan", "ls", "compile"] as const) {
        printed.length = 0;
        const s = await run(d, args(target, { command, selectors: ["state:modified+"] }));
        assertEquals([command, s.selected], [command, 2]);
        assertEquals(await Deno.readTextFile(join(target, "manifest.json")), manifest);
      }
      assert(printed.some((l) => l.includes("st_b")), printed.join("\n"));

      // After the plan, the build still sees the change; once built, nothing is modified any more.
      assertEquals((await run(d, args(target, { selectors: ["state:modified"] }))).selected, 1);
      assertEquals((await results(target)).map((r) => [r.name, r.status]), [["st_a", "success"]]);
      assertEquals((await run(d, args(target, { selectors: ["state:modified"] }))).selected, 0);

      // An explicit state folder is only read: it stays the comparison however often we build.
      for (let i = 0; i < 2; i++) {
        const s = await run(d, args(target, { selectors: ["state:modified"], stateDir: prod }));
        assertEquals(s.selected, 1);
      }
      assertEquals(JSON.parse(await Deno.readTextFile(join(prod, "manifest.json"))), JSON.parse(manifest));

      // A failed build leaves the manifest of the last good one.
      await Deno.writeTextFile(join(root, "models/core/st_b.sql"), "select nope from {{ ref('st_a') }}");
      const before = await Deno.readTextFile(join(target, "manifest.json"));
      await run(d, args(target)).then(() => assert(false, "the build should fail"), () => {});
      assertEquals(await Deno.readTextFile(join(target, "manifest.json")), before);
    } finally {
      await dropPrivateWarehouse(sql, prefix);
      await sql.end();
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "deno task models writes its artifacts under RUNNER_TARGET_DIR unless --target-dir says otherwise",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "runner_target_" });
    try {
      const task = async (extra: string[]) => {
        const out = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", join(PROJECT_ROOT, "tasks/models.ts"), "compile", "-s", "dim_date", ...extra],
          env: { RUNNER_TARGET_DIR: join(dir, "from_env"), LOG_LEVEL: "ERROR" },
          stdout: "piped",
          stderr: "piped",
        }).output();
        assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
      };
      await task([]);
      await Deno.stat(join(dir, "from_env/compiled/models/core/dim_date.sql"));
      await task(["--target-dir", join(dir, "from_flag")]);
      await Deno.stat(join(dir, "from_flag/compiled/models/core/dim_date.sql"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
