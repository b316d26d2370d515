/**
 * The workbook's sheets and dashboards, one or more per metric group of the marts (metrics.md numbers in the
 * names' groups). Field names are the marts' column names; `checkWorkbook` proves each against the exported
 * columns, so a renamed column fails the build instead of opening as a broken sheet in Tableau.
 *
 * @module
 */
import type { DashboardSpec, SheetSpec } from "./spec.ts";

const day = { field: "day", derivation: "Day-Trunc" } as const;
const dateRange = { kind: "date-range", field: "day" } as const;
const sum = (field: string) => ({ field, derivation: "Sum" as const });
const avg = (field: string) => ({ field, derivation: "Avg" as const });
const dim = (field: string) => ({ field, derivation: "None" as const });

/** Every sheet the workbook can hold. */
export const SHEETS: SheetSpec[] = [
  {
    name: "Publications per day",
    group: "platform activity (M1-M3)",
    mart: "mart_platform_daily",
    mark: "Bar",
    cols: [day],
    rows: [sum("publications")],
    filters: [dateRange],
  },
  {
    name: "Comments and reactions",
    group: "platform activity (M1-M3)",
    mart: "mart_platform_daily",
    mark: "Line",
    cols: [day],
    rows: [sum("comments"), sum("reactions")],
    filters: [dateRange],
  },
  {
    name: "Interactions per post",
    group: "platform activity (M1-M3)",
    mart: "mart_platform_daily",
    mark: "Line",
    cols: [day],
    rows: [avg("interactions_per_post")],
    filters: [dateRange],
  },
  {
    name: "DAU and WAU",
    group: "active users (M4-M6)",
    mart: "mart_platform_daily",
    mark: "Line",
    cols: [day],
    rows: [sum("dau"), sum("wau")],
    filters: [dateRange],
  },
  {
    name: "DAU/WAU",
    group: "active users (M4-M6)",
    mart: "mart_platform_daily",
    mark: "Line",
    cols: [day],
    rows: [avg("dau_wau_ratio")],
    filters: [dateRange],
  },
  {
    name: "Influence leaderboard",
    group: "influence (M9, M10)",
    mart: "mart_user_influence",
    mark: "Bar",
    cols: [avg("pagerank")],
    rows: [dim("user_name")],
    filters: [],
  },
  {
    name: "Reposts and quotes received",
    group: "influence (M9, M10)",
    mart: "mart_user_reposts_daily",
    mark: "Line",
    cols: [day],
    rows: [sum("reposts"), sum("quotes")],
    filters: [dateRange],
  },
  {
    name: "Spread speed percentiles",
    group: "spread speed (M11)",
    mart: "mart_spread_distribution",
    mark: "Bar",
    cols: [dim("kind")],
    rows: [avg("p50_seconds")],
    filters: [{ kind: "members", field: "kind" }],
  },
  {
    name: "Spread speed buckets",
    group: "spread speed (M11)",
    mart: "mart_spread_distribution",
    mark: "Bar",
    cols: [dim("kind")],
    rows: [sum("under_1h"), sum("h1_6"), sum("h6_24")],
    filters: [{ kind: "members", field: "kind" }],
  },
  {
    name: "Community growth",
    group: "communities (M12-M14, M16)",
    mart: "mart_community_daily",
    mark: "Line",
    cols: [day],
    rows: [sum("growth")],
    color: dim("community_name"),
    filters: [dateRange, { kind: "members", field: "community_kind" }, { kind: "members", field: "community_name" }],
  },
  {
    name: "Community activity",
    group: "communities (M12-M14, M16)",
    mart: "mart_community_daily",
    mark: "Bar",
    cols: [sum("publications")],
    rows: [dim("community_name")],
    filters: [dateRange, { kind: "members", field: "community_kind" }, { kind: "members", field: "community_name" }],
  },
  {
    name: "Moderation load",
    group: "communities (M12-M14, M16)",
    mart: "mart_community_daily",
    mark: "Bar",
    cols: [sum("complaints_filed")],
    rows: [dim("community_name")],
    color: avg("complaints_per_moderator"),
    filters: [dateRange, { kind: "members", field: "community_kind" }, { kind: "members", field: "community_name" }],
  },
  {
    name: "Group engagement",
    group: "communities (M12-M14, M16)",
    mart: "mart_community_daily",
    mark: "Line",
    cols: [day],
    rows: [avg("engagement")],
    color: dim("community_name"),
    filters: [dateRange, { kind: "members", field: "community_kind" }, { kind: "members", field: "community_name" }],
  },
  {
    name: "Most discussed topics",
    group: "topics (M15)",
    mart: "mart_topic_daily",
    mark: "Bar",
    cols: [sum("comments")],
    rows: [dim("topic_label")],
    filters: [dateRange],
  },
  {
    name: "Ad clicks and impressions",
    group: "ads and revenue (M17, M18)",
    mart: "mart_ads_daily",
    mark: "Bar",
    cols: [sum("clicks"), sum("impressions")],
    rows: [dim("campaign_name")],
    filters: [dateRange, { kind: "members", field: "level" }],
  },
  {
    name: "Ad spend (USD)",
    group: "ads and revenue (M17, M18)",
    mart: "mart_ads_daily",
    mark: "Line",
    cols: [day],
    rows: [sum("spend_usd")],
    filters: [dateRange, { kind: "members", field: "level" }],
  },
  {
    name: "Revenue by stream (USD)",
    group: "ads and revenue (M17, M18)",
    mart: "mart_revenue_daily",
    mark: "Bar",
    cols: [day],
    rows: [sum("amount_usd")],
    color: dim("stream"),
    filters: [dateRange, { kind: "members", field: "stream" }],
  },
];

/** The dashboards: an overview of the platform and a communities page (at least these two). */
export const DASHBOARDS: DashboardSpec[] = [
  {
    name: "Overview",
    perRow: 2,
    sheets: [
      "Publications per day",
      "DAU and WAU",
      "Comments and reactions",
      "DAU/WAU",
      "Interactions per post",
      "Most discussed topics",
      "Spread speed percentiles",
      "Spread speed buckets",
      "Influence leaderboard",
      "Reposts and quotes received",
    ],
  },
  {
    name: "Communities",
    perRow: 2,
    sheets: ["Community growth", "Community activity", "Moderation load", "Group engagement"],
  },
  {
    name: "Ads and revenue",
    perRow: 2,
    sheets: ["Ad clicks and impressions", "Ad spend (USD)", "Revenue by stream (USD)"],
  },
];
