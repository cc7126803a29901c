/**
 * PVSystem (OpenDSS's current PVSystem model): panel power = Pmpp × irradiance × shape (no P-T
 * or efficiency curves here), limited to Pmpp·%Pmpp; the inverter turns off below %cutout of kVA
 * and back on above %cutin; reactive output follows a power factor or a kvar request within
 * kvarMax/kvarMaxAbs; and when √(P² + Q²) exceeds the kVA rating, reactive power has priority by
 * default (P is cut to √(kVA² − Q²)); WattPriority=yes cuts Q instead; PFPriority keeps the PF.
 * The terminal model is constant PQ within [Vminpu, Vmaxpu] (0.90–1.10) and constant Z outside.
 */
import { toBool, toInt, toNumber, ValueError } from "../values.ts";
import {
  type DssObject,
  inert,
  type PropContext,
  type PropDef,
  pcElementProps,
  prop,
  unsupported,
  type YPrimContext,
} from "./base.ts";
import type { LoadShape } from "./loadshape.ts";
import { conjSOverV, PCElement, setYeqs, toConnection } from "./pc.ts";
import { findShape } from "./vsource.ts";

/** Shared load-shape multiplier scratch (filled and read within one call). */
const SCRATCH_MULT = new Float64Array(2);

const SQRT3 = Math.sqrt(3);
const INV_SQRT3_X1000 = 1000 / SQRT3;

/** A PV system (panel + inverter). */
export class PVSystem extends PCElement {
  readonly className = "PVSystem";
  kVBase = 12.47;
  vBase = 7200;
  vMinPu = 0.9;
  vMaxPu = 1.1;
  kVArating = 500;
  pmpp = 500;
  puPmpp = 1;
  irradiance = 1;
  temperature = 25;
  pctCutIn = 20;
  pctCutOut = 20;
  kvarLimit = 500;
  kvarLimitNeg = 500;
  kvarLimitSet = false;
  kvarLimitNegSet = false;
  pfNominal = 1;
  varModeKvar = false;
  kvarRequested = 0;
  inverterOn = true;
  varFollowInverter = false;
  pPriority = false;
  pfPriority = false;
  pctPminNoVars = -1;
  pctPminkvarLimit = -1;
  model = 1;
  daily: LoadShape | null = null;
  // derived
  kWOut = 500;
  kvarOut = 0;
  panelkW = 0;
  shapeFactor = 1;
  pNominal = 0;
  qNominal = 0;
  private cutInkW = 0;
  private cutOutkW = 0;
  private pMinNoVars = -1;
  private pMinkvarLimit = -1;
  private vBaseMin = 0;
  private vBaseMax = 0;
  private readonly yeq = new Float64Array(2);
  private readonly yeqMin = new Float64Array(2);
  private readonly yeqMax = new Float64Array(2);
  private readonly mult = SCRATCH_MULT;

  constructor(name: string, baseFrequency: number) {
    super(name, baseFrequency);
    this.nPhases = 3;
    this.setNCondsForConnection();
    this.nTerms = 1;
    this.resize();
    this.busSpec[0] = `${this.name}_1`;
    this.recalc(undefined);
  }

  get propDefs(): readonly PropDef<DssObject>[] {
    return PV_PROPS as PropDef<DssObject>[];
  }

  updateVBase(): void {
    this.vBase =
      this.nPhases === 2 || this.nPhases === 3 ? this.kVBase * INV_SQRT3_X1000 : this.kVBase * 1000;
  }

  override endEdit(_cx: PropContext): void {
    if (this.model !== 1 && this.model !== 2)
      throw new ValueError(`${this.fullName}: PVSystem model ${this.model} not supported`);
    this.recalc(undefined);
    this.yprimInvalid = true;
  }

  recalc(ctx: YPrimContext | undefined): void {
    this.vBaseMin = this.vMinPu * this.vBase;
    this.vBaseMax = this.vMaxPu * this.vBase;
    this.cutInkW = (this.pctCutIn * this.kVArating) / 100;
    this.cutOutkW = (this.pctCutOut * this.kVArating) / 100;
    this.pMinNoVars = this.pctPminNoVars <= 0 ? -1 : (this.pctPminNoVars * this.pmpp) / 100;
    this.pMinkvarLimit = this.pctPminkvarLimit <= 0 ? -1 : (this.pctPminkvarLimit * this.pmpp) / 100;
    this.setNominal(ctx);
  }

