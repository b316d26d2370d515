/**
 * The dashboard's pages, the same as the workbook's dashboards plus pipeline health: each is a function from the
 * filters to HTML, with charts rendered on the server. Provisional days (not yet final, late events may still
 * arrive) are marked as such.
 *
 * @module
 */
import { chartPanel } from "./charts.ts";
import {
  campaigns,
  communities,
  communityChoices,
  communityDays,
  type DashboardDeps,
  type Filters,
  influence,
  moneyDays,
  network,
  pipelineHealth,
  platformDays,
  repostDays,
  spreadDays,
  topTopics,
} from "./data.ts";
import { escapeHtml, fmt, table, tile } from "./html.ts";

/** A page: its path, title in the navigation, the filters it uses, and its body. */
export interface Page {
  path: string;
  title: string;
  filters: ("range" | "kind" | "community")[];
  /** Rendered from the marts only, so it can be cached per marts version. */
  cacheable: boolean;
  /** The values the kind filter offers (empty: free text). */
  kinds?: string[];
  render(deps: DashboardDeps, f: Filters): Promise<string>;
}

const section = (title: string, body: string) => `<section><h2>${escapeHtml(title)}</h2>${body}</section>`;
const grid = (...panels: string[]) => `<div class="grid">${panels.join("\n")}</div>`;

const overview: Page = {
  path: "/",
  cacheable: true,
  title: "Overview",
  filters: ["range", "kind"],
  kinds: ["all", "post", "story", "reel"],
  async render({ ch }, f) {
    // One round trip's wait: the queries go out together (a ClickHouse server answers them in parallel).
    const [days, topics, spread, reposts] = await Promise.all([
      platformDays(ch, f),
      topTopics(ch, f),
      spreadDays(ch, f),
      repostDays(ch, f),
    ]);
    const last = days.at(-1);
    const total = (k: "publications" | "comments" | "reactions") => days.reduce((s, d) => s + d[k], 0);
    const provisional = days.filter((d) => !d.is_final).map((d) => d.day);
    const cats = days.map((d) => d.day);
    return `<div class="tiles">
${tile("publications", "Publications", total("publications"), 0, `${f.from} to ${f.to}`)}
${tile("comments", "Comments (replies included)", total("comments"))}
${tile("reactions", "Reactions", total("reactions"))}
${tile("dau", `DAU ${last?.day ?? ""}`, last?.dau ?? null)}
${tile("wau", `WAU ${last?.day ?? ""}`, last?.wau ?? null)}
${tile("dau_wau_ratio", "DAU/WAU", last?.dau_wau_ratio ?? null, 3)}
</div>
${
      provisional.length
        ? `<p class="note">Provisional (late events may still change them): ${provisional.join(", ")}</p>`
        : ""
    }
${
      grid(
        chartPanel({
          id: "chart-publications",
          title: "Publications per day by kind",
          kind: "bar",
          stack: true,
          categories: cats,
          series: [
            { name: "posts", values: days.map((d) => d.posts) },
            { name: "stories", values: days.map((d) => d.stories) },
            { name: "reels", values: days.map((d) => d.reels) },
          ],
        }),
        chartPanel({
          id: "chart-active-users",
          title: "Daily and weekly active users",
          kind: "line",
          categories: cats,
          series: [{ name: "DAU", values: days.map((d) => d.dau) }, { name: "WAU", values: days.map((d) => d.wau) }],
        }),
        chartPanel({
          id: "chart-interactions",
          title: "Interactions per post",
          kind: "line",
          categories: cats,
          series: [{ name: "interactions per post", values: days.map((d) => d.interactions_per_post) }],
        }),
        chartPanel({
          id: "chart-topics",
          title: "Most discussed topics (comments)",
          kind: "bar",
          horizontal: true,
          categories: topics.map((t) => t.label),
          series: [{ name: "comments", values: topics.map((t) => t.comments) }],
        }),
        chartPanel({
          id: "chart-reposts",
          title: "Reposts and quotes received (shares by other users)",
          kind: "bar",
          stack: true,
          categories: reposts.map((r) => r.day),
          series: [
            { name: "reposts", values: reposts.map((r) => r.reposts) },
            { name: "quotes", values: reposts.map((r) => r.quotes) },
          ],
        }),
        chartPanel({
          id: "chart-spread",
          title: `Time to 1000 views (${f.kind || "all"}), hours`,
          kind: "line",
          categories: spread.map((s) => s.day),
          unit: "h",
          series: [
            { name: "p10", values: spread.map((s) => s.p10 === null ? null : s.p10 / 3600) },
            { name: "median", values: spread.map((s) => s.p50 === null ? null : s.p50 / 3600) },
            { name: "p90", values: spread.map((s) => s.p90 === null ? null : s.p90 / 3600) },
          ],
        }),
        chartPanel({
          id: "chart-spread-buckets",
          title: `Publications by time to 1000 views (${f.kind || "all"})`,
          kind: "bar",
          stack: true,
          categories: spread.map((s) => s.day),
          series: ["under 1 h", "1-6 h", "6-24 h", "1-3 days", "over 3 days"].map((name, i) => ({
            name,
            values: spread.map((s) => s.buckets[i]!),
          })),
        }),
      )
    }
${
      section(
        "Days",
        table("table-days", days, [
          { header: "day", value: (d) => d.day + (d.is_final ? "" : " (provisional)") },
          { header: "publications", metric: "publications", value: (d) => d.publications },
          { header: "comments", metric: "comments", value: (d) => d.comments },
          { header: "reactions", metric: "reactions", value: (d) => d.reactions },
          {
            header: "interactions/post",
            metric: "interactions_per_post",
            value: (d) => d.interactions_per_post,
            digits: 2,
          },
          { header: "DAU", metric: "dau", value: (d) => d.dau },
          { header: "WAU", metric: "wau", value: (d) => d.wau },
          { header: "DAU/WAU", metric: "dau_wau_ratio", value: (d) => d.dau_wau_ratio, digits: 3 },
        ], (d) => d.day),
      )
    }`;
  },
};

