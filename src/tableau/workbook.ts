/**
 * The workbook description as Tableau workbook XML (`.twb`, schema 2026.2): one text-file data source per mart
 * (the CSV packed beside it in the `.twbx`), a worksheet per sheet with its shelves, color and filters, dashboards
 * laid out on a grid with the filters of their sheets, and one window per sheet and dashboard. UUIDs are derived
 * from names, so the same description gives the same bytes.
 *
 * @module
 */
import { el, type XmlElement } from "./xml.ts";
import type { DataSource, FilterSpec, SheetSpec, ShelfField, SourceField, WorkbookSpec } from "./spec.ts";

/** Tableau's version of the schema we validate against (shared/tableau/README.md). */
export const WORKBOOK_VERSION = "26.2";
const SOURCE_BUILD = "2026.2.0 (20262.26.0101.0000)";
/** Where the CSV files sit inside the packaged workbook. */
export const DATA_DIR = "Data/exports";

const PREFIX: Record<string, string> = {
  "None": "none",
  "Sum": "sum",
  "Avg": "avg",
  "Min": "min",
  "Max": "max",
  "Median": "med",
  "Count": "cnt",
  "CountD": "ctd",
  "Day-Trunc": "tdy",
  "Week-Trunc": "twk",
  "Month-Trunc": "tmn",
  "Year": "yr",
};

/** A deterministic UUID from a name (FNV-1a, four seeds): stable ids keep the output reproducible. */
export function nameUuid(name: string): string {
  const hex = [0x811c9dc5, 0x01000193, 0x9e3779b9, 0x85ebca6b].map((seed) => {
    let h = seed >>> 0;
    for (const ch of new TextEncoder().encode(name)) h = Math.imul(h ^ ch, 0x01000193) >>> 0;
    return h.toString(16).padStart(8, "0");
  }).join("").toUpperCase();
  return `{${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}}`;
}

function semanticType(f: SourceField): "quantitative" | "nominal" | "ordinal" {
  if (f.role === "measure") return "quantitative";
  if (f.datatype === "date" || f.datatype === "datetime") return "ordinal";
  return "nominal";
}

/**
 * The column instance of a shelf field: its Tableau name (`[sum:dau:qk]`) and pill type. `continuous` makes a plain
 * field quantitative (a date range filter works on a continuous date).
 */
export function instanceOf(
  s: ShelfField,
  continuous = false,
): { name: string; type: "quantitative" | "nominal" | "ordinal" } {
  const type = s.derivation === "None"
    ? (continuous ? "quantitative" : "nominal")
    : s.derivation === "Year"
    ? "ordinal"
    : "quantitative";
  const suffix = type === "quantitative" ? "qk" : type === "ordinal" ? "ok" : "nk";
  return { name: `[${PREFIX[s.derivation]}:${s.field}:${suffix}]`, type };
}

function filterInstance(f: FilterSpec): ShelfField & { continuous: boolean } {
  return { field: f.field, derivation: "None", continuous: f.kind === "date-range" };
}

type Instance = ShelfField & { continuous?: boolean };
const instanceName = (u: Instance) => instanceOf(u, u.continuous).name;

function columnEl(f: SourceField): XmlElement {
  return el("column", {
    caption: f.name.replaceAll("_", " "),
    datatype: f.datatype,
    name: `[${f.name}]`,
    role: f.role,
    type: semanticType(f),
  });
}

function dataSourceEl(s: DataSource): XmlElement {
  const textscan = `textscan.${s.mart}`;
  return el("datasource", { caption: s.mart, inline: true, name: s.id, version: WORKBOOK_VERSION }, [
    el("connection", { class: "federated" }, [
      el("named-connections", {}, [
        el("named-connection", { caption: s.mart, name: textscan }, [
          el("connection", { class: "textscan", directory: DATA_DIR, filename: s.csv, password: "", server: "" }),
        ]),
      ]),
      el("relation", { connection: textscan, name: s.csv, table: `[${s.csv.replace(".", "#")}]`, type: "table" }, [
        el(
          "columns",
          { "character-set": "UTF-8", header: "yes", locale: "en_US", separator: "," },
          s.fields.map((f, i) => el("column", { datatype: f.datatype, name: f.name, ordinal: i })),
        ),
      ]),
    ]),
    ...s.fields.map(columnEl),
  ]);
}

function shelfText(source: DataSource, fields: ShelfField[]): string {
  const refs = fields.map((f) => `[${source.id}].${instanceOf(f).name}`);
  if (refs.length <= 1) return refs[0] ?? "";
  // Measures side by side are concatenated (+); dimensions nest (/).
  return `(${refs.join(fields.every((f) => f.derivation !== "None") ? " + " : " / ")})`;
}

function filterEl(source: DataSource, f: FilterSpec): XmlElement {
  const inst = instanceName(filterInstance(f));
  const column = `[${source.id}].${inst}`;
  if (f.kind === "date-range") {
    return el("filter", { class: "quantitative", column, "included-values": "in-range" });
  }
  return el("filter", { class: "categorical", column }, [
    el("groupfilter", {
      function: "level-members",
      level: inst,
      "user:ui-enumeration": "all",
      "user:ui-marker": "enumerate",
    }),
  ]);
}

