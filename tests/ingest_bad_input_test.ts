/**
 * Bad input, each case against the real PostgreSQL and S3 server: every line ends loaded, quarantined with a
 * precise reason, or counted as a duplicate, and `lines_in = loaded + quarantined + duplicates` holds.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { createPostgres } from "../src/clients/postgres.ts";
import { ObjectStore } from "../src/clients/s3.ts";
import { extract } from "../src/pipeline/extract.ts";
import { validate } from "../src/pipeline/validate.ts";
import { clean } from "../src/pipeline/clean.ts";
import { load } from "../src/pipeline/load.ts";
import { partKey } from "../src/pipeline/layout.ts";
import { report, unclaimedRawFiles } from "../src/pipeline/report.ts";
import {
  batches,
  commentEvent,
  donationEvent,
  fingerprint,
  ingestEnv,
  rawKey,
  rejectedReasons,
  statusEvent,
} from "./_ingest_env.ts";

const MIN = "2026-11-28T10:00";
const at = (s: number) => `${MIN}:${String(s).padStart(2, "0")}.000Z`;
const line = (e: unknown) => JSON.stringify(e);
const enc = (s: string) => new TextEncoder().encode(s);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Every batch adds up and is loaded. */
async function assertAccounted(sql: Parameters<typeof batches>[0]) {
  for (const b of await batches(sql)) {
    assertEquals(b.status, "loaded", `batch ${b.batch} is ${b.status}`);
    assertEquals(b.lines_in, b.loaded + b.quarantined + b.duplicates, `batch ${b.batch} adds up`);
  }
}

async function loadedCount(sql: Parameters<typeof batches>[0]): Promise<number> {
  return Number((await sql`select count(*) as n from landing.events`)[0]!.n);
}

Deno.test("malformed JSON and a truncated last line are quarantined as json_parse; their neighbours load", async () => {
  const env = await ingestEnv("ingest_bad");
  try {
    const full = line(statusEvent(at(3)));
    const body = [line(statusEvent(at(1))), '{"event_id": "x",', line(statusEvent(at(2))), full.slice(0, 40)].join(
      "\n",
    );
    await env.store.put(rawKey(MIN), body); // no final newline: the last line is cut short
    await env.runAll();
    assertEquals(await rejectedReasons(env.sql), ["2:json_parse", "4:json_parse"]);
    assertEquals(await loadedCount(env.sql), 2);
    await assertAccounted(env.sql);
    const q = await env.store.list("quarantine/");
    assertEquals(q.length, 1, "one quarantine object for the file");
    const quarantined = new TextDecoder().decode(await env.store.get(q[0]!.key)).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    assertEquals(quarantined.map((r) => [r.line_no, r.reason, r.raw]), [[2, "json_parse", '{"event_id": "x",'], [
      4,
      "json_parse",
      full.slice(0, 40),
    ]]);
  } finally {
    await env.close();
  }
});

Deno.test("a zero-byte file has no lines; a file of blank lines quarantines each as empty_line", async () => {
  const env = await ingestEnv("ingest_bad");
  try {
    await env.store.put(rawKey("2026-11-28T10:00"), new Uint8Array());
    await env.store.put(rawKey("2026-11-28T10:01"), "\n  \n");
    await env.runAll();
    const files = await env.sql<{ key: string; lines_in: number }[]>`select key, lines_in from etl.files order by key`;
    assertEquals(files.map((f) => f.lines_in), [0, 2]);
    assertEquals(await rejectedReasons(env.sql), ["1:empty_line", "2:empty_line"]);
    await assertAccounted(env.sql);
  } finally {
    await env.close();
  }
});

