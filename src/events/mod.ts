/**
 * The event contract: the zod schema of every event, its constants, and the fault kinds the generator injects.
 *
 * @module
 */
export * from "./schema.ts";
export * from "./faults.ts";
