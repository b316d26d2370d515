/**
 * The live dashboard's HTTP server: one route per page (filters in the query string, so every view is linkable),
 * the static assets, and `/healthz`. Pages are rendered per request from the marts; a bad filter is a 400 with a
 * one-line message.
 *
 * @module
 */
import { APP_SCRIPT, ssrClientScript, STYLE } from "./assets.ts";
import { type DashboardDeps, dayBounds, type Filters, martsVersion } from "./data.ts";
import { escapeHtml } from "./html.ts";
import { type Page, PAGES } from "./pages.ts";

/** A filter value that cannot be used (a malformed date, a range that ends before it starts). */
export class FilterError extends Error {
  override name = "FilterError";
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
/** Rendered pages kept (oldest dropped first). */
const CACHE_PAGES = 200;

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Filters from a URL: `from`, `to` (UTC days, inclusive; default the last 30 days of data), `kind`, `community`. */
export function parseFilters(url: URL, last: string | null): Filters {
  const get = (k: string) => url.searchParams.get(k)?.trim() ?? "";
  const to = get("to") || last || new Date().toISOString().slice(0, 10);
  const from = get("from") || addDays(to, -29);
  for (const [k, v] of [["from", from], ["to", to]] as const) {
    if (!DAY.test(v) || Number.isNaN(Date.parse(v))) throw new FilterError(`${k} must be a day YYYY-MM-DD, got '${v}'`);
  }
  if (from > to) throw new FilterError(`from (${from}) is after to (${to})`);
  return { from, to, kind: get("kind"), community: get("community") };
}

function filterForm(page: Page, f: Filters): string {
  if (page.filters.length === 0) return "";
  const input = (name: string, label: string, value: string, type = "text") =>
    `<label>${label}<input type="${type}" name="${name}" value="${escapeHtml(value)}"></label>`;
  const parts: string[] = [];
  if (page.filters.includes("range")) {
    parts.push(input("from", "from", f.from, "date"), input("to", "to", f.to, "date"));
  }
  if (page.filters.includes("kind")) {
    parts.push(
      page.kinds
        ? `<label>kind<select name="kind">${
          page.kinds.map((k) => `<option${k === (f.kind || "all") ? " selected" : ""}>${escapeHtml(k)}</option>`)
            .join("")
        }</select></label>`
        : input("kind", "kind", f.kind),
    );
  }
  if (page.filters.includes("community")) parts.push(input("community", "community", f.community));
  return `<form class="filters" method="get">${parts.join("")}<button type="submit">Apply</button></form>`;
}

function layout(page: Page, f: Filters | null, body: string, query: string, source: string): string {
  const nav = PAGES.map((p) =>
    `<a href="${p.path}${query}"${p === page ? ' class="active"' : ""}>${escapeHtml(p.title)}</a>`
  ).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>socialpulse · ${escapeHtml(page.title)}</title>
<link rel="stylesheet" href="/assets/style.css"><link rel="icon" href="data:,"></head>
<body><header><h1>socialpulse</h1><nav>${nav}</nav><span class="source">${escapeHtml(source)}</span></header>
<main><h2 class="page-title">${escapeHtml(page.title)}</h2>
${f ? filterForm(page, f) : ""}
${body}
</main>
<script src="/assets/echarts-ssr-client.js"></script><script src="/assets/app.js"></script>
</body></html>`;
}

/** The request handler, and `warm()`: render every marts page with its default filters into the page cache. */
export interface Handler {
  (req: Request): Promise<Response>;
  /** Render the marts pages' default views (the navigation's links) into the cache; returns how many. */
  warm(): Promise<number>;
}

/** The request handler (exported for tests and the bench, which call it without a server). */
export function handler(deps: DashboardDeps): Handler {
  let ssrClient: string | null = null;
  const cache = new Map<string, string>();
  /** The last day of the marts, per marts version (one query per data change, not per page). */
  let bounds: { version: string; value: Promise<{ first: string; last: string } | null> } | null = null;
  const handle = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const text = (body: string, type: string, status = 200) =>
      new Response(body, { status, headers: { "content-type": type } });
    if (url.pathname === "/healthz") {
      // The snapshot served (exports mode), so a parent process or a test can wait for a new one.
      return text(JSON.stringify({ ok: true, snapshot: deps.snapshot?.current ?? null }) + "\n", "application/json");
    }
    // Static files: the same for the life of the process, so the browser keeps them for an hour.
    const asset = (body: string, type: string) =>
      new Response(body, { headers: { "content-type": type, "cache-control": "public, max-age=3600" } });
    if (url.pathname === "/assets/style.css") return asset(STYLE, "text/css");
    if (url.pathname === "/assets/app.js") return asset(APP_SCRIPT, "text/javascript");
    if (url.pathname === "/assets/echarts-ssr-client.js") {
      ssrClient ??= await ssrClientScript();
      return asset(ssrClient, "text/javascript");
    }
    const page = PAGES.find((p) => p.path === url.pathname);
    if (!page) return text(`no page ${url.pathname}\n`, "text/plain", 404);
    const snapshot = deps.snapshot;
    const source = () =>
      snapshot
        ? `marts as exported at ${snapshot.current?.snapshot_at.slice(0, 19).replace("T", " ") ?? "–"} UTC`
        : "marts live from ClickHouse";
    if (snapshot && page.cacheable && snapshot.current === null) {
      const body = `<p class="empty">No export snapshot under ${
        escapeHtml(snapshot.exportsDir)
      } yet: the pipeline's export step (or deno task export) writes one; this page shows it within seconds.</p>`;
      return new Response(layout(page, null, body, url.search, source()), {
        status: 503,
        headers: { "content-type": "text/html; charset=utf-8", "retry-after": "10" },
      });
    }
    const render = async () => {
      const started = performance.now();
      // Pages of the marts are cached per data version (the snapshot loaded, or the marts' parts on a server);
      // pipeline health (live counters) never is.
      const version = snapshot ? snapshot.current?.loaded_at ?? "" : await martsVersion(deps.ch);
      const key = page.cacheable ? `${version}|${page.path}|${url.search}` : null;
      let html = key ? cache.get(key) : undefined;
      if (html === undefined) {
        if (bounds?.version !== version) bounds = { version, value: dayBounds(deps.ch) };
        const last = page.filters.includes("range") ? (await bounds.value)?.last ?? null : null;
        const f = parseFilters(url, last);
        html = layout(page, f, await page.render(deps, f), url.search, source());
        if (key) {
          if (cache.size >= CACHE_PAGES) cache.delete(cache.keys().next().value!);
          cache.set(key, html);
        }
      }
      return { html, ms: Math.round(performance.now() - started) };
    };
    try {
      // A new export snapshot is swapped in between renders, never during one.
      const { html, ms } = snapshot ? await snapshot.gate.read(render) : await render();
      return new Response(html, {
        headers: { "content-type": "text/html; charset=utf-8", "server-timing": `render;dur=${ms}` },
      });
    } catch (e) {
      if (e instanceof FilterError) return text(`${e.message}\n`, "text/plain", 400);
      throw e;
    }
  };
  return Object.assign(handle, {
    async warm() {
      const pages = PAGES.filter((p) => p.cacheable);
      for (const p of pages) {
        const res = await handle(new Request(new URL(p.path, "http://dashboard.invalid")));
        await res.body?.cancel();
      }
      return pages.length;
    },
  });
}
