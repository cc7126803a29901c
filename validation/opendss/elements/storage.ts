/**
 * Storage (OpenDSS's current Storage model). State is charging (kW < 0 dispatched), idling or
 * discharging (kW > 0). Charging stops when full (kWhstored ≥ kWhrated) and discharging at the
 * reserve (%reserve of kWhrated); an idling unit draws %IdlingkW of kWrated but still delivers its
 * kvar request. The inverter limits kW to kWrated·%kWrated, kvar to kvarMax/kvarMaxAbs, and when
 * √(P² + Q²) exceeds kVA reactive power has priority by default (P is cut; an idling unit always
 * keeps P). At the end of each time step (daily mode) the stored energy is updated from the
 * terminal power actually delivered in the step:
 *   charging    kWh += (|P| − P_idling)·η_charge·Δt
 *   discharging kWh −= (P + P_idling)/η_discharge·Δt
 * with the state switched to idling at the limits.
 */
import type { ValueToken } from "../lexer.ts";
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

/** Storage states (OpenDSS codes). */
export const STORE_CHARGING = -1;
export const STORE_IDLING = 0;
export const STORE_DISCHARGING = 1;

type DispMode = "default" | "loadlevel" | "external" | "follow";

/** A storage unit (battery + inverter). */
export class Storage extends PCElement {
  readonly className = "Storage";
  kVBase = 12.47;
  vBase = 7200;
  vMinPu = 0.9;
  vMaxPu = 1.1;
  kWRating = 25;
  kVArating = 25;
  kVASet = false;
  kWhRating = 50;
  kWhStored = 50;
  kWhReserve = 10;
  kWhBeforeUpdate = 50;
  pctReserve = 20;
  pctkWrated = 1;
  kvarLimit = 25;
  kvarLimitNeg = 25;
  kvarLimitSet = false;
  kvarLimitNegSet = false;
  pPriority = false;
  pfPriority = false;
  pctCutIn = 0;
  pctCutOut = 0;
  pctPminNoVars = -1;
  pctPminkvarLimit = -1;
  pctIdlekW = 1;
  pctChargeEff = 90;
  pctDischargeEff = 90;
  pctkWOut = 100;
  pctkWIn = 100;
  pfNominal = 1;
  varModeKvar = false;
  kvarRequested = 0;
  inverterOn = true;
  varFollowInverter = false;
  state = STORE_IDLING;
  stateChanged = true;
  dispMode: DispMode = "default";
  dischargeTrigger = 0;
  chargeTrigger = 0;
  model = 1;
  daily: LoadShape | null = null;
  // derived
  kWOut = 0;
  kvarOut = 0;
  pNominal = 0;
  qNominal = 0;
  private yeqDischarge = 0;
  private pIdling = 0;
  private kWOutIdling = 0;
  private cutInkW = 0;
  private cutOutkW = 0;
  private pMinNoVars = -1;
  private pMinkvarLimit = -1;
  private vBase95 = 0;
  private vBase105 = 0;
  private readonly yeq = new Float64Array(2);
  private readonly yeq95 = new Float64Array(2);
  private readonly yeq105 = new Float64Array(2);
  private readonly mult = SCRATCH_MULT;

  constructor(name: string, baseFrequency: number) {
    super(name, baseFrequency);
    this.nPhases = 3;
    this.setNCondsForConnection();
    this.nTerms = 1;
    this.resize();
    this.busSpec[0] = `${this.name}_1`;
    this.kWhReserve = (this.kWhRating * this.pctReserve) / 100;
    this.recalc(undefined);
  }

  get propDefs(): readonly PropDef<DssObject>[] {
    return STORAGE_PROPS as PropDef<DssObject>[];
  }

  updateVBase(): void {
    this.vBase =
      this.nPhases === 2 || this.nPhases === 3 ? this.kVBase * INV_SQRT3_X1000 : this.kVBase * 1000;
  }

  /** The kW property (positive = discharging). */
  get kWProperty(): number {
    if (this.state === STORE_CHARGING) return (-this.pctkWIn * this.kWRating) / 100;
    if (this.state === STORE_DISCHARGING) return (this.pctkWOut * this.kWRating) / 100;
    return -this.kWOutIdling;
  }

