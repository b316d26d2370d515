/**
 * `deno task dashboard`: serve the live dashboard until stopped. With a ClickHouse server it reads the marts live;
 * with the embedded engine (chDB) it serves the newest export snapshot from a private chDB session (snapshot.ts), so
 * it never opens the warehouse's chDB folder that the pipeline's models build and export need.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { DashboardDeps } from "./data.ts";
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
  // The newest snapshot before the first page, then a look for a newer one every pollSeconds.
  const polling = deps.snapshot ? deps.snapshot.poll(args.pollSeconds, signal) : Promise.resolve();
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
