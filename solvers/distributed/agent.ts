/**
 * The area agent: owns its area's data (scenario, boundaries), its model and its warm start; consumes boundary
 * messages and produces them. What it does with them is the method's (`agent-enapp.ts`, `agent-consensus.ts`);
 * this module holds what every method shares: receiving (validation, newest per boundary, idempotent to
 * duplicates and reordering), solving with a warm start, the area's totals, its final hand-over.
 */
import type { SelfCheck } from "../mpopf/check.ts";
import { headPower } from "../mpopf/decode.ts";
import { varIndex } from "../mpopf/layout.ts";
import { buildMpopfModel, type MpopfModel } from "../mpopf/model.ts";
import type { MpopfInput } from "../mpopf/params.ts";
import { finishMpopf, MPOPF_SETTINGS, type MpopfSolution } from "../mpopf/solve.ts";
import type { NlpResult, NlpSolveOptions } from "../nlp/types.ts";
import type { AreaSolver } from "./area-solver.ts";
import {
  type BoundaryMessage,
  type Direction,
  type Expectation,
  MESSAGE_SCHEMA,
  MESSAGE_VERSION,
  type Quantity,
  toList,
  validateMessage,
} from "./messages.ts";
import { priceScale } from "./prices.ts";
import {
  type AgentSpec,
  type AreaFinal,
  PROTOCOL_VERSION,
  STEP_SCHEMA,
  type StepReply,
  type StepRequest,
  type StepSolve,
} from "./protocol.ts";

/** An area agent, whatever its method. */
export interface AreaAgent {
  readonly id: string;
  /** One step: take the delivered messages, solve the area's problem, answer with messages to the neighbours. */
  step(req: StepRequest): Promise<StepReply>;
  /** The final local solution and the area's own check of it (after at least one step). */
  final(): AreaFinal;
  /** The final solve as a checked and decoded MPOPF solution (in-process callers). */
  solution(): MpopfSolution;
}

/** Per-period values of a received message, as typed arrays. */
export type Received = { k: number } & Partial<Record<Quantity, Float64Array>>;

/** Barrier μ and warm-start bound pushes of a close warm start (options.ts, `closeWarmStart`). */
export const CLOSE_WARM_PUSH = 1e-9;

/** What every agent shares; a method subclasses it and implements `prepare` and `messages`. */
export abstract class AgentBase implements AreaAgent {
  readonly id: string;
  protected readonly T: number;
  protected readonly S: number;
  /** The area's model without method terms: layout, rows, parameters (built once). */
  protected readonly template: MpopfModel;
  protected readonly expectation: Expectation;
  /** Newest message received per boundary id (kept across steps). */
  protected readonly latest = new Map<string, Received>();
  /** Messages received per boundary in arrival order of their k (each k once). */
  protected readonly received = new Map<string, Received[]>();
  protected lastResult: NlpResult | null = null;
  protected lastInput: MpopfInput | null = null;
  protected steps = 0;
  private finished: MpopfSolution | null = null;
  /** Root with a peak cap: the cap's multiplier π per period (objective units per pu) and the penalty σ. */
  protected capPi: Float64Array | null = null;
  /** σ per period (halved when the cap's excess changes sign: damps a price that overshoots) and the last excess. */
  private capSigma = new Float64Array(0);
  private capExcess = new Float64Array(0);

  /**
   * The area's equivalents that do not change between steps (ADMM/APP: ports, a free head voltage). With
   * OpenDSS's element bands an area keeps its loads inside the band (exact there; the central solve also models
   * the pieces outside it by re-solving, which the iterations of a distributed method do not).
   */
  protected readonly equivalents: Omit<MpopfInput, "scenario">;

  constructor(
    readonly spec: AgentSpec,
    protected readonly solver: AreaSolver,
    equivalents: Omit<MpopfInput, "scenario"> = {},
  ) {
    const sc = spec.scenario;
    this.equivalents =
      sc.options.formulation.elementBands !== "none"
        ? { ...equivalents, loadPieceBounds: new Uint8Array(sc.T * sc.network.buses.length).fill(1) }
        : equivalents;
    this.id = spec.area;
    this.T = spec.scenario.T;
    this.S = spec.scenario.network.sBaseKva;
    // The root keeps a peak cap elastic (method of multipliers), so that it stays feasible while the other
    // areas have not yet reacted.
    if (spec.isRoot && spec.scenario.options.peakCapKw !== null) {
      this.capPi = new Float64Array(this.T);
      this.capSigma = new Float64Array(this.T).fill(
        spec.options.capStep * priceScale(spec.scenario, spec.objectiveWeight),
      );
      this.capExcess = new Float64Array(this.T);
    }
    this.template = buildMpopfModel({ scenario: spec.scenario, ...this.equivalents, ...this.capInput() });
    const boundaries = new Map<string, { neighbour: string; direction: Direction }>();
    if (spec.up) boundaries.set(spec.up.boundary, { neighbour: spec.up.neighbour, direction: "down" });
    for (const d of spec.down) boundaries.set(d.boundary, { neighbour: d.neighbour, direction: "up" });
    this.expectation = { run: spec.run, method: spec.method, T: this.T, boundaries, to: spec.area };
    for (const id of boundaries.keys()) this.received.set(id, []);
  }

