import { toInt, toNumber, toNumberArray, ValueError } from "../values.ts";
import {
  type DssObject,
  inert,
  type PropDef,
  pcElementProps,
  prop,
  unsupported,
  type YPrimContext,
} from "./base.ts";
import type { LoadShape } from "./loadshape.ts";
import { conjSOverV, INV_SQRT3_X1000, PC_PROPS, PCElement, pcLeadingProps } from "./pc.ts";
import { findShape } from "./vsource.ts";

/** Shared scratch pair (single-threaded, never live across calls). */
const SCRATCH_TMP = new Float64Array(2);

type LoadSpec = "kW_PF" | "kW_kvar" | "kVA_PF" | "xfkVA" | "kWh";

/** kvar of `kW` at power factor `pf`, as a magnitude for kW ≥ 0: kW·√(1/pf² − 1). */
function kvarMagnitude(kW: number, pf: number): number {
  return kW * Math.sqrt(1 / (pf * pf) - 1);
}

/** A load. */
export class Load extends PCElement {
  readonly className = "Load";
  kWBase = 10;
  kvarBase = 5;
  pfNominal = 0.88;
  kVABase = 10 / 0.88;
  kWref = 10;
  kvarRef = 5;
  spec: LoadSpec = "kW_PF";
  model = 1;
  rNeut = -1;
  xNeut = 0;
  status: "variable" | "fixed" | "exempt" = "variable";
  vMinPu = 0.95;
  vMaxPu = 1.05;
  vLowPu = 0.5;
  daily: LoadShape | null = null;
  yearly: LoadShape | null = null;
  duty: LoadShape | null = null;
  cvrWatts = 1;
  cvrVars = 2;
  zipv: number[] | null = null;
  connectedkVA = 0;
  allocationFactor = 0.5;
  kWh = 0;
  kWhDays = 30;
  cFactor = 4;
  pfSpecified = false;
  pfChanged = false;
  // derived
  vBaseLow = 0;
  vBase95 = 0;
  vBase105 = 0;
  wNominal = 0;
  varNominal = 0;
  // complex quantities as (re, im) number pairs (no allocation in the solution loop)
  private yeqR = 0;
  private yeqI = 0;
  private yeq95R = 0;
  private yeq95I = 0;
  private yeq105R = 0;
  private yeq105Im = 0;
  private yeq105IR = 0;
  private yeq105II = 0;
  private iLowR = 0;
  private iLowI = 0;
  private m95R = 0;
  private m95Im = 0;
  private m95IR = 0;
  private m95II = 0;
  private yNeutR = 0;
  private yNeutI = 0;
  private readonly tmp = SCRATCH_TMP;
  private varBase = 0;
  private yqFixed = 0;

  constructor(name: string, baseFrequency: number) {
    super(name, baseFrequency);
    this.recalc(undefined);
  }

  get propDefs(): readonly PropDef<DssObject>[] {
    return LOAD_PROPS as PropDef<DssObject>[];
  }

  /** Delta: the rated kV itself; wye: line-to-neutral for 2- and 3-phase loads (OpenDSS UpdateVoltageBases). */
  updateVBase(): void {
    if (this.connection === "delta") this.vBase = this.kVBase * 1000;
    else
      this.vBase =
        this.nPhases === 2 || this.nPhases === 3 ? this.kVBase * INV_SQRT3_X1000 : this.kVBase * 1000;
  }

  /** OpenDSS RecalcElementData. */
  /** The band in volts (Vlowpu, Vminpu, Vmaxpu times vBase). */
  setBandVoltages(): void {
    this.vBaseLow = this.vLowPu * this.vBase;
    this.vBase95 = this.vMinPu * this.vBase;
    this.vBase105 = this.vMaxPu * this.vBase;
  }

