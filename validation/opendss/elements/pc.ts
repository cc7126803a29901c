/**
 * Power-conversion (PC) elements: loads, generators, PV systems, storage. Each is a Norton
 * equivalent: its primitive Y (an admittance at nominal power) is in the system Y matrix, and at
 * every iteration it injects  Yprim·V − I(V)  where I(V) is the current its model draws at the
 * present voltage. All models are written in load convention (current into the element), phase
 * by phase, for wye (phase to neutral conductor) or delta (phase to next phase) connection.
 */

import type { ValueToken } from "../lexer.ts";
import { allocF64 } from "../pool.ts";
import { toInt, toNumber, ValueError } from "../values.ts";
import {
  CktElement,
  diagonalTimes,
  type ElementRole,
  EMPTY_F64,
  type PropContext,
  type PropDef,
  prop,
  type YPrimContext,
} from "./base.ts";

/** Wye (line-to-neutral) or delta (line-to-line) connection. */
export type Connection = "wye" | "delta";

/** Parse OpenDSS connection names (wye, y, ln, delta, d, ll). */
export function toConnection(v: ValueToken): Connection {
  const t = v.text.trim().toLowerCase();
  if (t === "star") return "wye";
  // OpenDSS's connection names; an abbreviation must name one connection
  const names: [string, Connection][] = [
    ["wye", "wye"],
    ["delta", "delta"],
    ["y", "wye"],
    ["ln", "wye"],
    ["ll", "delta"],
  ];
  const exact = names.find(([n]) => n === t);
  if (exact) return exact[1];
  const hits = new Set(names.filter(([n]) => t.length > 0 && n.startsWith(t)).map(([, c]) => c));
  if (hits.size === 1) return [...hits][0]!;
  throw new ValueError(`'${v.text}' is not a connection (wye or delta)`);
}

/** √3. */
export const SQRT3 = Math.sqrt(3);
/** 1000/√3: kV line-to-line → V line-to-neutral. */
export const INV_SQRT3_X1000 = 1000 / SQRT3;

/** Phase-current scratch shared by all PC elements (filled and read within one call). */
const SCRATCH_CUR = new Float64Array(2);
/** Load-shape multiplier scratch (P, Q) shared by all PC elements (filled and read within one call). */
const SCRATCH_MULT = new Float64Array(2);

/**
 * Common machinery of PC elements: one terminal (bus1, default "<name>_1"), three phases wye
 * by default, a rated kV with the voltage base of its phase model, and a voltage band.
 */
export abstract class PCElement extends CktElement {
  readonly role: ElementRole = "PC";
  connection: Connection = "wye";
  /** Rated kV (line-to-line for 2- and 3-phase elements). */
  kVBase = 12.47;
  /** Voltage base of the phase model (V), from kVBase (see updateVBase). */
  vBase = 7200;
  /** Voltage band (pu): outside it the constant-power models turn into admittances. */
  abstract vMinPu: number;
  abstract vMaxPu: number;
  /** Injection currents of the last evaluation (interleaved, per conductor). */
  injCurrent: Float64Array = EMPTY_F64;
  protected vTerm: Float64Array = EMPTY_F64;
  /** Solution count of the last injection evaluation (iTerm is stale when it differs). */
  itermSolutionCount = -1;
  /** Scratch for the model's phase current (re, im). */
  protected readonly cur = SCRATCH_CUR;
  /** Scratch for load-shape multipliers (P, Q). */
  protected readonly mult = SCRATCH_MULT;

  constructor(name: string, baseFrequency: number) {
    super(name, baseFrequency);
    this.recalcAlways = true;
    this.nPhases = 3;
    this.setNCondsForConnection();
    this.nTerms = 1;
    this.resize();
    this.busSpec[0] = `${this.name}_1`;
  }

  /** Conductors for the connection: wye and 1/2-phase delta have a neutral/return conductor. */
  setNCondsForConnection(): void {
    if (this.connection === "wye") this.nConds = this.nPhases + 1;
    else this.nConds = this.nPhases <= 2 ? this.nPhases + 1 : this.nPhases;
  }

  /** Recompute vBase from kVBase, the phases and the connection (OpenDSS UpdateVoltageBases / PresentkV). */
  abstract updateVBase(): void;

  /** Recompute derived data (OpenDSS RecalcElementData); ctx undefined = snapshot at multiplier 1. */
  abstract recalc(ctx: YPrimContext | undefined): void;

  /** Throw ValueError when the model number is not one the class implements (checked after each edit). */
  protected checkModel(): void {}

