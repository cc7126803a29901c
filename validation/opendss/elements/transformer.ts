/**
 * Transformer: n windings (2 or 3 in practice), 1..n phases, wye or delta windings, with
 * OpenDSS's model: short-circuit reactances between winding pairs (XHL, XHT, XLT in percent on
 * the kVA of winding 1), winding resistances, taps, no-load loss and magnetising current on
 * winding 2, and a tiny anti-float susceptance (ppm_antifloat) on every winding conductor.
 *
 * The primitive Y is built as OpenDSS does: the winding impedances are put in a
 * (windings−1)² matrix ZB on a one-volt, per-phase base and inverted; Y_1volt = Aᵀ·ZB⁻¹·A with
 * A the (windings−1)×windings incidence of "winding 1 against winding i"; the two-conductor
 * terminal matrix Y_term = C·Y_1volt·Cᵀ with C = ±1/(Vbase·tap) per winding; and Y_term is
 * scattered once per phase onto the conductors each winding connects (phase to neutral for
 * wye, phase to the next — or, for the high-voltage delta of a delta-wye bank, the previous —
 * phase for delta). A transformer always has nphases+1 conductors per terminal.
 */
import { invertInPlace } from "../complex.ts";
import type { ValueToken } from "../lexer.ts";
import { allocI32, reuseF64 } from "../pool.ts";
import { toBool, toInt, toNumber, toNumberArray, toStringArray, ValueError } from "../values.ts";
import {
  CktElement,
  cktElementProps,
  type DssObject,
  type ElementRole,
  inert,
  type PropContext,
  type PropDef,
  pdRatingProps,
  prop,
  unsupported,
  type YPrimContext,
} from "./base.ts";
import { type Connection, toConnection } from "./pc.ts";

const INV_SQRT3_X1000 = 1000 / Math.sqrt(3);

/** A number as the shortest text that reads back to the same double (state must round-trip). */
function fullText(x: number): string {
  return String(x);
}

/** One winding's data (OpenDSS TWinding). */
export interface Winding {
  connection: Connection;
  /** Rated kV: line-to-line for 2- and 3-phase, the winding voltage for 1-phase. */
  kVLL: number;
  /** Voltage across the winding at rated kV (V). */
  vBase: number;
  kVA: number;
  /** Tap (per unit of kVLL). */
  puTap: number;
  /** Resistance (per unit on the kVA of winding 1). */
  rPu: number;
  /** Neutral resistance and reactance (Ω); rNeut < 0 = open neutral. */
  rNeut: number;
  xNeut: number;
  /** Anti-float susceptance added to each winding conductor (S). */
  yPpm: number;
  minTap: number;
  maxTap: number;
  numTaps: number;
  tapIncrement: number;
}

function newWinding(): Winding {
  return {
    connection: "wye",
    kVLL: 12.47,
    vBase: (12.47 / Math.sqrt(3)) * 1000,
    kVA: 1000,
    puTap: 1,
    rPu: 0.002,
    rNeut: -1,
    xNeut: 0,
    yPpm: 0,
    minTap: 0.9,
    maxTap: 1.1,
    numTaps: 32,
    tapIncrement: 0.00625,
  };
}

/** A transformer (also the regulating transformer of a RegControl). */
export class Transformer extends CktElement {
  readonly className = "Transformer";
  readonly role: ElementRole = "PD";
  numWindings = 2;
  /** 1-based index of the winding that wdg-scoped properties (bus, conn, kV, ...) address. */
  activeWinding = 1;
  windings: Winding[] = [newWinding(), newWinding()];
  /** Short-circuit reactances between winding pairs (pu): 12, 13, ..., 1n, 23, ... */
  xsc: number[] = [0.3];
  xhl = 0.07;
  xht = 0.35;
  xlt = 0.3;
  xhlChanged = true;
  pctLoadLoss = 0.4;
  pctNoLoadLoss = 0;
  pctImag = 0;
  /** Anti-float factor (ppm_antifloat × 1e-6). */
  ppmFloatFactor = 1e-6;
  normMaxHkVA = 1100;
  emergMaxHkVA = 1500;
  isSubstation = false;
  substationName = "";
  bank = "";
  xrConst = false;
  hvLeadsLV = false;
  /** +1: delta windings connect phase i to phase i+1; −1: to phase i−1 (HV delta of delta-wye). */
  deltaDirection = 1;
  vaBase = 1e6;
  /** Conductor (0-based in the primitive Y) of each winding-terminal end, per phase. */
  private termRef: Int32Array = new Int32Array(0);
  /** Two-conductor terminal admittances (2W×2W, interleaved): series and no-load parts. */
  yTerm: Float64Array = new Float64Array(0);
  yTermNL: Float64Array = new Float64Array(0);
  /** One-volt winding admittances (W×W, interleaved), series and no-load, and 1/(Vbase·tap) per winding. */
  private y1: Float64Array = new Float64Array(0);
  private y1NL: Float64Array = new Float64Array(0);
  private cw: Float64Array = new Float64Array(0);
  /** Neutral admittance added at each wye winding's neutral conductor (interleaved per winding). */
  private yNeut: Float64Array = new Float64Array(0);
  private zbBuf: Float64Array = new Float64Array(0);