Deno.test("invalid UTF-8 bytes reject only their line, and the raw line is kept with replacement characters", async () => {
  const env = await ingestEnv("ingest_bad");
  try {
    const bad = concat(enc('{"event_id": "'), new Uint8Array([0xff, 0xfe, 0xc3]), enc('"}'));
    await env.store.put(
      rawKey(MIN),
      concat(enc(line(statusEvent(at(1))) + "\n"), bad, enc("\n" + line(statusEvent(at(2))) + "\n")),
    );
    await env.runAll();
    assertEquals(await rejectedReasons(env.sql), ["2:invalid_utf8"]);
    const [r] = await env.sql<{ raw_line: string; raw_bytes: number }[]>`select raw_line, raw_bytes from etl.rejected`;
    assert(r!.raw_line.includes("\uFFFD"), r!.raw_line);
    assertEquals(await loadedCount(env.sql), 2);
    await assertAccounted(env.sql);
  } finally {
    await env.close();
  }
});

Deno.test("a UTF-8 byte order mark and CRLF line endings are accepted", async () => {
  const env = await ingestEnv("ingest_bad");
  try {
    const events = [statusEvent(at(1)), statusEvent(at(2)), statusEvent(at(3))];
    await env.store.put(rawKey(MIN), "\uFEFF" + events.map(line).join("\r\n") + "\r\n");
    await env.runAll();
    assertEquals(await rejectedReasons(env.sql), []);
    const ids = (await env.sql<{ event_id: string }[]>`select event_id from landing.events order by line_no`).map((
      r,
    ) => r.event_id);
    assertEquals(ids, events.map((e) => e.event_id));
    await assertAccounted(env.sql);
  } finally {
    await env.close();
  }
});

Deno.test("a 10 MB single line is quarantined as line_too_long without losing its neighbours", async () => {
  const env = await ingestEnv("ingest_bad");
  try {
    const huge = line(commentEvent(at(2), "x".repeat(10 * 1024 * 1024)));
    await env.store.put(rawKey(MIN), [line(statusEvent(at(1))), huge, line(statusEvent(at(3)))].join("\n") + "\n");
    await env.runAll();
    assertEquals(await rejectedReasons(env.sql), ["2:line_too_long"]);
    const [r] = await env.sql<{ raw_bytes: number; raw_truncated: boolean; raw_line: string }[]>`
      select raw_bytes, raw_truncated, raw_line from etl.rejected`;
    assertEquals([r!.raw_bytes, r!.raw_truncated, r!.raw_line.length], [huge.length, true, 64 * 1024]);
    assertEquals(await loadedCount(env.sql), 2);
    await assertAccounted(env.sql);
  } finally {
    await env.close();
  }
});

Deno.test("unknown event types, wrong field types and out-of-range values get precise reason codes", async () => {
  const env = await ingestEnv("ingest_bad");
  try {
    const ok = statusEvent(at(1));
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const cases: [unknown, string][] = [
      [{ ...ok, event_type: "user.teleported" }, "unknown_event_type"],
      [{ ...ok, event_type: 7 }, "schema:event_type:invalid_union"],
      [{ ...ok, event_id: 123 }, "schema:event_id:invalid_type"],
      [{ ...ok, event_id: "not-a-uuid" }, "schema:event_id:invalid_format"],
      [{ ...ok, schema_version: "1" }, "schema:schema_version:invalid_value"],
      [{ ...ok, occurred_at: true }, "schema:occurred_at:invalid_type"],
      [{ ...ok, occurred_at: "yesterday" }, "schema:occurred_at:invalid_format"],
      [{ ...ok, actor_user_id: 5 }, "schema:actor_user_id:invalid_type"],
      [{ ...ok, payload: "x" }, "schema:payload:invalid_type"],
      [{ ...ok, payload: { ...ok.payload, status: 1 } }, "schema:payload.status:invalid_value"],
      [{ ...ok, payload: { ...ok.payload, session_duration_s: -1 } }, "schema:payload.session_duration_s:too_small"],
      [(({ payload: _p, ...rest }) => rest)(ok), "schema:payload:missing"],
      [donationEvent(at(5), -5), "schema:payload.amount:too_small"],
      [donationEvent(at(5), 1.234), "schema:payload.amount:custom"],
      [donationEvent(at(5), "12.00"), "schema:payload.amount:invalid_type"],
      [commentEvent(at(6), "y".repeat(5001)), "schema:payload.text:too_big"],
      [statusEvent(future), "occurred_at:in_future"],
      [commentEvent(at(7), "nul \u0000 inside"), "nul_character"],
      [[1, 2], "not_an_object"],
    ];
    await env.store.put(rawKey(MIN), [line(ok), ...cases.map(([e]) => line(e))].join("\n") + "\n");
    await env.runAll();
    assertEquals(await rejectedReasons(env.sql), cases.map(([, reason], i) => `${i + 2}:${reason}`));
    assertEquals(await loadedCount(env.sql), 1);
    await assertAccounted(env.sql);
  } finally {
    await env.close();
  }
});

