import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { splitLines, utf8Length } from "./lines.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const texts = (data: Uint8Array) => splitLines(data).map((l) => [l.lineNo, l.text, l.invalidUtf8]);

Deno.test("splitLines() numbers lines from 1 and treats a final newline as the end, not a new line", () => {
  assertEquals(texts(enc("a\nb\n")), [[1, "a", false], [2, "b", false]]);
  assertEquals(texts(enc("a\nb")), [[1, "a", false], [2, "b", false]]);
  assertEquals(texts(enc("a\n\nb\n")), [[1, "a", false], [2, "", false], [3, "b", false]]);
});

Deno.test("splitLines() gives a zero-byte file no lines and strips a byte order mark and CR", () => {
  assertEquals(texts(new Uint8Array()), []);
  assertEquals(texts(enc("\uFEFF")), []);
  assertEquals(texts(enc("\uFEFFa\r\nb\r\n")), [[1, "a", false], [2, "b", false]]);
});

Deno.test("splitLines() marks only the lines that hold invalid UTF-8", () => {
  const data = new Uint8Array([...enc("ok\n"), 0x61, 0xff, 0x62, 0x0a, ...enc("fine\r\n")]);
  assertEquals(texts(data), [[1, "ok", false], [2, "a\uFFFDb", true], [3, "fine", false]]);
});

Deno.test("utf8Length() counts UTF-8 bytes of any string", () => {
  for (const s of ["", "abc", "ж", "€", "👩‍💻", "aж€👍"]) assertEquals(utf8Length(s), enc(s).length, s);
});
