/**
 * Object storage (MinIO in production, any S3 API server in development) through `npm:minio`.
 *
 * One bucket holds everything, by prefix: `events/` (raw minute drops), `ledger/` and `generator/` (the
 * generator's ground truth and world state, never read by the pipeline), `staging/` and `quarantine/`
 * (the pipeline's), `exports/` (marts for Tableau).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { Client, CopyConditions } from "minio";
import type { Config } from "../config.ts";

/** A thin, typed wrapper over the minio client bound to the project's bucket. */
export class ObjectStore {
  readonly bucket: string;
  readonly client: Client;
  readonly endpoint: string;
  #bucketReady = false;

  constructor(cfg: Config["s3"]) {
    const endpoint = cfg.endpoint;
    const useSSL = endpoint.protocol === "https:";
    this.client = new Client({
      endPoint: endpoint.hostname,
      port: endpoint.port ? Number(endpoint.port) : (useSSL ? 443 : 80),
      useSSL,
      accessKey: cfg.accessKey,
      secretKey: cfg.secretKey,
      region: cfg.region,
      pathStyle: true,
    });
    this.bucket = cfg.bucket;
    this.endpoint = endpoint.origin;
  }

  /** Create the bucket if it does not exist. Idempotent and safe to race with another process. */
  async ensureBucket(): Promise<void> {
    if (this.#bucketReady) return;
    if (!(await this.client.bucketExists(this.bucket))) {
      try {
        await this.client.makeBucket(this.bucket);
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code !== "BucketAlreadyOwnedByYou" && code !== "BucketAlreadyExists") throw e;
      }
    }
    this.#bucketReady = true;
  }

  /** Write an object (creates the bucket on first use). */
  async put(key: string, body: Uint8Array | string, contentType = "application/octet-stream"): Promise<void> {
    await this.ensureBucket();
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
    // minio wants a Node Buffer for a body with a known length (this wraps the bytes, it does not copy them).
    await this.client.putObject(
      this.bucket,
      key,
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      bytes.byteLength,
      {
        "Content-Type": contentType,
      },
    );
  }

  /** Read a whole object; throws {@link ObjectNotFoundError} when it does not exist. */
  async get(key: string): Promise<Uint8Array> {
    let stream;
    try {
      stream = await this.client.getObject(this.bucket, key);
    } catch (e) {
      if (isNotFound(e)) throw new ObjectNotFoundError(this.bucket, key, { cause: e });
      throw e;
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of stream as AsyncIterable<Uint8Array>) {
      chunks.push(chunk);
      size += chunk.byteLength;
    }
    const out = new Uint8Array(size);
    let offset = 0;
    for (const c of chunks) {
      out.set(c, offset);
      offset += c.byteLength;
    }
    return out;
  }

  /** Read an object, or null when it (or the bucket) does not exist. */
  async getOrNull(key: string): Promise<Uint8Array | null> {
    try {
      return await this.get(key);
    } catch (e) {
      if (e instanceof ObjectNotFoundError) return null;
      throw e;
    }
  }

  /** Every object under a prefix (recursive), sorted by key. */
  async list(prefix: string): Promise<ObjectInfo[]> {
    await this.ensureBucket();
    const out: ObjectInfo[] = [];
    const stream = this.client.listObjectsV2(this.bucket, prefix, true);
    for await (
      const item of stream as AsyncIterable<{ name?: string; size: number; etag: string; lastModified: Date }>
    ) {
      if (item.name === undefined) continue;
      out.push({ key: item.name, size: item.size, etag: item.etag, lastModified: item.lastModified });
    }
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return out;
  }

  /** Size and etag of one object, or null when it does not exist. */
  async stat(key: string): Promise<ObjectInfo | null> {
    try {
      const s = await this.client.statObject(this.bucket, key);
      return { key, size: s.size, etag: s.etag, lastModified: s.lastModified };
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  /**
   * Server-side copy within the bucket. Throws {@link ObjectNotFoundError} when the source is gone. When `etag` is
   * given, the copy happens only if the source still has that etag (it throws otherwise), so a copy never mixes
   * up two versions of an object.
   */
  async copy(sourceKey: string, destKey: string, etag?: string): Promise<void> {
    const conditions = new CopyConditions();
    if (etag) conditions.setMatchETag(etag);
    try {
      await this.client.copyObject(this.bucket, destKey, `/${this.bucket}/${sourceKey}`, conditions);
    } catch (e) {
      if (isNotFound(e)) throw new ObjectNotFoundError(this.bucket, sourceKey, { cause: e });
      throw e;
    }
  }

  /** Delete objects (missing ones are ignored). */
  async remove(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.client.removeObjects(this.bucket, keys);
  }

  /** Null when the server answers and the credentials work, else the reason. */
  async health(): Promise<string | null> {
    try {
      await this.client.listBuckets();
      return null;
    } catch (e) {
      return `S3 at ${this.endpoint}: ${(e as Error).message}`;
    }
  }

  /** The minio client keeps no open resources; present for symmetry with the other clients. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Metadata of a stored object. */
export interface ObjectInfo {
  key: string;
  size: number;
  etag: string;
  lastModified: Date;
}

/** The object does not exist. */
export class ObjectNotFoundError extends Error {
  override name = "ObjectNotFoundError";
  constructor(bucket: string, key: string, opts?: ErrorOptions) {
    super(`object s3://${bucket}/${key} does not exist`, opts);
  }
}

function isNotFound(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === "NoSuchKey" || code === "NotFound" || code === "NoSuchObject" || code === "NoSuchBucket";
}

/** A store for the configured endpoint and bucket. */
export function objectStore(cfg: Config["s3"]): ObjectStore {
  return new ObjectStore(cfg);
}
