/**
 * The one engineering → math transform: a `Study` (engineering units, element tables, named profiles of any
 * step) becomes the per-unit, indexed `Scenario` that the formulation, the initial point, ENApp, the
 * self-check and the replay's optimizer side share.
 *
 * * Per unit by zone: powers on S_base, each bus's voltage on its zone's base (`topology.ts` builds the
 *   network). A capacitor's kvar at its rated kV becomes its output at 1 pu of its bus's base. The phase model
 *   (per phase, or three-phase total power: models/README.md) changes only the zones' impedance and current
 *   bases (topology.ts): powers are per unit of S_base either way, as per phase or as totals, like the rows.
 * * Time: the horizon has T periods of Δt (default: the finest step among the profiles the study uses);
 *   every profile is resampled to Δt — held when coarser (a 1-h value over four 15-min periods), averaged
 *   when finer — and the horizon is the middle-T window of the points available (the authors' rule).
 */
import { InputError } from "./errors.ts";
import type { Feeder, PriceDef, Profile } from "./feeder.ts";
import { zipOf } from "./feeder.ts";
import type { Battery, Capacitor, Load, Network, PvUnit, Scenario } from "./types.ts";

/** The horizon of a study: T periods of Δt hours, starting at `startIndex` (in Δt steps) of the profiles. */
export interface Horizon {
  T: number;
  dtH: number;
  startIndex: number;
  /** Periods of Δt the profiles cover (the horizon is a window of these). */
  points: number;
}

/** The profiles a study uses: each load's and PV's (or the defaults) and the price's. */
export function usedProfiles(feeder: Feeder, price: PriceDef): Profile[] {
  const names = new Set<string>([feeder.defaultLoadProfile, feeder.defaultPvProfile, price.profile]);
  for (const l of feeder.loads) names.add(l.profile ?? feeder.defaultLoadProfile);
  for (const p of feeder.pvs) names.add(p.profile ?? feeder.defaultPvProfile);
  return [...names].map((n) => {
    const p = feeder.profiles[n];
    if (!p)
      throw new InputError("bad-profile", `profile '${n}' is not defined`, {
        element: "scenario",
        field: "profile",
      });
    return p;
  });
}

/** The first index (0-based) of the middle-T window of an N-point shape: ceil((N − T + 1)/2) − 1. */
export function windowStart(points: number, T: number): number {
  return Math.ceil((points - T + 1) / 2) - 1;
}

const integral = (r: number) => Math.abs(r - Math.round(r)) < 1e-9 && Math.round(r) >= 1;

/**
 * Choose Δt (given in minutes, or the finest step used) and check that every used profile resamples to it,
 * then place the middle-T window. Throws `InputError` (field "horizon" or "step") naming the profile.
 */
export function pickHorizon(feeder: Feeder, price: PriceDef, T: number, stepMinutes?: number): Horizon {
  const used = usedProfiles(feeder, price);
  const dtH = stepMinutes !== undefined ? stepMinutes / 60 : Math.min(...used.map((p) => p.stepHours));
  if (!(dtH > 0) || !Number.isFinite(dtH)) {
    throw new InputError("bad-option", `the period length must be positive (got ${stepMinutes} min)`, {
      element: "scenario",
      field: "step",
    });
  }
  let points = Infinity;
  for (const p of used) {
    const r = p.stepHours / dtH;
    if (!integral(r) && !integral(1 / r)) {
      throw new InputError(
        "bad-profile",
        `profile '${p.name}' has a step of ${p.stepHours * 60} min, which does not divide or repeat into periods of ${dtH * 60} min`,
        { file: p.file, element: "scenario", field: "step" },
      );
    }
    points = Math.min(points, Math.floor((p.values.length * p.stepHours) / dtH + 1e-9));
  }
  if (Number.isInteger(T) && T > points) {
    // Name the profile that is too short, where it was defined.
    const short = used.find((p) => Math.floor((p.values.length * p.stepHours) / dtH + 1e-9) === points)!;
    throw new InputError(
      "bad-horizon",
      `horizon must be an integer in 1..${points} for the case's ${points}-point profiles at Δt = ${+(dtH * 60).toFixed(6)} min (got ${T}): profile '${short.name}' has only ${short.values.length} points of ${+(short.stepHours * 60).toFixed(6)} min`,
      short.definedAt
        ? {
            file: short.definedAt.file,
            line: short.definedAt.line,
            element: short.definedAt.element,
            field: "npts",
          }
        : { file: short.file, element: "scenario", field: "horizon" },
    );
  }
  if (!Number.isInteger(T) || T < 1 || T > points) {
    throw new InputError(
      "bad-horizon",
      `horizon must be an integer in 1..${points} for the case's ${points}-point profiles at Δt = ${+(dtH * 60).toFixed(6)} min (got ${T})`,
      { element: "scenario", field: "horizon" },
    );
  }
  return { T, dtH, startIndex: windowStart(points, T), points };
}

