/**
 * Vsource (and the source created by `New Circuit`): a Thevenin source between bus1 and bus2
 * (bus2 defaults to the zero nodes of bus1, i.e. grounded wye), as a Norton equivalent: Yprim
 * = [Zinv −Zinv; −Zinv Zinv] and injection Yprim·[Vs; 0]. The impedance can be given as short-
 * circuit MVA, short-circuit currents, ohms (R1/X1/R0/X0, Z1/Z0/Z2) or per unit; for one phase
 * the zero- and negative-sequence impedances are forced equal to the positive (OpenDSS).
 */
import { invertInPlace } from "../complex.ts";
import type { ValueToken } from "../lexer.ts";
import { toInt, toNumber, toNumberArray, ValueError } from "../values.ts";
import {
  CktElement,
  type DssObject,
  type ElementRole,
  inert,
  type PropContext,
  type PropDef,
  pcElementProps,
  prop,
  type YPrimContext,
} from "./base.ts";
import type { LoadShape } from "./loadshape.ts";

const SQRT3 = Math.sqrt(3);
/**
 * OpenDSS converts source angles with the constant 57.29577951 (deg/rad, truncated), so a
 * source at angle 0 sits at 360° ⇒ 3.4e-10 rad; kept for bit-level agreement of angles.
 */
const RADIANS_TO_DEGREES = 57.29577951;

/** OpenDSS QuadSolver: the larger root of a x² + b x + c (or −c/b when a = 0). */
export function quadSolver(a: number, b: number, c: number): number {
  if (a === 0) return b !== 0 ? -c / b : 0;
  const mid = Math.sqrt(b * b - 4 * a * c);
  const x1 = (-b + mid) / (2 * a);
  const x2 = (-b - mid) / (2 * a);
  return Math.max(x1, x2);
}

function toComplexPair(v: ValueToken): [number, number] {
  const a = toNumberArray(v);
  if (a.length !== 2) throw new ValueError(`expected [real imag], got ${a.length} values`);
  return [a[0]!, a[1]!];
}

/** A voltage source. */
export class Vsource extends CktElement {
  readonly className = "Vsource";
  readonly role: ElementRole = "source";
  kVBase = 115;
  perUnit = 1;
  angle = 0;
  srcFrequency: number;
  mvasc3 = 2000;
  mvasc1 = 2100;
  isc3 = 10000;
  isc1 = 10540;
  x1r1 = 4;
  x0r0 = 3;
  r1 = 1.65;
  x1 = 6.6;
  r2 = 1.65;
  x2 = 6.6;
  r0 = 1.9;
  x0 = 5.7;
  baseMVA = 100;
  zBase = (115 * 115) / 100;
  puZ1: [number, number] = [0, 0];
  puZ0: [number, number] = [0, 0];
  puZ2: [number, number] = [0, 0];
  puZideal: [number, number] = [1e-6, 0.001];
  zSpecType = 1;
  bus2Defined = false;
  z1Specified = false;
  z2Specified = false;
  z0Specified = false;
  puZ1Specified = false;
  puZ0Specified = false;
  puZ2Specified = false;
  quasiIdeal = false;
  /** 1 positive, -1 negative, 0 zero sequence. */
  sequence = 1;
  daily: LoadShape | null = null;
  /** Phase impedance matrix (ohms, interleaved n×n). */
  z: Float64Array = new Float64Array(0);
  vMag = 0;
  /** Source voltages of terminal 1 (interleaved) for the present time. */
  private vSource: Float64Array = new Float64Array(0);
  /** Injection currents (interleaved, yorder). */
  injCurrent: Float64Array = new Float64Array(0);

  constructor(name: string, baseFrequency: number) {
    super(name, baseFrequency);
    this.srcFrequency = baseFrequency;
    this.setLayout(3, 3, 2);
    this.setBus(0, "sourcebus", undefined);
    this.defaultBus2();
    this.recalc();
  }

