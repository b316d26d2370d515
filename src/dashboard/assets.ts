/**
 * The dashboard's static files, served by the dashboard itself (no CDN, no build step): the ECharts SSR client
 * runtime from node_modules, our tooltip script and the stylesheet.
 *
 * @module
 */
import { join } from "node:path";
import { PROJECT_ROOT } from "../config.ts";

/** The ECharts SSR client runtime (UMD, `window["echarts-ssr-client"]`), read from the installed package. */
export async function ssrClientScript(): Promise<string> {
  return await Deno.readTextFile(join(PROJECT_ROOT, "node_modules/echarts/ssr/client/dist/index.js"));
}

/** Tooltips: the SSR client reports the series and data index under the pointer; the values come from the JSON. */
export const APP_SCRIPT = `(function () {
  var tip = document.createElement("div");
  tip.className = "tooltip";
  document.body.appendChild(tip);
  var client = window["echarts-ssr-client"];
  document.querySelectorAll("figure.chart").forEach(function (fig) {
    var dataEl = fig.querySelector("script.chart-data");
    if (!client || !dataEl || !fig.querySelector("svg")) return;
    var data = JSON.parse(dataEl.textContent);
    client.hydrate(fig, { on: {
      mouseover: function (p) {
        var s = data.series[p.seriesIndex];
        if (!s || p.dataIndex === undefined) return;
        var v = s.values[p.dataIndex];
        tip.textContent = data.categories[p.dataIndex] + " · " + s.name + ": " +
          (v === null ? "–" : Number(v).toLocaleString("en-US", { maximumFractionDigits: 3 })) +
          (data.unit ? " " + data.unit : "");
        tip.style.display = "block";
        tip.style.left = (p.event.pageX + 12) + "px";
        tip.style.top = (p.event.pageY + 12) + "px";
      },
      mouseout: function () { tip.style.display = "none"; }
    } });
  });
})();
`;

export const STYLE = `
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 0; color: #1d2330; background: #f5f6f8; }
header { background: #1d2330; color: #fff; padding: 10px 24px; display: flex; align-items: center; gap: 24px; }
header h1 { font-size: 18px; margin: 0; }
header nav a { color: #c9d3e6; margin-right: 16px; text-decoration: none; }
header nav a.active { color: #fff; font-weight: bold; border-bottom: 2px solid #6fa0ff; }
header .source { margin-left: auto; font-size: 12px; color: #c9d3e6; }
main { padding: 16px 24px; }
form.filters { display: flex; gap: 12px; align-items: end; flex-wrap: wrap; margin-bottom: 12px; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: #556; }
.tiles { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 12px; }
.tile { background: #fff; border-radius: 6px; padding: 10px 14px; min-width: 150px; box-shadow: 0 1px 2px #0002; }
.tile .label { font-size: 12px; color: #556; }
.tile .value { font-size: 24px; font-weight: bold; }
.tile .note, p.note { font-size: 12px; color: #667; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(580px, 1fr)); gap: 12px; }
figure.chart { background: #fff; margin: 0; padding: 8px; border-radius: 6px; box-shadow: 0 1px 2px #0002; }
figure.chart figcaption { font-weight: bold; font-size: 14px; margin-bottom: 4px; }
section { margin-top: 16px; }
section h2 { font-size: 16px; }
table { border-collapse: collapse; background: #fff; font-size: 13px; }
th, td { padding: 4px 8px; border-bottom: 1px solid #e3e6ea; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.empty { color: #889; font-style: italic; }
.tooltip { position: absolute; display: none; background: #1d2330; color: #fff; padding: 4px 8px; border-radius: 4px;
  font-size: 12px; pointer-events: none; }
`;
