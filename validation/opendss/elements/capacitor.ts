/**
 * Capacitor: a (possibly multi-step) constant-admittance bank. Wye banks are two-terminal
 * elements whose bus2 defaults to the zero nodes of bus1 (a grounded shunt); delta banks have one
 * terminal. Per phase C = kvar/nphases / (ω·kV_phase²). As in OpenDSS, every step uses the kvar
 * of step 1 for its capacitance. A shunt bank contributes only 1e-10 of its diagonal to the
 * series Y used by the zero-load snapshot.
 */
import { invertInPlace } from "../complex.ts";
import { toInt, toNumber, toNumberArray, toSymMatrix, ValueError } from "../values.ts";
import {
  CktElement,
  cktElementProps,
  type DssObject,
  diagonalTimes,
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

/** A capacitor bank. */
export class Capacitor extends CktElement {
  readonly className = "Capacitor";
  readonly role: ElementRole = "PD";
  kvRating = 12.47;
  kvar: number[] = [1200];
  cF: number[] = [];
  r: number[] = [0];
  xl: number[] = [0];
  harm: number[] = [0];
  states: number[] = [1];
  numSteps = 1;
  connection: Connection = "wye";
  /** 1 = kvar, 2 = cuf, 3 = cmatrix. */
  specType = 1;
  cmatrix: Float64Array | null = null;
  isShunt = true;
  bus2Defined = false;
  doHarmonicRecalc = false;
  /** Highest step in service (1-based; 0 = none), as OpenDSS keeps it for CapControl. */
  lastStepInService = 1;
  /** OpenDSS's FTotalkvar: the bank's rated kvar, all steps (set by recalc). */
  totalKvar = 0;

  constructor(name: string, baseFrequency: number) {
    super(name, baseFrequency);
    this.setLayout(3, 3, 2);
    this.busSpec[0] = `${this.name}_1`;
    this.busSpec[1] = `${this.name}_1.0.0.0`;
    this.recalc();
  }

  get propDefs(): readonly PropDef<DssObject>[] {
    return CAPACITOR_PROPS as PropDef<DssObject>[];
  }

  setNumSteps(k: number): void {
    if (k <= 0 || k === this.numSteps) return;
    const prev = this.numSteps;
    const total = this.kvar[0]!;
    const rStep = this.r[0]! * k;
    const xlStep = this.xl[0]! * k;
    this.numSteps = k;
    const resize = (a: number[], fill: number): number[] => {
      const out = a.slice(0, k);
      while (out.length < k) out.push(fill);
      return out;
    };
    this.kvar = resize(this.kvar, 0);
    this.cF = resize(this.cF, this.cF[0] ?? 0);
    this.r = resize(this.r, 0);
    this.xl = resize(this.xl, 0);
    this.harm = resize(this.harm, this.harm[0] ?? 0);
    this.states = resize(this.states, 1);
    if (prev === 1) {
      if (this.specType === 1) {
        for (let i = 0; i < k; i++) this.kvar[i] = total / k;
        for (let i = 0; i < k; i++) {
          this.r[i] = rStep;
          this.xl[i] = xlStep;
        }
      } else {
        for (let i = 1; i < k; i++) {
          this.cF[i] = this.cF[0]!;
          this.r[i] = this.r[0]!;
          this.xl[i] = this.xl[0]!;
        }
      }
      for (let i = 0; i < k; i++) this.states[i] = 1;
      this.lastStepInService = k;
      for (let i = 1; i < k; i++) this.harm[i] = this.harm[0]!;
    }
    this.yprimInvalid = true;
  }

  /** OpenDSS FindLastStepInService: the highest step that is on. */
  findLastStepInService(): void {
    this.lastStepInService = 0;
    for (let i = this.numSteps; i >= 1; i--) {
      if (this.states[i - 1] === 1) {
        this.lastStepInService = i;
        break;
      }
    }
  }

  /** Steps that can still be switched in. */
  get availableSteps(): number {
    return this.numSteps - this.lastStepInService;
  }

  /** Switch in the next step; false when all are in. */
  addStep(): boolean {
    if (this.lastStepInService === this.numSteps) return false;
    this.lastStepInService++;
    this.setState(this.lastStepInService, 1);
    return true;
  }

  /** Switch out the last step in service; false when none is left in service afterwards. */
  subtractStep(): boolean {
    if (this.lastStepInService === 0) return false;
    this.setState(this.lastStepInService, 0);
    this.lastStepInService--;
    return this.lastStepInService !== 0;
  }

  private setState(step: number, v: number): void {
    if (this.states[step - 1] !== v) {
      this.states[step - 1] = v;
      this.yprimInvalid = true;
    }
  }

  /** True when every phase conductor of terminal `term` (1-based) is closed. */
  terminalClosed(term: number): boolean {
    const o = this.openConductors;
    if (!o || o.length !== this.yorder) return true;
    for (let c = 0; c < this.nPhases; c++) if (o[(term - 1) * this.nConds + c]) return false;
    return true;
  }

  /** OpenDSS RecalcElementData: capacitance per step. */
  recalc(): void {
    const w = TWO_PI * this.baseFrequency;
    let phaseKV = 1;
    if (this.specType === 1 || this.specType === 2) {
      if (this.connection === "delta") phaseKV = this.kvRating;
      else phaseKV = this.nPhases === 2 || this.nPhases === 3 ? this.kvRating / SQRT3 : this.kvRating;
    }
    this.totalKvar = 0;
    if (this.specType === 1) {
      this.cF = [];
      for (let i = 0; i < this.numSteps; i++) {
        this.cF.push(1 / ((w * phaseKV * phaseKV * 1000) / (this.kvar[0]! / this.nPhases)));
        this.totalKvar += this.kvar[i]!;
      }
    } else if (this.specType === 2) {
      for (let i = 0; i < this.numSteps; i++) this.totalKvar += (w * this.cF[i]! * phaseKV * phaseKV) / 1000;
    }
    if (this.doHarmonicRecalc) {
      for (let i = 0; i < this.numSteps; i++) {
        const h = this.harm[i]!;
        this.xl[i] = h !== 0 ? 1 / (w * this.cF[i]!) / (h * h) : 0;
        if (this.r[i] === 0) this.r[i] = this.xl[i]! / 1000;
      }
    }
  }

  override endEdit(_cx: PropContext): void {
    this.recalc();
    this.yprimInvalid = true;
  }

  calcYPrim(ctx: YPrimContext): void {
    const m = this.yorder;
    const n = this.nPhases;
    const work = new Float64Array(2 * m * m);
    const total = new Float64Array(2 * m * m);
    const fm = ctx.frequency / this.baseFrequency;
    const w = TWO_PI * ctx.frequency;
    const at = (i: number, j: number): number => 2 * (i * m + j);
    for (let s = 0; s < this.numSteps; s++) {
      if (this.states[s] !== 1) continue;
      // OpenDSS adds a delta step into the same work matrix without clearing it, so with several
      // steps energized the earlier ones count again (reproduced); other forms overwrite it
      const delta = this.connection === "delta" && (this.specType === 1 || this.specType === 2);
      if (!delta) work.fill(0);
      const hasZL = this.r[s]! + Math.abs(this.xl[s]!) > 0;
      const zlr = this.r[s]!;
      const zli = this.xl[s]! * fm;
      if (this.specType === 1 || this.specType === 2) {
        let vr = 0;
        let vi = this.cF[s]! * w;
        if (this.connection === "delta") {
          // phase i to the next conductor (the last phase to the first)
          for (let i = 0; i < n; i++) {
            let j = i + 1;
            if (j >= this.nConds) j = 0;
            work[at(i, i) + 1] = work[at(i, i) + 1]! + vi;
            work[at(j, j) + 1] = work[at(j, j) + 1]! + vi;
            work[at(i, j) + 1] = work[at(i, j) + 1]! - vi;
            work[at(j, i) + 1] = work[at(j, i) + 1]! - vi;
          }
        } else {
          if (hasZL) {
            // 1 / (ZL + 1/Y)
            const yr = vr;
            const yi = vi;
            const d = yr * yr + yi * yi;
            const zr = zlr + yr / d;
            const zi = zli - yi / d;
            const dz = zr * zr + zi * zi;
            vr = zr / dz;
            vi = -zi / dz;
          }
          for (let i = 0; i < n; i++) {
            work[at(i, i)] = vr;
            work[at(i, i) + 1] = vi;
            work[at(i + n, i + n)] = vr;
            work[at(i + n, i + n) + 1] = vi;
            work[at(i, i + n)] = -vr;
            work[at(i, i + n) + 1] = -vi;
            work[at(i + n, i)] = -vr;
            work[at(i + n, i) + 1] = -vi;
          }
        }
      } else {
        const c = this.cmatrix!;
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            const b = c[i * n + j]! * w;
            work[at(i, j) + 1] = b;
            work[at(i + n, j + n) + 1] = b;
            work[at(i, j + n) + 1] = -b;
            work[at(j + n, i) + 1] = -b;
          }
        }
      }
      if (hasZL && (this.specType === 3 || this.connection === "delta")) {
        const k = m;
        const sub = new Float64Array(2 * k * k);
        for (let i = 0; i < k; i++)
          for (let j = 0; j < k; j++) sub.set(work.subarray(at(i, j), at(i, j) + 2), 2 * (i * k + j));
        if (this.connection === "delta" && this.specType !== 3) {
          for (let i = 0; i < n; i++) {
            sub[2 * (i * k + i)] = sub[2 * (i * k + i)]! * 1.000001;
            sub[2 * (i * k + i) + 1] = sub[2 * (i * k + i) + 1]! * 1.000001;
          }
        }
        if (!invertInPlace(sub, k)) throw new ValueError(`${this.fullName}: singular filter matrix`);
        for (let i = 0; i < n; i++) {
          sub[2 * (i * k + i)] = sub[2 * (i * k + i)]! + zlr;
          sub[2 * (i * k + i) + 1] = sub[2 * (i * k + i) + 1]! + zli;
        }
        if (!invertInPlace(sub, k)) throw new ValueError(`${this.fullName}: singular filter matrix`);
        for (let i = 0; i < k; i++)
          for (let j = 0; j < k; j++) work.set(sub.subarray(2 * (i * k + j), 2 * (i * k + j) + 2), at(i, j));
      }
      for (let q = 0; q < work.length; q++) total[q] = total[q]! + work[q]!;
    }
    this.yprim.set(total);
    if (this.nTerms === 2) {
      const a = new Float64Array(2 * n * n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) a.set(total.subarray(at(i, j), at(i, j) + 2), 2 * (i * n + j));
      const zero = new Float64Array(2 * n * n);
      this.branch = { a, s1: zero, s2: zero };
    } else this.branch = null;
    if (this.isShunt) diagonalTimes(total, this.yprimSeries, m, 1e-10);
    else this.yprimSeries.set(total);
    this.yprimInvalid = false;
  }
}