  get propDefs(): readonly PropDef<DssObject>[] {
    return VSOURCE_PROPS as PropDef<DssObject>[];
  }

  override ensureSized(): void {
    super.ensureSized();
    const n = this.yorder;
    if (this.injCurrent.length !== 2 * n) this.injCurrent = new Float64Array(2 * n);
  }

  override resize(): void {
    super.resize();
    if (this.vSource.length !== 2 * this.nPhases) this.vSource = new Float64Array(2 * this.nPhases);
  }

  /** Bus2 = zero nodes of bus1 (grounded wye) unless bus2 was given. */
  defaultBus2(cx?: PropContext): void {
    if (this.bus2Defined) return;
    const b = this.busSpec[0]!.split(".")[0]!;
    this.setBus(1, b + ".0".repeat(this.nPhases), cx);
  }

  setPhases(n: number): void {
    if (n < 1) throw new ValueError("phases must be >= 1");
    this.setLayout(n, n);
  }

  override endEdit(_cx: PropContext): void {
    this.recalc();
    this.yprimInvalid = true;
  }

  /** OpenDSS RecalcElementData: impedance matrix and source voltage magnitude. */
  recalc(): void {
    const n = this.nPhases;
    const factor = n === 1 ? 1 : SQRT3;
    let rs = 0;
    let rm = 0;
    let xs = 0.1;
    let xm = 0;
    const kv = this.kVBase;
    if (this.zSpecType === 1 || this.zSpecType === 2) {
      if (this.zSpecType === 2) {
        this.mvasc3 = (SQRT3 * kv * this.isc3) / 1000;
        this.mvasc1 = (factor * kv * this.isc1) / 1000;
      }
      this.x1 = (kv * kv) / this.mvasc3 / Math.sqrt(1 + 1 / (this.x1r1 * this.x1r1));
      this.r1 = this.x1 / this.x1r1;
      this.r2 = this.r1;
      this.x2 = this.x1;
      if (this.zSpecType === 1) {
        this.isc3 = (this.mvasc3 * 1000) / (SQRT3 * kv);
        this.isc1 = (this.mvasc1 * 1000) / (factor * kv);
      }
      const t = (3 * kv * 1000) / factor / this.isc1;
      this.r0 = quadSolver(
        1 + this.x0r0 * this.x0r0,
        4 * (this.r1 + this.x1 * this.x0r0),
        4 * (this.r1 * this.r1 + this.x1 * this.x1) - t * t,
      );
      if (Number.isNaN(this.r0))
        throw new ValueError(
          `${this.fullName}: cannot calculate a real-valued R0 (the single-phase short-circuit level is too high for the three-phase one and X0/R0); check the Vsource/Circuit definitions`,
        );
      this.x0 = this.r0 * this.x0r0;
      xs = (2 * this.x1 + this.x0) / 3;
      rs = (2 * this.r1 + this.r0) / 3;
      rm = (this.r0 - this.r1) / 3;
      xm = (this.x0 - this.x1) / 3;
    } else {
      if (this.puZ1Specified) {
        this.r1 = this.puZ1[0] * this.zBase;
        this.x1 = this.puZ1[1] * this.zBase;
        this.r2 = this.puZ2[0] * this.zBase;
        this.x2 = this.puZ2[1] * this.zBase;
        this.r0 = this.puZ0[0] * this.zBase;
        this.x0 = this.puZ0[1] * this.zBase;
      }
      this.isc3 = (kv * 1000) / SQRT3 / Math.hypot(this.r1, this.x1);
      if (n === 1) {
        this.r0 = this.r1;
        this.x0 = this.x1;
        this.r2 = this.r1;
        this.x2 = this.x1;
      }
      rs = (2 * this.r1 + this.r0) / 3;
      xs = (2 * this.x1 + this.x0) / 3;
      this.isc1 = (kv * 1000) / factor / Math.hypot(rs, xs);
      this.mvasc3 = (SQRT3 * kv * this.isc3) / 1000;
      this.mvasc1 = (factor * kv * this.isc1) / 1000;
      xm = xs - this.x1;
      rs = (2 * this.r1 + this.r0) / 3;
      rm = (this.r0 - this.r1) / 3;
    }
    const z = new Float64Array(2 * n * n);
    if (this.r1 === this.r2 && this.x1 === this.x2) {
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          z[2 * (i * n + j)] = i === j ? rs : rm;
          z[2 * (i * n + j) + 1] = i === j ? xs : xm;
        }
      }
    } else {
      const dr = (this.r1 + this.r2 + this.r0) / 3;
      const dx = (this.x1 + this.x2 + this.x0) / 3;
      for (let i = 0; i < n; i++) {
        z[2 * (i * n + i)] = dr;
        z[2 * (i * n + i) + 1] = dx;
      }
      if (n === 3) {
        // a = 1∠−120° (OpenDSS's Calpha conjugated); a² = 1∠120°... as in OpenDSS
        const a1: [number, number] = [-0.5, Math.sqrt(3) / 2];
        const a2: [number, number] = [-0.5, -Math.sqrt(3) / 2];
        const mul = (p: [number, number], q: [number, number]): [number, number] => [
          p[0] * q[0] - p[1] * q[1],
          p[0] * q[1] + p[1] * q[0],
        ];
        const z1: [number, number] = [this.r1, this.x1];
        const z2: [number, number] = [this.r2, this.x2];
        const z0: [number, number] = [this.r0, this.x0];
        const v2a = mul(a2, z2);
        const v2b = mul(a1, z1);
        const value2: [number, number] = [(v2a[0] + v2b[0] + z0[0]) / 3, (v2a[1] + v2b[1] + z0[1]) / 3];
        const v1a = mul(a2, z1);
        const v1b = mul(a1, z2);
        const value1: [number, number] = [(v1a[0] + v1b[0] + z0[0]) / 3, (v1a[1] + v1b[1] + z0[1]) / 3];
        const set = (i: number, j: number, v: [number, number]): void => {
          z[2 * (i * n + j)] = v[0];
          z[2 * (i * n + j) + 1] = v[1];
        };
        set(1, 0, value1);
        set(2, 0, value2);
        set(2, 1, value1);
        set(0, 1, value2);
        set(0, 2, value1);
        set(1, 2, value2);
      }
    }
    this.z = z;
    this.vMag = n === 1 ? kv * this.perUnit * 1000 : (kv * this.perUnit * 1000) / 2 / Math.sin(Math.PI / n);
  }

  calcYPrim(ctx: YPrimContext): void {
    const n = this.nPhases;
    const zinv = new Float64Array(2 * n * n);
    const fm = ctx.frequency / this.baseFrequency;
    if (fm - 1 < 1e-12 && this.quasiIdeal) {
      for (let i = 0; i < n; i++) {
        zinv[2 * (i * n + i)] = this.puZideal[0] * this.zBase;
        zinv[2 * (i * n + i) + 1] = this.puZideal[1] * this.zBase;
      }
    } else {
      for (let k = 0; k < n * n; k++) {
        zinv[2 * k] = this.z[2 * k]!;
        zinv[2 * k + 1] = this.z[2 * k + 1]! * fm;
      }
    }
    if (!invertInPlace(zinv, n)) {
      zinv.fill(0);
      for (let i = 0; i < n; i++) zinv[2 * (i * n + i)] = 1e12;
    }
    const m = this.yorder;
    const y = this.yprim;
    y.fill(0);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const re = zinv[2 * (i * n + j)]!;
        const im = zinv[2 * (i * n + j) + 1]!;
        const put = (r: number, c: number, a: number, b: number): void => {
          y[2 * (r * m + c)] = a;
          y[2 * (r * m + c) + 1] = b;
        };
        put(i, j, re, im);
        put(i + n, j + n, re, im);
        put(i, j + n, -re, -im);
        put(i + n, j, -re, -im);
      }
    }
    this.yprimSeries.set(y);
    const zero = new Float64Array(2 * n * n);
    this.branch = { a: zinv, s1: zero, s2: zero };
    this.yprimInvalid = false;
  }

  /** Source voltages of terminal 1 for the present time and mode. */
  private computeVSource(ctx: YPrimContext): void {
    const n = this.nPhases;
    let vmag: number;
    let actual = false;
    let mult = this.perUnit;
    if (ctx.mode === "daily") {
      if (this.daily) {
        const m = new Float64Array(2);
        this.daily.multAtHour(ctx.dblHour, m);
        mult = m[0]!;
        actual = this.daily.useActual;
      }
      vmag = actual
        ? 1000 * mult
        : n === 1
          ? this.kVBase * mult * 1000
          : (this.kVBase * mult * 1000) / 2 / Math.sin(Math.PI / n);
    } else {
      vmag = this.vMag;
    }
    if (Math.abs(ctx.frequency - this.srcFrequency) > 1e-9) vmag = 0;
    for (let i = 0; i < n; i++) {
      let ang: number;
      if (this.sequence === -1) ang = 360 + this.angle + (i * 360) / n;
      else if (this.sequence === 0) ang = 360 + this.angle;
      else ang = 360 + this.angle - (i * 360) / n;
      const rad = ang / RADIANS_TO_DEGREES;
      this.vSource[2 * i] = vmag * Math.cos(rad);
      this.vSource[2 * i + 1] = vmag * Math.sin(rad);
    }
  }

  /** Add the source injection Yprim·[Vs; 0] into I (interleaved by node). */
  injCurrents(I: Float64Array, ctx: YPrimContext): void {
    this.computeVSource(ctx);
    const n = this.nPhases;
    const m = this.yorder;
    const y = this.yprim;
    const inj = this.injCurrent;
    for (let r = 0; r < m; r++) {
      let sr = 0;
      let si = 0;
      for (let c = 0; c < n; c++) {
        const a = y[2 * (r * m + c)]!;
        const b = y[2 * (r * m + c) + 1]!;
        const vr = this.vSource[2 * c]!;
        const vi = this.vSource[2 * c + 1]!;
        sr += a * vr - b * vi;
        si += a * vi + b * vr;
      }
      inj[2 * r] = sr;
      inj[2 * r + 1] = si;
      const node = this.nodeRef[r]!;
      if (node !== 0) {
        I[2 * node] = I[2 * node]! + sr;
        I[2 * node + 1] = I[2 * node + 1]! + si;
      }
    }
  }
}

