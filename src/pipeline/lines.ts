/**
 * Splitting a raw file into numbered lines, robust to what real files carry: a UTF-8 byte order mark, CRLF line
 * endings, a missing final newline (a truncated last line is still a line), invalid UTF-8 bytes (only the lines
 * that hold them are affected) and a zero-byte file (no lines). A final newline does not start another line.
 *
 * @module
 */

/** One line of a file, without its line ending. */
export interface RawLine {
  /** 1-based line number in the file. */
  lineNo: number;
  /** The text (invalid bytes replaced by U+FFFD when `invalidUtf8`). */
  text: string;
  /** The line held bytes that are not UTF-8. */
  invalidUtf8: boolean;
}

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lenient = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

function stripBom(data: Uint8Array): Uint8Array {
  return data.length >= 3 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? data.subarray(3) : data;
}

/** Split a whole file into lines. */
export function splitLines(file: Uint8Array): RawLine[] {
  const data = stripBom(file);
  if (data.length === 0) return [];
  let text: string | null = null;
  try {
    text = strict.decode(data);
  } catch {
    text = null;
  }
  if (text !== null) return splitText(text);
  return splitBytes(data);
}

function splitText(text: string): RawLine[] {
  const parts = text.split("\n");
  if (parts[parts.length - 1] === "") parts.pop();
  const out: RawLine[] = new Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    let line = parts[i]!;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    out[i] = { lineNo: i + 1, text: line, invalidUtf8: false };
  }
  return out;
}

/** Slow path for files with invalid UTF-8: decode line by line so only the bad lines are marked. */
function splitBytes(data: Uint8Array): RawLine[] {
  const out: RawLine[] = [];
  let start = 0;
  let lineNo = 0;
  while (start < data.length) {
    let end = data.indexOf(0x0a, start);
    const next = end === -1 ? data.length : end + 1;
    if (end === -1) end = data.length;
    let stop = end;
    if (stop > start && data[stop - 1] === 0x0d) stop--;
    const bytes = data.subarray(start, stop);
    lineNo++;
    let text: string;
    let invalidUtf8 = false;
    try {
      text = strict.decode(bytes);
    } catch {
      text = lenient.decode(bytes);
      invalidUtf8 = true;
    }
    out.push({ lineNo, text, invalidUtf8 });
    start = next;
  }
  return out;
}

/** Number of bytes of a string in UTF-8. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4; // a surrogate pair is one 4-byte code point
      i++;
    } else n += 3;
  }
  return n;
}