  setKW(value: number): void {
    if (value > 0) {
      this.state = STORE_DISCHARGING;
      this.pctkWOut = (value / this.kWRating) * 100;
    } else if (value < 0) {
      this.state = STORE_CHARGING;
      this.pctkWIn = (Math.abs(value) / this.kWRating) * 100;
    } else {
      this.state = STORE_IDLING;
    }
  }

  /** Request a state; declined (idling) at the energy limits. */
  setState(value: number): void {
    const saved = this.state;
    if (value === STORE_CHARGING) this.state = this.kWhStored < this.kWhRating ? value : STORE_IDLING;
    else if (value === STORE_DISCHARGING)
      this.state = this.kWhStored > this.kWhReserve ? value : STORE_IDLING;
    else this.state = STORE_IDLING;
    if (saved !== this.state) this.stateChanged = true;
  }

  override endEdit(_cx: PropContext): void {
    if (this.model !== 1 && this.model !== 2)
      throw new ValueError(`${this.fullName}: Storage model ${this.model} not supported`);
    this.recalc(undefined);
    this.yprimInvalid = true;
  }

  recalc(ctx: YPrimContext | undefined): void {
    this.vBase95 = this.vMinPu * this.vBase;
    this.vBase105 = this.vMaxPu * this.vBase;
    this.yeqDischarge = (this.kWRating * 1000) / (this.vBase * this.vBase) / this.nPhases;
    this.cutInkW = (this.pctCutIn * this.kVArating) / 100;
    this.cutOutkW = (this.pctCutOut * this.kVArating) / 100;
    this.pMinNoVars = this.pctPminNoVars <= 0 ? -1 : (this.pctPminNoVars * this.kWRating) / 100;
    this.pMinkvarLimit = this.pctPminkvarLimit <= 0 ? -1 : (this.pctPminkvarLimit * this.kWRating) / 100;
    this.pIdling = (this.pctIdlekW * this.kWRating) / 100;
    this.kWOutIdling = this.pIdling;
    this.setNominal(ctx);
  }

  private checkStateTriggerLevel(level: number): void {
    this.stateChanged = false;
    const old = this.state;
    if (this.dispMode === "follow") {
      if (level > 0 && this.kWhStored > this.kWhReserve) this.setState(STORE_DISCHARGING);
      else if (level < 0 && this.kWhStored < this.kWhRating) this.setState(STORE_CHARGING);
      else this.setState(STORE_IDLING);
    } else {
      if (this.chargeTrigger === 0 && this.dischargeTrigger === 0) return;
      if (this.state === STORE_CHARGING) {
        if (this.chargeTrigger !== 0 && (this.chargeTrigger < level || this.kWhStored >= this.kWhRating)) {
          this.state = STORE_IDLING;
        }
      } else if (this.state === STORE_DISCHARGING) {
        if (
          this.dischargeTrigger !== 0 &&
          (this.dischargeTrigger > level || this.kWhStored <= this.kWhReserve)
        ) {
          this.state = STORE_IDLING;
        }
      }
      if (this.state === STORE_IDLING) {
        if (
          this.dischargeTrigger !== 0 &&
          this.dischargeTrigger < level &&
          this.kWhStored > this.kWhReserve
        ) {
          this.state = STORE_DISCHARGING;
        } else if (
          this.chargeTrigger !== 0 &&
          this.chargeTrigger > level &&
          this.kWhStored < this.kWhRating
        ) {
          this.state = STORE_CHARGING;
        }
      }
    }
    if (old !== this.state) {
      this.stateChanged = true;
      this.yprimInvalid = true;
    }
  }

