/**
 * Reactor: a series or shunt R + jX branch (OpenDSS TReactorObj). Wye reactors are
 * two-terminal; bus2 defaults to the zero nodes of bus1, which makes a grounded shunt, and a
 * bus2 on another bus makes a series element. Delta reactors have one terminal (phase to next
 * phase). The impedance is given as kvar at kV (per phase X = kV_phase²·1000/(kvar/phases)),
 * as R and X (Ω, X fixed at the base frequency as an inductance), as LmH, as R and X matrices
 * (series, or `Parallel=yes` for parallel R and X), or as sequence impedances Z1, Z2, Z0.
 * `Rp` adds a parallel conductance.
 *
 * Like OpenDSS, an element whose bus2 is on the same bus as bus1 stays a "shunt" (e.g. a
 * neutral-to-ground reactor between nodes 4 and 10 of one bus): it is left out of the circuit
 * losses, and only the diagonal of its primitive Y (all of it for one phase, 1e-10 of it
 * otherwise) goes into the series Y used by the zero-load snapshot.
 */
import { invertInPlace } from "../complex.ts";
import type { ValueToken } from "../lexer.ts";
import { toBool, toInt, toNumber, toNumberArray, toSymMatrix, ValueError } from "../values.ts";
import {
  CktElement,
  cktElementProps,
  type DssObject,
  type ElementRole,
  type PropContext,
  type PropDef,
  pdRatingProps,
  prop,
  type YPrimContext,
} from "./base.ts";
import { type Connection, toConnection } from "./pc.ts";

const TWO_PI = 2 * Math.PI;
const SQRT3 = Math.sqrt(3);

/** How the impedance was specified (OpenDSS SpecType). */
type ReactorSpec = "kvar" | "rx" | "matrix" | "sequence";

/** A reactor. */
export class Reactor extends CktElement {
  readonly className = "Reactor";
  readonly role: ElementRole = "PD";
  kvarRating = 100;
  kvRating = 12.47;
  /** Series impedance (Ω) and inductance (H) of the R + jX forms. */
  r = 0;
  x = (12.47 * 12.47 * 1000) / 100;
  l = 0;
  rp = 0;
  rpSpecified = false;
  isParallel = false;
  connection: Connection = "wye";
  spec: ReactorSpec = "kvar";
  rMatrix: Float64Array | null = null;
  xMatrix: Float64Array | null = null;
  z1: [number, number] = [0, 0];
  z2: [number, number] = [0, 0];
  z0: [number, number] = [0, 0];
  z2Specified = false;
  z0Specified = false;
  isShunt = true;
  bus2Defined = false;

  constructor(name: string, baseFrequency: number) {
    super(name, baseFrequency);
    this.setLayout(3, 3, 2);
    this.busSpec[0] = `${this.name}_1`;
    this.busSpec[1] = `${this.name}_1.0.0.0`;
    this.recalc();
  }

  get propDefs(): readonly PropDef<DssObject>[] {
    return REACTOR_PROPS as PropDef<DssObject>[];
  }

  /** OpenDSS RecalcElementData: X from kvar and kV, and the inductance. */
  recalc(): void {
    if (this.spec === "kvar") {
      const kvarPerPhase = this.kvarRating / this.nPhases;
      let phaseKv = this.kvRating;
      if (this.connection !== "delta" && (this.nPhases === 2 || this.nPhases === 3))
        phaseKv = this.kvRating / SQRT3;
      this.x = (phaseKv * phaseKv * 1000) / kvarPerPhase;
      this.l = this.x / TWO_PI / this.baseFrequency;
    } else if (this.spec === "rx") {
      this.l = this.x / TWO_PI / this.baseFrequency;
    }
  }

  override endEdit(_cx: PropContext): void {
    if (this.spec === "matrix" && (!this.rMatrix || !this.xMatrix))
      throw new ValueError(`${this.fullName}: give both Rmatrix and Xmatrix`);
    this.recalc();
    this.yprimInvalid = true;
  }