function zSpec(o: Vsource, t: number): void {
  o.zSpecType = t;
}

const VSOURCE_PROPS: PropDef<Vsource>[] = [
  prop("bus1", (o, v, cx) => {
    o.setBus(0, v.text, cx);
    o.defaultBus2(cx);
  }),
  prop("basekv", (o, v) => {
    o.kVBase = toNumber(v);
    o.zBase = (o.kVBase * o.kVBase) / o.baseMVA;
  }),
  prop("pu", (o, v) => {
    o.perUnit = toNumber(v);
  }),
  prop("angle", (o, v) => {
    o.angle = toNumber(v);
  }),
  prop("frequency", (o, v) => {
    o.srcFrequency = toNumber(v);
  }),
  prop("phases", (o, v) => {
    o.setPhases(toInt(v));
  }),
  prop("MVAsc3", (o, v) => {
    o.mvasc3 = toNumber(v);
    zSpec(o, 1);
  }),
  prop("MVAsc1", (o, v) => {
    o.mvasc1 = toNumber(v);
    zSpec(o, 1);
  }),
  prop("x1r1", (o, v) => {
    o.x1r1 = toNumber(v);
  }),
  prop("x0r0", (o, v) => {
    o.x0r0 = toNumber(v);
  }),
  prop("Isc3", (o, v) => {
    o.isc3 = toNumber(v);
    zSpec(o, 2);
  }),
  prop("Isc1", (o, v) => {
    o.isc1 = toNumber(v);
    zSpec(o, 2);
  }),
  prop("R1", (o, v) => {
    o.r1 = toNumber(v);
    o.r2 = o.r1;
    zSpec(o, 3);
  }),
  prop("X1", (o, v) => {
    o.x1 = toNumber(v);
    o.x2 = o.x1;
    zSpec(o, 3);
  }),
  prop("R0", (o, v) => {
    o.r0 = toNumber(v);
    zSpec(o, 3);
  }),
  prop("X0", (o, v) => {
    o.x0 = toNumber(v);
    zSpec(o, 3);
  }),
  prop("ScanType", (_o, v) => {
    if (!/^(pos|zero|none)/i.test(v.text.trim())) throw new ValueError("ScanType must be pos, zero or none");
  }),
  prop("Sequence", (o, v) => {
    const t = v.text.trim().toLowerCase();
    if (t.startsWith("p")) o.sequence = 1;
    else if (t.startsWith("n")) o.sequence = -1;
    else if (t.startsWith("z")) o.sequence = 0;
    else throw new ValueError("Sequence must be pos, neg or zero");
  }),
  prop("bus2", (o, v, cx) => {
    o.setBus(1, v.text, cx);
    o.bus2Defined = true;
  }),
  prop("Z1", (o, v) => {
    [o.r1, o.x1] = toComplexPair(v);
    o.z1Specified = true;
    if (!o.z2Specified) {
      o.r2 = o.r1;
      o.x2 = o.x1;
    }
    if (!o.z0Specified) {
      o.r0 = o.r1;
      o.x0 = o.x1;
    }
    zSpec(o, 3);
  }),
  prop("Z0", (o, v) => {
    [o.r0, o.x0] = toComplexPair(v);
    o.z0Specified = true;
    zSpec(o, 3);
  }),
  prop("Z2", (o, v) => {
    [o.r2, o.x2] = toComplexPair(v);
    o.z2Specified = true;
    zSpec(o, 3);
  }),
  prop("puZ1", (o, v) => {
    o.puZ1 = toComplexPair(v);
    o.puZ1Specified = true;
    o.z1Specified = true;
    if (!o.puZ2Specified) o.puZ2 = [...o.puZ1];
    if (!o.puZ0Specified) o.puZ0 = [...o.puZ1];
    zSpec(o, 3);
  }),
  prop("puZ0", (o, v) => {
    o.puZ0 = toComplexPair(v);
    o.puZ0Specified = true;
    zSpec(o, 3);
  }),
  prop("puZ2", (o, v) => {
    o.puZ2 = toComplexPair(v);
    o.puZ2Specified = true;
    zSpec(o, 3);
  }),
  prop("baseMVA", (o, v) => {
    o.baseMVA = toNumber(v);
    o.zBase = (o.kVBase * o.kVBase) / o.baseMVA;
  }),
  inert("Yearly"),
  prop("Daily", (o, v, cx) => {
    o.daily = findShape(v, cx);
  }),
  inert("Duty"),
  prop("Model", (o, v) => {
    const t = v.text.trim().toLowerCase();
    if (t.startsWith("t")) o.quasiIdeal = false;
    else if (t.startsWith("i")) o.quasiIdeal = true;
    else throw new ValueError("Model must be Thevenin or Ideal");
  }),
  prop("puZideal", (o, v) => {
    o.puZideal = toComplexPair(v);
  }),
  ...pcElementProps(),
];

/** Look up a LoadShape for a shape property (empty or "none" clears it). */
export function findShape(v: ValueToken, cx: PropContext): LoadShape | null {
  const t = v.text.trim();
  if (t === "" || t.toLowerCase() === "none") return null;
  const s = cx.findObject("LoadShape", t);
  if (!s) throw new ValueError(`LoadShape '${t}' is not defined`);
  return s as LoadShape;
}
