/**
 * The alert mails, as pure functions of what happened: subject, plain text and HTML. Subjects start with
 * `[socialpulse] <KIND>` and carry the run or period, so an inbox sorted by subject groups them by kind and time.
 *
 * @module
 */
import type { Mail } from "../clients/mail.ts";

/** A failing task's incident, as the failure and recovered mails describe it. */
export interface Incident {
  dagId: string;
  taskId: string;
  /** The run whose failure opened the incident. */
  firstRunId: string;
  lastRunId: string;
  failures: number;
  openedAt: Date;
  error: string;
  logUrl: string;
  logTail: string;
  tryNumber: number;
}

/** One batch of a digest or a quality warning, from etl.batches. */
export interface BatchFigures {
  batch: number;
  files: number;
  linesIn: number;
  loaded: number;
  quarantined: number;
  duplicates: number;
}

/** The figures of a success digest. */
export interface Digest {
  dagId: string;
  /** "run" (one run), "hourly" or "daily". */
  period: string;
  from: Date;
  to: Date;
  runs: { success: number; failed: number; runIds: string[] };
  batches: BatchFigures[];
  models: { built: number; upToDate: number; testsPassed: number; testsFailed: number; errors: number };
  slowest: { taskId: string; runId: string; ms: number } | null;
  /** Newest event time among the loaded batches, and when its batch was loaded. */
  freshness: { newestEvent: Date; loadedAt: Date } | null;
}

/** A quality warning: batches over the quarantine threshold. */
export interface QualityWarning {
  dagId: string;
  runId: string;
  threshold: number;
  batches: (BatchFigures & { ratio: number; reasons: { reason: string; lines: number }[] })[];
}

const PREFIX = "[socialpulse]";
const n = (v: number) => v.toLocaleString("en-US");
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

export function escapeHtml(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
}

/** "1 h 2 min 3 s", "45 s", "850 ms". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  let s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return [h ? `${h} h` : "", m ? `${m} min` : "", s || (!h && !m) ? `${s} s` : ""].filter(Boolean).join(" ");
}

function table(rows: [string, string][]): { text: string; html: string } {
  const w = Math.max(...rows.map(([k]) => k.length));
  return {
    text: rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join("\n"),
    html: `<table>${
      rows.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join("")
    }</table>`,
  };
}

function page(title: string, parts: string[]): string {
  return `<!doctype html><html><body style="font-family:sans-serif"><h2>${escapeHtml(title)}</h2>${
    parts.join("\n")
  }</body></html>`;
}

/** The mail that opens an incident. */
export function failureMail(i: Incident): Mail {
  const subject = `${PREFIX} FAILED ${i.taskId} (run ${i.firstRunId})`;
  const facts = table([
    ["DAG", i.dagId],
    ["run", i.firstRunId],
    ["task", i.taskId],
    ["attempt", String(i.tryNumber)],
    ["failed at", iso(i.openedAt)],
    ["log", i.logUrl || "(no log link)"],
  ]);
  const note = "Further failures of this task are folded into this incident: no more mail until a run of the task " +
    "succeeds, which sends one RECOVERED mail.";
  const tail = i.logTail.trim() === "" ? "(no log lines available)" : i.logTail.trimEnd();
  const text = [
    `${i.taskId} failed in DAG ${i.dagId}, run ${i.firstRunId}.`,
    "",
    facts.text,
    "",
    "Error:",
    i.error,
    "",
    "Last log lines:",
    tail,
    "",
    note,
  ].join("\n");
  const html = page(`${i.taskId} failed`, [
    facts.html,
    `<h3>Error</h3><pre>${escapeHtml(i.error)}</pre>`,
    `<h3>Last log lines</h3><pre>${escapeHtml(tail)}</pre>`,
    i.logUrl ? `<p><a href="${escapeHtml(i.logUrl)}">Open the log in Airflow</a></p>` : "",
    `<p>${escapeHtml(note)}</p>`,
  ]);
  return { subject, text, html };
}

/** The mail that closes an incident. */
export function recoveredMail(i: Incident, recoveredRunId: string, recoveredAt: Date): Mail {
  const subject = `${PREFIX} RECOVERED ${i.taskId} (run ${recoveredRunId})`;
  const facts = table([
    ["DAG", i.dagId],
    ["task", i.taskId],
    ["first failed run", i.firstRunId],
    ["last failed run", i.lastRunId],
    ["failed runs", String(i.failures)],
    ["recovered in run", recoveredRunId],
    ["down for", formatDuration(recoveredAt.getTime() - i.openedAt.getTime())],
  ]);
  const text = [`${i.taskId} succeeds again in DAG ${i.dagId}.`, "", facts.text, "", "Last error:", i.error].join(
    "\n",
  );
  const html = page(`${i.taskId} recovered`, [facts.html, `<h3>Last error</h3><pre>${escapeHtml(i.error)}</pre>`]);
  return { subject, text, html };
}

