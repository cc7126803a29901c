/**
 * ENApp (method.md §5): the spatially distributed multi-period OPF (MPDOPF). Every area solves its own
 * full-horizon MPOPF — the same formulation code as the centralized solve (`solvers/mpopf`), in "area mode":
 * head voltage fixed per period, child areas as fixed per-period loads — then the parent's boundary voltage goes
 * down and the child's head power goes up (Jacobi: all areas use the previous macro-iteration's values, so
 * they solve in parallel), under-relaxed by the configured schedule, until every boundary agrees within
 * separate P, Q and v tolerances in every period, or the macro-iteration limit is reached (a status, never a
 * silent "converged").
 */
import { type ColumnTable, from } from "arquero";
import type { Partition } from "../../models/partition.ts";
import { columnNames } from "../../models/results.ts";
import type { Scenario } from "../../models/types.ts";
import { type SelfCheck, selfCheck } from "../mpopf/check.ts";
import { decodeMpopf, headPower, type MpopfTables, type MpopfTotals } from "../mpopf/decode.ts";
import { type MpopfLayout, type VariableKind, varIndex } from "../mpopf/layout.ts";
import { buildMpopfModel, type ConstraintFamily, type MpopfModel } from "../mpopf/model.ts";
import type { ExtraLoad, MpopfInput, ObjectiveTerms } from "../mpopf/params.ts";
import {
  finishMpopf,
  MPOPF_SETTINGS,
  type MpopfSolution,
  mpopfFactoryRef,
  mpopfProblemFactory,
} from "../mpopf/solve.ts";
import type {
  NlpResult,
  NlpSolveOptions,
  NlpSolver,
  NlpSolverIdentity,
  NlpSolverPool,
  NlpStatus,
} from "../nlp/types.ts";
import { type Decomposition, decompose, type EnappArea } from "./decompose.ts";
import { type EnappOptions, resolveEnappOptions } from "./options.ts";

/** Where the area problems are solved: a worker-thread pool (parallel) or one solver in this thread (sequential). */
export type AreaBackend = { kind: "pool"; pool: NlpSolverPool } | { kind: "thread"; solver: NlpSolver };

/** How an ENApp run ended. */
export type EnappStatus = "converged" | "max-iterations" | "area-failed";

/** One area solve of one macro-iteration. */
export interface AreaSolveRecord {
  area: string;
  status: NlpStatus;
  success: boolean;
  /** Ipopt iterations. */
  ipoptIterations: number;
  /** The area's own objective ($ for cost, kWh for loss, plus its battery-loss term). */
  objective: number;
  /** Solver wall time in the worker (s), excluding problem construction. */
  solveSeconds: number;
  /** Whether the solve was warm-started from the area's previous macro-iteration. */
  warm: boolean;
}

/** The values at one boundary in one macro-iteration, per period (arrays of length T). */
export interface BoundaryExchange {
  boundary: string;
  /** Values the areas used in this macro-iteration: voltage sent to the child (pu), power drawn at the parent bus. */
  usedVPu: Float64Array;
  usedPKw: Float64Array;
  usedQKvar: Float64Array;
  /** Values this macro-iteration computed: the parent's boundary-bus voltage and the child's head power. */
  vPu: Float64Array;
  pKw: Float64Array;
  qKvar: Float64Array;
  /** Largest |computed − used| over the periods (pu, kW, kVAr). */
  resVPu: number;
  resPKw: number;
  resQKvar: number;
}

/** The record of one macro-iteration. */
export interface MacroIteration {
  k: number;
  areas: AreaSolveRecord[];
  boundaries: BoundaryExchange[];
  /** Largest residuals over boundaries and periods (pu, kW, kVAr). */
  resVPu: number;
  resPKw: number;
  resQKvar: number;
  /** Every boundary within every tolerance in every period. */
  converged: boolean;
  /** Horizon totals of the areas' solutions at k: line loss (kWh), substation energy (kWh), substation cost ($). */
  lossKwh: number;
  pSubsKwh: number;
  costUsd: number;
  /** Wall time of the macro-iteration (s): the area solves (parallel in a pool) and the exchange. */
  seconds: number;
  /** Sum of the area solve times (s). */
  sequentialSeconds: number;
  /** Largest area solve time (s): the macro-iteration's critical path with one worker per area. */
  criticalPathSeconds: number;
  /** Real numbers exchanged: v down, P and Q up, per boundary and period (3·B·T; 6·B·T with the prices). */
  valuesExchanged: number;
  /** Marginal coupling: largest change of a head-power price relative to its size (0 for "own"). */
  resPrice: number;
}

