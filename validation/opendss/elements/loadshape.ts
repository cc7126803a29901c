/**
 * LoadShape: multipliers versus time. With a fixed interval (hours) point k (1-based) applies at
 * hour k·interval, and the shape repeats (OpenDSS GetMultAtHour: index = round(hour/interval),
 * wrapped to 1..npts, banker's rounding as Pascal's Round). With explicit hours the multiplier
 * is interpolated linearly. Q multipliers default to the P multipliers (0 when UseActual).
 */
import type { ValueToken } from "../lexer.ts";
import { tokenize } from "../lexer.ts";
import { toBool, toInt, toNumber, toNumberArray, ValueError } from "../values.ts";
import { DssObject, inert, type PropContext, type PropDef, prop, unsupported } from "./base.ts";

/** Pascal Round(): round half to even. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Read one value per line from a text data file as OpenDSS's InterpretDblArray does: the
 * `column`-th blank- or comma-separated field of each line (a blank line reads as 0), after an
 * optional header line, up to `max` values.
 */
function readColumn(text: string, path: string, column: number, header: boolean, max: number): number[] {
  const lines = text.split(/\r?\n/);
  // OpenDSS stops when at most one byte (the final newline) is left: a trailing empty line is no value
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const out: number[] = [];
  for (let i = header ? 1 : 0; i < lines.length && out.length < max; i++) {
    const params = tokenize(lines[i]!);
    const p = params[column - 1];
    if (p === undefined) {
      out.push(0);
      continue;
    }
    try {
      out.push(toNumber(p.value));
    } catch (e) {
      if (e instanceof ValueError)
        throw new ValueError(`data file '${path}' line ${i + 1}: ${e.message}`, "bad-number");
      throw e;
    }
  }
  return out;
}

/** Values of a binary file of float32 (`sngfile`) or float64 (`dblfile`) numbers, up to `max`. */
function readBinary(bytes: Uint8Array, single: boolean, max: number): number[] {
  const size = single ? 4 : 8;
  const n = Math.min(Math.floor(bytes.byteLength / size), max);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = new Array(n);
  for (let i = 0; i < n; i++)
    out[i] = single ? view.getFloat32(i * size, true) : view.getFloat64(i * size, true);
  return out;
}

/** OpenDSS CompareTextShortest: equal over the length of the shorter text (case-insensitive). */
function shortestMatch(a: string, b: string): boolean {
  const n = Math.min(a.length, b.length);
  return n > 0 && a.slice(0, n).toLowerCase() === b.slice(0, n).toLowerCase();
}

/**
 * An array property of numbers (OpenDSS InterpretDblArray): a list `[1 2 3]`, or a file given
 * inside the value — `(file=name.txt)` with options `column=` and `header=`, `(dblfile=…)` or
 * `(sngfile=…)` — read up to `max` values.
 */
export function readDblArray(v: ValueToken, cx: PropContext, max = Number.POSITIVE_INFINITY): number[] {
  const params = tokenize(v.text);
  const first = params[0];
  const name = first?.name?.toLowerCase() ?? "";
  if (first && name === "file") {
    let column = 1;
    let header = false;
    for (const p of params.slice(1)) {
      const n = p.name ?? "";
      if (shortestMatch(n, "column")) column = toInt(p.value);
      else if (shortestMatch(n, "header")) header = toBool(p.value);
    }
    const path = first.value.text;
    return readColumn(cx.readDataFile(path), path, column, header, max);
  }
  if (first && name.length > 0 && (shortestMatch(name, "dblfile") || shortestMatch(name, "sngfile"))) {
    return readBinary(cx.readDataBytes(first.value.text), shortestMatch(name, "sngfile"), max);
  }
  const a = toNumberArray(v);
  return Number.isFinite(max) ? a.slice(0, max) : a;
}

/**
 * A LoadShape's own data-file properties (csvfile, sngfile, dblfile): one multiplier per line or
 * value, or (hour, multiplier) pairs when the shape has explicit hours (interval=0); up to npts
 * points, and npts drops to the number read.
 */
function readShapeFile(o: LoadShape, v: ValueToken, cx: PropContext, kind: "csv" | "sng" | "dbl"): void {
  const max = o.npts;
  const hours = o.interval === 0;
  const h: number[] = [];
  const m: number[] = [];
  if (kind === "csv") {
    const lines = cx.readDataFile(v.text).split(/\r?\n/);
    if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    for (let i = 0; i < lines.length && m.length < max; i++) {
      const p = tokenize(lines[i]!);
      const at = (k: number): number => (p[k] ? toNumber(p[k]!.value) : 0);
      if (hours) {
        h.push(at(0));
        m.push(at(1));
      } else m.push(at(0));
    }
  } else {
    const all = readBinary(cx.readDataBytes(v.text), kind === "sng", Number.POSITIVE_INFINITY);
    if (hours) {
      for (let i = 0; i + 1 < all.length && m.length < max; i += 2) {
        h.push(all[i]!);
        m.push(all[i + 1]!);
      }
    } else m.push(...all.slice(0, max));
  }
  o.pmult = m;
  if (hours) o.hours = h;
  o.npts = m.length;
}

/** A LoadShape object. */
export class LoadShape extends DssObject {
  readonly className = "LoadShape";
  npts = 0;
  /** Interval in hours; 0 means explicit hours. */
  interval = 1;
  pmult: number[] = [];
  qmult: number[] | null = null;
  hours: number[] | null = null;
  useActual = false;
  private lastIndex = 0;
  private nptsSet = false;

  /** True once npts has been given. */
  get nptsGiven(): boolean {
    return this.nptsSet;
  }

