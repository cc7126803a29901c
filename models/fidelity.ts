/**
 * What OpenDSS models, as math: the facts a replay deck adds to the optimizer's equations, in one place so that
 * the formulation (solvers/mpopf), its self-check, the replay deck and its first-principles prediction
 * (validation/replay) all read the same numbers. Sources: the OpenDSS (DSS C-API 0.14.5) Load, Line,
 * PVSystem, Storage and Generator models, read in `shared/oracle/src`; the project's engine
 * (validation/opendss) implements the same and is checked against EPRI's OpenDSS.
 *
 * Loads (OpenDSS `Load`, |V| per unit of the load's base, v = |V|²): inside [Vminpu, Vmaxpu] a load follows its
 * model (1 constant PQ, 2 constant Z, 5 constant I, 8 ZIP). Outside, OpenDSS replaces the constant-power and
 * constant-current parts (never the constant-impedance part):
 *  - above Vmaxpu: by the admittance they have at Vmaxpu (P part: P·v/Vmax², I part: P·v/Vmax);
 *  - between Vlowpu (default 0.5) and Vminpu: by a current that is linear in |V| from its Vminpu value down to
 *    Yeq·Vlow (OpenDSS's `InterpolateY95_YLow`): P part P·(k·v + Vlow(1 − k)·|V|) with
 *    k = (1/Vmin − Vlow)/(Vmin − Vlow), I part P·(kI·v + Vlow(1 − kI)·|V|) with kI = (1 − Vlow)/(Vmin − Vlow).
 *    not the constant impedance it is often described as: at 0.9 pu a constant-PQ load draws 0.8921·P, a
 *    constant impedance fixed at Vminpu would draw (0.9/0.95)²·P = 0.8975·P;
 *  - at or below Vlowpu: the whole load is the admittance Yeq at 1 pu (P·v).
 * Every piece meets its neighbours at the band edges (the demand is continuous in v, with kinks), so a load
 * that crosses its band by ε changes its demand by O(ε). A pure constant-Z load (model 2) never switches.
 */
import type { LoadModel, Network } from "./types.ts";

/** OpenDSS's default line capacitance: C1 = 3.4 nF per unit length (C0 = C1 on a 1-phase line), length 1 with units none. */
export const OPENDSS_DEFAULT_LINE_C_NF = 3.4;

/** OpenDSS's default system frequency (Hz). */
export const OPENDSS_DEFAULT_FREQUENCY_HZ = 60;

/** OpenDSS's default voltage bands (pu) of the element classes a replay deck writes. */
export const OPENDSS_DEFAULT_BANDS = {
  Load: [0.95, 1.05],
  PVSystem: [0.9, 1.1],
  Storage: [0.9, 1.1],
  Generator: [0.9, 1.1],
} as const satisfies Record<string, readonly [number, number]>;

/** OpenDSS's default `Vlowpu` of a Load: at or below it the whole load is its 1-pu admittance. */
export const OPENDSS_LOAD_VLOW_PU = 0.5;

/** The authors' Storage band (the paper-style deck writes it instead of OpenDSS's 0.9/1.1). */
export const PAPER_STORAGE_BAND: readonly [number, number] = [0.95, 1.05];

/** OpenDSS's default `%IdlingkW` of a Storage element (% of kWrated). */
export const OPENDSS_DEFAULT_IDLING_PCT = 1;

/**
 * Line charging (shunt susceptance B/2 at each end of a line, linear in v):
 * - `none`: no charging;
 * - `case`: each line's `b_us` from the case (lines without one have none);
 * - `opendss`: what an OpenDSS deck of the case gives every line — its `b_us` where the case gives one, else
 *   OpenDSS's default capacitance C1 = 3.4 nF (length 1, units none: per line), b = ω·C at 60 Hz. Transformers
 *   and the source impedance never carry charging.
 */
export type LineChargingOption = "none" | "case" | "opendss";

/** Every line-charging option, for CLIs and schemas. */
export const LINE_CHARGING_OPTIONS: readonly LineChargingOption[] = ["none", "case", "opendss"];

/** Total shunt susceptance (pu of the branch's zone) of branch k under a line-charging option. */
export function branchSusceptancePu(
  net: Network,
  k: number,
  option: LineChargingOption,
  frequencyHz: number = OPENDSS_DEFAULT_FREQUENCY_HZ,
): number {
  const br = net.branches[k]!;
  if (option === "none" || br.kind !== "line") return 0;
  if (br.bPu > 0 || option === "case") return br.bPu;
  const zBase = net.zones[net.buses[br.to]!.zone]!.zBaseOhm;
  return 2 * Math.PI * frequencyHz * OPENDSS_DEFAULT_LINE_C_NF * 1e-9 * zBase;
}

/** Shunt susceptance per bus (pu): half of each incident branch's total, under a line-charging option. */
export function busChargingPu(
  net: Network,
  option: LineChargingOption,
  frequencyHz: number = OPENDSS_DEFAULT_FREQUENCY_HZ,
): Float64Array {
  const out = new Float64Array(net.buses.length);
  if (option === "none") return out;
  net.branches.forEach((br, k) => {
    const b = branchSusceptancePu(net, k, option, frequencyHz);
    out[br.from]! += b / 2;
    out[br.to]! += b / 2;
  });
  return out;
}

