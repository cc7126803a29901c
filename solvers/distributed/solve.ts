/**
 * A distributed MPOPF run, in process: decompose the scenario into areas, build one agent per area from its
 * own data, let the coordinator run the rounds over the transport, then collect the areas' final solutions,
 * compose them into the centralized layout, check the composition against the centralized constraints and
 * decode the same result tables as a centralized solve.
 */
import type { Partition } from "../../models/partition.ts";
import type { Scenario } from "../../models/types.ts";
import { type SelfCheck, selfCheck } from "../mpopf/check.ts";
import { decodeMpopf, type MpopfTables, type MpopfTotals } from "../mpopf/decode.ts";
import { powerFlowInitialPoint } from "../mpopf/initial.ts";
import { type MpopfLayout, makeLayout, type VariableKind, varIndex } from "../mpopf/layout.ts";
import { buildMpopfModel, type MpopfModel } from "../mpopf/model.ts";
import { makeParams } from "../mpopf/params.ts";
import type { MpopfSolution } from "../mpopf/solve.ts";
import type { NlpSolverIdentity } from "../nlp/types.ts";
import type { AreaAgent } from "./agent.ts";
import { ConsensusAgent } from "./agent-consensus.ts";
import { EnappAgent } from "./agent-enapp.ts";
import { type AreaBackend, type AreaSolver, areaSolver } from "./area-solver.ts";
import { type CoordinatorSetup, coordinate, type DistributedStatus } from "./coordinator.ts";
import { type Decomposition, decompose } from "./decompose.ts";
import type { MethodName } from "./messages.ts";
import {
  type DistributedOptions,
  type DistributedUserOptions,
  resolveDistributedOptions,
} from "./options.ts";
import { priceScale } from "./prices.ts";
import type { AgentSpec, AreaFinal, BoundaryGuess } from "./protocol.ts";
import { type EnappHistoryTables, historyTables, type MacroIteration } from "./records.ts";
import { InProcessTransport, type Transport } from "./transport.ts";

/** Identity shown when no area reported its solver. */
const UNKNOWN_SOLVER: NlpSolverIdentity = { name: "unknown", version: "", linearSolver: "", backend: "wasm" };

/** Times of a run (s). */
export interface DistributedTimes {
  /** End to end: decomposition, agents, every round, composition and checks. */
  wallSeconds: number;
  /** Sum of every area solve of every round ("sequential"). */
  sequentialSeconds: number;
  /** Σ over rounds of the largest area solve ("parallel", one worker per area). */
  criticalPathSeconds: number;
  /** Σ over rounds of the largest area solve + construction, plus waiting for lost messages. */
  criticalPathTotalSeconds: number;
}

/** One-object summary of a run (what `mpopf solve --method … --json` prints). Totals are horizon energies. */
export interface DistributedSummary {
  method: MethodName;
  scenario: string;
  partition: string;
  status: DistributedStatus;
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
  tolerances: DistributedOptions["tolerances"];
  /** Largest residual of the composed solution in the centralized constraints (pu; ~ the boundary mismatch). */
  composedResidualPu: number;
  wallSeconds: number;
  sequentialSeconds: number;
  criticalPathSeconds: number;
  criticalPathTotalSeconds: number;
  /** Transmissions, their bytes, retransmissions and dropped messages over the run. */
  messages: number;
  bytes: number;
  retransmissions: number;
  dropped: number;
  /** Area solves over the run (fewer than rounds × areas with asynchronous updates). */
  areaSolves: number;
  solver: NlpSolverIdentity;
  /** Worker threads of the in-process pool, or the number of remote agents. */
  workers: number;
  /** How the coordinator reached the agents ("in-process", "nats"). */
  transport: string;
}

/** Everything a distributed run produced. */
export interface DistributedSolution {
  method: MethodName;
  status: DistributedStatus;
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
  /** Each area's final solve (checked and decoded on its own sub-network); in-process runs only (else empty). */
  areaSolutions: MpopfSolution[];
  /** What each area handed over at the end (its final point, its own check), whatever the transport. */
  areaFinals: AreaFinal[];
  /** The composed solution checked against the centralized constraints. */
  composedCheck: SelfCheck;
  /** The centralized model the composed solution lives in. */
  centralModel: MpopfModel;
  decomposition: Decomposition;
  options: DistributedOptions;
  times: DistributedTimes;
  summary: DistributedSummary;
}