  constructor(name: string, baseFrequency: number) {
    super(name, baseFrequency);
    this.hasOwnYV = true;
    this.setLayout(3, 4, 2);
    for (let t = 0; t < this.nTerms; t++) this.busSpec[t] = `${this.name}_${t + 1}`;
    this.recalc();
  }

  get propDefs(): readonly PropDef<DssObject>[] {
    return TRANSFORMER_PROPS as PropDef<DssObject>[];
  }

  /** The winding wdg-scoped properties address. */
  get active(): Winding {
    return this.windings[this.activeWinding - 1]!;
  }

  setPhases(n: number): void {
    if (n < 1) throw new ValueError("phases must be >= 1");
    this.setLayout(n, n + 1);
  }

  /** OpenDSS SetNumWindings: every winding back to its defaults; new XSC entries 30 %. */
  setNumWindings(n: number): void {
    if (n < 2) throw new ValueError("a transformer needs at least 2 windings");
    const oldXsc = this.xsc.length;
    const newXsc = ((n - 1) * n) / 2;
    this.numWindings = n;
    this.windings = Array.from({ length: n }, newWinding);
    const xsc = this.xsc.slice(0, newXsc);
    for (let i = oldXsc; i < newXsc; i++) xsc.push(0.3);
    this.xsc = xsc;
    this.nConds = this.nPhases + 1;
    this.nTerms = n;
    const prevBuses = this.busSpec;
    this.resize();
    for (let t = 0; t < n; t++) if (!prevBuses[t]) this.busSpec[t] = `${this.name}_${t + 1}`;
    if (this.activeWinding > n) this.activeWinding = 1;
  }

  override endEdit(_cx: PropContext): void {
    this.recalc();
  }

  /** PhaseRotate: the phase a delta winding on phase `i` (1-based) returns through. */
  rotatePhases(i: number): number {
    let r = i + this.deltaDirection;
    if (this.nPhases > 2) {
      if (r > this.nPhases) r = 1;
      if (r < 1) r = this.nPhases;
    } else if (r < 1) r = 3;
    return r;
  }

  /** OpenDSS RecalcElementData: delta direction, winding voltage bases, anti-float adders, Y_term. */
  recalc(): void {
    const w = this.windings;
    if (w[0]!.connection === w[1]!.connection) this.deltaDirection = 1;
    else {
      const hv = w[0]!.kVLL >= w[1]!.kVLL ? 0 : 1;
      if (w[hv]!.connection === "wye") this.deltaDirection = this.hvLeadsLV ? -1 : 1;
      else this.deltaDirection = this.hvLeadsLV ? 1 : -1;
    }
    this.setTermRef();
    for (const x of w) x.tapIncrement = x.numTaps > 0 ? (x.maxTap - x.minTap) / x.numTaps : 0;
    if (this.xhlChanged) {
      if (this.numWindings <= 3) {
        const vals = [this.xhl, this.xht, this.xlt];
        for (let i = 0; i < this.xsc.length; i++) this.xsc[i] = vals[i]!;
      }
      this.xhlChanged = false;
    }
    for (const x of w) {
      if (x.connection === "wye")
        x.vBase = this.nPhases === 2 || this.nPhases === 3 ? x.kVLL * INV_SQRT3_X1000 : x.kVLL * 1000;
      else x.vBase = x.kVLL * 1000;
    }
    this.vaBase = w[0]!.kVA * 1000;
    const va1ph = this.vaBase / this.nPhases;
    for (const x of w) x.yPpm = -this.ppmFloatFactor / ((x.vBase * x.vBase) / va1ph) / 2;
    this.calcYTerminal(1);
    this.yprimInvalid = true;
  }

