/**
 * Smoke test of every real service through the project's clients: S3 object round trip, PostgreSQL COPY round
 * trip, ClickHouse MergeTree with a query parameter and a postgresql() read of a PostgreSQL table, Neo4j
 * write/read with GDS and APOC, and an e-mail sent and received. Needs the stack: `deno task stack:up`.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { config } from "../src/config.ts";
import { objectStore } from "../src/clients/s3.ts";
import { copyRows, createPostgres } from "../src/clients/postgres.ts";
import { chQuery, createClickHouse } from "../src/clients/clickhouse.ts";
import { createNeo4j, cypher } from "../src/clients/neo4j.ts";
import { createMailer } from "../src/clients/mail.ts";
import { waitForMail } from "./_mailbox.ts";

const cfg = config();
const runId = crypto.randomUUID();

Deno.test("S3: an object put is read back byte for byte and listed", async () => {
  const store = objectStore(cfg.s3);
  const key = `smoke/${runId}/hello.json`;
  const body = JSON.stringify({ hello: "мир", id: runId });
  await store.put(key, body, "application/json");
  assertEquals(new TextDecoder().decode(await store.get(key)), body);
  const listed = await store.list(`smoke/${runId}/`);
  assertEquals(listed.map((o) => o.key), [key]);
  assertEquals(listed[0]!.size, new TextEncoder().encode(body).byteLength);
  assertEquals(await store.getOrNull(`smoke/${runId}/missing`), null);
  await store.remove([key]);
  assertEquals(await store.stat(key), null);
});

Deno.test("PostgreSQL: COPY loads rows with tabs, newlines, backslashes and NULLs verbatim", async () => {
  const sql = createPostgres(cfg.postgres);
  try {
    await sql`create table if not exists smoke_copy (id int primary key, txt text, amount numeric(12,2), at timestamptz)`;
    await sql`truncate smoke_copy`;
    const rows = [
      [1, "plain", 1.5, new Date("2026-01-01T00:00:00Z")],
      [2, "tab\there\nnew line \\ backslash '; drop table x; --", 0, null],
      [3, null, null, new Date("2026-06-30T23:59:59.999Z")],
    ] as const;
    assertEquals(await copyRows(sql, "smoke_copy", ["id", "txt", "amount", "at"], rows), 3);
    const back = await sql<{ id: number; txt: string | null; amount: string | null; at: Date | null }[]>`
      select id, txt, amount, at from smoke_copy order by id`;
    assertEquals(back.map((r) => r.txt), ["plain", rows[1][1], null]);
    assertEquals(back.map((r) => r.amount), ["1.50", "0.00", null]);
    assertEquals(back[2]!.at?.toISOString(), "2026-06-30T23:59:59.999Z");
  } finally {
    await sql.end();
  }
});

Deno.test("ClickHouse: MergeTree insert/select with a parameter, and a postgresql() read", async () => {
  const sql = createPostgres(cfg.postgres);
  const ch = await createClickHouse(cfg.clickhouse);
  try {
    await sql`drop table if exists smoke_pg_source`;
    await sql`create table smoke_pg_source (id int, name text)`;
    await sql`insert into smoke_pg_source values (1, 'ann'), (2, 'bob'), (3, 'cy')`;

    await ch.command({ query: "drop table if exists smoke_events" });
    await ch.command({
      query: "create table smoke_events (id UInt32, kind LowCardinality(String), at DateTime64(3, 'UTC')) " +
        "engine = MergeTree order by (kind, id)",
    });
    await ch.insert({
      table: "smoke_events",
      values: [
        { id: 1, kind: "post", at: "2026-01-01 00:00:00.000" },
        { id: 2, kind: "reel", at: "2026-01-01 00:01:00.000" },
        { id: 3, kind: "post", at: "2026-01-01 00:02:00.000" },
      ],
      format: "JSONEachRow",
    });
    const posts = await chQuery<{ n: string }>(
      ch,
      "select count() as n from smoke_events where kind = {kind:String}",
      { kind: "post" },
    );
    assertEquals(Number(posts[0]!.n), 2);

    const { pgAddress } = cfg.clickhouse;
    const { database, user, password } = cfg.postgres;
    const joined = await chQuery<{ id: number; name: string; kind: string }>(
      ch,
      `select e.id as id, p.name as name, e.kind as kind
       from smoke_events e
       join postgresql({addr:String}, {db:String}, 'smoke_pg_source', {user:String}, {pw:String}) p on p.id = e.id
       order by e.id`,
      { addr: pgAddress, db: database, user, pw: password },
    );
    assertEquals(joined.map((r) => `${r.id}:${r.name}:${r.kind}`), ["1:ann:post", "2:bob:reel", "3:cy:post"]);
    await ch.command({ query: "drop table smoke_events" });
    await sql`drop table smoke_pg_source`;
  } finally {
    await ch.close();
    await sql.end();
  }
});

Deno.test("Neo4j: UNWIND write and read back, GDS PageRank and APOC answer", async () => {
  const driver = createNeo4j(cfg.neo4j);
  try {
    const tag = `smoke-${runId}`;
    await cypher(
      driver,
      `UNWIND $edges AS e
       MERGE (a:SmokeUser {id: e.src, tag: $tag}) MERGE (b:SmokeUser {id: e.dst, tag: $tag})
       MERGE (a)-[:FOLLOWS]->(b)`,
      { tag, edges: [{ src: 1, dst: 2 }, { src: 3, dst: 2 }, { src: 4, dst: 2 }, { src: 2, dst: 1 }] },
    );
    const counts = await cypher<{ n: number; r: number }>(
      driver,
      "MATCH (a:SmokeUser {tag: $tag})-[r:FOLLOWS]->() RETURN count(DISTINCT a) AS n, count(r) AS r",
      { tag },
    );
    assertEquals(counts[0], { n: 4, r: 4 });

    const [versions] = await cypher<{ gds: string; apoc: string }>(
      driver,
      "RETURN gds.version() AS gds, apoc.version() AS apoc",
    );
    assert(/^2\.\d+\.\d+/.test(versions!.gds), `gds.version() = ${versions!.gds}`);
    assert(/^5\.26\./.test(versions!.apoc), `apoc.version() = ${versions!.apoc}`);

    const graph = `smoke-${tag}`;
    await cypher(
      driver,
      `MATCH (a:SmokeUser {tag: $tag})-[:FOLLOWS]->(b:SmokeUser {tag: $tag})
       RETURN gds.graph.project($graph, a, b).nodeCount AS nodes`,
      { tag, graph },
    );
    const ranks = await cypher<{ id: number; score: number }>(
      driver,
      `CALL gds.pageRank.stream($graph) YIELD nodeId, score
       RETURN gds.util.asNode(nodeId).id AS id, score ORDER BY score DESC`,
      { graph },
    );
    assertEquals(ranks.length, 4);
    assertEquals(ranks[0]!.id, 2, "the most followed user ranks first");
    await cypher(driver, "CALL gds.graph.drop($graph, false) YIELD graphName RETURN graphName", { graph });
    await cypher(driver, "MATCH (n:SmokeUser {tag: $tag}) DETACH DELETE n", { tag });
  } finally {
    await driver.close();
  }
});

Deno.test("SMTP: a message sent through the mailer is received", async () => {
  const mailer = createMailer(cfg.smtp);
  try {
    const subject = `socialpulse smoke ${runId}`;
    await mailer.send({ subject, text: "Привет: the smoke test sent this." });
    const got = await waitForMail(cfg, (m) => m.subject === subject);
    assertEquals(got.to, cfg.smtp.to);
    assertEquals(got.from, cfg.smtp.from);
    assert(got.raw.includes("smoke test sent this"));
  } finally {
    mailer.close();
  }
});

Deno.test("S3: reading from a bucket that does not exist yet gives null, not an error", async () => {
  const store = objectStore({ ...cfg.s3, bucket: `sp-absent-${runId.slice(0, 8)}` });
  assertEquals(await store.getOrNull("generator/world.json.gz"), null);
  assertEquals(await store.stat("x"), null);
});
