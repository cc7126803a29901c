/**
 * The ENApp area agent (method.md §5). Each step the area solves its own full-horizon MPOPF with its
 * equivalents — its parent as a voltage source at its head (|V| per period), each child as a fixed load
 * P + jQ per period at the parent-side bus — then sends |V| of every parent-side bus down and its head power up.
 *
 * The receiver under-relaxes what it receives (the authors' schedule: the first `plainIterations` values plain,
 * then weighted sums of the values computed at k, k − 1, …), so a message carries raw computed values. Each
 * message also echoes what the sender assumed for its neighbour in the same step (`usedVm`, `usedP`, `usedQ`),
 * so whoever routes the messages can test |computed − used| without seeing inside an area.
 *
 * Couplings: "own" (the authors) — every area minimizes its own objective; "marginal" — own objective plus
 * boundary prices from the neighbours' multipliers (muP, muQ down; nu up) and a proximal term on the child's
 * head power (see options.ts).
 */
import { headPower } from "../mpopf/decode.ts";
import { type MpopfLayout, varIndex } from "../mpopf/layout.ts";
import type { ConstraintFamily, MpopfModel } from "../mpopf/model.ts";
import type { ExtraLoad, MpopfInput, ObjectiveTerms } from "../mpopf/params.ts";
import type { NlpResult } from "../nlp/types.ts";
import { AgentBase, type Received, relax } from "./agent.ts";
import type { AreaSolver } from "./area-solver.ts";
import type { BoundaryMessage } from "./messages.ts";
import { energyPrices, priceScale } from "./prices.ts";
import type { AgentSpec } from "./protocol.ts";

/** The formulation's row of a family for (period, element); a missing row is an internal error here. */
export function rowOf(m: MpopfModel, family: ConstraintFamily, t: number, element: number): number {
  const r = m.rows.row(family, t, element);
  if (r < 0) throw new Error(`internal: the area model has no ${family} row for t=${t}, element ${element}`);
  return r;
}

/** ENApp's area agent. */
export class EnappAgent extends AgentBase {
  private readonly marginal: boolean;
  /** The initial guesses per boundary (pu). */
  private readonly initial = new Map<string, { vm: Float64Array; p: Float64Array; q: Float64Array }>();
  /** The area's own computed head power per step (the parent relaxes the same history). */
  private readonly ownP: Float64Array[] = [];
  private readonly ownQ: Float64Array[] = [];
  /** Values used in the current step. */
  private usedVm: Float64Array | null = null;
  private usedMuP: Float64Array | null = null;
  private usedMuQ: Float64Array | null = null;
  private readonly usedDown = new Map<string, { p: Float64Array; q: Float64Array; nu: Float64Array }>();
  /** The peak cap's price this area uses (null: the run has no cap, or none arrived yet). */
  private usedCap: Float64Array | null = null;
  /** First price guess: what the own objectives imply (price × head power for cost, nothing for loss). */
  private readonly firstMu: Float64Array;

  constructor(spec: AgentSpec, solver: AreaSolver) {
    super(spec, solver);
    this.marginal = spec.options.coupling === "marginal";
    const f = (a: number[]) => Float64Array.from(a);
    if (spec.up)
      this.initial.set(spec.up.boundary, {
        vm: f(spec.up.initial.vm),
        p: f(spec.up.initial.p),
        q: f(spec.up.initial.q),
      });
    for (const d of spec.down)
      this.initial.set(d.boundary, { vm: f(d.initial.vm), p: f(d.initial.p), q: f(d.initial.q) });
    this.firstMu = energyPrices(spec.scenario, spec.objectiveWeight);
  }

  /** The value to use from a received history: plain for the first values, then the relaxation schedule. */
  private use(hist: Float64Array[], weights: number[], fallback: Float64Array): Float64Array {
    const n = hist.length;
    if (n === 0) return fallback;
    return n <= this.spec.options.relaxation.plainIterations ? hist[n - 1] : relax(hist, weights);
  }

  private series(b: string, q: "vm" | "p" | "q" | "muP" | "muQ" | "nu" | "capPrice"): Float64Array[] {
    return (this.received.get(b) ?? []).map((r: Received) => r[q]!).filter((a) => a !== undefined);
  }