/** Times of a run (s). */
export interface EnappTimes {
  /** End to end: decomposition, all macro-iterations, composition and checks. */
  wallSeconds: number;
  /** Sum of every area solve of every macro-iteration ("sequential"). */
  sequentialSeconds: number;
  /** Sum over macro-iterations of the largest area solve ("parallel", one worker per area). */
  criticalPathSeconds: number;
}

/** One-object summary of an ENApp run (what `mpopf solve --method enapp --json` prints). Totals are horizon energies. */
export interface EnappSummary {
  scenario: string;
  partition: string;
  status: EnappStatus;
  converged: boolean;
  /** Converged and every area's final solve passed its self-check: only then are the tables valid results. */
  valid: boolean;
  message: string;
  objectiveKind: "loss" | "cost";
  /** The centralized objective evaluated at the composed solution. */
  objective: number;
  T: number;
  areas: number;
  boundaries: number;
  macroIterations: number;
  /** Horizon totals of the composed solution: line loss (kWh), substation energy (kWh, kVArh), cost ($). */
  lossKwh: number;
  pSubsKwh: number;
  qSubsKvarh: number;
  costUsd: number;
  /** Largest substation import of a period (kW). */
  peakKw: number;
  /** Period length Δt (h). */
  dtH: number;
  /** Largest final boundary residuals (pu, kW, kVAr). */
  resVPu: number;
  resPKw: number;
  resQKvar: number;
  tolerances: EnappOptions["tolerances"];
  /** Largest residual of the composed solution in the centralized constraints (pu; ~ the boundary residuals). */
  composedResidualPu: number;
  wallSeconds: number;
  sequentialSeconds: number;
  criticalPathSeconds: number;
  solver: NlpSolverIdentity;
  workers: number;
}

/** History tables (arquero), column names per the reports' input contract (reports/README.md). */
export interface EnappHistoryTables {
  /** Per k: k, resVPu, resPKw, resQKvar, lossKwh, pSubsKwh, costUsd, seconds, sequentialSeconds, criticalPathSeconds, valuesExchanged. */
  iterations: ColumnTable;
  /** Per k, boundary, t: k, boundary, t, pKw, qKvar (into the child), vPu (parent's boundary voltage), computed at k;
   * plus usedPKw, usedQKvar, usedVPu (the values the areas used at k). */
  boundaries: ColumnTable;
  /** Per k and area: k, area, status, ipoptIterations, objective, solveSeconds, warm. */
  areas: ColumnTable;
  /** Per k and boundary: k, boundary, resVPu, resPKw, resQKvar (largest over the periods). */
  residuals: ColumnTable;
}

/** Everything an ENApp run produced. */
export interface EnappSolution {
  status: EnappStatus;
  converged: boolean;
  valid: boolean;
  message: string;
  macroIterations: number;
  history: MacroIteration[];
  /** The composed solution in the centralized layout and the same tables as the centralized solve. */
  x: Float64Array;
  tables: MpopfTables;
  totals: MpopfTotals;
  historyTables: EnappHistoryTables;
  /** Each area's final solve (checked and decoded on its own sub-network). */
  areaSolutions: MpopfSolution[];
  /** The composed solution checked against the centralized constraints. */
  composedCheck: SelfCheck;
  /** The centralized model the composed solution lives in. */
  centralModel: MpopfModel;
  decomposition: Decomposition;
  options: EnappOptions;
  times: EnappTimes;
  summary: EnappSummary;
}

/** An area's inputs for one macro-iteration. */
function areaInput(
  d: Decomposition,
  area: EnappArea,
  usedV: Float64Array[],
  usedP: Float64Array[],
  usedQ: Float64Array[],
  opts: EnappOptions,
  first: boolean,
): MpopfInput {
  const input: MpopfInput = { scenario: area.scenario };
  if (area.upBoundary >= 0) input.vHeadPu = usedV[area.upBoundary];
  const extra: ExtraLoad[] = area.downBoundaries.map((b) => ({
    bus: d.boundaries[b].parentLocalBus,
    pPu: usedP[b],
    qPu: usedQ[b],
  }));
  if (extra.length > 0) input.extraLoads = extra;
  if (first && opts.initialPoint) input.initialPoint = opts.initialPoint;
  return input;
}