  private setTermRef(): void {
    const W = this.numWindings;
    const nc = this.nConds;
    const tr = this.termRef.length === 2 * W * this.nPhases ? this.termRef : allocI32(2 * W * this.nPhases);
    let k = 0;
    if (this.nPhases === 1) {
      for (let j = 0; j < W; j++) {
        tr[k++] = j * nc;
        tr[k++] = (j + 1) * nc - 1;
      }
    } else {
      for (let i = 1; i <= this.nPhases; i++) {
        for (let j = 0; j < W; j++) {
          tr[k++] = j * nc + i - 1;
          if (this.windings[j]!.connection === "wye") tr[k++] = (j + 1) * nc - 1;
          else tr[k++] = j * nc + this.rotatePhases(i) - 1;
        }
      }
    }
    this.termRef = tr;
  }

  /**
   * Y_term (2W×2W) at frequency multiplier `fm`: ZB on a one-volt base from the winding
   * resistances and pair reactances, inverted, turned into winding admittances, then scaled by
   * ±1/(Vbase·tap) per winding end; plus the no-load admittance on winding 2 and the anti-float
   * susceptance on every winding end.
   */
  calcYTerminal(fm: number): void {
    const W = this.numWindings;
    const w = this.windings;
    const rMult = this.xrConst ? fm : 1;
    const zBase = 1 / (this.vaBase / this.nPhases);
    const m = W - 1;
    const zb = (this.zbBuf = reuseF64(this.zbBuf, 2 * m * m));
    for (let i = 0; i < m; i++) {
      zb[2 * (i * m + i)] = rMult * (w[0]!.rPu + w[i + 1]!.rPu) * zBase;
      zb[2 * (i * m + i) + 1] = fm * this.xsc[i]! * zBase;
    }
    let k = W - 1;
    for (let i = 0; i < m; i++) {
      for (let j = i + 1; j < m; j++) {
        const re =
          (zb[2 * (i * m + i)]! + zb[2 * (j * m + j)]! - rMult * (w[i + 1]!.rPu + w[j + 1]!.rPu) * zBase) *
          0.5;
        const im = (zb[2 * (i * m + i) + 1]! + zb[2 * (j * m + j) + 1]! - fm * this.xsc[k]! * zBase) * 0.5;
        zb[2 * (i * m + j)] = re;
        zb[2 * (i * m + j) + 1] = im;
        zb[2 * (j * m + i)] = re;
        zb[2 * (j * m + i) + 1] = im;
        k++;
      }
    }
    if (!invertInPlace(zb, m)) {
      zb.fill(0);
      for (let i = 0; i < m; i++) zb[2 * (i * m + i)] = 1e-12;
    }
    // Y_1volt = Bᵀ·ZB⁻¹·B with B[r][0] = −1 and B[r][r+1] = 1
    const y1 = reuseF64(this.y1, 2 * W * W);
    const b = (r: number, c: number): number => (c === 0 ? -1 : c === r + 1 ? 1 : 0);
    for (let i = 0; i < W; i++) {
      for (let j = 0; j < W; j++) {
        let re = 0;
        let im = 0;
        for (let r = 0; r < m; r++) {
          const bri = b(r, i);
          if (bri === 0) continue;
          for (let s = 0; s < m; s++) {
            const bsj = b(s, j);
            if (bsj === 0) continue;
            re += bri * zb[2 * (r * m + s)]! * bsj;
            im += bri * zb[2 * (r * m + s) + 1]! * bsj;
          }
        }
        y1[2 * (i * W + j)] = re;
        y1[2 * (i * W + j) + 1] = im;
      }
    }
    const n2 = 2 * W;
    const yt = reuseF64(this.yTerm, 2 * n2 * n2);
    const ytNL = reuseF64(this.yTermNL, 2 * n2 * n2);
    const c = reuseF64(this.cw, W);
    for (let i = 0; i < W; i++) {
      const tap = w[i]!.puTap === 0 ? 0.0001 : w[i]!.puTap;
      c[i] = 1 / (w[i]!.vBase * tap);
    }
    const nlRe = this.pctNoLoadLoss / 100 / zBase;
    const nlIm = -this.pctImag / 100 / zBase / fm;
    const y1NL = reuseF64(this.y1NL, 2 * W * W);
    y1NL[2 * (1 * W + 1)] = nlRe;
    y1NL[2 * (1 * W + 1) + 1] = nlIm;
    this.y1 = y1;
    this.y1NL = y1NL;
    this.cw = c;
    for (let p = 0; p < n2; p++) {
      const wi = p >> 1;
      const si = p & 1 ? -c[wi]! : c[wi]!;
      for (let q = 0; q < n2; q++) {
        const wj = q >> 1;
        const sj = q & 1 ? -c[wj]! : c[wj]!;
        const s = si * sj;
        yt[2 * (p * n2 + q)] = y1[2 * (wi * W + wj)]! * s;
        yt[2 * (p * n2 + q) + 1] = y1[2 * (wi * W + wj) + 1]! * s;
        if (wi === 1 && wj === 1 && W >= 2) {
          ytNL[2 * (p * n2 + q)] = nlRe * s;
          ytNL[2 * (p * n2 + q) + 1] = nlIm * s;
        }
      }
    }
    if (this.ppmFloatFactor !== 0) {
      for (let i = 0; i < W; i++) {
        for (let p = 2 * i; p <= 2 * i + 1; p++)
          yt[2 * (p * n2 + p) + 1] = yt[2 * (p * n2 + p) + 1]! + w[i]!.yPpm;
      }
    }
    this.yTerm = yt;
    this.yTermNL = ytNL;
  }

