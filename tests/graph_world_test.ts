/**
 * Three generated days through the whole path: generator -> private warehouse (schemas prefixed `gt_world_`, 1% of
 * injected faults, late events) -> the real models -> `graph sync` day by day into a private Neo4j -> `graph
 * metrics`. The truth is computed here, independently, from the landed events: a fold of the edge events in time
 * order gives every user's friends, followers and following; the share events give each cascade's size, depth
 * (the generator's own `cascade_depth`), widest level and sharers; a plain power iteration gives PageRank. Per-user
 * degrees are also held to the generator's own entity ledger of the last day (its state at midnight).
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import type { Sql } from "../src/clients/postgres.ts";
import { type Drops, generateDrops, loadBatch } from "../src/runner/testing.ts";
import type { EntityDayJson } from "../src/generator/ledger.ts";
import { checkGraph } from "../src/graph/check.ts";
import { METRICS_DEFAULTS, pageRank } from "../src/graph/metrics.ts";
import { runMetrics } from "../src/graph/run.ts";
import { pgNames } from "../src/graph/store.ts";
import { syncGraph } from "../src/graph/sync.ts";
import { buildStar, withGraphWarehouse } from "./_graph_env.ts";

/** The generator's entity ledger of a day (gzip JSON beside the drops). */
async function entityLedger(drops: Drops, date: string): Promise<EntityDayJson> {
  const bytes = drops.store.objects.get(`ledger/entities/date=${date}.json.gz`);
  if (!bytes) throw new Error(`no entity ledger for ${date}`);
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream("gzip"));
  return JSON.parse(await new Response(stream).text());
}

const PREFIX = "gt_world_";
const names = pgNames(PREFIX);
const DAYS = ["2026-11-17", "2026-11-18", "2026-11-19"];
const RATE = 40;

interface EdgeEvent {
  event_type: string;
  payload: Record<string, string>;
}

/** Friends, followers and following per user id, folding the landed edge events in (occurred_at, event_id) order. */
async function foldDegrees(sql: Sql) {
  const events = await sql.unsafe<EdgeEvent[]>(
    `select event_type, payload from ${PREFIX}landing.events
     where event_type in ('follow.created', 'follow.removed', 'friendship.accepted', 'friendship.ended')
     order by occurred_at, event_id`,
  );
  const follows = new Map<string, boolean>(), friends = new Map<string, boolean>();
  for (const { event_type: type, payload: p } of events) {
    if (type.startsWith("follow.")) {
      follows.set(`${p.follower_user_id} ${p.followee_user_id}`, type === "follow.created");
    } else {
      const a = p.requester_user_id ?? p.user_id!, b = p.addressee_user_id ?? p.friend_user_id!;
      friends.set([a, b].sort().join(" "), type === "friendship.accepted");
    }
  }
  const degree = new Map<string, [number, number, number]>();
  const bump = (id: string, i: number) => {
    const d = degree.get(id) ?? [0, 0, 0];
    d[i]!++;
    degree.set(id, d);
  };
  for (const [pair, on] of friends) {
    if (!on) continue;
    const [a, b] = pair.split(" ") as [string, string];
    bump(a, 0);
    bump(b, 0);
  }
  const followEdges: [string, string][] = [];
  for (const [pair, on] of follows) {
    if (!on) continue;
    const [a, b] = pair.split(" ") as [string, string];
    bump(b, 1);
    bump(a, 2);
    followEdges.push([a, b]);
  }
  const friendEdges = [...friends].filter(([, on]) => on).map(([pair]) => pair.split(" ") as [string, string]);
  return { degree, followEdges, friendEdges };
}

/** Per user id: users at distance exactly 1, 2, 3, eccentricity and component size, by a BFS from every user. */
function reachByBfs(ids: string[], friendEdges: [string, string][]): Map<string, number[]> {
  const adj = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const [a, b] of friendEdges) {
    adj.get(a)!.push(b);
    adj.get(b)!.push(a);
  }
  const out = new Map<string, number[]>();
  for (const s of ids) {
    const dist = new Map([[s, 0]]);
    const queue = [s];
    for (let i = 0; i < queue.length; i++) {
      for (const w of adj.get(queue[i]!)!) {
        if (!dist.has(w)) {
          dist.set(w, dist.get(queue[i]!)! + 1);
          queue.push(w);
        }
      }
    }
    const at = [0, 0, 0, 0];
    let ecc = 0;
    for (const d of dist.values()) {
      if (d >= 1 && d <= 3) at[d]!++;
      ecc = Math.max(ecc, d);
    }
    out.set(s, [at[1]!, at[2]!, at[3]!, ecc, dist.size]);
  }
  return out;
}

/** user_id -> user_key as the star computes it. */
async function keysOf(sql: Sql, ids: string[]): Promise<Map<string, string>> {
  const rows = await sql.unsafe<{ id: string; k: string }[]>(
    `select id, hashtextextended(id, 0)::text as k from unnest($1::text[]) as id`,
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.k]));
}