  override endEdit(_cx: PropContext): void {
    this.checkModel();
    this.recalc(undefined);
    this.yprimInvalid = true;
  }

  override ensureSized(): void {
    super.ensureSized();
    const n = this.yorder;
    if (this.injCurrent.length !== 2 * n) {
      this.injCurrent = allocF64(2 * n);
      this.vTerm = allocF64(2 * n);
    }
  }

  /** Recompute nominal quantities for the present time and mode (OpenDSS "SetNominal..."). */
  abstract setNominal(ctx: YPrimContext | undefined): void;

  /**
   * Admittance of one phase branch placed in Yprim (wye: phase to neutral; delta: phase to
   * phase, already converted by the subclass); negative for generation.
   */
  protected abstract yprimAdmittance(ctx: YPrimContext, out: Float64Array): void;

  /**
   * Current drawn by phase `i` (load convention) at phase voltage (vr, vi); write to this.cur.
   * `vmag` = |V| (line-to-line magnitude for delta).
   */
  protected abstract phaseCurrent(i: number, vr: number, vi: number, vmag: number): void;

  /** Extra Yprim terms after the phase admittances (load neutral impedance). */
  protected addNeutralYprim(_y: Float64Array): void {}

  calcYPrim(ctx: YPrimContext): void {
    this.setNominal(ctx);
    const n = this.yorder;
    const y = this.yprim;
    y.fill(0);
    this.yprimAdmittance(ctx, this.cur);
    const yr = this.cur[0]!;
    const yi = this.cur[1]! / (ctx.frequency / this.baseFrequency);
    const nc = this.nConds;
    if (this.connection === "wye") {
      const neu = nc - 1;
      const nn = 2 * (neu * n + neu);
      for (let i = 0; i < this.nPhases; i++) {
        const ii = 2 * (i * n + i);
        const ineu = 2 * (i * n + neu);
        const neui = 2 * (neu * n + i);
        y[ii] = yr;
        y[ii + 1] = yi;
        y[nn] = y[nn]! + yr;
        y[nn + 1] = y[nn + 1]! + yi;
        y[ineu] = -yr;
        y[ineu + 1] = -yi;
        y[neui] = -yr;
        y[neui + 1] = -yi;
      }
      this.addNeutralYprim(y);
    } else {
      for (let i = 0; i < this.nPhases; i++) {
        const j = (i + 1) % nc;
        const ii = 2 * (i * n + i);
        const jj = 2 * (j * n + j);
        const ij = 2 * (i * n + j);
        const ji = 2 * (j * n + i);
        y[ii] = y[ii]! + yr;
        y[ii + 1] = y[ii + 1]! + yi;
        y[jj] = y[jj]! + yr;
        y[jj + 1] = y[jj + 1]! + yi;
        y[ij] = y[ij]! - yr;
        y[ij + 1] = y[ij + 1]! - yi;
        y[ji] = y[ji]! - yr;
        y[ji + 1] = y[ji + 1]! - yi;
      }
    }
    diagonalTimes(y, this.yprimSeries, n, 1e-10);
    this.yprimInvalid = false;
  }

