/**
 * The model runner on real PostgreSQL, in private schemas (prefix `rt_it_`, `rt_wap_`, `rt_cyc_`) so that nobody's
 * landing, etl, staging or core data is touched: generated drops are loaded into `rt_it_landing.events`, the real
 * project's models are built over them, and the star schema is checked against the generator's own ledger.
 * Needs PostgreSQL (`deno task stack:up --only postgres`).
 */
import { deepStrictEqual as assertEquals, ok as assert, rejects as assertRejects } from "node:assert/strict";
import { join } from "node:path";
import { config, PROJECT_ROOT } from "../src/config.ts";
import { createPostgres, type Sql } from "../src/clients/postgres.ts";
import { logger } from "../src/log.ts";
import type { EventType } from "../src/events/mod.ts";
import { CycleError, run, type RunnerArgs } from "../src/runner/mod.ts";
import type { NodeResult } from "../src/runner/execute.ts";
import {
  createPrivateWarehouse,
  dropPrivateWarehouse,
  type Drops,
  generateDrops,
  ledgerByType,
  loadBatch,
  tableFingerprints,
} from "../src/runner/testing.ts";

const cfg = config();
const PREFIX = "rt_it_";

function deps(sql: Sql, prefix: string, root = PROJECT_ROOT) {
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

async function count(sql: Sql, relation: string, where = "true"): Promise<number> {
  const [row] = await sql.unsafe<{ n: string }[]>(`select count(*) as n from ${relation} where ${where}`);
  return Number(row!.n);
}

/** Which event types each table holds one row per event of (the ledger's vocabulary). */
const FACT_TYPES: Record<string, EventType[]> = {
  fact_publication: ["publication.created"],
  fact_comment: ["comment.created", "reply.created"],
  fact_reaction: ["reaction.added"],
  fact_share: ["share.created"],
  fact_view: ["publication.viewed"],
  fact_social_edge_event: [
    "friendship.requested",
    "friendship.accepted",
    "friendship.ended",
    "follow.created",
    "follow.removed",
    "close_friend.added",
    "close_friend.removed",
  ],
  fact_safety_action: ["block.created", "mute.created"],
  fact_subscription_event: ["subscription.started", "subscription.cancelled"],
  fact_membership_event: [
    "community.joined",
    "community.left",
    "community.moderator_added",
    "community.moderator_removed",
  ],
  fact_pinned_post: ["community.post_pinned"],
  fact_complaint: ["complaint.filed"],
  fact_ad_impression: ["ad.impression"],
  fact_ad_click: ["ad.clicked"],
  fact_payment: ["sponsorship.created", "donation.made", "subscription.charged"],
  fact_publication_deletion: ["publication.deleted"],
  dim_campaign: ["campaign.created"],
  dim_ad: ["ad.created"],
};
/** Dimensions with one row per creating event plus the -1 member. */
const DIM_TYPES: Record<string, EventType[]> = {
  dim_user: [
    "user.signed_up",
    "user.profile_updated",
    "user.settings_changed",
    "user.privacy_changed",
    "user.badge_awarded",
  ],
  dim_publication: ["publication.created"],
  dim_media: ["media.uploaded"],
  dim_community: ["community.created"],
  dim_advertiser: ["advertiser.registered"],
  dim_album: ["album.created"],
};

Deno.test({
  name: "models build: every model and test on generated data, counts equal the ledger, incremental = full refresh",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const sql = createPostgres(cfg.postgres);
    const target = await Deno.makeTempDir({ prefix: "runner_it_" });
    try {
      // Twelve hours at 120 events a minute: the world matures enough for (nearly) every event type to occur, and
      // late events (up to 3 h late) arrive in later batches than their neighbours.
      const drops: Drops = await generateDrops("2026-11-20T06:00:00Z", "2026-11-20T18:00:00Z", 120, 7);
      await createPrivateWarehouse(sql, PREFIX);
      const seen = new Set<string>();
      const first = drops.files.slice(0, 540), second = drops.files.slice(540);
      for (let i = 0; i < first.length; i += 60) await loadBatch(sql, PREFIX, drops, first.slice(i, i + 60), seen);

      await t.step("a first build builds every model and passes every blocking test", async () => {
        const s = await run(deps(sql, PREFIX), args(target));
        assertEquals([s.errors, s.failed, s.skipped, s.tests_failed], [0, 0, 0, 0]);
        const rs = await results(target);
        assert(rs.every((r) => r.status === "success"), JSON.stringify(rs.filter((r) => r.status !== "success")));
        assert((s.tests_passed as number) > 150);
      });

      const [maxFirst] = await sql.unsafe<{ t: Date }[]>(`select max(occurred_at) as t from ${PREFIX}landing.events`);
      for (let i = 0; i < second.length; i += 30) await loadBatch(sql, PREFIX, drops, second.slice(i, i + 30), seen);

      await t.step("an incremental build after new batches processes only their window", async () => {
        const lateIntoOldWindow = await count(
          sql,
          `${PREFIX}landing.events`,
          `batch_id > 9 and is_late and occurred_at < '${maxFirst!.t.toISOString()}'`,
        );
        assert(lateIntoOldWindow > 0, "the second part should carry late events of the first part's window");
        const s = await run(deps(sql, PREFIX), args(target));
        assertEquals([s.errors, s.failed, s.tests_failed], [0, 0, 0]);
        const rs = await results(target);
        const fact = rs.find((r) => r.name === "fact_view")!;
        assertEquals([fact.status, fact.mode, fact.batches], ["success", "incremental", 6]);
        assert(fact.window!.start < maxFirst!.t.toISOString(), "a late event pulls the window back");
        assertEquals(rs.find((r) => r.name === "dim_date")!.status, "up_to_date");
      });

      await t.step("fact and dimension counts equal the generator's ledger", async () => {
        const ledger = ledgerByType(drops, drops.files);
        const sum = (types: EventType[]) => types.reduce((a, ty) => a + (ledger[ty] ?? 0), 0);
        const present = Object.values(FACT_TYPES).filter((types) => sum(types) > 0).length;
        assert(present >= Object.keys(FACT_TYPES).length - 1, "nearly every fact should have rows in twelve hours");
        for (const [table, types] of Object.entries(FACT_TYPES)) {
          assertEquals([table, await count(sql, `${PREFIX}core.${table}`)], [table, sum(types)]);
        }
        for (const [table, types] of Object.entries(DIM_TYPES)) {
          assertEquals([table, await count(sql, `${PREFIX}core.${table}`)], [table, sum(types) + 1]);
        }
        const [offline] = await sql.unsafe<{ n: string }[]>(
          `select count(*) as n from ${PREFIX}landing.events
           where event_type = 'user.status_changed' and payload ->> 'status' = 'offline'`,
        );
        assertEquals(await count(sql, `${PREFIX}core.fact_user_session`), Number(offline!.n));
        // Per day, from the generator's day ledger: views and comments by date_key.
        for (const key of [...drops.store.objects.keys()].filter((k) => k.startsWith("ledger/days/"))) {
          const day = JSON.parse(new TextDecoder().decode(drops.store.objects.get(key)!));
          const dateKey = Number(day.date.replaceAll("-", ""));
          assertEquals(await count(sql, `${PREFIX}core.fact_view`, `date_key = ${dateKey}`), day.views);
          assertEquals(await count(sql, `${PREFIX}core.fact_comment`, `date_key = ${dateKey}`), day.comments.total);
          assertEquals(
            await count(sql, `${PREFIX}core.fact_comment`, `date_key = ${dateKey} and is_reply`),
            day.comments.replies,
          );
        }
      });

      await t.step("incremental tables equal a --full-refresh rebuild (row counts and checksums)", async () => {
        const fingerprints = async () => ({
          ...await tableFingerprints(sql, `${PREFIX}staging`),
          ...await tableFingerprints(sql, `${PREFIX}core`),
        });
        const incremental = await fingerprints();
        const s = await run(deps(sql, PREFIX), args(target, { fullRefresh: true }));
        assertEquals([s.errors, s.failed, s.tests_failed], [0, 0, 0]);
        assert((await results(target)).every((r) => r.mode === "full" || r.kind === "test"));
        const full = await fingerprints();
        assert(Object.keys(full).length >= 30, Object.keys(full).join());
        assertEquals(incremental, full);
      });

      await t.step("artifacts: manifest, run results and compiled SQL", async () => {
        const manifest = JSON.parse(await Deno.readTextFile(join(target, "manifest.json")));
        const fact = manifest.nodes.fact_comment;
        assert(fact.depends_on.nodes.includes("stg_comments"), fact.depends_on.nodes.join());
        assertEquals(fact.materialized, "incremental");
        assert(fact.grain.length > 0 && /^[0-9a-f]{64}$/.test(fact.checksum));
        const compiled = await Deno.readTextFile(join(target, fact.compiled_path));
        assert(compiled.includes(`from ${PREFIX}staging.stg_comments`), compiled);
        const rs = await results(target);
        assert(rs.every((r) => typeof r.duration_ms === "number" && r.started_at));
      });
    } finally {
      await dropPrivateWarehouse(sql, PREFIX);
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
  name: "write-audit-publish: a model whose test fails leaves the previous table, increment and view in place",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const prefix = "rt_wap_";
    const sql = createPostgres(cfg.postgres);
    const root = await scratchProject({
      "models/core/wap_table.sql": "/*\ncolumns:\n  id: { tests: [unique] }\n*/\n" +
        "select 1 as id union all select {{ var('second', 'number', '2') }} as id",
      "models/core/wap_incr.sql": "/*\nmaterialized: incremental\nincremental_strategy: delete+insert\n" +
        "unique_key: id\ntime_column: at\ncolumns:\n  label: { tests: [{ accepted_values: [a] }] }\n*/\n" +
        "select g as id, '2026-01-01'::timestamptz as at, {{ var('label', 'string', 'a') }}::text as label\n" +
        "from generate_series(1, {{ var('n', 'number', '2') }}) as g",
      "models/core/wap_view.sql": "/*\nmaterialized: view\ntests:\n  - expression: x = 1\n*/\n" +
        "select {{ var('x', 'number', '1') }} as x",
    });
    const target = join(root, "target");
    try {
      await dropPrivateWarehouse(sql, prefix);
      const ok = await run(deps(sql, prefix, root), args(target));
      assertEquals([ok.success, ok.tests_failed], [3, 0]);
      await assertRejects(
        () => run(deps(sql, prefix, root), args(target, { vars: { second: "1", n: "3", label: "b", x: "2" } })),
        /3 node\(s\) failed/,
      );
      const rs = await results(target);
      assertEquals(rs.map((r) => [r.name, r.status]), [["wap_incr", "fail"], ["wap_table", "fail"], [
        "wap_view",
        "fail",
      ]]);
      assert(rs.every((r) => r.message!.includes("previous version stays in place")));
      assertEquals(rs.find((r) => r.name === "wap_table")!.tests[0]!.failures, 1);
      const ids = await sql.unsafe<{ id: number }[]>(`select id from ${prefix}core.wap_table order by id`);
      assertEquals(ids.map((r) => r.id), [1, 2]);
      const labels = await sql.unsafe<{ label: string; n: string }[]>(
        `select label, count(*) as n from ${prefix}core.wap_incr group by label`,
      );
      assertEquals(labels.map((r) => [r.label, Number(r.n)]), [["a", 2]]);
      const [view] = await sql.unsafe<{ x: number }[]>(`select x from ${prefix}core.wap_view`);
      assertEquals(view!.x, 1);
      assertEquals(await count(sql, "pg_tables", `schemaname = '${prefix}core' and tablename like '%\\_\\_new'`), 0);
    } finally {
      await dropPrivateWarehouse(sql, prefix);
      await sql.end();
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "a dependency cycle is reported with its path before anything runs",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const sql = createPostgres(cfg.postgres);
    const root = await scratchProject({
      "models/core/cyc_a.sql": "select * from {{ ref('cyc_c') }}",
      "models/core/cyc_b.sql": "select * from {{ ref('cyc_a') }}",
      "models/core/cyc_c.sql": "select * from {{ ref('cyc_b') }}",
      "models/core/cyc_free.sql": "select 1 as x",
    });
    try {
      await assertRejects(
        () => run(deps(sql, "rt_cyc_", root), args(join(root, "target"))),
        (e: Error) => e instanceof CycleError && e.message === "dependency cycle: cyc_a -> cyc_c -> cyc_b -> cyc_a",
      );
      assertEquals(await count(sql, "pg_namespace", "nspname like 'rt\\_cyc\\_%'"), 0);
    } finally {
      await sql.end();
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "an SQL error names the model file and the line of the select it comes from",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const prefix = "rt_err_";
    const sql = createPostgres(cfg.postgres);
    const root = await scratchProject({
      "models/core/broken.sql":
        "/*\ndescription: a typo on line 7\n*/\nselect\n  1 as a,\n  2 as b,\n  nonexistent_column as c\n",
      "models/core/after_broken.sql": "select * from {{ ref('broken') }}",
      "models/core/independent.sql": "select 1 as x",
    });
    const target = join(root, "target");
    try {
      await assertRejects(() => run(deps(sql, prefix, root), args(target)), /1 node\(s\) failed/);
      const rs = await results(target);
      const broken = rs.find((r) => r.name === "broken")!;
      assertEquals(broken.status, "error");
      assert(broken.message!.startsWith('models/core/broken.sql:7: column "nonexistent_column"'), broken.message!);
      assertEquals(rs.find((r) => r.name === "after_broken")!.status, "skipped");
      assertEquals(rs.find((r) => r.name === "independent")!.status, "success");
    } finally {
      await dropPrivateWarehouse(sql, prefix);
      await sql.end();
      await Deno.remove(root, { recursive: true });
    }
  },
});
