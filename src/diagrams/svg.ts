/**
 * Our renderer of a diagram to SVG (no draw.io app needed): rounded boxes with a bold title and text lines, arrows
 * between box borders with their labels. Plain SVG text (no foreignObject), so any viewer shows it.
 *
 * @module
 */
import { escapeXml } from "../tableau/xml.ts";
import { COLORS } from "./drawio.ts";
import { type Box, type Diagram, LINE_H, TITLE_H } from "./model.ts";

function center(b: Box) {
  return { x: b.x + b.w / 2, y: b.y + b.h / 2 };
}

/** Where the line from the box's centre towards (tx, ty) leaves the box. */
function border(b: Box, tx: number, ty: number) {
  const c = center(b);
  const dx = tx - c.x;
  const dy = ty - c.y;
  if (dx === 0 && dy === 0) return c;
  const s = Math.min(dx === 0 ? Infinity : (b.w / 2) / Math.abs(dx), dy === 0 ? Infinity : (b.h / 2) / Math.abs(dy));
  return { x: c.x + dx * s, y: c.y + dy * s };
}

const r = (n: number) => Math.round(n * 10) / 10;

/** The SVG document of a diagram. */
export function toSvg(d: Diagram): string {
  const byId = new Map(d.boxes.map((b) => [b.id, b]));
  const loops = d.arrows.some((a) => a.from === a.to) ? 160 : 0;
  const width = Math.max(...d.boxes.map((b) => b.x + b.w)) + 20 + loops;
  const height = Math.max(...d.boxes.map((b) => b.y + b.h)) + 20;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" ` +
    `orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="20" y="28" font-size="16" font-weight="bold">${escapeXml(d.title)}</text>`,
  ];
  // Arrows between the same two boxes share one line; their labels stack. A box's arrows to itself are a loop.
  const pairs = new Map<string, { from: Box; to: Box; labels: string[]; dashed: boolean }>();
  for (const a of d.arrows) {
    const k = `${a.from}>${a.to}`;
    const p = pairs.get(k) ?? { from: byId.get(a.from)!, to: byId.get(a.to)!, labels: [], dashed: !!a.dashed };
    if (a.label) p.labels.push(a.label);
    pairs.set(k, p);
  }
  const labelAt = (x: number, y: number, labels: string[]) =>
    labels.map((l, i) =>
      `<text x="${r(x)}" y="${r(y + (i - (labels.length - 1) / 2) * 12)}" text-anchor="middle" font-size="10" ` +
      `fill="#333" stroke="#fff" stroke-width="3" paint-order="stroke">${escapeXml(l)}</text>`
    );
  for (const { from, to, labels, dashed } of pairs.values()) {
    const dash = dashed ? ' stroke-dasharray="5,4"' : "";
    if (from === to) {
      const x = from.x + from.w;
      const y = from.y + from.h / 2;
      out.push(
        `<path d="M${x},${y - 10} C${x + 60},${y - 40} ${x + 60},${y + 40} ${x},${y + 10}" fill="none" stroke="#555" ` +
          `stroke-width="1.2"${dash} marker-end="url(#arrow)"/>`,
        ...labelAt(x + 50 + Math.max(...labels.map((l) => l.length)) * 3, y, labels),
      );
      continue;
    }
    const p = border(from, center(to).x, center(to).y);
    const q = border(to, center(from).x, center(from).y);
    out.push(
      `<line x1="${r(p.x)}" y1="${r(p.y)}" x2="${r(q.x)}" y2="${r(q.y)}" stroke="#555" stroke-width="1.2"${dash} ` +
        `marker-end="url(#arrow)"/>`,
      ...labelAt((p.x + q.x) / 2, (p.y + q.y) / 2, labels),
    );
  }
  for (const b of d.boxes) {
    const c = COLORS[b.kind];
    out.push(
      `<g id="${escapeXml(b.id)}"><rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="6" fill="${c.fill}" ` +
        `stroke="${c.stroke}"/>`,
      `<text x="${b.x + 8}" y="${b.y + 17}" font-weight="bold">${escapeXml(b.title)}</text>`,
      ...b.lines.map((l, i) => `<text x="${b.x + 8}" y="${b.y + TITLE_H + 8 + i * LINE_H}">${escapeXml(l)}</text>`),
      `</g>`,
    );
  }
  out.push("</svg>");
  return out.join("\n") + "\n";
}