  /** Validate and file the inbox: the newest message per boundary wins; duplicates and older ones are ignored. */
  protected absorb(inbox: unknown[]): string[] {
    const rejected: string[] = [];
    const fresh = new Map<string, BoundaryMessage>();
    for (const raw of inbox) {
      const v = validateMessage(raw, this.expectation);
      if (!v.ok) {
        rejected.push(v.reason);
        continue;
      }
      const m = v.message;
      const have = this.latest.get(m.boundary);
      if (have && have.k >= m.k) continue;
      const f = fresh.get(m.boundary);
      if (!f || f.k < m.k) fresh.set(m.boundary, m);
    }
    for (const [b, m] of fresh) {
      const r: Received = { k: m.k };
      for (const [q, arr] of Object.entries(m.values) as Array<[Quantity, number[]]>)
        r[q] = Float64Array.from(arr);
      this.latest.set(b, r);
      this.received.get(b)!.push(r);
    }
    return rejected;
  }

  /**
   * The root's elastic peak cap as the method of multipliers: slack s ≥ −π/σ costing π·s + σ/2·s² on the row
   * P_subs − s ≤ cap; the row's multiplier is the next π (= max(0, π + σ (P_subs − cap)) in effect).
   */
  private capInput(): Pick<MpopfInput, "elasticPeakCap"> {
    if (!this.capPi) return {};
    const sigma = this.capSigma;
    return {
      elasticPeakCap: {
        linear: Float64Array.from(this.capPi),
        quadratic: sigma.map((v) => v / 2),
        slackMinPu: this.capPi.map((v, t) => -v / sigma[t]),
        // Aim one P tolerance below the cap: converged within that tolerance of the aim, the cap holds.
        tightenPu: this.spec.options.tolerances.pKw / this.S,
      },
    };
  }

  /**
   * Ipopt options of a warm-started step: `warmIpopt`; from the third step on of an ENApp area under the "own"
   * coupling without a peak cap (option `closeWarmStart`), a start at the previous solution's barrier level —
   * μ and every warm-start bound push 1e-9 (see options.ts).
   */
  private warmIpopt(): Record<string, number | string> {
    const o = this.spec.options;
    const close =
      o.closeWarmStart &&
      o.method === "enapp" &&
      o.coupling === "own" &&
      this.spec.scenario.options.peakCapKw === null &&
      this.steps >= 2;
    if (!close) return o.warmIpopt;
    const mu = CLOSE_WARM_PUSH;
    return {
      ...o.warmIpopt,
      mu_init: mu,
      warm_start_bound_push: mu,
      warm_start_mult_bound_push: mu,
      warm_start_slack_bound_push: mu,
      warm_start_bound_frac: mu,
      warm_start_slack_bound_frac: mu,
    };
  }

  /** The method's input of this step (after `absorb`). */
  protected abstract prepare(k: number): MpopfInput;
  /** The method's messages after a solve (values per neighbour). */
  protected abstract messages(k: number, r: NlpResult, input: MpopfInput): BoundaryMessage[];

  /** A message from this area. */
  protected message(
    k: number,
    boundary: string,
    to: string,
    direction: Direction,
    values: Partial<Record<Quantity, ArrayLike<number>>>,
  ): BoundaryMessage {
    const out: Partial<Record<Quantity, number[]>> = {};
    for (const [q, a] of Object.entries(values) as Array<[Quantity, ArrayLike<number>]>) out[q] = toList(a);
    return {
      schema: MESSAGE_SCHEMA,
      version: MESSAGE_VERSION,
      run: this.spec.run,
      method: this.spec.method,
      k,
      boundary,
      from: this.id,
      to,
      direction,
      values: out,
    };
  }

