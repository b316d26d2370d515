import assert from "node:assert/strict";
import { hash32, Rng } from "./prng.ts";

function near(actual: number, expected: number, tolerance: number) {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`);
}

Deno.test("Rng() with the same seed gives the same sequence", () => {
  const a = new Rng(1, 2, 3), b = new Rng(1, 2, 3);
  const xs = Array.from({ length: 100 }, () => a.u32());
  assert.deepEqual(Array.from({ length: 100 }, () => b.u32()), xs);
});

Deno.test("Rng() with different seed words gives different sequences", () => {
  assert.notEqual(new Rng(1, 2, 3).u32(), new Rng(1, 2, 4).u32());
  assert.notEqual(hash32(1, 2), hash32(2, 1));
});

Deno.test("Rng.uuid() is shaped like a version-4 UUID and does not repeat", () => {
  const rng = new Rng(7);
  const seen = new Set<string>();
  for (let i = 0; i < 20_000; i++) {
    const id = rng.uuid();
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    seen.add(id);
  }
  assert.equal(seen.size, 20_000);
});

Deno.test("Rng distributions have their textbook means", () => {
  const rng = new Rng(42);
  const n = 50_000;
  const mean = (f: () => number) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += f();
    return s / n;
  };
  near(mean(() => rng.float()), 0.5, 0.01);
  near(mean(() => rng.exp(3)), 3, 0.08);
  near(mean(() => rng.poisson(4)), 4, 0.06);
  near(mean(() => rng.poisson(200)), 200, 0.5);
  near(mean(() => rng.normal()), 0, 0.02);
  near(mean(() => rng.lognormal(0, 0.5)), Math.exp(0.125), 0.02);
  assert.deepEqual([...new Set(Array.from({ length: 1000 }, () => rng.range(3, 5)))].sort(), [3, 4, 5]);
});

Deno.test("Rng.weighted() picks indexes in proportion to their weights", () => {
  const rng = new Rng(5);
  const counts = [0, 0, 0];
  for (let i = 0; i < 40_000; i++) counts[rng.weighted([1, 3, 4])]!++;
  near(counts[0]! / 40_000, 0.25, 0.015);
  near(counts[1]! / 40_000, 0.5, 0.015);
  near(counts[2]! / 40_000, 0.25, 0.015);
});
