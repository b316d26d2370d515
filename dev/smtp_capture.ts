/**
 * A capturing SMTP server for development and tests: accepts every message (no auth, no TLS) and stores it in a
 * folder as `<ms>-<seq>.eml` plus `<ms>-<seq>.json` ({ from, to, subject, received_at, size }). Nothing is relayed.
 *
 *   deno run -A dev/smtp_capture.ts --port 1025 --dir .dev/data/smtp
 */
import { SMTPServer } from "smtp-server";
import { parseArgs } from "node:util";
import { join } from "node:path";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    port: { type: "string", default: "1025" },
    dir: { type: "string" },
    host: { type: "string", default: "127.0.0.1" },
  },
});
if (!values.dir) {
  console.error("usage: smtp_capture.ts --port 1025 --dir <folder>");
  Deno.exit(2);
}
const dir = values.dir;
await Deno.mkdir(dir, { recursive: true });
let seq = 0;

/** The Subject header of a raw message (unfolded; encoded words are left as they are). */
function subjectOf(raw: string): string {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? "";
  const m = /^subject:[ \t]*(.*(?:\r?\n[ \t].*)*)/im.exec(head);
  return m ? m[1]!.replace(/\r?\n[ \t]/g, " ").trim() : "";
}

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS", "AUTH"],
  logger: false,
  size: 25 * 1024 * 1024,
  onData(stream, session, callback) {
    const chunks: Uint8Array[] = [];
    stream.on("data", (c: Uint8Array) => chunks.push(c));
    stream.on("end", async () => {
      try {
        const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
        let o = 0;
        for (const c of chunks) {
          bytes.set(c, o);
          o += c.byteLength;
        }
        const raw = new TextDecoder().decode(bytes);
        const name = `${Date.now()}-${String(seq++).padStart(6, "0")}`;
        await Deno.writeFile(join(dir, `${name}.eml`), bytes);
        const meta = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: subjectOf(raw),
          received_at: new Date().toISOString(),
          size: bytes.byteLength,
        };
        // The .json is written last: a reader that sees it can read the .eml.
        await Deno.writeTextFile(join(dir, `${name}.json`), JSON.stringify(meta));
        console.log(`stored ${name} from=${meta.from} to=${meta.to.join(",")} subject=${JSON.stringify(meta.subject)}`);
        callback();
      } catch (e) {
        callback(e as Error);
      }
    });
  },
});
server.on("error", (e: Error) => console.error(`smtp error: ${e.message}`));
server.listen(
  Number(values.port),
  values.host,
  () => console.log(`SMTP capture listening on ${values.host}:${values.port}, storing in ${dir}`),
);
const stop = () => server.close(() => Deno.exit(0));
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