  /** Scatter a 2W×2W terminal matrix into a primitive Y, once per phase (OpenDSS BuildYPrimComponent). */
  private scatterTerm(target: Float64Array, yt: Float64Array): void {
    const n2 = 2 * this.numWindings;
    const m = this.yorder;
    const tr = this.termRef;
    for (let i = 0; i < n2; i++) {
      for (let j = 0; j <= i; j++) {
        const re = yt[2 * (i * n2 + j)]!;
        const im = yt[2 * (i * n2 + j) + 1]!;
        for (let k = 0; k < this.nPhases; k++) {
          const a = tr[i + k * n2]!;
          const b = tr[j + k * n2]!;
          target[2 * (a * m + b)] = target[2 * (a * m + b)]! + re;
          target[2 * (a * m + b) + 1] = target[2 * (a * m + b) + 1]! + im;
          if (a !== b) {
            target[2 * (b * m + a)] = target[2 * (b * m + a)]! + re;
            target[2 * (b * m + a) + 1] = target[2 * (b * m + a) + 1]! + im;
          }
        }
      }
    }
  }

  calcYPrim(ctx: YPrimContext): void {
    const fm = ctx.frequency / this.baseFrequency;
    this.calcYTerminal(fm);
    const ys = this.yprimSeries;
    const y = this.yprim;
    ys.fill(0);
    this.scatterTerm(ys, this.yTerm);
    // neutral impedances of wye windings (series part); open neutrals get the anti-float adder
    const m = this.yorder;
    const yn = (this.yNeut = reuseF64(this.yNeut, 2 * this.numWindings));
    for (let i = 0; i < this.numWindings; i++) {
      const wd = this.windings[i]!;
      if (wd.connection !== "wye") continue;
      const j = (i + 1) * this.nConds - 1;
      const k = 2 * (j * m + j);
      let re = 0;
      let im = 0;
      if (wd.rNeut >= 0) {
        re = 1e6;
        if (!(wd.rNeut === 0 && wd.xNeut === 0)) {
          const xr = wd.xNeut * fm;
          const d = wd.rNeut * wd.rNeut + xr * xr;
          re = wd.rNeut / d;
          im = -xr / d;
        }
      } else if (this.ppmFloatFactor !== 0) im = wd.yPpm;
      yn[2 * i] = re;
      yn[2 * i + 1] = im;
      ys[k] = ys[k]! + re;
      ys[k + 1] = ys[k + 1]! + im;
    }
    this.yNeut = yn;
    y.set(ys);
    this.scatterTerm(y, this.yTermNL);
    this.branch = null;
    this.yprimInvalid = false;
  }

