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
  | "missing-file";

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
