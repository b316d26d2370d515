/**
 * Reading a chDB folder from a test: in a separate process, since one process may open one chDB folder only and the
 * runner under test (or another task) may hold it.
 *
 * @module
 */
import { join } from "node:path";
import { PROJECT_ROOT } from "../src/config.ts";

/** The rows of each query on the chDB folder `chPath` (database `database`), read in a separate process. */
export async function chdbQueries(
  chPath: string,
  database: string,
  queries: string[],
): Promise<Record<string, unknown>[][]> {
  const code = `import { chQuery, createClickHouse } from ${
    JSON.stringify(join(PROJECT_ROOT, "src/clients/clickhouse.ts"))
  };
const ch = await createClickHouse({ target: { kind: "chdb", path: ${JSON.stringify(chPath)} }, user: "", password: "",
  database: ${JSON.stringify(database)}, pgAddress: "" });
const out = [];
for (const q of ${JSON.stringify(queries)}) out.push(await chQuery(ch, q));
console.log(JSON.stringify(out));
await ch.close();`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code],
    cwd: PROJECT_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (out.code !== 0) throw new Error(`chdb query failed: ${dec.decode(out.stderr)}`);
  return JSON.parse(dec.decode(out.stdout).trim().split("\n").at(-1)!);
}