/** Net load (pu, per period) of the subtree below a boundary: loads − capacitors − PV, over every bus of the child side. */
function subtreeLoad(sc: Scenario, rootBus: number): { p: Float64Array; q: Float64Array } {
  const net = sc.network;
  const T = sc.T;
  const p = new Float64Array(T);
  const q = new Float64Array(T);
  const stack = [rootBus];
  const inTree = new Uint8Array(net.buses.length);
  while (stack.length > 0) {
    const b = stack.pop()!;
    inTree[b] = 1;
    for (const c of net.children[b]) stack.push(c);
  }
  // Demand at 1 pu voltage; capacitors at 1 pu.
  for (const ld of sc.loads) {
    if (!inTree[ld.bus]) continue;
    for (let t = 0; t < T; t++) {
      p[t] += ld.pRatedPu * ld.mult[t];
      q[t] += ld.qRatedPu * ld.mult[t];
    }
  }
  for (const c of sc.capacitors) {
    if (!inTree[c.bus]) continue;
    for (let t = 0; t < T; t++) q[t] -= c.qPu;
  }
  for (const u of sc.pvs) {
    if (!inTree[u.bus]) continue;
    for (let t = 0; t < T; t++) p[t] -= u.pAvailPu[t];
  }
  return { p, q };
}

/** Weighted sum of the most recent computed values (most recent first), renormalized when history is short. */
function relax(history: Float64Array[], weights: number[]): Float64Array {
  const n = Math.min(history.length, weights.length);
  const out = new Float64Array(history[history.length - 1].length);
  let wsum = 0;
  for (let i = 0; i < n; i++) wsum += weights[i];
  for (let i = 0; i < n; i++) {
    const h = history[history.length - 1 - i];
    const w = weights[i] / wsum;
    for (let t = 0; t < out.length; t++) out[t] += w * h[t];
  }
  return out;
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let t = 0; t < a.length; t++) {
    const d = Math.abs(a[t] - b[t]);
    if (!(d <= m)) m = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  }
  return m;
}

/** Solve one area on the backend (a pool worker builds the problem from plain data; in-thread builds it here). */
function solveArea(backend: AreaBackend, input: MpopfInput, options: NlpSolveOptions): Promise<NlpResult> {
  if (backend.kind === "pool") return backend.pool.solve(mpopfFactoryRef(input), options);
  return Promise.resolve().then(() => backend.solver.solve(mpopfProblemFactory(input), options));
}

/** The formulation's row of a family for (period, element); a missing row is an internal error here. */
function rowOf(m: MpopfModel, family: ConstraintFamily, t: number, element: number): number {
  const r = m.rows.row(family, t, element);
  if (r < 0) throw new Error(`internal: the area model has no ${family} row for t=${t}, element ${element}`);
  return r;
}

/** Prices exchanged by the "marginal" coupling, per boundary and period (objective units per pu). */
interface Prices {
  /** Marginal value of the child's head real / reactive power to its parent (down). */
  muP: Float64Array[];
  muQ: Float64Array[];
  /** Marginal value of the squared boundary voltage to the child (up). */
  nu: Float64Array[];
}

