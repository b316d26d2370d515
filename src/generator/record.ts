/**
 * What the simulation hands to the writer: one valid event, serialised once, with the facts the ledger needs that
 * the event itself does not carry.
 *
 * @module
 */
import type { Event, EventType } from "../events/mod.ts";

/** One generated (valid) event. */
export interface Rec {
  ev: Event;
  /** `JSON.stringify(ev)`: the exact bytes written (without the newline). */
  line: string;
  type: EventType;
  /** `occurred_at` in epoch milliseconds. */
  ms: number;
  /** Topic of the publication a comment or reply is about (for the ledger's comments by topic). */
  topic?: string;
  /** Id of the community of the publication a comment, reply, reaction or share is about (for the entity ledger). */
  community?: string;
  /** Set on the view that is the 1000th of its publication. */
  reached1000?: { publication_id: string; kind: string; created_at: string };
}

/** `events/date=YYYY-MM-DD/hour=HH/events_YYYY-MM-DDTHH-MM-00Z.jsonl` for a minute since the epoch. */
export function eventsKey(minute: number): string {
  const iso = new Date(minute * 60_000).toISOString();
  const date = iso.slice(0, 10), hh = iso.slice(11, 13), mm = iso.slice(14, 16);
  return `events/date=${date}/hour=${hh}/events_${date}T${hh}-${mm}-00Z.jsonl`;
}

/** The ledger object beside a data file: `ledger/files/date=.../hour=.../events_....json`. */
export function fileLedgerKey(minute: number): string {
  return "ledger/files/" + eventsKey(minute).slice("events/".length).replace(/\.jsonl$/, ".json");
}

/** The entity ledger of a day (gzip JSON): `ledger/entities/date=YYYY-MM-DD.json.gz`. */
export function entityLedgerKey(date: string): string {
  return `ledger/entities/date=${date}.json.gz`;
}

/** The day ledger: `ledger/days/date=YYYY-MM-DD.json`. */
export function dayLedgerKey(date: string): string {
  return `ledger/days/date=${date}.json`;
}
