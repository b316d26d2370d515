/** `deno task diagrams`: the draw.io diagrams and their SVG renders in docs/diagrams/, from the project's metadata. */
import { runTask, TaskFailure } from "../src/task.ts";
import { PROJECT_ROOT } from "../src/config.ts";
import { buildDiagrams, diagramFiles, staleFiles, writeDiagrams } from "../src/diagrams/mod.ts";
import { makeContext } from "../dev/_lib.ts";
import { postgresService } from "../dev/services/postgres.ts";
import { s3Service } from "../dev/services/s3.ts";
import { smtpService } from "../dev/services/smtp.ts";
import { neo4jService } from "../dev/services/neo4j.ts";

await runTask({
  name: "diagrams",
  description: "Write docs/diagrams/*.drawio (open in app.diagrams.net) and an SVG of each, generated from the " +
    "Compose file, the native stack, the model headers, the graph model and the DAG step lists. --check only " +
    "compares and exits 1 when a diagram is stale.",
  flags: {
    out: { type: "string", help: "Folder of the diagrams", default: "docs/diagrams" },
    check: { type: "boolean", help: "Do not write; fail when a file differs from the metadata" },
  },
  async run({ flags, config, log }) {
    const ctx = makeContext(config, log);
    const native = [postgresService, s3Service, smtpService, neo4jService].map((s) => ({
      name: s.name,
      // Endpoints as a fresh clone's defaults give them (no machine-specific paths in the committed files).
      endpoint: s.endpoint(ctx).replace(/^(\w+:\/\/[^/]+).*$/, "$1").replace(PROJECT_ROOT + "/", ""),
    }));
    const files = diagramFiles(await buildDiagrams({ root: PROJECT_ROOT, native }));
    const out = String(flags.out);
    const stale = await staleFiles(out, files);
    if (flags.check) {
      if (stale.length) {
        throw new TaskFailure(`stale diagrams in ${out}: ${stale.join(", ")}; run 'deno task diagrams'`);
      }
      return { checked: files.size, stale: 0 };
    }
    await writeDiagrams(out, files);
    return { files: files.size, written: stale.length };
  },
});
