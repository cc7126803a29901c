/**
 * Building feeders and studies in code (tests, generators, library users), without files: the same
 * engineering model and the same transform as a case folder.
 */
import type {
  BatteryRow,
  Feeder,
  LineRow,
  LoadRow,
  PriceDef,
  Profile,
  PvRow,
  TransformerRow,
} from "./feeder.ts";
import { buildMathNetwork } from "./topology.ts";
import { toMath } from "./transform.ts";
import {
  type FormulationOptions,
  type Network,
  PAPER_FORMULATION,
  type Scenario,
  type ScenarioOptions,
} from "./types.ts";

/** A feeder given as a bus table (with the per-bus load shorthand) and a branch table, in engineering units. */
export interface FeederSpec {
  name: string;
  sBaseKva: number;
  /** Line-to-neutral base of the source's zone (kV). */
  vBaseKvLn: number;
  substation: string;
  vSubsPu: number;
  /** Per-phase (default) or three-phase total-power convention. */
  phaseModel?: Feeder["phaseModel"];
  buses: Array<{ id: string; pLoadKw?: number; qLoadKvar?: number; qCapKvar?: number; kvNominal?: number }>;
  branches: Array<{
    id?: string;
    from: string;
    to: string;
    rOhm: number;
    xOhm: number;
    bUs?: number;
    iMaxA?: number;
    closed?: boolean;
  }>;
  transformers?: TransformerRow[];
  /** Extra load rows (beside the bus-table shorthand). */
  loads?: LoadRow[];
  pvs?: PvRow[];
  batteries?: BatteryRow[];
  /** Named profiles; default "load" and "pv", one point of 1 at 1 h. */
  profiles?: Record<string, Omit<Profile, "name">>;
  defaultLoadProfile?: string;
  defaultPvProfile?: string;
}

/** Build a Feeder from a spec (the bus-table shorthand becomes one load and one capacitor per bus). */
export function buildFeeder(spec: FeederSpec): Feeder {
  const loads: LoadRow[] = [];
  const capacitors: Feeder["capacitors"] = [];
  for (const b of spec.buses) {
    const p = b.pLoadKw ?? 0;
    const q = b.qLoadKvar ?? 0;
    if (p !== 0 || q !== 0) loads.push({ id: b.id, bus: b.id, kw: p, kvar: q, model: "pq" });
    if ((b.qCapKvar ?? 0) !== 0) capacitors.push({ id: b.id, bus: b.id, kvar: b.qCapKvar! });
  }
  const lines: LineRow[] = spec.branches.map((br, k) => ({
    id: br.id ?? String(k + 1),
    from: br.from,
    to: br.to,
    rOhm: br.rOhm,
    xOhm: br.xOhm,
    ...(br.bUs !== undefined ? { bUs: br.bUs } : {}),
    ...(br.iMaxA !== undefined ? { iMaxA: br.iMaxA } : {}),
    ...(br.closed !== undefined ? { closed: br.closed } : {}),
  }));
  const profiles: Record<string, Profile> = {};
  const given = spec.profiles ?? {
    load: { stepHours: 1, values: Float64Array.of(1) },
    pv: { stepHours: 1, values: Float64Array.of(1) },
  };
  for (const [name, p] of Object.entries(given)) profiles[name] = { name, ...p };
  return {
    name: spec.name,
    sBaseKva: spec.sBaseKva,
    ...(spec.phaseModel ? { phaseModel: spec.phaseModel } : {}),
    source: { bus: spec.substation, vPu: spec.vSubsPu, kvBaseLn: spec.vBaseKvLn },
    buses: spec.buses.map((b) => ({
      id: b.id,
      ...(b.kvNominal !== undefined ? { kvNominal: b.kvNominal } : {}),
    })),
    lines,
    transformers: spec.transformers ?? [],
    loads: [...loads, ...(spec.loads ?? [])],
    capacitors,
    pvs: spec.pvs ?? [],
    batteries: spec.batteries ?? [],
    profiles,
    prices: {},
    defaultLoadProfile: spec.defaultLoadProfile ?? "load",
    defaultPvProfile: spec.defaultPvProfile ?? "pv",
    provenance: ["built in code"],
  };
}

/** The per-unit network of a feeder built in code. */
export function networkOf(feeder: Feeder): Network {
  return buildMathNetwork(feeder);
}

/** A study given by explicit per-period series (multipliers and prices of length T, Δt hours). */
export interface SeriesStudy {
  name: string;
  T: number;
  dtH?: number;
  /** Default load and PV multipliers per period (length T); rows naming other profiles use the feeder's. */
  loadMult: ArrayLike<number>;
  pvMult: ArrayLike<number>;
  priceUsdPerKwh: ArrayLike<number>;
  objective: Scenario["objective"];
  options: Omit<ScenarioOptions, "formulation"> & { formulation?: Partial<FormulationOptions> };
}

/**
 * A per-unit Scenario of a feeder for explicit series: the default load / PV profiles are replaced by the
 * given multipliers and the price by the given series (all at Δt = dtH, horizon = the whole series).
 */
export function scenarioFromSeries(
  feeder: Feeder,
  s: SeriesStudy,
  network: Network = buildMathNetwork(feeder),
): Scenario {
  const dtH = s.dtH ?? 1;
  const prof = (name: string, v: ArrayLike<number>): Profile => ({
    name,
    stepHours: dtH,
    values: Float64Array.from(v),
  });
  const f: Feeder = {
    ...feeder,
    profiles: {
      ...feeder.profiles,
      [feeder.defaultLoadProfile]: prof(feeder.defaultLoadProfile, s.loadMult),
      [feeder.defaultPvProfile]: prof(feeder.defaultPvProfile, s.pvMult),
      "#price": prof("#price", s.priceUsdPerKwh),
    },
  };
  const price: PriceDef = { name: "given", rule: "series", profile: "#price" };
  return toMath(
    {
      name: s.name,
      feeder: f,
      horizon: { T: s.T, dtH, startIndex: 0, points: s.T },
      price,
      objective: s.objective,
      options: { ...s.options, formulation: { ...PAPER_FORMULATION, ...s.options.formulation } },
    },
    network,
  );
}