  /**
   * Yprim·V from the winding voltages: per phase, u_w = (V_end1 − V_end2)/(Vbase·tap) and the
   * winding current c_w·Σ_j Y1[w][j]·(u_j − u_1) (Y1's rows sum to zero), which keeps full
   * accuracy for near-zero leakage impedances and gives exactly opposite currents at the two
   * ends of a winding (so a floating delta's common mode is not polluted by rounding); plus the
   * no-load, anti-float and neutral admittances.
   */
  override ownYV(V: Float64Array, out: Float64Array): void {
    const W = this.numWindings;
    const n2 = 2 * W;
    const ref = this.nodeRef;
    const tr = this.termRef;
    const y1 = this.y1;
    const nl = this.y1NL;
    const c = this.cw;
    const ppm = this.ppmFloatFactor !== 0;
    out.fill(0, 0, 2 * this.yorder);
    const u = this.uScratch.length >= n2 ? this.uScratch : (this.uScratch = new Float64Array(n2));
    for (let k = 0; k < this.nPhases; k++) {
      for (let w = 0; w < W; w++) {
        const na = ref[tr[2 * w + k * n2]!]!;
        const nb = ref[tr[2 * w + 1 + k * n2]!]!;
        u[2 * w] = (V[2 * na]! - V[2 * nb]!) * c[w]!;
        u[2 * w + 1] = (V[2 * na + 1]! - V[2 * nb + 1]!) * c[w]!;
      }
      for (let w = 0; w < W; w++) {
        let zr = 0;
        let zi = 0;
        for (let j = 1; j < W; j++) {
          const dr = u[2 * j]! - u[0]!;
          const di = u[2 * j + 1]! - u[1]!;
          const ar = y1[2 * (w * W + j)]!;
          const ai = y1[2 * (w * W + j) + 1]!;
          zr += ar * dr - ai * di;
          zi += ar * di + ai * dr;
        }
        for (let j = 0; j < W; j++) {
          const ar = nl[2 * (w * W + j)]!;
          const ai = nl[2 * (w * W + j) + 1]!;
          if (ar === 0 && ai === 0) continue;
          zr += ar * u[2 * j]! - ai * u[2 * j + 1]!;
          zi += ar * u[2 * j + 1]! + ai * u[2 * j]!;
        }
        const cr = c[w]! * zr;
        const ci = c[w]! * zi;
        const a = tr[2 * w + k * n2]!;
        const b = tr[2 * w + 1 + k * n2]!;
        out[2 * a] = out[2 * a]! + cr;
        out[2 * a + 1] = out[2 * a + 1]! + ci;
        out[2 * b] = out[2 * b]! - cr;
        out[2 * b + 1] = out[2 * b + 1]! - ci;
        if (ppm) {
          const yp = this.windings[w]!.yPpm;
          const na = ref[a]!;
          const nb = ref[b]!;
          out[2 * a] = out[2 * a]! - yp * V[2 * na + 1]!;
          out[2 * a + 1] = out[2 * a + 1]! + yp * V[2 * na]!;
          out[2 * b] = out[2 * b]! - yp * V[2 * nb + 1]!;
          out[2 * b + 1] = out[2 * b + 1]! + yp * V[2 * nb]!;
        }
      }
    }
    const yn = this.yNeut;
    for (let w = 0; w < W; w++) {
      const re = yn[2 * w]!;
      const im = yn[2 * w + 1]!;
      if (re === 0 && im === 0) continue;
      const j = (w + 1) * this.nConds - 1;
      const node = ref[j]!;
      out[2 * j] = out[2 * j]! + re * V[2 * node]! - im * V[2 * node + 1]!;
      out[2 * j + 1] = out[2 * j + 1]! + re * V[2 * node + 1]! + im * V[2 * node]!;
    }
  }

  private uScratch = new Float64Array(8);

  /** Tap of winding `i` (1-based). */
  presentTap(i: number): number {
    return this.windings[i - 1]?.puTap ?? 0;
  }

  /** Set the tap of winding `i` (1-based), limited to [MinTap, MaxTap] (OpenDSS Set_PresentTap). */
  setPresentTap(i: number, value: number): void {
    const wd = this.windings[i - 1];
    if (!wd) return;
    let v = value;
    if (v < wd.minTap) v = wd.minTap;
    else if (v > wd.maxTap) v = wd.maxTap;
    if (v !== wd.puTap) {
      wd.puTap = v;
      this.recalc();
    }
  }

  /**
   * Voltages across winding `iw` (1-based) per phase (interleaved): phase to neutral conductor
   * for wye, phase to the rotated phase for delta (OpenDSS GetWindingVoltages).
   */
  windingVoltages(iw: number, V: Float64Array, out: Float64Array): void {
    const nc = this.nConds;
    const off = (iw - 1) * nc;
    const wd = this.windings[iw - 1]!;
    const ref = this.nodeRef;
    const neu = ref[off + this.nPhases]!;
    for (let i = 1; i <= this.nPhases; i++) {
      const a = ref[off + i - 1]!;
      const b = wd.connection === "wye" ? neu : ref[off + this.rotatePhases(i) - 1]!;
      out[2 * (i - 1)] = V[2 * a]! - V[2 * b]!;
      out[2 * (i - 1) + 1] = V[2 * a + 1]! - V[2 * b + 1]!;
    }
  }