  /** Phase impedance matrix (interleaved n×n) of the matrix or sequence forms at frequency ratio fm. */
  private phaseZ(fm: number): Float64Array {
    const n = this.nPhases;
    const z = new Float64Array(2 * n * n);
    if (this.spec === "matrix") {
      for (let k = 0; k < n * n; k++) {
        z[2 * k] = this.rMatrix![k]!;
        z[2 * k + 1] = this.xMatrix![k]! * fm;
      }
      return z;
    }
    const [z1, z2, z0] = [this.z1, this.z2, this.z0];
    const s: [number, number] = n === 1 ? [...z1] : [z2[0] + z1[0] + z0[0], z2[1] + z1[1] + z0[1]];
    s[1] *= fm;
    for (let i = 0; i < n; i++) {
      z[2 * (i * n + i)] = s[0] / 3;
      z[2 * (i * n + i) + 1] = s[1] / 3;
    }
    if (n === 3) {
      // a = 1∠−120° (the textbooks' 1∠120° conjugated), a² = 1∠−240°
      const a: [number, number] = [-0.5, -Math.sqrt(3) / 2];
      const a2: [number, number] = [a[0] * a[0] - a[1] * a[1], 2 * a[0] * a[1]];
      const mul = (p: [number, number], q: [number, number]): [number, number] => [
        p[0] * q[0] - p[1] * q[1],
        p[0] * q[1] + p[1] * q[0],
      ];
      const t1 = mul(a2, z2);
      const t2 = mul(a, z1);
      const v2: [number, number] = [t1[0] + t2[0] + z0[0], t1[1] + t2[1] + z0[1]];
      const u1 = mul(a2, z1);
      const u2 = mul(a, z2);
      const v1: [number, number] = [u1[0] + u2[0] + z0[0], u1[1] + u2[1] + z0[1]];
      v1[1] *= fm;
      v2[1] *= fm;
      const put = (i: number, j: number, v: [number, number]): void => {
        z[2 * (i * n + j)] = v[0] / 3;
        z[2 * (i * n + j) + 1] = v[1] / 3;
      };
      put(1, 0, v1);
      put(2, 0, v2);
      put(2, 1, v1);
      put(0, 1, v2);
      put(0, 2, v1);
      put(1, 2, v2);
    }
    return z;
  }

  calcYPrim(ctx: YPrimContext): void {
    const m = this.yorder;
    const n = this.nPhases;
    const y = new Float64Array(2 * m * m);
    const f = ctx.frequency;
    const fm = f / this.baseFrequency;
    const at = (i: number, j: number): number => 2 * (i * m + j);
    const set = (i: number, j: number, re: number, im: number): void => {
      y[at(i, j)] = re;
      y[at(i, j) + 1] = im;
    };
    const add = (i: number, j: number, re: number, im: number): void => {
      y[at(i, j)] = y[at(i, j)]! + re;
      y[at(i, j) + 1] = y[at(i, j) + 1]! + im;
    };
    if (this.spec === "kvar" || this.spec === "rx") {
      const zr = this.r;
      const zi = this.l * TWO_PI * f;
      const d = zr * zr + zi * zi;
      let vr = zr / d;
      const vi = -zi / d;
      if (this.rpSpecified && this.rp !== 0) vr += 1 / this.rp;
      if (this.connection === "delta") {
        for (let i = 0; i < n; i++) {
          let j = i + 1;
          if (j >= this.nConds) j = 0;
          add(i, i, vr, vi);
          add(j, j, vr, vi);
          add(i, j, -vr, -vi);
          add(j, i, -vr, -vi);
        }
      } else {
        for (let i = 0; i < n; i++) {
          const j = i + n;
          set(i, i, vr, vi);
          set(j, j, vr, vi);
          set(i, j, -vr, -vi);
          set(j, i, -vr, -vi);
        }
      }
    } else {
      let yp: Float64Array;
      if (this.spec === "matrix" && this.isParallel) {
        const g = Float64Array.from(this.rMatrix!);
        const b = Float64Array.from(this.xMatrix!, (x) => -x);
        if (!invertReal(g, n)) g.fill(0);
        if (!invertReal(b, n)) b.fill(0);
        yp = new Float64Array(2 * n * n);
        for (let k = 0; k < n * n; k++) {
          yp[2 * k] = g[k]!;
          yp[2 * k + 1] = fm > 0 ? b[k]! / fm : 0;
        }
      } else {
        yp = this.phaseZ(fm);
        if (!invertInPlace(yp, n)) {
          yp.fill(0);
          for (let i = 0; i < n; i++) yp[2 * (i * n + i)] = 1e-12;
        }
      }
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const re = yp[2 * (i * n + j)]!;
          const im = yp[2 * (i * n + j) + 1]!;
          set(i, j, re, im);
          set(i + n, j + n, re, im);
          set(i, j + n, -re, -im);
          set(j + n, i, -re, -im);
        }
      }
    }
    this.yprim.set(y);
    const ys = this.yprimSeries;
    if (this.isShunt) {
      ys.fill(0);
      const s = n === 1 ? 1 : 1e-10;
      for (let i = 0; i < m; i++) {
        ys[at(i, i)] = y[at(i, i)]! * s;
        ys[at(i, i) + 1] = y[at(i, i) + 1]! * s;
      }
    } else ys.set(y);
    this.branch = null;
    this.yprimInvalid = false;
  }
}

/** Invert a real n×n matrix in place; false when singular. */
function invertReal(a: Float64Array, n: number): boolean {
  const c = new Float64Array(2 * n * n);
  for (let k = 0; k < n * n; k++) c[2 * k] = a[k]!;
  if (!invertInPlace(c, n)) return false;
  for (let k = 0; k < n * n; k++) a[k] = c[2 * k]!;
  return true;
}

