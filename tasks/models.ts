/** `deno task models <command> [selector...]`: the dbt-style model runner (see docs/runner.md). */
import { runTask, UsageError } from "../src/task.ts";
import { postgresAs, PROJECT_ROOT } from "../src/config.ts";
import { createPostgres } from "../src/clients/postgres.ts";
import { createClickHouse, PG_COLLECTION } from "../src/clients/clickhouse.ts";
import { type Command, COMMANDS, parseVars, run } from "../src/runner/mod.ts";

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === "string" ? [v] : []);

await runTask({
  name: "models",
  description: "Build, test and document the SQL models: staging and the star schema on PostgreSQL, marts on " +
    "ClickHouse.\nCommands: run, build (run + tests, write-audit-publish), test, seed, ls, plan, docs, compile.",
  positionals: "<command> [selector...]",
  flags: {
    select: {
      type: "string",
      short: "s",
      multiple: true,
      help: "Selector(s): name, +name, name+, tag:x, path:x, state:modified",
    },
    exclude: { type: "string", multiple: true, help: "Selector(s) to leave out" },
    "full-refresh": { type: "boolean", help: "Rebuild incremental models and snapshots from scratch" },
    vars: { type: "string", multiple: true, help: "name=value pairs, e.g. --vars 'start=2026-11-01 end=2026-11-02'" },
    "target-dir": { type: "string", help: "Where artifacts go (default: RUNNER_TARGET_DIR, which defaults to target)" },
    state: {
      type: "string",
      help: "Folder of the manifest.json that state: selectors compare with (default: --target-dir, whose manifest " +
        "only a successful run or build writes)",
    },
    "schema-prefix": { type: "string", help: "Prefix for every PostgreSQL schema (isolated runs)", default: "" },
    "docs-dir": { type: "string", help: "Where `docs` writes the catalog", default: "docs/catalog" },
    "project-dir": { type: "string", help: "The project (holding models/ and seeds/)", default: "." },
  },
  epilog: "Examples:\n  deno task models build\n  deno task models run +fact_comment --full-refresh\n" +
    "  deno task models plan tag:fact\n  deno task models test -s path:models/core\n  deno task models docs",
  run: async ({ flags, positionals, config, log }) => {
    const [command, ...selectors] = positionals;
    if (!command || !(COMMANDS as readonly string[]).includes(command)) {
      throw new UsageError(`expected a command (${COMMANDS.join(", ")}), got '${command ?? ""}'`);
    }
    let vars: Record<string, string>;
    try {
      // The late window the marts' finality uses comes from the pipeline's configuration unless --vars sets it.
      vars = { late_window_hours: String(config.pipeline.lateWindowHours), ...parseVars(list(flags.vars)) };
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const abs = (p: string) => (p.startsWith("/") ? p : `${PROJECT_ROOT}/${p}`);
    const root = abs(String(flags["project-dir"])).replace(/\/\.?$/, "");
    // The modeller reads etl and landing and owns staging, core, graph and runner (20261130_0003_roles.sql); the
    // marts read PostgreSQL as the modeller too (landing, the seeds in staging, core and graph).
    const modeller = postgresAs(config.postgres, "modeller");
    const sql = createPostgres(modeller, { applicationName: "socialpulse-models" });
    try {
      return await run({
        root,
        sql,
        clickhouse: () =>
          createClickHouse(config.clickhouse, {
            postgres: {
              address: config.clickhouse.pgAddress,
              database: config.postgres.database,
              user: modeller.user,
              password: modeller.password,
            },
          }),
        log,
        print: (line) => console.log(line),
        targets: {
          schemaPrefix: String(flags["schema-prefix"] ?? ""),
          clickhouseDatabase: config.clickhouse.database,
          pg: { collection: PG_COLLECTION },
        },
      }, {
        command: command as Command,
        selectors: [...selectors, ...list(flags.select)],
        exclude: list(flags.exclude),
        fullRefresh: flags["full-refresh"] === true,
        vars,
        targetDir: typeof flags["target-dir"] === "string" ? abs(flags["target-dir"]) : config.runner.targetDir,
        ...(typeof flags.state === "string" ? { stateDir: abs(flags.state) } : {}),
        docsDir: abs(String(flags["docs-dir"])),
      });
    } finally {
      await sql.end();
    }
  },
});