  /** OpenDSS SetNominalStorageOutput. */
  setNominal(ctx: YPrimContext | undefined): void {
    let shape = 1;
    if (this.dispMode === "loadlevel") {
      this.checkStateTriggerLevel(ctx?.loadMult ?? 1);
    } else if (this.dispMode !== "external" && ctx?.mode === "daily") {
      if (this.daily) {
        this.daily.multAtHour(ctx.dblHour, this.mult);
        shape = this.mult[0]!;
      }
      this.checkStateTriggerLevel(shape);
    }
    this.computePresentkW(shape);
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
      this.yeq95,
      this.yeq105,
    );
    if (this.stateChanged) {
      this.yprimInvalid = true;
      this.stateChanged = false;
    }
  }

  private computePresentkW(shape: number): void {
    const old = this.state;
    if (this.state === STORE_CHARGING) {
      if (this.kWhStored < this.kWhRating) {
        if (this.dispMode === "follow") {
          this.kWOut = this.kWRating * shape;
          this.pctkWIn = Math.abs(shape) * 100;
        } else this.kWOut = (-this.kWRating * this.pctkWIn) / 100;
      } else this.state = STORE_IDLING;
    } else if (this.state === STORE_DISCHARGING) {
      if (this.kWhStored > this.kWhReserve) {
        if (this.dispMode === "follow") {
          this.kWOut = this.kWRating * shape;
          this.pctkWOut = Math.abs(shape) * 100;
        } else this.kWOut = (this.kWRating * this.pctkWOut) / 100;
      } else this.state = STORE_IDLING;
    }
    if (this.state === STORE_IDLING) this.kWOut = -this.kWOutIdling;
    if (old !== this.state) this.stateChanged = true;
  }

  private computeInverterPower(): void {
    const sign = Math.sign;
    const kva = this.kVArating;
    const old = this.state;
    if (this.inverterOn) {
      if (Math.abs(this.kWOut) < this.cutOutkW) {
        this.inverterOn = false;
        this.state = STORE_IDLING;
      }
    } else if (Math.abs(this.kWOut) >= this.cutInkW) {
      this.inverterOn = true;
    } else {
      this.state = STORE_IDLING;
    }
    if (old !== this.state) this.stateChanged = true;
    if (this.inverterOn) {
      const limit =
        this.state === STORE_DISCHARGING ? this.kWRating * this.pctkWrated : -this.kWRating * this.pctkWrated;
      if (limit > 0 && this.kWOut > limit) this.kWOut = limit;
      else if (limit < 0 && this.kWOut < limit) this.kWOut = limit;
    } else {
      this.kWOut = -this.kWOutIdling;
    }
    const req = this.kvarRequested;
    if (this.state === STORE_IDLING) {
      if (!this.varModeKvar) {
        this.kvarOut =
          this.kWOut * Math.sqrt(1 / (this.pfNominal * this.pfNominal) - 1) * sign(this.pfNominal);
        if (this.kvarOut > 0 && Math.abs(this.kvarOut) > this.kvarLimit) this.kvarOut = this.kvarLimit;
        else if (this.kvarOut < 0 && Math.abs(this.kvarOut) > this.kvarLimitNeg)
          this.kvarOut = this.kvarLimitNeg * sign(req);
      } else if (req > 0 && Math.abs(req) > this.kvarLimit) this.kvarOut = this.kvarLimit;
      else if (req < 0 && Math.abs(req) > this.kvarLimitNeg) this.kvarOut = this.kvarLimitNeg * sign(req);
      else this.kvarOut = req;
    } else if (Math.abs(this.kWOut) < this.pMinNoVars) {
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
    } else if (Math.abs(this.kWOut) < this.pMinkvarLimit) {
      if (Math.abs(this.kWOut) >= Math.max(this.pMinNoVars, this.cutOutkW)) {
        let q = 0;
        if (req > 0) q = (this.kvarLimit / this.pMinkvarLimit) * Math.abs(this.kWOut);
        else if (req < 0) q = (this.kvarLimitNeg / this.pMinkvarLimit) * Math.abs(this.kWOut);
        this.kvarOut = Math.abs(req) > q ? q * sign(req) : req;
      }
    } else if (
      (req > 0 && Math.abs(req) > this.kvarLimit) ||
      (req < 0 && Math.abs(req) > this.kvarLimitNeg)
    ) {
      this.kvarOut = req > 0 ? this.kvarLimit * sign(req) : this.kvarLimitNeg * sign(req);
      if (this.pfPriority && Math.abs(req) > 0) {
        const tempPF = Math.cos(Math.atan(Math.abs(req / this.kWOut)));
        this.kWOut = Math.abs(this.kvarOut) * Math.sqrt(1 / (1 - tempPF * tempPF) - 1) * sign(this.kWOut);
      }
    } else {
      this.kvarOut = req;
    }
    if (!this.inverterOn && this.varFollowInverter) this.kvarOut = 0;
    const kvaGen = Math.sqrt(this.kWOut * this.kWOut + this.kvarOut * this.kvarOut);
    if (kvaGen > kva) {
      if (this.state === STORE_IDLING) {
        this.kvarOut = Math.sqrt(kva * kva - this.kWOut * this.kWOut) * sign(this.kvarOut);
      } else if (!this.varModeKvar && this.pfPriority) {
        this.kWOut = kva * Math.abs(this.pfNominal) * sign(this.kWOut);
        this.kvarOut =
          kva * Math.sqrt(1 - this.pfNominal * this.pfNominal) * sign(this.kWOut) * sign(this.pfNominal);
      } else if (this.varModeKvar && this.pfPriority) {
        this.kWOut = kva * Math.abs(Math.cos(Math.atan(req / this.kWOut))) * sign(this.kWOut);
        this.kvarOut = kva * Math.abs(Math.sin(Math.acos(this.kWOut / kva))) * sign(req);
      } else if (this.pPriority) {
        if (this.kWOut > kva) {
          this.kWOut = kva;
          this.kvarOut = 0;
        } else this.kvarOut = Math.sqrt(kva * kva - this.kWOut * this.kWOut) * sign(this.kvarOut);
      } else {
        this.kWOut = Math.sqrt(kva * kva - this.kvarOut * this.kvarOut) * sign(this.kWOut);
      }
    }
  }

  protected yprimAdmittance(_ctx: YPrimContext, out: Float64Array): void {
    let y = 0;
    if (this.state === STORE_CHARGING) y = this.yeqDischarge;
    else if (this.state === STORE_DISCHARGING) y = -this.yeqDischarge;
    out[0] = this.connection === "delta" ? y / 3 : y;
    out[1] = 0;
  }

  protected phaseCurrent(_i: number, vr: number, vi: number, vmag: number): void {
    const out = this.cur;
    const delta = this.connection === "delta";
    const div = delta ? 3 : 1;
    if (this.model === 2) {
      out[0] = -((this.yeq[0] * vr - this.yeq[1] * vi) / div);
      out[1] = -((this.yeq[0] * vi + this.yeq[1] * vr) / div);
      return;
    }
    let vm = vmag;
    if (delta && this.nPhases > 1) vm = vmag / SQRT3;
    if (vm <= this.vBase95) {
      out[0] = -((this.yeq95[0] * vr - this.yeq95[1] * vi) / div);
      out[1] = -((this.yeq95[0] * vi + this.yeq95[1] * vr) / div);
    } else if (vm > this.vBase105) {
      out[0] = -((this.yeq105[0] * vr - this.yeq105[1] * vi) / div);
      out[1] = -((this.yeq105[0] * vi + this.yeq105[1] * vr) / div);
    } else {
      conjSOverV(this.pNominal, this.qNominal, vr, vi, out);
      out[0] = -out[0]!;
      out[1] = -out[1]!;
    }
  }

  /**
   * End-of-time-step energy update (OpenDSS UpdateStorage) from the terminal power `pW` (watts
   * into the element, from the last solution) over `hours`.
   */
  updateStorage(pW: number, hours: number): void {
    this.kWhBeforeUpdate = this.kWhStored;
    let dckW = pW * 0.001;
    dckW = this.state === STORE_IDLING ? -Math.abs(dckW) : Math.abs(dckW) * this.state;
    const idling = this.state === STORE_IDLING ? Math.abs(dckW) : this.pIdling;
    const chEff = this.pctChargeEff * 0.01;
    const disEff = this.pctDischargeEff * 0.01;
    if (this.state === STORE_DISCHARGING) {
      this.kWhStored = this.kWhStored - ((dckW + idling) / disEff) * hours;
      if (this.kWhStored < this.kWhReserve) {
        this.kWhStored = this.kWhReserve;
        this.state = STORE_IDLING;
        this.stateChanged = true;
      }
    } else if (this.state === STORE_CHARGING) {
      if (Math.abs(dckW) - idling >= 0) {
        this.kWhStored = this.kWhStored + (Math.abs(dckW) - idling) * chEff * hours;
        if (this.kWhStored > this.kWhRating) {
          this.kWhStored = this.kWhRating;
          this.state = STORE_IDLING;
          this.stateChanged = true;
        }
      } else {
        this.kWhStored = this.kWhStored + ((Math.abs(dckW) - idling) / disEff) * hours;
        if (this.kWhStored < this.kWhReserve) {
          this.kWhStored = this.kWhReserve;
          this.state = STORE_IDLING;
          this.stateChanged = true;
        }
      }
    }
    if (this.stateChanged) this.yprimInvalid = true;
  }
}