/** A profile's values on the horizon's periods: held when coarser than Δt, averaged when finer. */
export function resample(p: Profile, h: Horizon): Float64Array {
  const out = new Float64Array(h.T);
  const r = p.stepHours / h.dtH;
  if (Math.abs(r - 1) < 1e-12) {
    for (let t = 0; t < h.T; t++) out[t] = p.values[h.startIndex + t]!;
  } else if (r > 1) {
    const k = Math.round(r);
    for (let t = 0; t < h.T; t++) out[t] = p.values[Math.floor((h.startIndex + t) / k)]!;
  } else {
    const m = Math.round(1 / r);
    for (let t = 0; t < h.T; t++) {
      let s = 0;
      for (let q = 0; q < m; q++) s += p.values[(h.startIndex + t) * m + q]!;
      out[t] = s / m;
    }
  }
  return out;
}

/** A price series on the horizon: the profile resampled, or the on/off-peak rule on the default load profile. */
export function priceSeries(
  feeder: Feeder,
  price: PriceDef,
  h: Horizon,
  loadMult: Float64Array,
): Float64Array {
  const prof = feeder.profiles[price.profile]!;
  if (price.rule === "series") return resample(prof, h);
  let hi = -Infinity;
  let lo = Infinity;
  for (const v of prof.values) {
    hi = Math.max(hi, v);
    lo = Math.min(lo, v);
  }
  const T = h.T;
  const out = new Float64Array(T);
  const k = Math.max(1, Math.floor(price.peakShare * T + 1e-12));
  // Stable ranking by load multiplier, highest first (ties: earlier period first).
  const idx = Array.from({ length: T }, (_, t) => t).sort((a, b) => loadMult[b]! - loadMult[a]! || a - b);
  out.fill(lo);
  for (let j = 0; j < k && j < T; j++) out[idx[j]!] = hi;
  return out;
}

/** What `toMath` reads from a study (see scenario.ts `Study`). */
export interface MathInput {
  name: string;
  feeder: Feeder;
  horizon: Horizon;
  price: PriceDef;
  objective: Scenario["objective"];
  options: Scenario["options"];
}

/**
 * Transform a study into the per-unit Scenario on `network` (the feeder's network from `buildMathNetwork`).
 * Device rows are validated against the network (bus ids) with their file and line.
 */
export function toMath(study: MathInput, network: Network): Scenario {
  const f = study.feeder;
  const h = study.horizon;
  const S = f.sBaseKva;
  const bus = (id: string, at: { file?: string; line?: number } | undefined, element: string): number => {
    const i = network.busIndex[id];
    if (i === undefined) {
      throw new InputError("unknown-bus", `bus '${id}' is not a bus of the network`, {
        ...at,
        element,
        field: "bus",
      });
    }
    return i;
  };
  const series = new Map<string, Float64Array>();
  const sampled = (name: string) => {
    let s = series.get(name);
    if (!s) {
      s = resample(f.profiles[name]!, h);
      series.set(name, s);
    }
    return s;
  };
  const loadMult = sampled(f.defaultLoadProfile);
  const pvMult = sampled(f.defaultPvProfile);
  const loads: Load[] = f.loads.map((l) => {
    const profile = l.profile ?? f.defaultLoadProfile;
    const zip = zipOf(l);
    return {
      id: l.id,
      bus: bus(l.bus, l.at, `load ${l.id}`),
      pRatedPu: l.kw / S,
      qRatedPu: l.kvar / S,
      profile,
      mult: sampled(profile),
      model: { p: [...zip.p], q: [...zip.q] },
    };
  });
  const capacitors: Capacitor[] = f.capacitors.map((c) => {
    const b = bus(c.bus, c.at, `capacitor ${c.id}`);
    const base = network.zones[network.buses[b]!.zone]!.vBaseKvLn * Math.sqrt(3);
    const ratio = c.kvRated === undefined ? 1 : base / c.kvRated;
    return { id: c.id, bus: b, qPu: (c.kvar * ratio * ratio) / S };
  });
  const pvs: PvUnit[] = f.pvs.map((p) => {
    const m = sampled(p.profile ?? f.defaultPvProfile);
    const pRatedPu = p.pmppKw / S;
    return {
      id: p.id,
      bus: bus(p.bus, p.at, `pv ${p.id}`),
      pRatedPu,
      sRatedPu: p.kva / S,
      pAvailPu: Float64Array.from(m, (v) => pRatedPu * v),
    };
  });
  const batteries: Battery[] = f.batteries.map((b) => ({
    id: b.id,
    bus: bus(b.bus, b.at, `battery ${b.id}`),
    pRatedPu: b.kw / S,
    sRatedPu: b.kva / S,
    eRatedPuH: b.kwh / S,
    etaCharge: b.etaCharge,
    etaDischarge: b.etaDischarge,
    socMin: b.socMin,
    socMax: b.socMax,
    b0PuH: (b.soc0 * b.kwh) / S,
    throughputCostUsdPerKwh: b.throughputCostUsdPerKwh ?? 0,
  }));
  const used = usedProfiles(f, study.price);
  return {
    name: study.name,
    network,
    T: h.T,
    dtH: h.dtH,
    startIndex: h.startIndex,
    loads,
    capacitors,
    pvs,
    batteries,
    priceUsdPerKwh: priceSeries(f, study.price, h, loadMult),
    loadMult,
    pvMult,
    objective: study.objective,
    options: study.options,
    provenance: `${[...new Set(used.map((p) => p.file).filter(Boolean))].join(", ")}: points ${h.startIndex}..${h.startIndex + h.T - 1} at Δt = ${+(h.dtH * 60).toFixed(6)} min; price '${study.price.name}'`,
  };
}
