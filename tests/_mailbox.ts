/**
 * Read mail captured by the native SMTP capture server (`dev/smtp_capture.ts`): every message is a `.eml`
 * file with a `.json` sidecar under `<DEV_DIR>/data/smtp`.
 *
 * @module
 */
import { join } from "node:path";
import type { Config } from "../src/config.ts";

/** A captured message. */
export interface CapturedMail {
  from: string | null;
  to: string[];
  subject: string;
  received_at: string;
  size: number;
  /** The raw message (headers and body). */
  raw: string;
}

/** The folder the capture server writes to. */
export function mailboxDir(cfg: Config): string {
  return join(cfg.devDir, "data", "smtp");
}

/** Every captured message, oldest first. */
export async function readMailbox(cfg: Config): Promise<CapturedMail[]> {
  const dir = mailboxDir(cfg);
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) if (e.name.endsWith(".json")) names.push(e.name);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  names.sort();
  return await Promise.all(names.map(async (n) => {
    const meta = JSON.parse(await Deno.readTextFile(join(dir, n)));
    const raw = await Deno.readTextFile(join(dir, n.replace(/\.json$/, ".eml")));
    return { ...meta, raw } as CapturedMail;
  }));
}

/** Wait until a message matching `pred` arrives (polling), or throw after `timeoutMs`. */
export async function waitForMail(
  cfg: Config,
  pred: (m: CapturedMail) => boolean,
  timeoutMs = 10_000,
): Promise<CapturedMail> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const hit = (await readMailbox(cfg)).find(pred);
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`no matching mail in ${mailboxDir(cfg)} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
