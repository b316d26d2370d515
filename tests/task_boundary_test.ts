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