  protected prepare(_k: number): MpopfInput {
    const spec = this.spec;
    const rel = spec.options.relaxation;
    const input: MpopfInput = { scenario: spec.scenario, ...this.equivalents };
    const zero = new Float64Array(this.T);
    if (spec.up) {
      const b = spec.up.boundary;
      this.usedVm = this.use(this.series(b, "vm"), rel.voltageWeights, this.initial.get(b)!.vm);
      input.vHeadPu = this.usedVm;
      const cap = this.series(b, "capPrice");
      this.usedCap = cap.length > 0 ? this.use(cap, rel.powerWeights, zero) : null;
      if (this.marginal) {
        this.usedMuP = this.use(this.series(b, "muP"), rel.voltageWeights, this.firstMu);
        this.usedMuQ = this.use(this.series(b, "muQ"), rel.voltageWeights, zero);
      }
    }
    const extra: ExtraLoad[] = [];
    for (const d of spec.down) {
      const init = this.initial.get(d.boundary)!;
      const used = {
        p: this.use(this.series(d.boundary, "p"), rel.powerWeights, init.p),
        q: this.use(this.series(d.boundary, "q"), rel.powerWeights, init.q),
        nu: this.marginal ? this.use(this.series(d.boundary, "nu"), rel.powerWeights, zero) : zero,
      };
      this.usedDown.set(d.boundary, used);
      extra.push({ bus: d.localBus, pPu: used.p, qPu: used.q });
    }
    if (extra.length > 0) input.extraLoads = extra;
    if (!this.marginal && this.usedCap) {
      // "own": the peak cap's price is added to the price of this area's head power (the marginal coupling's
      // head-power prices already contain it), with a proximal term on the head power that makes the area's
      // response to the price continuous (batteries would otherwise answer all-or-nothing).
      const terms: ObjectiveTerms = { linear: this.headPowerTerms(this.usedCap, zero) };
      const n = this.ownP.length;
      if (n > 0 && spec.options.capProximal > 0) {
        const c = priceScale(spec.scenario, spec.objectiveWeight) * spec.options.capProximal;
        terms.quadratic = proximalTerms(
          this.template.layout,
          1,
          new Float64Array(this.T).fill(c),
          this.ownP[n - 1],
          this.ownQ[n - 1],
          false,
        );
      }
      input.objectiveTerms = terms;
    }
    if (this.marginal) {
      const terms: ObjectiveTerms = { linear: this.priceTerms() };
      if (spec.up && spec.options.proximal > 0) {
        // The parent uses the relaxation of this area's own computed head power: the same history here.
        const init = this.initial.get(spec.up.boundary)!;
        const cP = this.use(this.ownP, rel.powerWeights, init.p);
        const cQ = this.use(this.ownQ, rel.powerWeights, init.q);
        terms.quadratic = proximalTerms(
          this.template.layout,
          spec.options.proximal,
          this.proximalWeights(),
          cP,
          cQ,
        );
      }
      input.objectiveTerms = terms;
    }
    return input;
  }

  /** Proximal weights (objective units per pu²): the curvature 2 R_path / v of the upstream losses, priced. */
  private proximalWeights(): Float64Array {
    const sc = this.spec.scenario;
    const kWh = sc.network.sBaseKva * sc.dtH;
    const v = sc.network.vSubsPu;
    const rPath = this.spec.up!.rPathPu;
    return Float64Array.from({ length: this.T }, (_, t) => {
      const price = sc.objective.kind === "cost" ? sc.priceUsdPerKwh[t] : 1;
      return (2 * rPath * this.spec.objectiveWeight * kWh * price) / (v * v);
    });
  }

  /** The linear objective terms of the marginal coupling: the child's head P, Q and the parent-side voltages. */
  private priceTerms(): NonNullable<ObjectiveTerms["linear"]> {
    const m = this.template;
    const L = m.layout;
    const idx: number[] = [];
    const coef: number[] = [];
    const head = m.params.head;
    if (this.spec.up) {
      const h = this.headPowerTerms(this.usedMuP!, this.usedMuQ!);
      idx.push(...h.index);
      coef.push(...h.coef);
    }
    for (const d of this.spec.down) {
      if (d.localBus === head) continue;
      const nu = this.usedDown.get(d.boundary)!.nu;
      for (let t = 0; t < L.T; t++) {
        idx.push(varIndex(L, "v", t, d.localBus));
        coef.push(nu[t]);
      }
    }
    return { index: Int32Array.from(idx), coef: Float64Array.from(coef) };
  }

