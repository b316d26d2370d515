import { equal, ok } from "node:assert/strict";
import { digestMail, escapeHtml, failureMail, formatDuration, qualityMail, recoveredMail, totals } from "./render.ts";

const incident = {
  dagId: "socialpulse",
  taskId: "load",
  firstRunId: "scheduled__2026-11-30T10:00:00+00:00",
  lastRunId: "scheduled__2026-11-30T10:07:00+00:00",
  failures: 3,
  openedAt: new Date("2026-11-30T10:00:30Z"),
  error: "CopyError: <bad> & worse",
  logUrl: "http://localhost:8080/dags/socialpulse/runs/x/tasks/load?try_number=3",
  logTail: "line 1\nline 2\n",
  tryNumber: 3,
};

Deno.test("formatDuration() reads as hours, minutes and seconds", () => {
  equal(formatDuration(850), "850 ms");
  equal(formatDuration(45_000), "45 s");
  equal(formatDuration(3_723_000), "1 h 2 min 3 s");
  equal(formatDuration(7_200_000), "2 h");
});

Deno.test("failure and recovered mails: sortable subjects, facts, escaped HTML", () => {
  const f = failureMail(incident);
  equal(f.subject, "[socialpulse] FAILED load (run scheduled__2026-11-30T10:00:00+00:00)");
  ok(f.text.includes("CopyError: <bad> & worse") && f.text.includes("line 2"));
  ok(f.html!.includes("CopyError: &lt;bad&gt; &amp; worse") && !f.html!.includes("<bad>"));
  ok(f.html!.includes(`href="${incident.logUrl}"`));
  const r = recoveredMail(incident, "scheduled__2026-11-30T10:08:00+00:00", new Date("2026-11-30T10:08:40Z"));
  equal(r.subject, "[socialpulse] RECOVERED load (run scheduled__2026-11-30T10:08:00+00:00)");
  ok(/failed runs\s+3\n/.test(r.text) && /down for\s+8 min 10 s/.test(r.text), r.text);
  equal(escapeHtml(`"a" <b>`), "&quot;a&quot; &lt;b&gt;");
});

Deno.test("digest and quality mails: totals of the batches, worst batch in the subject", () => {
  const batches = [
    { batch: 1, files: 2, linesIn: 1000, loaded: 985, quarantined: 10, duplicates: 5 },
    { batch: 2, files: 1, linesIn: 2000, loaded: 1900, quarantined: 100, duplicates: 0 },
  ];
  equal(totals(batches).loaded, 2885);
  const d = digestMail({
    dagId: "socialpulse",
    period: "hourly",
    from: new Date("2026-11-30T10:00:00Z"),
    to: new Date("2026-11-30T11:00:00Z"),
    runs: { success: 59, failed: 1, runIds: [] },
    batches,
    models: { built: 120, upToDate: 3, testsPassed: 400, testsFailed: 0, errors: 0 },
    slowest: { taskId: "models", runId: "r7", ms: 4200 },
    freshness: { newestEvent: new Date("2026-11-30T10:59:59Z"), loadedAt: new Date("2026-11-30T11:00:19Z") },
  });
  equal(d.subject, "[socialpulse] OK digest 2026-11-30T10:00:00Z: 2,885 loaded, 110 quarantined, 5 duplicates");
  ok(/runs\s+59 succeeded, 1 failed/.test(d.text) && /freshness\s+20 s/.test(d.text), d.text);
  ok(/slowest step\s+models 4 s \(run r7\)/.test(d.text), d.text);
  const q = qualityMail({
    dagId: "socialpulse",
    runId: "r9",
    threshold: 0.05,
    batches: [
      { ...batches[0]!, ratio: 0.06, reasons: [{ reason: "json_parse", lines: 10 }] },
      { ...batches[1]!, ratio: 0.08, reasons: [{ reason: "schema:payload.amount:too_big", lines: 100 }] },
    ],
  });
  equal(q.subject, "[socialpulse] QUALITY 8.0% quarantined in batch 2 (run r9)");
  ok(q.text.includes("schema:payload.amount:too_big  100"), q.text);
});
