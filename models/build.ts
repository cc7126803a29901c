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

/**
 * K copies of a feeder hung off one new substation bus (the copies' source buses become ordinary buses fed by
 * a near-zero-impedance branch each): a large feeder whose every part is a known one. Element ids get a
 * `c<k>.` prefix; profiles and prices are shared; the copies' DER rows are kept.
 */
export function copiesOf(feeder: Feeder, K: number): Feeder {
  if (!Number.isInteger(K) || K < 1) throw new Error(`copies must be a whole number >= 1 (got ${K})`);
  const pre = (k: number, id: string) => `c${k}.${id}`;
  const src = feeder.source.bus;
  const head = "sub";
  const range = Array.from({ length: K }, (_, k) => k + 1);
  const nominal = feeder.buses.find((b) => b.id === src)?.kvNominal;
  return {
    ...feeder,
    name: `${feeder.name}x${K}`,
    description: `${K} copies of ${feeder.name} hung off one substation bus`,
    source: { ...feeder.source, bus: head },
    buses: [
      { id: head, ...(nominal !== undefined ? { kvNominal: nominal } : {}) },
      ...range.flatMap((k) => feeder.buses.map((b) => ({ ...b, id: pre(k, b.id) }))),
    ],
    lines: [
      ...range.map((k) => ({ id: `tie${k}`, from: head, to: pre(k, src), rOhm: 1e-6, xOhm: 1e-6 })),
      ...range.flatMap((k) =>
        feeder.lines.map((l) => ({ ...l, id: pre(k, l.id), from: pre(k, l.from), to: pre(k, l.to) })),
      ),
    ],
    transformers: range.flatMap((k) =>
      feeder.transformers.map((t) => ({ ...t, id: pre(k, t.id), from: pre(k, t.from), to: pre(k, t.to) })),
    ),
    loads: range.flatMap((k) => feeder.loads.map((l) => ({ ...l, id: pre(k, l.id), bus: pre(k, l.bus) }))),
    capacitors: range.flatMap((k) =>
      feeder.capacitors.map((c) => ({ ...c, id: pre(k, c.id), bus: pre(k, c.bus) })),
    ),
    pvs: range.flatMap((k) => feeder.pvs.map((p) => ({ ...p, id: pre(k, p.id), bus: pre(k, p.bus) }))),
    batteries: range.flatMap((k) =>
      feeder.batteries.map((b) => ({ ...b, id: pre(k, b.id), bus: pre(k, b.bus) })),
    ),
    provenance: [`${K} copies of ${feeder.name} (models/build.ts copiesOf)`, ...feeder.provenance],
  };
}
