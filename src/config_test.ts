import { deepStrictEqual as assertEquals, ok as assert, throws } from "node:assert/strict";
import { CONFIG_VARIABLES, ConfigError, parseConfig, parseDotenv, PROJECT_ROOT } from "./config.ts";

Deno.test("parseConfig() gives the native-stack defaults for an empty environment", () => {
  const c = parseConfig({ HOME: "/home/ann" });
  assertEquals(c.s3.endpoint.origin, "http://localhost:9000");
  assertEquals(c.postgres.port, 5432);
  assertEquals(c.clickhouse.target, { kind: "chdb", path: `${PROJECT_ROOT}/.dev/data/clickhouse` });
  assertEquals(c.clickhouse.pgAddress, "localhost:5432");
  assertEquals(c.neo4j.url, "bolt://localhost:7687");
  assertEquals(c.smtp.port, 1025);
  assertEquals(c.devToolsDir, "/home/ann/.cache/socialpulse");
});

Deno.test("parseConfig() names the variable, the bad value and what is expected", () => {
  throws(
    () => parseConfig({ S3_ENDPOINT: "not a url" }),
    (e: unknown) =>
      e instanceof ConfigError && e.message.includes('S3_ENDPOINT="not a url"') &&
      e.message.includes("http://localhost:9000"),
  );
  throws(() => parseConfig({ POSTGRES_PORT: "70000" }), /POSTGRES_PORT="70000"/);
  throws(() => parseConfig({ CLICKHOUSE_URL: "tcp://x:9000" }), /CLICKHOUSE_URL="tcp:\/\/x:9000".*chdb:\/\//);
  throws(() => parseConfig({ ALERT_EMAIL_TO: "a@b.co, not-an-address" }), /ALERT_EMAIL_TO/);
  throws(() => parseConfig({ LOG_LEVEL: "LOUD" }), /LOG_LEVEL="LOUD"/);
});

Deno.test("parseConfig() reports every bad variable at once", () => {
  throws(() => parseConfig({ S3_BUCKET: "Bad_Bucket", NEO4J_URL: "http://x" }), (e: unknown) => {
    const m = (e as Error).message;
    return m.includes("S3_BUCKET") && m.includes("NEO4J_URL");
  });
});

Deno.test("parseConfig() treats empty strings as unset and parses typed values", () => {
  const c = parseConfig({
    POSTGRES_PORT: "",
    SMTP_SECURE: "true",
    ALERT_EMAIL_TO: "a@example.com, b@example.com",
    CLICKHOUSE_URL: "http://clickhouse:8123",
    CLICKHOUSE_PG_ADDRESS: "postgres:5432",
  });
  assertEquals(c.postgres.port, 5432);
  assertEquals(c.smtp.secure, true);
  assertEquals(c.smtp.to, ["a@example.com", "b@example.com"]);
  assertEquals(c.clickhouse.target, { kind: "http", url: "http://clickhouse:8123" });
  assertEquals(c.clickhouse.pgAddress, "postgres:5432");
});

Deno.test("parseDotenv() reads comments, quotes and export prefixes", () => {
  assertEquals(
    parseDotenv("# c\nexport A=1\nB='two words'\nC=\"x=y\"\nD=plain # trailing\n\nE=\r\n"),
    { A: "1", B: "two words", C: "x=y", D: "plain", E: "" },
  );
  throws(() => parseDotenv("JUST TEXT"), /line 1/);
});

Deno.test("every configuration variable is documented in .env.example", async () => {
  const example = parseDotenv(await Deno.readTextFile(`${PROJECT_ROOT}/.env.example`));
  const missing = CONFIG_VARIABLES.filter((v) => !(v in example));
  assertEquals(missing, []);
  assert(Object.keys(example).every((k) => CONFIG_VARIABLES.includes(k)), "no stale variables in .env.example");
});
