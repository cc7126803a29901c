/**
 * Errors of the OpenDSS-compatible engine. Every problem found in a script carries the file and
 * line of the command that caused it (and the element and property when known), so a user can
 * go straight to the offending text.
 */
import { InputError, type InputErrorCode } from "../../models/errors.ts";

/** What went wrong, at a finer grain than the project-wide InputErrorCode. */
export type DssErrorKind =
  | "unknown-command"
  | "unknown-class"
  | "unknown-property"
  | "unknown-option"
  | "unsupported"
  | "bad-number"
  | "bad-value"
  | "missing-file"
  | "missing-element"
  | "missing-object"
  | "no-circuit"
  | "no-voltage-base"
  | "island"
  | "singular"
  | "syntax";

/** A location in a script: file (as given or resolved) and 1-based line number. */
export interface ScriptLocation {
  file: string;
  line: number;
}

const CODE_OF_KIND: Record<DssErrorKind, InputErrorCode> = {
  "unknown-command": "parse",
  "unknown-class": "parse",
  "unknown-property": "parse",
  "unknown-option": "bad-option",
  unsupported: "schema",
  "bad-number": "bad-number",
  "bad-value": "schema",
  "missing-file": "missing-file",
  "missing-element": "schema",
  "missing-object": "schema",
  "no-circuit": "schema",
  "no-voltage-base": "schema",
  island: "disconnected",
  singular: "disconnected",
  syntax: "parse",
};

/** A problem with an OpenDSS script or the circuit it defines; the message starts with file:line. */
export class DssError extends InputError {
  readonly kind: DssErrorKind;
  constructor(
    kind: DssErrorKind,
    detail: string,
    where: { loc?: ScriptLocation; element?: string; field?: string } = {},
  ) {
    super(CODE_OF_KIND[kind], detail, {
      file: where.loc?.file,
      line: where.loc?.line,
      element: where.element,
      field: where.field,
    });
    this.name = "DssError";
    this.kind = kind;
  }
}
