/**
 * Object storage (MinIO in production, any S3 API server in development) through `npm:minio` (listing, server-side
 * copies, deletes, request signing), with whole-object reads and writes sent by `fetch` on presigned URLs.
 *
 * One bucket holds everything, by prefix: `events/` (raw minute drops), `ledger/` and `generator/` (the
 * generator's ground truth and world state, never read by the pipeline), `staging/` and `quarantine/`
 * (the pipeline's), `exports/` (marts for Tableau).
 *
 * @module
 */
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

  /**
   * A short-lived presigned URL for one request. Whole-object reads and writes go through `fetch` with these: the
   * payload is not hashed for the signature (S3's UNSIGNED-PAYLOAD; the minio client hashes every body it sends over
   * plain HTTP), and the body moves through Deno's native HTTP client instead of Node stream chunks.
   */
  #presigned(method: "GET" | "PUT", key: string): Promise<string> {
    return this.client.presignedUrl(method, this.bucket, key, 15 * 60);
  }

  /** Write an object (creates the bucket on first use). */
  async put(key: string, body: Uint8Array | string, contentType = "application/octet-stream"): Promise<void> {
    await this.ensureBucket();
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
    const res = await fetch(await this.#presigned("PUT", key), {
      method: "PUT",
      body: bytes as Uint8Array<ArrayBuffer>,
      headers: { "Content-Type": contentType },
    });
    if (!res.ok) throw await requestError("PUT", this.bucket, key, res);
    await res.body?.cancel();
  }

  /** Read a whole object; throws {@link ObjectNotFoundError} when it does not exist. */
  async get(key: string): Promise<Uint8Array> {
    const res = await fetch(await this.#presigned("GET", key));
    if (res.status === 404) {
      const cause = await requestError("GET", this.bucket, key, res);
      throw new ObjectNotFoundError(this.bucket, key, { cause });
    }
    if (!res.ok) throw await requestError("GET", this.bucket, key, res);
    return new Uint8Array(await res.arrayBuffer());
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

  /** Every object under a prefix (recursive), sorted by key; only keys after `startAfter` when it is given. */
  async list(prefix: string, startAfter?: string): Promise<ObjectInfo[]> {
    await this.ensureBucket();
    const out: ObjectInfo[] = [];
    const stream = this.client.listObjectsV2(this.bucket, prefix, true, startAfter ?? "");
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

/** An S3 request that the server refused, with its status and the error code from the XML body. */
export class S3RequestError extends Error {
  override name = "S3RequestError";
  constructor(message: string, readonly status: number, readonly code: string | undefined) {
    super(message);
  }
}

async function requestError(method: string, bucket: string, key: string, res: Response): Promise<S3RequestError> {
  const text = await res.text().catch(() => "");
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  return new S3RequestError(
    `S3 ${method} s3://${bucket}/${key}: ${res.status} ${code ?? res.statusText}${message ? `: ${message}` : ""}`,
    res.status,
    code,
  );
}

function isNotFound(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === "NoSuchKey" || code === "NotFound" || code === "NoSuchObject" || code === "NoSuchBucket";
}

/** A store for the configured endpoint and bucket. */
export function objectStore(cfg: Config["s3"]): ObjectStore {
  return new ObjectStore(cfg);
}