Deno.test("SQL-like and control characters in text are stored verbatim and never executed", async () => {
  const env = await ingestEnv("ingest_bad");
  try {
    const texts = [
      "Robert'); drop table landing.events; --",
      "a\tb\\nc\u0001\u001b[31mred\u001b[0m \\N end",
      '$$; select pg_sleep(10); $$ {"json": "inside"} \\x00',
      "кириллица и emoji 👩‍💻 ok",
    ];
    const events = texts.map((t, i) => commentEvent(at(i + 1), t));
    await env.store.put(rawKey(MIN), events.map(line).join("\n") + "\n");
    await env.runAll();
    const stored = await env.sql<{ text: string }[]>`
      select payload->>'text' as text from landing.events order by line_no`;
    assertEquals(stored.map((r) => r.text), texts);
    assertEquals(await loadedCount(env.sql), 4, "landing.events still exists and holds every row");
    await assertAccounted(env.sql);
  } finally {
    await env.close();
  }
});

Deno.test("the same events re-uploaded under another file name are counted as duplicates, loaded once", async () => {
  const env = await ingestEnv("ingest_bad");
  try {
    const body = [statusEvent(at(1)), statusEvent(at(2)), statusEvent(at(3))].map(line).join("\n") + "\n";
    await env.store.put(rawKey("2026-11-28T10:00"), body);
    await env.runAll();
    await env.store.put("events/date=2026-11-28/hour=10/copy_of_events_2026-11-28T10-00-00Z.jsonl", body);
    await env.runAll();
    assertEquals(await loadedCount(env.sql), 3);
    const b = await batches(env.sql);
    assertEquals(b.map((x) => [x.lines_in, x.loaded, x.duplicates]), [[3, 3, 0], [3, 0, 3]]);
    const dupes = await env.sql<{ first_batch_id: string }[]>`select first_batch_id from etl.duplicates`;
    assertEquals(dupes.map((d) => Number(d.first_batch_id)), [1, 1, 1]);
    await assertAccounted(env.sql);
  } finally {
    await env.close();
  }
});

Deno.test("running the whole sequence again changes nothing", async () => {
  const env = await ingestEnv("ingest_bad");
  try {
    const e1 = statusEvent(at(1));
    await env.store.put(rawKey(MIN), [line(e1), "garbage", line(e1), line(statusEvent(at(2)))].join("\n") + "\n");
    await env.runAll();
    const first = await fingerprint(env.sql);
    const firstBatches = await batches(env.sql);
    await env.runAll();
    await env.runAll();
    assertEquals(await fingerprint(env.sql), first);
    assertEquals(await batches(env.sql), firstBatches);
    assertEquals(firstBatches.map((b) => [b.lines_in, b.loaded, b.quarantined, b.duplicates]), [[4, 2, 1, 1]]);
  } finally {
    await env.close();
  }
});

Deno.test("a batch re-run after a crash between validate and load ends as an uninterrupted run", async () => {
  const body = [statusEvent(at(1)), statusEvent(at(2))].map(line).join("\n") + "\nnot json\n";
  const reference = await ingestEnv("ingest_bad");
  let expected;
  try {
    await reference.store.put(rawKey(MIN), body);
    await reference.runAll();
    expected = await fingerprint(reference.sql);
  } finally {
    await reference.close();
  }

  const env = await ingestEnv("ingest_bad");
  try {
    await env.store.put(rawKey(MIN), body);
    await extract(env.deps, { maxFiles: 10 });
    await validate(env.deps, { futureToleranceMs: 300_000, maxLineBytes: 1 << 20 });
    // The crash: clean had written a part (garbage) but not committed; load never ran.
    await env.store.put(partKey(1, "clean", 0), "half-written garbage\n");
    await env.runAll();
    assertEquals(await fingerprint(env.sql), expected);
    await assertAccounted(env.sql);
  } finally {
    await env.close();
  }
});