  recalc(ctx: YPrimContext | undefined): void {
    this.setBandVoltages();
    const pf = this.pfNominal;
    switch (this.spec) {
      case "kW_PF":
        this.setKvarFromPf(pf);
        this.kVABase = Math.sqrt(this.kWBase * this.kWBase + this.kvarBase * this.kvarBase);
        break;
      case "kW_kvar":
        this.kVABase = Math.sqrt(this.kWBase * this.kWBase + this.kvarBase * this.kvarBase);
        if (this.kVABase > 0) {
          this.pfNominal = this.kWBase / this.kVABase;
          if (this.kvarBase !== 0) this.pfNominal *= Math.sign(this.kWBase * this.kvarBase);
        }
        break;
      case "kVA_PF":
        this.kWBase = this.kVABase * Math.abs(pf);
        this.kWref = this.kWBase;
        this.kvarRef = kvarMagnitude(this.kWBase, pf);
        this.setKvarFromPf(pf);
        break;
      case "xfkVA":
      case "kWh":
        if (this.pfChanged) {
          this.setKvarFromPf(pf);
          this.kVABase = Math.sqrt(this.kWref * this.kWref + this.kvarRef * this.kvarRef);
        }
        break;
    }
    this.setNominal(ctx);
    if (this.rNeut < 0) {
      this.yNeutR = 0;
      this.yNeutI = 0;
    } else if (this.rNeut === 0 && this.xNeut === 0) {
      this.yNeutR = 1e6;
      this.yNeutI = 0;
    } else {
      const d = this.rNeut * this.rNeut + this.xNeut * this.xNeut;
      this.yNeutR = this.rNeut / d;
      this.yNeutI = -this.xNeut / d;
    }
    this.varBase = (1000 * this.kvarBase) / this.nPhases;
    this.yqFixed = -this.varBase / (this.vBase * this.vBase);
    this.pfChanged = false;
  }

  /** kvarBase from kWBase at power factor `pf` (a negative pf gives negative kvar). */
  private setKvarFromPf(pf: number): void {
    this.kvarBase = kvarMagnitude(this.kWBase, pf);
    if (pf < 0) this.kvarBase = -this.kvarBase;
  }

  /** kWBase from connected kVA or billed kWh (load allocation specifications). */
  computeAllocatedLoad(): void {
    const pf = this.pfNominal;
    if (this.spec === "xfkVA") {
      if (this.connectedkVA > 0) {
        this.kWBase = this.connectedkVA * this.allocationFactor * Math.abs(pf);
        this.setKvarFromPf(pf);
      }
    } else if (this.spec === "kWh") {
      this.kWBase = (this.kWh / (this.kWhDays * 24)) * this.cFactor;
      this.setKvarFromPf(pf);
    }
  }

  /** OpenDSS SetNominalLoad: nominal W and var per phase for the present mode and time. */
  setNominal(ctx: YPrimContext | undefined): void {
    let factor = 1;
    let sp = 1;
    let sq = 1;
    let actual = false;
    const mode = ctx?.mode ?? "snapshot";
    const loadMult = ctx?.loadMult ?? 1;
    if (this.status === "fixed") {
      factor = 1;
    } else {
      factor = this.status === "exempt" ? 1 : loadMult;
      if (mode === "daily" && this.daily) {
        this.daily.multAtHour(ctx!.dblHour, this.mult);
        sp = this.mult[0]!;
        sq = this.mult[1]!;
        actual = this.daily.useActual;
      }
    }
    if (actual) {
      this.wNominal = (1000 * sp) / this.nPhases;
      this.varNominal = 0;
      if (sq !== 0) this.varNominal = (1000 * sq) / this.nPhases;
      else if (this.pfSpecified && this.pfNominal !== 1) {
        this.varNominal = this.wNominal * Math.sqrt(1 / (this.pfNominal * this.pfNominal) - 1);
        if (this.pfNominal < 0) this.varNominal = -this.varNominal;
      }
    } else {
      this.wNominal = (1000 * this.kWBase * factor * sp) / this.nPhases;
      this.varNominal = (1000 * this.kvarBase * factor * sq) / this.nPhases;
    }
    const vb2 = this.vBase * this.vBase;
    const yr = this.wNominal / vb2;
    const yi = -this.varNominal / vb2;
    this.yeqR = yr;
    this.yeqI = yi;
    const mn2 = this.vMinPu * this.vMinPu;
    const mx2 = this.vMaxPu * this.vMaxPu;
    this.yeq95R = this.vMinPu !== 0 ? yr / mn2 : 0;
    this.yeq95I = this.vMinPu !== 0 ? yi / mn2 : 0;
    this.yeq105R = this.vMaxPu !== 0 ? yr / mx2 : yr;
    this.yeq105Im = this.vMaxPu !== 0 ? yi / mx2 : yi;
    this.yeq105IR = this.vMaxPu !== 0 ? yr / this.vMaxPu : yr;
    this.yeq105II = this.vMaxPu !== 0 ? yi / this.vMaxPu : yi;
    this.iLowR = yr * this.vBaseLow;
    this.iLowI = yi * this.vBaseLow;
    const span = this.vBase95 - this.vBaseLow;
    this.m95R = (this.yeq95R * this.vBase95 - this.iLowR) / span;
    this.m95Im = (this.yeq95I * this.vBase95 - this.iLowI) / span;
    this.m95IR = (yr * this.vBase - this.iLowR) / span;
    this.m95II = (yi * this.vBase - this.iLowI) / span;
  }

