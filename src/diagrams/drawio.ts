/**
 * A diagram as a draw.io file: the uncompressed `mxfile` form (`<mxfile><diagram><mxGraphModel><root>`), cells
 * `0` and `1` first, then one vertex per box and one edge per arrow, which app.diagrams.net opens and edits.
 *
 * @module
 */
import { el, toXml } from "../tableau/xml.ts";
import type { BoxKind, Diagram } from "./model.ts";

/** Fill and stroke per box kind (also used by the SVG renderer). */
export const COLORS: Record<BoxKind, { fill: string; stroke: string }> = {
  service: { fill: "#dae8fc", stroke: "#6c8ebf" },
  store: { fill: "#d5e8d4", stroke: "#82b366" },
  app: { fill: "#fff2cc", stroke: "#d6b656" },
  dim: { fill: "#dae8fc", stroke: "#6c8ebf" },
  fact: { fill: "#f8cecc", stroke: "#b85450" },
  mart: { fill: "#e1d5e7", stroke: "#9673a6" },
  source: { fill: "#f5f5f5", stroke: "#666666" },
  node: { fill: "#d5e8d4", stroke: "#82b366" },
  step: { fill: "#fff2cc", stroke: "#d6b656" },
  group: { fill: "#ffffff", stroke: "#999999" },
};

/** The mxfile XML of a diagram. */
export function toDrawio(d: Diagram): string {
  const cells = [
    el("mxCell", { id: "0" }),
    el("mxCell", { id: "1", parent: "0" }),
    ...d.boxes.map((b) => {
      const c = COLORS[b.kind];
      return el("mxCell", {
        id: b.id,
        value: [b.title, ...b.lines].join("\n"),
        style: `rounded=1;whiteSpace=wrap;html=0;align=left;verticalAlign=top;spacingLeft=8;fillColor=${c.fill};` +
          `strokeColor=${c.stroke};fontFamily=Helvetica;fontSize=11;`,
        vertex: 1,
        parent: "1",
      }, [el("mxGeometry", { x: b.x, y: b.y, width: b.w, height: b.h, as: "geometry" })]);
    }),
    ...d.arrows.map((a, i) =>
      el("mxCell", {
        id: `e${i}-${a.from}-${a.to}`,
        value: a.label,
        style: `endArrow=block;html=0;fontSize=10;${a.dashed ? "dashed=1;" : ""}`,
        edge: 1,
        parent: "1",
        source: a.from,
        target: a.to,
      }, [el("mxGeometry", { relative: 1, as: "geometry" })])
    ),
  ];
  return toXml(
    el("mxfile", { host: "socialpulse", type: "device" }, [
      el("diagram", { id: d.name, name: d.title }, [
        el("mxGraphModel", { grid: 1, gridSize: 10, page: 0, math: 0, shadow: 0 }, [el("root", {}, cells)]),
      ]),
    ]),
  );
}