/**
 * A per-step array property: one value per step of the present `numsteps` (extra values are
 * ignored, missing ones are 0), as OpenDSS reads it; set `numsteps` first for a multi-step bank.
 */
function stepArray(o: Capacitor, vals: number[]): number[] {
  const out = vals.slice(0, o.numSteps);
  while (out.length < o.numSteps) out.push(0);
  return out;
}

/** Conductors of a bank: a 1- or 2-phase delta bank has one more than its phases (OpenDSS). */
function deltaConds(o: Capacitor, nPhases: number): number {
  return o.connection === "delta" && (nPhases === 1 || nPhases === 2) ? nPhases + 1 : nPhases;
}

const CAPACITOR_PROPS: PropDef<Capacitor>[] = [
  prop("bus1", (o, v, cx) => {
    o.setBus(0, v.text, cx);
    if (!o.bus2Defined && o.nTerms === 2) {
      const b = o.busSpec[0]!.split(".")[0]!;
      o.setBus(1, b + ".0".repeat(o.nPhases), cx);
      o.isShunt = true;
    }
  }),
  prop("bus2", (o, v, cx) => {
    if (o.nTerms < 2) throw new ValueError("a delta capacitor has no bus2");
    o.setBus(1, v.text, cx);
    if (o.busSpec[0]!.split(".")[0] !== o.busSpec[1]!.split(".")[0]) {
      o.isShunt = false;
      o.bus2Defined = true;
    }
  }),
  prop("phases", (o, v, cx) => {
    const n = toInt(v);
    if (n < 1) throw new ValueError("phases must be >= 1");
    if (n !== o.nPhases || o.nConds !== deltaConds(o, n)) {
      o.setLayout(n, deltaConds(o, n));
      cx.busesChanged();
    }
    o.yprimInvalid = true;
  }),
  prop("kvar", (o, v) => {
    o.kvar = stepArray(o, toNumberArray(v));
    o.specType = 1;
    o.yprimInvalid = true;
  }),
  prop("kv", (o, v) => {
    o.kvRating = toNumber(v);
    o.yprimInvalid = true;
  }),
  prop("conn", (o, v, cx) => {
    o.connection = toConnection(v);
    const terms = o.connection === "delta" ? 1 : 2;
    const conds = deltaConds(o, o.nPhases);
    if (terms !== o.nTerms || conds !== o.nConds) {
      o.setLayout(o.nPhases, conds, terms);
      if (terms === 2 && o.busSpec[1] === "")
        o.busSpec[1] = `${o.busSpec[0]!.split(".")[0]}${".0".repeat(o.nPhases)}`;
      cx.busesChanged();
    }
    o.yprimInvalid = true;
  }),
  prop("cmatrix", (o, v) => {
    o.cmatrix = toSymMatrix(v, o.nPhases).map((x) => x * 1e-6);
    o.specType = 3;
    o.yprimInvalid = true;
  }),
  prop("cuf", (o, v) => {
    o.cF = stepArray(o, toNumberArray(v)).map((x) => x * 1e-6);
    o.specType = 2;
    o.yprimInvalid = true;
  }),
  prop("R", (o, v) => {
    o.r = stepArray(o, toNumberArray(v));
    o.yprimInvalid = true;
  }),
  prop("XL", (o, v) => {
    o.xl = stepArray(o, toNumberArray(v));
    for (let i = 0; i < o.numSteps; i++)
      if (o.xl[i] !== 0 && o.r[i] === 0) o.r[i] = Math.abs(o.xl[i]!) / 1000;
    o.doHarmonicRecalc = false;
    o.yprimInvalid = true;
  }),
  prop("Harm", (o, v) => {
    o.harm = stepArray(o, toNumberArray(v));
    o.doHarmonicRecalc = true;
    o.yprimInvalid = true;
  }),
  prop("Numsteps", (o, v) => {
    o.setNumSteps(toInt(v));
  }),
  prop("states", (o, v) => {
    const s = stepArray(o, toNumberArray(v));
    for (const x of s) if (x !== 0 && x !== 1) throw new ValueError("states must be 0 or 1");
    o.states = s;
    o.findLastStepInService();
    o.yprimInvalid = true;
  }),
  ...pdRatingProps(),
  ...cktElementProps(true),
];
