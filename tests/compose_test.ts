/**
 * Static checks of the Docker stack against the configuration module; no service and no Docker engine needed.
 *
 * `docker compose up` is the first place where a renamed variable, a moved port or a missing health check would
 * otherwise show, and only on a machine with Docker. These tests read docker/compose.yml (with YAML merge keys
 * resolved, as Compose does), the two Dockerfiles, `.env.example` and docker/README.md, and hold them to
 * src/config.ts: its variable names (CONFIG_VARIABLES) and its defaults (`parseConfig({})`).
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { parse } from "yaml";
import { CONFIG_VARIABLES, parseConfig, parseDotenv } from "../src/config.ts";
import { PG_COLLECTION } from "../src/clients/clickhouse.ts";

interface HealthCheck {
  test?: string | string[];
  disable?: boolean;
}

interface EnvFile {
  path: string;
  required?: boolean;
}

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  pull_policy?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | number | boolean | null>;
  env_file?: (string | EnvFile)[];
  ports?: string[];
  volumes?: string[];
  healthcheck?: HealthCheck;
  depends_on?: Record<string, { condition?: string; required?: boolean }>;
  restart?: string;
  profiles?: string[];
  networks?: string[] | Record<string, { aliases?: string[] } | null>;
}

interface Compose {
  name?: string;
  version?: unknown;
  services: Record<string, Service>;
  networks?: Record<string, { name?: string; internal?: boolean }>;
  volumes?: Record<string, unknown>;
}

const ROOT = new URL("../", import.meta.url);

async function readText(path: string): Promise<string> {
  return await Deno.readTextFile(new URL(path, ROOT));
}

const composeText = await readText("docker/compose.yml");
const compose = parse(composeText, { merge: true }) as Compose;
const dockerfile = await readText("docker/Dockerfile");
const airflowDockerfile = await readText("docker/airflow.Dockerfile");
const dockerignore = await readText(".dockerignore");
const readme = await readText("docker/README.md");
const airflowEntrypoint = await readText("docker/airflow-entrypoint.sh");
const airflowConstraints = await readText("dev/airflow/constraints.txt");
const envExample = await readText(".env.example");
const packageJson = JSON.parse(await readText("package.json")) as {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};

const EXPECTED_SERVICES = [
  "minio",
  "versitygw",
  "s3-init",
  "postgres",
  "postgres-roles",
  "clickhouse",
  "neo4j",
  "mailpit",
  "tasks",
  "generator",
  "docker-socket-proxy",
  "airflow-db",
  "airflow-secrets",
  "airflow-init",
  "airflow-apiserver",
  "airflow-scheduler",
  "airflow-dag-processor",
  "airflow-triggerer",
];

/** Services that run to completion (or only on demand); every other service must stay up and report health. */
const ONE_SHOT_SERVICES = ["s3-init", "postgres-roles", "airflow-secrets", "airflow-init", "tasks"];

/** The two S3 servers: one profile each, both reachable as `s3` (the app's S3_ENDPOINT host). */
const S3_SERVERS: Record<string, string> = { minio: "minio", versitygw: "versitygw" };

const AIRFLOW_SERVICES = [
  "airflow-secrets",
  "airflow-init",
  "airflow-apiserver",
  "airflow-scheduler",
  "airflow-dag-processor",
  "airflow-triggerer",
];

/** Airflow services that run Airflow itself (airflow-secrets only writes the secrets). */
const AIRFLOW_PROCESSES = AIRFLOW_SERVICES.filter((name) => name !== "airflow-secrets");

/** Services that run socialpulse code or hand the app configuration on to it (Airflow's DockerOperator). */
const APP_SERVICES = ["tasks", "generator", "s3-init", ...AIRFLOW_PROCESSES];

/** Variables that only compose.yml reads (not the app); each is documented in docker/README.md. */
const COMPOSE_ONLY_VARIABLES = [
  "AIRFLOW_ADMIN_USER",
  "AIRFLOW_ADMIN_PASSWORD",
  "AIRFLOW_FERNET_KEY",
  "AIRFLOW_API_SECRET_KEY",
  "AIRFLOW_JWT_SECRET",
  "DOCKER_SOCKET",
];

/** Variables that the images themselves set, which commands may read at run time (`$${NAME}` in compose.yml). */
const IMAGE_VARIABLES = ["HOSTNAME"];

/** Where each stateful service keeps its data. */
const STATE_DIRECTORIES: Record<string, string> = {
  minio: "/data",
  versitygw: "/data",
  postgres: "/var/lib/postgresql/data",
  clickhouse: "/var/lib/clickhouse",
  neo4j: "/data",
  mailpit: "/data",
  "airflow-db": "/var/lib/postgresql/data",
};

/** Web UIs that docker/README.md must point to: service and container port. */
const USER_INTERFACES: [string, number][] = [
  ["minio", 9001],
  ["airflow-apiserver", 8080],
  ["neo4j", 7474],
  ["mailpit", 8025],
  ["clickhouse", 8123],
];

const DEFAULTS = parseConfig({});

function service(name: string): Service {
  const found = compose.services[name];
  ok(found, `docker/compose.yml has no service '${name}'`);
  return found;
}

function environment(name: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service(name).environment ?? {}).map(([key, value]) => [key, String(value ?? "")]),
  );
}

