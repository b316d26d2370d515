/** `deno task generate`: the event generator (see `deno task generate --help` and docs/generator.md). */
import { runTask } from "../src/task.ts";
import { generateTask } from "../src/generator/mod.ts";

await runTask(generateTask);
