/**
 * Conversion of OpenDSS property values (text) to numbers, integers, booleans, arrays and
 * matrices, with OpenDSS's conventions: `(..)` around one value is RPN arithmetic
 * (`kV=(12.47 3 sqrt /)`), arrays may use any bracket, matrices use `|` between rows.
 * Every failure is a ValueError that the caller turns into a DssError with file:line.
 */
import type { ValueToken } from "./lexer.ts";

/** A value that cannot be converted (message says why). */
export class ValueError extends Error {
  constructor(
    message: string,
    readonly kind: "bad-number" | "bad-value" = "bad-value",
  ) {
    super(message);
  }
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eEdD][+-]?\d+)?$/;

/** Parse one plain decimal number (no arithmetic). */
export function parsePlainNumber(text: string): number {
  const t = text.trim();
  if (!NUMBER_RE.test(t)) throw new ValueError(`'${text}' is not a number`, "bad-number");
  return Number(t.replace(/[dD]/, "e"));
}

const DEG = Math.PI / 180;

/** Evaluate an OpenDSS in-line RPN expression such as `12.47 3 sqrt /`. */
export function evalRpn(text: string): number {
  const stack: number[] = [];
  const pop = (): number => {
    const v = stack.pop();
    if (v === undefined) throw new ValueError(`RPN expression '${text}': stack underflow`, "bad-number");
    return v;
  };
  for (const tok of text.split(/[\s,]+/).filter((s) => s.length > 0)) {
    const t = tok.toLowerCase();
    switch (t) {
      case "+":
        stack.push(pop() + pop());
        break;
      case "-": {
        const b = pop();
        stack.push(pop() - b);
        break;
      }
      case "*":
        stack.push(pop() * pop());
        break;
      case "/": {
        const b = pop();
        stack.push(pop() / b);
        break;
      }
      case "^": {
        const b = pop();
        stack.push(pop() ** b);
        break;
      }
      case "sqrt":
        stack.push(Math.sqrt(pop()));
        break;
      case "sqr": {
        const a = pop();
        stack.push(a * a);
        break;
      }
      case "inv":
        stack.push(1 / pop());
        break;
      case "ln":
        stack.push(Math.log(pop()));
        break;
      case "log10":
        stack.push(Math.log10(pop()));
        break;
      case "exp":
        stack.push(Math.exp(pop()));
        break;
      case "pi":
        stack.push(Math.PI);
        break;
      case "sin":
        stack.push(Math.sin(pop() * DEG));
        break;
      case "cos":
        stack.push(Math.cos(pop() * DEG));
        break;
      case "tan":
        stack.push(Math.tan(pop() * DEG));
        break;
      case "asin":
        stack.push(Math.asin(pop()) / DEG);
        break;
      case "acos":
        stack.push(Math.acos(pop()) / DEG);
        break;
      case "atan":
        stack.push(Math.atan(pop()) / DEG);
        break;
      case "swap": {
        const b = pop();
        const a = pop();
        stack.push(b, a);
        break;
      }
      default:
        stack.push(parsePlainNumber(tok));
    }
  }
  if (stack.length === 0) throw new ValueError(`empty expression '(${text})'`, "bad-number");
  return stack[stack.length - 1]!;
}

/** A scalar number: plain, or RPN when written in parentheses. Must be finite. */
export function toNumber(v: ValueToken): number {
  const x = v.bracket === "(" ? evalRpn(v.text) : parsePlainNumber(v.text);
  if (!Number.isFinite(x)) throw new ValueError(`'${v.text}' is not a finite number`, "bad-number");
  return x;
}

/** An integer (a real value must be integral). */
export function toInt(v: ValueToken): number {
  const x = toNumber(v);
  if (!Number.isInteger(x)) throw new ValueError(`'${v.text}' is not an integer`, "bad-number");
  return x;
}

/** OpenDSS booleans: yes/no, true/false, y/n, t/f (first letter decides). */
export function toBool(v: ValueToken): boolean {
  const t = v.text.trim().toLowerCase();
  if (t.length > 0 && (t[0] === "y" || t[0] === "t")) return true;
  if (t.length > 0 && (t[0] === "n" || t[0] === "f")) return false;
  throw new ValueError(`'${v.text}' is not yes/no (true/false)`);
}