/** A configuration as plain data, so that URLs compare by value. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value));
}

interface PublishedPort {
  hostIp: string | undefined;
  host: number;
  container: number;
}

/** Short-syntax port mappings: `[ip:]host:container[/protocol]`. */
function publishedPorts(name: string): PublishedPort[] {
  return (service(name).ports ?? []).map((spec) => {
    const parts = String(spec).replace(/\/(tcp|udp)$/, "").split(":");
    return {
      hostIp: parts.length === 3 ? parts[0] : undefined,
      host: Number(parts.at(-2)),
      container: Number(parts.at(-1)),
    };
  });
}

/** The host port that publishes a container port, or undefined. */
function hostPort(name: string, containerPort: number): number | undefined {
  return publishedPorts(name).find((p) => p.container === containerPort)?.host;
}

/** Every string value in a parsed YAML tree: what Compose interpolates. */
function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === "object") return Object.values(value).flatMap(stringsIn);
  return [];
}

interface Interpolation {
  name: string;
  /** `:-`, `-`, `:+`, `+`, `:?`, `?`, or undefined for a bare `${NAME}` / `$NAME`. */
  operator: string | undefined;
  operand: string;
  text: string;
}

/** Compose interpolations in a string; `$$` is Compose's escape for a literal `$` and is skipped. */
function interpolations(value: string): Interpolation[] {
  const unescaped = value.replaceAll("$$", "");
  const found: Interpolation[] = [];
  for (const m of unescaped.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])([^}]*))?\}/g)) {
    found.push({ name: m[1] ?? "", operator: m[2], operand: m[3] ?? "", text: m[0] });
  }
  for (const m of unescaped.replaceAll(/\$\{[^}]*\}/g, "").matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)) {
    found.push({ name: m[1] ?? "", operator: undefined, operand: "", text: m[0] });
  }
  return found;
}

/** Variables that a container command reads at run time, written `$${NAME}` or `$$NAME` in compose.yml. */
function runtimeReferences(value: string): string[] {
  return [...value.matchAll(/\$\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] ?? "");
}

const composeInterpolations = stringsIn(compose).flatMap(interpolations);

/** Compose's interpolation of `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:+alt}`, `${NAME+alt}`. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replaceAll(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}/g,
    (_match, name: string, operator: string | undefined, operand: string) => {
      const current = env[name];
      const nonEmpty = current !== undefined && current !== "";
      switch (operator) {
        case ":-":
          return nonEmpty ? current : operand;
        case "-":
          return current ?? operand;
        case ":+":
          return nonEmpty ? operand : "";
        case "+":
          return current === undefined ? "" : operand;
        default:
          return current ?? "";
      }
    },
  );
}

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function instructions(text: string): { keyword: string; args: string }[] {
  const logical = text.split("\n").filter((line) => !line.trimStart().startsWith("#")).join("\n")
    .replaceAll(/\\\n/g, " ");
  return logical.split("\n").map((line) => line.trim()).filter((line) => line !== "").map((line) => {
    const space = line.search(/\s/);
    return space < 0
      ? { keyword: line.toUpperCase(), args: "" }
      : { keyword: line.slice(0, space).toUpperCase(), args: line.slice(space).trim() };
  });
}

/** The instructions of the last stage (the image that ships). */
function finalStage(text: string): { keyword: string; args: string }[] {
  const all = instructions(text);
  const lastFrom = all.findLastIndex((i) => i.keyword === "FROM");
  return all.slice(lastFrom);
}

Deno.test("compose.yml defines every service of the stack under the project name socialpulse", () => {
  equal(compose.name, "socialpulse");
  equal(compose.version, undefined, "the Compose spec has no `version:` key");
  deepStrictEqual(Object.keys(compose.services).sort(), [...EXPECTED_SERVICES].sort());
});

Deno.test("compose.yml gives every long-running service a health check", () => {
  for (const name of ONE_SHOT_SERVICES) {
    const s = service(name);
    ok(
      s.restart === "no" || (s.profiles ?? []).length > 0,
      `${name} is listed as one-shot, so it must not restart (restart: "no") or must sit behind a profile`,
    );
  }
  for (const [name, s] of Object.entries(compose.services)) {
    if (ONE_SHOT_SERVICES.includes(name)) continue;
    const test = s.healthcheck?.test;
    ok(s.healthcheck?.disable !== true, `${name} disables its health check`);
    ok(
      Array.isArray(test) && (test[0] === "CMD" || test[0] === "CMD-SHELL") && test.length > 1,
      `${name} runs for good, so it needs healthcheck.test as ["CMD", ...] or ["CMD-SHELL", "..."]`,
    );
    ok(
      s.restart === "unless-stopped" || s.restart === "always",
      `${name} runs for good, so it should restart (found restart: ${s.restart})`,
    );
  }
});

Deno.test("compose.yml starts a service only after its dependencies are healthy or done", () => {
  for (const [name, s] of Object.entries(compose.services)) {
    for (const [dependency, { condition }] of Object.entries(s.depends_on ?? {})) {
      const target = service(dependency);
      if (ONE_SHOT_SERVICES.includes(dependency)) {
        equal(condition, "service_completed_successfully", `${name} -> ${dependency} (a one-shot service)`);
      } else {
        equal(condition, "service_healthy", `${name} -> ${dependency}`);
        ok(target.healthcheck?.test, `${name} waits for ${dependency} to be healthy, which has no health check`);
      }
    }
  }
});