/** d f*_parent / d (extra load at the boundary bus): the price of the child's head power (per pu), per period. */
function headPowerPrices(
  d: Decomposition,
  b: number,
  m: MpopfModel,
  r: NlpResult,
  usedMuP: Float64Array[],
  usedMuQ: Float64Array[],
): { p: Float64Array; q: Float64Array } {
  const bd = d.boundaries[b];
  const T = m.layout.T;
  const p = new Float64Array(T);
  const q = new Float64Array(T);
  const j = bd.parentLocalBus;
  if (j !== m.params.head) {
    for (let t = 0; t < T; t++) {
      p[t] = -r.lambda[rowOf(m, "realBalance", t, j)];
      q[t] = -r.lambda[rowOf(m, "reactiveBalance", t, j)];
    }
    return { p, q };
  }
  // Drawn at the parent's head: it moves the parent's head power one for one.
  const sc = m.input.scenario;
  const parentUp = d.areas[bd.parentArea].upBoundary;
  const L = m.layout;
  for (let t = 0; t < T; t++) {
    if (sc.objective.kind === "cost")
      p[t] += sc.objective.weight * sc.network.sBaseKva * sc.dtH * sc.priceUsdPerKwh[t];
    if (m.headPowerBound === "constraint") p[t] += r.lambda[rowOf(m, "headPower", t, 0)];
    else if (m.headPowerBound === "variable-bound") {
      const i = varIndex(L, "P", t, sc.network.childBranches[m.params.head][0]);
      p[t] += r.zU[i] - r.zL[i];
    }
    if (parentUp >= 0) {
      p[t] += usedMuP[parentUp][t];
      q[t] += usedMuQ[parentUp][t];
    }
  }
  return { p, q };
}

/** The linear objective terms of an area under the "marginal" coupling. */
function areaPriceTerms(
  d: Decomposition,
  a: number,
  m: MpopfModel,
  prices: Prices,
): NonNullable<ObjectiveTerms["linear"]> {
  const ar = d.areas[a];
  const L = m.layout;
  const idx: number[] = [];
  const coef: number[] = [];
  const net = m.input.scenario.network;
  const head = m.params.head;
  if (ar.upBoundary >= 0) {
    const muP = prices.muP[ar.upBoundary];
    const muQ = prices.muQ[ar.upBoundary];
    for (let t = 0; t < L.T; t++) {
      for (const k of net.childBranches[head]) {
        idx.push(varIndex(L, "P", t, k), varIndex(L, "Q", t, k));
        coef.push(muP[t], muQ[t]);
      }
      for (const bi of m.params.headBatts) {
        idx.push(varIndex(L, "Pc", t, bi), varIndex(L, "Pd", t, bi), varIndex(L, "qB", t, bi));
        coef.push(muP[t], -muP[t], -muQ[t]);
      }
      for (const di of m.params.headPvs) {
        idx.push(varIndex(L, "qD", t, di));
        coef.push(-muQ[t]);
      }
    }
  }
  for (const b of ar.downBoundaries) {
    const j = d.boundaries[b].parentLocalBus;
    if (j === head) continue;
    const nu = prices.nu[b];
    for (let t = 0; t < L.T; t++) {
      idx.push(varIndex(L, "v", t, j));
      coef.push(nu[t]);
    }
  }
  return { index: Int32Array.from(idx), coef: Float64Array.from(coef) };
}

/**
 * The proximal terms of a child area (marginal coupling): (proximal · ρ(t) / 2) · |S_head(t) − S_used(t)|² on the
 * P and Q of its boundary branch (local branch 0), per period; ρ in objective units per pu².
 */
function proximalTerms(
  L: MpopfLayout,
  proximal: number,
  rho: Float64Array,
  usedP: Float64Array,
  usedQ: Float64Array,
): NonNullable<ObjectiveTerms["quadratic"]> {
  const T = L.T;
  const index = new Int32Array(2 * T);
  const weight = new Float64Array(2 * T);
  const center = new Float64Array(2 * T);
  for (let t = 0; t < T; t++) {
    // Local branch 0 of a child area is its boundary branch (decompose.ts puts it first).
    index[2 * t] = varIndex(L, "P", t, 0);
    index[2 * t + 1] = varIndex(L, "Q", t, 0);
    weight[2 * t] = weight[2 * t + 1] = 0.5 * proximal * rho[t];
    center[2 * t] = usedP[t];
    center[2 * t + 1] = usedQ[t];
  }
  return { index, weight, center };
}