  /**
   * Copy a transformer code's definition (OpenDSS FetchXfmrCode): phases, windings with all their
   * data, pair reactances, losses, ratings and the anti-float factor; the buses stay.
   */
  fetchXfmrCode(code: Transformer): void {
    this.nPhases = code.nPhases;
    this.setNumWindings(code.numWindings);
    this.windings = code.windings.map((w) => ({ ...w }));
    this.xhl = code.xhl;
    this.xht = code.xht;
    this.xlt = code.xlt;
    this.xsc = [...code.xsc];
    this.xhlChanged = false;
    this.pctLoadLoss = code.pctLoadLoss;
    this.pctNoLoadLoss = code.pctNoLoadLoss;
    this.pctImag = code.pctImag;
    this.normMaxHkVA = code.normMaxHkVA;
    this.emergMaxHkVA = code.emergMaxHkVA;
    this.ppmFloatFactor = code.ppmFloatFactor;
    this.nConds = this.nPhases + 1;
    this.resize();
    this.recalc();
  }

  /** Copy another transformer's definition (OpenDSS MakeLike). */
  makeLike(other: DssObject): void {
    if (!(other instanceof Transformer)) return;
    this.nPhases = other.nPhases;
    this.setNumWindings(other.numWindings);
    this.windings = other.windings.map((w) => ({ ...w }));
    this.xhl = other.xhl;
    this.xht = other.xht;
    this.xlt = other.xlt;
    this.xsc = [...other.xsc];
    this.xhlChanged = false;
    this.pctLoadLoss = other.pctLoadLoss;
    this.pctNoLoadLoss = other.pctNoLoadLoss;
    this.pctImag = other.pctImag;
    this.ppmFloatFactor = other.ppmFloatFactor;
    this.normMaxHkVA = other.normMaxHkVA;
    this.emergMaxHkVA = other.emergMaxHkVA;
    this.xrConst = other.xrConst;
    this.hvLeadsLV = other.hvLeadsLV;
    this.bank = other.bank;
    this.baseFrequency = other.baseFrequency;
    this.nConds = this.nPhases + 1;
    this.resize();
    for (let t = 0; t < this.nTerms; t++) this.busSpec[t] = other.busSpec[t]!;
    this.recalc();
  }

  /**
   * The definition as property assignments (array form, one `wdg=` group per winding for the
   * winding-scoped tap limits and neutral impedances), for the script writer: replaying the
   * recorded history would lose the `wdg=` context of per-winding properties.
   */
  writeAssignments(): string {
    const w = this.windings;
    const list = (f: (x: Winding) => string): string => `[${w.map(f).join(" ")}]`;
    const parts = [
      `phases=${this.nPhases}`,
      `windings=${this.numWindings}`,
      `buses=[${this.busSpec.join(" ")}]`,
      `conns=${list((x) => x.connection)}`,
      `kVs=${list((x) => fullText(x.kVLL))}`,
      `kVAs=${list((x) => fullText(x.kVA))}`,
      `%Rs=${list((x) => fullText(x.rPu * 100))}`,
    ];
    // pair reactances as XHL/XHT/XLT (so later edits of one of them keep the others), unless
    // there are more than 3 windings or a zero (which XHL=0 would turn into OpenDSS's default)
    const W = this.numWindings;
    const x3 = W === 2 ? [this.xsc[0]!, this.xht, this.xlt] : [...this.xsc];
    if (W <= 3 && x3.every((x) => x !== 0)) {
      parts.push(`XHL=${fullText(x3[0]! * 100)} XHT=${fullText(x3[1]! * 100)} XLT=${fullText(x3[2]! * 100)}`);
    } else parts.push(`Xscarray=[${this.xsc.map((x) => fullText(x * 100)).join(" ")}]`);
    w.forEach((x, i) => {
      parts.push(
        `wdg=${i + 1} MaxTap=${fullText(x.maxTap)} MinTap=${fullText(x.minTap)} NumTaps=${x.numTaps}` +
          ` Rneut=${fullText(x.rNeut)} Xneut=${fullText(x.xNeut)}`,
      );
    });
    parts.push(
      `taps=${list((x) => fullText(x.puTap))}`,
      `%noloadloss=${fullText(this.pctNoLoadLoss)}`,
      `%imag=${fullText(this.pctImag)}`,
      `ppm_antifloat=${fullText(this.ppmFloatFactor * 1e6)}`,
      `XRConst=${this.xrConst ? "yes" : "no"}`,
      `LeadLag=${this.hvLeadsLV ? "lead" : "lag"}`,
      `sub=${this.isSubstation ? "yes" : "no"}`,
      `basefreq=${fullText(this.baseFrequency)}`,
    );
    if (this.bank !== "") parts.push(`bank=${this.bank}`);
    if (!this.enabled) parts.push("enabled=no");
    return parts.join(" ");
  }
}

