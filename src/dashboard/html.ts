/**
 * HTML helpers of the dashboard: escaping, number formats, tables and KPI tiles. Every number shown carries a
 * `data-metric` attribute with its raw value, so tests (and people) can read it back exactly.
 *
 * @module
 */

/** Escape text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/** A number for people: thousands separated, at most `digits` decimals; "–" for null. */
export function fmt(v: number | null | undefined, digits = 0): string {
  if (v === null || v === undefined || Number.isNaN(v)) return "–";
  return v.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** A KPI tile: label, formatted value, the raw value in `data-value`. */
export function tile(metric: string, label: string, value: number | null, digits = 0, note = ""): string {
  return `<div class="tile"><div class="label">${escapeHtml(label)}</div>` +
    `<div class="value" data-metric="${escapeHtml(metric)}" data-value="${value ?? ""}">${fmt(value, digits)}</div>` +
    (note ? `<div class="note">${escapeHtml(note)}</div>` : "") + `</div>`;
}

/** A column of a table: header, how to read a row, decimals for numbers. */
export interface Column<R> {
  header: string;
  metric?: string;
  value: (r: R) => string | number | null;
  digits?: number;
}

/** A table; numeric cells carry `data-metric` and `data-value`, and the row its key in `data-key`. */
export function table<R>(id: string, rows: R[], columns: Column<R>[], key: (r: R) => string): string {
  if (rows.length === 0) return `<p class="empty" id="${escapeHtml(id)}">none</p>`;
  const head = columns.map((c) => `<th>${escapeHtml(c.header)}</th>`).join("");
  const body = rows.map((r) =>
    `<tr data-key="${escapeHtml(key(r))}">` + columns.map((c) => {
      const v = c.value(r);
      if (typeof v === "number" || (v === null && c.metric)) {
        return `<td class="num"${c.metric ? ` data-metric="${escapeHtml(c.metric)}"` : ""} data-value="${v ?? ""}">${
          fmt(v, c.digits ?? 0)
        }</td>`;
      }
      return `<td>${escapeHtml(String(v ?? ""))}</td>`;
    }).join("") + `</tr>`
  ).join("\n");
  return `<table id="${escapeHtml(id)}"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}
