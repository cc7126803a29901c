/**
 * Tokenizer for one OpenDSS command line, following OpenDSS's parser rules: parameters are
 * separated by blanks or commas, `name=value` pairs and positional values may be mixed, and a
 * value may be quoted with "..", '..', (..), [..] or {..} (the brackets are removed; which one
 * was used is kept, because `(..)` around a single number means in-line RPN arithmetic).
 * Comments start with `!` or `//` outside quotes.
 */

/** Opening bracket of a quoted value ("" when unquoted). */
export type Bracket = "" | '"' | "'" | "(" | "[" | "{";

/** One value as written, with its quote style. */
export interface ValueToken {
  text: string;
  bracket: Bracket;
}

/** One parameter of a command: `name=value` (name set) or a positional `value` (name null). */
export interface Param {
  name: string | null;
  value: ValueToken;
}

function closeOf(c: string): string | undefined {
  switch (c) {
    case '"':
      return '"';
    case "'":
      return "'";
    case "(":
      return ")";
    case "[":
      return "]";
    case "{":
      return "}";
    default:
      return undefined;
  }
}

function isBlank(c: string): boolean {
  return c === " " || c === "\t" || c === "\r" || c === "\n" || c === "\f";
}

/** Remove a trailing `!` or `//` comment (outside quotes) from a line. */
export function stripComment(line: string): string {
  if (line.indexOf("!") < 0 && line.indexOf("//") < 0) return line;
  let depth = 0;
  let open = "";
  let close = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (depth > 0) {
      if (c === close && (open !== close || depth === 1)) depth--;
      else if (c === open && open !== close) depth++;
      continue;
    }
    if (c === "!") return line.slice(0, i);
    if (c === "/" && line[i + 1] === "/") return line.slice(0, i);
    const cl = closeOf(c);
    if (cl !== undefined) {
      open = c;
      close = cl;
      depth = 1;
    }
  }
  return line;
}

/** Error raised by the tokenizer (the caller adds file and line). */
export class LexError extends Error {}

/** Read one value starting at `i`; returns the index after it. */
function readValue(line: string, i: number, out: { v: ValueToken }): number {
  const n = line.length;
  const c = line[i]!;
  const close = closeOf(c);
  if (close !== undefined) {
    const start = i + 1;
    let depth = 1;
    i++;
    while (i < n) {
      const d = line[i]!;
      if (d === close) {
        depth--;
        if (depth === 0) break;
      } else if (d === c && c !== close) depth++;
      i++;
    }
    if (i >= n) throw new LexError(`unterminated quote ${c}…${close}`);
    out.v = { text: line.slice(start, i), bracket: c as Bracket };
    return i + 1;
  }
  const start = i;
  while (i < n) {
    const d = line[i]!;
    if (isBlank(d) || d === "," || d === "=") break;
    i++;
  }
  out.v = { text: line.slice(start, i), bracket: "" };
  return i;
}

/**
 * Split a command line (comment already removed) into parameters. The first parameter is
 * normally the command verb. Throws LexError on an unterminated quote.
 */
export function tokenize(line: string): Param[] {
  const out: Param[] = [];
  const n = line.length;
  const holder = { v: { text: "", bracket: "" } as ValueToken };
  let i = 0;
  for (;;) {
    while (i < n && (isBlank(line[i]!) || line[i] === ",")) i++;
    if (i >= n) break;
    i = readValue(line, i, holder);
    const first = holder.v;
    while (i < n && isBlank(line[i]!)) i++;
    if (i < n && line[i] === "=" && first.bracket === "") {
      i++;
      while (i < n && isBlank(line[i]!)) i++;
      if (i >= n || line[i] === ",") {
        out.push({ name: first.text, value: { text: "", bracket: "" } });
        continue;
      }
      i = readValue(line, i, holder);
      out.push({ name: first.text, value: holder.v });
    } else {
      out.push({ name: null, value: first });
    }
  }
  return out;
}