Deno.test("compose.yml publishes each service on the port that config.ts defaults to", () => {
  // ClickHouse defaults to the embedded engine (chdb://), so its port comes from the in-network URL.
  const clickhousePort = Number(new URL(environment("generator").CLICKHOUSE_URL ?? "").port);
  const expected: [string, number][] = [
    ["minio", Number(DEFAULTS.s3.endpoint.port)],
    ["versitygw", Number(DEFAULTS.s3.endpoint.port)],
    ["postgres", DEFAULTS.postgres.port],
    ["neo4j", Number(new URL(DEFAULTS.neo4j.url).port)],
    ["mailpit", DEFAULTS.smtp.port],
    ["clickhouse", clickhousePort],
  ];
  deepStrictEqual(expected.map(([, port]) => port), [9000, 9000, 5432, 7687, 1025, 8123]);
  for (const [name, port] of expected) {
    equal(hostPort(name, port), port, `${name} must publish container port ${port} on host port ${port}`);
  }
});

Deno.test("compose.yml binds every published port to the loopback interface", () => {
  for (const name of Object.keys(compose.services)) {
    for (const port of publishedPorts(name)) {
      equal(port.hostIp, "127.0.0.1", `${name} publishes ${port.host} on every interface`);
    }
  }
});

Deno.test("compose.yml points the app services at the services inside the network", () => {
  const env = environment("generator");
  const cfg = parseConfig(env);
  const targets: [string, string, number][] = [
    ["S3_ENDPOINT", cfg.s3.endpoint.hostname, Number(cfg.s3.endpoint.port)],
    ["POSTGRES_HOST", cfg.postgres.host, cfg.postgres.port],
    ["CLICKHOUSE_URL", ...hostAndPort(cfg.clickhouse.target.kind === "http" ? cfg.clickhouse.target.url : "")],
    ["CLICKHOUSE_PG_ADDRESS", ...hostAndPort(`tcp://${cfg.clickhouse.pgAddress}`)],
    ["NEO4J_URL", ...hostAndPort(cfg.neo4j.url)],
    ["SMTP_HOST", cfg.smtp.host, cfg.smtp.port],
  ];
  for (const [variable, host, port] of targets) {
    const named = servicesNamed(host);
    ok(named.length > 0, `${variable} points at '${host}', which is no service or alias of compose.yml`);
    for (const name of named) {
      ok(hostPort(name, port) !== undefined, `${variable} points at ${host}:${port}, but ${name} does not serve it`);
    }
  }
  deepStrictEqual(servicesNamed(cfg.s3.endpoint.hostname).sort(), Object.keys(S3_SERVERS).sort());
  equal(cfg.clickhouse.target.kind, "http", "in Docker the marts live in the ClickHouse server, not chDB");
  for (const name of APP_SERVICES) {
    const other = environment(name);
    for (const key of Object.keys(env)) {
      equal(other[key], env[key], `${name} and generator disagree on ${key}`);
    }
  }
});

/** Services that answer to a host name on the default network: by service name or by network alias. */
function servicesNamed(host: string): string[] {
  return Object.entries(compose.services).filter(([name, s]) => {
    if (name === host) return true;
    const networks = s.networks;
    if (!networks || Array.isArray(networks)) return false;
    return (networks.default?.aliases ?? []).includes(host);
  }).map(([name]) => name);
}

function hostAndPort(url: string): [string, number] {
  const u = new URL(url);
  return [u.hostname, Number(u.port)];
}

Deno.test("compose.yml gives the app services the root .env and no variable that config.ts lacks", () => {
  const prefixes = new Set(CONFIG_VARIABLES.map((v) => v.split("_")[0]));
  for (const name of APP_SERVICES) {
    const envFiles = (service(name).env_file ?? []).map((f) => typeof f === "string" ? { path: f } : f);
    ok(
      envFiles.some((f) => f.path === "../.env" && f.required === false),
      `${name} must read the root .env with env_file: [{path: ../.env, required: false}]`,
    );
    for (const key of Object.keys(environment(name))) {
      const looksLikeAppVariable = prefixes.has(key.split("_")[0]);
      ok(
        !looksLikeAppVariable || CONFIG_VARIABLES.includes(key),
        `${name} sets ${key}, which src/config.ts does not read (a typo, or a variable to add to config.ts)`,
      );
    }
  }
});

Deno.test("compose.yml interpolates only variables that config.ts or docker/README.md documents", () => {
  const allowed = new Set([...CONFIG_VARIABLES, ...COMPOSE_ONLY_VARIABLES]);
  for (const { name, text } of composeInterpolations) {
    ok(allowed.has(name), `${text} is neither a config.ts variable nor a documented compose-only variable`);
  }
  const used = new Set(composeInterpolations.map((i) => i.name));
  for (const name of COMPOSE_ONLY_VARIABLES) {
    ok(used.has(name), `${name} is allowed as a compose-only variable but compose.yml no longer uses it`);
    ok(readme.includes(name), `docker/README.md does not document the compose-only variable ${name}`);
  }
});

Deno.test("compose.yml defaults every config variable to the value config.ts defaults to", () => {
  const defaults = plain(DEFAULTS);
  for (const value of stringsIn(compose)) {
    for (const { name, operator, operand, text } of interpolations(value)) {
      if (!CONFIG_VARIABLES.includes(name)) continue;
      // `:-` treats an empty value as unset, as parseConfig does; `:+` only tests whether there is a value.
      ok(operator === ":-" || operator === ":+", `${text}: interpolate a config variable as \${NAME:-default}`);
      // A default inside a longer value (NEO4J_AUTH) is no default of the variable; the next test covers those.
      if (operator !== ":-" || text !== value) continue;
      deepStrictEqual(
        plain(parseConfig({ [name]: operand })),
        defaults,
        `${text}: the default differs from the one in src/config.ts`,
      );
    }
  }
});

