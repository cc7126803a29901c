/**
 * What OpenDSS's generating PC classes (Generator, PVSystem, Storage) share: the voltage base
 * (line-to-neutral for 2- and 3-phase elements), the nominal output per phase in generator
 * convention, and the phase model built on it — constant PQ within [Vminpu, Vmaxpu] (default
 * 0.90–1.10) and, outside, the admittance that gives nominal power at the limit passed; model 2
 * is the nominal admittance at every voltage. In the system Y a generating element is −Yeq.
 */
import { toInt } from "../values.ts";
import { inert, type PropDef, prop, type YPrimContext } from "./base.ts";
import type { LoadShape } from "./loadshape.ts";
import { conjSOverV, INV_SQRT3_X1000, PCElement, SQRT3 } from "./pc.ts";
import { findShape } from "./vsource.ts";

/**
 * Equivalent admittances of a generating element at nominal output (P, Q per phase, W/var) on
 * Vbase: Yeq = (P − jQ)/Vbase², and Yeq/Vminpu², Yeq/Vmaxpu² (Yeq when the limit is 0).
 */
function setYeqs(
  p: number,
  q: number,
  vBase: number,
  vMinPu: number,
  vMaxPu: number,
  yeq: Float64Array,
  yMin: Float64Array,
  yMax: Float64Array,
): void {
  const vb2 = vBase * vBase;
  const yr = p / vb2;
  const yi = -q / vb2;
  yeq[0] = yr;
  yeq[1] = yi;
  const mn2 = vMinPu * vMinPu;
  const mx2 = vMaxPu * vMaxPu;
  yMin[0] = vMinPu !== 0 ? yr / mn2 : yr;
  yMin[1] = vMinPu !== 0 ? yi / mn2 : yi;
  yMax[0] = vMaxPu !== 0 ? yr / mx2 : yr;
  yMax[1] = vMaxPu !== 0 ? yi / mx2 : yi;
}

/** A generating PC element (Generator, PVSystem, Storage). */
export abstract class GeneratingElement extends PCElement {
  vMinPu = 0.9;
  vMaxPu = 1.1;
  /** Model number (1 constant PQ, 2 constant Z; each class checks which it implements). */
  model = 1;
  /** Daily dispatch shape (daily mode). */
  daily: LoadShape | null = null;
  /** Nominal output per phase at the present time (W, var; generator convention). */
  pNominal = 0;
  qNominal = 0;
  /** The band in volts: vMinPu·vBase and vMaxPu·vBase. */
  protected vBaseMin = 0;
  protected vBaseMax = 0;
  /** Nominal admittance (P − jQ)/Vbase² per phase and its values at the band limits (re, im). */
  protected readonly yeq = new Float64Array(2);
  protected readonly yeqMin = new Float64Array(2);
  protected readonly yeqMax = new Float64Array(2);

  /** OpenDSS Set_PresentkV: line-to-neutral for 2- and 3-phase elements, else the rated kV itself. */
  updateVBase(): void {
    this.vBase =
      this.nPhases === 2 || this.nPhases === 3 ? this.kVBase * INV_SQRT3_X1000 : this.kVBase * 1000;
  }

  /** The band in volts from vMinPu, vMaxPu and vBase. */
  protected setBand(): void {
    this.vBaseMin = this.vMinPu * this.vBase;
    this.vBaseMax = this.vMaxPu * this.vBase;
  }

  /** Set the nominal output per phase (W, var) and the equivalent admittances for it. */
  protected setNominalPower(pW: number, qVar: number): void {
    this.pNominal = pW;
    this.qNominal = qVar;
    setYeqs(pW, qVar, this.vBase, this.vMinPu, this.vMaxPu, this.yeq, this.yeqMin, this.yeqMax);
  }

  /** −Yeq per phase branch (a third of it per branch for delta). */
  protected yprimAdmittance(_ctx: YPrimContext, out: Float64Array): void {
    const div = this.connection === "delta" ? 3 : 1;
    out[0] = -this.yeq[0]! / div;
    out[1] = -this.yeq[1]! / div;
  }

  /** |V| of a phase on the line-to-neutral base: a 2- or 3-phase delta voltage divided by √3. */
  protected lnMagnitude(vmag: number): number {
    return this.connection === "delta" && (this.nPhases === 2 || this.nPhases === 3) ? vmag / SQRT3 : vmag;
  }

  /** Load-convention current of the generating admittance (yr, yi) at V: −(y·V)/div. */
  protected admittanceCurrent(yr: number, yi: number, vr: number, vi: number, div: number): void {
    const out = this.cur;
    out[0] = -((yr * vr - yi * vi) / div);
    out[1] = -((yr * vi + yi * vr) / div);
  }

  /** Load-convention current of the generated power (pW, qVar) at V: −conj(S/V). */
  protected powerCurrent(pW: number, qVar: number, vr: number, vi: number): void {
    const out = this.cur;
    conjSOverV(pW, qVar, vr, vi, out);
    out[0] = -out[0]!;
    out[1] = -out[1]!;
  }

  /**
   * Model 2: the nominal admittance. Otherwise constant PQ at nominal output within the band and
   * the admittance at the band limit outside it.
   */
  protected phaseCurrent(_i: number, vr: number, vi: number, vmag: number): void {
    const div = this.connection === "delta" ? 3 : 1;
    if (this.model === 2) {
      this.admittanceCurrent(this.yeq[0]!, this.yeq[1]!, vr, vi, div);
      return;
    }
    const vm = this.lnMagnitude(vmag);
    if (vm <= this.vBaseMin) this.admittanceCurrent(this.yeqMin[0]!, this.yeqMin[1]!, vr, vi, div);
    else if (vm > this.vBaseMax) this.admittanceCurrent(this.yeqMax[0]!, this.yeqMax[1]!, vr, vi, div);
    else this.powerCurrent(this.pNominal, this.qNominal, vr, vi);
  }
}

/** Properties the generating classes share (each class lists them in its own OpenDSS order). */
export const GENERATING_PROPS = {
  model: prop<GeneratingElement>("model", (o, v) => {
    o.model = toInt(v);
  }),
  yearly: inert<GeneratingElement>("yearly"),
  daily: prop<GeneratingElement>("daily", (o, v, cx) => {
    o.daily = findShape(v, cx);
  }),
  duty: inert<GeneratingElement>("duty"),
} satisfies Record<string, PropDef<GeneratingElement>>;
