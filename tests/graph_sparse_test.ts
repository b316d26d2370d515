/**
 * `graph metrics` on the sparse graphs a fresh world starts with, on a real (private) Neo4j: never synced, synced
 * but empty, users without any relationship, follows without a friendship (the first minutes of `deno task start`:
 * GDS's native projection refuses a relationship type the database has never held), friendships without a follow.
 * Each run succeeds and leaves every `graph` table well-formed, with the values worked out by hand below. One case
 * runs the task itself (`deno task graph metrics`) and reads its exit code and JSON summary.
 *
 * The private server is shared by the graph test files of a run and keeps the relationship types earlier tests
 * created (Neo4j never forgets a type), so "a type the database never held" is only reproduced when this file runs
 * first on a fresh server (`deno test -A tests/graph_sparse_test.ts`); the other cases hold either way.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { cypher } from "../src/clients/neo4j.ts";
import { createPostgres, type Sql } from "../src/clients/postgres.ts";
import { postgresAs, PROJECT_ROOT } from "../src/config.ts";
import { logger } from "../src/log.ts";
import { METRICS_DEFAULTS } from "../src/graph/metrics.ts";
import { runGraphCommand } from "../src/graph/run.ts";
import { pgNames } from "../src/graph/store.ts";
import { migrate } from "../src/pipeline/migrate.ts";
import { privateNeo4j } from "./_graph_env.ts";

const PREFIX = "gt_sparse_";
const n = pgNames(PREFIX);
const TABLES = ["user_pagerank", "user_degree", "user_friendship", "components", "network", "cascades"];
const USERS = ["1", "2", "3", "4"];
const D = 0.85;

/** Row counts of every result table. */
async function counts(sql: Sql): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) {
    const [r] = await sql.unsafe<{ n: number }[]>(`select count(*)::int as n from ${n.graph}.${t}`);
    out[t] = r!.n;
  }
  return out;
}

async function setSnapshot(sql: Sql, at: string) {
  await sql.unsafe(
    `insert into ${n.graph}.sync_state (id, processed, snapshot_at, synced_at) values (true, '{[1,2)}', $1, now())
     on conflict (id) do update set snapshot_at = excluded.snapshot_at`,
    [at],
  );
}

/** Per user: [friends, followers, following, PageRank, reach 1, reach 2, component size, eccentricity]. */
async function users(sql: Sql) {
  const rows = await sql.unsafe<
    { k: string; f: number; fr: number; fg: number; pr: number; r1: number; r2: number; cs: number; e: number }[]
  >(
    `select d.user_key::text as k, d.friends as f, d.followers as fr, d.following as fg, p.score as pr,
       u.reach_1 as r1, u.reach_2 as r2, u.component_size as cs, u.eccentricity as e
     from ${n.graph}.user_degree d join ${n.graph}.user_pagerank p using (user_key)
       join ${n.graph}.user_friendship u using (user_key) order by d.user_key`,
  );
  return Object.fromEntries(rows.map((r) => [r.k, [r.f, r.fr, r.fg, r.pr, r.r1, r.r2, r.cs, r.e]]));
}

/** PageRank scores are doubles: compare them within 1e-9, the rest exactly. */
function assertUsers(actual: Record<string, unknown[]>, expected: Record<string, unknown[]>) {
  assertEquals(Object.keys(actual), Object.keys(expected));
  for (const [k, row] of Object.entries(expected)) {
    const got = actual[k]!;
    assert(Math.abs((got[3] as number) - (row[3] as number)) < 1e-9, `user ${k}: PageRank ${got[3]} vs ${row[3]}`);
    assertEquals([...got.slice(0, 3), ...got.slice(4)], [...row.slice(0, 3), ...row.slice(4)], `user ${k}`);
  }
}