/** Totals of a digest's batches. */
export function totals(batches: BatchFigures[]): Omit<BatchFigures, "batch"> {
  return batches.reduce(
    (a, b) => ({
      files: a.files + b.files,
      linesIn: a.linesIn + b.linesIn,
      loaded: a.loaded + b.loaded,
      quarantined: a.quarantined + b.quarantined,
      duplicates: a.duplicates + b.duplicates,
    }),
    { files: 0, linesIn: 0, loaded: 0, quarantined: 0, duplicates: 0 },
  );
}

/** The success digest of one run or of a period's runs. */
export function digestMail(d: Digest): Mail {
  const t = totals(d.batches);
  const when = d.period === "run" ? `run ${d.runs.runIds[0] ?? "?"}` : `${d.period} ${iso(d.from)} to ${iso(d.to)}`;
  const subject = `${PREFIX} OK ${d.period === "run" ? "run" : "digest"} ${
    d.period === "run" ? iso(d.to) : iso(d.from)
  }: ${n(t.loaded)} loaded, ${n(t.quarantined)} quarantined, ${n(t.duplicates)} duplicates`;
  const fresh = d.freshness
    ? `${formatDuration(d.freshness.loadedAt.getTime() - d.freshness.newestEvent.getTime())} (newest event ${
      iso(d.freshness.newestEvent)
    }, loaded ${iso(d.freshness.loadedAt)})`
    : "no batch loaded";
  const facts = table([
    ["DAG", d.dagId],
    ["period", when],
    ["runs", `${d.runs.success} succeeded, ${d.runs.failed} failed`],
    ["batches", d.batches.length === 0 ? "none" : `${d.batches.length} (${d.batches.map((b) => b.batch).join(", ")})`],
    ["files", n(t.files)],
    ["lines read", n(t.linesIn)],
    ["loaded", n(t.loaded)],
    ["quarantined", n(t.quarantined)],
    ["duplicates", n(t.duplicates)],
    ["models built", n(d.models.built)],
    ["models up to date", n(d.models.upToDate)],
    ["model errors", n(d.models.errors)],
    ["tests passed", n(d.models.testsPassed)],
    ["tests failed", n(d.models.testsFailed)],
    ["slowest step", d.slowest ? `${d.slowest.taskId} ${formatDuration(d.slowest.ms)} (run ${d.slowest.runId})` : "-"],
    ["freshness", fresh],
  ]);
  const text = [`socialpulse pipeline: ${when}`, "", facts.text].join("\n");
  return { subject, text, html: page(`socialpulse pipeline: ${when}`, [facts.html]) };
}

/** The warning for batches that quarantined more than the threshold. */
export function qualityMail(q: QualityWarning): Mail {
  const worst = q.batches.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  const subject = `${PREFIX} QUALITY ${pct(worst.ratio)} quarantined in batch ${worst.batch} (run ${q.runId})`;
  const textParts = [
    `${q.batches.length} batch(es) of run ${q.runId} quarantined more than ${pct(q.threshold)} of their lines.`,
  ];
  const htmlParts: string[] = [`<p>${escapeHtml(textParts[0]!)}</p>`];
  for (const b of q.batches) {
    const facts = table([
      ["batch", String(b.batch)],
      ["lines read", n(b.linesIn)],
      ["quarantined", `${n(b.quarantined)} (${pct(b.ratio)})`],
      ["loaded", n(b.loaded)],
      ["duplicates", n(b.duplicates)],
    ]);
    const reasons = table(b.reasons.map((r) => [r.reason, n(r.lines)]));
    textParts.push("", facts.text, "Top reasons:", reasons.text);
    htmlParts.push(`<h3>Batch ${b.batch}</h3>`, facts.html, "<h4>Top reasons</h4>", reasons.html);
  }
  textParts.push("", "The lines are in etl.rejected and in quarantine/batch=N/ (deno task etl:report).");
  return { subject, text: textParts.join("\n"), html: page("Quarantine above threshold", htmlParts) };
}
