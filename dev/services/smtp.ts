/**
 * An SMTP server that captures mail for development and tests (`dev/smtp_capture.ts`, npm smtp-server), on
 * SMTP_PORT. Production uses Mailpit. Each received message is stored as `<DEV_DIR>/data/smtp/<time>-<n>.eml`
 * with a JSON sidecar (envelope and subject) that tests read through `src/testing/mailbox.ts`.
 */
import { join } from "node:path";
import { PROJECT_ROOT } from "../../src/config.ts";
import { SERVICE_CHECKS } from "../../src/health.ts";
import { portOpen, type Service, spawnDetached, stopPid } from "../_lib.ts";

export const smtpService: Service = {
  name: "smtp",
  startTimeoutSeconds: 30,
  endpoint: (ctx) => `smtp://${ctx.config.smtp.host}:${ctx.config.smtp.port}`,

  async install() {
    // smtp-server is an npm dependency of the project, installed with the others.
  },

  async start(ctx) {
    if ((await this.health(ctx)) === null) return;
    await spawnDetached(ctx, "smtp", Deno.execPath(), [
      "run",
      "--allow-net",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-sys",
      "--config",
      join(PROJECT_ROOT, "deno.json"),
      join(PROJECT_ROOT, "dev", "smtp_capture.ts"),
      "--port",
      String(ctx.config.smtp.port),
      "--dir",
      ctx.dataDir("smtp"),
    ]);
  },

  async health(ctx) {
    if (!(await portOpen(ctx.config.smtp.port))) return `nothing listens on port ${ctx.config.smtp.port}`;
    return await SERVICE_CHECKS.smtp(ctx.config);
  },

  async stop(ctx) {
    await stopPid(ctx, "smtp");
  },
};
