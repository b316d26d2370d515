/**
 * `deno task dashboard`: serve the live dashboard until stopped. It holds the chDB folder open while it runs (only
 * one process may), so build the models before starting it, or point CLICKHOUSE_URL at a ClickHouse server.
 *
 * @module
 */
import type { Logger } from "../log.ts";
import type { DashboardDeps } from "./data.ts";
import { handler } from "./server.ts";

/** Where to listen. */
export interface ServeArgs {
  hostname: string;
  port: number;
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
  return { url, requests };
}
