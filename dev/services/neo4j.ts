/**
 * Neo4j 5.26 community with Graph Data Science (OpenGDS) and APOC core, without Docker or a Neo4j download:
 * `dev/neo4j` is a small Maven project (pinned versions, all from Maven Central) whose launcher embeds Neo4j and
 * serves Bolt on the port of NEO4J_URL. It keeps its data and Neo4j's own logs (`logs/debug.log`) under
 * `<DEV_DIR>/data/neo4j`.
 *
 * Builds go to `<DEV_TOOLS_DIR>/neo4j/<checksum>`, one folder per checksum of `dev/neo4j/pom.xml` and its Java
 * sources: a change of either makes a new build, clones with different sources never overwrite each other's
 * build (nor the one a running server uses), and an unchanged checkout builds nothing. Maven's cache is the usual
 * `~/.m2`. Builds unused for {@link PRUNE_DAYS} days are deleted.
 *
 * With an empty NEO4J_PASSWORD the server runs with auth disabled; otherwise auth is on and the launcher gives
 * NEO4J_USER (default `neo4j`) that password at every start.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createNeo4j, cypher, type Driver } from "../../src/clients/neo4j.ts";
import {
  exists,
  haveCommand,
  portOpen,
  runningPid,
  type Service,
  sh,
  spawnDetached,
  type StackContext,
  stopPid,
} from "../_lib.ts";

/** The Maven project of the launcher. */
const PROJECT_DIR = fileURLToPath(new URL("../neo4j/", import.meta.url)).replace(/\/$/, "");
const MAIN_CLASS = "socialpulse.dev.Neo4jLauncher";
/** Neo4j 5.26 runs on Java 17 or 21. */
const JAVA_MAJORS = [21, 17];
/**
 * Heap: initial and maximum. GDS keeps projected graphs and algorithm state on the heap; after `graph metrics` on one
 * generated day at the full rate (15k users, 122k follows) 0.6 to 0.9 GB were in use, on the 30-day bench world
 * (`deno task graph:bench --days 30 --rate 100`: 2.3k users, 350k relationships) 0.3 to 0.8 GB, so 2 GB leaves
 * room. Page cache: the store files, 52 MB for that 30-day world; a 30-day world at the full rate (about 10 times the
 * users and relationships, not measured) needs about 0.5 to 0.8 GB, hence 1 GB (docs/graph.md).
 */
export const HEAP_INITIAL = "1g";
export const HEAP_MAX = "2g";
export const PAGECACHE_MB = 1024;
const HEALTH_TIMEOUT_MS = 15_000;

/** Builds unused (not installed or started) for this many days are deleted when a new one is made. */
const PRUNE_DAYS = 30;
/** Written last into a build folder: its presence means the build is complete. */
const STAMP = "build.sha256";

function buildsDir(ctx: StackContext): string {
  return join(ctx.toolsDir, "neo4j");
}

function buildDir(ctx: StackContext, checksum: string): string {
  return join(buildsDir(ctx), checksum.slice(0, 16));
}

/**
 * Where to listen and where to probe, from NEO4J_URL (bolt://host:port; the port defaults to 7687). A loopback
 * URL listens on loopback only (`localhost` as 127.0.0.1); any other host name (a container name...) listens on
 * every interface.
 */
function boltAddresses(ctx: StackContext): { port: number; listen: string; probe: string } {
  const u = new URL(ctx.config.neo4j.url);
  const host = u.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = u.port === "" ? 7687 : Number(u.port);
  if (host === "localhost" || host === "127.0.0.1") return { port, listen: `127.0.0.1:${port}`, probe: "127.0.0.1" };
  if (host === "::1") return { port, listen: `[::1]:${port}`, probe: "::1" };
  return { port, listen: `0.0.0.0:${port}`, probe: host };
}

