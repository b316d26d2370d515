import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { parseCsv, parseSeedHeader, seedTableDdl } from "./seeds.ts";

const at = { file: "seeds/x.csv", line: 1 };

Deno.test("parseCsv() handles quotes, doubled quotes, CRLF and empty fields as null", () => {
  assertEquals(parseCsv('a,b\r\n"x, y","say ""hi"""\n,""\n'), [["a", "b"], ["x, y", 'say "hi"'], [null, ""]]);
});

Deno.test("parseSeedHeader() types columns from the header, then the sidecar, else text", () => {
  const cols = parseSeedHeader("id:int,name,flag", {
    columns: { flag: { type: "boolean", description: "a flag", tests: ["not_null"] } },
  }, at);
  assertEquals(cols.map((c) => [c.name, c.type]), [["id", "int"], ["name", "text"], ["flag", "boolean"]]);
  assertEquals(seedTableDdl("s.x", cols), "create table s.x (id integer, name text, flag boolean)");
});

Deno.test("parseSeedHeader() rejects unknown types and sidecar columns the CSV lacks", () => {
  assertThrows(() => parseSeedHeader("id:integer", undefined, at), /unknown type 'integer'/);
  assertThrows(() => parseSeedHeader("id", { columns: { other: {} } }, at), /lacks/);
});