  /** OpenDSS SetNominalPVSystemOuput. */
  setNominal(ctx: YPrimContext | undefined): void {
    this.shapeFactor = 1;
    if (ctx?.mode === "daily" && this.daily) {
      this.daily.multAtHour(ctx.dblHour, this.mult);
      this.shapeFactor = this.mult[0]!;
    }
    this.panelkW = this.irradiance * this.shapeFactor * this.pmpp;
    this.computeInverterPower();
    this.pNominal = (1000 * this.kWOut) / this.nPhases;
    this.qNominal = (1000 * this.kvarOut) / this.nPhases;
    setYeqs(
      this.pNominal,
      this.qNominal,
      this.vBase,
      this.vMinPu,
      this.vMaxPu,
      this.yeq,
      this.yeqMin,
      this.yeqMax,
    );
  }

  private computeInverterPower(): void {
    const kva = this.kVArating;
    this.kWOut = 0;
    if (this.inverterOn) {
      if (this.panelkW < this.cutOutkW) this.inverterOn = false;
    } else if (this.panelkW >= this.cutInkW) {
      this.inverterOn = true;
    }
    if (this.inverterOn) {
      const pac = this.panelkW;
      const limit = this.pmpp * this.puPmpp;
      this.kWOut = Math.min(pac, limit);
    }
    const sign = Math.sign;
    let tempPF = 0;
    if (Math.abs(this.kWOut) < this.pMinNoVars) {
      this.kvarOut = 0;
    } else if (!this.varModeKvar) {
      if (this.pfNominal === 1) this.kvarOut = 0;
      else {
        this.kvarOut =
          this.kWOut * Math.sqrt(1 / (this.pfNominal * this.pfNominal) - 1) * sign(this.pfNominal);
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
        (req > 0 && Math.abs(req) >= this.kvarLimit) ||
        (req < 0 && Math.abs(req) >= this.kvarLimitNeg)
      ) {
        this.kvarOut = req > 0 ? this.kvarLimit * sign(req) : this.kvarLimitNeg * sign(req);
        if (this.pfPriority && Math.abs(req) > 0) {
          tempPF = Math.cos(Math.atan(Math.abs(req / this.kWOut)));
          this.kWOut = Math.abs(this.kvarOut) * Math.sqrt(1 / (1 - tempPF * tempPF) - 1) * sign(this.kWOut);
        }
      } else {
        this.kvarOut = req;
      }
    }
    if (!this.inverterOn && this.varFollowInverter) this.kvarOut = 0;
    const kvaGen = Math.sqrt(this.kWOut * this.kWOut + this.kvarOut * this.kvarOut);
    if (kvaGen > kva) {
      if (!this.varModeKvar && this.pfPriority) {
        this.kWOut = kva * Math.abs(this.pfNominal);
        this.kvarOut = kva * Math.sqrt(1 - this.pfNominal * this.pfNominal) * sign(this.pfNominal);
      } else if (this.varModeKvar && this.pfPriority) {
        if (Math.abs(this.kvarOut) === this.kvarLimit) this.kWOut = kva * Math.abs(tempPF) * sign(this.kWOut);
        else
          this.kWOut =
            kva * Math.abs(Math.cos(Math.atan(this.kvarRequested / this.kWOut))) * sign(this.kWOut);
        this.kvarOut = kva * Math.abs(Math.sin(Math.acos(this.kWOut / kva))) * sign(this.kvarRequested);
      } else if (this.pPriority) {
        if (this.kWOut > kva) {
          this.kWOut = kva;
          this.kvarOut = 0;
        } else this.kvarOut = Math.sqrt(kva * kva - this.kWOut * this.kWOut) * sign(this.kvarOut);
      } else {
        this.kWOut = Math.sqrt(kva * kva - this.kvarOut * this.kvarOut) * sign(this.kWOut);
      }
    }
    if (!this.inverterOn && this.varFollowInverter) this.kvarOut = 0;
  }

  protected yprimAdmittance(_ctx: YPrimContext, out: Float64Array): void {
    const div = this.connection === "delta" ? 3 : 1;
    out[0] = -this.yeq[0]! / div;
    out[1] = -this.yeq[1]! / div;
  }

  protected phaseCurrent(_i: number, vr: number, vi: number, vmag: number): void {
    const out = this.cur;
    const delta = this.connection === "delta";
    if (this.model === 2) {
      const div = delta ? 3 : 1;
      out[0] = -((this.yeq[0] * vr - this.yeq[1] * vi) / div);
      out[1] = -((this.yeq[0] * vi + this.yeq[1] * vr) / div);
      return;
    }
    let vm = vmag;
    if (delta && (this.nPhases === 2 || this.nPhases === 3)) vm = vmag / SQRT3;
    const div = delta ? 3 : 1;
    if (vm <= this.vBaseMin) {
      out[0] = -((this.yeqMin[0] * vr - this.yeqMin[1] * vi) / div);
      out[1] = -((this.yeqMin[0] * vi + this.yeqMin[1] * vr) / div);
    } else if (vm > this.vBaseMax) {
      out[0] = -((this.yeqMax[0] * vr - this.yeqMax[1] * vi) / div);
      out[1] = -((this.yeqMax[0] * vi + this.yeqMax[1] * vr) / div);
    } else {
      conjSOverV(this.pNominal, this.qNominal, vr, vi, out);
      out[0] = -out[0]!;
      out[1] = -out[1]!;
    }
  }
}

