/**
 * `deno task graph check`: the relationships in Neo4j against the current state derived from the star schema.
 *
 * The expected state is folded afresh from every star row (not from `graph.edge_state`): per stateful pair, the
 * last event by (occurred_at, event_id) decides; POSTED, SHARED and ABOUT come from the publications, shares and
 * communities. Per type, the count and an order-independent checksum of the (from, to) keys are compared (so a
 * missing pair offset by an extra one is caught too); any difference is an error that lists example pairs missing on
 * either side. A graph whose
 * watermark lags the star (batches the star reflects and the graph not yet) is an error too: sync first.
 *
 * @module
 */
import type { Sql } from "../clients/postgres.ts";
import { cypher, type Driver } from "../clients/neo4j.ts";
import { REL_TYPES } from "./model.ts";
import { ensureGraphSchema, type PgNames, readSyncState } from "./store.ts";
import { edgeEventsSql, requireStar, SOURCE_MODELS } from "./sync.ts";

/** One relationship type's counts, and examples when they differ. */
export interface TypeCheck {
  type: string;
  neo4j: number;
  star: number;
  /** Sum over pairs of (from mod 1000003) * 1009 + (to mod 999983): equal sets give equal sums. */
  neo4jChecksum: number;
  starChecksum: number;
  /** Up to 5 pairs (from key -> to key) the star has and Neo4j lacks, and the other way round. */
  missingInNeo4j?: string[];
  extraInNeo4j?: string[];
}

/** The outcome of a check. */
export interface CheckReport extends Record<string, unknown> {
  ok: boolean;
  types: TypeCheck[];
  /** Batches the star reflects that the graph does not (0 when in step). */
  batches_behind: number;
}

/** Star-derived pairs per immutable type (stateful types fold the edge events). */
function immutablePairsSql(n: PgNames): Record<string, string> {
  return {
    POSTED: `select author_user_key::text as a, publication_key::text as b from ${n.core}.dim_publication
             where publication_key <> -1
             union all select sharer_user_key::text, share_key::text from ${n.core}.fact_share`,
    SHARED: `select share_key::text as a, case when parent_share_key = -1 then publication_key else parent_share_key
             end::text as b from ${n.core}.fact_share`,
    ABOUT: `select publication_key::text as a, topic_key::text as b from ${n.core}.dim_publication
            where publication_key <> -1 and topic_key <> -1
            union all select community_key::text, topic_key::text from ${n.core}.dim_community
            where community_key <> -1 and topic_key <> -1`,
  };
}

function statefulPairsSql(n: PgNames, type: string): string {
  return `with ev as (${edgeEventsSql(n, "'-infinity'::timestamptz")}),
    last as (select distinct on (rel, src, dst) * from ev order by rel, src, dst, at desc, event_id desc)
    select src::text as a, dst::text as b from last where rel = '${type}' and present`;
}

/** Compare Neo4j with the star; never throws for a difference (the report says), only for failures to read. */
export async function checkGraph(sql: Sql, driver: Driver, n: PgNames): Promise<CheckReport> {
  await requireStar(sql, n);
  await ensureGraphSchema(sql, n);
  const immutable = immutablePairsSql(n);
  const pairsSql = (type: string) => immutable[type] ?? statefulPairsSql(n, type);
  const star = new Map<string, { n: number; sum: number }>();
  const summarise = `count(*) as n, coalesce(sum((a::bigint % 1000003) * 1009 + (b::bigint % 999983)), 0) as sum`;
  const folded = await sql.unsafe<{ rel: string; n: string; sum: string }[]>(
    `with ev as (${edgeEventsSql(n, "'-infinity'::timestamptz")}),
     last as (select distinct on (rel, src, dst) * from ev order by rel, src, dst, at desc, event_id desc)
     select rel, ${summarise} from (select rel, src as a, dst as b from last where present) p group by rel`,
  );
  for (const r of folded) star.set(r.rel, { n: Number(r.n), sum: Number(r.sum) });
  for (const [t, q] of Object.entries(immutable)) {
    const [row] = await sql.unsafe<{ n: string; sum: string }[]>(
      `select ${summarise} from (select distinct a, b from (${q}) p) d`,
    );
    star.set(t, { n: Number(row!.n), sum: Number(row!.sum) });
  }
  const neoRows = await cypher<{ type: string; n: number; sum: number }>(
    driver,
    `MATCH (x)-[r]->(y) RETURN type(r) AS type, count(r) AS n,
       sum((toInteger(x.key) % 1000003) * 1009 + (toInteger(y.key) % 999983)) AS sum`,
  );
  const neo = new Map(neoRows.map((r) => [r.type, r]));

  const types: TypeCheck[] = [];
  for (const type of REL_TYPES) {
    const c: TypeCheck = {
      type,
      neo4j: neo.get(type)?.n ?? 0,
      star: star.get(type)?.n ?? 0,
      neo4jChecksum: neo.get(type)?.sum ?? 0,
      starChecksum: star.get(type)?.sum ?? 0,
    };
    if (c.neo4j !== c.star || c.neo4jChecksum !== c.starChecksum) {
      const starPairs = new Set(
        (await sql.unsafe<{ a: string; b: string }[]>(pairsSql(type))).map((r) => `${r.a}->${r.b}`),
      );
      const neoPairs = new Set(
        (await cypher<{ a: string; b: string }>(driver, `MATCH (x)-[:${type}]->(y) RETURN x.key AS a, y.key AS b`))
          .map((r) => `${r.a}->${r.b}`),
      );
      c.missingInNeo4j = [...starPairs].filter((p) => !neoPairs.has(p)).slice(0, 5);
      c.extraInNeo4j = [...neoPairs].filter((p) => !starPairs.has(p)).slice(0, 5);
    }
    types.push(c);
  }

  const state = await readSyncState(sql, n);
  const models = SOURCE_MODELS.map((m) => `'${m}'`).join(", ");
  const [behind] = await sql.unsafe<{ n: string }[]>(
    `with st as (select processed from ${n.runner}.model_state where model in (${models})),
     r as (select range_intersect_agg(processed) - '${state.processed}'::int8multirange as f from st)
     select coalesce(sum(upper(x) - lower(x)), 0) as n from r, unnest(r.f) as x`,
  );
  const batchesBehind = Number(behind?.n ?? 0);
  return {
    ok: types.every((t) => t.neo4j === t.star && t.neo4jChecksum === t.starChecksum) && batchesBehind === 0,
    types,
    batches_behind: batchesBehind,
  };
}