  protected yprimAdmittance(_ctx: YPrimContext, out: Float64Array): void {
    out[0] = this.yeqR;
    out[1] = this.yeqI;
  }

  protected override addNeutralYprim(y: Float64Array): void {
    const n = this.yorder;
    const k = 2 * ((n - 1) * n + (n - 1));
    y[k] = y[k]! + this.yNeutR;
    y[k + 1] = y[k + 1]! + this.yNeutI;
    if (this.rNeut < 0) {
      y[k] = y[k]! * 1.000001;
      y[k + 1] = y[k + 1]! * 1.000001;
    }
  }

  /** out = y·V. */
  private yv(yr: number, yi: number, vr: number, vi: number): void {
    this.cur[0] = yr * vr - yi * vi;
    this.cur[1] = yr * vi + yi * vr;
  }

  /**
   * Between Vlowpu and Vminpu: admittance (ILow + M·(|V| − VbaseLow)) / |V| (OpenDSS
   * InterpolateY95_YLow), times V.
   */
  private interpV(mr: number, mi: number, vmag: number, vr: number, vi: number): void {
    const d = vmag - this.vBaseLow;
    this.yv((this.iLowR + mr * d) / vmag, (this.iLowI + mi * d) / vmag, vr, vi);
  }

  /** Add the current of the susceptance b (jb·V, load convention) to out. */
  private addSusceptance(b: number, vr: number, vi: number): void {
    const out = this.cur;
    out[0] = out[0]! - b * vi;
    out[1] = out[1]! + b * vr;
  }

  protected phaseCurrent(_i: number, vr: number, vi: number, vmag: number): void {
    const out = this.cur;
    const model = this.model;
    if (model === 2 || vmag <= this.vBaseLow) {
      this.yv(this.yeqR, this.yeqI, vr, vi);
      return;
    }
    const low = vmag <= this.vBase95;
    const high = !low && vmag > this.vBase105;
    switch (model) {
      case 1:
      case 3:
      case 4:
        // below Vminpu: interpolated towards constant Z; above Vmaxpu: the admittance at Vmaxpu
        if (low) this.interpV(this.m95R, this.m95Im, vmag, vr, vi);
        else if (high) this.yv(this.yeq105R, this.yeq105Im, vr, vi);
        else if (model === 1) conjSOverV(this.wNominal, this.varNominal, vr, vi, out);
        else if (model === 3) {
          // motor: constant P, the nominal susceptance for Q
          conjSOverV(this.wNominal, 0, vr, vi, out);
          this.addSusceptance(this.yeqI, vr, vi);
        } else this.cvrCurrent(vr, vi, vmag);
        return;
      case 5:
        if (low) this.interpV(this.m95IR, this.m95II, vmag, vr, vi);
        else if (high) this.yv(this.yeq105IR, this.yeq105II, vr, vi);
        else
          conjSOverV(this.wNominal, this.varNominal, (vr / vmag) * this.vBase, (vi / vmag) * this.vBase, out);
        return;
      case 6:
      case 7:
        // fixed Q (6) or fixed reactance (7): outside the band the limit conductance with the fixed susceptance
        if (low) this.yv(this.yeq95R, this.yqFixed, vr, vi);
        else if (high) this.yv(this.yeq105R, this.yqFixed, vr, vi);
        else if (model === 6) conjSOverV(this.wNominal, this.varBase, vr, vi, out);
        else {
          conjSOverV(this.wNominal, 0, vr, vi, out);
          this.addSusceptance(this.yqFixed, vr, vi);
        }
        return;
      case 8:
        this.zipvCurrent(vr, vi, vmag, low, high);
        return;
      default:
        this.yv(this.yeqR, this.yeqI, vr, vi);
    }
  }

