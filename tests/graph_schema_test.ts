/**
 * The graph's PostgreSQL tables exist before any graph command has run: the migration
 * (src/pipeline/migrations/20261130_0005_graph.sql) creates schema `graph` with exactly the tables and columns that
 * src/graph/store.ts and src/graph/results.ts create in a prefixed schema, owned by the modeller and readable by the
 * reader, and the results of a metrics run land in them. Needs PostgreSQL and S3 (`deno task stack:up`).
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { config } from "../src/config.ts";
import type { Sql } from "../src/clients/postgres.ts";
import { configureLogging, logger } from "../src/log.ts";
import { openSandbox } from "../src/pipeline/sandbox.ts";
import { migrate } from "../src/pipeline/migrate.ts";
import { emptyMetrics, type GraphMetrics } from "../src/graph/metrics.ts";
import { resultTables, writeResults } from "../src/graph/results.ts";
import { ensureGraphSchema, pgNames } from "../src/graph/store.ts";

const MIGRATION = "20261130_0005_graph.sql";
const PREFIX = "gs_";

/** Every table of a schema with its columns (name, type, not null, default) in order and its primary key. */
async function describe(sql: Sql, schema: string): Promise<Record<string, unknown>> {
  const cols = await sql.unsafe<{ t: string; c: string; type: string; nn: boolean; def: string | null }[]>(
    `select c.relname as t, a.attname as c, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as nn,
            pg_get_expr(d.adbin, d.adrelid) as def
       from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
       left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
      where n.nspname = $1 and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
      order by c.relname, a.attnum`,
    [schema],
  );
  const cons = await sql.unsafe<{ t: string; def: string }[]>(
    `select c.relname as t, pg_get_constraintdef(k.oid) as def
       from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 order by c.relname, def`,
    [schema],
  );
  const out: Record<string, { columns: string[]; constraints: string[] }> = {};
  for (const r of cols) {
    (out[r.t] ??= { columns: [], constraints: [] }).columns.push(
      `${r.c} ${r.type}${r.nn ? " not null" : ""}${r.def ? ` default ${r.def}` : ""}`,
    );
  }
  for (const r of cons) out[r.t]?.constraints.push(r.def);
  return out;
}

/** A small result set: two users, one friendship, one cascade. */
function smallMetrics(): GraphMetrics {
  const m = emptyMetrics();
  const user = (key: string, id: string) => ({
    key,
    id,
    name: `u${key}`,
    friends: 1,
    followers: 0,
    following: 0,
    pagerank: 0.15,
    pagerankRank: 1,
    reach1: 1,
    reach2: 0,
    reach3: 0,
    component: 0,
    eccentricity: 1,
    eccentricityLower: 1,
    eccentricityUpper: 1,
  });
  m.users = [user("1", crypto.randomUUID()), user("2", crypto.randomUUID())];
  m.cascades = [{
    publicationKey: "9",
    authorKey: "1",
    reposts: 1,
    quotes: 0,
    depth: 1,
    breadth: 1,
    distinctSharers: 1,
  }];
  m.network = {
    ...m.network,
    users: 2,
    friendships: 1,
    components: 1,
    componentSizes: [2],
    largestComponent: 2,
    diameter: 1,
    diameterLower: 1,
    diameterUpper: 1,
    averagePath: 1,
  };
  return m;
}

Deno.test({
  name: "graph schema: the migration creates the tables the graph writes, for the modeller and the reader",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    configureLogging({ level: "ERROR", format: "text" });
    const box = await openSandbox(config(), "graph_schema", logger("test-graph-schema"));
    const sql = box.sql;
    const prefixed = pgNames(PREFIX);
    try {
      // A fresh graph schema from the migration alone (an earlier run of this test left one behind).
      await sql.unsafe(`drop schema if exists graph, ${prefixed.graph} cascade`);
      await sql.unsafe(`delete from public.schema_migrations where name = '${MIGRATION}'`);
      assertEquals(await migrate(sql), [MIGRATION]);

      await t.step("the migration's tables equal what store.ts and results.ts create", async () => {
        await ensureGraphSchema(sql, prefixed);
        for (const ddl of Object.values(resultTables(prefixed))) await sql.unsafe(ddl);
        const fromMigration = await describe(sql, "graph");
        const fromCode = await describe(sql, prefixed.graph);
        assertEquals(
          Object.keys(fromMigration).sort(),
          [...Object.keys(resultTables(prefixed)), "edge_state", "sync_state"].sort(),
        );
        assertEquals(fromMigration, fromCode);
      });

      await t.step("the modeller owns schema graph and its tables; the reader may read, not write", async () => {
        const [schema] = await sql.unsafe<{ owner: string }[]>(
          "select pg_get_userbyid(nspowner) as owner from pg_namespace where nspname = 'graph'",
        );
        assertEquals(schema?.owner, "socialpulse_modeller");
        const tables = await sql.unsafe<{ t: string; owner: string; rd: boolean; wr: boolean; mw: boolean }[]>(
          `select c.relname as t, pg_get_userbyid(c.relowner) as owner,
                  has_table_privilege('socialpulse_reader', c.oid, 'select') as rd,
                  has_table_privilege('socialpulse_reader', c.oid, 'insert, update, delete, truncate') as wr,
                  has_table_privilege('socialpulse_modeller', c.oid, 'insert, delete, truncate') as mw
             from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'graph' and c.relkind = 'r' order by 1`,
        );
        assertEquals(tables.length, 8);
        for (const r of tables) {
          assertEquals([r.t, r.owner, r.rd, r.wr, r.mw], [r.t, "socialpulse_modeller", true, false, true]);
        }
      });

      await t.step("results land in the migration's tables, and empty results leave them empty", async () => {
        const snapshot = new Date("2026-11-20T12:00:00Z");
        const pr = { dampingFactor: 0.85, maxIterations: 20, tolerance: 1e-7 };
        const n = pgNames("");
        const counts = await writeResults(sql, n, smallMetrics(), snapshot, pr);
        assertEquals(counts, {
          user_pagerank: 2,
          user_degree: 2,
          user_friendship: 2,
          components: 1,
          network: 1,
          cascades: 1,
        });
        const [c] = await sql.unsafe(`select count(*)::int as n from graph.user_friendship where component_size = 2`);
        assertEquals(c?.n, 2);
        const empty = await writeResults(sql, n, emptyMetrics(), snapshot, pr);
        assertEquals(empty, {
          user_pagerank: 0,
          user_degree: 0,
          user_friendship: 0,
          components: 0,
          network: 1,
          cascades: 0,
        });
        const [net] = await sql.unsafe(`select users, friendships, follows, diameter, average_path from graph.network`);
        assertEquals({ ...net }, { users: 0, friendships: 0, follows: 0, diameter: 0, average_path: null });
      });
    } finally {
      await sql.unsafe(`drop schema if exists ${prefixed.graph} cascade`);
      await box.close();
    }
  },
});
