/** The task boundary as a user meets it: a real `deno task` process, its exit code, stderr and last stdout line. */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { PROJECT_ROOT } from "../src/config.ts";

async function runHealth(env: Record<string, string>, args: string[] = []) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "tasks/health.ts", ...args],
    cwd: PROJECT_ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("a task with a malformed setting exits 2 with one line naming the variable", async () => {
  const r = await runHealth({ S3_ENDPOINT: "not a url" });
  assertEquals(r.code, 2);
  const errLines = r.stderr.trim().split("\n");
  assertEquals(errLines.length, 1);
  assert(errLines[0]!.includes('S3_ENDPOINT="not a url"'), errLines[0]!);
  const summary = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
  assertEquals([summary.task, summary.status, summary.error.name], ["health", "error", "ConfigError"]);
});

Deno.test("a task prints --help and exits 0; an unknown flag exits 2", async () => {
  const help = await runHealth({}, ["--help"]);
  assertEquals(help.code, 0);
  assert(help.stdout.startsWith("Usage: deno task health"));
  const bad = await runHealth({}, ["--nope"]);
  assertEquals(bad.code, 2);
  assert(bad.stderr.includes("--nope"), bad.stderr);
  const summary = JSON.parse(bad.stdout.trim().split("\n").at(-1)!);
  assertEquals([summary.task, summary.status, summary.error.name], ["health", "error", "UsageError"]);
});

Deno.test("a pipeline task with contradictory flags exits 2 with one line and a JSON summary, before connecting", async () => {
  for (
    const [task, args, text] of [
      ["validate", ["--force"], "--force needs --batch"],
      ["clean", ["--follow", "--batch", "3"], "--follow and --batch cannot be used together"],
      ["load", ["--batch", "x"], "--batch must be a positive integer"],
    ] as const
  ) {
    // A port nothing listens on: the error must come before any connection is tried.
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `tasks/${task}.ts`, ...args],
      cwd: PROJECT_ROOT,
      env: { POSTGRES_PORT: "1", S3_ENDPOINT: "http://127.0.0.1:1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr).trim();
    assertEquals(out.code, 2, stderr);
    assertEquals(stderr.split("\n").length, 1, stderr);
    assert(stderr.includes(text), stderr);
    const summary = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
    assertEquals([summary.task, summary.status, summary.error.name], [task, "error", "UsageError"]);
  }
});

Deno.test("deno task health reports every service healthy with a JSON summary", async () => {
  const r = await runHealth({ LOG_FORMAT: "json" });
  const summary = JSON.parse(r.stdout.trim().split("\n").at(-1)!);
  assertEquals(summary.status, "ok", r.stderr);
  assertEquals(
    [summary.s3, summary.postgres, summary.clickhouse, summary.neo4j, summary.smtp],
    ["ok", "ok", "ok", "ok", "ok"],
  );
  assertEquals(r.code, 0);
});
