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
import { toNumber, ValueError } from "../values.ts";
import {
  type DssObject,
  inert,
  type PropDef,
  pcElementProps,
  prop,
  unsupported,
  type YPrimContext,
} from "./base.ts";
import { INVERTER_MODEL_AND_SHAPE_PROPS, INVERTER_PROPS, InverterElement } from "./inverter.ts";
import { PC_PROPS, pcLeadingProps, SQRT3 } from "./pc.ts";

/** Storage states (OpenDSS codes). */
export const STORE_CHARGING = -1;
export const STORE_IDLING = 0;
export const STORE_DISCHARGING = 1;

type DispMode = "default" | "loadlevel" | "external" | "follow";

/** A storage unit (battery + inverter). */
export class Storage extends InverterElement {
  readonly className = "Storage";
  kWRating = 25;
  kVArating = 25;
  kWhRating = 50;
  kWhStored = 50;
  kWhReserve = 10;
  kWhBeforeUpdate = 50;
  pctReserve = 20;
  pctkWrated = 1;
  kvarLimit = 25;
  kvarLimitNeg = 25;
  pctCutIn = 0;
  pctCutOut = 0;
  pctIdlekW = 1;
  pctChargeEff = 90;
  pctDischargeEff = 90;
  pctkWOut = 100;
  pctkWIn = 100;
  state = STORE_IDLING;
  stateChanged = true;
  dispMode: DispMode = "default";
  dischargeTrigger = 0;
  chargeTrigger = 0;
  protected readonly kvarLimitInclusive = false;
  // derived
  kWOut = 0;
  private yeqDischarge = 0;
  private pIdling = 0;
  private kWOutIdling = 0;

  constructor(name: string, baseFrequency: number) {
    super(name, baseFrequency);
    this.kWhReserve = (this.kWhRating * this.pctReserve) / 100;
    this.recalc(undefined);
  }

  get propDefs(): readonly PropDef<DssObject>[] {
    return STORAGE_PROPS as PropDef<DssObject>[];
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

  recalc(ctx: YPrimContext | undefined): void {
    this.setBand();
    this.yeqDischarge = (this.kWRating * 1000) / (this.vBase * this.vBase) / this.nPhases;
    this.setInverterThresholds(this.kWRating);
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
    this.setNominalPower((1000 * this.kWOut) / this.nPhases, (1000 * this.kvarOut) / this.nPhases);
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
      // an idling unit still delivers its kvar, within kvarMax / kvarMaxAbs
      if (!this.varModeKvar) {
        this.kvarOut = this.kvarAtPf();
        if (this.kvarOut > 0 && Math.abs(this.kvarOut) > this.kvarLimit) this.kvarOut = this.kvarLimit;
        else if (this.kvarOut < 0 && Math.abs(this.kvarOut) > this.kvarLimitNeg)
          this.kvarOut = this.kvarLimitNeg * sign(req);
      } else if (req > 0 && Math.abs(req) > this.kvarLimit) this.kvarOut = this.kvarLimit;
      else if (req < 0 && Math.abs(req) > this.kvarLimitNeg) this.kvarOut = this.kvarLimitNeg * sign(req);
      else this.kvarOut = req;
    } else {
      this.computeKvar();
    }
    if (!this.inverterOn && this.varFollowInverter) this.kvarOut = 0;
    if (this.overKva()) {
      if (this.state === STORE_IDLING) {
        // an idling unit keeps its P
        this.kvarOut = Math.sqrt(kva * kva - this.kWOut * this.kWOut) * sign(this.kvarOut);
      } else if (!this.varModeKvar && this.pfPriority) {
        this.kWOut = kva * Math.abs(this.pfNominal) * sign(this.kWOut);
        this.kvarOut =
          kva * Math.sqrt(1 - this.pfNominal * this.pfNominal) * sign(this.kWOut) * sign(this.pfNominal);
      } else if (this.varModeKvar && this.pfPriority) {
        this.kWOut = kva * Math.abs(Math.cos(Math.atan(req / this.kWOut))) * sign(this.kWOut);
        this.kvarOut = kva * Math.abs(Math.sin(Math.acos(this.kWOut / kva))) * sign(req);
      } else {
        this.limitKvaByPriority();
      }
    }
  }

  /** Storage's Yprim: the rated-kW conductance, positive while charging, negative discharging, none idling. */
  protected override yprimAdmittance(_ctx: YPrimContext, out: Float64Array): void {
    let y = 0;
    if (this.state === STORE_CHARGING) y = this.yeqDischarge;
    else if (this.state === STORE_DISCHARGING) y = -this.yeqDischarge;
    out[0] = this.connection === "delta" ? y / 3 : y;
    out[1] = 0;
  }

  /** |V| of a phase on the line-to-neutral base: every multi-phase delta voltage divided by √3 (OpenDSS Storage). */
  protected override lnMagnitude(vmag: number): number {
    return this.connection === "delta" && this.nPhases > 1 ? vmag / SQRT3 : vmag;
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
  ...pcLeadingProps("kv", false),
  PC_PROPS.conn,
  prop("kW", (o, v) => o.setKW(toNumber(v))),
  INVERTER_PROPS.kvar,
  INVERTER_PROPS.pf,
  INVERTER_PROPS.kVA,
  INVERTER_PROPS.cutIn,
  INVERTER_PROPS.cutOut,
  INVERTER_PROPS.effCurve,
  INVERTER_PROPS.varFollowInverter,
  INVERTER_PROPS.kvarMax,
  INVERTER_PROPS.kvarMaxAbs,
  INVERTER_PROPS.wattPriority,
  INVERTER_PROPS.pfPriority,
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
  ...INVERTER_MODEL_AND_SHAPE_PROPS,
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
