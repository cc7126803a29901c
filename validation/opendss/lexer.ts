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

const CLOSE: Record<string, string> = { '"': '"', "'": "'", "(": ")", "[": "]", "{": "}" };

function isBlank(c: string): boolean {
  return c === " " || c === "\t" || c === "\r" || c === "\n" || c === "\f";
}

/** Remove a trailing `!` or `//` comment (outside quotes) from a line. */
export function stripComment(line: string): string {
  let depth = 0;
  let open = "";
  let close = "";
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (depth > 0) {
      if (c === close && (open !== close || depth === 1)) {
        depth--;
      } else if (c === open && open !== close) {
        depth++;
      }
      continue;
    }
    if (c === "!") return line.slice(0, i);
    if (c === "/" && line[i + 1] === "/") return line.slice(0, i);
    if (CLOSE[c] !== undefined) {
      open = c;
      close = CLOSE[c]!;
      depth = 1;
    }
  }
  return line;
}

/** Error raised by the tokenizer (the caller adds file and line). */
export class LexError extends Error {}

/**
 * Split a command line (comment already removed) into parameters. The first parameter is
 * normally the command verb. Throws LexError on an unterminated quote.
 */
export function tokenize(line: string): Param[] {
  const out: Param[] = [];
  let i = 0;
  const n = line.length;
  const skipDelims = (): void => {
    while (i < n && (isBlank(line[i]!) || line[i] === ",")) i++;
  };
  const skipBlanks = (): void => {
    while (i < n && isBlank(line[i]!)) i++;
  };
  const readValue = (): ValueToken => {
    const c = line[i]!;
    const close = CLOSE[c];
    if (close !== undefined) {
      const start = i + 1;
      let depth = 1;
      i++;
      while (i < n) {
        const d = line[i]!;
        if (d === close && (c === close || depth === 1)) {
          depth--;
          if (depth === 0) break;
        } else if (d === c && c !== close) {
          depth++;
        } else if (d === close) {
          depth--;
        }
        i++;
      }
      if (i >= n) throw new LexError(`unterminated quote ${c}…${close}`);
      const text = line.slice(start, i);
      i++; // past the closing quote
      return { text, bracket: c as Bracket };
    }
    const start = i;
    while (i < n && !isBlank(line[i]!) && line[i] !== "," && line[i] !== "=") i++;
    return { text: line.slice(start, i), bracket: "" };
  };
  for (;;) {
    skipDelims();
    if (i >= n) break;
    const first = readValue();
    skipBlanks();
    if (i < n && line[i] === "=" && first.bracket === "") {
      i++;
      skipBlanks();
      if (i >= n || line[i] === ",") {
        out.push({ name: first.text, value: { text: "", bracket: "" } });
        continue;
      }
      const value = readValue();
      out.push({ name: first.text, value });
    } else {
      out.push({ name: null, value: first });
    }
  }
  return out;
}
