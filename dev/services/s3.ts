/**
 * An S3 API server for development: versitygw (Apache-2.0) with its posix backend under `<DEV_DIR>/data/s3`,
 * built from the Go module proxy into DEV_TOOLS_DIR. Production uses MinIO; both speak the S3 API that the
 * `minio` client uses. Access and secret keys come from S3_ACCESS_KEY / S3_SECRET_KEY.
 */
import { join } from "node:path";
import { exists, portOpen, type Service, sh, spawnDetached, stopPid } from "../_lib.ts";
import { SERVICE_CHECKS } from "../../src/health.ts";

export const VERSITYGW_VERSION = "v1.7.0";

function binary(toolsDir: string): string {
  return join(toolsDir, "versitygw", VERSITYGW_VERSION, "versitygw");
}

export const s3Service: Service = {
  name: "s3",
  startTimeoutSeconds: 30,
  endpoint: (ctx) => ctx.config.s3.endpoint.origin,

  async install(ctx) {
    const bin = binary(ctx.toolsDir);
    if (await exists(bin)) return;
    ctx.log.info(`building versitygw ${VERSITYGW_VERSION} with go install (first time only)`);
    await sh("go", ["install", `github.com/versity/versitygw/cmd/versitygw@${VERSITYGW_VERSION}`], {
      env: { GOBIN: join(ctx.toolsDir, "versitygw", VERSITYGW_VERSION), GOFLAGS: "-trimpath" },
    });
  },

  async start(ctx) {
    if ((await this.health(ctx)) === null) return;
    // Objects in buckets/, metadata in sidecar/ (versitygw rejects a sidecar whose path starts with the root's).
    const root = join(ctx.dataDir("s3"), "buckets");
    const meta = join(ctx.dataDir("s3"), "sidecar");
    await Deno.mkdir(root, { recursive: true });
    await Deno.mkdir(meta, { recursive: true });
    const { endpoint, accessKey, secretKey, region } = ctx.config.s3;
    await spawnDetached(ctx, "s3", binary(ctx.toolsDir), [
      "--port",
      `127.0.0.1:${endpoint.port || "80"}`,
      "--access",
      accessKey,
      "--secret",
      secretKey,
      "--region",
      region,
      "--quiet",
      "posix",
      // Metadata in a sidecar folder: works on file systems without user extended attributes too.
      "--sidecar",
      meta,
      root,
    ]);
  },

  async health(ctx) {
    const port = Number(ctx.config.s3.endpoint.port || "80");
    if (!(await portOpen(port))) return `nothing listens on port ${port}`;
    return await SERVICE_CHECKS.s3(ctx.config);
  },

  async stop(ctx) {
    await stopPid(ctx, "s3");
  },
};
