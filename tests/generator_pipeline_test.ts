/**
 * The generator's new event contract flows through the pipeline: system events (badges, subscription charges,
 * back office) land with a null actor and every other event with one, and `community.moderator_removed` lands, in
 * the counts of the generator's ledger. Real S3 server and PostgreSQL.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { generate, S3Store } from "../src/generator/mod.ts";
import type { FileLedgerJson } from "../src/generator/mod.ts";
import { SYSTEM_EVENT_TYPES } from "../src/events/mod.ts";
import { logger } from "../src/log.ts";
import { ingestEnv } from "./_ingest_env.ts";

const FROM = Date.parse("2026-11-02T06:00:00Z") / 60_000;
const HOURS = 6;

Deno.test("null actors exactly on system events, and moderator removals, reach landing.events as the ledger says", async () => {
  const env = await ingestEnv("generator_pipeline");
  try {
    await generate(
      { mode: { kind: "range", from: FROM, to: FROM + HOURS * 60 }, rate: 1000, faults: 0.02, seed: 1, fresh: true },
      { store: new S3Store(env.store), log: logger("generator"), signal: new AbortController().signal },
    );
    const keys = (await env.store.list("ledger/files/")).map((o) => o.key);
    const ledgers: FileLedgerJson[] = await Promise.all(
      keys.map(async (k) => JSON.parse(new TextDecoder().decode(await env.store.get(k)))),
    );
    // One run claims at most maxFilesPerBatch files.
    for (let i = 0; i < Math.ceil(keys.length / env.cfg.pipeline.maxFilesPerBatch); i++) await env.runAll();

    const expected: Record<string, { with_actor: number; without_actor: number }> = {};
    for (const l of ledgers) {
      for (const [type, n] of Object.entries(l.valid_by_type)) {
        const e = expected[type] ??= { with_actor: 0, without_actor: 0 };
        if ((SYSTEM_EVENT_TYPES as readonly string[]).includes(type)) e.without_actor += n ?? 0;
        else e.with_actor += n ?? 0;
      }
    }
    const rows = await env.sql<{ event_type: string; with_actor: string; without_actor: string }[]>`
      select event_type,
        count(actor_user_id) as with_actor,
        count(*) filter (where actor_user_id is null) as without_actor
      from landing.events group by event_type`;
    const loaded = Object.fromEntries(
      rows.map((r) => [r.event_type, { with_actor: Number(r.with_actor), without_actor: Number(r.without_actor) }]),
    );
    assertEquals(loaded, expected);
    assert((loaded["subscription.charged"]?.without_actor ?? 0) > 0, "no subscription charge was loaded");
    assert((loaded["community.moderator_removed"]?.with_actor ?? 0) > 0, "no moderator removal was loaded");

    // The payload survives: a removal by the owner names the owner, a removal on leaving names nobody.
    const removals = await env.sql<{ reason: string; by_is_actor: boolean; by_null: boolean }[]>`
      select payload->>'reason' as reason,
        (payload->>'removed_by_user_id') = actor_user_id::text as by_is_actor,
        (payload->>'removed_by_user_id') is null as by_null
      from landing.events where event_type = 'community.moderator_removed'`;
    for (const r of removals) {
      if (r.reason === "removed_by_owner") assert(r.by_is_actor, "a removal by the owner names the owner as actor");
      else assertEquals([r.reason, r.by_null], ["left", true]);
    }
  } finally {
    await env.close();
  }
});
