/**
 * Headless Chromium from Debian (`apt-get install chromium`, dev/setup.sh) driven by puppeteer-core: used by
 * `deno task screenshots` and the browser test. The `chromium` command on the PATH is a wrapper script; the real
 * binary is the package's `/usr/lib/chromium/chromium`.
 *
 * @module
 */
import puppeteer, { type Browser } from "puppeteer-core";
import { TaskFailure } from "../task.ts";

const CANDIDATES = ["/usr/lib/chromium/chromium", "/usr/lib/chromium-browser/chromium-browser"];

/** The Chromium binary: CHROMIUM_PATH when set, else Debian's. */
export function chromiumPath(env: (k: string) => string | undefined = (k) => Deno.env.get(k)): string {
  const explicit = env("CHROMIUM_PATH");
  for (const p of explicit ? [explicit] : CANDIDATES) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch { /* try the next */ }
  }
  throw new TaskFailure(
    `no Chromium binary at ${(explicit ? [explicit] : CANDIDATES).join(" or ")}: run 'bash dev/setup.sh' ` +
      `(apt-get install chromium) or set CHROMIUM_PATH`,
  );
}

/** Launch headless Chromium (no sandbox: CI runs as root). */
export async function launchBrowser(): Promise<Browser> {
  return await puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--font-render-hinting=none"],
  });
}

/** One page's screenshot target. */
export interface Shot {
  path: string;
  file: string;
}

/** The dashboard pages to photograph, with a query string for each (filters in the URL). */
export const SHOTS: Shot[] = [
  { path: "/", file: "overview.png" },
  { path: "/communities", file: "communities.png" },
  { path: "/influence", file: "influence.png" },
  { path: "/ads", file: "ads.png" },
  { path: "/health", file: "health.png" },
];

/** Open each page of a running dashboard and write a full-page PNG; returns the files and console errors seen. */
export async function screenshots(
  baseUrl: string,
  outDir: string,
  shots: Shot[] = SHOTS,
): Promise<{ files: string[]; errors: string[] }> {
  await Deno.mkdir(outDir, { recursive: true });
  const browser = await launchBrowser();
  const errors: string[] = [];
  const files: string[] = [];
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1360, height: 900 });
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(`${page.url()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(`${page.url()}: ${(e as Error).message}`));
    for (const s of shots) {
      const res = await page.goto(new URL(s.path, baseUrl).href, { waitUntil: "load" });
      if (!res?.ok()) throw new TaskFailure(`${s.path}: HTTP ${res?.status()} from the dashboard at ${baseUrl}`);
      const file = `${outDir}/${s.file}`;
      await page.screenshot({ path: file as `${string}.png`, fullPage: true });
      files.push(file);
    }
  } finally {
    await browser.close();
  }
  return { files, errors };
}