/** Net load (pu, per period) of the subtree below a bus: loads − capacitors − PV at 1 pu voltage. */
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

/** Copy the areas' local solutions into the centralized layout (each variable from the area that owns it). */
export function composeSolution(
  d: Decomposition,
  central: MpopfModel,
  areaLayouts: Array<MpopfModel | MpopfLayout>,
  xs: ArrayLike<number>[],
): Float64Array {
  const L = central.layout;
  const x = new Float64Array(L.n);
  d.areas.forEach((ar, a) => {
    const la = areaLayouts[a];
    const A = "layout" in la ? la.layout : la;
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
 * Power-flow boundary guesses: per period, the exact branch-flow solution of the whole feeder with the
 * batteries idle, PV real output as forecast and zero DER reactive output (the centralized model's power-flow
 * starting point, `solvers/mpopf/initial.ts`); each boundary gets |V| at its parent-side bus and the sending-end
 * P, Q of its boundary branch — what a converged run exchanges, short of the DERs' dispatch. A period whose sweep
 * does not converge keeps the flat values (|V| of the substation, S = 0).
 */
export function powerFlowGuesses(scenario: Scenario, d: Decomposition): BoundaryGuess[] {
  const net = scenario.network;
  const T = scenario.T;
  const params = makeParams({ scenario });
  const L = makeLayout(
    T,
    net.buses.length,
    net.branches.length,
    scenario.pvs.length,
    scenario.batteries.length,
  );
  const x0 = powerFlowInitialPoint(L, params, net);
  return d.boundaries.map((bd) => {
    const g: BoundaryGuess = { vm: [], p: [], q: [] };
    for (let t = 0; t < T; t++) {
      const base = t * L.perT;
      g.vm.push(Math.sqrt(x0[base + L.offV + bd.parentBus]));
      g.p.push(x0[base + L.offP + bd.branch]);
      g.q.push(x0[base + L.offQ + bd.branch]);
    }
    return g;
  });
}

/**
 * The agents' specs: each area's own data and its boundaries, the first boundary guesses (flat: |V| = the
 * substation's, S = 0; each child subtree's net load; or a power flow of the whole feeder) and the run's options.
 */
export function agentSpecs(scenario: Scenario, d: Decomposition, opts: DistributedOptions): AgentSpec[] {
  const T = scenario.T;
  const vSubs = scenario.network.vSubsPu;
  const flows = opts.initialGuess === "power-flow" ? powerFlowGuesses(scenario, d) : null;
  const guess = d.boundaries.map((bd): BoundaryGuess => {
    if (flows) return flows[bd.index];
    const vm = new Array<number>(T).fill(vSubs);
    if (opts.initialGuess === "subtree-load") {
      const s = subtreeLoad(scenario, bd.childBus);
      return { vm, p: Array.from(s.p), q: Array.from(s.q) };
    }
    return { vm, p: new Array<number>(T).fill(0), q: new Array<number>(T).fill(0) };
  });
  return d.areas.map((ar) => {
    const up = ar.upBoundary >= 0 ? d.boundaries[ar.upBoundary] : null;
    return {
      run: opts.run,
      method: opts.method,
      area: ar.id,
      isRoot: ar.parent < 0,
      scenario: ar.scenario,
      up: up
        ? {
            boundary: up.id,
            neighbour: d.areas[up.parentArea].id,
            rPathPu: up.rPathPu,
            initial: guess[up.index],
          }
        : null,
      down: ar.downBoundaries.map((b) => {
        const bd = d.boundaries[b];
        return {
          boundary: bd.id,
          neighbour: d.areas[bd.childArea].id,
          localBus: bd.parentLocalBus,
          bHalfPu: bd.bHalfPu,
          initial: guess[b],
        };
      }),
      options: opts,
      objectiveWeight: scenario.objective.weight,
    };
  });
}

/**
 * "area <id>: <why>" for every area whose final solve is not valid, each named by its own id (map first, then
 * filter, so that a position in the filtered list never names another area).
 */
export function invalidAreaMessages(
  ids: string[],
  solutions: Array<{ valid: boolean; summary: { message: string } }>,
): string[] {
  return solutions
    .map((s, a) => (s.valid ? null : `area ${ids[a]}: ${s.summary.message}`))
    .filter((m): m is string => m !== null);
}

/** The agent of a spec for its method. */
export function createAgent(spec: AgentSpec, solver: AreaSolver): AreaAgent {
  return spec.method === "enapp" ? new EnappAgent(spec, solver) : new ConsensusAgent(spec, solver);
}

/**
 * Areas whose agents run elsewhere (other processes or hosts: issue 18, NATS). `open` reaches them for one run;
 * each agent builds its own spec from its own data — the specs passed here are for checking (fingerprints),
 * never sent.
 */
export interface RemoteAreas {
  kind: "remote";
  open(ctx: { specs: AgentSpec[]; setup: CoordinatorSetup; options: DistributedOptions }): Promise<Transport>;
}

/**
 * Run a distributed method (ENApp, ADMM or APP) on a scenario and a partition of its network: areas as agents
 * in this process (solves on `backend`: a worker pool solves them in parallel), or as remote agents reached
 * through a transport (`RemoteAreas`). Bad input (partition, options, scenario) throws `InputError`;
 * non-convergence, failed area solves and areas that do not answer are statuses of the result.
 */
export async function solveDistributed(
  scenario: Scenario,
  partition: Partition,
  backend: AreaBackend | RemoteAreas,
  userOptions: DistributedUserOptions = {},
  onIteration?: (it: MacroIteration) => void,
): Promise<DistributedSolution> {
  const t0 = performance.now();
  const opts = resolveDistributedOptions(userOptions);
  const d = decompose(scenario, partition, {
    allowReverseFlow: opts.allowReverseFlow,
    // Only the root's head power is the substation's: ADMM/APP children and ENApp's marginal children price
    // their head power through the boundary terms instead.
    dropChildHeadCost: opts.method !== "enapp" || opts.coupling === "marginal",
  });
  const specs = agentSpecs(scenario, d, opts);
  const setup: CoordinatorSetup = {
    run: opts.run,
    method: opts.method,
    T: scenario.T,
    sBaseKva: scenario.network.sBaseKva,
    areas: d.areas.map((a) => a.id),
    root: d.areas[0].id,
    boundaries: d.boundaries.map((b) => ({
      id: b.id,
      parent: d.areas[b.parentArea].id,
      child: d.areas[b.childArea].id,
    })),
    tolerances: opts.tolerances,
    priceScale: priceScale(scenario, scenario.objective.weight),
    dualTolerance: opts.dualTolerance,
    capToleranceKw: opts.checkTolerancePu * scenario.network.sBaseKva,
    maxIterations: opts.maxIterations,
    comms: opts.comms,
  };
  let transport: Transport;
  let local: InProcessTransport | null = null;
  let solver: AreaSolver | null = null;
  if (backend.kind === "remote") {
    transport = await backend.open({ specs, setup, options: opts });
  } else {
    solver = areaSolver(backend);
    const s = solver;
    local = new InProcessTransport(specs.map((sp) => createAgent(sp, s)));
    transport = local;
  }
  try {
    return await coordinateAndCompose(
      scenario,
      partition,
      d,
      opts,
      setup,
      transport,
      local,
      solver,
      t0,
      onIteration,
    );
  } finally {
    await transport.close();
  }
}

async function coordinateAndCompose(
  scenario: Scenario,
  partition: Partition,
  d: Decomposition,
  opts: DistributedOptions,
  setup: CoordinatorSetup,
  transport: Transport,
  local: InProcessTransport | null,
  solver: AreaSolver | null,
  t0: number,
  onIteration?: (it: MacroIteration) => void,
): Promise<DistributedSolution> {
  const { status, message: coordMessage, history } = await coordinate(setup, transport, onIteration);
  let message = coordMessage;

  // Collect: each area's final solve and its own check (an area that cannot hand over counts as invalid, its
  // part of the composed solution NaN), composed in the centralized layout.
  const finals: AreaFinal[] = [];
  for (const [a, ar] of d.areas.entries()) {
    const layout = areaLayout(d, a, opts.method);
    try {
      const f = await transport.final(ar.id);
      if (f.x.length !== layout.n)
        throw new Error(`area ${ar.id} handed over ${f.x.length} values, its layout has ${layout.n}`);
      finals.push(f);
    } catch (e) {
      finals.push({
        area: ar.id,
        x: new Array<number>(layout.n).fill(Number.NaN),
        valid: false,
        message: `no final solution: ${e instanceof Error ? e.message : String(e)}`,
        maxResidualPu: Number.NaN,
        maxViolationPu: Number.NaN,
        solver: solver?.identity ?? UNKNOWN_SOLVER,
      });
    }
  }
  const areaSolutions = local ? d.areas.map((ar) => local.local(ar.id).solution()) : [];
  const central = buildMpopfModel({ scenario });
  const layouts = d.areas.map((_, a) => areaLayout(d, a, opts.method));
  const x = composeSolution(
    d,
    central,
    layouts,
    finals.map((f) => f.x),
  );
  const { tables, totals } = decodeMpopf(central, x);
  const composedCheck = selfCheck(central, x, opts.checkTolerancePu);
  const converged = status === "converged";
  const invalidAreas = invalidAreaMessages(
    d.areas.map((a) => a.id),
    finals.map((f) => ({ valid: f.valid, summary: { message: f.message } })),
  );
  const valid = converged && invalidAreas.length === 0;
  if (converged && invalidAreas.length > 0) message += `; but ${invalidAreas.join("; ")}`;

  const sum = (f: (h: MacroIteration) => number) => history.reduce((s, h) => s + f(h), 0);
  const times: DistributedTimes = {
    wallSeconds: (performance.now() - t0) / 1000,
    sequentialSeconds: sum((h) => h.sequentialSeconds),
    criticalPathSeconds: sum((h) => h.criticalPathSeconds),
    criticalPathTotalSeconds: sum((h) => h.criticalPathTotalSeconds),
  };
  const last = history[history.length - 1];
  const summary: DistributedSummary = {
    method: opts.method,
    scenario: scenario.name,
    partition: partition.name,
    status,
    converged,
    valid,
    message,
    objectiveKind: central.objectiveKind,
    objective: central.problem.evalF(x),
    T: scenario.T,
    areas: d.areas.length,
    boundaries: d.boundaries.length,
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
    criticalPathTotalSeconds: times.criticalPathTotalSeconds,
    messages: sum((h) => h.messages),
    bytes: sum((h) => h.bytes),
    retransmissions: sum((h) => h.retransmissions),
    dropped: sum((h) => h.dropped),
    areaSolves: sum((h) => h.areas.length),
    solver: solver?.identity ?? finals.find((f) => f.valid)?.solver ?? finals[0]?.solver ?? UNKNOWN_SOLVER,
    workers: solver?.workers ?? d.areas.length,
    transport: transport.kind,
  };
  return {
    method: opts.method,
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
    areaFinals: finals,
    composedCheck,
    centralModel: central,
    decomposition: d,
    options: opts,
    times,
    summary,
  };
}

/**
 * Layout of an area's model, from its scenario: its ports for ADMM/APP, and at the root the slack of the peak
 * cap it holds elastic (agent.ts) when there is one.
 */
export function areaLayout(d: Decomposition, a: number, method: MethodName): MpopfLayout {
  const ar = d.areas[a];
  const sc = ar.scenario;
  const nPort = method === "enapp" ? 0 : ar.downBoundaries.length;
  const nSlack = ar.parent < 0 && sc.options.peakCapKw !== null ? 1 : 0;
  return makeLayout(
    sc.T,
    sc.network.buses.length,
    sc.network.branches.length,
    sc.pvs.length,
    sc.batteries.length,
    nPort,
    nSlack,
  );
}
