/** `deno task screenshots`: PNGs of every dashboard page, from a running dashboard, into docs/screenshots/. */
import { runTask, TaskFailure } from "../src/task.ts";
import { screenshots } from "../src/dashboard/browser.ts";

await runTask({
  name: "screenshots",
  description: "Open every page of a running dashboard (deno task dashboard) in headless Chromium and write a " +
    "full-page PNG of each into the output folder. Fails on a page that does not load or logs a console error.",
  flags: {
    url: { type: "string", help: "The running dashboard", default: "http://127.0.0.1:8090/" },
    out: { type: "string", help: "Folder for the PNG files", default: "docs/screenshots" },
  },
  async run({ flags }) {
    const url = String(flags.url);
    const up = await fetch(new URL("/healthz", url)).then((r) => r.ok, () => false);
    if (!up) throw new TaskFailure(`no dashboard answers at ${url}: start it with 'deno task dashboard'`);
    const { files, errors } = await screenshots(url, String(flags.out));
    if (errors.length) throw new TaskFailure(`console errors on the dashboard: ${errors.join("; ")}`);
    return { files };
  },
});
