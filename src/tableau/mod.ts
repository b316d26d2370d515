/**
 * `deno task tableau`: the Tableau packaged workbook (`.twbx`) from an export of the marts. The data sources are
 * the export's CSV files (packed inside) with the manifest's columns and types; the sheets and dashboards are the
 * typed descriptions of `sheets.ts`. A sheet whose mart the export does not hold is left out (and reported); any
 * other problem `checkWorkbook` finds stops the build before a file is written.
 *
 * @module
 */
import { join, resolve } from "node:path";
import type { ExportManifest } from "../export/mod.ts";
import type { Logger } from "../log.ts";
import { TaskFailure } from "../task.ts";
import { checkWorkbook } from "./check.ts";
import { DASHBOARDS, SHEETS } from "./sheets.ts";
import { type DashboardSpec, type SheetSpec, sourcesOf, type WorkbookSpec } from "./spec.ts";
import { DATA_DIR, workbookXml } from "./workbook.ts";
import { toXml } from "./xml.ts";
import { zip } from "./zip.ts";

/** A workbook that cannot be built (no export, a sheet naming a missing field). */
export class WorkbookError extends TaskFailure {
  override name = "WorkbookError";
}

/** The newest export folder (`<exportsDir>/date=YYYY-MM-DD/` holding a manifest). */
export async function latestExport(exportsDir: string): Promise<string> {
  const days: string[] = [];
  try {
    for await (const e of Deno.readDir(exportsDir)) {
      if (e.isDirectory && /^date=\d{4}-\d{2}-\d{2}$/.test(e.name)) days.push(e.name);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  for (const d of days.sort().reverse()) {
    const dir = join(exportsDir, d);
    if (await Deno.stat(join(dir, "manifest.json")).then(() => true, () => false)) return dir;
  }
  throw new WorkbookError(`no export with a manifest.json under ${resolve(exportsDir)}: run 'deno task export' first`);
}

/** The workbook description for an export: its marts as sources, the sheets whose mart it holds. */
export function describeWorkbook(
  manifest: ExportManifest,
  sheets: SheetSpec[] = SHEETS,
  dashboards: DashboardSpec[] = DASHBOARDS,
): { spec: WorkbookSpec; skipped: SheetSpec[] } {
  const marts = new Set(manifest.marts.map((m) => m.mart));
  const kept = sheets.filter((s) => marts.has(s.mart));
  const keptNames = new Set(kept.map((s) => s.name));
  return {
    spec: {
      sources: sourcesOf(manifest),
      sheets: kept,
      dashboards: dashboards.map((d) => ({ ...d, sheets: d.sheets.filter((s) => keptNames.has(s)) }))
        .filter((d) => d.sheets.length > 0),
    },
    skipped: sheets.filter((s) => !marts.has(s.mart)),
  };
}

/** The `.twb` text of a description, after our checks. */
export function workbookText(spec: WorkbookSpec): string {
  const problems = checkWorkbook(spec);
  if (problems.length) throw new WorkbookError(`the workbook does not hold together: ${problems.join("; ")}`);
  return toXml(workbookXml(spec));
}

/** What a build wrote. */
export interface TableauResult {
  [key: string]: unknown;
  out: string;
  export_dir: string;
  sheets: number;
  dashboards: number;
  sources: number;
  skipped_sheets: string[];
  bytes: number;
}

/** Build the `.twbx` from the export folder (its manifest and CSV files). */
export async function buildWorkbook(
  args: { exportDir: string; out: string },
  log: Logger,
): Promise<TableauResult> {
  const manifest: ExportManifest = JSON.parse(await Deno.readTextFile(join(args.exportDir, "manifest.json")));
  const { spec, skipped } = describeWorkbook(manifest);
  for (const s of skipped) log.warn(`sheet '${s.name}' left out: the export has no ${s.mart}`);
  const twb = workbookText(spec);
  const used = new Set(spec.sheets.map((s) => s.mart));
  const entries = [{ path: "socialpulse.twb", data: new TextEncoder().encode(twb) }];
  for (const m of manifest.marts.filter((m) => used.has(m.mart))) {
    entries.push({ path: `${DATA_DIR}/${m.csv.name}`, data: await Deno.readFile(join(args.exportDir, m.csv.name)) });
  }
  const bytes = await zip(entries);
  await Deno.mkdir(resolve(args.out, ".."), { recursive: true });
  await Deno.writeFile(args.out, bytes);
  log.info(`wrote ${args.out}`, { counts: { sheets: spec.sheets.length, dashboards: spec.dashboards.length } });
  return {
    out: args.out,
    export_dir: args.exportDir,
    sheets: spec.sheets.length,
    dashboards: spec.dashboards.length,
    sources: used.size,
    skipped_sheets: skipped.map((s) => s.name),
    bytes: bytes.length,
  };
}
