/**
 * `deno task demo`: the script of the 3-5 minute demo video, step by step: what to run, what to point at, and
 * how long to spend. `--markdown` prints docs/demo.md (which is this output); `--run N` runs step N's commands
 * (the steps that are commands, not clicks in a UI). Only steps that work today are in it.
 */
import { runTask, UsageError } from "../src/task.ts";
import { PROJECT_ROOT } from "../src/config.ts";

interface Step {
  title: string;
  seconds: number;
  /** Shell commands, run from the repository root. */
  commands: string[];
  /** What to show on screen while it runs. */
  show: string;
  /** Whether `--run` may run it (false: it starts a long-running process or needs a person). */
  runnable: boolean;
}

const STEPS: Step[] = [
  {
    title: "Before recording: seed three days and build everything",
    seconds: 0,
    commands: [
      "bash dev/setup.sh && deno task stack:up",
      "deno task generate --backfill 3d --rate 100 --seed 1",
      "deno task pipeline",
      "deno task models build path:seeds path:models/staging path:models/core",
      "deno task graph sync && deno task graph metrics",
      "deno task models build path:models/marts --full-refresh",
      "deno task export && deno task tableau",
      "deno task diagrams",
    ],
    show: "Nothing: this runs before the camera starts (minutes, not seconds: the pipeline handles one file per " +
      "simulated minute, 4,320 for three days). The marts are built after the graph metrics, so the influence " +
      "pages have PageRank (in full: an older checkout's marts may have other columns); then the DAG keeps everything " +
      "current every minute.",
    runnable: true,
  },
  {
    title: "What it is (architecture)",
    seconds: 30,
    commands: ["xdg-open docs/diagrams/architecture-native.svg"],
    show: "README.md's first lines, then the architecture diagram: generator -> S3 -> extract/validate/clean/load -> " +
      "PostgreSQL -> models -> ClickHouse marts -> dashboard and workbook; Neo4j beside it.",
    runnable: false,
  },
  {
    title: "Start everything",
    seconds: 30,
    commands: ["deno task start"],
    show: "The banner: the services' health, the Airflow UI's URL and login, the dashboard's URL, where alert mail " +
      "lands.",
    runnable: false,
  },
  {
    title: "A file lands in the bucket",
    seconds: 20,
    commands: ["deno task etl:report --limit 5"],
    show: "The live generator writes one JSON Lines file a minute; the report lists the newest batches and any raw " +
      "file no batch has claimed yet. Under Compose, the MinIO console (port 9001) shows events/date=.../hour=...",
    runnable: true,
  },
  {
    title: "The DAG runs in Airflow",
    seconds: 40,
    commands: [],
    show: "The Airflow UI (URL from the banner): DAG socialpulse, Grid view, one run per minute, the steps in order " +
      "(extract, validate, clean, load, models, graph_sync, graph_metrics, marts, export); open one task's log.",
    runnable: false,
  },
  {
    title: "A failure mail and its recovery",
    seconds: 40,
    commands: ["deno task stack:down --only s3", "# wait for one failed run", "deno task stack:up --only s3"],
    show: "Stop the S3 server: the next run's extract fails; one FAILED mail names the task and shows its output. " +
      "Start it again: the next run succeeds and one RECOVERED mail closes the incident (the mail capture's folder " +
      "is printed by deno task start).",
    runnable: false,
  },
  {
    title: "The star schema",
    seconds: 25,
    commands: [
      "psql postgres://socialpulse:socialpulse@localhost:5432/socialpulse -c " +
      '"select d.date, count(*) from core.fact_publication f join core.dim_date d using (date_key) ' +
      'group by 1 order by 1"',
    ],
    show: "docs/diagrams/star-schema.svg beside a query over a fact and its date dimension.",
    runnable: true,
  },
  {
    title: "The social graph",
    seconds: 25,
    commands: ["deno task graph check"],
    show: "docs/diagrams/neo4j-graph.svg, then the graph check: every relationship type's count and checksum in " +
      "Neo4j against the star schema (the PageRank leaders are on the dashboard's Influence page, step 8). Under " +
      "Compose, Neo4j Browser (port 7474): MATCH (u:User)-[:FRIEND]-(f) RETURN u, f LIMIT 50.",
    runnable: true,
  },
  {
    title: "The live dashboard",
    seconds: 50,
    commands: [],
    show: "The dashboard's URL from the banner (deno task start started it; alone: deno task dashboard): Overview " +
      "(publications by kind, DAU/WAU, topics, spread speed), change the date range (it is in the URL), " +
      "Communities with a kind filter, Influence (PageRank leaderboard, reach, friends and followers per user), Ads " +
      "and revenue, Pipeline health (batches, quarantine by reason, freshness). The header names the export it " +
      "shows: reload after the next DAG run and it moves on.",
    runnable: false,
  },
  {
    title: "The Tableau workbook",
    seconds: 30,
    commands: [],
    show: "dashboard/socialpulse.twbx opened in Tableau Public (Windows/macOS, docs/tableau.md): the Overview, " +
      "Communities and Influence dashboards with their filters.",
    runnable: false,
  },
];

function markdown(): string {
  const total = STEPS.reduce((s, x) => s + x.seconds, 0);
  const lines = [
    "# Demo video script",
    "",
    `A ${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")} minute walk through socialpulse, one step ` +
    "per section. Generated by `deno task demo --markdown` (then `deno fmt`; tasks/demo.ts holds the steps); " +
    "`deno task demo --run N` runs step N's commands where they are plain commands.",
    "",
  ];
  STEPS.forEach((s, i) => {
    lines.push(`## ${i}. ${s.title}${s.seconds ? ` (${s.seconds} s)` : ""}`, "");
    if (s.commands.length) lines.push("```sh", ...s.commands, "```", "");
    lines.push(s.show, "");
  });
  return lines.join("\n");
}

await runTask({
  name: "demo",
  description: "Print the demo video's script (steps with commands and what to show), or its Markdown " +
    "(docs/demo.md), or run one step's commands.",
  flags: {
    markdown: { type: "boolean", help: "Print the script as Markdown (docs/demo.md)" },
    run: { type: "string", help: "Run the commands of step N (only steps marked runnable)" },
  },
  async run({ flags }) {
    if (flags.markdown) {
      console.log(markdown());
      return { steps: STEPS.length };
    }
    if (flags.run === undefined) {
      STEPS.forEach((s, i) => {
        console.log(`${i}. ${s.title}${s.seconds ? ` (${s.seconds} s)` : ""}`);
        for (const c of s.commands) console.log(`   $ ${c}`);
        console.log(`   ${s.show}\n`);
      });
      return { steps: STEPS.length, seconds: STEPS.reduce((s, x) => s + x.seconds, 0) };
    }
    const n = Number(flags.run);
    const step = STEPS[n];
    if (!Number.isInteger(n) || !step) throw new UsageError(`--run takes a step number 0-${STEPS.length - 1}`);
    if (!step.runnable) {
      throw new UsageError(`step ${n} (${step.title}) is not run by the script: it needs a person or keeps running`);
    }
    for (const c of step.commands) {
      const res = await new Deno.Command("bash", { args: ["-c", c], cwd: PROJECT_ROOT }).spawn().status;
      if (!res.success) throw new UsageError(`step ${n}: '${c}' exited with ${res.code}`);
    }
    return { step: n, commands: step.commands.length };
  },
});
