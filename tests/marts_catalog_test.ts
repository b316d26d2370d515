/**
 * docs/metrics.md is what the catalog generator writes from the mart headers today (regenerate with
 * `deno task metrics:docs`), and every mart header states a grain and defines each column it lists.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { join } from "node:path";
import { PROJECT_ROOT } from "../src/config.ts";
import { readMartDocs, writeMetricsDoc } from "../src/export/metrics_doc.ts";

Deno.test("docs/metrics.md equals the catalog generated from the mart headers", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sp-metrics-doc-" });
  try {
    const path = join(dir, "metrics.md");
    await writeMetricsDoc(PROJECT_ROOT, path);
    const committed = await Deno.readTextFile(join(PROJECT_ROOT, "docs", "metrics.md"));
    assertEquals(committed, await Deno.readTextFile(path), "run `deno task metrics:docs`");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("every mart header states its grain and defines every column it lists", async () => {
  const marts = await readMartDocs(PROJECT_ROOT);
  assert(marts.length >= 8);
  for (const m of marts) {
    assert(m.grain.length > 0 && m.description.length > 0, `${m.name} has a grain and a description`);
    for (const c of m.columns) assert(c.description.length > 0, `${m.name}.${c.name} has a definition`);
  }
});
