/**
 * Advertising: advertisers, campaigns, ads, impressions and clicks, and sponsorships of creators.
 *
 * @module
 */
import { TOPICS } from "../events/mod.ts";
import { type SimContext } from "./context.ts";
import { COUNTRY_CURRENCY, DAY, money } from "./params.ts";
import { type LocaleIndex } from "./pools.ts";
import { type AdRec } from "./world.ts";

// Advertising

/** A new advertiser (back office: no actor) with a first campaign. */
export function registerAdvertiser(ctx: SimContext) {
  const s = ctx.state;
  const rng = ctx.rng;
  const locale: LocaleIndex = rng.chance(0.55) ? 0 : 1;
  const country = locale === 0 ? "RU" : rng.pick(["US", "US", "GB", "CA"]);
  const adv = { id: rng.uuid(), currency: COUNTRY_CURRENCY[country]!, country };
  s.advertisers.push(adv);
  ctx.emit("advertiser.registered", -1, {
    advertiser_id: adv.id,
    name: rng.pick(ctx.pools.companies[locale]),
    industry:
      (["retail", "tech", "finance", "food", "travel", "entertainment", "education", "health", "auto"] as const)[
        rng.int(9)
      ]!,
    country,
  });
  createCampaign(ctx, s.advertisers.length - 1);
}

/** A campaign of `advertiser` with 1-4 ads (back office: no actor). */
export function createCampaign(ctx: SimContext, advertiser: number) {
  const s = ctx.state;
  const adv = s.advertisers[advertiser];
  if (!adv) return;
  const rng = ctx.rng;
  const now = ctx.now();
  const startMs = now + (rng.chance(0.7) ? 0 : rng.int(2 * DAY));
  const endMs = startMs + (3 + rng.int(28)) * DAY;
  const campaign = {
    id: rng.uuid(),
    advertiser,
    startMs,
    endMs,
    currency: adv.currency,
    cpc: money(rng.lognormal(Math.log(0.35), 0.5), adv.currency),
  };
  const ci = s.campaigns.length;
  s.campaigns.push(campaign);
  const locale: LocaleIndex = adv.country === "RU" ? 0 : 1;
  ctx.emit("campaign.created", -1, {
    campaign_id: campaign.id,
    advertiser_id: adv.id,
    name: `${rng.pick(ctx.pools.headlines[locale])} ${new Date(startMs).getUTCFullYear()}`.slice(0, 100),
    objective: (["awareness", "traffic", "conversions"] as const)[rng.int(3)]!,
    budget: money(rng.lognormal(Math.log(2000), 0.8), adv.currency, 1),
    currency: adv.currency,
    starts_at: ctx.iso(startMs),
    ends_at: ctx.iso(endMs),
    target_topics: [...new Set(Array.from({ length: 1 + rng.int(3) }, () => TOPICS[rng.int(TOPICS.length)]!))],
  });
  const n = 1 + rng.int(4);
  for (let i = 0; i < n; i++) {
    const ad: AdRec = {
      id: rng.uuid(),
      campaign: ci,
      // Per-ad click-through rate inside the plausible 0.5-3% band.
      ctr: Math.min(0.028, Math.max(0.006, rng.lognormal(Math.log(0.013), 0.4))),
    };
    s.ads.push(ad);
    ctx.emit("ad.created", -1, {
      ad_id: ad.id,
      campaign_id: campaign.id,
      advertiser_id: adv.id,
      format: (["feed", "story", "reel"] as const)[rng.weighted([0.6, 0.85, 1])]!,
      headline: rng.pick(ctx.pools.headlines[locale]),
      body: rng.chance(0.8) ? rng.pick(ctx.pools.adBodies[locale]) : null,
      landing_url: `https://shop.example.com/${adv.id.slice(0, 8)}/${ad.id.slice(0, 8)}`,
    });
    if (startMs <= now) ctx.activeAds.push(ad);
  }
}

/** An ad impression for `u` beside a publication of kind `pubKind`, maybe clicked. */
export function showAd(ctx: SimContext, u: number, pubKind: number) {
  const s = ctx.state;
  const rng = ctx.rng;
  const ad = ctx.activeAds[rng.int(ctx.activeAds.length)]!;
  const campaign = s.campaigns[ad.campaign]!;
  const impressionId = rng.uuid();
  ctx.emit("ad.impression", u, {
    impression_id: impressionId,
    ad_id: ad.id,
    campaign_id: campaign.id,
    placement: (["feed", "stories", "reels"] as const)[pubKind]!,
  });
  if (rng.float() < ad.ctr) {
    ctx.emit("ad.clicked", u, {
      click_id: rng.uuid(),
      impression_id: impressionId,
      ad_id: ad.id,
      campaign_id: campaign.id,
      cost: campaign.cpc,
      currency: campaign.currency,
    });
  }
}

/** An advertiser sponsors a creator (back office: no actor). */
export function sponsor(ctx: SimContext) {
  const s = ctx.state;
  if (s.advertisers.length === 0 || ctx.creators.length === 0) return;
  const rng = ctx.rng;
  const adv = rng.pick(s.advertisers);
  const c = rng.pick(ctx.creators);
  const own = s.users[c]!.feed.filter((item) => item >= 0 && ctx.pubs.has(item));
  const pub = own.length > 0 && rng.chance(0.7) ? ctx.pubs.get(own[own.length - 1]!) : undefined;
  ctx.emit("sponsorship.created", -1, {
    sponsorship_id: rng.uuid(),
    advertiser_id: adv.id,
    creator_user_id: s.users[c]!.id,
    publication_id: pub ? pub.id : null,
    amount: money(rng.lognormal(Math.log(300), 0.9), adv.currency, 1),
    currency: adv.currency,
  });
}