  /** Linear terms pricing the head power: P at muP(t), Q at muQ(t) per pu. */
  private headPowerTerms(muP: Float64Array, muQ: Float64Array): NonNullable<ObjectiveTerms["linear"]> {
    const m = this.template;
    const L = m.layout;
    const net = m.input.scenario.network;
    const head = m.params.head;
    const idx: number[] = [];
    const coef: number[] = [];
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
    return { index: Int32Array.from(idx), coef: Float64Array.from(coef) };
  }

  /** The peak cap's price to send down ("own" coupling): the root's multiplier π, relayed by the others. */
  private capPrice(): Float64Array | null {
    if (this.marginal) return null;
    return this.spec.isRoot ? (this.capPi ? Float64Array.from(this.capPi) : null) : this.usedCap;
  }

  /** d f*_parent / d (extra load at the boundary bus): the price of a child's head power (per pu), per period. */
  private headPowerPrices(localBus: number, r: NlpResult): { p: Float64Array; q: Float64Array } {
    const m = this.template;
    const T = this.T;
    const p = new Float64Array(T);
    const q = new Float64Array(T);
    if (localBus !== m.params.head) {
      for (let t = 0; t < T; t++) {
        p[t] = -r.lambda[rowOf(m, "realBalance", t, localBus)];
        q[t] = -r.lambda[rowOf(m, "reactiveBalance", t, localBus)];
      }
      return { p, q };
    }
    // Drawn at this area's head: it moves the head power one for one.
    const sc = m.input.scenario;
    const L = m.layout;
    for (let t = 0; t < T; t++) {
      if (sc.objective.kind === "cost")
        p[t] += sc.objective.weight * sc.network.sBaseKva * sc.dtH * sc.priceUsdPerKwh[t];
      if (m.headPowerBound === "constraint") p[t] += r.lambda[rowOf(m, "headPower", t, 0)];
      else if (m.headPowerBound === "variable-bound") {
        const i = varIndex(L, "P", t, sc.network.childBranches[m.params.head][0]);
        p[t] += r.zU[i] - r.zL[i];
      }
      if (this.spec.up) {
        p[t] += this.usedMuP![t];
        q[t] += this.usedMuQ![t];
      }
    }
    return { p, q };
  }

  protected messages(k: number, r: NlpResult, _input: MpopfInput): BoundaryMessage[] {
    const out: BoundaryMessage[] = [];
    const m = this.template;
    const L = m.layout;
    const cap = this.capPrice();
    for (const d of this.spec.down) {
      const vm = Float64Array.from({ length: this.T }, (_, t) =>
        Math.sqrt(Math.max(0, r.x[varIndex(L, "v", t, d.localBus)])),
      );
      const used = this.usedDown.get(d.boundary)!;
      const values: Parameters<typeof this.message>[4] = { vm, usedP: used.p, usedQ: used.q };
      if (this.marginal) {
        const hp = this.headPowerPrices(d.localBus, r);
        values.muP = hp.p;
        values.muQ = hp.q;
      }
      if (cap) values.capPrice = cap;
      out.push(this.message(k, d.boundary, d.neighbour, "down", values));
    }
    if (this.spec.up) {
      const hp = headPower(m, r.x);
      this.ownP.push(hp.pPu);
      this.ownQ.push(hp.qPu);
      const values: Parameters<typeof this.message>[4] = { p: hp.pPu, q: hp.qPu, usedVm: this.usedVm! };
      if (this.marginal) {
        values.nu = Float64Array.from({ length: this.T }, (_, t) => -r.lambda[rowOf(m, "headVoltage", t, 0)]);
      }
      out.push(this.message(k, this.spec.up.boundary, this.spec.up.neighbour, "up", values));
    }
    return out;
  }
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
  withQ = true,
): NonNullable<ObjectiveTerms["quadratic"]> {
  const T = L.T;
  const per = withQ ? 2 : 1;
  const index = new Int32Array(per * T);
  const weight = new Float64Array(per * T);
  const center = new Float64Array(per * T);
  for (let t = 0; t < T; t++) {
    // Local branch 0 of a child area is its boundary branch (decompose.ts puts it first).
    index[per * t] = varIndex(L, "P", t, 0);
    weight[per * t] = 0.5 * proximal * rho[t];
    center[per * t] = usedP[t];
    if (withQ) {
      index[2 * t + 1] = varIndex(L, "Q", t, 0);
      weight[2 * t + 1] = 0.5 * proximal * rho[t];
      center[2 * t + 1] = usedQ[t];
    }
  }
  return { index, weight, center };
}