/** Copy the areas' local solutions into the centralized layout (each variable from the area that owns it). */
export function composeSolution(
  d: Decomposition,
  central: MpopfModel,
  areaModels: MpopfModel[],
  xs: Float64Array[],
): Float64Array {
  const L = central.layout;
  const x = new Float64Array(L.n);
  // The substation voltage is fixed; the root area holds it like every other bus.
  d.areas.forEach((ar, a) => {
    const A = areaModels[a].layout;
    const xa = xs[a];
    const copy = (kind: VariableKind, t: number, g: number, k: number) => {
      x[varIndex(L, kind, t, g)] = xa[varIndex(A, kind, t, k)];
    };
    for (let t = 0; t < L.T; t++) {
      ar.branchGlobal.forEach((g, k) => {
        for (const kind of ["P", "Q", "l"] as const) copy(kind, t, g, k);
      });
      ar.busGlobal.forEach((g, j) => {
        if (g >= 0) copy("v", t, g, j);
      });
      ar.pvGlobal.forEach((g, k) => {
        copy("qD", t, g, k);
      });
      ar.batteryGlobal.forEach((g, k) => {
        for (const kind of ["Pc", "Pd", "qB", "B"] as const) copy(kind, t, g, k);
      });
    }
  });
  return x;
}

/**
 * Run ENApp on a scenario and a partition of its network. Area solves go to `backend` (a worker pool solves
 * them in parallel). Bad input (partition, options, scenario) throws `InputError`; non-convergence and failed
 * area solves are statuses of the result.
 */