function arrayFor(o: Transformer, v: ValueToken): number[] {
  const a = toNumberArray(v);
  if (a.length > o.numWindings) throw new ValueError(`${a.length} values for ${o.numWindings} windings`);
  return a;
}

/**
 * A winding-pair reactance in percent (XHL/X12, XHT/X13, XLT/X23 are synonyms), stored per unit;
 * 0 is replaced by OpenDSS's default for the pair (7, 35, 30 %).
 */
function pairReactanceProp(name: string, pair: "xhl" | "xht" | "xlt"): PropDef<Transformer> {
  const zeroDefault = pair === "xhl" ? 7 : pair === "xht" ? 35 : 30;
  return prop<Transformer>(name, (o, v) => {
    const pct = toNumber(v);
    const x = (pct === 0 ? zeroDefault : pct) * 0.01;
    if (pair === "xhl") o.xhl = x;
    else if (pair === "xht") o.xht = x;
    else o.xlt = x;
    o.xhlChanged = true;
  });
}

function setKva(o: Transformer, i: number, kva: number): void {
  o.windings[i]!.kVA = kva;
}

const TRANSFORMER_PROPS: PropDef<Transformer>[] = [
  prop("phases", (o, v, cx) => {
    o.setPhases(toInt(v));
    cx.busesChanged();
  }),
  prop("windings", (o, v, cx) => {
    o.setNumWindings(toInt(v));
    cx.busesChanged();
  }),
  prop("wdg", (o, v) => {
    const n = toInt(v);
    if (n < 1 || n > o.numWindings) throw new ValueError(`winding ${n} does not exist (1..${o.numWindings})`);
    o.activeWinding = n;
  }),
  prop("bus", (o, v, cx) => o.setBus(o.activeWinding - 1, v.text, cx)),
  prop("conn", (o, v, cx) => {
    o.active.connection = toConnection(v);
    o.yprimInvalid = true;
    cx.busesChanged();
  }),
  prop("kV", (o, v) => {
    o.active.kVLL = toNumber(v);
  }),
  prop("kVA", (o, v) => {
    const kva = toNumber(v);
    setKva(o, o.activeWinding - 1, kva);
    if (o.activeWinding === 1) {
      for (let i = 1; i < o.numWindings; i++) setKva(o, i, kva);
      o.normMaxHkVA = 1.1 * kva;
      o.emergMaxHkVA = 1.5 * kva;
    } else if (o.numWindings === 2) setKva(o, 0, kva);
  }),
  prop("tap", (o, v) => {
    o.active.puTap = toNumber(v);
  }),
  prop("%R", (o, v) => {
    o.active.rPu = toNumber(v) * 0.01;
    o.pctLoadLoss = (o.windings[0]!.rPu + o.windings[1]!.rPu) * 100;
  }),
  prop("Rneut", (o, v) => {
    o.active.rNeut = toNumber(v);
  }),
  prop("Xneut", (o, v) => {
    o.active.xNeut = toNumber(v);
  }),
  prop("buses", (o, v, cx) => {
    const a = toStringArray(v);
    if (a.length > o.numWindings) throw new ValueError(`${a.length} buses for ${o.numWindings} windings`);
    a.forEach((b, i) => {
      o.setBus(i, b, cx);
    });
    o.activeWinding = o.numWindings;
  }),
  prop("conns", (o, v, cx) => {
    const a = toStringArray(v);
    if (a.length > o.numWindings)
      throw new ValueError(`${a.length} connections for ${o.numWindings} windings`);
    a.forEach((c, i) => {
      o.windings[i]!.connection = toConnection({ text: c, bracket: "" });
    });
    o.activeWinding = o.numWindings;
    cx.busesChanged();
  }),
  prop("kVs", (o, v) => {
    arrayFor(o, v).forEach((x, i) => {
      o.windings[i]!.kVLL = x;
    });
    o.activeWinding = o.numWindings;
  }),
  prop("kVAs", (o, v) => {
    arrayFor(o, v).forEach((x, i) => {
      setKva(o, i, x);
    });
    o.normMaxHkVA = 1.1 * o.windings[0]!.kVA;
    o.emergMaxHkVA = 1.5 * o.windings[0]!.kVA;
    o.activeWinding = o.numWindings;
  }),
  prop("taps", (o, v) => {
    arrayFor(o, v).forEach((x, i) => {
      o.windings[i]!.puTap = x;
    });
    o.activeWinding = o.numWindings;
  }),
  pairReactanceProp("XHL", "xhl"),
  pairReactanceProp("XHT", "xht"),
  pairReactanceProp("XLT", "xlt"),
  prop("Xscarray", (o, v) => {
    const a = toNumberArray(v);
    const n = ((o.numWindings - 1) * o.numWindings) / 2;
    if (a.length > n) throw new ValueError(`Xscarray needs ${n} values`);
    a.forEach((x, i) => {
      o.xsc[i] = x * 0.01;
    });
  }),
  inert("thermal", "number"),
  inert("n", "number"),
  inert("m", "number"),
  inert("flrise", "number"),
  inert("hsrise", "number"),
  prop("%loadloss", (o, v) => {
    o.pctLoadLoss = toNumber(v);
    o.windings[0]!.rPu = o.pctLoadLoss / 2 / 100;
    o.windings[1]!.rPu = o.windings[0]!.rPu;
  }),
  prop("%noloadloss", (o, v) => {
    o.pctNoLoadLoss = toNumber(v);
  }),
  prop("normhkVA", (o, v) => {
    o.normMaxHkVA = toNumber(v);
  }),
  prop("emerghkVA", (o, v) => {
    o.emergMaxHkVA = toNumber(v);
  }),
  prop("sub", (o, v) => {
    o.isSubstation = toBool(v);
  }),
  prop("MaxTap", (o, v) => {
    o.active.maxTap = toNumber(v);
  }),
  prop("MinTap", (o, v) => {
    o.active.minTap = toNumber(v);
  }),
  prop("NumTaps", (o, v) => {
    o.active.numTaps = toInt(v);
  }),
  prop("subname", (o, v) => {
    o.substationName = v.text;
  }),
  prop("%imag", (o, v) => {
    o.pctImag = toNumber(v);
  }),
  prop("ppm_antifloat", (o, v) => {
    o.ppmFloatFactor = toNumber(v) * 1e-6;
  }),
  prop("%Rs", (o, v) => {
    arrayFor(o, v).forEach((x, i) => {
      o.windings[i]!.rPu = x * 0.01;
    });
    o.activeWinding = o.numWindings;
    o.pctLoadLoss = (o.windings[0]!.rPu + o.windings[1]!.rPu) * 100;
  }),
  prop("bank", (o, v) => {
    o.bank = v.text;
  }),
  prop("XfmrCode", (o, v, cx) => {
    const code = cx.findObject("XfmrCode", v.text) as unknown as { template?: Transformer } | undefined;
    if (!code?.template) throw new ValueError(`XfmrCode.${v.text} is not defined`);
    o.fetchXfmrCode(code.template);
    cx.busesChanged();
  }),
  prop("XRConst", (o, v) => {
    o.xrConst = toBool(v);
  }),
  pairReactanceProp("X12", "xhl"),
  pairReactanceProp("X13", "xht"),
  pairReactanceProp("X23", "xlt"),
  prop("LeadLag", (o, v) => {
    const t = v.text.trim().toLowerCase();
    if (t.startsWith("lead") || t.startsWith("euro")) o.hvLeadsLV = true;
    else if (t.startsWith("lag") || t.startsWith("ansi")) o.hvLeadsLV = false;
    else throw new ValueError("LeadLag must be Lead, Lag, ANSI or Euro");
  }),
  unsupported("WdgCurrents", "read-only"),
  inert("Core"),
  inert("RdcOhms", "number"),
  inert("Seasons", "int"),
  inert("Ratings"),
  ...pdRatingProps(),
  ...cktElementProps(),
];
