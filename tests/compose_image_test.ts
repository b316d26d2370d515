/**
 * The task image's file tree, built without Docker the way docker/Dockerfile builds it, and run the way the image
 * runs it:
 *   - the build context is the repository with .dockerignore applied (no node_modules, .env, .git, local data);
 *   - node_modules comes from `npm install` with the Dockerfile's own flags (read from its RUN line), without chdb;
 *   - `deno cache tasks/*.ts` fills a DENO_DIR; the code stays owned by root and read-only to the runtime user, who
 *     owns only DENO_DIR and the runner's artifacts folder (RUNNER_TARGET_DIR, as the Dockerfile's ENV says);
 *   - the tasks run as a fresh non-root uid with nothing but the image's environment.
 * `deno task models --help`, `deno task models compile` and `deno task extract --help` must succeed there.
 * Needs root (to switch uid with setpriv) and the npm registry; no service, no Docker.
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { join, relative } from "node:path";
import { PROJECT_ROOT } from "../src/config.ts";

/** A uid and gid that own nothing on this machine, like the image's `deno` user owns nothing but its folders. */
const RUNTIME_UID = 64_123;

const dockerfile = await Deno.readTextFile(join(PROJECT_ROOT, "docker/Dockerfile"));
const dockerignore = await Deno.readTextFile(join(PROJECT_ROOT, ".dockerignore"));

/** .dockerignore patterns (Go filepath.Match plus `**`, anchored at the context root) as one matcher. */
function ignoreMatcher(text: string): (path: string) => boolean {
  const patterns = text.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
  for (const p of patterns) {
    if (p.startsWith("!")) throw new Error(`this test does not handle .dockerignore exceptions yet: ${p}`);
  }
  const regexes = patterns.map((p) => {
    const body = p.replace(/^\/+|\/+$/g, "").split("/").map((part) =>
      part === "**" ? "(?:.*)" : part.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", "[^/]*").replaceAll(
        "?",
        "[^/]",
      )
    ).join("/").replaceAll("(?:.*)/", "(?:.*/)?");
    return new RegExp(`^${body}$`);
  });
  // A path is out when it or any folder above it matches, as Docker excludes a folder with all it holds.
  return (path) => {
    const parts = path.split("/");
    return parts.some((_, i) => regexes.some((r) => r.test(parts.slice(0, i + 1).join("/"))));
  };
}

/** Copy the build context, leaving out what .dockerignore excludes; returns the relative paths copied. */
async function copyContext(from: string, to: string): Promise<string[]> {
  const ignored = ignoreMatcher(dockerignore);
  const copied: string[] = [];
  async function walk(dir: string) {
    for await (const e of Deno.readDir(dir)) {
      const abs = join(dir, e.name);
      const rel = relative(from, abs);
      if (ignored(rel)) continue;
      if (e.isDirectory) {
        await Deno.mkdir(join(to, rel), { recursive: true });
        await walk(abs);
      } else if (e.isFile) {
        await Deno.copyFile(abs, join(to, rel));
        copied.push(rel);
      }
    }
  }
  await walk(from);
  return copied;
}

async function sh(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: opts.cwd,
    ...(opts.env ? { env: opts.env, clearEnv: true } : {}),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  return { ok: out.success, code: out.code, stdout, stderr };
}

/** The flags of the Dockerfile's `npm install` step, so that this test installs exactly as the image does. */
function npmInstallArgs(): string[] {
  const run = dockerfile.replaceAll(/\\\n/g, " ").split("\n").find((l) => /^RUN npm install /.test(l.trim())) ?? "";
  const args = /npm install ((?:--[a-z-]+(?:=\S+)?\s*)+)/.exec(run)?.[1]?.trim().split(/\s+/);
  ok(args && args.length > 0, "docker/Dockerfile has no `RUN npm install --...` step");
  return ["install", ...args];
}

/** The ENV of the task image's last stage, e.g. RUNNER_TARGET_DIR. */
function imageEnv(name: string): string {
  const stage = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
  const value = new RegExp(`^ENV ${name}=(\\S+)`, "m").exec(stage)?.[1];
  ok(value, `docker/Dockerfile sets no ${name}`);
  return value;
}

