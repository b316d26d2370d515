/**
 * Our checks of a workbook description, for what Tableau's schema does not catch (shared/tableau/README.md): every
 * field on a shelf, color or filter exists in the sheet's data source with a role and type its derivation fits,
 * derivations are names Tableau knows, sheet names are unique, and every dashboard zone names an existing sheet.
 *
 * @module
 */
import {
  DATE_DERIVATIONS,
  DERIVATIONS,
  MEASURE_AGGREGATIONS,
  type SheetSpec,
  type ShelfField,
  type SourceField,
  type WorkbookSpec,
} from "./spec.ts";

function checkShelf(sheet: SheetSpec, where: string, s: ShelfField, fields: Map<string, SourceField>): string[] {
  const at = `sheet '${sheet.name}' ${where}`;
  if (!(DERIVATIONS as readonly string[]).includes(s.derivation)) {
    return [`${at}: '${s.derivation}' is not a Tableau aggregation (use one of ${DERIVATIONS.join(", ")})`];
  }
  const f = fields.get(s.field);
  if (!f) return [`${at}: field '${s.field}' is not a column of ${sheet.mart}`];
  const isDate = f.datatype === "date" || f.datatype === "datetime";
  if ((MEASURE_AGGREGATIONS as readonly string[]).includes(s.derivation)) {
    if (f.role !== "measure" && s.derivation !== "Count" && s.derivation !== "CountD") {
      return [`${at}: ${s.derivation}(${s.field}) aggregates a ${f.role} of type ${f.datatype}`];
    }
  } else if ((DATE_DERIVATIONS as readonly string[]).includes(s.derivation)) {
    if (!isDate) return [`${at}: ${s.derivation}(${s.field}) needs a date, the column is ${f.datatype}`];
  } else if (f.role !== "dimension") {
    return [`${at}: measure '${s.field}' needs an aggregation, not None`];
  }
  return [];
}

/** Every problem found (empty: the description is sound). */
export function checkWorkbook(wb: WorkbookSpec): string[] {
  const problems: string[] = [];
  const sources = new Map(wb.sources.map((s) => [s.mart, s]));
  const names = new Set<string>();
  for (const sheet of wb.sheets) {
    if (names.has(sheet.name)) problems.push(`sheet name '${sheet.name}' is used twice`);
    names.add(sheet.name);
    const source = sources.get(sheet.mart);
    if (!source) {
      problems.push(`sheet '${sheet.name}': no data source for mart ${sheet.mart}`);
      continue;
    }
    const fields = new Map(source.fields.map((f) => [f.name, f]));
    sheet.cols.forEach((s, i) => problems.push(...checkShelf(sheet, `columns[${i}]`, s, fields)));
    sheet.rows.forEach((s, i) => problems.push(...checkShelf(sheet, `rows[${i}]`, s, fields)));
    if (sheet.color) problems.push(...checkShelf(sheet, "color", sheet.color, fields));
    if (sheet.cols.length + sheet.rows.length === 0) problems.push(`sheet '${sheet.name}' has empty shelves`);
    for (const f of sheet.filters) {
      const field = fields.get(f.field);
      if (!field) problems.push(`sheet '${sheet.name}' filter: field '${f.field}' is not a column of ${sheet.mart}`);
      else if (f.kind === "date-range" && field.datatype !== "date" && field.datatype !== "datetime") {
        problems.push(`sheet '${sheet.name}' filter: a date range on '${f.field}' of type ${field.datatype}`);
      } else if (f.kind === "members" && field.role !== "dimension") {
        problems.push(`sheet '${sheet.name}' filter: a member list on measure '${f.field}'`);
      }
    }
  }
  for (const d of wb.dashboards) {
    if (d.sheets.length === 0) problems.push(`dashboard '${d.name}' has no sheets`);
    for (const s of d.sheets) {
      if (!names.has(s)) problems.push(`dashboard '${d.name}': zone names missing sheet '${s}'`);
    }
  }
  return problems;
}