  /**
   * Compute the injection currents at the present node voltages `V` (interleaved, index = node,
   * node 0 = ground) and add them into `I`. Also stores the terminal currents (iTerm) for results.
   */
  injCurrents(V: Float64Array, I: Float64Array): void {
    const ref = this.nodeRef;
    if (this.nPhases === 1 && this.connection === "wye" && ref[1] === 0 && ref[0] !== 0) {
      // fast path: one phase to a grounded neutral
      const node = ref[0]!;
      const vr = V[2 * node]!;
      const vi = V[2 * node + 1]!;
      this.phaseCurrent(0, vr, vi, Math.sqrt(vr * vr + vi * vi));
      const cr = this.cur[0]!;
      const ci = this.cur[1]!;
      const y = this.yprim;
      const yr = y[0]!;
      const yi = y[1]!;
      const ir = yr * vr - yi * vi - cr;
      const ii = yr * vi + yi * vr - ci;
      const it = this.iTerm;
      it[0] = cr;
      it[1] = ci;
      it[2] = -cr;
      it[3] = -ci;
      const inj = this.injCurrent;
      inj[0] = ir;
      inj[1] = ii;
      inj[2] = y[4]! * vr - y[5]! * vi + cr;
      inj[3] = y[4]! * vi + y[5]! * vr + ci;
      I[2 * node] = I[2 * node]! + ir;
      I[2 * node + 1] = I[2 * node + 1]! + ii;
      return;
    }
    const n = this.yorder;
    const vt = this.vTerm;
    const inj = this.injCurrent;
    const it = this.iTerm;
    for (let k = 0; k < n; k++) {
      const node = ref[k]!;
      vt[2 * k] = V[2 * node]!;
      vt[2 * k + 1] = V[2 * node + 1]!;
    }
    // inj = Yprim * Vterm
    const y = this.yprim;
    for (let r = 0; r < n; r++) {
      let sr = 0;
      let si = 0;
      const row = 2 * r * n;
      for (let c = 0; c < n; c++) {
        const a = y[row + 2 * c]!;
        const b = y[row + 2 * c + 1]!;
        const xr = vt[2 * c]!;
        const xi = vt[2 * c + 1]!;
        sr += a * xr - b * xi;
        si += a * xi + b * xr;
      }
      inj[2 * r] = sr;
      inj[2 * r + 1] = si;
    }
    it.fill(0);
    const nc = this.nConds;
    const wye = this.connection === "wye";
    for (let i = 0; i < this.nPhases; i++) {
      const j = wye ? nc - 1 : (i + 1) % nc;
      const vr = vt[2 * i]! - vt[2 * j]!;
      const vi = vt[2 * i + 1]! - vt[2 * j + 1]!;
      this.phaseCurrent(i, vr, vi, Math.sqrt(vr * vr + vi * vi));
      const cr = this.cur[0]!;
      const ci = this.cur[1]!;
      it[2 * i] = it[2 * i]! + cr;
      it[2 * i + 1] = it[2 * i + 1]! + ci;
      it[2 * j] = it[2 * j]! - cr;
      it[2 * j + 1] = it[2 * j + 1]! - ci;
      inj[2 * i] = inj[2 * i]! - cr;
      inj[2 * i + 1] = inj[2 * i + 1]! - ci;
      inj[2 * j] = inj[2 * j]! + cr;
      inj[2 * j + 1] = inj[2 * j + 1]! + ci;
    }
    for (let k = 0; k < n; k++) {
      const node = ref[k]!;
      if (node === 0) continue;
      I[2 * node] = I[2 * node]! + inj[2 * k]!;
      I[2 * node + 1] = I[2 * node + 1]! + inj[2 * k + 1]!;
    }
  }
}

/** Write conj(S/V) into out, S = (p, q), V = (vr, vi). */
export function conjSOverV(p: number, q: number, vr: number, vi: number, out: Float64Array): void {
  // S/V = (p + jq)/(vr + j vi); conj of it
  const d = vr * vr + vi * vi;
  const re = (p * vr + q * vi) / d;
  const im = (q * vr - p * vi) / d;
  out[0] = re;
  out[1] = -im;
}

/**
 * The leading properties of the PC classes: phases (≥ 1), bus1 and the rated kV (named `kvName`,
 * as the class prints it). With `phasesUpdateVBase` a change of phases recomputes the voltage base
 * (loads); OpenDSS's generating classes keep theirs until kV is set again.
 */
export function pcLeadingProps<T extends PCElement>(
  kvName: string,
  phasesUpdateVBase: boolean,
): PropDef<T>[] {
  return [
    prop<T>("phases", (o, v, cx) => {
      const n = toInt(v);
      if (n < 1) throw new ValueError("phases must be >= 1");
      o.nPhases = n;
      o.setNCondsForConnection();
      o.resize();
      if (phasesUpdateVBase) o.updateVBase();
      cx.busesChanged();
    }),
    prop<T>("bus1", (o, v, cx) => o.setBus(0, v.text, cx)),
    prop<T>(kvName, (o, v) => {
      o.kVBase = toNumber(v);
      o.updateVBase();
    }),
  ];
}

/** Properties the PC classes share (one definition each; every class lists them in its own order). */
export const PC_PROPS = {
  /** conn: wye or delta; resizes the conductors and recomputes the voltage base. */
  conn: prop<PCElement>("conn", (o, v, cx) => {
    o.connection = toConnection(v);
    o.setNCondsForConnection();
    o.resize();
    o.updateVBase();
    cx.busesChanged();
  }),
  vMinPu: prop<PCElement>("Vminpu", (o, v) => {
    o.vMinPu = toNumber(v);
  }),
  vMaxPu: prop<PCElement>("Vmaxpu", (o, v) => {
    o.vMaxPu = toNumber(v);
  }),
};