  /** CVR model (4) within the band: P ∝ |V|^CVRwatts, Q ∝ |V|^CVRvars (2: the nominal susceptance). */
  private cvrCurrent(vr: number, vi: number, vmag: number): void {
    const out = this.cur;
    const ratio = vmag / this.vBase;
    const wf = this.cvrWatts !== 1 ? ratio ** this.cvrWatts : ratio;
    if (wf > 0) conjSOverV(this.wNominal * wf, 0, vr, vi, out);
    else {
      out[0] = 0;
      out[1] = 0;
    }
    if (vmag !== 0) {
      if (this.cvrVars === 2) this.addSusceptance(this.yeqI, vr, vi);
      else {
        const vf = this.cvrVars === 3 ? ratio * ratio * ratio : ratio ** this.cvrVars;
        conjSOverV(0, this.varNominal * vf, vr, vi, this.tmp);
        out[0] = out[0]! + this.tmp[0]!;
        out[1] = out[1]! + this.tmp[1]!;
      }
    }
  }

  /** ZIPV model (7 coefficients: Z, I, P for watts; Z, I, P for vars; cut-off voltage). */
  private zipvCurrent(vr: number, vi: number, vmag: number, low: boolean, high: boolean): void {
    const z = this.zipv!;
    let ar = 0;
    let ai = 0;
    const addY = (yr: number, yi: number): void => {
      ar += yr * vr - yi * vi;
      ai += yr * vi + yi * vr;
    };
    if (low || high) {
      const d = vmag - this.vBaseLow;
      const ipr = low ? (this.iLowR + this.m95R * d) / vmag : this.yeq105R;
      const ipi = low ? (this.iLowI + this.m95Im * d) / vmag : this.yeq105Im;
      const iir = low ? (this.iLowR + this.m95IR * d) / vmag : this.yeq105IR;
      const iii = low ? (this.iLowI + this.m95II * d) / vmag : this.yeq105II;
      addY(this.yeqR * z[0]!, this.yeqI * z[3]!);
      addY(ipr * z[2]!, ipi * z[5]!);
      addY(iir * z[1]!, iii * z[4]!);
    } else {
      addY(this.yeqR * z[0]!, this.yeqI * z[3]!);
      const t = this.tmp;
      conjSOverV(
        this.wNominal * z[1]!,
        this.varNominal * z[4]!,
        (vr / vmag) * this.vBase,
        (vi / vmag) * this.vBase,
        t,
      );
      ar += t[0]!;
      ai += t[1]!;
      conjSOverV(this.wNominal * z[2]!, this.varNominal * z[5]!, vr, vi, t);
      ar += t[0]!;
      ai += t[1]!;
    }
    if (z[6]! > 0) {
      const vx = 500 * (vmag / this.vBase - z[6]!);
      // Smooth cut-off 0.5·(1 + tanh(vx)); tanh itself, not (e^2x − 1)/(e^2x + 1), which overflows to NaN above ≈ 1.11 pu.
      const f = 0.5 * (1 + Math.tanh(vx));
      ar *= f;
      ai *= f;
    }
    this.cur[0] = ar;
    this.cur[1] = ai;
  }
}

/** A load-allocation property (connected kVA or billed kWh data): stores the number, selects the specification, recomputes kW. */
function allocationProp(
  name: string,
  spec: "xfkVA" | "kWh",
  set: (o: Load, x: number) => void,
): PropDef<Load> {
  return prop<Load>(name, (o, v) => {
    set(o, toNumber(v));
    o.spec = spec;
    o.computeAllocatedLoad();
  });
}