const communitiesPage: Page = {
  path: "/communities",
  cacheable: true,
  title: "Communities",
  filters: ["range", "kind", "community"],
  async render({ ch }, f) {
    const [rows, days, choices] = await Promise.all([communities(ch, f), communityDays(ch, f), communityChoices(ch)]);
    const top = rows.slice(0, 15);
    return `<p class="note">Kinds: ${choices.kinds.map(escapeHtml).join(", ")}; ${choices.names.length} communities.</p>
<div class="tiles">
${tile("communities", "Communities", rows.length)}
${tile("growth", "Net growth (joins - leaves)", rows.reduce((s, r) => s + r.growth, 0))}
${tile("complaints", "Complaints filed", rows.reduce((s, r) => s + r.complaints, 0))}
${tile("members", "Members at the end", rows.reduce((s, r) => s + r.members, 0))}
</div>
${
      grid(
        chartPanel({
          id: "chart-community-growth",
          title: "Net growth per day",
          kind: "bar",
          categories: days.map((d) => d.day),
          series: [{ name: "growth", values: days.map((d) => d.growth) }],
        }),
        chartPanel({
          id: "chart-moderation",
          title: "Complaints filed and resolved per day",
          kind: "line",
          categories: days.map((d) => d.day),
          series: [
            { name: "filed", values: days.map((d) => d.complaints) },
            { name: "resolved", values: days.map((d) => d.resolved) },
          ],
        }),
        chartPanel({
          id: "chart-top-growth",
          title: "Fastest growing (net joins)",
          kind: "bar",
          horizontal: true,
          categories: top.map((r) => r.name),
          series: [{ name: "growth", values: top.map((r) => r.growth) }],
        }),
        chartPanel({
          id: "chart-engagement",
          title: "Group engagement (mean of daily active/members)",
          kind: "line",
          categories: days.map((d) => d.day),
          series: [{ name: "engagement", values: days.map((d) => d.engagement) }],
        }),
      )
    }
${
      section(
        "Communities in the range",
        table("table-communities", rows, [
          { header: "community", value: (r) => r.name },
          { header: "kind", value: (r) => r.kind },
          { header: "topic", value: (r) => r.topic },
          { header: "growth", metric: "growth", value: (r) => r.growth },
          { header: "joins", metric: "joins", value: (r) => r.joins },
          { header: "leaves", metric: "leaves", value: (r) => r.leaves },
          { header: "publications", metric: "publications", value: (r) => r.publications },
          { header: "comments", metric: "comments", value: (r) => r.comments },
          { header: "reactions", metric: "reactions", value: (r) => r.reactions },
          { header: "complaints", metric: "complaints", value: (r) => r.complaints },
          { header: "members", metric: "members", value: (r) => r.members },
          { header: "moderators", metric: "moderators", value: (r) => r.moderators },
          { header: "engagement", metric: "engagement", value: (r) => r.engagement, digits: 3 },
        ], (r) => r.key),
      )
    }`;
  },
};

