/**
 * The event generator: a simulation of one persistent social network that writes minute JSON Lines drops, a
 * ground-truth ledger and its world snapshot. See docs/generator.md.
 *
 * @module
 */
export { generate, type GenerateOptions, type GenerateSummary, type Mode, SNAPSHOT_KEY } from "./run.ts";
export { generateTask, optionsFromFlags, parseDuration } from "./task.ts";
export { DirStore, MemoryStore, S3Store, type Store } from "./store.ts";
export { dayLedgerKey, eventsKey, fileLedgerKey } from "./record.ts";
export type { DayAggregateJson, FileLedgerJson } from "./ledger.ts";