  /**
   * Number of points in use: npts (OpenDSS reads at most npts multipliers, so a shape whose mult
   * comes before npts has no points and multiplies by 1).
   */
  get numPoints(): number {
    return this.npts;
  }

  get propDefs(): readonly PropDef<DssObject>[] {
    return LOADSHAPE_PROPS as PropDef<DssObject>[];
  }

  override endEdit(_cx: PropContext): void {
    if (this.pmult.length < this.npts) {
      throw new ValueError(
        `LoadShape.${this.name}: npts=${this.npts} but only ${this.pmult.length} multipliers` +
          (this.pmult.length === 0 ? " (give npts before mult: OpenDSS reads at most npts values)" : ""),
      );
    }
  }

  private qAt(i: number, p: number): number {
    return this.qmult ? (this.qmult[i] ?? 0) : this.useActual ? 0 : p;
  }

  /** Multiplier (P, Q) at hour `hr`, written into out[0] and out[1] (no allocation). */
  multAtHour(hr: number, out: Float64Array): void {
    const np = this.numPoints;
    if (np <= 0) {
      out[0] = 1;
      out[1] = 1;
      return;
    }
    let idx: number;
    if (np === 1) idx = 0;
    else if (this.interval > 0) {
      let i = roundHalfEven(hr / this.interval);
      if (i > np) i = i % np;
      if (i === 0) i = np;
      idx = i - 1;
    } else {
      this.interpolate(hr, out);
      return;
    }
    const p = this.pmult[idx]!;
    out[0] = p;
    out[1] = this.qAt(idx, p);
  }

  /** Explicit hours: nearest point or linear interpolation (OpenDSS). */
  private interpolate(hr: number, out: Float64Array): void {
    const np = this.numPoints;
    const h = this.hours!;
    let t = hr;
    if (t > h[np - 1]!) t = t - Math.trunc(t / h[np - 1]!) * h[np - 1]!;
    if (h[this.lastIndex]! > t) this.lastIndex = 0;
    for (let i = this.lastIndex; i < np; i++) {
      if (Math.abs(h[i]! - t) < 0.00001) {
        this.lastIndex = i;
        const p = this.pmult[i]!;
        out[0] = p;
        out[1] = this.qAt(i, p);
        return;
      }
      if (h[i]! > t) {
        this.lastIndex = i - 1;
        const a = i - 1;
        const f = (t - h[a]!) / (h[i]! - h[a]!);
        const p = this.pmult[a]! + f * (this.pmult[i]! - this.pmult[a]!);
        out[0] = p;
        out[1] = this.qmult ? this.qmult[a]! + f * (this.qmult[i]! - this.qmult[a]!) : this.useActual ? 0 : p;
        return;
      }
    }
    this.lastIndex = np - 2;
    const p = this.pmult[np - 2]!;
    out[0] = p;
    out[1] = this.qAt(np - 2, p);
  }

  /** Normalize P (and Q) multipliers to a peak of 1 (Action=Normalize). */
  normalize(): void {
    const norm = (a: number[]): void => {
      let m = 0;
      for (const x of a) m = Math.max(m, Math.abs(x));
      if (m === 0) m = 1;
      for (let i = 0; i < a.length; i++) a[i] = a[i]! / m;
    };
    norm(this.pmult);
    if (this.qmult) norm(this.qmult);
    this.useActual = false;
  }
}

const setMult = (o: LoadShape, v: ValueToken, cx: PropContext): void => {
  const file = v.bracket !== "" && /^\s*\w+\s*=/.test(v.text);
  if (!o.nptsGiven)
    cx.warn?.(
      `LoadShape.${o.name}: mult given before npts; OpenDSS reads no points (the shape multiplies by 1)`,
    );
  o.pmult = readDblArray(v, cx, o.npts);
  // a file with fewer values than npts lowers npts (OpenDSS)
  if (file && o.pmult.length < o.npts) o.npts = o.pmult.length;
};

const LOADSHAPE_PROPS: PropDef<LoadShape>[] = [
  prop("npts", (o, v) => {
    o.npts = toInt(v);
    (o as unknown as { nptsSet: boolean }).nptsSet = true;
  }),
  prop("interval", (o, v) => {
    o.interval = toNumber(v);
  }),
  prop("mult", setMult),
  prop("hour", (o, v, cx) => {
    o.hours = readDblArray(v, cx, o.npts);
    o.interval = 0;
  }),
  inert("mean", "number"),
  inert("stddev", "number"),
  prop("csvfile", (o, v, cx) => readShapeFile(o, v, cx, "csv")),
  prop("sngfile", (o, v, cx) => readShapeFile(o, v, cx, "sng")),
  prop("dblfile", (o, v, cx) => readShapeFile(o, v, cx, "dbl")),
  prop("action", (o, v) => {
    const t = v.text.toLowerCase();
    if (t.startsWith("n")) o.normalize();
    else throw new ValueError(`action '${v.text}' not supported (only Normalize)`);
  }),
  prop("qmult", (o, v, cx) => {
    o.qmult = readDblArray(v, cx, o.npts);
  }),
  prop("UseActual", (o, v) => {
    o.useActual = toBool(v);
  }),
  inert("Pmax", "number"),
  inert("Qmax", "number"),
  prop("sinterval", (o, v) => {
    o.interval = toNumber(v) * (1 / 3600);
  }),
  prop("minterval", (o, v) => {
    o.interval = toNumber(v) * (1 / 60);
  }),
  inert("Pbase", "number"),
  inert("Qbase", "number"),
  prop("Pmult", setMult),
  unsupported("PQCSVFile"),
  inert("MemoryMapping", "bool"),
  unsupported("Interpolation"),
];