Deno.test("the task image's file tree runs `deno task models` and a task's --help as a non-root user", async () => {
  ok(Deno.uid() === 0, "this test switches to a non-root uid with setpriv, so it must run as root (as CI does)");
  const root = await Deno.makeTempDir({ prefix: "task-image-" });
  try {
    await Deno.chmod(root, 0o755);
    const app = join(root, "app");
    const denoDir = join(root, "deno-dir");
    const home = join(root, "home");
    // The image's absolute RUNNER_TARGET_DIR, moved under the temporary root.
    const targetDir = join(root, imageEnv("RUNNER_TARGET_DIR"));

    // COPY . . with .dockerignore applied.
    await Deno.mkdir(app, { recursive: true });
    const copied = await copyContext(PROJECT_ROOT, app);
    for (const path of ["tasks/models.ts", "deno.json", "models/project.yml"]) {
      ok(copied.includes(path), `the context lacks ${path}`);
    }
    for (const prefix of ["node_modules/", ".git/", ".dev/", "target/"]) {
      deepStrictEqual(copied.filter((p) => p.startsWith(prefix)), [], `${prefix} must stay out of the image`);
    }
    ok(!copied.includes(".env"), ".env must stay out of the image");

    // The npm stage: package.json and the lock file alone, the Dockerfile's flags, then only node_modules moves on.
    const npmDir = join(root, "npm");
    await Deno.mkdir(npmDir);
    for (const f of ["package.json", "package-lock.json"]) await Deno.copyFile(join(PROJECT_ROOT, f), join(npmDir, f));
    const npm = await sh("npm", npmInstallArgs(), { cwd: npmDir });
    ok(npm.ok, `npm ${npmInstallArgs().join(" ")} failed:\n${npm.stderr.slice(-2000)}`);
    for (const absent of ["node_modules/chdb", "node_modules/@chdb"]) {
      ok(!(await exists(join(npmDir, absent))), `${absent} must not be installed in the image`);
    }
    await Deno.rename(join(npmDir, "node_modules"), join(app, "node_modules"));

    // RUN deno cache tasks/*.ts as root, then hand DENO_DIR and the artifacts folder to the runtime user.
    const tasks = [...Deno.readDirSync(join(app, "tasks"))].filter((e) => e.name.endsWith(".ts")).map((e) =>
      `tasks/${e.name}`
    );
    const cache = await sh(Deno.execPath(), ["cache", ...tasks], {
      cwd: app,
      env: { PATH: Deno.env.get("PATH") ?? "", HOME: root, DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: "1" },
    });
    ok(cache.ok, `deno cache failed:\n${cache.stderr.slice(-2000)}`);
    for (const dir of [targetDir, home]) await Deno.mkdir(dir, { recursive: true });
    const chown = await sh("chown", ["-R", `${RUNTIME_UID}:${RUNTIME_UID}`, denoDir, targetDir, home]);
    ok(chown.ok, chown.stderr);

    // As the runtime user, with the image's environment only (no .env: .dockerignore keeps it out).
    const asRuntimeUser = (args: string[]) =>
      sh("setpriv", [
        `--reuid=${RUNTIME_UID}`,
        `--regid=${RUNTIME_UID}`,
        "--clear-groups",
        "--",
        Deno.execPath(),
        "task",
        ...args,
      ], {
        cwd: app,
        env: {
          PATH: "/usr/local/bin:/usr/bin:/bin",
          HOME: home,
          DENO_DIR: denoDir,
          DENO_NO_UPDATE_CHECK: "1",
          DENO_NO_PROMPT: "1",
          RUNNER_TARGET_DIR: targetDir,
        },
      });
    const whoami = await sh("setpriv", [`--reuid=${RUNTIME_UID}`, "--", "id", "-u"]);
    equal(whoami.stdout.trim(), String(RUNTIME_UID));

    const help = await asRuntimeUser(["models", "--help"]);
    ok(help.ok, `deno task models --help failed:\n${help.stderr.slice(-2000)}`);
    ok(help.stdout.includes("compile"), "models --help lists its commands");

    const extractHelp = await asRuntimeUser(["extract", "--help"]);
    ok(extractHelp.ok, `deno task extract --help failed:\n${extractHelp.stderr.slice(-2000)}`);

    const compile = await asRuntimeUser(["models", "compile"]);
    ok(compile.ok, `deno task models compile failed (exit ${compile.code}):\n${compile.stderr.slice(-3000)}`);
    const summary = JSON.parse(compile.stdout.trim().split("\n").at(-1) ?? "{}") as { status?: string };
    equal(summary.status, "ok", `the last line of stdout is the task's JSON summary: ${compile.stdout.slice(-500)}`);
    // Every SQL file of the project (counted on disk, not by the runner) compiled into the artifacts folder.
    const sqlFiles = copied.filter((p) => p.startsWith("models/") && p.endsWith(".sql"));
    ok(sqlFiles.length > 10, `only ${sqlFiles.length} model files in the context`);
    for (const path of sqlFiles) {
      ok(await exists(join(targetDir, "compiled", path)), `compile wrote no ${path} under RUNNER_TARGET_DIR`);
    }
    ok(!(await exists(join(app, "target"))), "nothing may be written into the code tree");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}
