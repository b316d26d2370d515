/**
 * The Airflow image's entrypoint (docker/airflow-entrypoint.sh), run here with bash and python3 as the image runs it:
 * `socialpulse-secrets` writes Airflow's three secrets once into the secrets folder (the airflow-secrets volume), keeps
 * them on later runs, takes a value given in the environment, never prints one; any other command exports them as
 * Airflow settings and hands over to the next entrypoint with the arguments untouched. No Docker needed.
 */
import { deepStrictEqual, equal, notEqual, ok } from "node:assert/strict";
import { Buffer } from "node:buffer";
import { PROJECT_ROOT } from "../src/config.ts";

const SCRIPT = `${PROJECT_ROOT}/docker/airflow-entrypoint.sh`;
const FILES = ["fernet_key", "api_secret_key", "jwt_secret"];

async function entrypoint(dir: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command("bash", {
    args: [SCRIPT, ...args],
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", SOCIALPULSE_SECRETS_DIR: dir, ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  ok(out.success, `entrypoint ${args.join(" ")} failed: ${text}`);
  return text;
}

async function secrets(dir: string): Promise<Record<string, string>> {
  return Object.fromEntries(
    await Promise.all(FILES.map(async (f) => [f, (await Deno.readTextFile(`${dir}/${f}`)).trim()])),
  );
}

/** A Fernet key is 32 bytes in URL-safe base64 (44 characters with padding), as `cryptography` defines it. */
function isFernetKey(key: string): boolean {
  if (!/^[A-Za-z0-9_-]{43}=$/.test(key)) return false;
  return Buffer.from(key.replaceAll("-", "+").replaceAll("_", "/"), "base64").length === 32;
}

Deno.test("airflow-entrypoint.sh socialpulse-secrets writes each secret once, keeps it, and never prints it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "airflow-secrets-" });
  try {
    const firstLog = await entrypoint(dir, ["socialpulse-secrets"]);
    const first = await secrets(dir);
    ok(isFernetKey(first.fernet_key ?? ""), `not a Fernet key: ${first.fernet_key?.length} characters`);
    for (const name of ["api_secret_key", "jwt_secret"]) ok((first[name] ?? "").length >= 48, `${name} is too short`);
    notEqual(first.api_secret_key, first.jwt_secret, "two secrets must not share a value");
    for (const f of FILES) {
      equal((await Deno.stat(`${dir}/${f}`)).mode! & 0o777, 0o600, `${f} must be readable by its owner only`);
    }
    for (const value of Object.values(first)) ok(!firstLog.includes(value), "a secret went to the log");

    // A second `up`: nothing changes, so sessions and encrypted connections survive.
    await entrypoint(dir, ["socialpulse-secrets"]);
    deepStrictEqual(await secrets(dir), first);

    // A value from .env replaces the stored one; the others stay.
    const own = "x".repeat(43) + "=";
    const overrideLog = await entrypoint(dir, ["socialpulse-secrets"], { AIRFLOW_FERNET_KEY: own });
    deepStrictEqual(await secrets(dir), { ...first, fernet_key: own });
    ok(!overrideLog.includes(own), "the given secret went to the log");

    // Two folders never share a generated secret.
    const other = await Deno.makeTempDir({ prefix: "airflow-secrets-" });
    try {
      await entrypoint(other, ["socialpulse-secrets"]);
      notEqual((await secrets(other)).jwt_secret, first.jwt_secret);
    } finally {
      await Deno.remove(other, { recursive: true });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("airflow-entrypoint.sh exports the stored secrets as Airflow settings and passes the arguments on", async () => {
  const dir = await Deno.makeTempDir({ prefix: "airflow-secrets-" });
  try {
    await entrypoint(dir, ["socialpulse-secrets"]);
    const stored = await secrets(dir);
    // The next entrypoint is `sh` here (the image's is dumb-init -- /entrypoint): it prints what it received.
    const printed = await entrypoint(dir, [
      "-c",
      'printf "%s\\n" "$AIRFLOW__CORE__FERNET_KEY" "$AIRFLOW__API__SECRET_KEY" "$AIRFLOW__API_AUTH__JWT_SECRET" "$1"',
      "sh",
      "scheduler --flag",
    ], { SOCIALPULSE_AIRFLOW_ENTRYPOINT: "sh" });
    deepStrictEqual(printed.trim().split("\n"), [
      stored.fernet_key,
      stored.api_secret_key,
      stored.jwt_secret,
      "scheduler --flag",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