  async step(req: StepRequest): Promise<StepReply> {
    if (req.schema !== STEP_SCHEMA || req.version !== PROTOCOL_VERSION)
      throw new Error(
        `area ${this.id}: unsupported step request ${String(req.schema)} v${String(req.version)}`,
      );
    if (req.run !== this.spec.run)
      throw new Error(
        `area ${this.id}: step request of run '${req.run}', this agent runs '${this.spec.run}'`,
      );
    const rejected = this.absorb(req.inbox);
    const k = req.k;
    const input: MpopfInput = { ...this.prepare(k), ...this.capInput() };
    const o = this.spec.options;
    const prev = this.lastResult;
    const warm = o.warmStart && prev !== null;
    if (!prev && o.initialPoint) input.initialPoint = o.initialPoint;
    const solveOptions: NlpSolveOptions = {
      settings: MPOPF_SETTINGS,
      ipopt: warm ? { ...this.warmIpopt(), ...o.ipopt } : { ...o.ipopt },
    };
    if (warm && prev) solveOptions.warmStart = { x: prev.x, lambda: prev.lambda, zL: prev.zL, zU: prev.zU };
    const r = await this.solver.solve(input, solveOptions);
    if (this.capPi && r.success) {
      const hp = headPower(this.template, r.x);
      const tol = this.spec.options.tolerances.pKw / this.S;
      const cap = this.spec.scenario.options.peakCapKw! / this.S - tol;
      for (let t = 0; t < this.T; t++) {
        this.capPi[t] = Math.max(0, r.lambda[this.template.rows.row("headPower", t, 0)]);
        let p = hp.pPu[t];
        for (const ld of input.extraLoads ?? []) if (ld.bus === this.template.params.head) p += ld.pPu[t];
        const g = p - cap;
        const g0 = this.capExcess[t];
        if (Math.abs(g) > tol && Math.abs(g0) > tol && Math.sign(g) !== Math.sign(g0)) this.capSigma[t] /= 2;
        this.capExcess[t] = g;
      }
    }
    this.lastResult = r;
    this.lastInput = input;
    this.finished = null;
    this.steps++;
    const solve: StepSolve = {
      status: r.status,
      success: r.success,
      message: r.message,
      ipoptIterations: r.iterations,
      objective: r.objective,
      solveSeconds: r.solveSeconds,
      setupSeconds: r.setupSeconds ?? 0,
      warm,
    };
    return {
      schema: STEP_SCHEMA,
      version: PROTOCOL_VERSION,
      run: this.spec.run,
      k,
      area: this.id,
      solve,
      outbox: this.messages(k, r, input),
      totals: this.totals(r, input),
      rejected,
    };
  }

  /** The area's line loss (kWh) and, for the root, the substation energy (kWh) and cost ($) at a solution. */
  protected totals(r: NlpResult, input: MpopfInput): StepReply["totals"] {
    const m = this.template;
    const L = m.layout;
    const sc = this.spec.scenario;
    let lossKwh = 0;
    for (let t = 0; t < L.T; t++)
      for (let q = 0; q < L.nBr; q++)
        lossKwh += m.params.r[q] * r.x[varIndex(L, "l", t, q)] * this.S * sc.dtH;
    if (!this.spec.isRoot) return { lossKwh, pSubsKwh: null, costUsd: null };
    const hp = headPower(m, r.x);
    let pSubsKwh = 0;
    let costUsd = 0;
    let excess = 0;
    const head = m.params.head;
    const cap = sc.options.peakCapKw;
    for (let t = 0; t < L.T; t++) {
      let p = hp.pPu[t];
      for (const ld of input.extraLoads ?? []) if (ld.bus === head) p += ld.pPu[t];
      pSubsKwh += p * this.S * sc.dtH;
      costUsd += sc.priceUsdPerKwh[t] * p * this.S * sc.dtH;
      if (cap !== null) excess = Math.max(excess, p * this.S - cap);
    }
    return cap === null
      ? { lossKwh, pSubsKwh, costUsd }
      : { lossKwh, pSubsKwh, costUsd, capExcessKw: excess };
  }

  solution(): MpopfSolution {
    if (!this.lastResult || !this.lastInput) throw new Error(`area ${this.id}: no step was taken`);
    this.finished ??= finishMpopf(
      buildMpopfModel(this.lastInput),
      this.lastResult,
      0,
      this.spec.options.checkTolerancePu,
    );
    return this.finished;
  }

  final(): AreaFinal {
    const s = this.solution();
    const c: SelfCheck = s.check;
    return {
      area: this.id,
      x: toList(s.result.x),
      valid: s.valid,
      message: s.summary.message,
      maxResidualPu: c.maxResidualPu,
      maxViolationPu: c.maxViolationPu,
      solver: s.result.solver,
    };
  }
}

/** Weighted sum of the most recent values (most recent first), renormalized when history is short. */
export function relax(history: Float64Array[], weights: number[]): Float64Array {
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
