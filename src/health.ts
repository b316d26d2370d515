/**
 * One health check over every configured service, through the same clients the tasks use.
 *
 * @module
 */
import type { Config } from "./config.ts";
import type { TaskContext } from "./task.ts";
import { objectStore } from "./clients/s3.ts";
import { createPostgres, pgHealth } from "./clients/postgres.ts";
import { clickhouseHealth, createClickHouse } from "./clients/clickhouse.ts";
import { createNeo4j, neo4jHealth } from "./clients/neo4j.ts";
import { createMailer } from "./clients/mail.ts";

/**
 * One check per service: open the client, ask, close. Each resolves to null when healthy, else the reason; none
 * throws. The native stack (`dev/`) uses the same checks.
 */
export const SERVICE_CHECKS = {
  s3: (config: Config) => objectStore(config.s3).health(),
  postgres: async (config: Config) => {
    const sql = createPostgres({ ...config.postgres, poolMax: 1 }, { applicationName: "socialpulse-health" });
    try {
      return await pgHealth(sql);
    } finally {
      await sql.end({ timeout: 1 });
    }
  },
  clickhouse: async (config: Config) => {
    try {
      const ch = await createClickHouse(config.clickhouse);
      try {
        return await clickhouseHealth(ch);
      } finally {
        await ch.close();
      }
    } catch (e) {
      return `ClickHouse: ${(e as Error).message}`;
    }
  },
  neo4j: async (config: Config) => {
    const driver = createNeo4j(config.neo4j);
    try {
      return await neo4jHealth(driver);
    } finally {
      await driver.close();
    }
  },
  smtp: async (config: Config) => {
    const mailer = createMailer(config.smtp);
    try {
      return await mailer.health();
    } finally {
      mailer.close();
    }
  },
} satisfies Record<string, (config: Config) => Promise<string | null>>;

/** Check every service; throws naming the unhealthy ones. Returns a map of service -> "ok". */
export async function checkHealth(
  { config, log }: Pick<TaskContext, "config" | "log">,
): Promise<Record<string, string>> {
  const results = await Promise.all(
    Object.entries(SERVICE_CHECKS).map(async ([name, check]) => [name, await check(config)] as const),
  );
  const status: Record<string, string> = {};
  for (const [name, reason] of results) {
    status[name] = reason ?? "ok";
    if (reason === null) log.info(`${name} ok`);
    else log.error(`${name} is not healthy: ${reason}`);
  }
  const down = results.filter(([, r]) => r !== null).map(([n]) => n);
  if (down.length) throw new Error(`not healthy: ${down.join(", ")}`);
  return status;
}
