/**
 * LoadShape: multipliers versus time. With a fixed interval (hours) point k (1-based) applies at
 * hour k·interval, and the shape repeats (OpenDSS GetMultAtHour: index = round(hour/interval),
 * wrapped to 1..npts, banker's rounding as Pascal's Round). With explicit hours the multiplier
 * is interpolated linearly. Q multipliers default to the P multipliers (0 when UseActual).
 */
import type { ValueToken } from "../lexer.ts";
import { parsePlainNumber, toBool, toInt, toNumber, toNumberArray, ValueError } from "../values.ts";
import { DssObject, inert, type PropContext, type PropDef, prop, unsupported } from "./base.ts";

/** Pascal Round(): round half to even. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

function readValues(v: ValueToken, cx: PropContext): number[] {
  const m = /^\s*(file|csvfile)\s*=\s*(\S+)(.*)$/i.exec(v.text);
  if (!m) return toNumberArray(v);
  const path = m[2]!;
  const text = cx.readDataFile(path);
  const colMatch = /col\s*=\s*(\d+)/i.exec(m[3] ?? "");
  const col = colMatch ? Number(colMatch[1]) - 1 : 0;
  const out: number[] = [];
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (t === "") continue;
    const cells = t.split(/[\s,]+/);
    const cell = cells[col];
    if (cell === undefined) throw new ValueError(`data file '${path}' has no column ${col + 1}`);
    out.push(parsePlainNumber(cell));
  }
  return out;
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

  /** Number of points in use. */
  get numPoints(): number {
    return this.nptsSet ? this.npts : this.pmult.length;
  }

  get propDefs(): readonly PropDef<DssObject>[] {
    return LOADSHAPE_PROPS as PropDef<DssObject>[];
  }

  override endEdit(_cx: PropContext): void {
    if (this.nptsSet && this.pmult.length > 0 && this.pmult.length < this.npts) {
      throw new ValueError(
        `LoadShape.${this.name}: npts=${this.npts} but only ${this.pmult.length} multipliers`,
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
  o.pmult = readValues(v, cx);
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
    o.hours = readValues(v, cx);
    o.interval = 0;
  }),
  inert("mean", "number"),
  inert("stddev", "number"),
  prop("csvfile", (o, v, cx) => {
    o.pmult = readValues({ text: `file=${v.text}`, bracket: "(" }, cx);
  }),
  unsupported("sngfile"),
  unsupported("dblfile"),
  prop("action", (o, v) => {
    const t = v.text.toLowerCase();
    if (t.startsWith("n")) o.normalize();
    else throw new ValueError(`action '${v.text}' not supported (only Normalize)`);
  }),
  prop("qmult", (o, v, cx) => {
    o.qmult = readValues(v, cx);
  }),
  prop("UseActual", (o, v) => {
    o.useActual = toBool(v);
  }),
  inert("Pmax", "number"),
  inert("Qmax", "number"),
  prop("sinterval", (o, v) => {
    o.interval = toNumber(v) / 3600;
  }),
  prop("minterval", (o, v) => {
    o.interval = toNumber(v) / 60;
  }),
  inert("Pbase", "number"),
  inert("Qbase", "number"),
  prop("Pmult", setMult),
  unsupported("PQCSVFile"),
  inert("MemoryMapping", "bool"),
  unsupported("Interpolation"),
];