function worksheetEl(sheet: SheetSpec, source: DataSource): XmlElement {
  const used: Instance[] = [
    ...sheet.cols,
    ...sheet.rows,
    ...(sheet.color ? [sheet.color] : []),
    ...sheet.filters.map(filterInstance),
  ];
  const fieldNames = [...new Set(used.map((u) => u.field))];
  const byName = new Map(source.fields.map((f) => [f.name, f]));
  const instances = new Map(used.map((u) => [instanceName(u), u]));
  return el("worksheet", { name: sheet.name }, [
    el("table", {}, [
      el("view", {}, [
        el("datasources", {}, [el("datasource", { caption: source.mart, name: source.id })]),
        el("datasource-dependencies", { datasource: source.id }, [
          ...fieldNames.map((n) => columnEl(byName.get(n)!)),
          ...[...instances].map(([name, u]) =>
            el("column-instance", {
              column: `[${u.field}]`,
              derivation: u.derivation,
              name,
              pivot: "key",
              type: instanceOf(u, u.continuous).type,
            })
          ),
        ]),
        ...sheet.filters.map((f) => filterEl(source, f)),
        el("aggregation", { value: true }),
      ]),
      el("style"),
      el("panes", {}, [
        el("pane", { "selection-relaxation-option": "selection-relaxation-allow" }, [
          el("view", {}, [el("breakdown", { value: "auto" })]),
          el("mark", { class: sheet.mark }),
          sheet.color &&
          el("encodings", {}, [el("color", { column: `[${source.id}].${instanceOf(sheet.color).name}` })]),
        ]),
      ]),
      el("rows", {}, [shelfText(source, sheet.rows)]),
      el("cols", {}, [shelfText(source, sheet.cols)]),
    ]),
    el("simple-id", { uuid: nameUuid(`worksheet:${sheet.name}`) }),
  ]);
}

/** Dashboard zones: a title, then the sheets on a grid (Tableau's zone units: 100000 = the full size). */
function dashboardEl(wb: WorkbookSpec, name: string, sheets: string[], perRow: number): XmlElement {
  const rows = Math.ceil(sheets.length / perRow);
  const titleH = 6000;
  const h = Math.floor((100000 - titleH) / Math.max(rows, 1));
  const w = Math.floor(100000 / perRow);
  let id = 2;
  const zones = sheets.map((s, i) =>
    el("zone", {
      h,
      id: id++,
      name: s,
      w,
      x: (i % perRow) * w,
      y: titleH + Math.floor(i / perRow) * h,
    })
  );
  const filterZones = sheets.flatMap((s) => {
    const sheet = wb.sheets.find((x) => x.name === s)!;
    const source = wb.sources.find((x) => x.mart === sheet.mart)!;
    return sheet.filters.map((f) =>
      el("zone", {
        h: 4000,
        id: id++,
        mode: f.kind === "date-range" ? "slider" : "checkdropdown",
        name: s,
        param: `[${source.id}].${instanceName(filterInstance(f))}`,
        "type-v2": "filter",
        w: 12000,
        x: 88000,
        y: 0,
      })
    );
  });
  return el("dashboard", { name }, [
    el("style"),
    el("size", { maxheight: 900, maxwidth: 1400, minheight: 900, minwidth: 1400 }),
    el("zones", {}, [
      el("zone", { h: 100000, id: 1, "type-v2": "layout-basic", w: 100000, x: 0, y: 0 }, [
        el("zone", { h: titleH, id: id++, "type-v2": "title", w: 88000, x: 0, y: 0 }),
        ...zones,
        ...filterZones,
      ]),
    ]),
    el("simple-id", { uuid: nameUuid(`dashboard:${name}`) }),
  ]);
}

/** The whole workbook element. */
export function workbookXml(wb: WorkbookSpec): XmlElement {
  const sourceOf = (s: SheetSpec) => wb.sources.find((x) => x.mart === s.mart)!;
  const usedMarts = new Set(wb.sheets.map((s) => s.mart));
  return el("workbook", {
    "original-version": WORKBOOK_VERSION,
    "source-build": SOURCE_BUILD,
    "source-platform": "win",
    version: WORKBOOK_VERSION,
    "xmlns:user": "http://www.tableausoftware.com/xml/user",
  }, [
    el("preferences"),
    el("datasources", {}, wb.sources.filter((s) => usedMarts.has(s.mart)).map(dataSourceEl)),
    el("worksheets", {}, wb.sheets.map((s) => worksheetEl(s, sourceOf(s)))),
    el("dashboards", {}, wb.dashboards.map((d) => dashboardEl(wb, d.name, d.sheets, d.perRow))),
    el("windows", {}, [
      ...wb.sheets.map((s) =>
        el("window", { class: "worksheet", name: s.name }, [
          el("cards", {}, [
            el("edge", { name: "left" }, [
              el("strip", { size: 160 }, [el("card", { type: "pages" }), el("card", { type: "filters" })]),
            ]),
          ]),
          el("simple-id", { uuid: nameUuid(`window:${s.name}`) }),
        ])
      ),
      ...wb.dashboards.map((d) =>
        el("window", { class: "dashboard", name: d.name }, [
          el("viewpoints"),
          el("active", { id: -1 }),
          el("simple-id", { uuid: nameUuid(`window:dashboard:${d.name}`) }),
        ])
      ),
    ]),
    el("explain-data", { "enabled-for-viewer": false, "extreme-values-enabled-for-all": false }, [
      el("explanation-types"),
    ]),
  ]);
}
