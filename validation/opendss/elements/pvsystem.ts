/**
 * PVSystem (OpenDSS's current PVSystem model): panel power = Pmpp × irradiance × shape (no P-T
 * or efficiency curves here), limited to Pmpp·%Pmpp; the inverter turns off below %cutout of kVA
 * and back on above %cutin; reactive output follows a power factor or a kvar request within
 * kvarMax/kvarMaxAbs; and when √(P² + Q²) exceeds the kVA rating, reactive power has priority by
 * default (P is cut to √(kVA² − Q²)); WattPriority=yes cuts Q instead; PFPriority keeps the PF.
 * The terminal model is constant PQ within [Vminpu, Vmaxpu] (0.90–1.10) and constant Z outside.
 */
import { toNumber } from "../values.ts";
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
import { PC_PROPS, pcLeadingProps } from "./pc.ts";

/** A PV system (panel + inverter). */
export class PVSystem extends InverterElement {
  readonly className = "PVSystem";
  kVArating = 500;
  pmpp = 500;
  puPmpp = 1;
  irradiance = 1;
  temperature = 25;
  pctCutIn = 20;
  pctCutOut = 20;
  kvarLimit = 500;
  kvarLimitNeg = 500;
  protected readonly kvarLimitInclusive = true;
  // derived
  kWOut = 500;
  panelkW = 0;
  shapeFactor = 1;

  constructor(name: string, baseFrequency: number) {
    super(name, baseFrequency);
    this.recalc(undefined);
  }

  get propDefs(): readonly PropDef<DssObject>[] {
    return PV_PROPS as PropDef<DssObject>[];
  }

  recalc(ctx: YPrimContext | undefined): void {
    this.setBand();
    this.setInverterThresholds(this.pmpp);
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
    this.setNominalPower((1000 * this.kWOut) / this.nPhases, (1000 * this.kvarOut) / this.nPhases);
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
    this.computeKvar();
    if (!this.inverterOn && this.varFollowInverter) this.kvarOut = 0;
    if (this.overKva()) {
      if (!this.varModeKvar && this.pfPriority) {
        this.kWOut = kva * Math.abs(this.pfNominal);
        this.kvarOut = kva * Math.sqrt(1 - this.pfNominal * this.pfNominal) * sign(this.pfNominal);
      } else if (this.varModeKvar && this.pfPriority) {
        if (Math.abs(this.kvarOut) === this.kvarLimit)
          this.kWOut = kva * Math.abs(this.tempPF) * sign(this.kWOut);
        else
          this.kWOut =
            kva * Math.abs(Math.cos(Math.atan(this.kvarRequested / this.kWOut))) * sign(this.kWOut);
        this.kvarOut = kva * Math.abs(Math.sin(Math.acos(this.kWOut / kva))) * sign(this.kvarRequested);
      } else {
        this.limitKvaByPriority();
      }
    }
    if (!this.inverterOn && this.varFollowInverter) this.kvarOut = 0;
  }
}

const PV_PROPS: PropDef<PVSystem>[] = [
  ...pcLeadingProps("kv", false),
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
  INVERTER_PROPS.pf,
  PC_PROPS.conn,
  INVERTER_PROPS.kvar,
  INVERTER_PROPS.kVA,
  INVERTER_PROPS.cutIn,
  INVERTER_PROPS.cutOut,
  INVERTER_PROPS.effCurve,
  unsupported("P-TCurve", "not implemented by this engine (power-temperature curves)"),
  ...INVERTER_MODEL_AND_SHAPE_PROPS,
  unsupported("Tyearly"),
  unsupported("Tdaily", "not implemented by this engine (temperature shapes)"),
  unsupported("Tduty"),
  inert("class", "int"),
  unsupported("UserModel"),
  unsupported("UserData"),
  inert("debugtrace", "bool"),
  INVERTER_PROPS.varFollowInverter,
  inert("DutyStart", "number"),
  INVERTER_PROPS.wattPriority,
  INVERTER_PROPS.pfPriority,
  prop("%PminNoVars", (o, v) => {
    o.pctPminNoVars = Math.abs(toNumber(v));
  }),
  prop("%PminkvarMax", (o, v) => {
    o.pctPminkvarLimit = Math.abs(toNumber(v));
  }),
  INVERTER_PROPS.kvarMax,
  INVERTER_PROPS.kvarMaxAbs,
  ...pcElementProps(),
];
