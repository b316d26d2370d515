/**
 * Typed descriptions of the workbook: data sources come from the export manifest (every mart's columns and
 * ClickHouse types); sheets and dashboards are described here as data and checked against those sources before
 * any XML is written.
 *
 * @module
 */
import type { ExportManifest } from "../export/mod.ts";

/** Tableau's field datatypes that a CSV column can carry. */
export type TableauType = "integer" | "real" | "string" | "date" | "datetime" | "boolean";
/** A field's role: a dimension (slices) or a measure (aggregated). */
export type Role = "dimension" | "measure";

/** One field of a data source, derived from a mart column. */
export interface SourceField {
  name: string;
  datatype: TableauType;
  role: Role;
  /** ClickHouse's type, as the manifest gives it. */
  chType: string;
}

/** One data source: a mart's exported CSV. */
export interface DataSource {
  mart: string;
  /** Tableau's internal data source name (`federated.<mart>`). */
  id: string;
  csv: string;
  fields: SourceField[];
}

/** Aggregations of a measure on a shelf (Tableau's derivation names). */
export const MEASURE_AGGREGATIONS = ["Sum", "Avg", "Min", "Max", "Median", "Count", "CountD"] as const;
/** Date parts and truncations of a date dimension on a shelf. */
export const DATE_DERIVATIONS = ["Day-Trunc", "Week-Trunc", "Month-Trunc", "Year"] as const;
/** Every derivation a shelf may name (`None`: a plain dimension). */
export const DERIVATIONS = ["None", ...MEASURE_AGGREGATIONS, ...DATE_DERIVATIONS] as const;
export type Derivation = typeof DERIVATIONS[number];

/** A field placed on a shelf (columns, rows, color) with its derivation. */
export interface ShelfField {
  field: string;
  derivation: Derivation;
}

/** A filter: a date range on a date field, or a pick list on a string dimension. */
export type FilterSpec = { kind: "date-range"; field: string } | { kind: "members"; field: string };

/** The mark classes we draw (the schema holds the full list). */
export type MarkClass = "Bar" | "Line" | "Circle" | "Square" | "Text";

/** One worksheet. */
export interface SheetSpec {
  name: string;
  /** The metric group it belongs to (README, docs). */
  group: string;
  /** The mart it reads (a sheet whose mart was not exported is left out and reported). */
  mart: string;
  mark: MarkClass;
  cols: ShelfField[];
  rows: ShelfField[];
  color?: ShelfField;
  filters: FilterSpec[];
}

/** One dashboard: a title and its sheets, laid out top to bottom in rows of `perRow`. */
export interface DashboardSpec {
  name: string;
  sheets: string[];
  perRow: number;
}

/** The workbook before it becomes XML. */
export interface WorkbookSpec {
  sources: DataSource[];
  sheets: SheetSpec[];
  dashboards: DashboardSpec[];
}

const inner = (t: string): string => {
  const m = /^(?:Nullable|LowCardinality)\((.*)\)$/.exec(t);
  return m ? inner(m[1]!) : t;
};

/**
 * A mart column as a Tableau field: dates and times, integers, decimals and floats, booleans, and text for
 * everything else (maps and arrays are written to the CSV as text). Keys and ids are dimensions, as are all
 * non-numeric columns; other numbers are measures.
 */
export function fieldOf(name: string, chType: string): SourceField {
  const t = inner(chType);
  let datatype: TableauType = "string";
  if (/^Date(32)?$/.test(t)) datatype = "date";
  else if (/^DateTime/.test(t)) datatype = "datetime";
  else if (/^U?Int\d+$/.test(t)) datatype = "integer";
  else if (/^(Float\d+|Decimal)/.test(t)) datatype = "real";
  else if (t === "Bool") datatype = "boolean";
  const numeric = datatype === "integer" || datatype === "real";
  const isKey = /(_key|_id)$/.test(name);
  return { name, datatype, role: numeric && !isKey ? "measure" : "dimension", chType };
}

/** Data sources from an export manifest: one per mart, fields in the manifest's column order. */
export function sourcesOf(manifest: ExportManifest): DataSource[] {
  return manifest.marts.map((m) => ({
    mart: m.mart,
    id: `federated.${m.mart}`,
    csv: m.csv.name,
    fields: m.columns.map((c) => fieldOf(c.name, c.type)),
  }));
}