const LOAD_PROPS: PropDef<Load>[] = [
  ...pcLeadingProps("kV", true),
  prop("kW", (o, v) => {
    o.kWBase = toNumber(v);
    o.spec = "kW_PF";
    o.kWref = o.kWBase;
  }),
  prop("pf", (o, v) => {
    o.pfNominal = toNumber(v);
    o.pfChanged = true;
    o.pfSpecified = true;
  }),
  prop("model", (o, v) => {
    const m = toInt(v);
    if (m < 1 || m > 8) throw new ValueError("load model must be 1..8");
    o.model = m;
  }),
  prop("yearly", (o, v, cx) => {
    o.yearly = findShape(v, cx);
  }),
  prop("daily", (o, v, cx) => {
    o.daily = findShape(v, cx);
    if (o.daily?.useActual) {
      throw new ValueError("daily shapes with UseActual=yes are not supported for loads by this engine");
    }
    if (o.yearly === null) o.yearly = o.daily;
  }),
  prop("duty", (o, v, cx) => {
    o.duty = findShape(v, cx);
  }),
  unsupported("growth", "not implemented by this engine (GrowthShape)"),
  prop("conn", (o, v, cx) => {
    PC_PROPS.conn.set(o, v, cx);
    o.setBandVoltages();
  }),
  prop("kvar", (o, v) => {
    o.kvarBase = toNumber(v);
    o.spec = "kW_kvar";
    o.pfSpecified = false;
    o.kvarRef = o.kvarBase;
  }),
  prop("Rneut", (o, v) => {
    o.rNeut = toNumber(v);
  }),
  prop("Xneut", (o, v) => {
    o.xNeut = toNumber(v);
  }),
  prop("status", (o, v) => {
    const t = v.text.trim().toLowerCase();
    if (t.startsWith("v")) o.status = "variable";
    else if (t.startsWith("f")) o.status = "fixed";
    else if (t.startsWith("e")) o.status = "exempt";
    else throw new ValueError("status must be variable, fixed or exempt");
  }),
  inert("class", "int"),
  PC_PROPS.vMinPu,
  PC_PROPS.vMaxPu,
  inert("Vminnorm", "number"),
  inert("Vminemerg", "number"),
  allocationProp("xfkVA", "xfkVA", (o, x) => {
    o.connectedkVA = x;
  }),
  allocationProp("allocationfactor", "xfkVA", (o, x) => {
    o.allocationFactor = x;
  }),
  prop("kVA", (o, v) => {
    o.kVABase = toNumber(v);
    o.spec = "kVA_PF";
  }),
  inert("%mean", "number"),
  inert("%stddev", "number"),
  prop("CVRwatts", (o, v) => {
    o.cvrWatts = toNumber(v);
  }),
  prop("CVRvars", (o, v) => {
    o.cvrVars = toNumber(v);
  }),
  allocationProp("kwh", "kWh", (o, x) => {
    o.kWh = x;
  }),
  allocationProp("kwhdays", "kWh", (o, x) => {
    o.kWhDays = x;
  }),
  allocationProp("Cfactor", "kWh", (o, x) => {
    o.cFactor = x;
  }),
  unsupported("CVRcurve", "not implemented by this engine (yearly CVR curves)"),
  inert("NumCust", "int"),
  prop("ZIPV", (o, v) => {
    const a = toNumberArray(v);
    if (a.length !== 7) throw new ValueError("ZIPV needs 7 values");
    o.zipv = a;
  }),
  inert("%SeriesRL", "number"),
  inert("RelWeight", "number"),
  prop("Vlowpu", (o, v) => {
    o.vLowPu = toNumber(v);
  }),
  inert("puXharm", "number"),
  inert("XRharm", "number"),
  ...pcElementProps(),
];

// ZIPV must be set before model=8 is used
export function checkLoad(o: Load): void {
  if (o.model === 8 && o.zipv === null) throw new ValueError(`${o.fullName}: model=8 needs ZIPV`);
}