const PV_PROPS: PropDef<PVSystem>[] = [
  prop("phases", (o, v, cx) => {
    const n = toInt(v);
    if (n < 1) throw new ValueError("phases must be >= 1");
    o.nPhases = n;
    o.setNCondsForConnection();
    o.resize();
    cx.busesChanged();
  }),
  prop("bus1", (o, v, cx) => o.setBus(0, v.text, cx)),
  prop("kv", (o, v) => {
    o.kVBase = toNumber(v);
    o.updateVBase();
  }),
  prop("irradiance", (o, v) => {
    o.irradiance = toNumber(v);
  }),
  prop("Pmpp", (o, v) => {
    o.pmpp = toNumber(v);
  }),
  prop("%Pmpp", (o, v) => {
    o.puPmpp = toNumber(v) * 0.01;
  }),
  prop("Temperature", (o, v) => {
    o.temperature = toNumber(v);
  }),
  prop("pf", (o, v) => {
    o.pfNominal = toNumber(v);
    o.varModeKvar = false;
  }),
  prop("conn", (o, v, cx) => {
    o.connection = toConnection(v);
    o.setNCondsForConnection();
    o.resize();
    o.updateVBase();
    cx.busesChanged();
  }),
  prop("kvar", (o, v) => {
    o.kvarRequested = toNumber(v);
    o.varModeKvar = true;
  }),
  prop("kVA", (o, v) => {
    o.kVArating = toNumber(v);
    if (!o.kvarLimitSet) o.kvarLimit = o.kVArating;
    if (!o.kvarLimitSet && !o.kvarLimitNegSet) o.kvarLimitNeg = o.kVArating;
  }),
  prop("%Cutin", (o, v) => {
    o.pctCutIn = toNumber(v);
  }),
  prop("%Cutout", (o, v) => {
    o.pctCutOut = toNumber(v);
  }),
  unsupported("EffCurve", "not implemented by this engine (inverter efficiency curves)"),
  unsupported("P-TCurve", "not implemented by this engine (power-temperature curves)"),
  inert("%R", "number"),
  inert("%X", "number"),
  prop("model", (o, v) => {
    o.model = toInt(v);
  }),
  prop("Vminpu", (o, v) => {
    o.vMinPu = toNumber(v);
  }),
  prop("Vmaxpu", (o, v) => {
    o.vMaxPu = toNumber(v);
  }),
  prop("Balanced", (_o, v) => {
    if (toBool(v)) throw new ValueError("Balanced=yes is not supported by this engine");
  }),
  prop("LimitCurrent", (_o, v) => {
    if (toBool(v)) throw new ValueError("LimitCurrent=yes is not supported by this engine");
  }),
  inert("yearly"),
  prop("daily", (o, v, cx) => {
    o.daily = findShape(v, cx);
  }),
  inert("duty"),
  unsupported("Tyearly"),
  unsupported("Tdaily", "not implemented by this engine (temperature shapes)"),
  unsupported("Tduty"),
  inert("class", "int"),
  unsupported("UserModel"),
  unsupported("UserData"),
  inert("debugtrace", "bool"),
  prop("VarFollowInverter", (o, v) => {
    o.varFollowInverter = toBool(v);
  }),
  inert("DutyStart", "number"),
  prop("WattPriority", (o, v) => {
    o.pPriority = toBool(v);
  }),
  prop("PFPriority", (o, v) => {
    o.pfPriority = toBool(v);
  }),
  prop("%PminNoVars", (o, v) => {
    o.pctPminNoVars = Math.abs(toNumber(v));
  }),
  prop("%PminkvarMax", (o, v) => {
    o.pctPminkvarLimit = Math.abs(toNumber(v));
  }),
  prop("kvarMax", (o, v) => {
    o.kvarLimit = Math.abs(toNumber(v));
    o.kvarLimitSet = true;
    if (!o.kvarLimitNegSet) o.kvarLimitNeg = Math.abs(o.kvarLimit);
  }),
  prop("kvarMaxAbs", (o, v) => {
    o.kvarLimitNeg = Math.abs(toNumber(v));
    o.kvarLimitNegSet = true;
  }),
  ...pcElementProps(),
];
