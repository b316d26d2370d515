/**
 * `deno task dashboard`: serve the live dashboard until stopped. With a ClickHouse server it reads the marts live;
 * with the embedded engine (chDB) it serves the newest export snapshot from a private chDB session (snapshot.ts), so
 * it never opens the warehouse's chDB folder that the pipeline's models build and export need.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import { type DashboardDeps, martsVersion } from "./data.ts";
import { handler } from "./server.ts";

/** Where to listen; how often to look for a new export snapshot (exports mode). */
export interface ServeArgs {
  hostname: string;
  port: number;
  pollSeconds: number;
}

/** Serve until `signal` aborts; resolves with the address served and the requests answered. */
export async function serveDashboard(
  deps: DashboardDeps,
  args: ServeArgs,
  log: Logger,
  signal: AbortSignal,
): Promise<{ url: string; requests: number }> {
  let requests = 0;
  const handle = handler(deps);
  // Every pollSeconds: a newer export snapshot (exports mode), and when the marts changed, the pages with their
  // default filters rendered into the page cache, so that a visitor's first page does not wait for the queries
  // and charts.
  const keepFresh = async () => {
    let version = "";
    while (!signal.aborted) {
      if (deps.snapshot) await deps.snapshot.check(args.pollSeconds);
      try {
        const v = deps.snapshot ? deps.snapshot.current?.loaded_at ?? "" : await martsVersion(deps.ch);
        if (v && v !== version) {
          const started = performance.now();
          const pages = await handle.warm();
          log.info(`rendered ${pages} pages of the new marts in ${Math.round(performance.now() - started)} ms`);
          version = v;
        }
      } catch (e) {
        log.warn(`rendering the pages ahead failed: ${(e as Error).message}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, args.pollSeconds * 1000);
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
    }
  };
  const polling = keepFresh();
  let url = "";
  const server = Deno.serve({
    hostname: args.hostname,
    port: args.port,
    signal,
    onListen: ({ hostname, port }) => {
      url = `http://${hostname === "0.0.0.0" ? "localhost" : hostname}:${port}/`;
      // The URL on stdout too, first, so a parent process (deno task start, the tests) can read it.
      console.log(`dashboard: ${url}`);
      log.info(`dashboard at ${url}`);
    },
  }, async (req) => {
    requests++;
    try {
      return await handle(req);
    } catch (e) {
      log.error(`${new URL(req.url).pathname}: ${(e as Error).message}`);
      return new Response(`error: ${(e as Error).message}\n`, { status: 500 });
    }
  });
  await server.finished;
  await polling;
  return { url, requests };
}