/** A checksum of what the build depends on: the pom and every file under src/. */
async function sourceChecksum(): Promise<string> {
  const files = [join(PROJECT_DIR, "pom.xml")];
  const walk = async (dir: string) => {
    for await (const e of Deno.readDir(dir)) {
      const p = join(dir, e.name);
      if (e.isDirectory) await walk(p);
      else if (e.isFile) files.push(p);
    }
  };
  await walk(join(PROJECT_DIR, "src"));
  files.sort();
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (const f of files) {
    parts.push(enc.encode(`${f.slice(PROJECT_DIR.length)}\0`), await Deno.readFile(f), enc.encode("\0"));
  }
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The major version of a java binary, or null when it does not run. */
async function javaMajor(java: string): Promise<number | null> {
  try {
    const out = await sh(java, ["-version"]);
    const m = /version "(\d+)(?:\.(\d+))?/.exec(out);
    if (!m) return null;
    const major = Number(m[1]);
    return major === 1 ? Number(m[2]) : major;
  } catch {
    return null;
  }
}

/** JAVA_HOME of a JDK 21 or 17 (a JDK: Maven needs javac), or null. */
async function findJdk(): Promise<string | null> {
  const homes: string[] = [];
  try {
    for await (const e of Deno.readDir("/usr/lib/jvm")) homes.push(join("/usr/lib/jvm", e.name));
  } catch { /* no /usr/lib/jvm */ }
  const candidates: { home: string; major: number }[] = [];
  for (const home of homes) {
    if (!(await exists(join(home, "bin", "javac")))) continue;
    const major = await javaMajor(join(home, "bin", "java"));
    if (major !== null && JAVA_MAJORS.includes(major)) candidates.push({ home, major });
  }
  candidates.sort((a, b) =>
    JAVA_MAJORS.indexOf(a.major) - JAVA_MAJORS.indexOf(b.major) || a.home.localeCompare(b.home)
  );
  return candidates[0]?.home ?? null;
}

async function requireJdk(): Promise<string> {
  const jdk = await findJdk();
  if (jdk === null) {
    throw new Error("Neo4j needs a Java 17 or 21 JDK under /usr/lib/jvm (apt-get install openjdk-17-jdk-headless)");
  }
  return jdk;
}

/** True when the build folder holds a complete build of these sources. */
async function built(dir: string, checksum: string): Promise<boolean> {
  const stamp = await Deno.readTextFile(join(dir, STAMP)).then((t) => t.trim(), () => "");
  return stamp === checksum && (await exists(join(dir, "neo4j-launcher.jar"))) &&
    (await exists(join(dir, "lib"))) && (await exists(join(dir, "plugins")));
}

/** Mark a build as used now (its stamp's mtime), so that pruning keeps it. */
async function touch(dir: string) {
  const now = new Date();
  await Deno.utime(join(dir, STAMP), now, now).catch(() => {});
}

/** Delete builds (and abandoned temporary build folders) unused for PRUNE_DAYS days, except `keep`. */
async function prune(ctx: StackContext, keep: string) {
  const cutoff = Date.now() - PRUNE_DAYS * 86_400_000;
  for await (const e of Deno.readDir(buildsDir(ctx))) {
    const dir = join(buildsDir(ctx), e.name);
    if (!e.isDirectory || dir === keep) continue;
    const stat = await Deno.stat(join(dir, STAMP)).catch(() => Deno.stat(dir));
    if ((stat.mtime?.getTime() ?? 0) < cutoff) {
      ctx.log.info(`deleting the unused Neo4j launcher build ${dir}`);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }
}

/** Null when Bolt answers and both gds.version() and apoc.version() work; else why not. */
async function boltHealth(ctx: StackContext): Promise<string | null> {
  let driver: Driver | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    driver = createNeo4j(ctx.config.neo4j);
    const query = cypher<{ gds: string; apoc: string }>(driver, "RETURN gds.version() AS gds, apoc.version() AS apoc");
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${HEALTH_TIMEOUT_MS / 1000}s`)), HEALTH_TIMEOUT_MS);
    });
    const [record] = await Promise.race([query, timeout]);
    if (!record?.gds || !record.apoc) return "gds.version() or apoc.version() returned nothing";
    return null;
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
    return /Unknown function/i.test(msg) ? `GDS or APOC is not loaded: ${msg}` : `Bolt: ${msg}`;
  } finally {
    clearTimeout(timer);
    await driver?.close().catch(() => {});
  }
}

export const neo4jService: Service = {
  name: "neo4j",
  startTimeoutSeconds: 180,
  endpoint: (ctx) => `${ctx.config.neo4j.url} (GDS + APOC)`,

  async install(ctx) {
    const checksum = await sourceChecksum();
    const dir = buildDir(ctx, checksum);
    if (await built(dir, checksum)) {
      await touch(dir);
      return;
    }

    if (!(await haveCommand("mvn"))) {
      ctx.log.info("installing Maven and a JDK 17 from Debian packages");
      await sh("apt-get", ["update", "-qq"]);
      await sh("apt-get", ["install", "-y", "-qq", "maven", "openjdk-17-jdk-headless"], {
        env: { DEBIAN_FRONTEND: "noninteractive" },
      });
    }
    const jdk = await requireJdk();
    ctx.log.info(`building the Neo4j launcher (Neo4j + GDS + APOC) with Maven into ${dir}`);
    const t0 = performance.now();
    // Build beside the final folder, then rename: a failed or concurrent build never leaves a half-built `dir`.
    const tmp = `${dir}.tmp-${Deno.pid}`;
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    try {
      await sh("mvn", ["-q", "-B", `-Dlauncher.build.dir=${tmp}`, "package"], {
        cwd: PROJECT_DIR,
        env: { JAVA_HOME: jdk },
      });
      await Deno.writeTextFile(join(tmp, STAMP), checksum + "\n");
      if (!(await built(tmp, checksum))) throw new Error(`the Maven build did not produce ${tmp}/neo4j-launcher.jar`);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await Deno.rename(tmp, dir);
    } finally {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
    }
    ctx.log.info("built the Neo4j launcher", { counts: { build_ms: Math.round(performance.now() - t0) } });
    await prune(ctx, dir);
  },

  async start(ctx) {
    if (await runningPid(ctx, "neo4j")) return; // running, or still starting: the health wait tells which
    const { port, listen, probe } = boltAddresses(ctx);
    if (await portOpen(port, probe)) {
      const reason = await boltHealth(ctx);
      if (reason === null) return; // a Neo4j with GDS and APOC already serves this URL
      throw new Error(`port ${port} is taken by something that is not a healthy Neo4j (${reason})`);
    }
    const checksum = await sourceChecksum();
    const dir = buildDir(ctx, checksum);
    if (!(await built(dir, checksum))) throw new Error(`the Neo4j launcher is not built in ${dir}; run install first`);
    await touch(dir);
    const jdk = await requireJdk();
    const data = ctx.dataDir("neo4j");
    await Deno.mkdir(data, { recursive: true });
    const pid = await spawnDetached(ctx, "neo4j", join(jdk, "bin", "java"), [
      `-Xms${HEAP_INITIAL}`,
      `-Xmx${HEAP_MAX}`,
      "-XX:+UseG1GC",
      "-XX:-OmitStackTraceInFastThrow",
      "-XX:+ExitOnOutOfMemoryError",
      "-XX:+DisableExplicitGC",
      "-Djdk.nio.maxCachedBufferSize=1024",
      "-Dio.netty.tryReflectionSetAccessible=true",
      "-Dlog4j2.disable.jmx=true",
      "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--add-opens=java.base/java.io=ALL-UNNAMED",
      "--add-opens=java.base/java.lang=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
      "--enable-native-access=ALL-UNNAMED",
      "-cp",
      `${join(dir, "neo4j-launcher.jar")}:${join(dir, "lib")}/*`,
      MAIN_CLASS,
      "--data-dir",
      data,
      "--bolt",
      listen,
      "--plugins-dir",
      join(dir, "plugins"),
      "--pagecache",
      String(PAGECACHE_MB),
    ], {
      cwd: data,
      // The password goes through the environment, not the command line (visible in ps).
      env: { NEO4J_USER: ctx.config.neo4j.user, NEO4J_PASSWORD: ctx.config.neo4j.password },
    });
    ctx.log.info(`started Neo4j (pid ${pid}) on ${listen}; its log: ${ctx.logFile("neo4j")}`);
  },

  async health(ctx) {
    try {
      const { port, probe } = boltAddresses(ctx);
      if (!(await portOpen(port, probe))) {
        const pid = await runningPid(ctx, "neo4j");
        return pid === null
          ? `nothing listens on port ${port}`
          : `starting (pid ${pid}; Bolt port ${port} not open yet)`;
      }
      return await boltHealth(ctx);
    } catch (e) {
      return `health check failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  },

  async stop(ctx) {
    // A clean shutdown (checkpoint, store close) takes ~10 s; give it time before SIGKILL.
    await stopPid(ctx, "neo4j", 90);
  },
};
