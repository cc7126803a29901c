/**
 * What OpenDSS's inverter-based classes (PVSystem and Storage) share: the kVA rating, cut-in and
 * cut-out thresholds, reactive output from a power factor (pf) or a kvar request within
 * kvarMax / kvarMaxAbs, the %PminNoVars and %PminkvarMax thresholds, and how P or Q gives way
 * when √(P² + Q²) exceeds the kVA rating under watt or var priority. What differs between the
 * two — cut-in/out on panel power or on kW, the storage states, the kVA cut under PF priority
 * (signs while charging), and whether a kvar request equal to kvarMax counts as over it — stays
 * in each class.
 */
import { toBool, toNumber, ValueError } from "../values.ts";
import { inert, type PropDef, prop, unsupported } from "./base.ts";
import { GENERATING_PROPS, GeneratingElement } from "./generating.ts";
import { PC_PROPS } from "./pc.ts";

/** An inverter-based generating element (PVSystem, Storage). */
export abstract class InverterElement extends GeneratingElement {
  /** Inverter rating (kVA). */
  abstract kVArating: number;
  /** kVA was given (Storage: else kWrated sets it). */
  kVASet = false;
  /** Limits of injected and absorbed kvar (kvarMax, kvarMaxAbs). */
  abstract kvarLimit: number;
  abstract kvarLimitNeg: number;
  kvarLimitSet = false;
  kvarLimitNegSet = false;
  pfNominal = 1;
  /** Reactive output follows kvarRequested (kvar given last) instead of the PF. */
  varModeKvar = false;
  kvarRequested = 0;
  inverterOn = true;
  /** kvar is zero while the inverter is off. */
  varFollowInverter = false;
  /** WattPriority: Q gives way when the kVA rating is exceeded (default: P gives way). */
  pPriority = false;
  /** PFPriority: both give way so that the PF is kept. */
  pfPriority = false;
  /** %cutin, %cutout of the kVA rating. */
  abstract pctCutIn: number;
  abstract pctCutOut: number;
  /** %PminNoVars, %PminkvarMax of the rated power (−1 = not used). */
  pctPminNoVars = -1;
  pctPminkvarLimit = -1;
  /** Present output (kW, kvar; generator convention). */
  abstract kWOut: number;
  kvarOut = 0;
  protected cutInkW = 0;
  protected cutOutkW = 0;
  protected pMinNoVars = -1;
  protected pMinkvarLimit = -1;
  /** PF of the last kvar request cut to its limit under PF priority (0 when none). */
  protected tempPF = 0;
  /** A kvar request equal to its limit counts as over it (OpenDSS: PVSystem yes, Storage no). */
  protected abstract readonly kvarLimitInclusive: boolean;

  protected override checkModel(): void {
    if (this.model !== 1 && this.model !== 2)
      throw new ValueError(`${this.fullName}: ${this.className} model ${this.model} not supported`);
  }

  /** Cut-in/out powers (kW, of the kVA rating) and the %PminNoVars / %PminkvarMax powers of `pRatedKw`. */
  protected setInverterThresholds(pRatedKw: number): void {
    this.cutInkW = (this.pctCutIn * this.kVArating) / 100;
    this.cutOutkW = (this.pctCutOut * this.kVArating) / 100;
    this.pMinNoVars = this.pctPminNoVars <= 0 ? -1 : (this.pctPminNoVars * pRatedKw) / 100;
    this.pMinkvarLimit = this.pctPminkvarLimit <= 0 ? -1 : (this.pctPminkvarLimit * pRatedKw) / 100;
  }

  /** kvar for the present kW at the nominal PF (sign of the PF). */
  protected kvarAtPf(): number {
    return this.kWOut * Math.sqrt(1 / (this.pfNominal * this.pfNominal) - 1) * Math.sign(this.pfNominal);
  }

  /** |x| over the kvar limit `limit` (at the limit counts when kvarLimitInclusive). */
  private overKvarLimit(x: number, limit: number): boolean {
    return this.kvarLimitInclusive ? Math.abs(x) >= limit : Math.abs(x) > limit;
  }

  /**
   * Reactive output of a running inverter (OpenDSS ComputeInverterPower, before the kVA limit):
   * none below %PminNoVars; below %PminkvarMax the limit shrinks in proportion to |P|; else the
   * PF's kvar or the request, cut to kvarMax / kvarMaxAbs, and under PF priority P follows to
   * keep the PF (leaving tempPF set for the kVA cut).
   */
  protected computeKvar(): void {
    const sign = Math.sign;
    this.tempPF = 0;
    if (Math.abs(this.kWOut) < this.pMinNoVars) {
      this.kvarOut = 0;
    } else if (!this.varModeKvar) {
      if (this.pfNominal === 1) this.kvarOut = 0;
      else {
        this.kvarOut = this.kvarAtPf();
        if (Math.abs(this.kWOut) < this.pMinkvarLimit) {
          if (Math.abs(this.kWOut) >= Math.max(this.pMinNoVars, this.cutOutkW)) {
            let q = 0;
            if (this.kvarOut > 0) q = (this.kvarLimit / this.pMinkvarLimit) * Math.abs(this.kWOut);
            else if (this.kvarOut < 0) q = (this.kvarLimitNeg / this.pMinkvarLimit) * Math.abs(this.kWOut);
            if (Math.abs(this.kvarOut) > q) this.kvarOut = q * sign(this.kWOut) * sign(this.pfNominal);
          }
        } else if (Math.abs(this.kvarOut) > this.kvarLimit || Math.abs(this.kvarOut) > this.kvarLimitNeg) {
          this.kvarOut =
            (this.kvarOut > 0 ? this.kvarLimit : this.kvarLimitNeg) * sign(this.kWOut) * sign(this.pfNominal);
          if (this.pfPriority) {
            this.kWOut =
              this.kvarOut * Math.sqrt(1 / (1 - this.pfNominal * this.pfNominal) - 1) * sign(this.pfNominal);
          }
        }
      }
    } else {
      const req = this.kvarRequested;
      if (Math.abs(this.kWOut) < this.pMinkvarLimit) {
        if (Math.abs(this.kWOut) >= Math.max(this.pMinNoVars, this.cutOutkW)) {
          let q = 0;
          if (req > 0) q = (this.kvarLimit / this.pMinkvarLimit) * Math.abs(this.kWOut);
          else if (req < 0) q = (this.kvarLimitNeg / this.pMinkvarLimit) * Math.abs(this.kWOut);
          this.kvarOut = Math.abs(req) > q ? q * sign(req) : req;
        }
      } else if (
        (req > 0 && this.overKvarLimit(req, this.kvarLimit)) ||
        (req < 0 && this.overKvarLimit(req, this.kvarLimitNeg))
      ) {
        this.kvarOut = req > 0 ? this.kvarLimit * sign(req) : this.kvarLimitNeg * sign(req);
        if (this.pfPriority && Math.abs(req) > 0) {
          this.tempPF = Math.cos(Math.atan(Math.abs(req / this.kWOut)));
          this.kWOut =
            Math.abs(this.kvarOut) * Math.sqrt(1 / (1 - this.tempPF * this.tempPF) - 1) * sign(this.kWOut);
        }
      } else {
        this.kvarOut = req;
      }
    }
  }

