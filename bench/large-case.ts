/**
 * The large benchmark feeder of issue 16 until `mpopf case generate` exists: K copies of the IEEE-123 study
 * case hung off one new substation bus, T = 24 (or longer by repeating the 24-h day), 20 % PV / 30 %
 * batteries over the combined feeder's load buses (the case's placement rule), cost objective.
 *
 * K = 4 → 513 buses, K = 20 → 2,561, K = 80 → 10,241 (128 K + 1). Everything here goes through the public
 * model functions (`loadCase`, `buildNetwork`, `buildScenario`), so it is the one place to port when the
 * data model changes.
 */
import { loadCase, type StudyCase } from "../models/case.ts";
import { type BranchSpec, type BusSpec, buildNetwork } from "../models/network.ts";
import { buildScenario } from "../models/scenario.ts";
import type { Network, Scenario } from "../models/types.ts";

/** Id of the shared substation bus of the combined feeder. */
export const LARGE_CASE_ROOT = "S";

/** Buses of K copies of IEEE-123 plus the shared substation bus. */
export function largeCaseBuses(copies: number): number {
  return 128 * copies + 1;
}

/**
 * K copies of a radial network hung off one new substation bus `S` (same voltage setting). Copy k's buses
 * and branches get the prefix `k.`; copy k's old substation bus hangs off `S` through a switch-like branch
 * (1e-6 Ω + j1e-6 Ω, as IEEE-123's own branch 1). Bus order: S, then copy 1's buses, copy 2's, …
 */
export function replicateNetwork(base: Network, copies: number): Network {
  if (!Number.isInteger(copies) || copies < 1)
    throw new Error(`copies must be a positive integer (got ${copies})`);
  const buses: BusSpec[] = [{ id: LARGE_CASE_ROOT, pLoadKw: 0, qLoadKvar: 0, qCapKvar: 0 }];
  const branches: BranchSpec[] = [];
  const subsId = base.buses[base.substation]!.id;
  for (let k = 1; k <= copies; k++) {
    for (const b of base.buses)
      buses.push({ id: `${k}.${b.id}`, pLoadKw: b.pLoadKw, qLoadKvar: b.qLoadKvar, qCapKvar: b.qCapKvar });
    branches.push({ id: `${k}.head`, from: LARGE_CASE_ROOT, to: `${k}.${subsId}`, rOhm: 1e-6, xOhm: 1e-6 });
    for (const br of base.branches) {
      const spec: BranchSpec = {
        id: `${k}.${br.id}`,
        from: `${k}.${base.buses[br.from]!.id}`,
        to: `${k}.${base.buses[br.to]!.id}`,
        rOhm: br.rOhm,
        xOhm: br.xOhm,
      };
      if (br.iMaxA !== undefined) spec.iMaxA = br.iMaxA;
      branches.push(spec);
    }
  }
  return buildNetwork({
    name: `${base.name}x${copies}`,
    sBaseKva: base.sBaseKva,
    vBaseKvLn: base.vBaseKvLn,
    substation: LARGE_CASE_ROOT,
    vSubsPu: base.vSubsPu,
    buses,
    branches,
  });
}

/** Options of the large case. */
export interface LargeCaseOptions {
  /** Number of IEEE-123 copies (K). */
  copies: number;
  /** Periods (default 24). Above the case's 24 points, the 24-h day is repeated (1-h steps). */
  periods?: number;
}

let ieee123: StudyCase | null = null;

/** The large scenario: K × IEEE-123, cost objective, 20 % PV / 30 % batteries, `periods` 1-h periods. */
export function largeCaseScenario(opts: LargeCaseOptions): Scenario {
  ieee123 ??= loadCase("ieee123");
  const c = ieee123;
  const big: StudyCase = { ...c, network: replicateNetwork(c.network, opts.copies), partitions: {} };
  const T = opts.periods ?? 24;
  const points = c.profiles.points;
  const sc = buildScenario(big, {
    horizon: Math.min(T, points),
    objective: "cost",
    pvPercent: 20,
    battPercent: 30,
  });
  if (T <= points) return sc;
  // Longer horizons: repeat the day (a stand-in until the data model carries profiles of any length).
  const repeat = (a: Float64Array) => Float64Array.from({ length: T }, (_, t) => a[t % a.length]!);
  return {
    ...sc,
    name: sc.name.replace(`T=${points}`, `T=${T}`),
    T,
    loadMult: repeat(sc.loadMult),
    pvMult: repeat(sc.pvMult),
    priceUsdPerKwh: repeat(sc.priceUsdPerKwh),
    provenance: `${sc.provenance}; the ${points}-point day repeated to ${T} periods`,
  };
}
