/**
 * Helpers shared by the OpenDSS engine tests: complex arithmetic for closed-form circuits, the
 * source angle OpenDSS uses, the layout check against the reference's expected.json, and the error a
 * call throws.
 */
import { expect } from "vitest";
import { DssError } from "../../../validation/opendss/errors.ts";

/** OpenDSS places a source at angle 0 at 360°/57.29577951 rad (its truncated deg/rad constant). */
export const SRC_RAD = 360 / 57.29577951;

/** A complex number. */
export type C = { re: number; im: number };
export const c = (re: number, im = 0): C => ({ re, im });
export const add = (a: C, b: C): C => c(a.re + b.re, a.im + b.im);
export const sub = (a: C, b: C): C => c(a.re - b.re, a.im - b.im);
export const mul = (a: C, b: C): C => c(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re);
export const div = (a: C, b: C): C => {
  const d = b.re * b.re + b.im * b.im;
  return c((a.re * b.re + a.im * b.im) / d, (a.im * b.re - a.re * b.im) / d);
};
export const abs = (a: C): number => Math.hypot(a.re, a.im);
export const conj = (a: C): C => c(a.re, -a.im);
export const scale = (a: C, s: number): C => c(a.re * s, a.im * s);
export const polar = (m: number, rad: number): C => c(m * Math.cos(rad), m * Math.sin(rad));
export const inv = (a: C): C => div(c(1), a);

// biome-ignore lint/suspicious/noExplicitAny: reference JSON
export type Json = any;

/** The circuit totals compared with the reference (kW, kvar). */
export const TOTAL_KEYS = [
  "total_power_kw",
  "total_power_kvar",
  "losses_kw",
  "losses_kvar",
  "line_losses_kw",
  "line_losses_kvar",
] as const;

/** Key paths of a JSON value (objects by key, arrays by their first entry), for layout comparison. */
export function layout(v: Json, path = "", out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) {
    if (v.length > 0) layout(v[0], `${path}[]`, out);
  } else if (v !== null && typeof v === "object") {
    for (const k of Object.keys(v)) {
      out.add(`${path}.${k}`);
      layout(v[k], `${path}.${k}`, out);
    }
  }
  return out;
}

/** `mpopf dss --json` prints the reference's layout: same key paths (plus our `warnings`). */
export function expectSameLayout(ours: unknown, exp: Json): void {
  const a = [...layout(ours)].filter((k) => !k.startsWith(".warnings"));
  expect(a.sort()).toEqual([...layout(exp)].sort());
}

/** The DssError `f` throws (any other outcome fails the test). */
export function thrown(f: () => unknown): DssError {
  try {
    f();
  } catch (e) {
    if (e instanceof DssError) return e;
    throw e;
  }
  throw new Error("expected a DssError");
}
