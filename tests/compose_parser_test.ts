/**
 * docker/compose.yml through the real Compose parser: Docker Compose itself (the version dev/check_tools.sh builds
 * from the Go module proxy into the tools folder), whose `config` validates the Compose schema (a misspelled key
 * fails), resolves profiles, interpolates `${...}` and inlines `env_file`. No Docker engine needed.
 *   - with `.env.example`, with no profile, with each profile, and with all of them;
 *   - with a root `.env` that changes every password: each service, and each app through its env_file, must see the
 *     new value (run on a copy of docker/ beside a temporary root .env, so the real .env stays untouched).
 * Needs the tools: `bash dev/check_tools.sh` (dev/setup.sh runs it).
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { config, PROJECT_ROOT } from "../src/config.ts";

const checkTools = await Deno.readTextFile(join(PROJECT_ROOT, "dev/check_tools.sh"));
const COMPOSE_VERSION = /^COMPOSE_VERSION=(\S+)$/m.exec(checkTools)?.[1] ?? "";
const COMPOSE = join(config().devToolsDir, "docker-compose", COMPOSE_VERSION, "docker-compose");

interface Resolved {
  services: Record<string, { environment?: Record<string, string | null>; profiles?: string[] }>;
}

async function compose(args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  try {
    await Deno.stat(COMPOSE);
  } catch {
    throw new Error(`no Docker Compose at ${COMPOSE}: run \`bash dev/check_tools.sh\` (dev/setup.sh does)`);
  }
  const out = await new Deno.Command(COMPOSE, {
    args,
    cwd: PROJECT_ROOT,
    // Only what Compose needs: no COMPOSE_* or password of this shell may leak into the result.
    clearEnv: true,
    env: { PATH: "/usr/bin:/bin", HOME: Deno.env.get("HOME") ?? "/root" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    ok: out.success,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

async function validate(args: string[]): Promise<void> {
  const r = await compose([...args, "config", "--quiet"]);
  ok(r.ok, `docker-compose ${args.join(" ")} config --quiet failed:\n${r.stderr}`);
}

async function services(args: string[]): Promise<string[]> {
  const r = await compose([...args, "config", "--services"]);
  ok(r.ok, r.stderr);
  return r.stdout.trim().split("\n").sort();
}

const BASE = ["--env-file", ".env.example", "-f", "docker/compose.yml"];
const composeFile = parse(await Deno.readTextFile(join(PROJECT_ROOT, "docker/compose.yml")), { merge: true }) as {
  services: Record<string, { profiles?: string[] }>;
};
const PROFILES = [...new Set(Object.values(composeFile.services).flatMap((s) => s.profiles ?? []))].sort();

Deno.test(`the real Compose parser (${COMPOSE_VERSION}) accepts compose.yml with .env.example and each profile`, async () => {
  const version = await compose(["version", "--short"]);
  ok(version.ok, version.stderr);
  deepStrictEqual(PROFILES, ["manual", "minio", "versitygw"]);
  await validate(BASE);
  for (const profile of PROFILES) await validate([...BASE, "--profile", profile]);
  await validate([...BASE, ...PROFILES.flatMap((p) => ["--profile", p])]);

  // .env.example picks MinIO (COMPOSE_PROFILES); a --profile on the command line picks instead.
  const byDefault = await services(BASE);
  ok(byDefault.includes("minio") && !byDefault.includes("versitygw"), byDefault.join(" "));
  const versity = await services([...BASE, "--profile", "versitygw"]);
  ok(versity.includes("versitygw") && !versity.includes("minio"), versity.join(" "));
  ok(versity.includes("s3-init") && versity.includes("generator"), "the rest of the stack stays the same");
});

Deno.test("the real Compose parser rejects a misspelled key in compose.yml", async () => {
  const dir = await Deno.makeTempDir({ prefix: "compose-typo-" });
  try {
    const text = await Deno.readTextFile(join(PROJECT_ROOT, "docker/compose.yml"));
    ok(text.includes("    healthcheck:\n"));
    await Deno.writeTextFile(join(dir, "compose.yml"), text.replace("    healthcheck:\n", "    healthchek:\n"));
    const r = await compose(["--env-file", ".env.example", "-f", join(dir, "compose.yml"), "config", "--quiet"]);
    ok(!r.ok, "Compose accepted `healthchek`");
    ok(r.stderr.includes("healthchek"), `the error names the key: ${r.stderr}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("with a root .env that changes every password, every service and app sees the new value", async () => {
  // The repository's layout in a temporary folder: docker/ as it is, and a root .env beside it.
  const root = await Deno.makeTempDir({ prefix: "compose-env-" });
  try {
    const copy = await new Deno.Command("cp", { args: ["-r", join(PROJECT_ROOT, "docker"), root] }).output();
    ok(copy.success);
    const changed: Record<string, string> = {
      S3_ACCESS_KEY: "key-from-root-env",
      S3_SECRET_KEY: "s3-secret-from-root-env",
      POSTGRES_USER: "owner_from_env",
      POSTGRES_PASSWORD: "pg-secret-from-root-env",
      POSTGRES_LOADER_PASSWORD: "loader-secret-from-root-env",
      POSTGRES_MODELLER_PASSWORD: "modeller-secret-from-root-env",
      POSTGRES_READER_PASSWORD: "reader-secret-from-root-env",
      CLICKHOUSE_PASSWORD: "ch-secret-from-root-env",
      CLICKHOUSE_READER_PASSWORD: "ch-reader-secret-from-root-env",
      NEO4J_PASSWORD: "neo4j-secret-from-root-env",
      AIRFLOW_ADMIN_PASSWORD: "airflow-admin-from-root-env",
    };
    const example = await Deno.readTextFile(join(PROJECT_ROOT, ".env.example"));
    let dotenv = example;
    for (const [key, value] of Object.entries(changed)) {
      const re = new RegExp(`^${key}=.*$`, "m");
      dotenv = re.test(dotenv) ? dotenv.replace(re, `${key}=${value}`) : `${dotenv}\n${key}=${value}\n`;
    }
    await Deno.writeTextFile(join(root, ".env"), dotenv);

    const args = ["--env-file", join(root, ".env"), "-f", join(root, "docker/compose.yml")];
    const all = ["--profile", "minio", "--profile", "versitygw", "--profile", "manual"];
    const r = await compose([...args, ...all, "config", "--format", "json"]);
    ok(r.ok, r.stderr);
    const resolved = JSON.parse(r.stdout) as Resolved;
    const env = (service: string) => {
      const s = resolved.services[service];
      ok(s, `no service ${service}`);
      return s.environment ?? {};
    };

    // The services, through ${...} in compose.yml.
    const expected: [string, string, string][] = [
      ["minio", "MINIO_ROOT_USER", changed.S3_ACCESS_KEY!],
      ["minio", "MINIO_ROOT_PASSWORD", changed.S3_SECRET_KEY!],
      ["versitygw", "ROOT_ACCESS_KEY", changed.S3_ACCESS_KEY!],
      ["versitygw", "ROOT_SECRET_KEY", changed.S3_SECRET_KEY!],
      ["postgres", "POSTGRES_USER", changed.POSTGRES_USER!],
      ["postgres", "POSTGRES_PASSWORD", changed.POSTGRES_PASSWORD!],
      ["postgres-roles", "POSTGRES_USER", changed.POSTGRES_USER!],
      ["postgres-roles", "PGPASSWORD", changed.POSTGRES_PASSWORD!],
      ["postgres-roles", "POSTGRES_LOADER_PASSWORD", changed.POSTGRES_LOADER_PASSWORD!],
      ["postgres-roles", "POSTGRES_MODELLER_PASSWORD", changed.POSTGRES_MODELLER_PASSWORD!],
      ["postgres-roles", "POSTGRES_READER_PASSWORD", changed.POSTGRES_READER_PASSWORD!],
      ["clickhouse", "CLICKHOUSE_PASSWORD", changed.CLICKHOUSE_PASSWORD!],
      ["clickhouse", "CLICKHOUSE_READER_PASSWORD", changed.CLICKHOUSE_READER_PASSWORD!],
      ["clickhouse", "POSTGRES_MODELLER_PASSWORD", changed.POSTGRES_MODELLER_PASSWORD!],
      ["neo4j", "NEO4J_AUTH", `neo4j/${changed.NEO4J_PASSWORD}`],
      ["airflow-init", "_AIRFLOW_WWW_USER_PASSWORD", changed.AIRFLOW_ADMIN_PASSWORD!],
    ];
    for (const [service, key, value] of expected) equal(env(service)[key], value, `${service} ${key}`);

    // The apps, through env_file ../.env: the same values, with the in-network hosts of compose.yml on top.
    const apps = Object.keys(resolved.services).filter((name) => env(name).S3_ENDPOINT !== undefined);
    deepStrictEqual(apps.sort(), [
      "airflow-apiserver",
      "airflow-dag-processor",
      "airflow-init",
      "airflow-scheduler",
      "airflow-triggerer",
      "generator",
      "s3-init",
      "tasks",
    ]);
    for (const app of apps) {
      for (const key of Object.keys(changed).filter((k) => !k.startsWith("AIRFLOW_"))) {
        equal(env(app)[key], changed[key], `${app} ${key}`);
      }
      equal(env(app).S3_ENDPOINT, "http://s3:9000", `${app} reaches S3 inside the network`);
      equal(env(app).POSTGRES_HOST, "postgres", app);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
