/**
 * The tab-separated part files that carry a batch from one step to the next through the bucket's staging area.
 *
 * @module
 */
import type { ObjectStore } from "../clients/s3.ts";
import { partKey, partPrefix } from "./layout.ts";

const PART_BYTES = 16 * 1024 * 1024;

/**
 * Writes a step's output rows as numbered part objects of `partBytes` (one row per line). Re-running a step first
 * removes the parts of an earlier, interrupted run ({@link clearParts}).
 */
export class PartWriter {
  #chunks: string[] = [];
  #size = 0;
  #n = 0;
  rows = 0;
  constructor(
    readonly store: ObjectStore,
    readonly batch: number,
    readonly step: "valid" | "clean",
    readonly partBytes = PART_BYTES,
  ) {}

  /** The rows pushed since the last part reach the part size. */
  get full(): boolean {
    return this.#size >= this.partBytes;
  }

  /** Add a row; the caller writes a part with {@link flush} when the writer is {@link full}. */
  push(line: string): void {
    this.#chunks.push(line);
    this.#size += line.length + 1;
    this.rows++;
  }

  /** Write the rows pushed so far as the next part. The rows are taken at once: the upload may run in the background. */
  async flush(): Promise<void> {
    if (this.#chunks.length === 0) return;
    const body = this.#chunks.join("\n") + "\n";
    this.#chunks = [];
    this.#size = 0;
    await this.store.put(partKey(this.batch, this.step, this.#n++), body, "text/tab-separated-values");
  }

  /** Number of parts written. */
  get parts(): number {
    return this.#n;
  }
}

/** Remove every part of a step of a batch. */
export async function clearParts(store: ObjectStore, batch: number, step: "valid" | "clean"): Promise<void> {
  const old = await store.list(partPrefix(batch, step));
  await store.remove(old.map((o) => o.key));
}

/** The bytes of every part of a step, in order (the next part is fetched while the current one is used). */
export async function* readParts(
  store: ObjectStore,
  batch: number,
  step: "valid" | "clean",
): AsyncGenerator<Uint8Array> {
  const parts = await store.list(partPrefix(batch, step));
  let next = parts.length ? store.get(parts[0]!.key) : null;
  for (let i = 0; i < parts.length; i++) {
    const current = await next!;
    next = i + 1 < parts.length ? store.get(parts[i + 1]!.key) : null;
    yield current;
  }
}

/** Number of newline bytes (rows of a part). */
export function countLines(data: Uint8Array): number {
  let n = 0;
  for (let i = data.indexOf(0x0a); i !== -1; i = data.indexOf(0x0a, i + 1)) n++;
  return n;
}
