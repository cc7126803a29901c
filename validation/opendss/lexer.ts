/**
 * Tokenizer for one OpenDSS command line, following OpenDSS's parser (TDSSParser) rule by rule:
 * * parameters are separated by blanks (space, tab), `,` or `=`; `name=value` pairs and positional
 *   values may be mixed, with blanks allowed around `=`;
 * * a value that STARTS with one of ( " ' [ { is quoted up to the first matching closing
 *   character ) " ' ] } — quotes do not nest, a quote character inside a token is an ordinary
 *   character, and a missing closing character quotes to the end of the line; which quote was
 *   used is kept, because any quoted scalar is evaluated as in-line RPN arithmetic;
 * * outside quotes, `!` or `//` ends the line (a comment);
 * * the parameter list ends at the first empty value (OpenDSS's edit loops stop there, so
 *   `a=1, , b=2` never sets b).
 */

/** Opening quote of a value ("" when unquoted). */
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

const BEGIN_QUOTES = "(\"'[{";
const END_QUOTES = ")\"']}";

function isWhite(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\r";
}

function isDelimChar(c: string | undefined): boolean {
  return c === "," || c === "=";
}

function isCommentAt(line: string, i: number): boolean {
  const c = line[i];
  return c === "!" || (c === "/" && line[i + 1] === "/");
}

/** Scanner state: position, the delimiter that ended the last token, and where a comment began. */
interface Scan {
  line: string;
  pos: number;
  lastDelim: string;
  comment: number;
}

/** OpenDSS GetToken: read one (possibly quoted) token and step over its delimiter. */
function getToken(s: Scan): ValueToken {
  const line = s.line;
  const n = line.length;
  if (s.pos >= n) return { text: "", bracket: "" };
  let tok: ValueToken;
  const q = BEGIN_QUOTES.indexOf(line[s.pos]!);
  if (q >= 0) {
    const end = END_QUOTES[q]!;
    const start = s.pos + 1;
    let i = start;
    while (i < n && line[i] !== end) i++;
    tok = { text: line.slice(start, i), bracket: BEGIN_QUOTES[q] as Bracket };
    s.pos = i < n ? i + 1 : n;
  } else {
    const start = s.pos;
    let i = start;
    while (i < n) {
      if (isCommentAt(line, i)) {
        s.lastDelim = "!";
        break;
      }
      const c = line[i]!;
      if (isDelimChar(c)) {
        s.lastDelim = c;
        break;
      }
      if (isWhite(c)) {
        s.lastDelim = " ";
        break;
      }
      i++;
    }
    tok = { text: line.slice(start, i), bracket: "" };
    s.pos = i;
  }
  if (s.lastDelim === "!") {
    if (s.comment < 0) s.comment = s.pos;
    s.pos = n;
    return tok;
  }
  if (s.lastDelim === " ") while (isWhite(line[s.pos])) s.pos++;
  if (isDelimChar(line[s.pos])) {
    s.lastDelim = line[s.pos]!;
    s.pos++;
  }
  while (isWhite(line[s.pos])) s.pos++;
  if (s.pos < n && isCommentAt(line, s.pos)) {
    if (s.comment < 0) s.comment = s.pos;
    s.pos = n;
  }
  return tok;
}

function scanLine(line: string): { params: Param[]; comment: number } {
  const s: Scan = { line, pos: 0, lastDelim: " ", comment: -1 };
  while (isWhite(line[s.pos])) s.pos++;
  if (isCommentAt(line, s.pos)) return { params: [], comment: s.pos };
  const out: Param[] = [];
  while (s.pos < line.length) {
    s.lastDelim = " ";
    const first = getToken(s);
    let p: Param;
    if (s.lastDelim === "=") p = { name: first.text, value: getToken(s) };
    else p = { name: null, value: first };
    if (p.value.text === "" && p.value.bracket === "" && p.name === null) break;
    if (p.value.text === "") break;
    out.push(p);
  }
  return { params: out, comment: s.comment };
}

/** Remove a trailing `!` or `//` comment (outside quotes) from a line. */
export function stripComment(line: string): string {
  if (line.indexOf("!") < 0 && line.indexOf("//") < 0) return line;
  const { comment } = scanLine(line);
  return comment < 0 ? line : line.slice(0, comment);
}

/** Error raised by the tokenizer (the caller adds file and line). */
export class LexError extends Error {}

/**
 * Split a command line into parameters (a comment is dropped). The first parameter is normally
 * the command verb.
 */
export function tokenize(line: string): Param[] {
  return scanLine(line).params;
}
