/**
 * OpenDSS names for the project's ids, and number formatting for decks.
 *
 * OpenDSS bus names cannot contain '.' (the node separator) or blanks, and element names are
 * case-insensitive; ids are therefore sanitised to [A-Za-z0-9_-] and made unique (case-insensitively)
 * with a numeric suffix. The mapping is kept in the deck so results can be read back.
 */
import { InputError } from "../../models/errors.ts";

/** Replace every character OpenDSS could misread by '_' (an empty id becomes '_'). */
export function sanitizeDssName(id: string): string {
  const s = id.replace(/[^A-Za-z0-9_-]/g, "_");
  return s.length > 0 ? s : "_";
}

/** Sanitise a list of ids and make them unique case-insensitively ("a", "A" → "a", "A_2"). */
export function uniqueDssNames(ids: string[], prefix = ""): string[] {
  const seen = new Set<string>();
  return ids.map((id) => {
    const base = `${prefix}${sanitizeDssName(id)}`;
    let name = base;
    for (let k = 2; seen.has(name.toLowerCase()); k++) name = `${base}_${k}`;
    seen.add(name.toLowerCase());
    return name;
  });
}

/**
 * Format a number for a deck: the shortest text that reads back to the same double (no rounding),
 * never "-0". Non-finite values are bad input and raise an error naming the element and field.
 */
export function dssNumber(v: number, element: string, field: string, file?: string): string {
  if (!Number.isFinite(v)) {
    throw new InputError("bad-number", `not a finite number (${v})`, { file, element, field });
  }
  return Object.is(v, -0) ? "0" : String(v);
}
