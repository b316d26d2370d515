/**
 * The generator against the real S3 server of the dev stack (`deno task stack:up`): minute drops, ledgers and the
 * world snapshot go to the bucket and come back byte for byte, and a second run continues the world from the
 * snapshot stored there. Uses a bucket of its own, removed at the end. Fails when S3 is down.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ObjectStore } from "../src/clients/s3.ts";
import { config } from "../src/config.ts";
import { generate, type GenerateOptions } from "../src/generator/run.ts";
import { DirStore, S3Store } from "../src/generator/store.ts";
import { configureLogging, logger } from "../src/log.ts";

configureLogging({ level: "WARN", format: "json" });
const log = logger("generator-s3-test");
const minute = (iso: string) => Math.floor(Date.parse(iso) / 60_000);

const options = (from: string, to: string): GenerateOptions => ({
  mode: { kind: "range", from: minute(from), to: minute(to) },
  rate: 300,
  faults: 0.02,
  seed: 4242,
  fresh: false,
});

Deno.test("generate() writes minute drops, ledgers and the world to S3 and continues from there", async () => {
  const bucket = `generator-test-${crypto.randomUUID().slice(0, 8)}`;
  const objects = new ObjectStore({ ...config().s3, bucket });
  const signal = new AbortController().signal;
  try {
    const first = await generate(options("2024-05-06T09:00:00Z", "2024-05-06T09:03:00Z"), {
      store: new S3Store(objects),
      log,
      signal,
    });
    assert.equal(first.files, 3);
    assert.equal(first.out, `s3://${bucket}`);

    const local = await Deno.makeTempDir();
    await generate(options("2024-05-06T09:00:00Z", "2024-05-06T09:03:00Z"), {
      store: new DirStore(local),
      log,
      signal,
    });
    const keys = (await objects.list("")).map((o) => o.key);
    assert.deepEqual(keys.filter((k) => k.startsWith("events/")), [
      "events/date=2024-05-06/hour=09/events_2024-05-06T09-00-00Z.jsonl",
      "events/date=2024-05-06/hour=09/events_2024-05-06T09-01-00Z.jsonl",
      "events/date=2024-05-06/hour=09/events_2024-05-06T09-02-00Z.jsonl",
    ]);
    assert.ok(keys.includes("generator/world.json.gz"));
    assert.ok(keys.includes("ledger/days/date=2024-05-06.json"));
    for (const key of keys) {
      const remote = await objects.get(key);
      const mine = await Deno.readFile(join(local, key));
      assert.ok(
        remote.length === mine.length && remote.every((b, i) => b === mine[i]),
        `${key} differs from a local run`,
      );
    }

    const second = await generate(options("2024-05-06T09:03:00Z", "2024-05-06T09:05:00Z"), {
      store: new S3Store(objects),
      log,
      signal,
    });
    assert.equal(second.first_minute, "2024-05-06T09:03:00Z");
    assert.equal(second.world_users >= first.world_users, true);
    const firstIds = new Set<string>();
    for (const key of keys.filter((k) => k.startsWith("events/"))) {
      for (const line of new TextDecoder().decode(await objects.get(key)).split("\n").filter(Boolean)) {
        try {
          firstIds.add(JSON.parse(line).event_id);
        } catch {
          // A malformed_json fault line.
        }
      }
    }
    const later = await objects.get("events/date=2024-05-06/hour=09/events_2024-05-06T09-04-00Z.jsonl");
    const laterEvents = new TextDecoder().decode(later).split("\n").filter(Boolean).flatMap((l) => {
      try {
        return [JSON.parse(l)];
      } catch {
        return [];
      }
    });
    assert.ok(laterEvents.length > 50);
    // The second run continued the world: its users act, and its fresh ids are new.
    const signups = laterEvents.filter((e) => e.event_type === "user.signed_up").map((e) => e.payload.user_id);
    assert.ok(laterEvents.some((e) => e.actor_user_id !== null && !signups.includes(e.actor_user_id)));
    const ledger = JSON.parse(new TextDecoder().decode(
      await objects.get("ledger/files/date=2024-05-06/hour=09/events_2024-05-06T09-04-00Z.json"),
    ));
    const dupIds = new Set(ledger.duplicates.map((d: { event_id: string }) => d.event_id));
    for (const e of laterEvents) if (!dupIds.has(e.event_id)) assert.ok(!firstIds.has(e.event_id), e.event_id);
  } finally {
    const all = await objects.list("");
    await objects.remove(all.map((o) => o.key));
    await objects.client.removeBucket(bucket);
  }
});