Deno.test("compose.yml gives each service the credentials that the app connects with", () => {
  const changed = {
    S3_ACCESS_KEY: "key-from-env",
    S3_SECRET_KEY: "secret-from-env",
    S3_REGION: "eu-north-1",
    S3_BUCKET: "bucket-from-env",
    POSTGRES_DB: "warehouse",
    POSTGRES_USER: "etl",
    POSTGRES_PASSWORD: "pg-secret",
    CLICKHOUSE_USER: "marts",
    CLICKHOUSE_PASSWORD: "ch-secret",
    CLICKHOUSE_DATABASE: "marts",
    NEO4J_USER: "neo4j",
    NEO4J_PASSWORD: "graph-secret",
    POSTGRES_LOADER_PASSWORD: "loader-secret",
    POSTGRES_MODELLER_PASSWORD: "modeller-secret",
    POSTGRES_READER_PASSWORD: "reader-secret",
    CLICKHOUSE_READER_PASSWORD: "ch-reader-secret",
  };
  // Without a .env, with .env.example as it is, and with every credential changed.
  for (const dotenv of [{}, parseDotenv(envExample), changed]) {
    const cfg = parseConfig(dotenv);
    const env = (name: string, keys: string[]) =>
      Object.fromEntries(keys.map((key) => [key, interpolate(environment(name)[key] ?? "", dotenv)]));
    deepStrictEqual(env("minio", ["MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "MINIO_SITE_REGION"]), {
      MINIO_ROOT_USER: cfg.s3.accessKey,
      MINIO_ROOT_PASSWORD: cfg.s3.secretKey,
      MINIO_SITE_REGION: cfg.s3.region,
    });
    deepStrictEqual(env("versitygw", ["ROOT_ACCESS_KEY", "ROOT_SECRET_KEY", "VGW_REGION"]), {
      ROOT_ACCESS_KEY: cfg.s3.accessKey,
      ROOT_SECRET_KEY: cfg.s3.secretKey,
      VGW_REGION: cfg.s3.region,
    });
    const roleKeys = ["POSTGRES_LOADER_PASSWORD", "POSTGRES_MODELLER_PASSWORD", "POSTGRES_READER_PASSWORD"];
    deepStrictEqual(env("postgres-roles", ["POSTGRES_DB", "POSTGRES_USER", "PGPASSWORD", ...roleKeys]), {
      POSTGRES_DB: cfg.postgres.database,
      POSTGRES_USER: cfg.postgres.user,
      PGPASSWORD: cfg.postgres.password,
      POSTGRES_LOADER_PASSWORD: cfg.postgres.roles.loader.password,
      POSTGRES_MODELLER_PASSWORD: cfg.postgres.roles.modeller.password,
      POSTGRES_READER_PASSWORD: cfg.postgres.roles.reader.password,
    });
    deepStrictEqual(env("postgres", ["POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"]), {
      POSTGRES_DB: cfg.postgres.database,
      POSTGRES_USER: cfg.postgres.user,
      POSTGRES_PASSWORD: cfg.postgres.password,
    });
    deepStrictEqual(
      env("clickhouse", ["CLICKHOUSE_USER", "CLICKHOUSE_PASSWORD", "CLICKHOUSE_DB", "CLICKHOUSE_READER_PASSWORD"]),
      {
        CLICKHOUSE_USER: cfg.clickhouse.user,
        CLICKHOUSE_PASSWORD: cfg.clickhouse.password,
        CLICKHOUSE_DB: cfg.clickhouse.database,
        CLICKHOUSE_READER_PASSWORD: cfg.clickhouse.reader.password,
      },
    );
    // src/clients/neo4j.ts connects without credentials when the password is empty, else as NEO4J_USER or neo4j.
    deepStrictEqual(env("neo4j", ["NEO4J_AUTH"]), {
      NEO4J_AUTH: cfg.neo4j.password === "" ? "none" : `${cfg.neo4j.user || "neo4j"}/${cfg.neo4j.password}`,
    });
  }
});

Deno.test("compose.yml commands read at run time only variables their container has", () => {
  for (const [name, s] of Object.entries(compose.services)) {
    const env = environment(name);
    for (const variable of stringsIn([s.command, s.entrypoint, s.healthcheck]).flatMap(runtimeReferences)) {
      ok(
        IMAGE_VARIABLES.includes(variable) || variable in env,
        `${name} reads $${variable} at run time, but its environment does not set it`,
      );
    }
  }
});

Deno.test("compose.yml keeps the app's NEO4J_* variables away from the neo4j image", () => {
  // The image turns every NEO4J_* variable into a server setting; NEO4J_URL etc. would stop the server.
  const neo4j = service("neo4j");
  equal(neo4j.env_file, undefined, "neo4j must not read the app's .env");
  for (const key of Object.keys(environment("neo4j"))) {
    ok(!CONFIG_VARIABLES.includes(key), `neo4j sets the app variable ${key}`);
  }
  ok(environment("neo4j").NEO4J_AUTH, "neo4j needs NEO4J_AUTH derived from NEO4J_PASSWORD");
});

Deno.test("compose.yml keeps Airflow's metadata out of the warehouse", () => {
  for (const name of AIRFLOW_PROCESSES) {
    const conn = environment(name).AIRFLOW__DATABASE__SQL_ALCHEMY_CONN ?? "";
    equal(new URL(conn.replace(/^[a-z0-9+]+:/, "postgresql:")).hostname, "airflow-db", `${name} metadata database`);
    equal(environment(name).AIRFLOW__CORE__EXECUTOR, "LocalExecutor", name);
  }
  equal(service("airflow-db").env_file, undefined, "airflow-db must not take the warehouse credentials from .env");
});

Deno.test("compose.yml gives the Docker API to the scheduler only, through a read-only socket proxy", () => {
  // Only the proxy mounts the host's socket, read-only; nobody holds it raw or joins the Docker socket's group.
  for (const [name, s] of Object.entries(compose.services)) {
    const socketMounts = (s.volumes ?? []).map((v) => interpolate(String(v), {}))
      .filter((v) => v.split(":")[1] === "/var/run/docker.sock");
    if (name === "docker-socket-proxy") {
      equal(socketMounts.length, 1, "the proxy mounts the Docker socket");
      ok(socketMounts[0]?.endsWith(":ro"), `the proxy must mount the socket read-only: ${socketMounts[0]}`);
    } else {
      deepStrictEqual(socketMounts, [], `${name} must not mount the Docker socket; it goes through the proxy`);
    }
    equal((s as { group_add?: unknown }).group_add, undefined, `${name} must not join a host group`);
  }
  // The proxy passes on what DockerOperator uses (containers, image list, write methods) and nothing else.
  const proxy = environment("docker-socket-proxy");
  deepStrictEqual(Object.keys(proxy).filter((k) => proxy[k] === "1").sort(), ["CONTAINERS", "IMAGES", "POST"]);
  // It sits on an internal network with the two Airflow processes that start containers: the scheduler (tasks and
  // their callbacks) and the DAG processor (DAG-level callbacks).
  equal(compose.networks?.["docker-api"]?.internal, true, "the docker-api network must be internal");
  const onDockerApi = Object.entries(compose.services).filter(([, s]) => {
    const n = s.networks;
    return Array.isArray(n) ? n.includes("docker-api") : n !== undefined && "docker-api" in n;
  }).map(([name]) => name);
  deepStrictEqual(onDockerApi.sort(), ["airflow-dag-processor", "airflow-scheduler", "docker-socket-proxy"]);
  deepStrictEqual(service("docker-socket-proxy").networks, ["docker-api"], "the proxy must not join the stack network");

  const env = environment("airflow-scheduler");
  const dockerUrl = new URL(env.SOCIALPULSE_DOCKER_URL ?? "");
  equal(`${dockerUrl.protocol}//${dockerUrl.hostname}`, "tcp://docker-socket-proxy");
  equal(env.DOCKER_HOST, env.SOCIALPULSE_DOCKER_URL, "DockerOperator falls back to DOCKER_HOST");
  const proxyHealth = stringsIn(service("docker-socket-proxy").healthcheck?.test).join(" ");
  ok(proxyHealth.includes(`:${dockerUrl.port}/`), `the proxy's health check must probe port ${dockerUrl.port}`);
  for (const name of ["airflow-scheduler", "airflow-dag-processor"]) {
    equal(service(name).depends_on?.["docker-socket-proxy"]?.condition, "service_healthy", name);
  }
});

Deno.test("compose.yml lets the scheduler start task containers on the stack network", () => {
  const env = environment("airflow-scheduler");
  equal(env.SOCIALPULSE_TASK_IMAGE, service("tasks").image);
  equal(env.SOCIALPULSE_TASK_IMAGE, service("generator").image);
  equal(env.SOCIALPULSE_DOCKER_NETWORK, compose.networks?.default?.name);
  equal(env.SOCIALPULSE_RUNNER_TARGET_VOLUME, `${compose.name}_runner-target`);
  ok(Object.keys(compose.volumes ?? {}).includes("runner-target"));
  const executionApi = new URL(env.AIRFLOW__CORE__EXECUTION_API_SERVER_URL ?? "");
  equal(executionApi.hostname, "airflow-apiserver");
  ok(hostPort("airflow-apiserver", Number(executionApi.port)), "the execution API port of airflow-apiserver");
});

Deno.test("compose.yml gives Airflow its secrets from the airflow-secrets volume, never from the file", () => {
  const secretSettings = ["AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API__SECRET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET"];
  for (const name of AIRFLOW_SERVICES) {
    for (const setting of secretSettings) {
      ok(!(setting in environment(name)), `${name} sets ${setting} in compose.yml; it must come from the volume`);
    }
    ok(
      (service(name).volumes ?? []).map(String).includes("airflow-secrets:/opt/airflow/secrets"),
      `${name} must mount the airflow-secrets volume`,
    );
  }
  for (const name of AIRFLOW_PROCESSES) {
    equal(service(name).depends_on?.["airflow-secrets"]?.condition, "service_completed_successfully", name);
  }
  deepStrictEqual(service("airflow-secrets").command, ["socialpulse-secrets"]);
  const stage = finalStage(airflowDockerfile);
  const entrypoint = JSON.parse(stage.findLast((i) => i.keyword === "ENTRYPOINT")?.args ?? "[]") as string[];
  deepStrictEqual(entrypoint, ["/usr/local/bin/socialpulse-entrypoint"]);
  ok(
    stage.some((i) =>
      i.keyword === "COPY" && i.args.endsWith("airflow-entrypoint.sh /usr/local/bin/socialpulse-entrypoint")
    ),
    "the image must carry docker/airflow-entrypoint.sh as its entrypoint",
  );
  for (const setting of secretSettings) ok(airflowEntrypoint.includes(`=${setting}`), `the entrypoint sets ${setting}`);
});

Deno.test("compose.yml builds each image once and never pulls a locally built one", () => {
  const byImage = new Map<string, string[]>();
  for (const [name, s] of Object.entries(compose.services)) {
    byImage.set(s.image ?? "", [...(byImage.get(s.image ?? "") ?? []), name]);
  }
  for (const [image, users] of byImage) {
    const builders = users.filter((name) => service(name).build);
    if (builders.length === 0) continue;
    equal(builders.length, 1, `${image} is built by ${builders.join(", ")}: build it once`);
    const builder = builders[0] ?? "";
    equal(service(builder).pull_policy, "build", `${builder} builds ${image}`);
    ok(!(service(builder).profiles ?? []).length, `${builder} builds ${image}, so it must run without a profile`);
    for (const name of users.filter((u) => u !== builder)) {
      equal(service(name).pull_policy, "never", `${name} uses the locally built ${image}: pull_policy: never`);
    }
  }
  ok((byImage.get("socialpulse-tasks:latest") ?? []).length >= 2);
  ok((byImage.get("socialpulse-airflow:latest") ?? []).length >= 5);
});

Deno.test("compose.yml chooses the S3 server by profile, and the bucket waits for whichever runs", () => {
  for (const [name, profile] of Object.entries(S3_SERVERS)) {
    deepStrictEqual(service(name).profiles, [profile], `${name} runs under the profile ${profile}`);
    deepStrictEqual(service("s3-init").depends_on?.[name], { condition: "service_healthy", required: false });
  }
  equal(parseDotenv(envExample).COMPOSE_PROFILES, "minio", ".env.example must pick one S3 server");
  for (const name of ["generator", "airflow-scheduler", "tasks"]) {
    equal(service(name).depends_on?.["s3-init"]?.condition, "service_completed_successfully", name);
  }
  // s3-init creates the bucket with the app's own client, so it needs no image of either S3 vendor.
  equal(service("s3-init").image, service("generator").image);
});

Deno.test("compose.yml health checks see the real servers: ClickHouse off loopback, Neo4j with both plugins", () => {
  // ClickHouse's first-start setup server listens on 127.0.0.1 only, so a check on loopback passes too early.
  const clickhouse = stringsIn(service("clickhouse").healthcheck?.test).join(" ");
  ok(clickhouse.includes(":8123/ping"), "ClickHouse's check pings its HTTP port");
  ok(!/127\.0\.0\.1|localhost/.test(clickhouse), `ClickHouse's check must not use loopback: ${clickhouse}`);
  // Neo4j starts without a plugin whose download failed; only a query through Bolt sees that.
  const neo4j = stringsIn(service("neo4j").healthcheck?.test).join(" ");
  for (const part of ["cypher-shell", "gds.version()", "apoc.version()"]) {
    ok(neo4j.includes(part), `Neo4j's check must run ${part}`);
  }
});

Deno.test("compose.yml keeps the runner's artifacts in a volume at RUNNER_TARGET_DIR, writable in the image", () => {
  const stage = finalStage(dockerfile);
  const targetDir = stage.find((i) => i.keyword === "ENV" && i.args.startsWith("RUNNER_TARGET_DIR="))?.args
    .split("=")[1];
  ok(targetDir !== undefined && targetDir.startsWith("/"), "the image sets RUNNER_TARGET_DIR to an absolute folder");
  ok(targetDir.startsWith("/var/lib/socialpulse/"), "outside the read-only code in /app");
  const prepare = stage.find((i) => i.keyword === "RUN" && i.args.includes("mkdir"))?.args ?? "";
  ok(prepare.includes('mkdir -p "$RUNNER_TARGET_DIR"'), "the image creates the folder");
  ok(/chown -R deno:deno .*\/var\/lib\/socialpulse/.test(prepare), "the runtime user owns it");
  for (const name of ["tasks", "generator"]) {
    equal(environment(name).RUNNER_TARGET_DIR, targetDir, name);
    ok((service(name).volumes ?? []).includes(`runner-target:${targetDir}`), `${name} mounts runner-target`);
  }
});

Deno.test("the dags folder that compose.yml mounts is committed", async () => {
  const mount = (service("airflow-scheduler").volumes ?? []).map(String).find((v) =>
    v.endsWith(":/opt/airflow/dags:ro")
  );
  equal(mount?.split(":")[0], "../dags");
  const info = await Deno.stat(new URL("dags/README.md", ROOT));
  ok(info.isFile, "dags/README.md keeps the folder in git");
});

Deno.test("compose.yml keeps the data of every stateful service in a named volume", () => {
  const volumes = Object.keys(compose.volumes ?? {});
  for (const [name, directory] of Object.entries(STATE_DIRECTORIES)) {
    const mount = (service(name).volumes ?? []).map(String).find((v) => v.split(":")[1] === directory);
    ok(mount, `${name} keeps its data in ${directory}, which no volume covers`);
    ok(volumes.includes(mount.split(":")[0] ?? ""), `${name}: '${mount}' is not a named volume`);
  }
});

Deno.test("compose.yml pins every image it pulls", () => {
  for (const [name, s] of Object.entries(compose.services)) {
    ok(s.image, `${name} needs an image name`);
    if (s.build || s.pull_policy === "never") continue;
    const tag = s.image.split(":")[1] ?? "";
    ok(/\d/.test(tag) && tag !== "latest", `${name} uses '${s.image}': pin a version tag`);
  }
  // MinIO left Docker Hub in September 2026; its last community images stay on quay.io.
  ok(/^quay\.io\/minio\/minio:RELEASE\.\d{4}-\d{2}-\d{2}T/.test(service("minio").image ?? ""), "MinIO from quay.io");
  for (const [name, s] of Object.entries(compose.services)) {
    ok(
      !/^(docker\.io\/)?minio\//.test(s.image ?? ""),
      `${name} pulls ${s.image} from Docker Hub, which no longer has it`,
    );
  }
});

Deno.test("docker/Dockerfile builds the task image without the chdb engine", () => {
  ok(!packageJson.dependencies?.chdb, "chdb must stay out of package.json dependencies");
  ok(packageJson.optionalDependencies?.chdb, "package.json marks chdb optional, which the image omits");
  const runs = instructions(dockerfile).filter((i) => i.keyword === "RUN").map((i) => i.args);
  ok(runs.some((r) => /\bnpm (install|ci)\b.*--omit=optional/.test(r)), "npm must run with --omit=optional");
  for (const run of runs) {
    ok(!/\bnpm\s+(install|i|ci|add)\b[^&;|]*\bchdb\b/.test(run), `this step installs chdb: ${run}`);
    ok(!/--include[= ]optional/.test(run), `this step brings optional packages back: ${run}`);
  }
});

Deno.test("docker/Dockerfile runs `deno task` as a non-root user on a pinned Deno image", () => {
  const stage = finalStage(dockerfile);
  ok(
    /^denoland\/deno:(debian-)?\d+\.\d+\.\d+$/.test(stage[0]?.args ?? ""),
    `the task image must start from a pinned official Deno image, not '${stage[0]?.args}'`,
  );
  ok(stage.some((i) => i.keyword === "RUN" && i.args.includes("deno cache tasks/*.ts")), "cache every task");
  const user = stage.findLast((i) => i.keyword === "USER")?.args;
  ok(user && user !== "root" && user !== "0", "the task image must run as a non-root user");
  const entrypoint = JSON.parse(stage.findLast((i) => i.keyword === "ENTRYPOINT")?.args ?? "[]") as string[];
  deepStrictEqual(entrypoint.slice(-2), ["deno", "task"], "`docker run socialpulse-tasks extract` = deno task");
});

Deno.test(".dockerignore keeps local state, history and secrets out of the task image", () => {
  const ignored = dockerignore.split("\n").map((line) => line.trim().replace(/\/$/, ""));
  for (const path of ["node_modules", ".dev", ".git", ".env", "target", "out"]) {
    ok(ignored.includes(path), `.dockerignore must exclude ${path}`);
  }
});

Deno.test("docker/airflow.Dockerfile adds the providers without moving Airflow from the native install's set", () => {
  const all = instructions(airflowDockerfile);
  const version = all.find((i) => i.keyword === "ARG" && i.args.startsWith("AIRFLOW_VERSION="))?.args;
  ok(/^AIRFLOW_VERSION=3\.\d+\.\d+$/.test(version ?? ""), `pin an Airflow 3 release, not '${version}'`);
  const install = all.find((i) => i.keyword === "RUN" && i.args.includes("pip install"))?.args ?? "";
  for (const provider of ["docker", "smtp", "standard"]) {
    ok(install.includes(`apache-airflow-providers-${provider}`), `install apache-airflow-providers-${provider}`);
  }
  ok(install.includes('"apache-airflow==${AIRFLOW_VERSION}"'), "keep Airflow at its version in the same pip call");
  // The constraints the native install froze (dev/airflow/constraints.txt), copied in: no GitHub at build time.
  const copied = all.find((i) => i.keyword === "COPY" && i.args.startsWith("dev/airflow/constraints.txt "))?.args;
  ok(copied, "copy dev/airflow/constraints.txt into the image");
  ok(install.includes(`--constraint ${copied.split(" ")[1]}`), "install against the copied constraints");
  ok(!install.includes("githubusercontent"), "no constraints from GitHub");
  const pinned = /^apache-airflow==(\S+)$/m.exec(airflowConstraints)?.[1];
  equal(version, `AIRFLOW_VERSION=${pinned}`, "the image's Airflow is the version the constraints were frozen for");
  equal(service("airflow-secrets").build?.context, "..", "the Airflow image builds from the repository root");
});

Deno.test(".env.example lists every variable of config.ts", () => {
  const listed = Object.keys(parseDotenv(envExample));
  for (const variable of CONFIG_VARIABLES) {
    ok(listed.includes(variable), `.env.example does not list ${variable}`);
  }
});

Deno.test("docker/README.md gives the URL of every web UI the stack publishes", () => {
  for (const [name, port] of USER_INTERFACES) {
    const host = hostPort(name, port);
    equal(host, port, `${name} must publish its UI port ${port}`);
    ok(readme.includes(`http://localhost:${host}`), `docker/README.md does not mention http://localhost:${host}`);
  }
});

/** Every Markdown file of the repository's docs, and compose.yml itself: where a user copies a command from. */
async function runInstructions(): Promise<[string, string][]> {
  const files = ["docker/compose.yml", "README.md", "docker/README.md", "dags/README.md"];
  for await (const e of Deno.readDir(new URL("docs/", ROOT))) {
    if (e.isFile && e.name.endsWith(".md")) files.push(`docs/${e.name}`);
  }
  return await Promise.all(files.map(async (f) => [f, await readText(f)] as [string, string]));
}

Deno.test("every `docker compose` command in the docs runs the stack one way: --env-file .env -f docker/compose.yml", async () => {
  let commands = 0;
  for (const [file, text] of await runInstructions()) {
    for (const m of text.matchAll(/docker compose (?=\S)(.{0,60})/g)) {
      commands++;
      ok(
        (m[1] ?? "").startsWith("--env-file .env -f docker/compose.yml "),
        `${file}: 'docker compose ${m[1]}' must start with --env-file .env -f docker/compose.yml`,
      );
    }
  }
  ok(commands >= 5, `found only ${commands} docker compose commands`);
  for (const file of ["docker/compose.yml", "README.md", "docker/README.md"]) {
    ok((await readText(file)).includes("cp .env.example .env"), `${file} must say to create .env first`);
  }
});

Deno.test("both READMEs ask for Compose 2.24+, which env_file.required needs", async () => {
  ok(compose.services.generator?.env_file?.some((f) => typeof f !== "string" && f.required === false));
  for (const file of ["README.md", "docker/README.md"]) {
    const text = await readText(file);
    ok(/Compose 2\.24\+/.test(text), `${file} must say Compose 2.24+`);
    ok(!/Compose v2\b(?!\.)/.test(text), `${file} still says "Compose v2", too old for env_file.required`);
  }
});

Deno.test("ClickHouse's read-only user takes its password from the container and a readonly profile", async () => {
  const xml = await readText("docker/clickhouse/reader.xml");
  const user = DEFAULTS.clickhouse.reader.user;
  const block = new RegExp(`<${user}>([\\s\\S]*)</${user}>`).exec(xml)?.[1] ?? "";
  ok(block, `reader.xml defines no user ${user}`);
  const passwordFrom = /<password from_env="([A-Z_]+)"\s*\/>/.exec(block)?.[1];
  equal(passwordFrom, "CLICKHOUSE_READER_PASSWORD");
  ok(passwordFrom in environment("clickhouse"), "the clickhouse service must set the variable reader.xml reads");
  const profile = /<profile>([^<]*)<\/profile>/.exec(block)?.[1] ?? "";
  const settings = new RegExp(`<profiles>[\\s\\S]*<${profile}>([\\s\\S]*?)</${profile}>`).exec(xml)?.[1] ?? "";
  // readonly 2: reads and per-query settings (the export's formats); no INSERT, no DDL (1 would refuse the settings).
  equal(/<readonly>(\d)<\/readonly>/.exec(settings)?.[1], "2", `profile '${profile}' must set readonly = 2`);
  deepStrictEqual([...block.matchAll(/<query>([^<]*)<\/query>/g)].map((m) => m[1]), ["GRANT SELECT ON *.*"]);
  ok(
    (service("clickhouse").volumes ?? []).includes(
      "./clickhouse/reader.xml:/etc/clickhouse-server/users.d/socialpulse-reader.xml:ro",
    ),
    "compose.yml mounts reader.xml into users.d",
  );
});

Deno.test("ClickHouse defines the marts' PostgreSQL collection in its configuration, the password from the environment", async () => {
  const xml = await readText("docker/clickhouse/postgres.xml");
  const block = new RegExp(`<${PG_COLLECTION}>([\\s\\S]*)</${PG_COLLECTION}>`).exec(xml)?.[1] ?? "";
  ok(block, `postgres.xml defines no named collection ${PG_COLLECTION} (the name src/clients/clickhouse.ts reads)`);
  equal(/<host>([^<]*)<\/host>/.exec(block)?.[1], "postgres");
  // The modeller, as tasks/models.ts gives the native collection: the marts read landing and staging besides core.
  equal(/<user>([^<]*)<\/user>/.exec(block)?.[1], DEFAULTS.postgres.roles.modeller.user);
  ok(!/<password>[^<]*<\/password>/.test(block), "the password must come from the environment, never the file");
  const env = environment("clickhouse");
  for (const [, name] of block.matchAll(/from_env="([A-Z_]+)"/g)) {
    ok(name! in env, `the clickhouse service must set ${name}, which postgres.xml reads`);
  }
  ok(
    (service("clickhouse").volumes ?? []).includes(
      "./clickhouse/postgres.xml:/etc/clickhouse-server/config.d/socialpulse-postgres.xml:ro",
    ),
    "compose.yml mounts postgres.xml into config.d",
  );
});

Deno.test("compose.yml sizes Neo4j's heap and page cache as the native stack does", async () => {
  const native = await import("../dev/services/neo4j.ts");
  const env = environment("neo4j");
  equal(env.NEO4J_server_memory_heap_initial__size, native.HEAP_INITIAL);
  equal(env.NEO4J_server_memory_heap_max__size, native.HEAP_MAX);
  equal(env.NEO4J_server_memory_pagecache_size, `${native.PAGECACHE_MB}m`);
});

Deno.test("airflow-init creates the pools the DAGs use, from the DAG folder's own list", () => {
  const command = [service("airflow-init").command ?? []].flat().join(" ");
  ok(command.includes("airflow db check-migrations"), "airflow-init still checks the migrations");
  ok(command.includes("from socialpulse_lib.steps import POOLS"), "the pools come from dags/socialpulse_lib/steps.py");
  ok(/airflow pools import \/tmp\/pools\.json$/.test(command), "airflow-init imports the pools last");
});