export async function solveEnapp(
  scenario: Scenario,
  partition: Partition,
  backend: AreaBackend,
  userOptions: Partial<EnappOptions> = {},
  onIteration?: (it: MacroIteration) => void,
): Promise<EnappSolution> {
  const t0 = performance.now();
  const opts = resolveEnappOptions(userOptions);
  const marginal = opts.coupling === "marginal";
  const d = decompose(scenario, partition, {
    allowReverseFlow: opts.allowReverseFlow,
    dropChildHeadCost: marginal,
  });
  const T = scenario.T;
  const S = scenario.network.sBaseKva;
  const nB = d.boundaries.length;
  const identity = backend.kind === "pool" ? backend.pool.identity : backend.solver.identity;

  // First guess at every boundary.
  const vSubs = scenario.network.vSubsPu;
  let usedV: Float64Array[] = d.boundaries.map(() => new Float64Array(T).fill(vSubs));
  let usedP: Float64Array[] = d.boundaries.map(() => new Float64Array(T));
  let usedQ: Float64Array[] = d.boundaries.map(() => new Float64Array(T));
  if (opts.initialGuess === "subtree-load") {
    d.boundaries.forEach((bd, b) => {
      const s = subtreeLoad(scenario, bd.childBus);
      usedP[b] = s.p;
      usedQ[b] = s.q;
    });
  }
  // Templates (no extra loads) give each area's layout, branch resistances and head power without its children.
  const templates = d.areas.map((ar) => buildMpopfModel({ scenario: ar.scenario }));
  // Prices of the "marginal" coupling. First guess: what the authors' own objectives imply (price × head power
  // for cost, nothing for loss), so the first macro-iteration is the same in both couplings.
  const kWh = S * scenario.dtH;
  const firstMu = () =>
    Float64Array.from({ length: T }, (_, t) =>
      scenario.objective.kind === "cost" ? scenario.objective.weight * kWh * scenario.priceUsdPerKwh[t] : 0,
    );
  let prices: Prices = {
    muP: d.boundaries.map(firstMu),
    muQ: d.boundaries.map(() => new Float64Array(T)),
    nu: d.boundaries.map(() => new Float64Array(T)),
  };
  // Proximal weights (objective units per pu²): the curvature of the upstream losses seen at the boundary bus,
  // 2 R_path / v with R_path the resistance from the substation, priced like the objective.
  const net = scenario.network;
  const rho = d.boundaries.map((bd) => {
    let rPath = 0;
    for (let j = bd.parentBus; net.parent[j] >= 0; j = net.parent[j])
      rPath += net.branches[net.parentBranch[j]].rPu;
    return Float64Array.from({ length: T }, (_, t) => {
      const price = scenario.objective.kind === "cost" ? scenario.priceUsdPerKwh[t] : 1;
      return (2 * rPath * scenario.objective.weight * kWh * price) / (vSubs * vSubs);
    });
  });
  const histMuP: Float64Array[][] = d.boundaries.map(() => []);
  const histMuQ: Float64Array[][] = d.boundaries.map(() => []);
  const histNu: Float64Array[][] = d.boundaries.map(() => []);
  const histV: Float64Array[][] = d.boundaries.map(() => []);
  const histP: Float64Array[][] = d.boundaries.map(() => []);
  const histQ: Float64Array[][] = d.boundaries.map(() => []);

  const history: MacroIteration[] = [];
  let results: NlpResult[] = [];
  let inputs: MpopfInput[] = [];
  let status: EnappStatus = "max-iterations";
  let message = "";
  // Submit the slowest areas first so a small pool packs them well (longest-processing-time order).
  let order = d.areas.map((_, a) => a).sort((a, b) => templates[b].problem.n - templates[a].problem.n);

  for (let k = 1; k <= opts.maxIterations; k++) {
    const tk = performance.now();
    const first = k === 1;
    inputs = d.areas.map((ar) => areaInput(d, ar, usedV, usedP, usedQ, opts, first));
    // Under the marginal coupling every area also prices its boundaries (and child areas get proximal terms).
    const args: MpopfInput[] = inputs.map((input, a) => {
      if (!marginal) return input;
      const objectiveTerms: ObjectiveTerms = { linear: areaPriceTerms(d, a, templates[a], prices) };
      const ub = d.areas[a].upBoundary;
      if (ub >= 0 && opts.proximal > 0)
        objectiveTerms.quadratic = proximalTerms(
          templates[a].layout,
          opts.proximal,
          rho[ub],
          usedP[ub],
          usedQ[ub],
        );
      return { ...input, objectiveTerms };
    });
    const prev = results;
    const pending = new Array<Promise<NlpResult>>(d.areas.length);
    for (const a of order) {
      const warm = opts.warmStart && !first && prev[a] !== undefined;
      const solveOptions: NlpSolveOptions = {
        settings: MPOPF_SETTINGS,
        ipopt: warm ? { ...opts.warmIpopt, ...opts.ipopt } : { ...opts.ipopt },
      };
      if (warm) {
        const r = prev[a];
        solveOptions.warmStart = { x: r.x, lambda: r.lambda, zL: r.zL, zU: r.zU };
      }
      pending[a] = solveArea(backend, args[a], solveOptions);
    }
    results = await Promise.all(pending);
    const areas: AreaSolveRecord[] = results.map((r, a) => ({
      area: d.areas[a].id,
      status: r.status,
      success: r.success,
      ipoptIterations: r.iterations,
      objective: r.objective,
      solveSeconds: r.solveSeconds,
      warm: opts.warmStart && !first,
    }));
    order = d.areas.map((_, a) => a).sort((a, b) => results[b].solveSeconds - results[a].solveSeconds);

    // Exchange: the parent's boundary-bus voltage goes down, the child's head power goes up.
    const boundaries: BoundaryExchange[] = d.boundaries.map((bd, b) => {
      const pa = templates[bd.parentArea].layout;
      const xp = results[bd.parentArea].x;
      const vComp = Float64Array.from({ length: T }, (_, t) =>
        Math.sqrt(Math.max(0, xp[varIndex(pa, "v", t, bd.parentLocalBus)])),
      );
      const hp = headPower(templates[bd.childArea], results[bd.childArea].x);
      histV[b].push(vComp);
      histP[b].push(hp.pPu);
      histQ[b].push(hp.qPu);
      const kw = (a: Float64Array) => a.map((v) => v * S);
      return {
        boundary: bd.id,
        usedVPu: usedV[b],
        usedPKw: kw(usedP[b]),
        usedQKvar: kw(usedQ[b]),
        vPu: vComp,
        pKw: kw(hp.pPu),
        qKvar: kw(hp.qPu),
        resVPu: maxAbsDiff(vComp, usedV[b]),
        resPKw: maxAbsDiff(hp.pPu, usedP[b]) * S,
        resQKvar: maxAbsDiff(hp.qPu, usedQ[b]) * S,
      };
    });
    // Prices computed by this macro-iteration (marginal coupling).
    let resPrice = 0;
    if (marginal) {
      d.boundaries.forEach((bd, b) => {
        const hp = headPowerPrices(
          d,
          b,
          templates[bd.parentArea],
          results[bd.parentArea],
          prices.muP,
          prices.muQ,
        );
        const child = templates[bd.childArea];
        const nu = Float64Array.from(
          { length: T },
          (_, t) => -results[bd.childArea].lambda[rowOf(child, "headVoltage", t, 0)],
        );
        histMuP[b].push(hp.p);
        histMuQ[b].push(hp.q);
        histNu[b].push(nu);
        const scale = Math.max(1e-12, ...hp.p.map(Math.abs));
        resPrice = Math.max(
          resPrice,
          maxAbsDiff(hp.p, prices.muP[b]) / scale,
          maxAbsDiff(hp.q, prices.muQ[b]) / scale,
        );
      });
    }
    const failed = results.map((r, a) => (r.success ? -1 : a)).filter((a) => a >= 0);
    const tol = opts.tolerances;
    const resVPu = Math.max(0, ...boundaries.map((b) => b.resVPu));
    const resPKw = Math.max(0, ...boundaries.map((b) => b.resPKw));
    const resQKvar = Math.max(0, ...boundaries.map((b) => b.resQKvar));
    const converged =
      failed.length === 0 &&
      boundaries.every((b) => b.resVPu <= tol.vPu && b.resPKw <= tol.pKw && b.resQKvar <= tol.qKvar);

    // Horizon totals of this macro-iteration: losses of every area, power and cost at the substation (root head).
    let lossKwh = 0;
    results.forEach((r, a) => {
      const m = templates[a];
      const A = m.layout;
      for (let t = 0; t < T; t++)
        for (let q = 0; q < A.nBr; q++)
          lossKwh += m.params.r[q] * r.x[varIndex(A, "l", t, q)] * S * scenario.dtH;
    });
    const root = d.areas[0];
    const rootHp = headPower(templates[0], results[0].x);
    let pSubsKwh = 0;
    let costUsd = 0;
    for (let t = 0; t < T; t++) {
      let p = rootHp.pPu[t];
      for (const b of root.downBoundaries)
        if (d.boundaries[b].parentLocalBus === templates[0].params.head) p += usedP[b][t];
      pSubsKwh += p * S * scenario.dtH;
      costUsd += scenario.priceUsdPerKwh[t] * p * S * scenario.dtH;
    }
    const solveTimes = results.map((r) => r.solveSeconds);
    const it: MacroIteration = {
      k,
      areas,
      boundaries,
      resVPu,
      resPKw,
      resQKvar,
      converged,
      lossKwh,
      pSubsKwh,
      costUsd,
      seconds: (performance.now() - tk) / 1000,
      sequentialSeconds: solveTimes.reduce((s, v) => s + v, 0),
      criticalPathSeconds: Math.max(...solveTimes),
      valuesExchanged: (marginal ? 6 : 3) * nB * T,
      resPrice,
    };
    history.push(it);
    onIteration?.(it);

    if (failed.length > 0) {
      status = "area-failed";
      message = `macro-iteration ${k}: ${failed
        .map((a) => `area ${d.areas[a].id} ${results[a].status} (${results[a].message})`)
        .join("; ")}`;
      break;
    }
    if (converged) {
      status = "converged";
      message = `converged in ${k} macro-iterations: largest boundary residuals ${resVPu.toExponential(2)} pu, ${resPKw.toExponential(2)} kW, ${resQKvar.toExponential(2)} kVAr (tolerances ${tol.vPu} pu, ${tol.pKw} kW, ${tol.qKvar} kVAr)`;
      break;
    }
    if (k === opts.maxIterations) {
      const worst = boundaries
        .filter((b) => b.resVPu > tol.vPu || b.resPKw > tol.pKw || b.resQKvar > tol.qKvar)
        .map(
          (b) =>
            `${b.boundary}: ${b.resVPu.toExponential(2)} pu, ${b.resPKw.toExponential(2)} kW, ${b.resQKvar.toExponential(2)} kVAr`,
        );
      message = `NOT converged after ${k} macro-iterations (the limit); boundaries outside the tolerances (${tol.vPu} pu, ${tol.pKw} kW, ${tol.qKvar} kVAr): ${worst.join("; ")}`;
      break;
    }
    // Values for the next macro-iteration: plain substitution first, then the relaxation schedule.
    const plain = k <= opts.relaxation.plainIterations;
    const rv = opts.relaxation.voltageWeights;
    const rs = opts.relaxation.powerWeights;
    const next = (hist: Float64Array[][], weights: number[]) =>
      hist.map((h) => (plain ? h[h.length - 1] : relax(h, weights)));
    usedV = next(histV, rv);
    usedP = next(histP, rs);
    usedQ = next(histQ, rs);
    // Prices travel with the values (marginal coupling): head-power prices down with v, voltage prices up with S.
    if (marginal) prices = { muP: next(histMuP, rv), muQ: next(histMuQ, rv), nu: next(histNu, rs) };
  }

  // Each area's final solve, checked on its own sub-network; the composed solution in the centralized layout.
  const areaSolutions = d.areas.map((_, a) =>
    finishMpopf(buildMpopfModel(inputs[a]), results[a], 0, opts.checkTolerancePu),
  );
  const central = buildMpopfModel({ scenario });
  const x = composeSolution(
    d,
    central,
    areaSolutions.map((s) => s.model),
    results.map((r) => r.x),
  );
  const { tables, totals } = decodeMpopf(central, x);
  const composedCheck = selfCheck(central, x, opts.checkTolerancePu);
  const converged = status === "converged";
  const invalidAreas = areaSolutions
    .filter((s) => !s.valid)
    .map((s, a) => `area ${d.areas[a].id}: ${s.summary.message}`);
  const valid = converged && invalidAreas.length === 0;
  if (converged && invalidAreas.length > 0) message += `; but ${invalidAreas.join("; ")}`;

  const times: EnappTimes = {
    wallSeconds: (performance.now() - t0) / 1000,
    sequentialSeconds: history.reduce((s, h) => s + h.sequentialSeconds, 0),
    criticalPathSeconds: history.reduce((s, h) => s + h.criticalPathSeconds, 0),
  };
  const last = history[history.length - 1];
  const summary: EnappSummary = {
    scenario: scenario.name,
    partition: partition.name,
    status,
    converged,
    valid,
    message,
    objectiveKind: central.objectiveKind,
    objective: central.problem.evalF(x),
    T,
    areas: d.areas.length,
    boundaries: nB,
    macroIterations: history.length,
    lossKwh: totals.lossKwh,
    pSubsKwh: totals.pSubsKwh,
    qSubsKvarh: totals.qSubsKvarh,
    costUsd: totals.costUsd,
    peakKw: totals.peakKw,
    dtH: scenario.dtH,
    resVPu: last.resVPu,
    resPKw: last.resPKw,
    resQKvar: last.resQKvar,
    tolerances: { ...opts.tolerances },
    composedResidualPu: composedCheck.maxResidualPu,
    wallSeconds: times.wallSeconds,
    sequentialSeconds: times.sequentialSeconds,
    criticalPathSeconds: times.criticalPathSeconds,
    solver: identity,
    workers: backend.kind === "pool" ? backend.pool.size : 1,
  };
  return {
    status,
    converged,
    valid,
    message,
    macroIterations: history.length,
    history,
    x,
    tables,
    totals,
    historyTables: historyTables(history),
    areaSolutions,
    composedCheck,
    centralModel: central,
    decomposition: d,
    options: opts,
    times,
    summary,
  };
}

