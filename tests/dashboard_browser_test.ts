/**
 * The live dashboard in a real browser, beside the pipeline. Generated days (reduced rate, with faults) go through
 * the real tasks into a private PostgreSQL database and bucket (sandbox) and a private chDB folder: `generate`,
 * `pipeline`, `models build`, `export`. `deno task dashboard` starts in a child process on the export snapshot
 * (its default with chDB: a private chDB session, so the warehouse's folder stays free). While it serves pages, a
 * third day is generated and loaded and `models build` runs on the warehouse's chDB folder (it must succeed: the
 * dashboard does not hold it), then a new export, which the dashboard loads within a second or two.
 * The expected figures are read with our own queries (the marts through a separate chDB process, etl from
 * PostgreSQL); headless Chromium (Debian's, via puppeteer-core) opens every page: no console errors, no failed
 * requests, and the numbers in the DOM (`data-metric` cells and tiles) equal the queries'. The URL's filters narrow
 * the page; a tooltip appears over a chart. Needs PostgreSQL, S3, the chdb npm package and chromium.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { config, PROJECT_ROOT } from "../src/config.ts";
import { configureLogging, logger } from "../src/log.ts";
import { openSandbox } from "../src/pipeline/sandbox.ts";
import { launchBrowser } from "../src/dashboard/browser.ts";
import { chRows, tempMartsEnv } from "./_marts_env.ts";

const FROM = "2026-11-20";
const TO = "2026-11-22";
const RANGE = `?from=${FROM}&to=${TO}`;

async function task(args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    cwd: PROJECT_ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  const stderr = dec.decode(out.stderr);
  assertEquals(out.code, 0, `${args.join(" ")}: ${stderr.slice(-3000)}`);
  return dec.decode(out.stdout);
}

const n = (v: unknown) => (v === null || v === "" ? null : Number(v));

Deno.test({
  name: "every dashboard page loads in Chromium without errors and shows the figures the marts and etl hold",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    configureLogging({ level: "ERROR", format: "json" });
    const box = await openSandbox(config(), "dashboard_browser", logger("test-dashboard"));
    // The sandbox resets etl and landing only: the star schema and the runner's state of an earlier run would make
    // the first build an increment over old days.
    await box.sql.unsafe("drop schema if exists staging, core, runner cascade");
    const env = await tempMartsEnv("", "dash_marts", "dashboard");
    const exportsDir = await Deno.makeTempDir({ prefix: "sp-dashboard-exports-" });
    const childEnv = {
      POSTGRES_DB: box.cfg.postgres.database,
      S3_BUCKET: box.cfg.s3.bucket,
      CLICKHOUSE_URL: `chdb://${env.chPath}`,
      CLICKHOUSE_DATABASE: env.database,
      RUNNER_TARGET_DIR: env.targetDir,
      LOG_FORMAT: "json",
      LOG_LEVEL: "WARN",
    };
    let dashboard: Deno.ChildProcess | null = null;
    let browser: Awaited<ReturnType<typeof launchBrowser>> | null = null;
    try {
      const generate = (from: string, to: string, fresh: boolean) =>
        task([
          "tasks/generate.ts",
          "--from",
          `${from}T00:00:00Z`,
          "--to",
          `${to}T00:00:00Z`,
          "--rate",
          "20",
          "--seed",
          "5",
          "--faults",
          "0.02",
          ...(fresh ? ["--fresh"] : []),
        ], childEnv);
      const exportMarts = () => task(["tasks/export.ts", "--out", exportsDir, "--no-upload"], childEnv);
      await generate(FROM, "2026-11-22", true);
      await task(["tasks/pipeline.ts"], childEnv);
      await task(["tasks/models.ts", "build"], childEnv);
      await exportMarts();

      dashboard = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "tasks/dashboard.ts", "--port", "0", "--exports", exportsDir, "--poll", "1"],
        cwd: PROJECT_ROOT,
        env: childEnv,
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const reader = dashboard.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let first = "";
      while (!first.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) break;
        first += value;
      }
      const base = /dashboard: (http:\/\/\S+)/.exec(first)?.[1];
      assert(base, `the dashboard printed its URL: ${first}`);
      /** The snapshot the dashboard serves, once it differs from `previous`. */
      const snapshotAfter = async (previous: string | null) => {
        for (let i = 0; i < 120; i++) {
          const h = await (await fetch(new URL("/healthz", base))).json();
          if (h.snapshot && h.snapshot.snapshot_at !== previous) return h.snapshot.snapshot_at as string;
          await new Promise((r) => setTimeout(r, 500));
        }
        throw new Error("the dashboard did not load a new export snapshot within 60 s");
      };
      const firstSnapshot = await snapshotAfter(null);
      /** Publications per day as the overview shows them, and as the warehouse's mart holds them. */
      const shownDays = async () =>
        Object.fromEntries(
          [...(await (await fetch(new URL("/?from=2026-11-01&to=2026-11-30", base))).text())
            .matchAll(
              /<tr data-key="(\d{4}-\d\d-\d\d)"><td>[^<]*<\/td><td class="num" data-metric="publications" data-value="(\d+)"/g,
            )]
            .map((m) => [m[1], Number(m[2])]),
        );
      const martDays = async () =>
        Object.fromEntries(
          (await chRows(env, ["select toString(day) as d, publications from mart_platform_daily order by day"]))[0]!
            .map((r) => [String(r.d), Number(r.publications)]),
        );
      const before = await martDays();
      assertEquals(await shownDays(), before, "the first export's publications per day");

      // The pipeline goes on while the dashboard serves pages: a third day, and a models build on the warehouse's
      // chDB folder (which a dashboard holding it would make fail).
      let serving = true;
      const served: number[] = [];
      const load = (async () => {
        for (let i = 0; serving; i++) {
          for (const path of ["/", "/communities", "/ads"]) {
            const res = await fetch(new URL(`${path}?n=${i}`, base));
            await res.body?.cancel();
            served.push(res.status);
          }
        }
      })();
      try {
        await generate("2026-11-22", "2026-11-23", false);
        await task(["tasks/pipeline.ts"], childEnv);
        await task(["tasks/models.ts", "build"], childEnv);
        await exportMarts();
      } finally {
        serving = false;
        await load;
      }
      assert(served.length > 0 && served.every((s) => s === 200), `pages during the build: ${served.join(",")}`);
      await snapshotAfter(firstSnapshot);
      const after = await martDays();
      assert(after[TO]! > (before[TO] ?? 0), `the third day added publications: ${before[TO]} -> ${after[TO]}`);
      assertEquals(await shownDays(), after, "the new export's publications per day");

      // The truth, from the warehouse's chDB folder (the dashboard does not hold it).
      const [days, comms, camps, reposts, net, leaders] = await chRows(env, [
        `select toString(day) as d, publications, comments, reactions, dau, wau, dau_wau_ratio
         from mart_platform_daily order by day`,
        `select toString(community_key) as k, any(community_kind) as kind, sum(growth) as growth,
                sum(publications) as publications, argMax(members, day) as members
         from mart_community_daily where community_key != -1 and day between '${FROM}' and '${TO}'
         group by community_key`,
        `select toString(campaign_key) as k, sum(impressions) as impressions, sum(clicks) as clicks
         from mart_ads_daily where level = 'campaign' and day between '${FROM}' and '${TO}' group by campaign_key`,
        `select toString(day) as d, sum(reposts) as reposts from mart_user_reposts_daily group by day order by day`,
        `select toString(day) as d, friendships, follows, avg_friends, avg_followers from mart_network_daily
         where day between '${FROM}' and '${TO}' order by day`,
        `select toString(user_key) as k, pagerank_rank, followers, reach_within_3 from mart_user_influence
         order by pagerank_rank, user_key limit 25`,
      ]) as Record<string, unknown>[][];
      assertEquals(days!.map((d) => d.d), [FROM, "2026-11-21", TO]);
      assert(comms!.length > 0 && camps!.length > 0, "the world has communities and campaigns");
      const reasons = await box.sql<{ reason: string; lines: string }[]>`
        select reason, count(*) as lines from etl.rejected group by reason`;
      assert(reasons.length > 0, "faults were quarantined");
      const loaded = (await box.sql<{ loaded: string }[]>`select sum(loaded) as loaded from etl.batches`)[0]!.loaded;

      browser = await launchBrowser();
      const page = await browser.newPage();
      await page.setViewport({ width: 1360, height: 900 });
      const errors: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(`console: ${m.text()}`);
      });
      page.on("pageerror", (e) => errors.push(`pageerror: ${(e as Error).message}`));
      page.on("requestfailed", (r) => errors.push(`requestfailed: ${r.url()}`));
      page.on("response", (r) => {
        if (r.status() >= 400) errors.push(`HTTP ${r.status()}: ${r.url()}`);
      });
      // Browser-side code as strings: the DOM library's types would change Deno's stream types project-wide.
      /** `data-value` of every `[data-metric]` cell of a table, by row key. */
      const cells = (tableId: string) =>
        page.evaluate(`(() => {
          const out = {};
          for (const tr of document.querySelectorAll("#${tableId} tbody tr")) {
            const row = {};
            for (const td of tr.querySelectorAll("td[data-metric]")) {
              row[td.getAttribute("data-metric")] = td.getAttribute("data-value");
            }
            out[tr.getAttribute("data-key")] = row;
          }
          return out;
        })()`) as Promise<Record<string, Record<string, string>>>;
      const tiles = () =>
        page.evaluate(`Object.fromEntries([...document.querySelectorAll(".tile .value")]
          .map((e) => [e.getAttribute("data-metric"), e.getAttribute("data-value")]))`) as Promise<
          Record<string, string>
        >;
      const open = async (path: string) => {
        const res = await page.goto(new URL(path, base).href, { waitUntil: "load" });
        assertEquals(res?.status(), 200, path);
        console.log(`${path}: server render ${res?.headers()["server-timing"]}`);
        assertEquals(await page.evaluate(`document.querySelectorAll("svg").length > 0`), true, `${path} has charts`);
      };

      // Overview: every day's figures.
      await open(`/${RANGE}`);
      const dayCells = await cells("table-days");
      for (const d of days!) {
        const shown = dayCells[String(d.d)]!;
        for (const k of ["publications", "comments", "reactions", "dau", "wau"]) {
          assertEquals(n(shown[k]), n(d[k]), `${d.d} ${k}`);
        }
        assert(Math.abs(n(shown.dau_wau_ratio)! - n(d.dau_wau_ratio)!) < 1e-9, `${d.d} dau_wau_ratio`);
      }
      assertEquals(n((await tiles()).publications), days!.reduce((s, d) => s + n(d.publications)!, 0));
      // The reposts chart's data: reposts received per day.
      const repostChart = JSON.parse(
        await page.evaluate(`document.querySelector("#chart-reposts script.chart-data").textContent`) as string,
      );
      assertEquals(repostChart.categories, reposts!.map((r) => r.d));
      assertEquals(repostChart.series[0].values, reposts!.map((r) => n(r.reposts)));
      // A tooltip from the SSR client runtime over a bar.
      const bar = await page.$("#chart-publications svg path[ecmeta_series_index]");
      assert(bar, "the SSR SVG carries ECharts' meta attributes");
      await bar.hover();
      const tip = await page.evaluate(`(() => {
        const e = document.querySelector(".tooltip");
        return { display: getComputedStyle(e).display, text: e.textContent || "" };
      })()`) as { display: string; text: string };
      assertEquals(tip.display, "block");
      assert(/2026-11-2\d · (posts|stories|reels): \d/.test(tip.text), tip.text);

      // Communities: every community's growth, publications and members; then the kind filter from the URL.
      await open(`/communities${RANGE}`);
      const commCells = await cells("table-communities");
      assertEquals(Object.keys(commCells).sort(), comms!.map((c) => String(c.k)).sort());
      for (const c of comms!) {
        for (const k of ["growth", "publications", "members"]) {
          assertEquals(n(commCells[String(c.k)]![k]), n(c[k]), `community ${c.k} ${k}`);
        }
      }
      const kind = String(comms![0]!.kind);
      await open(`/communities${RANGE}&kind=${kind}`);
      assertEquals(
        Object.keys(await cells("table-communities")).sort(),
        comms!.filter((c) => c.kind === kind).map((c) => String(c.k)).sort(),
      );

      // Ads: every campaign's impressions and clicks.
      await open(`/ads${RANGE}`);
      const campCells = await cells("table-campaigns");
      for (const c of camps!) {
        assertEquals(n(campCells[String(c.k)]!.impressions), n(c.impressions), `campaign ${c.k} impressions`);
        assertEquals(n(campCells[String(c.k)]!.clicks), n(c.clicks), `campaign ${c.k} clicks`);
      }

      // Influence: the network per day (M8) and the leaderboard (M9; empty here: no graph metrics run in this test).
      await open(`/influence${RANGE}`);
      const netCells = await cells("table-network");
      assertEquals(Object.keys(netCells), net!.map((d) => String(d.d)));
      for (const d of net!) {
        const shown = netCells[String(d.d)]!;
        for (const k of ["friendships", "follows"]) assertEquals(n(shown[k]), n(d[k]), `${d.d} ${k}`);
        for (const k of ["avg_friends", "avg_followers"]) {
          assert(Math.abs(n(shown[k])! - n(d[k])!) < 1e-9, `${d.d} ${k}: ${shown[k]} vs ${d[k]}`);
        }
      }
      assert(net!.some((d) => n(d.friendships)! > 0), "the world has friendships");
      const leaderCells = await cells("table-influence");
      assertEquals(Object.keys(leaderCells), leaders!.map((u) => String(u.k)));

      // Pipeline health: quarantine by reason and events loaded, from etl.
      await open("/health");
      const q = await cells("table-quarantine");
      assertEquals(
        Object.fromEntries(Object.entries(q).map(([r, v]) => [r, n(v.lines)])),
        Object.fromEntries(reasons.map((r) => [r.reason, Number(r.lines)])),
      );
      assertEquals(n((await tiles()).loaded), Number(loaded));

      // A bad filter is a 400 with a one-line message, and no page.
      const bad = await fetch(new URL("/?from=2026-13-45", base));
      assertEquals([bad.status, (await bad.text()).trim()], [400, "from must be a day YYYY-MM-DD, got '2026-13-45'"]);
      assertEquals(errors, []);
    } finally {
      await browser?.close();
      if (dashboard) {
        dashboard.kill("SIGTERM");
        const status = await dashboard.status;
        await dashboard.stderr.cancel().catch(() => {});
        assertEquals(status.code, 0, "the dashboard stops cleanly on SIGTERM");
      }
      await box.close();
      for (const d of [env.chPath, env.targetDir, exportsDir]) await Deno.remove(d, { recursive: true });
    }
  },
});
