/**
 * The simulation of one persistent social network, minute by minute.
 *
 * A minute's agenda (agenda.ts) holds scheduled actions (sessions ending, friend requests accepted, complaints
 * resolved, monthly subscription charges), signups (a launch ramp, then organic growth), back-office actions
 * (advertisers, campaigns, ads, sponsorships) and as many regular actions as the minute's event budget allows
 * (`--rate` x `activity`, cycle.ts). Regular actions are drawn from a fixed mix (`ACTION_WEIGHTS`) and are done
 * by users who are online; views carry follow-ups (reactions, comments, replies, shares, ad impressions and
 * clicks, follows, joins, complaints, donations) whose chances grow with the publication's appeal. The domains
 * live in their own modules (users, graph, money, content, communities, ads), all functions of one
 * {@link SimContext}; params.ts holds every number. `docs/generator.md` describes every process and parameter.
 *
 * Everything random comes from a PRNG seeded by (seed, genesis minute, minute), so a world state and a minute
 * always give the same events, and different minutes never share ids.
 *
 * @module
 */
import { computeTrendingWeights, runMinute } from "./agenda.ts";
import { SimContext } from "./context.ts";
import { MINUTE } from "./params.ts";
import type { EntityDayJson } from "./ledger.ts";
import type { Rec } from "./record.ts";
import type { WorldState } from "./world.ts";

export { ACTION_WEIGHTS, FX_PER_USD, PARAMS } from "./params.ts";

/** Runs minutes of a world. Construct from a {@link WorldState}; {@link toState} gives it back for a snapshot. */
export class Simulation {
  readonly state: WorldState;
  readonly #ctx: SimContext;

  constructor(state: WorldState) {
    this.state = state;
    this.#ctx = new SimContext(state);
    computeTrendingWeights(this.#ctx, state.clockMinute * MINUTE);
  }

  /** The world as plain JSON-able state (shares arrays with the simulation: snapshot it before continuing). */
  toState(): WorldState {
    const s = this.state;
    const ctx = this.#ctx;
    s.pubs = [...ctx.pubs.values()];
    s.shares = [...ctx.shares.values()];
    s.complaints = [...ctx.complaints.values()];
    s.subscriptions = [...ctx.subscriptions.values()];
    s.schedule = [...ctx.schedule.entries()];
    s.blocks = [...ctx.blocks];
    s.mutes = [...ctx.mutes];
    s.friendships = [...ctx.friendships.entries()];
    s.memberSince = [...ctx.memberSince.entries()];
    s.entityDay = ctx.day ? ctx.day.toState() : null;
    return s;
  }

  /** Entity ledgers of the days that ended since the previous call, oldest first. */
  takeClosedDays(): EntityDayJson[] {
    return this.#ctx.closedDays.splice(0);
  }

  /** Number of live publications (for tests and logs). */
  get livePublications(): number {
    return this.#ctx.pubs.size;
  }

  /** Jump the clock forward to `minute` without generating (a gap: nothing happened in between). */
  skipTo(minute: number) {
    if (minute > this.state.clockMinute) this.state.clockMinute = minute;
  }

  /**
   * Generate the events of one minute (epoch minute index), in time order, at `rate` mean events per minute.
   * Actions scheduled in skipped minutes (after {@link skipTo}) happen at the start of this one.
   */
  runMinute(minute: number, rate: number): Rec[] {
    return runMinute(this.#ctx, minute, rate);
  }
}