  /** √(P² + Q²) of the present output exceeds the kVA rating. */
  protected overKva(): boolean {
    return Math.sqrt(this.kWOut * this.kWOut + this.kvarOut * this.kvarOut) > this.kVArating;
  }

  /**
   * Back within the kVA rating under watt priority (Q gives way; P alone is cut to kVA) or, by
   * default, var priority (P gives way).
   */
  protected limitKvaByPriority(): void {
    const kva = this.kVArating;
    if (this.pPriority) {
      if (this.kWOut > kva) {
        this.kWOut = kva;
        this.kvarOut = 0;
      } else this.kvarOut = Math.sqrt(kva * kva - this.kWOut * this.kWOut) * Math.sign(this.kvarOut);
    } else {
      this.kWOut = Math.sqrt(kva * kva - this.kvarOut * this.kvarOut) * Math.sign(this.kWOut);
    }
  }
}

/** Properties the inverter-based classes share (each class lists them in its own OpenDSS order). */
export const INVERTER_PROPS = {
  kvar: prop<InverterElement>("kvar", (o, v) => {
    o.kvarRequested = toNumber(v);
    o.varModeKvar = true;
  }),
  pf: prop<InverterElement>("pf", (o, v) => {
    o.pfNominal = toNumber(v);
    o.varModeKvar = false;
  }),
  kVA: prop<InverterElement>("kVA", (o, v) => {
    o.kVArating = toNumber(v);
    o.kVASet = true;
    if (!o.kvarLimitSet) o.kvarLimit = o.kVArating;
    if (!o.kvarLimitSet && !o.kvarLimitNegSet) o.kvarLimitNeg = o.kVArating;
  }),
  cutIn: prop<InverterElement>("%Cutin", (o, v) => {
    o.pctCutIn = toNumber(v);
  }),
  cutOut: prop<InverterElement>("%Cutout", (o, v) => {
    o.pctCutOut = toNumber(v);
  }),
  effCurve: unsupported<InverterElement>(
    "EffCurve",
    "not implemented by this engine (inverter efficiency curves)",
  ),
  varFollowInverter: prop<InverterElement>("VarFollowInverter", (o, v) => {
    o.varFollowInverter = toBool(v);
  }),
  kvarMax: prop<InverterElement>("kvarMax", (o, v) => {
    o.kvarLimit = Math.abs(toNumber(v));
    o.kvarLimitSet = true;
    if (!o.kvarLimitNegSet) o.kvarLimitNeg = Math.abs(o.kvarLimit);
  }),
  kvarMaxAbs: prop<InverterElement>("kvarMaxAbs", (o, v) => {
    o.kvarLimitNeg = Math.abs(toNumber(v));
    o.kvarLimitNegSet = true;
  }),
  wattPriority: prop<InverterElement>("WattPriority", (o, v) => {
    o.pPriority = toBool(v);
  }),
  pfPriority: prop<InverterElement>("PFPriority", (o, v) => {
    o.pfPriority = toBool(v);
  }),
  pctR: inert<InverterElement>("%R", "number"),
  pctX: inert<InverterElement>("%X", "number"),
  balanced: prop<InverterElement>("Balanced", (_o, v) => {
    if (toBool(v)) throw new ValueError("Balanced=yes is not supported by this engine");
  }),
  limitCurrent: prop<InverterElement>("LimitCurrent", (_o, v) => {
    if (toBool(v)) throw new ValueError("LimitCurrent=yes is not supported by this engine");
  }),
} satisfies Record<string, PropDef<InverterElement>>;

/**
 * %R, %X, model, Vminpu, Vmaxpu, Balanced, LimitCurrent, yearly, daily, duty: a run of
 * properties PVSystem and Storage list in the same order.
 */
export const INVERTER_MODEL_AND_SHAPE_PROPS: PropDef<InverterElement>[] = [
  INVERTER_PROPS.pctR,
  INVERTER_PROPS.pctX,
  GENERATING_PROPS.model,
  PC_PROPS.vMinPu,
  PC_PROPS.vMaxPu,
  INVERTER_PROPS.balanced,
  INVERTER_PROPS.limitCurrent,
  GENERATING_PROPS.yearly,
  GENERATING_PROPS.daily,
  GENERATING_PROPS.duty,
];
