import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { type ChartSpec, drawChart, renderChart } from "./charts.ts";

const days = ["2026-11-20", "2026-11-21", "2026-11-22"];
const bars: ChartSpec = {
  id: "a",
  title: "bars",
  kind: "bar",
  stack: true,
  categories: days,
  series: [{ name: "posts", values: [1, 2, 3] }, { name: "reels", values: [4, null, 6] }],
};
const line: ChartSpec = {
  id: "b",
  title: "line",
  kind: "line",
  horizontal: false,
  unit: "h",
  categories: days,
  series: [{ name: "p50", values: [0.5, 1.5, null] }],
};
const horizontal: ChartSpec = {
  id: "c",
  title: "topics",
  kind: "bar",
  horizontal: true,
  categories: ["travel", "music"],
  series: [{ name: "comments", values: [10, 7] }],
};

/** zrender names ids and CSS classes after its instance and a running counter: number them by first use instead. */
function canonical(svg: string): string {
  const names = new Map<string, number>();
  return svg.replace(/zr\d+d-[a-z]+-?\d+/g, (c) => {
    if (!names.has(c)) names.set(c, names.size);
    return `name-${names.get(c)}`;
  });
}

Deno.test("a chart drawn on the shared, reused instance equals the same chart drawn on a new one", () => {
  const fresh = [bars, line, horizontal].map((s) => canonical(drawChart(s, true)));
  // Reuse in an order where every chart follows a different one (legend, axes, series kinds all change).
  for (const order of [[0, 1, 2], [2, 0, 1], [1, 2, 0]]) {
    for (const i of order) assertEquals(canonical(drawChart([bars, line, horizontal][i]!)), fresh[i], `chart ${i}`);
  }
  assert(fresh[0]!.includes("<svg") && fresh[0] !== fresh[1]);
});

Deno.test("two charts drawn on the shared instance share no id or class name (one page holds both)", () => {
  const names = (svg: string) => new Set(svg.match(/zr\d+d?-[a-z]+-?\d+/g));
  const a = names(drawChart(line));
  const b = names(drawChart({ ...line, id: "other" }));
  assert(a.size > 0 && [...a].some((n) => n.includes("-c")), `clip-path ids: ${[...a].join(" ")}`);
  assertEquals([...a].filter((n) => b.has(n)), []);
});

Deno.test("renderChart answers the same spec from its cache, and a changed value redraws", () => {
  const first = renderChart(bars);
  assertEquals(renderChart({ ...bars }), first);
  const changed = renderChart({ ...bars, series: [{ name: "posts", values: [1, 2, 30] }, bars.series[1]!] });
  assert(changed !== first);
  const redrawn = drawChart({ ...bars, series: [{ name: "posts", values: [1, 2, 30] }, bars.series[1]!] }, true);
  assertEquals(canonical(changed), canonical(redrawn));
});