/** A load voltage band (pu): OpenDSS's Vminpu, Vmaxpu and Vlowpu. */
export interface LoadBand {
  vMinPu: number;
  vMaxPu: number;
  vLowPu: number;
}

/** OpenDSS's default load band. */
export const OPENDSS_LOAD_BAND: Readonly<LoadBand> = Object.freeze({
  vMinPu: OPENDSS_DEFAULT_BANDS.Load[0],
  vMaxPu: OPENDSS_DEFAULT_BANDS.Load[1],
  vLowPu: OPENDSS_LOAD_VLOW_PU,
});

/**
 * Which piece of OpenDSS's load model applies: 0 inside the band, 1 above Vmaxpu, −1 between Vlowpu and Vminpu,
 * −2 at or below Vlowpu.
 */
export type LoadPiece = -2 | -1 | 0 | 1;

/** The piece at |V| (pu), as OpenDSS decides it (low when |V| ≤ Vmin, high when |V| > Vmax). */
export function loadPieceAt(band: LoadBand | null, vMag: number): LoadPiece {
  if (band === null) return 0;
  if (vMag <= band.vLowPu) return -2;
  if (vMag <= band.vMinPu) return -1;
  if (vMag > band.vMaxPu) return 1;
  return 0;
}

/** Demand of a load per unit of its rated P (or Q) as c + z·v + i·|V| (v = |V|²). */
export interface DemandCoefficients {
  c: number;
  z: number;
  i: number;
}

const ZIP_PQ: [number, number, number] = [0, 0, 1];

/**
 * Coefficients of one ZIP triple ([z, i, p] fractions) on a piece of the band (see the module comment).
 * With `band` null the load keeps its model at every voltage.
 */
export function zipCoefficients(
  zip: readonly [number, number, number],
  band: LoadBand | null,
  piece: LoadPiece,
): DemandCoefficients {
  const [z, i, p] = zip;
  if (band === null || piece === 0) return { c: p, z, i };
  if (piece === -2) return { c: 0, z: z + i + p, i: 0 };
  // A pure constant-Z load (OpenDSS model 2) has no band: the Z part never switches.
  if (piece === 1) return { c: 0, z: z + p / band.vMaxPu ** 2 + i / band.vMaxPu, i: 0 };
  const { vMinPu: vm, vLowPu: vl } = band;
  const k = (1 / vm - vl) / (vm - vl);
  const kI = (1 - vl) / (vm - vl);
  return { c: 0, z: z + p * k + i * kI, i: p * vl * (1 - k) + i * vl * (1 - kI) };
}

/**
 * A load's P and Q coefficients under a formulation's load option (`pq`: constant power whatever the case says;
 * `case`: the load's own ZIP model) on a piece of the band.
 */
export function loadCoefficients(
  model: LoadModel,
  voltageDependent: boolean,
  band: LoadBand | null,
  piece: LoadPiece,
): { p: DemandCoefficients; q: DemandCoefficients } {
  return {
    p: zipCoefficients(voltageDependent ? model.p : ZIP_PQ, band, piece),
    q: zipCoefficients(voltageDependent ? model.q : ZIP_PQ, band, piece),
  };
}

/** Demand factor c + z·V² + i·V at |V| = vMag. */
export const demandFactor = (k: DemandCoefficients, vMag: number): number =>
  k.c + k.z * vMag * vMag + k.i * vMag;

/**
 * Element voltage bands the optimizer respects:
 * - `none`: none (the paper): loads keep their model at every voltage, PVs and batteries deliver their
 *   set-points at every voltage;
 * - `opendss`: the bands of the paper-style deck — loads follow OpenDSS's piecewise model outside
 *   0.95–1.05 pu (modelled exactly, see `OPENDSS_LOAD_BAND`), and every PV, battery and capacitor generator
 *   bus is kept inside its element's band (PVSystem and Generator 0.9–1.1, Storage 0.95–1.05): outside it
 *   OpenDSS turns the inverter into a constant impedance, which no inverter does, so the optimizer stays where
 *   the two models agree.
 */
export type ElementBandsOption = "none" | "opendss";

/** Every element-bands option. */
export const ELEMENT_BANDS_OPTIONS: readonly ElementBandsOption[] = ["none", "opendss"];

/** The device bands (pu) of the `opendss` option. */
export const DEVICE_BANDS = {
  pv: OPENDSS_DEFAULT_BANDS.PVSystem,
  storage: PAPER_STORAGE_BAND,
  generator: OPENDSS_DEFAULT_BANDS.Generator,
} as const;

/** The load band an element-bands option models (null: none). */
export const loadBandOf = (o: ElementBandsOption): LoadBand | null =>
  o === "opendss" ? OPENDSS_LOAD_BAND : null;

/** Idling loss of a battery (pu of power) at `pct` % of its rated power (OpenDSS `%IdlingkW`). */
export const idlingPu = (pRatedPu: number, pct: number): number => (pct / 100) * pRatedPu;