/** Build the history tables from the macro-iteration records (columns named as in `EnappHistoryTables`). */
export function historyTables(history: MacroIteration[]): EnappHistoryTables {
  // The column lists of the one schema (models/results.ts ENAPP_SCHEMA).
  const iterations = from(history, columnNames("iterations"));
  const boundaryRows = history.flatMap((h) =>
    h.boundaries.flatMap((b) =>
      Array.from(b.pKw, (_, t) => ({
        k: h.k,
        boundary: b.boundary,
        t: t + 1,
        pKw: b.pKw[t],
        qKvar: b.qKvar[t],
        vPu: b.vPu[t],
        usedPKw: b.usedPKw[t],
        usedQKvar: b.usedQKvar[t],
        usedVPu: b.usedVPu[t],
      })),
    ),
  );
  const boundaries = from(boundaryRows, columnNames("boundaries"));
  const residuals = from(
    history.flatMap((h) => h.boundaries.map((b) => ({ ...b, k: h.k }))),
    ["k", "boundary", "resVPu", "resPKw", "resQKvar"],
  );
  const areas = from(
    history.flatMap((h) => h.areas.map((a) => ({ ...a, k: h.k }))),
    ["k", "area", "status", "ipoptIterations", "objective", "solveSeconds", "warm"],
  );
  return { iterations, boundaries, areas, residuals };
}
