/**
 * Generator (models 1 constant PQ, 2 constant Z, 4 constant P with fixed Q, 5 constant P with
 * fixed reactance). Outside [Vminpu, Vmaxpu] (default 0.90–1.10) the PQ models become the
 * admittance matching the nominal power at that limit, as in OpenDSS. In daily mode the output
 * follows the `daily` dispatch shape (1 if none).
 */
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
import { GENERATING_PROPS, GeneratingElement } from "./generating.ts";
import { conjSOverV, PC_PROPS, pcLeadingProps } from "./pc.ts";

/** A generator. */
export class Generator extends GeneratingElement {
  readonly className = "Generator";
  kWBase = 1000;
  kvarBase = 60;
  pfNominal = 0.88;
  kvarMax = 120;
  kvarMin = -120;
  isFixed = false;
  kVArating = 1200;
  kVANotSet = true;
  // derived
  private varBase = 0;
  private yqFixed = 0;

  constructor(name: string, baseFrequency: number) {
    super(name, baseFrequency);
    this.recalc(undefined);
  }

  get propDefs(): readonly PropDef<DssObject>[] {
    return GENERATOR_PROPS as PropDef<DssObject>[];
  }

  /** Keep kvar consistent with kW and PF (OpenDSS SyncUpPowerQuantities). */
  syncUp(): void {
    if (this.pfNominal !== 0) {
      this.kvarBase = this.kWBase * Math.sqrt(1 / (this.pfNominal * this.pfNominal) - 1);
      this.kvarMax = 2 * this.kvarBase;
      this.kvarMin = -this.kvarMax;
      if (this.pfNominal < 0) this.kvarBase = -this.kvarBase;
      if (this.kVANotSet) this.kVArating = this.kWBase * 1.2;
    }
  }

  setKvar(q: number): void {
    this.kvarBase = q;
    const s = Math.sqrt(this.kWBase * this.kWBase + q * q);
    this.pfNominal = s !== 0 ? this.kWBase / s : 1;
    if (this.kWBase * q < 0) this.pfNominal = -this.pfNominal;
    this.kvarMax = 2 * Math.abs(q);
    this.kvarMin = -this.kvarMax;
  }

  protected override checkModel(): void {
    if (![1, 2, 4, 5].includes(this.model)) {
      throw new ValueError(
        `${this.fullName}: generator model ${this.model} is not supported (1, 2, 4, 5 are)`,
      );
    }
  }

  recalc(ctx: YPrimContext | undefined): void {
    this.setBand();
    this.varBase = (1000 * this.kvarBase) / this.nPhases;
    this.setNominal(ctx);
    this.yqFixed = -this.varBase / (this.vBase * this.vBase);
  }

  /** OpenDSS SetNominalGeneration. */
  setNominal(ctx: YPrimContext | undefined): void {
    let factor = 1;
    let sp = 1;
    let sq = 1;
    let actual = false;
    if (!this.isFixed) {
      factor = ctx?.genMult ?? 1;
      if (ctx?.mode === "daily" && this.daily) {
        this.daily.multAtHour(ctx.dblHour, this.mult);
        sp = this.mult[0]!;
        sq = this.mult[1]!;
        actual = this.daily.useActual;
      }
    }
    if (actual) this.setNominalPower((1000 * sp) / this.nPhases, (1000 * sq) / this.nPhases);
    else
      this.setNominalPower(
        (1000 * this.kWBase * factor * sp) / this.nPhases,
        (1000 * this.kvarBase * factor * sq) / this.nPhases,
      );
  }

  /**
   * Models 4 (constant P, fixed Q) and 5 (constant P, fixed reactance): outside the band the
   * band-limit conductance with the fixed susceptance. Models 1 and 2 as every generating class.
   */
  protected override phaseCurrent(i: number, vr: number, vi: number, vmag: number): void {
    const model = this.model;
    if (model !== 4 && model !== 5) {
      super.phaseCurrent(i, vr, vi, vmag);
      return;
    }
    const div = this.connection === "delta" ? 3 : 1;
    const vm = this.lnMagnitude(vmag);
    if (vm <= this.vBaseMin) this.admittanceCurrent(this.yeqMin[0]!, this.yqFixed, vr, vi, div);
    else if (vm > this.vBaseMax) this.admittanceCurrent(this.yeqMax[0]!, this.yqFixed, vr, vi, div);
    else if (model === 4) this.powerCurrent(this.pNominal, this.varBase, vr, vi);
    else {
      const out = this.cur;
      conjSOverV(this.pNominal, 0, vr, vi, out);
      const yq = this.yqFixed / div;
      out[0] = -(out[0]! - yq * vi);
      out[1] = -(out[1]! + yq * vr);
    }
  }
}

const GENERATOR_PROPS: PropDef<Generator>[] = [
  ...pcLeadingProps("kv", false),
  prop("kW", (o, v) => {
    o.kWBase = toNumber(v);
    o.syncUp();
  }),
  prop("pf", (o, v) => {
    o.pfNominal = toNumber(v);
    o.syncUp();
  }),
  prop("kvar", (o, v) => o.setKvar(toNumber(v))),
  GENERATING_PROPS.model,
  PC_PROPS.vMinPu,
  PC_PROPS.vMaxPu,
  GENERATING_PROPS.yearly,
  GENERATING_PROPS.daily,
  GENERATING_PROPS.duty,
  prop("dispmode", (_o, v) => {
    if (!v.text.trim().toLowerCase().startsWith("d")) {
      throw new ValueError("only dispmode=default is supported by this engine");
    }
  }),
  prop("dispvalue", (_o, v) => {
    if (toNumber(v) !== 0)
      throw new ValueError("dispatch thresholds (dispvalue > 0) are not supported by this engine");
  }),
  PC_PROPS.conn,
  prop("status", (o, v) => {
    const t = v.text.trim().toLowerCase();
    if (t.startsWith("f")) o.isFixed = true;
    else if (t.startsWith("v")) o.isFixed = false;
    else throw new ValueError("status must be variable or fixed");
  }),
  inert("class", "int"),
  inert("Vpu", "number"),
  prop("maxkvar", (o, v) => {
    o.kvarMax = toNumber(v);
  }),
  prop("minkvar", (o, v) => {
    o.kvarMin = toNumber(v);
  }),
  inert("pvfactor", "number"),
  inert("forceon", "bool"),
  prop("kVA", (o, v) => {
    o.kVArating = toNumber(v);
    o.kVANotSet = false;
  }),
  prop("MVA", (o, v) => {
    o.kVArating = toNumber(v) * 1000;
    o.kVANotSet = false;
  }),
  inert("Xd", "number"),
  inert("Xdp", "number"),
  inert("Xdpp", "number"),
  inert("H", "number"),
  inert("D", "number"),
  unsupported("UserModel"),
  unsupported("UserData"),
  unsupported("ShaftModel"),
  unsupported("ShaftData"),
  inert("DutyStart", "number"),
  inert("debugtrace", "bool"),
  unsupported("Balanced"),
  inert("XRdp", "number"),
  unsupported("UseFuel"),
  unsupported("FuelkWh"),
  unsupported("%Fuel"),
  unsupported("%Reserve"),
  unsupported("Refuel"),
  unsupported("DynamicEq"),
  unsupported("DynOut"),
  ...pcElementProps(),
];
