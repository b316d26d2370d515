/**
 * `deno task dashboard --bench`: each page's server time (the request handler, in-process, no network), as
 * - first: the first render of the process (cold JIT, empty page cache),
 * - cold: a render with empty page and chart caches (median and max of `runs`; queries and charts run every time),
 * - warm: the same request again (the page cache of the marts version answers).
 * The load average is printed beside the figures: on a shared 2-core machine the wall times move with it, so the
 * process's CPU time of each cold render (all its threads, chDB's included) is given too, which moves much less.
 *
 * @module
 */
import { cpuUsage } from "node:process";
import type { Logger } from "../log.ts";
import type { DashboardDeps } from "./data.ts";
import { handler } from "./server.ts";
import { clearChartCache } from "./charts.ts";

/** One page's figures, milliseconds. */
export interface PageTiming {
  url: string;
  status: number;
  bytes: number;
  first_ms: number;
  cold_median_ms: number;
  cold_max_ms: number;
  /** CPU time of the process (user + system, every thread) during a cold render, median. */
  cold_cpu_median_ms: number;
  warm_median_ms: number;
}

/** The URLs timed: every page with its default range, and the filtered views people use most. */
export const BENCH_URLS = [
  "/",
  "/?kind=post",
  "/communities",
  "/communities?kind=group",
  "/influence",
  "/ads",
  "/health",
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number) => Math.round(x * 10) / 10;

async function timed(handle: (r: Request) => Promise<Response>, url: string) {
  const cpu = cpuUsage();
  const started = performance.now();
  const res = await handle(new Request(new URL(url, "http://bench.invalid")));
  const body = await res.text();
  const used = cpuUsage(cpu);
  return {
    ms: performance.now() - started,
    cpuMs: (used.user + used.system) / 1000,
    status: res.status,
    bytes: body.length,
  };
}

/** Time every URL; `extraUrls` adds views (e.g. the newest pages). */
export async function benchPages(
  deps: DashboardDeps,
  opts: { runs: number; urls?: string[] },
  log: Logger,
): Promise<{ pages: PageTiming[]; loadavg: string }> {
  const loadBefore = await loadAverage();
  const pages: PageTiming[] = [];
  for (const url of opts.urls ?? BENCH_URLS) {
    clearChartCache();
    const first = await timed(handler(deps), url);
    const cold: number[] = [];
    const coldCpu: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      const handle = handler(deps);
      clearChartCache();
      const c = await timed(handle, url);
      cold.push(c.ms);
      coldCpu.push(c.cpuMs);
      warm.push((await timed(handle, url)).ms);
    }
    const t: PageTiming = {
      url,
      status: first.status,
      bytes: first.bytes,
      first_ms: round(first.ms),
      cold_median_ms: round(median(cold)),
      cold_max_ms: round(Math.max(...cold)),
      cold_cpu_median_ms: round(median(coldCpu)),
      warm_median_ms: round(median(warm)),
    };
    pages.push(t);
    log.info(
      `${url}: first ${t.first_ms} ms, cold ${t.cold_median_ms} ms (max ${t.cold_max_ms}), warm ${t.warm_median_ms} ms`,
    );
  }
  return { pages, loadavg: `${loadBefore} -> ${await loadAverage()}` };
}

async function loadAverage(): Promise<string> {
  try {
    return (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}