Deno.test({
  name: "graph on three generated days: check passes, re-sync changes nothing, metrics equal independent folds",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    await withGraphWarehouse(PREFIX, "graph-world-test", async ({ neo, sql, target, deps }) => {
      const drops = await generateDrops(`${DAYS[0]}T00:00:00Z`, "2026-11-20T00:00:00Z", RATE, 5);
      const seen = new Set<string>();

      await t.step("three days, loaded in 6-hour batches, built and synced day by day", async () => {
        for (const day of DAYS) {
          const files = drops.files.filter((f) => f.includes(`date=${day}/`));
          for (let i = 0; i < files.length; i += 360) {
            await loadBatch(sql, PREFIX, drops, files.slice(i, i + 360), seen);
          }
          await buildStar(sql, PREFIX, target);
          const s = await syncGraph(deps, { batchSize: 5000 });
          assertEquals([s.status, s.batches], ["synced", 4]);
          console.log(`${day}: ${JSON.stringify(s)}`);
        }
        const [late] = await sql.unsafe<{ n: number }[]>(
          `select count(*)::int as n from ${PREFIX}landing.events where is_late and event_type like 'follow.%'`,
        );
        assert(late!.n > 0, "the days should carry late edge events");
      });

      await t.step("the consistency check passes", async () => {
        const report = await checkGraph(sql, neo.driver, names);
        assert(report.ok, JSON.stringify(report.types.filter((x) => x.neo4j !== x.star)));
        const follows = report.types.find((x) => x.type === "FOLLOWS")!;
        assert(follows.neo4j > 1000, `a few days should make thousands of follows, got ${follows.neo4j}`);
      });

      await t.step("re-running sync changes nothing, and neither does a replay of every batch", async () => {
        assertEquals((await syncGraph(deps, { batchSize: 5000 })).status, "up_to_date");
        await sql.unsafe(`update ${names.graph}.sync_state set processed = '{}'`);
        const replay = await syncGraph(deps, { batchSize: 5000 });
        assertEquals([replay.batches, replay.relationships_added, replay.relationships_removed], [12, 0, 0]);
        assert((await checkGraph(sql, neo.driver, names)).ok);
      });

      const summary = await runMetrics(deps, METRICS_DEFAULTS);
      console.log(`metrics: ${JSON.stringify(summary)}`);
      assertEquals((await runMetrics(deps, METRICS_DEFAULTS)).status, "up_to_date");

      await t.step("per-user degrees at the snapshot equal a fold of the landed edge events", async () => {
        const { degree } = await foldDegrees(sql);
        const signups = await sql.unsafe<{ id: string }[]>(
          `select payload ->> 'user_id' as id from ${PREFIX}landing.events where event_type = 'user.signed_up'`,
        );
        const ids = [...new Set([...degree.keys(), ...signups.map((s) => s.id)])];
        const key = await keysOf(sql, ids);
        const expected = new Map(ids.map((id) => [key.get(id)!, degree.get(id) ?? [0, 0, 0]]));
        const rows = await sql.unsafe<{ k: string; friends: number; followers: number; following: number }[]>(
          `select user_key::text as k, friends, followers, following from ${names.graph}.user_degree`,
        );
        const got = new Map(rows.map((r) => [r.k, [r.friends, r.followers, r.following]]));
        let compared = 0;
        for (const [k, want] of expected) {
          if (want.some((x) => x > 0) || got.has(k)) {
            assertEquals([k, got.get(k)], [k, want]);
            compared++;
          }
        }
        for (const [k, have] of got) if (!expected.has(k)) assertEquals([k, have], [k, [0, 0, 0]]);
        assert(compared >= signups.length, `${compared} users compared, ${signups.length} signed up`);
      });

      await t.step("per-user degrees at the snapshot equal the generator's ledger of the last day", async () => {
        // The snapshot is the newest event the graph reflects: the last minute of the last day (its file also carries
        // every late event still pending, which the generator flushes at the end of a range). The ledger's `degrees`
        // are the world's state at that day's midnight, counted by the simulation itself, not from the events.
        const last = DAYS.at(-1)!;
        const ledger = await entityLedger(drops, last);
        const [state] = await sql.unsafe<{ at: Date }[]>(`select snapshot_at as at from ${names.graph}.sync_state`);
        const midnight = Date.parse(`${last}T00:00:00Z`) + 86_400_000;
        assert(state!.at.getTime() < midnight && state!.at.getTime() >= midnight - 60_000, state!.at.toISOString());
        const rows = await sql.unsafe<{ id: string; friends: number; followers: number; following: number }[]>(
          `select user_id::text as id, friends, followers, following from ${names.graph}.user_degree`,
        );
        assertEquals(rows.length, ledger.users, "one graph user per user signed up by midnight");
        const got = new Map(rows.map((r) => [r.id, [r.friends, r.followers, r.following]]));
        for (const [id, want] of Object.entries(ledger.degrees)) assertEquals([id, got.get(id)], [id, want]);
        for (const [id, have] of got) if (!(id in ledger.degrees)) assertEquals([id, have], [id, [0, 0, 0]]);
        assert(Object.keys(ledger.degrees).length > 100, "the ledger should hold hundreds of users with degrees");
      });

      await t.step("reach at 1, 2, 3 and eccentricity equal a BFS over the folded friendships", async () => {
        const { friendEdges } = await foldDegrees(sql);
        const rows = await sql.unsafe<{ k: string; r1: number; r2: number; r3: number; ecc: number; size: number }[]>(
          `select user_key::text as k, reach_1 as r1, reach_2 as r2, reach_3 as r3, eccentricity as ecc,
             component_size as size from ${names.graph}.user_friendship`,
        );
        const ids = [...new Set([...friendEdges.flat()])];
        const key = await keysOf(sql, ids);
        const truth = new Map([...reachByBfs(ids, friendEdges)].map(([id, v]) => [key.get(id)!, v]));
        for (const r of rows) {
          assertEquals([r.k, [r.r1, r.r2, r.r3, r.ecc, r.size]], [r.k, truth.get(r.k) ?? [0, 0, 0, 0, 1]]);
        }
        // The diameter of the largest component: the largest eccentricity among its users.
        const largest = Math.max(...truth.values().map((v) => v[4]!));
        const diameter = Math.max(...truth.values().filter((v) => v[4] === largest).map((v) => v[3]!));
        const [net] = await sql.unsafe(`select diameter, diameter_is_estimate from ${names.graph}.network`);
        assert(diameter >= 3);
        assertEquals([net!.diameter, net!.diameter_is_estimate], [diameter, false]);
      });

      await t.step("PageRank equals a power iteration over the folded follows within 1e-6", async () => {
        const { followEdges } = await foldDegrees(sql);
        const nodes = (await sql.unsafe<{ k: string }[]>(`select user_key::text as k from ${names.graph}.user_degree`))
          .map((r) => r.k);
        const ids = [...new Set(followEdges.flat())];
        const key = await keysOf(sql, ids);
        const edges = followEdges.map(([a, b]) => [key.get(a)!, key.get(b)!] as const);
        const out = new Map(nodes.map((k) => [k, 0]));
        for (const [a] of edges) out.set(a, out.get(a)! + 1);
        let r = new Map(nodes.map((k) => [k, 0.15]));
        for (let it = 0; it < 19; it++) {
          const next = new Map(nodes.map((k) => [k, 0.15]));
          for (const [a, b] of edges) next.set(b, next.get(b)! + 0.85 * r.get(a)! / out.get(a)!);
          r = next;
        }
        const gds = await pageRank(neo.driver, { dampingFactor: 0.85, maxIterations: 20, tolerance: 0 });
        let worst = 0;
        for (const k of nodes) worst = Math.max(worst, Math.abs(gds.get(k)! - r.get(k)!));
        assert(worst < 1e-6, `max difference ${worst}`);
      });

      await t.step("cascades equal the share events: sizes, the generator's depth, widest level, sharers", async () => {
        // Publications whose every share landed (a quarantined share would cut its subtree off the cascade).
        const expected = await sql.unsafe<
          { k: string; reposts: number; quotes: number; depth: number; breadth: number; sharers: number }[]
        >(
          `with s as (
             select payload ->> 'share_id' as id, payload ->> 'parent_share_id' as parent,
               payload ->> 'publication_id' as publication, payload ->> 'sharer_user_id' as sharer,
               payload ->> 'kind' as kind, (payload ->> 'cascade_depth')::int as level
             from ${PREFIX}landing.events where event_type = 'share.created'
           ), broken as (
             select distinct publication from s where parent is not null and parent not in (select id from s)
           ), levels as (select publication, level, count(*) as n from s group by 1, 2)
           select hashtextextended(s.publication, 0)::text as k,
             count(*) filter (where kind = 'repost')::int as reposts, count(*) filter (where kind = 'quote')::int as quotes,
             max(s.level) as depth, (select max(n)::int from levels l where l.publication = s.publication) as breadth,
             count(distinct sharer)::int as sharers
           from s where s.publication not in (select publication from broken) group by s.publication order by 1`,
        );
        const got = new Map(
          (await sql.unsafe<
            { k: string; reposts: number; quotes: number; depth: number; breadth: number; sharers: number }[]
          >(
            `select publication_key::text as k, reposts, quotes, depth, breadth, distinct_sharers as sharers
             from ${names.graph}.cascades`,
          )).map((r) => [r.k, r]),
        );
        assert(expected.length > 100, `expected many cascades, got ${expected.length}`);
        assert(expected.some((e) => e.depth >= 2), "some cascade should be deeper than one share");
        for (const e of expected) assertEquals(got.get(e.k), e);
      });
    });
  },
});