const adsPage: Page = {
  path: "/ads",
  cacheable: true,
  title: "Ads and revenue",
  filters: ["range"],
  async render({ ch }, f) {
    const [camps, money] = await Promise.all([campaigns(ch, f), moneyDays(ch, f)]);
    const streams = [...new Set(money.revenue.map((r) => r.stream))].sort();
    const revDays = [...new Set(money.revenue.map((r) => r.day))].sort();
    const revenueOf = (day: string, stream: string) =>
      money.revenue.find((r) => r.day === day && r.stream === stream)?.usd ?? 0;
    const clicks = camps.reduce((s, c) => s + c.clicks, 0);
    const impressions = camps.reduce((s, c) => s + c.impressions, 0);
    return `<div class="tiles">
${tile("impressions", "Ad impressions", impressions)}
${tile("clicks", "Ad clicks", clicks)}
${tile("ctr", "CTR", impressions > 0 ? clicks / impressions : null, 4)}
${tile("spend_usd", "Ad spend (USD)", camps.reduce((s, c) => s + c.spend_usd, 0), 2)}
${tile("revenue_usd", "Creator revenue (USD)", money.revenue.reduce((s, r) => s + r.usd, 0), 2)}
</div>
${
      grid(
        chartPanel({
          id: "chart-spend",
          title: "Ad spend per day (USD)",
          kind: "line",
          categories: money.spend.map((d) => d.day),
          unit: "USD",
          series: [{ name: "spend", values: money.spend.map((d) => Math.round(d.spend_usd * 100) / 100) }],
        }),
        chartPanel({
          id: "chart-revenue",
          title: "Revenue per day by stream (USD)",
          kind: "bar",
          stack: true,
          unit: "USD",
          categories: revDays,
          series: streams.map((s) => ({
            name: s,
            values: revDays.map((d) => Math.round(revenueOf(d, s) * 100) / 100),
          })),
        }),
      )
    }
${
      section(
        "Campaigns",
        table("table-campaigns", camps, [
          { header: "campaign", value: (c) => c.name },
          { header: "advertiser", value: (c) => c.advertiser },
          { header: "impressions", metric: "impressions", value: (c) => c.impressions },
          { header: "clicks", metric: "clicks", value: (c) => c.clicks },
          { header: "CTR", metric: "ctr", value: (c) => c.ctr, digits: 4 },
          { header: "spend (USD)", metric: "spend_usd", value: (c) => c.spend_usd, digits: 2 },
        ], (c) => c.key),
      )
    }`;
  },
};