Deno.test("two extract runs at the same moment never claim the same file", async () => {
  const env = await ingestEnv("ingest_bad");
  const sql2 = createPostgres(env.cfg.postgres);
  try {
    const minutes = Array.from({ length: 30 }, (_, i) => `2026-11-28T11:${String(i).padStart(2, "0")}`);
    await Promise.all(minutes.map((m) => env.store.put(rawKey(m), line(statusEvent(`${m}:00.000Z`)) + "\n")));
    const [a, b] = await Promise.all([
      extract(env.deps, { maxFiles: 100 }),
      extract({ ...env.deps, sql: sql2 }, { maxFiles: 100 }),
    ]);
    assertEquals(a.files + b.files, 30);
    const claims = await env.sql<{ n: string; files: string }[]>`
      select count(distinct key) as n, count(*) as files from etl.files`;
    assertEquals([Number(claims[0]!.n), Number(claims[0]!.files)], [30, 30]);
    await env.runAll();
    assertEquals(await loadedCount(env.sql), 30);
    await assertAccounted(env.sql);
  } finally {
    await sql2.end();
    await env.close();
  }
});

Deno.test("a raw file that vanishes before it is staged is left for the next run, never skipped", async () => {
  const env = await ingestEnv("ingest_bad");
  try {
    await env.store.put(rawKey("2026-11-28T12:00"), line(statusEvent("2026-11-28T12:00:00.000Z")) + "\n");
    await env.store.put(rawKey("2026-11-28T12:01"), line(statusEvent("2026-11-28T12:01:00.000Z")) + "\n");
    // Delete one file between listing and staging: wrap the store so the copy of that file finds it gone.
    const gone = rawKey("2026-11-28T12:01");
    class VanishingStore extends ObjectStore {
      override async copy(src: string, dst: string, etag?: string) {
        if (src === gone) await this.remove([gone]);
        return await super.copy(src, dst, etag);
      }
    }
    const store = new VanishingStore(env.cfg.s3);
    const r = await extract({ ...env.deps, store }, { maxFiles: 10 });
    assertEquals([r.files, r.retry_later], [1, 1]);
    const claimed = await env.sql<{ key: string }[]>`select key from etl.files`;
    assertEquals(claimed.map((c) => c.key), [rawKey("2026-11-28T12:00")]);
    // It reappears (re-uploaded): the next run takes it.
    await env.store.put(gone, line(statusEvent("2026-11-28T12:01:00.000Z")) + "\n");
    await env.runAll();
    assertEquals(await loadedCount(env.sql), 2);
    await assertAccounted(env.sql);
  } finally {
    await env.close();
  }
});

Deno.test("an event another batch loads between clean and load is counted as a duplicate at load", async () => {
  const env = await ingestEnv("ingest_bad");
  try {
    const steps = async () => {
      await extract(env.deps, { maxFiles: 10 });
      await validate(env.deps, { futureToleranceMs: 300_000, maxLineBytes: 1 << 20 });
      await clean(env.deps);
    };
    const shared = statusEvent(at(1));
    await env.store.put(rawKey("2026-11-28T10:00"), [shared, statusEvent(at(2))].map(line).join("\n") + "\n");
    await steps();
    await env.store.put(rawKey("2026-11-28T10:01"), [statusEvent(at(3)), shared].map(line).join("\n") + "\n");
    await steps(); // both batches are cleaned; neither is loaded, so clean could not see the shared event
    await load(env.deps);
    assertEquals((await batches(env.sql)).map((b) => [b.lines_in, b.loaded, b.duplicates]), [[2, 2, 0], [2, 1, 1]]);
    const [d] = await env.sql<{ line_no: number; first_batch_id: string }[]>`
      select line_no, first_batch_id from etl.duplicates`;
    assertEquals([d!.line_no, Number(d!.first_batch_id)], [2, 1]);
    assertEquals(await loadedCount(env.sql), 3);
    await assertAccounted(env.sql);
  } finally {
    await env.close();
  }
});

