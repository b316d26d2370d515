/**
 * Charts rendered on the server to SVG with Apache ECharts (`ssr: true`, `renderToSVGString`). The SSR output ignores
 * ECharts' tooltip option, so every chart also carries its data as JSON; the page's small script (`assets.ts`) reads
 * it to draw tooltips for the points the ECharts SSR client reports under the pointer.
 *
 * @module
 */
import * as echarts from "echarts";
import { escapeHtml } from "./html.ts";

/** One series of a chart: a name and one value per category (null: no value). */
export interface Series {
  name: string;
  values: (number | null)[];
}

/** A category chart: line or bar (stacked when `stack`), x categories, one or more series. */
export interface ChartSpec {
  id: string;
  title: string;
  kind: "line" | "bar";
  categories: string[];
  series: Series[];
  stack?: boolean;
  /** Horizontal bars (categories on the y axis), for long labels such as community names. */
  horizontal?: boolean;
  unit?: string;
  width?: number;
  height?: number;
}

const PALETTE = ["#2f6fdf", "#e8833a", "#3aa76d", "#c94f7c", "#8a63d2", "#d4b106", "#4bb4c9", "#7f7f7f"];

/**
 * One SSR chart instance per size, reused: `init` costs as much as the render itself. Rendering is synchronous, so
 * two charts never share an instance at once; `setOption(..., true)` (not merged) leaves nothing of the last chart.
 */
const instances = new Map<string, echarts.ECharts>();
/** Rendered SVGs by their spec (the data included): the same chart on another page or filter set is not redrawn. */
const rendered = new Map<string, string>();
const RENDERED_MAX = 500;
/** zrender prefixes clip-path ids and CSS classes with its instance's id; a reused instance needs a new one per draw. */
let draws = 0;

/** Forget the drawn SVGs (the bench times drawing from scratch). */
export function clearChartCache(): void {
  rendered.clear();
}

/** The chart's SVG markup (ECharts SSR). */
export function renderChart(spec: ChartSpec): string {
  const key = JSON.stringify(spec);
  const hit = rendered.get(key);
  if (hit !== undefined) return hit;
  const svg = drawChart(spec);
  if (rendered.size >= RENDERED_MAX) rendered.delete(rendered.keys().next().value!);
  rendered.set(key, svg);
  return svg;
}

/** Draw a chart without the SVG cache; `fresh` uses a new instance instead of the shared one (tests compare both). */
export function drawChart(spec: ChartSpec, fresh = false): string {
  const width = spec.width ?? 560;
  // Horizontal bars get 20 px a category (and the legend's row), so that no name is left out for lack of room.
  const height = spec.height ??
    (spec.horizontal ? Math.max(300, 56 + 20 * spec.categories.length + (spec.series.length > 1 ? 16 : 0)) : 300);
  const size = `${width}x${height}`;
  let chart = fresh ? undefined : instances.get(size);
  if (!chart) {
    chart = echarts.init(null, null, { renderer: "svg", ssr: true, width, height });
    if (!fresh) instances.set(size, chart);
  }
  try {
    const categoryAxis = {
      type: "category" as const,
      data: spec.categories,
      axisLabel: spec.horizontal ? { width: 150, overflow: "truncate" as const } : { hideOverlap: true },
    };
    const valueAxis = { type: "value" as const, name: spec.unit ?? "", axisLabel: { hideOverlap: true } };
    chart.setOption({
      animation: false,
      color: PALETTE,
      textStyle: { fontFamily: "DejaVu Sans, Arial, sans-serif" },
      // A scrolling legend costs a quarter of the drawing: only for long lists of names.
      legend: spec.series.length > 1
        ? {
          top: 0,
          type: spec.series.reduce((n, x) => n + x.name.length + 6, 0) > 60 ? "scroll" : "plain",
          itemGap: 24,
        }
        : undefined,
      grid: { left: spec.horizontal ? 170 : 56, right: 24, top: spec.series.length > 1 ? 36 : 20, bottom: 36 },
      xAxis: spec.horizontal ? valueAxis : categoryAxis,
      yAxis: spec.horizontal ? { ...categoryAxis, inverse: true } : valueAxis,
      series: spec.series.map((s) => ({
        name: s.name,
        type: spec.kind,
        data: s.values,
        stack: spec.stack ? "total" : undefined,
        showSymbol: spec.kind === "line" && spec.categories.length <= 40,
        connectNulls: false,
      })),
    }, true);
    const svg = chart.renderToSVGString().replace(/\bzr\d+-/g, `zr${++draws}d-`);
    if (fresh) chart.dispose();
    return svg;
  } catch (e) {
    // A chart left half-set is not reused.
    chart.dispose();
    if (!fresh) instances.delete(size);
    throw e;
  }
}

/** A chart panel: title, SVG, and the data the tooltip script reads. */
export function chartPanel(spec: ChartSpec): string {
  const data = { categories: spec.categories, series: spec.series, unit: spec.unit ?? "" };
  const empty = spec.categories.length === 0;
  return `<figure class="chart" id="${escapeHtml(spec.id)}">
<figcaption>${escapeHtml(spec.title)}</figcaption>
${empty ? '<p class="empty">no data in this range</p>' : renderChart(spec)}
<script type="application/json" class="chart-data">${JSON.stringify(data).replaceAll("<", "\\u003c")}</script>
</figure>`;
}
