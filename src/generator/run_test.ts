import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { EVENT_TYPES, INVALID_FAULT_KINDS } from "../events/mod.ts";
import { configureLogging, logger } from "../log.ts";
import { recount } from "./_recount.ts";
import type { DayAggregateJson, FileLedgerJson } from "./ledger.ts";
import { generate, type GenerateOptions, GenerateUsageError, SNAPSHOT_KEY } from "./run.ts";
import { DirStore } from "./store.ts";

configureLogging({ level: "WARN", format: "json" });
const log = logger("generate-test");
const MIN = 60_000;
const minuteOf = (iso: string) => Math.floor(Date.parse(iso) / MIN);

async function run(dir: string, opts: Partial<GenerateOptions> & { from: string; to: string }, signal?: AbortSignal) {
  return await generate(
    {
      mode: { kind: "range", from: minuteOf(opts.from), to: minuteOf(opts.to) },
      rate: opts.rate ?? 300,
      faults: opts.faults ?? 0,
      fresh: opts.fresh ?? false,
      ...(opts.seed !== undefined ? { seed: opts.seed } : { seed: 11 }),
    },
    { store: new DirStore(dir), log, signal: signal ?? new AbortController().signal },
  );
}

/** Every file under `dir/prefix` as [key, bytes], sorted by key. */
async function readTree(dir: string, prefix: string): Promise<[string, Uint8Array][]> {
  const out: [string, Uint8Array][] = [];
  const walk = async (path: string) => {
    for await (const e of Deno.readDir(path)) {
      const p = join(path, e.name);
      if (e.isDirectory) await walk(p);
      else out.push([relative(dir, p), await Deno.readFile(p)]);
    }
  };
  try {
    await walk(join(dir, prefix));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** Byte equality without building a diff (node:assert's diff of large arrays is huge). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const readJson = async <T>(dir: string, key: string): Promise<T> => JSON.parse(await Deno.readTextFile(join(dir, key)));

Deno.test("generate() with the same seed writes byte-identical files", async () => {
  const a = await Deno.makeTempDir(), b = await Deno.makeTempDir();
  const range = { from: "2024-03-10T10:00:00Z", to: "2024-03-10T10:40:00Z", rate: 400, faults: 0.05 };
  const ra = await run(a, range), rb = await run(b, range);
  assert.equal(ra.files, 40);
  assert.ok(ra.events > 5_000, `only ${ra.events} events`);
  assert.deepEqual(rb.events, ra.events);
  const filesA = [...await readTree(a, "events"), ...await readTree(a, "ledger"), ...await readTree(a, "generator")];
  const filesB = [...await readTree(b, "events"), ...await readTree(b, "ledger"), ...await readTree(b, "generator")];
  assert.deepEqual(filesB.map((f) => f[0]), filesA.map((f) => f[0]));
  filesA.forEach(([key, bytes], i) => assert.ok(sameBytes(filesB[i]![1], bytes), `${key} differs`));

  const c = await Deno.makeTempDir();
  await run(c, { ...range, seed: 12 });
  const other = await readTree(c, "events");
  assert.ok(!sameBytes(other[5]![1], filesA.find((f) => f[0] === other[5]![0])![1]));
});

Deno.test("every valid line validates, every injected fault fails, and the ledgers equal a recount", async () => {
  const dir = await Deno.makeTempDir();
  // Across midnight, so late events of one day land in files of the next.
  const summary = await run(dir, {
    from: "2024-03-10T22:30:00Z",
    to: "2024-03-11T01:00:00Z",
    rate: 1000,
    faults: 0.03,
  });
  const files = await readTree(dir, "events");
  assert.equal(files.length, 150);
  const { files: counted, days } = recount(files);

  let faults = 0, late = 0, duplicates = 0;
  for (const f of counted) {
    const ledger = await readJson<FileLedgerJson>(
      dir,
      f.key.replace(/^events\//, "ledger/files/").replace(".jsonl", ".json"),
    );
    assert.equal(ledger.key, f.key);
    assert.equal(ledger.lines, f.lines.length, f.key);
    assert.equal(ledger.lines, ledger.valid + ledger.faults.length + ledger.duplicates.length, f.key);
    assert.deepEqual(ledger.valid_by_type, Object.fromEntries(Object.entries(f.validByType).sort()), f.key);
    // Every line the ledger calls a fault fails validation, and no other line does.
    assert.deepEqual(ledger.faults.map((x) => x.line), f.invalidLines, f.key);
    assert.deepEqual(ledger.duplicates, f.duplicates, f.key);
    assert.deepEqual(ledger.late.map((x) => ({ line: x.line, event_id: x.event_id })), f.late, f.key);
    for (const fault of ledger.faults) {
      const verdict = f.lines[fault.line - 1]!;
      assert.equal(verdict.kind, "invalid");
      if (verdict.kind !== "invalid") continue;
      if (fault.kind === "malformed_json") assert.equal(verdict.reason, "json");
      else if (fault.kind === "future_timestamp") {
        // Always beyond any clock; a signup's age also leaves 13..120 then, which the schema catches first.
        assert.ok(verdict.reason === "clock" || verdict.reason === "schema");
        const line = new TextDecoder().decode(files.find(([k]) => k === f.key)![1]).split("\n")[fault.line - 1]!;
        assert.ok(Date.parse(JSON.parse(line).occurred_at) > f.minuteMs + 99 * 365 * 86_400_000);
      } else assert.equal(verdict.reason, "schema", `${f.key}:${fault.line} ${fault.kind}`);
      if (fault.kind === "unknown_event_type") {
        assert.ok(!(EVENT_TYPES as readonly unknown[]).includes(verdict.event_type));
      }
      assert.ok((INVALID_FAULT_KINDS as readonly string[]).includes(fault.kind));
    }
    faults += ledger.faults.length;
    late += ledger.late.length;
    duplicates += ledger.duplicates.length;
  }
  assert.ok(faults > 500 && late > 50 && duplicates > 50, `faults=${faults} late=${late} duplicates=${duplicates}`);
  assert.equal(summary.faults, faults + late + duplicates);
  const kinds = new Set(counted.flatMap((f) => f.lines.filter((l) => l.kind === "invalid").map((l) => l.kind)));
  assert.deepEqual([...kinds], ["invalid"]);

  assert.deepEqual([...days.keys()].sort(), ["2024-03-10", "2024-03-11"]);
  for (const [date, d] of days) {
    const j = await readJson<DayAggregateJson>(dir, `ledger/days/date=${date}.json`);
    assert.equal(j.events, d.events, date);
    assert.deepEqual(j.events_by_type, Object.fromEntries(Object.entries(d.eventsByType).sort()), date);
    assert.deepEqual(j.active_user_ids, [...d.activeUsers].sort(), date);
    assert.equal(j.dau, d.activeUsers.size);
    for (const kind of ["post", "story", "reel"] as const) {
      assert.equal(j.publications_by_kind[kind], d.publicationsByKind[kind] ?? 0, `${date} ${kind}`);
    }
    assert.deepEqual(j.comments, { total: d.comments + d.replies, top_level: d.comments, replies: d.replies });
    for (const [type, n] of Object.entries(j.reactions_by_type)) assert.equal(n, d.reactionsByType[type] ?? 0);
    for (const [kind, n] of Object.entries(j.shares_by_kind)) assert.equal(n, d.sharesByKind[kind] ?? 0);
    assert.equal(j.views, d.views);
    assert.equal(j.ad_impressions, d.adImpressions);
    assert.equal(j.ad_clicks, d.adClicks);
    assert.equal(j.complaints, d.complaints);
    assert.deepEqual(j.community_members, d.communityMembers);
    for (const stream of ["donations", "sponsorships", "subscriptions", "ad_clicks"] as const) {
      assert.deepEqual(j.revenue_cents[stream], d.revenueCents[stream] ?? {}, `${date} ${stream}`);
    }
    assert.deepEqual(
      Object.fromEntries(j.publications_reached_1000_views.map((p) => [p.publication_id, p.reached_at])),
      Object.fromEntries(d.reached1000),
    );
  }
  const reached = [...days.values()].reduce((n, d) => n + d.reached1000.size, 0);
  assert.ok(reached > 0, "no publication reached 1000 views in 2.5 hours");
});

Deno.test("a world continued in a second run writes what one run writes", async () => {
  const whole = await Deno.makeTempDir(), split = await Deno.makeTempDir();
  await run(whole, { from: "2024-03-10T08:00:00Z", to: "2024-03-10T09:30:00Z" });
  await run(split, { from: "2024-03-10T08:00:00Z", to: "2024-03-10T08:45:00Z" });
  await run(split, { from: "2024-03-10T08:45:00Z", to: "2024-03-10T09:30:00Z" });
  const a = await readTree(whole, "events"), b = await readTree(split, "events");
  assert.equal(a.length, 90);
  assert.deepEqual(b.map((f) => f[0]), a.map((f) => f[0]));
  a.forEach(([key, bytes], i) => assert.ok(sameBytes(b[i]![1], bytes), `${key} differs`));
  const day = "ledger/days/date=2024-03-10.json";
  assert.ok(
    (await Deno.readTextFile(join(split, day))) === (await Deno.readTextFile(join(whole, day))),
    "the day ledgers differ",
  );

  // Ids never collide across runs: every event and every created entity has its own id.
  const ids = new Set<string>(), entities = new Set<string>();
  let n = 0;
  for (const [, bytes] of b) {
    for (const line of new TextDecoder().decode(bytes).split("\n").filter(Boolean)) {
      const ev = JSON.parse(line);
      ids.add(ev.event_id);
      n++;
      const created =
        { "user.signed_up": "user_id", "publication.created": "publication_id", "comment.created": "comment_id" }[
          ev.event_type as string
        ];
      if (created) {
        assert.ok(!entities.has(ev.payload[created]), `${created} ${ev.payload[created]} created twice`);
        entities.add(ev.payload[created]);
      }
    }
  }
  assert.equal(ids.size, n);
});

Deno.test("a range before the world clock continues from the clock; a later range skips the gap", async () => {
  const dir = await Deno.makeTempDir();
  await run(dir, { from: "2024-03-10T12:00:00Z", to: "2024-03-10T12:30:00Z" });
  const again = await run(dir, { from: "2024-03-10T12:10:00Z", to: "2024-03-10T12:40:00Z" });
  assert.equal(again.files, 10);
  assert.equal(again.first_minute, "2024-03-10T12:30:00Z");

  const later = await run(dir, { from: "2024-03-10T15:00:00Z", to: "2024-03-10T15:05:00Z" });
  assert.equal(later.first_minute, "2024-03-10T15:00:00Z");
  const first = await Deno.readTextFile(join(dir, "events/date=2024-03-10/hour=15/events_2024-03-10T15-00-00Z.jsonl"));
  const events = first.trim().split("\n").map((l) => JSON.parse(l));
  // Sessions that ended while nothing was generated are closed at the start of the next minute written.
  const closed = events.filter((e) => e.event_type === "user.status_changed" && e.payload.status === "offline");
  assert.ok(closed.length > 10, `only ${closed.length} sessions closed after the gap`);
  assert.ok(closed.some((e) => e.payload.session_duration_s > 2 * 3600));
  assert.ok(events.every((e) => e.occurred_at >= "2024-03-10T15:00:00.000Z"));
  assert.equal((await readTree(dir, "events")).length, 45);
});

Deno.test("generate() refuses a seed that differs from the stored world's, unless --fresh", async () => {
  const dir = await Deno.makeTempDir();
  await run(dir, { from: "2024-03-10T12:00:00Z", to: "2024-03-10T12:05:00Z", seed: 1 });
  await assert.rejects(
    () => run(dir, { from: "2024-03-10T12:05:00Z", to: "2024-03-10T12:10:00Z", seed: 2 }),
    GenerateUsageError,
  );
  const fresh = await run(dir, { from: "2024-03-10T12:00:00Z", to: "2024-03-10T12:05:00Z", seed: 2, fresh: true });
  assert.equal(fresh.seed, 2);
  assert.equal(fresh.files, 5);
});

Deno.test("generate() stops after the current minute when aborted and keeps the world", async () => {
  const dir = await Deno.makeTempDir();
  const controller = new AbortController();
  const store = new DirStore(dir);
  let written = 0;
  const counting = {
    description: store.description,
    get: (k: string) => store.get(k),
    put: async (k: string, b: Uint8Array, t: string) => {
      await store.put(k, b, t);
      if (k.startsWith("events/") && ++written === 3) controller.abort();
    },
  };
  const s = await generate(
    {
      mode: { kind: "range", from: minuteOf("2024-03-10T12:00:00Z"), to: minuteOf("2024-03-10T13:00:00Z") },
      rate: 200,
      faults: 0.2,
      fresh: false,
      seed: 3,
    },
    { store: counting, log, signal: controller.signal },
  );
  assert.ok(s.files >= 3 && s.files < 60, `${s.files} files`);
  assert.ok((await store.get(SNAPSHOT_KEY)) !== null);
  assert.equal(
    s.world_clock,
    s.last_minute!.replace(/:(\d{2}):00Z$/, (_, m) => `:${String(Number(m) + 1).padStart(2, "0")}:00Z`),
  );
});

Deno.test("generate() in live mode writes each minute as it ends", async () => {
  const dir = await Deno.makeTempDir();
  const controller = new AbortController();
  let now = Date.parse("2024-03-10T12:05:10Z");
  let sleeps = 0;
  const s = await generate({ mode: { kind: "live" }, rate: 200, faults: 0, fresh: false, seed: 4 }, {
    store: new DirStore(dir),
    log,
    signal: controller.signal,
    now: () => now,
    sleep: (ms) => {
      now += ms;
      if (++sleeps === 3) controller.abort();
      return Promise.resolve();
    },
  });
  assert.deepEqual([s.first_minute, s.last_minute], ["2024-03-10T12:04:00Z", "2024-03-10T12:06:00Z"]);
  assert.equal(s.files, 3);
  const meta = await readJson<{ clock: string }>(dir, "generator/world.meta.json");
  assert.equal(meta.clock, "2024-03-10T12:07:00Z");
});

Deno.test("generate() --once writes the last complete minute", async () => {
  const dir = await Deno.makeTempDir();
  const s = await generate({ mode: { kind: "once" }, rate: 200, faults: 0, fresh: false, seed: 5 }, {
    store: new DirStore(dir),
    log,
    signal: new AbortController().signal,
    now: () => Date.parse("2024-03-10T12:05:59Z"),
  });
  assert.equal(s.files, 1);
  assert.equal(s.first_minute, "2024-03-10T12:04:00Z");
});