/** A list of numbers ("[1 2 3]", "(1,2,3)", or a single unbracketed number). */
export function toNumberArray(v: ValueToken): number[] {
  const parts = v.text
    .replace(/\|/g, " ")
    .split(/[\s,]+/)
    .filter((s) => s.length > 0);
  return parts.map(parsePlainNumber);
}

/** A list of strings (blank or comma separated). */
export function toStringArray(v: ValueToken): string[] {
  return v.text.split(/[\s,]+/).filter((s) => s.length > 0);
}

/**
 * A symmetric n×n matrix given as its lower triangle by rows (`[a | b c | d e f]`) or as the
 * full matrix; returns row-major n*n values.
 */
export function toSymMatrix(v: ValueToken, n: number): Float64Array {
  const out = new Float64Array(n * n);
  const rows = v.text.split("|").map((r) =>
    r
      .split(/[\s,]+/)
      .filter((s) => s.length > 0)
      .map(parsePlainNumber),
  );
  if (rows.length === n && rows.every((r, i) => r.length >= i + 1)) {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const x = rows[i]![j]!;
        out[i * n + j] = x;
        out[j * n + i] = x;
      }
    }
    return out;
  }
  const flat = rows.flat();
  if (flat.length === (n * (n + 1)) / 2) {
    let k = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const x = flat[k++]!;
        out[i * n + j] = x;
        out[j * n + i] = x;
      }
    }
    return out;
  }
  if (flat.length === n * n) {
    for (let i = 0; i < n * n; i++) out[i] = flat[i]!;
    return out;
  }
  throw new ValueError(
    `matrix has ${flat.length} values; a ${n}×${n} matrix needs ${(n * (n + 1)) / 2} (lower triangle) or ${n * n}`,
  );
}

/** A time step with an optional unit suffix: `1h`, `15m`, `900s`, `900` (seconds). Returns seconds. */
export function toSeconds(v: ValueToken): number {
  const t = v.text.trim().toLowerCase();
  const last = t[t.length - 1];
  if (last === "h") return parsePlainNumber(t.slice(0, -1)) * 3600;
  if (last === "m") return parsePlainNumber(t.slice(0, -1)) * 60;
  if (last === "s") return parsePlainNumber(t.slice(0, -1));
  return toNumber(v);
}

/** Length units of lines and line codes (OpenDSS codes 0..9). */
export const LENGTH_UNITS = ["none", "mi", "kft", "km", "m", "ft", "in", "cm", "mm"] as const;
/** One of OpenDSS's length units. */
export type LengthUnit = (typeof LENGTH_UNITS)[number];

/** Parse a length unit name (OpenDSS accepts some aliases). */
export function toLengthUnit(v: ValueToken): LengthUnit {
  const t = v.text.trim().toLowerCase();
  const alias: Record<string, LengthUnit> = {
    none: "none",
    mi: "mi",
    mile: "mi",
    miles: "mi",
    kft: "kft",
    km: "km",
    m: "m",
    meter: "m",
    meters: "m",
    ft: "ft",
    feet: "ft",
    foot: "ft",
    in: "in",
    inch: "in",
    inches: "in",
    cm: "cm",
    mm: "mm",
  };
  const u = alias[t];
  if (u === undefined)
    throw new ValueError(`'${v.text}' is not a length unit (none mi kft km m ft in cm mm)`);
  return u;
}

const METERS: Record<LengthUnit, number> = {
  none: 1,
  mi: 1609.344,
  kft: 304.8,
  km: 1000,
  m: 1,
  ft: 0.3048,
  in: 0.0254,
  cm: 0.01,
  mm: 0.001,
};

/**
 * Multiplier converting a length in `from` units to `to` units (OpenDSS ConvertLineUnits);
 * 1 when either is "none".
 */
export function convertLineUnits(from: LengthUnit, to: LengthUnit): number {
  if (from === "none" || to === "none") return 1;
  return METERS[from] / METERS[to];
}

/** Format a number as OpenDSS prints property values (15 significant digits, shortest form). */
export function formatDssNumber(x: number): string {
  if (x === 0) return "0";
  return String(Number(x.toPrecision(15)));
}
