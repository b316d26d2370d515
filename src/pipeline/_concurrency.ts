/**
 * Bounded concurrency helpers of the steps: downloads ahead of use, and a map with a limit.
 *
 * @module
 */
import type { ObjectStore } from "../clients/s3.ts";

/**
 * Download objects in order, `ahead` of them in advance: `take(i)` gives the i-th (take them in order). Started
 * early, the downloads overlap whatever the step does before it reads the first one.
 */
export function prefetch(store: ObjectStore, keys: readonly string[], ahead = 4): (i: number) => Promise<Uint8Array> {
  const downloads = new Map<number, Promise<Uint8Array>>();
  const start = (i: number) => {
    if (i >= keys.length || downloads.has(i)) return;
    const p = store.get(keys[i]!);
    p.catch(() => {}); // not unhandled while it waits: take() hands the same promise, rejection included
    downloads.set(i, p);
  };
  for (let i = 0; i < Math.min(ahead, keys.length); i++) start(i);
  return (i) => {
    start(i);
    const p = downloads.get(i)!;
    downloads.delete(i);
    start(i + ahead);
    return p;
  };
}

/** Map with bounded concurrency, preserving order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (t: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
