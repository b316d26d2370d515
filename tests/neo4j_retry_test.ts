/**
 * `writeTransaction` (src/clients/neo4j.ts) on a real, private Neo4j: two transactions that lock two nodes in opposite
 * orders deadlock, Neo4j rolls one back, and that one is run again whole and commits. (The driver's own retry never
 * runs under Deno: its `instanceof Neo4jError` test is false there. The graph sync's two writers rely on this one.)
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { cypher, isRetryable, writeTransaction } from "../src/clients/neo4j.ts";
import { privateNeo4j } from "./_graph_env.ts";

Deno.test({
  name: "writeTransaction runs the victim of a deadlock again, and both transactions commit",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const neo = await privateNeo4j();
    try {
      await cypher(neo.driver, "CREATE (:RetryProbe {k: 1}), (:RetryProbe {k: 2})");
      const attempts = [0, 0];
      const retried: unknown[] = [];
      let locked = 0;
      let release = () => {};
      const bothHoldOne = new Promise<void>((resolve) => (release = resolve));
      // Transaction i locks node `first`, waits until the other holds its own first node, then asks for `second`.
      const run = (i: number, first: number, second: number) => {
        const session = neo.driver.session();
        return writeTransaction(session, async (tx) => {
          attempts[i]!++;
          await tx.run("MATCH (n:RetryProbe {k: $k}) SET n.v = $i", { k: first, i });
          if (++locked === 2) release();
          await bothHoldOne;
          await tx.run("MATCH (n:RetryProbe {k: $k}) SET n.v = $i", { k: second, i });
        }, { onRetry: (e) => retried.push(e) }).finally(() => session.close());
      };
      await Promise.all([run(0, 1, 2), run(1, 2, 1)]);

      assertEquals(retried.length, 1, "exactly one deadlock victim, run again once");
      assert(isRetryable(retried[0]));
      assert(/DeadlockDetected/.test(String((retried[0] as { code?: string }).code)));
      assertEquals([...attempts].sort(), [1, 2]);
      // The victim committed last, so both nodes hold its value.
      const victim = attempts[0] === 2 ? 0 : 1;
      const values = await cypher<{ v: number }>(neo.driver, "MATCH (n:RetryProbe) RETURN n.v AS v ORDER BY n.k");
      assertEquals(values.map((r) => r.v), [victim, victim]);
    } finally {
      await neo.driver.close();
    }
  },
});

Deno.test("isRetryable reads the error's own fields: transient codes and the retryable flag, nothing else", () => {
  assert(isRetryable({ code: "Neo.TransientError.Transaction.DeadlockDetected" }));
  assert(isRetryable({ retryable: true, code: "ServiceUnavailable" }));
  assert(!isRetryable({ code: "Neo.ClientError.Schema.ConstraintValidationFailed", retryable: false }));
  assert(!isRetryable(new Error("boom")));
  assert(!isRetryable(null));
});
