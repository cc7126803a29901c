/** Where in the user's input a problem was found. All fields optional; the message uses what is known. */
export interface InputLocation {
  file?: string;
  line?: number;
  /** e.g. "branch 12 (3→5)", "bus 117", "pv PV3". */
  element?: string;
  /** e.g. "rOhm", "loadMult[4]". */
  field?: string;
}

/** Error codes for bad input; stable for scripts and tests. */
export type InputErrorCode =
  | "parse"
  | "schema"
  | "unknown-bus"
  | "duplicate-bus"
  | "duplicate-branch"
  | "cycle"
  | "disconnected"
  | "multiple-parents"
  | "bad-number"
  | "bad-profile"
  | "bad-horizon"
  | "bad-partition"
  | "bad-percentage"
  | "bad-option"
  | "missing-file"
  | "not-a-file"
  | "too-large"
  | "bad-output"
  | "bad-run-dir"
  | "out-of-range"
  | "unknown-field";

/** Format a location as "file:line: element: field" (omitting unknown parts). */
export function formatLocation(loc: InputLocation): string {
  const parts: string[] = [];
  if (loc.file) parts.push(loc.line !== undefined ? `${loc.file}:${loc.line}` : loc.file);
  if (loc.element) parts.push(loc.element);
  if (loc.field) parts.push(`field '${loc.field}'`);
  return parts.join(": ");
}

/** A problem with user input: carries a code and the location of the offending value. */
export class InputError extends Error {
  readonly code: InputErrorCode;
  readonly location: InputLocation;
  readonly detail: string;
  constructor(code: InputErrorCode, detail: string, location: InputLocation = {}) {
    const where = formatLocation(location);
    super(where ? `${where}: ${detail}` : detail);
    this.name = "InputError";
    this.code = code;
    this.location = location;
    this.detail = detail;
  }
}

/**
 * Quote a token from a user's file in an error message only when it looks like a name or a number (letters,
 * digits, `_ . + - :` up to 40 characters); anything else is described, never echoed, so that a file given by
 * mistake (a password file, a `.env` with secrets) is never printed.
 */
export function showToken(s: string): string {
  if (s === "") return "an empty value";
  return /^[\w.+\-:]{1,40}$/u.test(s) ? `'${s}'` : "(text not shown)";
}

/** Line and column of a JSON.parse error (from the position Node reports), without quoting the text. */
export function jsonErrorLocation(text: string, e: unknown): { line?: number; detail: string } {
  const msg = (e as Error)?.message ?? "";
  const m = /^(.*?) in JSON at position (\d+)/.exec(msg);
  if (!m) return { detail: "invalid JSON (unexpected text at the start or end)" };
  const pos = Number(m[2]);
  const before = text.slice(0, pos);
  const line = before.split("\n").length;
  const col = pos - before.lastIndexOf("\n");
  // Node's own descriptions of this form ("Expected ',' or ']' after array element") quote no content.
  return { line, detail: `invalid JSON at column ${col}: ${m[1]}` };
}
