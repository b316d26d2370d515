/**
 * Acceptance of the entity ledger: three simulated days with injected faults, recounted from the raw event files
 * alone (parse, validate, deduplicate, replay in time order: `_recount.ts`), must equal the ledger the generator
 * wrote for each day, figure for figure.
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { configureLogging, logger } from "../log.ts";
import { recount, recountEntities } from "./_recount.ts";
import type { EntityDayJson } from "./ledger.ts";
import { entityLedgerKey } from "./record.ts";
import { generate } from "./run.ts";
import { DirStore } from "./store.ts";

configureLogging({ level: "WARN", format: "json" });
const MIN = 60_000;
const DAYS = ["2024-05-06", "2024-05-07", "2024-05-08"];

async function readTree(dir: string, prefix: string): Promise<[string, Uint8Array][]> {
  const out: [string, Uint8Array][] = [];
  const walk = async (path: string) => {
    for await (const e of Deno.readDir(path)) {
      const p = join(path, e.name);
      if (e.isDirectory) await walk(p);
      else out.push([relative(dir, p), await Deno.readFile(p)]);
    }
  };
  await walk(join(dir, prefix));
  return out;
}

async function readGzipJson<T>(path: string): Promise<T> {
  const stream = (await Deno.open(path)).readable.pipeThrough(new DecompressionStream("gzip"));
  return JSON.parse(await new Response(stream).text());
}

const byReach = (a: { reached_at: string; publication_id: string }, b: typeof a) =>
  a.reached_at < b.reached_at ? -1 : a.reached_at > b.reached_at ? 1 : a.publication_id < b.publication_id ? -1 : 1;

Deno.test("over 3 days with faults, a recount of the raw files equals the entity ledger of every day exactly", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Two runs (the second continues the world from its snapshot mid-day), so the running day survives a restart.
    const from = Date.parse(`${DAYS[0]}T00:00:00Z`) / MIN;
    const split = from + 1440 + 700;
    for (const [a, b] of [[from, split], [split, from + 3 * 1440]] as const) {
      await generate(
        { mode: { kind: "range", from: a, to: b }, rate: 120, faults: 0.03, seed: 7, fresh: a === from },
        { store: new DirStore(dir), log: logger("generate-test"), signal: new AbortController().signal },
      );
    }
    const files = await readTree(dir, "events");
    assert.equal(files.length, 3 * 1440);
    const { files: counted, events } = recount(files);
    assert.ok(counted.some((f) => f.late.length > 0) && counted.some((f) => f.duplicates.length > 0));
    const expected = recountEntities(events);
    assert.deepEqual([...expected.keys()], DAYS);

    const seen = { moderated: false, complaints: false, reached: false };
    for (const date of DAYS) {
      const ledger = await readGzipJson<EntityDayJson>(join(dir, entityLedgerKey(date)));
      const truth = expected.get(date)!;
      ledger.reached_1000_views.sort(byReach);
      truth.reached_1000_views.sort(byReach);
      // Field by field first, for a readable failure.
      for (const key of Object.keys(truth) as (keyof EntityDayJson)[]) {
        assert.deepStrictEqual(ledger[key], truth[key], `${date}: ${key} differs from the recount`);
      }
      assert.deepStrictEqual(ledger, truth);

      // The figures are not trivially empty.
      const communities = Object.values(ledger.communities);
      assert.ok(communities.length > 5, `${date}: ${communities.length} communities`);
      assert.ok(communities.some((c) => c.active_members > 0 && c.comments > 0 && c.leaves > 0));
      assert.ok(Object.keys(ledger.authors).length > 0 && Object.keys(ledger.creators).length > 0);
      assert.ok(Object.keys(ledger.ads).length > 0 && Object.keys(ledger.degrees).length > 1000);
      seen.moderated ||= communities.some((c) => c.moderators > 1);
      seen.complaints ||= communities.some((c) => c.complaints_resolved > 0);
      seen.reached ||= ledger.reached_1000_views.length > 0;
    }
    assert.deepEqual(seen, { moderated: true, complaints: true, reached: true });
    const removals = events.filter((e) => e.event_type === "community.moderator_removed").length;
    assert.ok(removals > 0, "no moderator role ended in three days");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
