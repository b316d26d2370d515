/** `deno task health`: check that every configured service answers, through the same clients the tasks use. */
import { runTask } from "../src/task.ts";
import { checkHealth } from "../src/health.ts";

await runTask({
  name: "health",
  description: "Check that S3, PostgreSQL, ClickHouse, Neo4j and SMTP answer with the current configuration.\n" +
    "Exits 1 when any of them does not.",
  run: checkHealth,
});
