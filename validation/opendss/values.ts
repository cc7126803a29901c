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
  // Fortran-style exponents (1.5d3) need the letter changed; the common case needs no copy
  return t.indexOf("d") < 0 && t.indexOf("D") < 0 ? Number(t) : Number(t.replace(/[dD]/, "e"));
}

/** Separators of a number list: blanks, commas, `|` (matrix rows read as a flat list). */
function isListSep(c: number): boolean {
  return c === 32 || c === 44 || c === 124 || c === 9 || c === 10 || c === 13;
}

/** π as OpenDSS's RPN calculator writes it (RPN.pas), for its degree conversions. */
// biome-ignore lint/suspicious/noApproximativeNumericConstant: OpenDSS's own rounded π, kept for identical results
const DSS_PI = 3.14159265359;
const DEG_TO_RAD = DSS_PI / 180.0;
const RAD_TO_DEG = 180.0 / DSS_PI;
/** Registers of OpenDSS's RPN calculator (an HP-style stack: X, Y, Z, …). */
const RPN_STACK = 10;

/** Split an RPN expression into tokens the way OpenDSS's parser reads them (blanks, `,`, `=`). */
function rpnTokens(text: string): string[] {
  return text.split(/[\s,=]+/).filter((s) => s.length > 0);
}

/**
 * Evaluate an OpenDSS in-line RPN expression such as `12.47 3 sqrt /` the way its calculator does
 * (RPN.pas): a 10-register stack that starts at zeros, a number lifts the stack into X, binary
 * operators combine Y and X and drop the stack, unary ones replace X; trigonometry is in degrees;
 * the result is X. An unknown word is an error (OpenDSS: "Invalid inline math entry").
 */
export function evalRpn(text: string): number {
  const st = new Float64Array(RPN_STACK);
  const rollUp = (): void => {
    for (let i = RPN_STACK - 1; i >= 1; i--) st[i] = st[i - 1]!;
  };
  const rollDn = (): void => {
    for (let i = 1; i < RPN_STACK; i++) st[i - 1] = st[i]!;
  };
  const binary = (f: (y: number, x: number) => number): void => {
    st[1] = f(st[1]!, st[0]!);
    rollDn();
  };
  const tokens = rpnTokens(text);
  if (tokens.length === 0) throw new ValueError(`empty expression '(${text})'`, "bad-number");
  for (const tok of tokens) {
    if (NUMBER_RE.test(tok)) {
      rollUp();
      st[0] = Number(tok.replace(/[dD]/, "e"));
      continue;
    }
    switch (tok.toLowerCase()) {
      case "+":
        binary((y, x) => y + x);
        break;
      case "-":
        binary((y, x) => y - x);
        break;
      case "*":
        binary((y, x) => y * x);
        break;
      case "/":
        binary((y, x) => y / x);
        break;
      case "^":
        binary((y, x) => y ** x);
        break;
      case "atan2":
        binary((y, x) => RAD_TO_DEG * Math.atan2(y, x));
        break;
      case "sqrt":
        st[0] = Math.sqrt(st[0]!);
        break;
      case "sqr":
        st[0] = st[0]! * st[0]!;
        break;
      case "inv":
        st[0] = 1 / st[0]!;
        break;
      case "ln":
        st[0] = Math.log(st[0]!);
        break;
      case "log10":
        st[0] = Math.log10(st[0]!);
        break;
      case "exp":
        st[0] = Math.exp(st[0]!);
        break;
      case "pi":
        rollUp();
        st[0] = Math.PI;
        break;
      case "sin":
        st[0] = Math.sin(DEG_TO_RAD * st[0]!);
        break;
      case "cos":
        st[0] = Math.cos(DEG_TO_RAD * st[0]!);
        break;
      case "tan":
        st[0] = Math.tan(DEG_TO_RAD * st[0]!);
        break;
      case "asin":
        st[0] = RAD_TO_DEG * Math.asin(st[0]!);
        break;
      case "acos":
        st[0] = RAD_TO_DEG * Math.acos(st[0]!);
        break;
      case "atan":
        st[0] = RAD_TO_DEG * Math.atan(st[0]!);
        break;
      case "swap": {
        const x = st[0]!;
        st[0] = st[1]!;
        st[1] = x;
        break;
      }
      case "rollup":
        rollUp();
        break;
      case "rolldn":
        rollDn();
        break;
      default:
        throw new ValueError(`invalid in-line math entry '${tok}' in '(${text})'`, "bad-number");
    }
  }
  return st[0]!;
}

/**
 * A scalar number. A quoted value — in any of ( ) [ ] { } " " ' ' — is in-line RPN arithmetic
 * (`(12.47 3 sqrt /)`, `{202 1.25 *}`, `[580 1.25 *]`), as in OpenDSS; otherwise a plain number.
 * Must be finite.
 */
export function toNumber(v: ValueToken): number {
  const x = v.bracket !== "" ? evalRpn(v.text) : parsePlainNumber(v.text);
  if (!Number.isFinite(x)) throw new ValueError(`'${v.text}' is not a finite number`, "bad-number");
  return x;
}

/** Pascal Round(): half to even. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * An integer as OpenDSS reads one: quoted values are RPN and rounded, a plain decimal value
 * (`3.0`) is rounded too (Pascal Round, half to even).
 */
export function toInt(v: ValueToken): number {
  const x = toNumber(v);
  return Number.isInteger(x) ? x : roundHalfEven(x);
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
  const s = v.text;
  const n = s.length;
  const out: number[] = [];
  let i = 0;
  while (i < n) {
    while (i < n && isListSep(s.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isListSep(s.charCodeAt(i))) i++;
    out.push(parsePlainNumber(s.slice(start, i)));
  }
  return out;
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
