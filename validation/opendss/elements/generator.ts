/**
 * Generator (models 1 constant PQ, 2 constant Z, 4 constant P with fixed Q, 5 constant P with
 * fixed reactance). Outside [Vminpu, Vmaxpu] (default 0.90–1.10) the PQ models become the
 * admittance matching the nominal power at that limit, as in OpenDSS. In daily mode the output
 * follows the `daily` dispatch shape (1 if none).
 */
import { toInt, toNumber, ValueError } from "../values.ts";
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

/** A generator. */
export class Generator extends PCElement {
  readonly className = "Generator";
  kWBase = 1000;
  kvarBase = 60;
  pfNominal = 0.88;
  kvarMax = 120;
  kvarMin = -120;
  kVGeneratorBase = 12.47;
  vBase = 7200;
  vMinPu = 0.9;
  vMaxPu = 1.1;
  model = 1;
  isFixed = false;
  kVArating = 1200;
  kVANotSet = true;
  daily: LoadShape | null = null;
  // derived
  pNominal = 0;
  qNominal = 0;
  private vBase95 = 0;
  private vBase105 = 0;
  private readonly yeq = new Float64Array(2);
  private readonly yeq95 = new Float64Array(2);
  private readonly yeq105 = new Float64Array(2);
  private readonly mult = SCRATCH_MULT;
  private varBase = 0;
  private yqFixed = 0;

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
    return GENERATOR_PROPS as PropDef<DssObject>[];
  }

  updateVBase(): void {
    this.vBase =
      this.nPhases === 2 || this.nPhases === 3
        ? this.kVGeneratorBase * INV_SQRT3_X1000
        : this.kVGeneratorBase * 1000;
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

  override endEdit(_cx: PropContext): void {
    if (![1, 2, 4, 5].includes(this.model)) {
      throw new ValueError(
        `${this.fullName}: generator model ${this.model} is not supported (1, 2, 4, 5 are)`,
      );
    }
    this.recalc(undefined);
    this.yprimInvalid = true;
  }

  recalc(ctx: YPrimContext | undefined): void {
    this.vBase95 = this.vMinPu * this.vBase;
    this.vBase105 = this.vMaxPu * this.vBase;
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
    if (actual) {
      this.pNominal = (1000 * sp) / this.nPhases;
      this.qNominal = (1000 * sq) / this.nPhases;
    } else {
      this.pNominal = (1000 * this.kWBase * factor * sp) / this.nPhases;
      this.qNominal = (1000 * this.kvarBase * factor * sq) / this.nPhases;
    }
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
  }

  protected yprimAdmittance(_ctx: YPrimContext, out: Float64Array): void {
    const div = this.connection === "delta" ? 3 : 1;
    out[0] = -this.yeq[0]! / div;
    out[1] = -this.yeq[1]! / div;
  }

  protected phaseCurrent(_i: number, vr: number, vi: number, vmag: number): void {
    const out = this.cur;
    const delta = this.connection === "delta";
    const div = delta ? 3 : 1;
    let vm = vmag;
    if (delta && (this.nPhases === 2 || this.nPhases === 3)) vm = vmag / SQRT3;
    // generated current Ig; load-convention current = −Ig
    const gen = (yr: number, yi: number): void => {
      out[0] = -((yr * vr - yi * vi) / div);
      out[1] = -((yr * vi + yi * vr) / div);
    };
    switch (this.model) {
      case 2:
        gen(this.yeq[0], this.yeq[1]);
        return;
      case 4:
        if (vm <= this.vBase95) gen(this.yeq95[0], this.yqFixed);
        else if (vm > this.vBase105) gen(this.yeq105[0], this.yqFixed);
        else {
          conjSOverV(this.pNominal, this.varBase, vr, vi, out);
          out[0] = -out[0]!;
          out[1] = -out[1]!;
        }
        return;
      case 5:
        if (vm <= this.vBase95) gen(this.yeq95[0], this.yqFixed);
        else if (vm > this.vBase105) gen(this.yeq105[0], this.yqFixed);
        else {
          conjSOverV(this.pNominal, 0, vr, vi, out);
          const yq = this.yqFixed / div;
          out[0] = -(out[0]! - yq * vi);
          out[1] = -(out[1]! + yq * vr);
        }
        return;
      default:
        if (vm <= this.vBase95) gen(this.yeq95[0], this.yeq95[1]);
        else if (vm > this.vBase105) gen(this.yeq105[0], this.yeq105[1]);
        else {
          conjSOverV(this.pNominal, this.qNominal, vr, vi, out);
          out[0] = -out[0]!;
          out[1] = -out[1]!;
        }
    }
  }
}

const GENERATOR_PROPS: PropDef<Generator>[] = [
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
    o.kVGeneratorBase = toNumber(v);
    o.updateVBase();
  }),
  prop("kW", (o, v) => {
    o.kWBase = toNumber(v);
    o.syncUp();
  }),
  prop("pf", (o, v) => {
    o.pfNominal = toNumber(v);
    o.syncUp();
  }),
  prop("kvar", (o, v) => o.setKvar(toNumber(v))),
  prop("model", (o, v) => {
    o.model = toInt(v);
  }),
  prop("Vminpu", (o, v) => {
    o.vMinPu = toNumber(v);
  }),
  prop("Vmaxpu", (o, v) => {
    o.vMaxPu = toNumber(v);
  }),
  inert("yearly"),
  prop("daily", (o, v, cx) => {
    o.daily = findShape(v, cx);
  }),
  inert("duty"),
  prop("dispmode", (_o, v) => {
    if (!v.text.trim().toLowerCase().startsWith("d")) {
      throw new ValueError("only dispmode=default is supported by this engine");
    }
  }),
  prop("dispvalue", (_o, v) => {
    if (toNumber(v) !== 0)
      throw new ValueError("dispatch thresholds (dispvalue > 0) are not supported by this engine");
  }),
  prop("conn", (o, v, cx) => {
    o.connection = toConnection(v);
    o.setNCondsForConnection();
    o.resize();
    o.updateVBase();
    cx.busesChanged();
  }),
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