const influencePage: Page = {
  path: "/influence",
  cacheable: true,
  title: "Influence",
  filters: ["range"],
  async render({ ch }, f) {
    const [lead, net] = await Promise.all([influence(ch), network(ch, f)]);
    if (!lead && !net) {
      return `<p class="empty">mart_user_influence and mart_network_daily are not built yet (deno task models build,
after deno task graph metrics).</p>`;
    }
    const g = net?.graph ?? null;
    const last = net?.days.at(-1);
    const estimate = (is: boolean, note: string) => (is ? ` (estimate${note})` : "");
    const top = lead?.top ?? [];
    const chartTop = top.slice(0, 15);
    const days = net?.days ?? [];
    return `<div class="tiles">
${
      tile(
        "graph_users",
        "Users in the graph",
        lead?.users ?? null,
        0,
        lead?.snapshotAt ? `graph as of ${lead.snapshotAt} UTC` : "no graph snapshot yet",
      )
    }
${tile("avg_friends", `Friends per user ${last?.day ?? ""}`, last?.avg_friends ?? null, 2, "all signed-up users")}
${tile("avg_followers", `Followers per user ${last?.day ?? ""}`, last?.avg_followers ?? null, 2)}
${tile("components", "Friendship components", g?.components ?? null)}
${tile("largest_component", "Largest component (users)", g?.largest_component ?? null)}
${
      tile(
        "diameter",
        "Diameter" + estimate(g?.diameter_is_estimate ?? false, ""),
        g?.diameter ?? null,
        0,
        g && g.diameter_lower !== g.diameter_upper ? `between ${g.diameter_lower} and ${g.diameter_upper}` : "",
      )
    }
${
      tile(
        "average_path",
        "Average path" +
          estimate(
            g?.average_path_is_estimate ?? false,
            g?.average_path_sample ? `, ${g.average_path_sample} sources` : "",
          ),
        g?.average_path ?? null,
        2,
      )
    }
${tile("avg_reach_3", "Users within 3 friendship steps (mean)", lead?.avgReach3 ?? null, 1)}
</div>
${
      grid(
        chartPanel({
          id: "chart-pagerank",
          title: "PageRank leaderboard (follow graph)",
          kind: "bar",
          horizontal: true,
          categories: chartTop.map((u) => u.username),
          series: [{ name: "PageRank", values: chartTop.map((u) => u.pagerank) }],
        }),
        chartPanel({
          id: "chart-reach",
          title: "Friendship reach of the leaders (users at 1, 2, 3 steps)",
          kind: "bar",
          horizontal: true,
          stack: true,
          categories: chartTop.map((u) => u.username),
          series: [
            { name: "1 step", values: chartTop.map((u) => u.reach_1) },
            { name: "2 steps", values: chartTop.map((u) => u.reach_2) },
            { name: "3 steps", values: chartTop.map((u) => u.reach_3) },
          ],
        }),
        chartPanel({
          id: "chart-degrees",
          title: "Friends and followers per user at day end",
          kind: "line",
          categories: days.map((d) => d.day),
          series: [
            { name: "friends", values: days.map((d) => d.avg_friends) },
            { name: "followers", values: days.map((d) => d.avg_followers) },
            { name: "friends (users with any)", values: days.map((d) => d.avg_friends_nonzero) },
          ],
        }),
        chartPanel({
          id: "chart-network-size",
          title: "Friendships and follows at day end",
          kind: "line",
          categories: days.map((d) => d.day),
          series: [
            { name: "friendships", values: days.map((d) => d.friendships) },
            { name: "follows", values: days.map((d) => d.follows) },
          ],
        }),
      )
    }
${
      section(
        "Leaderboard (top 25 by PageRank)",
        table("table-influence", top, [
          { header: "rank", metric: "pagerank_rank", value: (u) => u.pagerank_rank },
          { header: "user", value: (u) => u.username },
          { header: "PageRank", metric: "pagerank", value: (u) => u.pagerank, digits: 4 },
          { header: "followers", metric: "followers", value: (u) => u.followers },
          { header: "following", metric: "following", value: (u) => u.following },
          { header: "friends", metric: "friends", value: (u) => u.friends },
          { header: "2 steps", metric: "reach_2", value: (u) => u.reach_2 },
          { header: "3 steps", metric: "reach_3", value: (u) => u.reach_3 },
          { header: "within 3", metric: "reach_within_3", value: (u) => u.reach_within_3 },
          { header: "eccentricity", metric: "eccentricity", value: (u) => u.eccentricity },
          { header: "reposts received", metric: "reposts_received", value: (u) => u.reposts_received },
          { header: "quotes received", metric: "quotes_received", value: (u) => u.quotes_received },
        ], (u) => u.user_key),
      )
    }
${
      section(
        "Network per day",
        table("table-network", days, [
          { header: "day", value: (d) => d.day + (d.is_final ? "" : " (provisional)") },
          { header: "users", metric: "users", value: (d) => d.users },
          { header: "friendships", metric: "friendships", value: (d) => d.friendships },
          { header: "follows", metric: "follows", value: (d) => d.follows },
          { header: "friends/user", metric: "avg_friends", value: (d) => d.avg_friends, digits: 3 },
          { header: "followers/user", metric: "avg_followers", value: (d) => d.avg_followers, digits: 3 },
        ], (d) => d.day),
      )
    }`;
  },
};

