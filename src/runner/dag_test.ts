import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { CycleError, Dag } from "./dag.ts";

Deno.test("Dag.order() is topological with ties broken by name", () => {
  const dag = new Dag([
    ["c", ["a"]],
    ["b", ["a"]],
    ["d", ["b", "c"]],
    ["a", []],
    ["e", []],
  ]);
  assertEquals(dag.order(), ["a", "b", "c", "d", "e"]);
});

Deno.test("Dag.order() reports a cycle with its path", () => {
  const dag = new Dag([
    ["a", ["b"]],
    ["b", ["c"]],
    ["c", ["a"]],
    ["x", ["a"]],
  ]);
  try {
    dag.order();
    assert(false, "expected a cycle");
  } catch (e) {
    assert(e instanceof CycleError);
    assertEquals(e.path, ["a", "b", "c", "a"]);
    assertEquals(e.message, "dependency cycle: a -> b -> c -> a");
  }
});

Deno.test("Dag.findCycle() finds a self-reference and returns null on a DAG", () => {
  assertEquals(new Dag([["a", ["a"]]]).findCycle(), ["a", "a"]);
  assertEquals(new Dag([["a", ["b"]], ["b", []]]).findCycle(), null);
});

Deno.test("Dag.upstream() and downstream() walk all or a bounded number of levels", () => {
  const dag = new Dag([["b", ["a"]], ["c", ["b"]], ["d", ["c"]]]);
  assertEquals([...dag.upstream("d")].sort(), ["a", "b", "c"]);
  assertEquals([...dag.upstream("d", 1)], ["c"]);
  assertEquals([...dag.downstream("a", 2)].sort(), ["b", "c"]);
});
