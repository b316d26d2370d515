/** `deno task tableau`: the Tableau packaged workbook dashboard/socialpulse.twbx from the newest mart export. */
import { runTask } from "../src/task.ts";
import { buildWorkbook, latestExport } from "../src/tableau/mod.ts";

await runTask({
  name: "tableau",
  description: "Write the Tableau packaged workbook (.twbx) from an export of the marts (deno task export): one " +
    "data source per mart CSV, packed inside; worksheets per metric group; Overview and Communities dashboards " +
    "with date-range, kind and community filters. Checks every shelf field against the export's columns first.",
  flags: {
    exports: { type: "string", help: "Folder of exports; the newest date=YYYY-MM-DD/ is used", default: "exports" },
    "export-dir": { type: "string", help: "One export folder (holding manifest.json); overrides --exports" },
    out: { type: "string", help: "The workbook to write", default: "dashboard/socialpulse.twbx" },
  },
  async run({ flags, log }) {
    const exportDir = typeof flags["export-dir"] === "string"
      ? flags["export-dir"]
      : await latestExport(String(flags.exports));
    return await buildWorkbook({ exportDir, out: String(flags.out) }, log);
  },
});
