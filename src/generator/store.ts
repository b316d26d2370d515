/**
 * Where the generator writes: the configured S3 bucket (`--out s3`) or a local folder (`--out dir:<path>`),
 * behind one small interface so the run logic does not care, and tests can pass a temporary folder or memory.
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import type { ObjectStore } from "../clients/s3.ts";

/** The two operations the generator needs from object storage. */
export interface Store {
  /** Where this store points, for logs and the summary (`s3://bucket`, `dir:/abs/path`). */
  readonly description: string;
  put(key: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** The object's bytes, or null when it does not exist. */
  get(key: string): Promise<Uint8Array | null>;
}

/** Objects as files under a folder (keys become relative paths). Writes are atomic (temporary file + rename). */
export class DirStore implements Store {
  readonly root: string;
  readonly description: string;
  readonly #made = new Set<string>();

  constructor(root: string) {
    this.root = resolve(root);
    this.description = `dir:${this.root}`;
  }

  async put(key: string, bytes: Uint8Array, _contentType: string): Promise<void> {
    const path = join(this.root, key);
    const dir = dirname(path);
    if (!this.#made.has(dir)) {
      await Deno.mkdir(dir, { recursive: true });
      this.#made.add(dir);
    }
    const tmp = `${path}.tmp`;
    await Deno.writeFile(tmp, bytes);
    await Deno.rename(tmp, path);
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return await Deno.readFile(join(this.root, key));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    }
  }
}

/** The configured bucket through {@link ObjectStore}. */
export class S3Store implements Store {
  readonly description: string;

  constructor(readonly objects: ObjectStore) {
    this.description = `s3://${objects.bucket}`;
  }

  put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    return this.objects.put(key, bytes, contentType);
  }

  async get(key: string): Promise<Uint8Array | null> {
    // getOrNull reports a missing bucket as an error, not as a missing object: a first run creates the bucket.
    await this.objects.ensureBucket();
    return await this.objects.getOrNull(key);
  }
}

/** Objects in memory (tests). */
export class MemoryStore implements Store {
  readonly description = "memory";
  readonly objects = new Map<string, Uint8Array>();

  put(key: string, bytes: Uint8Array, _contentType: string): Promise<void> {
    this.objects.set(key, bytes);
    return Promise.resolve();
  }

  get(key: string): Promise<Uint8Array | null> {
    return Promise.resolve(this.objects.get(key) ?? null);
  }
}
