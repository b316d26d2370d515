/**
 * validate's verdicts on a batch: per staged file, its line count, the rejected lines and the rare accepted lines
 * whose event is not the line's JSON as is. clean reads the staged input and these, instead of a copy of the events.
 *
 * @module
 */
import { ObjectNotFoundError, type ObjectStore } from "../clients/s3.ts";
import { verdictsKey } from "./layout.ts";

/** validate's verdict on one staged file (see {@link verdictsKey}). */
export interface FileVerdict {
  /** The raw key. */
  key: string;
  /** Number of lines in the file. */
  lines: number;
  /** Line numbers of the rejected lines, ascending. */
  rejected: number[];
  /** Accepted lines whose event is not the line's JSON as is (unknown keys stripped): line number -> event JSON. */
  rewritten: Record<number, string>;
}

/** validate's verdicts on a batch, in the order of the batch's files. */
export interface Verdicts {
  version: 1;
  files: FileVerdict[];
}

/** Read a batch's verdicts; a batch that validate did not finish has none. */
export async function readVerdicts(store: ObjectStore, batch: number, files: { key: string }[]): Promise<Verdicts> {
  let data: Uint8Array;
  try {
    data = await store.get(verdictsKey(batch));
  } catch (e) {
    if (e instanceof ObjectNotFoundError) {
      throw new Error(`batch ${batch} has no verdicts (${verdictsKey(batch)}): validate it again`, { cause: e });
    }
    throw e;
  }
  const v = JSON.parse(new TextDecoder().decode(data)) as Verdicts;
  if (v.version !== 1 || v.files.length !== files.length || v.files.some((f, i) => f.key !== files[i]!.key)) {
    throw new Error(`batch ${batch}: the verdicts do not match the batch's files; validate it again`);
  }
  return v;
}