Deno.test({
  name: "graph metrics: sparse and empty graphs give empty or zero results, never an error",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    const neo = await privateNeo4j();
    // As the task connects: the modeller owns what the graph writes (20261130_0003_roles.sql).
    const owner = createPostgres(neo.cfg.postgres);
    const sql = createPostgres(postgresAs(neo.cfg.postgres, "modeller"));
    const deps = { sql, neo4j: neo.driver, log: logger("graph-test"), names: n };
    const metrics = (force = true) =>
      runGraphCommand(deps, "metrics", { sync: { batchSize: 1000 }, metrics: METRICS_DEFAULTS, force });
    const network = async () => {
      const [w] = await sql.unsafe(
        `select users, friendships, follows, components, largest_component, diameter, average_path,
           avg_friends_all, avg_friends_nonzero, avg_followers_all, avg_followers_nonzero from ${n.graph}.network`,
      );
      return { ...w };
    };
    try {
      // The roles and the modeller's CREATE on this database come with the migrations (on a fresh clone, no task may
      // have migrated this database yet).
      await migrate(owner);
      await owner.unsafe(`drop schema if exists ${n.graph} cascade`);

      await t.step("never synced: no snapshot, the tables exist and stay empty", async () => {
        const s = await metrics();
        assertEquals(s.outcome, "no_snapshot");
        assertEquals(await counts(sql), Object.fromEntries(TABLES.map((t) => [t, 0])));
      });

      await t.step("synced, empty graph: one network row of zeros, no other row", async () => {
        await setSnapshot(sql, "2026-11-01T00:01:00Z");
        const s = await metrics();
        assertEquals([s.outcome, s.users, s.cascades], ["computed", 0, 0]);
        assertEquals(await counts(sql), { ...Object.fromEntries(TABLES.map((t) => [t, 0])), network: 1 });
        assertEquals(await network(), {
          users: 0,
          friendships: 0,
          follows: 0,
          components: 0,
          largest_component: 0,
          diameter: 0,
          average_path: null,
          avg_friends_all: 0,
          avg_friends_nonzero: null,
          avg_followers_all: 0,
          avg_followers_nonzero: null,
        });
        // Up to date for the same snapshot unless forced, like any other run.
        assertEquals((await metrics(false)).outcome, "up_to_date");
      });

      await cypher(neo.driver, "UNWIND $keys AS k CREATE (:User {key: k, name: 'u' + k})", { keys: USERS });

      await t.step("users without relationships: PageRank 1 - d each, one component per user", async () => {
        await setSnapshot(sql, "2026-11-01T00:02:00Z");
        await metrics();
        assertEquals(await counts(sql), {
          user_pagerank: 4,
          user_degree: 4,
          user_friendship: 4,
          components: 4,
          network: 1,
          cascades: 0,
        });
        const alone = [0, 0, 0, 1 - D, 0, 0, 1, 0];
        assertUsers(await users(sql), Object.fromEntries(USERS.map((k) => [k, alone])));
        const w = await network();
        assertEquals([w.users, w.friendships, w.follows, w.components, w.largest_component, w.diameter], [
          4,
          0,
          0,
          4,
          1,
          0,
        ]);
        assertEquals(w.average_path, null);
      });

      await t.step("follows without a friendship, through the task itself: exit 0, PageRank by hand", async () => {
        // 1 -> 2, 3 -> 2, 2 -> 4: r1 = r3 = 1 - d, r2 = (1 - d) + d (r1 + r3), r4 = (1 - d) + d r2.
        await cypher(
          neo.driver,
          `UNWIND [['1', '2'], ['3', '2'], ['2', '4']] AS p MATCH (a:User {key: p[0]}), (b:User {key: p[1]})
           CREATE (a)-[:FOLLOWS]->(b)`,
        );
        await setSnapshot(sql, "2026-11-01T00:03:00Z");
        const out = await new Deno.Command(Deno.execPath(), {
          args: ["run", "-A", "tasks/graph.ts", "metrics", "--schema-prefix", PREFIX],
          cwd: PROJECT_ROOT,
          env: { NEO4J_URL: neo.cfg.neo4j.url, NEO4J_USER: "", NEO4J_PASSWORD: "", LOG_LEVEL: "ERROR" },
          stdout: "piped",
          stderr: "piped",
        }).output();
        const stdout = new TextDecoder().decode(out.stdout).trim().split("\n");
        assertEquals(out.code, 0, new TextDecoder().decode(out.stderr) + stdout.join("\n"));
        const summary = JSON.parse(stdout.at(-1)!);
        assertEquals([summary.status, summary.command, summary.outcome, summary.follows, summary.friendships], [
          "ok",
          "metrics",
          "computed",
          3,
          0,
        ]);
        const base = 1 - D, r2 = base + D * 2 * base, r4 = base + D * r2;
        assertUsers(await users(sql), {
          "1": [0, 0, 1, base, 0, 0, 1, 0],
          "2": [0, 2, 1, r2, 0, 0, 1, 0],
          "3": [0, 0, 1, base, 0, 0, 1, 0],
          "4": [0, 1, 0, r4, 0, 0, 1, 0],
        });
        const w = await network();
        assertEquals([w.follows, w.components, w.avg_followers_all, w.avg_followers_nonzero], [3, 4, 3 / 4, 3 / 2]);
      });

      await t.step("friendships without a follow: reach, eccentricity, average path by hand", async () => {
        await cypher(neo.driver, "MATCH ()-[r:FOLLOWS]->() DELETE r");
        // A path 1 - 2 - 3 and 4 alone: ordered pairs of the path at distances 1, 1, 2 (each twice) average 4/3.
        await cypher(
          neo.driver,
          `UNWIND [['1', '2'], ['2', '3']] AS p MATCH (a:User {key: p[0]}), (b:User {key: p[1]})
           CREATE (a)-[:FRIEND]->(b)`,
        );
        await setSnapshot(sql, "2026-11-01T00:04:00Z");
        const s = await metrics();
        assertEquals([s.follows, s.friendships, s.components, s.largest_component, s.diameter], [0, 2, 2, 3, 2]);
        const base = 1 - D;
        assertUsers(await users(sql), {
          "1": [1, 0, 0, base, 1, 1, 3, 2],
          "2": [2, 0, 0, base, 2, 0, 3, 1],
          "3": [1, 0, 0, base, 1, 1, 3, 2],
          "4": [0, 0, 0, base, 0, 0, 1, 0],
        });
        const w = await network();
        assert(Math.abs((w.average_path as number) - 4 / 3) < 1e-9, String(w.average_path));
        assertEquals([w.avg_friends_all, w.avg_friends_nonzero], [1, 4 / 3]);
        assertEquals(await counts(sql), {
          user_pagerank: 4,
          user_degree: 4,
          user_friendship: 4,
          components: 2,
          network: 1,
          cascades: 0,
        });
      });
    } finally {
      await owner.unsafe(`drop schema if exists ${n.graph} cascade`);
      await owner.end();
      await sql.end();
      await neo.driver.close();
    }
  },
});
