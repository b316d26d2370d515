/**
 * A diagram as data: boxes with a title and lines of text, placed on a grid, and labelled arrows between them.
 * The same model is written as draw.io XML (`drawio.ts`) and rendered to SVG (`svg.ts`), so the two cannot differ.
 *
 * @module
 */

/** What a box shows, which decides its colours. */
export type BoxKind = "service" | "store" | "app" | "dim" | "fact" | "mart" | "source" | "node" | "step" | "group";

/** A box: id, title, text lines under the title, position and size (pixels). */
export interface Box {
  id: string;
  title: string;
  lines: string[];
  kind: BoxKind;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** An arrow from one box to another, with an optional label. */
export interface Arrow {
  from: string;
  to: string;
  label: string;
  dashed?: boolean;
}

/** One diagram (one draw.io file). */
export interface Diagram {
  /** File name without extension. */
  name: string;
  title: string;
  boxes: Box[];
  arrows: Arrow[];
}

export const LINE_H = 15;
export const TITLE_H = 26;
const CHAR_W = 6.6;

/** A box sized for its text. */
export function box(id: string, title: string, lines: string[], kind: BoxKind, minW = 150): Omit<Box, "x" | "y"> {
  const longest = Math.max(title.length * 1.1, ...lines.map((l) => l.length));
  return {
    id,
    title,
    lines,
    kind,
    w: Math.max(minW, Math.ceil(longest * CHAR_W + 20)),
    h: TITLE_H + lines.length * LINE_H + 8,
  };
}

/** Place boxes in rows, left to right, rows top to bottom, `gap` apart; a row starts below the previous tallest. */
export function rows(rowsOfBoxes: Omit<Box, "x" | "y">[][], gap = 40, top = 50): Box[] {
  const out: Box[] = [];
  let y = top;
  for (const row of rowsOfBoxes) {
    let x = 20;
    for (const b of row) {
      out.push({ ...b, x, y });
      x += b.w + gap;
    }
    y += Math.max(0, ...row.map((b) => b.h)) + gap * 1.5;
  }
  return out;
}

/** Split a list into chunks of `n`. */
export function chunks<T>(items: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
  return out;
}