const healthPage: Page = {
  path: "/health",
  cacheable: false,
  title: "Pipeline health",
  filters: [],
  async render({ sql, etlSchema, now }) {
    if (!sql) return `<p class="empty">no PostgreSQL configured</p>`;
    const h = await pipelineHealth(sql, etlSchema);
    const ageMin = h.totals.last_loaded_at ? (now().getTime() - h.totals.last_loaded_at.getTime()) / 60000 : null;
    return `<div class="tiles">
${tile("batches", "Batches", h.totals.batches)}
${tile("lines_in", "Lines read", h.totals.lines_in)}
${tile("loaded", "Events loaded", h.totals.loaded)}
${tile("quarantined", "Lines quarantined", h.totals.quarantined)}
${tile("duplicates", "Duplicates dropped", h.totals.duplicates)}
${
      tile(
        "freshness_minutes",
        "Minutes since the last load",
        ageMin === null ? null : Math.round(ageMin),
        0,
        `newest event day ${h.newestDay ?? "–"}`,
      )
    }
</div>
${
      grid(
        chartPanel({
          id: "chart-throughput",
          title: "Events loaded per minute of load time",
          kind: "bar",
          categories: h.throughput.map((t) => t.minute),
          series: [{ name: "events loaded", values: h.throughput.map((t) => t.loaded) }],
        }),
        chartPanel({
          id: "chart-quarantine",
          title: h.reasons.length > 15
            ? `Quarantine by reason, the top 15 of ${h.reasons.length} (lines)`
            : "Quarantine by reason (lines)",
          kind: "bar",
          horizontal: true,
          categories: h.reasons.slice(0, 15).map((r) => r.reason),
          series: [{ name: "lines", values: h.reasons.slice(0, 15).map((r) => r.lines) }],
        }),
      )
    }
${
      section(
        "Quarantine by reason",
        table("table-quarantine", h.reasons, [
          { header: "reason", value: (r) => r.reason },
          { header: "lines", metric: "lines", value: (r) => r.lines },
        ], (r) => r.reason),
      )
    }
${
      section(
        "Last failures",
        table("table-failures", h.failures, [
          { header: "batch", value: (r) => String(r.batch_id) },
          { header: "status", value: (r) => String(r.status) },
          { header: "step", value: (r) => String(r.failed_step) },
          { header: "error", value: (r) => String(r.error ?? "") },
        ], (r) => String(r.batch_id)),
      )
    }
${
      section(
        "Latest batches",
        table("table-batches", h.batches, [
          { header: "batch", value: (r) => String(r.batch_id) },
          { header: "status", value: (r) => String(r.status) },
          { header: "files", metric: "files", value: (r) => Number(r.files) },
          { header: "lines in", metric: "lines_in", value: (r) => r.lines_in === null ? null : Number(r.lines_in) },
          { header: "loaded", metric: "loaded", value: (r) => r.loaded === null ? null : Number(r.loaded) },
          {
            header: "quarantined",
            metric: "quarantined",
            value: (r) => r.quarantined === null ? null : Number(r.quarantined),
          },
          {
            header: "duplicates",
            metric: "duplicates",
            value: (r) => r.duplicates === null ? null : Number(r.duplicates),
          },
          {
            header: "loaded at (UTC)",
            value: (r) => r.loaded_at ? new Date(r.loaded_at as string).toISOString().slice(0, 19) : "",
          },
        ], (r) => String(r.batch_id)),
      )
    }
<p class="note">${fmt(h.totals.loaded_batches)} of ${fmt(h.totals.batches)} batches loaded.</p>`;
  },
};

/** Every page, in navigation order. */
export const PAGES: Page[] = [overview, communitiesPage, influencePage, adsPage, healthPage];