function toState(v: ValueToken): number {
  const t = v.text.trim().toLowerCase();
  if (t.startsWith("c")) return STORE_CHARGING;
  if (t.startsWith("i")) return STORE_IDLING;
  if (t.startsWith("d")) return STORE_DISCHARGING;
  throw new ValueError("State must be Charging, Idling or Discharging");
}

const STORAGE_PROPS: PropDef<Storage>[] = [
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
  prop("conn", (o, v, cx) => {
    o.connection = toConnection(v);
    o.setNCondsForConnection();
    o.resize();
    o.updateVBase();
    cx.busesChanged();
  }),
  prop("kW", (o, v) => o.setKW(toNumber(v))),
  prop("kvar", (o, v) => {
    o.kvarRequested = toNumber(v);
    o.varModeKvar = true;
  }),
  prop("pf", (o, v) => {
    o.pfNominal = toNumber(v);
    o.varModeKvar = false;
  }),
  prop("kVA", (o, v) => {
    o.kVArating = toNumber(v);
    o.kVASet = true;
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
  prop("VarFollowInverter", (o, v) => {
    o.varFollowInverter = toBool(v);
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
  prop("WattPriority", (o, v) => {
    o.pPriority = toBool(v);
  }),
  prop("PFPriority", (o, v) => {
    o.pfPriority = toBool(v);
  }),
  prop("%PminNoVars", (o, v) => {
    o.pctPminNoVars = toNumber(v);
  }),
  prop("%PminkvarMax", (o, v) => {
    o.pctPminkvarLimit = toNumber(v);
  }),
  prop("kWrated", (o, v) => {
    o.kWRating = toNumber(v);
    if (!o.kVASet) o.kVArating = o.kWRating;
  }),
  prop("%kWrated", (o, v) => {
    o.pctkWrated = toNumber(v) * 0.01;
  }),
  prop("kWhrated", (o, v) => {
    o.kWhRating = toNumber(v);
    o.kWhStored = o.kWhRating;
    o.kWhBeforeUpdate = o.kWhStored;
    o.kWhReserve = o.kWhRating * o.pctReserve * 0.01;
  }),
  prop("kWhstored", (o, v) => {
    o.kWhStored = toNumber(v);
  }),
  prop("%stored", (o, v) => {
    o.kWhStored = toNumber(v) * 0.01 * o.kWhRating;
  }),
  prop("%reserve", (o, v) => {
    o.pctReserve = toNumber(v);
    o.kWhReserve = o.kWhRating * o.pctReserve * 0.01;
  }),
  prop("State", (o, v) => {
    o.state = toState(v);
  }),
  prop("%Discharge", (o, v) => {
    o.pctkWOut = toNumber(v);
  }),
  prop("%Charge", (o, v) => {
    o.pctkWIn = toNumber(v);
  }),
  prop("%EffCharge", (o, v) => {
    o.pctChargeEff = toNumber(v);
  }),
  prop("%EffDischarge", (o, v) => {
    o.pctDischargeEff = toNumber(v);
  }),
  prop("%IdlingkW", (o, v) => {
    o.pctIdlekW = toNumber(v);
  }),
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
  prop("DispMode", (o, v) => {
    const t = v.text.trim().toLowerCase();
    if (t.startsWith("d")) o.dispMode = "default";
    else if (t.startsWith("l")) o.dispMode = "loadlevel";
    else if (t.startsWith("e")) o.dispMode = "external";
    else if (t.startsWith("f")) o.dispMode = "follow";
    else if (t.startsWith("p")) throw new ValueError("DispMode=Price is not supported by this engine");
    else throw new ValueError("DispMode must be Default, LoadLevel, External or Follow");
  }),
  prop("DischargeTrigger", (o, v) => {
    o.dischargeTrigger = toNumber(v);
  }),
  prop("ChargeTrigger", (o, v) => {
    o.chargeTrigger = toNumber(v);
  }),
  prop("TimeChargeTrig", (_o, v) => {
    toNumber(v);
  }),
  inert("class", "int"),
  unsupported("DynaDLL"),
  unsupported("DynaData"),
  unsupported("UserModel"),
  unsupported("UserData"),
  inert("debugtrace", "bool"),
  ...pcElementProps(),
];