Deno.test("extract lists from a window before the newest claimed file; the report counts what lies before it, a full scan claims it and warns", async () => {
  const env = await ingestEnv("ingest_bad");
  try {
    const put = (minute: string) => env.store.put(rawKey(minute), line(statusEvent(`${minute}:30.000Z`)) + "\n");
    const claim = async (lookbackHours: number) => (await extract(env.deps, { maxFiles: 100, lookbackHours })).files;
    await put("2026-11-28T10:00");
    assertEquals(await claim(2), 1);
    // Files that turn up late: 09:00 lies inside the two hours before 10:00, 06:00 and 05:00 outside.
    await put("2026-11-28T09:00");
    await put("2026-11-28T06:00");
    await put("2026-11-28T05:00");
    assertEquals(await unclaimedRawFiles(env.sql, env.store, 2), {
      window_start: "events/date=2026-11-28/hour=08/",
      unclaimed: 3,
      outside_window: 2,
    });
    assertEquals(await claim(2), 1);
    const claimed = await env.sql<{ key: string }[]>`select key from etl.files order by key`;
    assertEquals(claimed.map((f) => f.key), [rawKey("2026-11-28T09:00"), rawKey("2026-11-28T10:00")]);
    assertEquals(await claim(2), 0);
    const before = await report(env.sql, env.store, { limit: 5, lookbackHours: 2 });
    assertEquals([before.totals.unclaimed_raw_files, before.totals.unclaimed_outside_window], [2, 2]);
    assert(before.text.includes("WARNING: 2 raw file(s) lie before extract's listing window"), before.text);

    // The scheduled full scan claims them, and says how many lay outside the window.
    const full = await extract(env.deps, { maxFiles: 100, lookbackHours: 2, fullScan: true });
    assertEquals([full.files, full.outside_window, full.listed_from], [2, 2, null]);
    const after = await report(env.sql, env.store, { limit: 5, lookbackHours: 2 });
    assertEquals([after.totals.unclaimed_raw_files, after.totals.unclaimed_outside_window], [0, 0]);
  } finally {
    await env.close();
  }
});

Deno.test("validate --force validates a validated or cleaned batch again; clean and load follow; a loaded batch is never taken", async () => {
  const env = await ingestEnv("ingest_bad");
  try {
    // An event 10 minutes after the first clock: in the future then (tolerance 5 minutes), fine at the later clock.
    const early = new Date("2026-11-28T10:00:00.000Z");
    const later = new Date("2026-11-28T11:00:00.000Z");
    await env.store.put(
      rawKey(MIN),
      [statusEvent(at(1)), statusEvent("2026-11-28T10:10:00.000Z")].map(line).join("\n"),
    );
    const opts = { futureToleranceMs: 300_000, maxLineBytes: 1 << 20 };
    await extract(env.deps, { maxFiles: 10 });
    await validate(env.deps, { ...opts, now: early });
    await clean(env.deps);
    assertEquals(await rejectedReasons(env.sql), ["2:occurred_at:in_future"]);
    // Without --force the cleaned batch is not taken; with it, it is validated again and goes back to 'validated'.
    assertEquals((await validate(env.deps, { ...opts, batch: 1, now: later })).batches, []);
    assertEquals((await validate(env.deps, { ...opts, batch: 1, force: true, now: later })).batches, [1]);
    assertEquals(await rejectedReasons(env.sql), []);
    assertEquals((await batches(env.sql))[0]!.status, "validated");
    await clean(env.deps);
    await load(env.deps);
    assertEquals(await loadedCount(env.sql), 2);
    await assertAccounted(env.sql);
    assertEquals((await validate(env.deps, { ...opts, batch: 1, force: true, now: early })).batches, []);
    assertEquals(await loadedCount(env.sql), 2);
    await assertAccounted(env.sql);
  } finally {
    await env.close();
  }
});