/** A complex value `[r x]` (or `r x`). */
function toComplex(v: ValueToken): [number, number] {
  const a = toNumberArray(v);
  if (a.length !== 2) throw new ValueError("expected a complex value [R X]");
  return [a[0]!, a[1]!];
}

function setNConds(o: Reactor): void {
  const nc = o.connection === "delta" && (o.nPhases === 1 || o.nPhases === 2) ? o.nPhases + 1 : o.nPhases;
  o.setLayout(o.nPhases, nc);
}

const REACTOR_PROPS: PropDef<Reactor>[] = [
  prop("bus1", (o, v, cx) => {
    o.setBus(0, v.text, cx);
    if (!o.bus2Defined && o.nTerms > 1) {
      const b = o.busSpec[0]!.split(".")[0]!;
      o.setBus(1, b + ".0".repeat(o.nPhases), cx);
      o.isShunt = true;
    }
  }),
  prop("bus2", (o, v, cx) => {
    if (o.nTerms < 2) throw new ValueError("a delta reactor has no bus2");
    o.setBus(1, v.text, cx);
    if (o.busSpec[0]!.split(".")[0] !== o.busSpec[1]!.split(".")[0]) {
      o.isShunt = false;
      o.bus2Defined = true;
    }
  }),
  prop("phases", (o, v, cx) => {
    const n = toInt(v);
    if (n < 1) throw new ValueError("phases must be >= 1");
    o.nPhases = n;
    setNConds(o);
    cx.busesChanged();
  }),
  prop("kvar", (o, v) => {
    o.kvarRating = toNumber(v);
    o.spec = "kvar";
    o.yprimInvalid = true;
  }),
  prop("kv", (o, v) => {
    o.kvRating = toNumber(v);
    if (o.kvRating < 0) throw new ValueError("kv must be >= 0");
    o.yprimInvalid = true;
  }),
  prop("conn", (o, v, cx) => {
    o.connection = toConnection(v);
    const terms = o.connection === "delta" ? 1 : 2;
    o.nTerms = terms;
    setNConds(o);
    if (terms === 2 && (o.busSpec[1] ?? "") === "")
      o.busSpec[1] = `${o.busSpec[0]!.split(".")[0]}${".0".repeat(o.nPhases)}`;
    cx.busesChanged();
  }),
  prop("Rmatrix", (o, v) => {
    o.rMatrix = toSymMatrix(v, o.nPhases);
    o.spec = "matrix";
    o.yprimInvalid = true;
  }),
  prop("Xmatrix", (o, v) => {
    o.xMatrix = toSymMatrix(v, o.nPhases);
    o.spec = "matrix";
    o.yprimInvalid = true;
  }),
  prop("Parallel", (o, v) => {
    o.isParallel = toBool(v);
    o.yprimInvalid = true;
  }),
  prop("R", (o, v) => {
    o.r = toNumber(v);
    o.yprimInvalid = true;
  }),
  prop("X", (o, v) => {
    o.x = toNumber(v);
    o.spec = "rx";
    o.yprimInvalid = true;
  }),
  prop("Rp", (o, v) => {
    o.rp = toNumber(v);
    o.rpSpecified = true;
    o.yprimInvalid = true;
  }),
  prop("Z1", (o, v) => {
    o.z1 = toComplex(v);
    o.spec = "sequence";
    if (!o.z2Specified) o.z2 = [...o.z1];
    if (!o.z0Specified) o.z0 = [...o.z1];
    o.yprimInvalid = true;
  }),
  prop("Z2", (o, v) => {
    o.z2 = toComplex(v);
    o.z2Specified = true;
    o.yprimInvalid = true;
  }),
  prop("Z0", (o, v) => {
    o.z0 = toComplex(v);
    o.z0Specified = true;
    o.yprimInvalid = true;
  }),
  prop("Z", (o, v) => {
    [o.r, o.x] = toComplex(v);
    o.spec = "rx";
    o.yprimInvalid = true;
  }),
  prop("RCurve", (_o, v) => {
    throw new ValueError(`RCurve=${v.text}: frequency-dependent reactors are not supported by this engine`);
  }),
  prop("LCurve", (_o, v) => {
    throw new ValueError(`LCurve=${v.text}: frequency-dependent reactors are not supported by this engine`);
  }),
  prop("LmH", (o, v) => {
    o.l = toNumber(v) * 1e-3;
    o.spec = "rx";
    o.x = o.l * TWO_PI * o.baseFrequency;
    o.yprimInvalid = true;
  }),
  ...pdRatingProps<Reactor>(),
  ...cktElementProps<Reactor>(true),
];
