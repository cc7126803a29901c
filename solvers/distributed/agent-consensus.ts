/**
 * The ADMM and APP area agent: boundary consensus on duplicated variables.
 *
 * Every boundary's quantities — |V|² at the parent-side bus (pu²), P and Q from that bus into the child (pu),
 * per period — exist twice: the parent's copy (its bus voltage and a boundary "port", a draw the parent decides)
 * and the child's copy (its head voltage, free within the band, and its boundary-branch flow). Each step the
 * area solves its MPOPF plus the method's terms on its copies, then sends its copies to the neighbour. Both
 * ends of a boundary keep the same multiplier state (λ from the parent's point of view) and update it from the
 * same two copies with the same formulas, so with synchronous communication they agree bit for bit; with delay
 * or loss each end works with what it has (the field's situation).
 *
 * ADMM (boundary consensus, Jacobi x-update): area min f + s λᵀx + Σ ρ/2 (x − z)²; then z = (x_p + x_c)/2,
 * λ ← λ + ρ (x_p − z); residual balancing adapts ρ per boundary and group (|V|², power).
 * APP (Kim & Baldick): area min f + α (x − x^k)² + α xᵀ(x^k − x_n^k) + s λᵀx; then λ ← λ + α (x_p − x_c).
 * s = +1 for the parent's copy, −1 for the child's.
 */

import { varIndex } from "../mpopf/layout.ts";
import type { MpopfInput, ObjectiveTerms } from "../mpopf/params.ts";
import type { NlpResult } from "../nlp/types.ts";
import { AgentBase } from "./agent.ts";
import type { AreaSolver } from "./area-solver.ts";
import type { BoundaryMessage } from "./messages.ts";
import { energyPrices, priceScale } from "./prices.ts";
import type { AgentSpec } from "./protocol.ts";

/** The three consensus quantities. */
const QS = ["vsq", "p", "q"] as const;
type Q = (typeof QS)[number];
type Copy = Record<Q, Float64Array>;

/** One boundary as one of its two ends sees it. */
interface Side {
  boundary: string;
  neighbour: string;
  /** +1: this area is the parent (its copy is the port draw); −1: the child. */
  sign: 1 | -1;
  /** Variable indices of this area's copy per quantity and period. */
  index: Record<Q, Int32Array>;
  /** This area's latest copy and the neighbour's (with the neighbour's step), null before the first. */
  own: Copy | null;
  ownK: number;
  other: Copy | null;
  otherK: number;
  /** Consensus value, multipliers (parent's view) and penalties per group (ρ for ADMM, α for APP). */
  z: Copy;
  lambda: Copy;
  rhoV: number;
  rhoS: number;
  /** This area's copies of the last steps by step number: the neighbour's copy of step j is paired with ours of j. */
  ownHist: Map<number, Copy>;
  /** The last step j whose pair updated the state (each pair once, in order). */
  pairDone: number;
  /** Child: the step of the parent's message whose state it adopted last. */
  baseK: number;
}

const copyOf = (T: number): Copy => ({
  vsq: new Float64Array(T),
  p: new Float64Array(T),
  q: new Float64Array(T),
});

/** The ADMM / APP agent. */
export class ConsensusAgent extends AgentBase {
  private readonly sides: Side[] = [];
  private readonly app: boolean;
  /** Tolerances of the stopping rule in the copies' units (|V|²: 2·tol_|V|; P, Q: kW/kVAr → pu). */
  private readonly tolV: number;
  private readonly tolP: number;
  private readonly tolQ: number;
  /** The dual residual's tolerance (objective units per pu): dualTolerance · c̄. */
  private readonly tolDual: number;

  constructor(spec: AgentSpec, solver: AreaSolver) {
    const allowReverse = spec.options.allowReverseFlow;
    super(spec, solver, {
      ports: spec.down.map((d) => ({
        bus: d.localBus,
        ...(allowReverse ? {} : { pMinPu: 0 }),
        ...(d.bHalfPu > 0 ? { bHalfPu: d.bHalfPu } : {}),
      })),
      headVoltageFree: !spec.isRoot,
    });
    this.app = spec.method === "app";
    const o = spec.options;
    const S = this.S;
    this.tolV = 2 * o.tolerances.vPu;
    this.tolP = o.tolerances.pKw / S;
    this.tolQ = o.tolerances.qKvar / S;
    const L = this.template.layout;
    const T = this.T;
    const price = energyPrices(spec.scenario, spec.objectiveWeight);
    // Scale of the penalties: the mean price of one pu of power over one period (kWh per pu under "loss").
    const cBar = priceScale(spec.scenario, spec.objectiveWeight);
    this.tolDual = o.dualTolerance * cBar;
    const pen = this.app ? o.app : { alpha: o.admm.rho, alphaVoltage: o.admm.rhoVoltage };
    const mk = (f: (t: number) => number) => Int32Array.from({ length: T }, (_, t) => f(t));
    const start = (g: { vm: number[]; p: number[]; q: number[] }): Copy => ({
      vsq: Float64Array.from(g.vm, (v) => v * v),
      p: Float64Array.from(g.p),
      q: Float64Array.from(g.q),
    });
    // λ from the parent's point of view: the parent is paid the energy price for what it delivers (λ_P = −c_t),
    // the child pays it; nothing for Q and |V|² at the start.
    const lambda0 = (): Copy => ({
      vsq: new Float64Array(T),
      p: price.map((c) => -c),
      q: new Float64Array(T),
    });
    if (spec.up) {
      const head = this.template.params.head;
      this.sides.push({
        boundary: spec.up.boundary,
        neighbour: spec.up.neighbour,
        sign: -1,
        index: {
          vsq: mk((t) => varIndex(L, "v", t, head)),
          // Local branch 0 of a child area is its boundary branch.
          p: mk((t) => varIndex(L, "P", t, 0)),
          q: mk((t) => varIndex(L, "Q", t, 0)),
        },
        own: null,
        ownK: 0,
        other: null,
        otherK: 0,
        z: start(spec.up.initial),
        lambda: lambda0(),
        rhoV: pen.alphaVoltage * cBar,
        rhoS: pen.alpha * cBar,
        ownHist: new Map(),
        pairDone: 0,
        baseK: 0,
      });
    }
    spec.down.forEach((d, e) => {
      this.sides.push({
        boundary: d.boundary,
        neighbour: d.neighbour,
        sign: 1,
        index: {
          vsq: mk((t) => varIndex(L, "v", t, d.localBus)),
          p: mk((t) => varIndex(L, "Pp", t, e)),
          q: mk((t) => varIndex(L, "Qp", t, e)),
        },
        own: null,
        ownK: 0,
        other: null,
        otherK: 0,
        z: start(d.initial),
        lambda: lambda0(),
        rhoV: pen.alphaVoltage * cBar,
        rhoS: pen.alpha * cBar,
        ownHist: new Map(),
        pairDone: 0,
        baseK: 0,
      });
    });
  }

  /** The penalty of a quantity on a side. */
  private static rho(s: Side, q: Q): number {
    return q === "vsq" ? s.rhoV : s.rhoS;
  }

  /**
   * Update a boundary's state — multipliers, for ADMM also z and ρ — with every matched pair of copies (both from
   * the same step j) not applied yet, in order. Both ends apply the same formulas to the same pairs. The parent
   * holds the boundary's state: a child adopts the state the parent sends (after the parent's pair) and then
   * applies the newer pairs it has itself — so a lost or late message delays updates but never splits the two
   * ends' multipliers.
   */
  private update(s: Side): void {
    const recv = this.received.get(s.boundary) ?? [];
    if (s.sign < 0) {
      const base = this.latest.get(s.boundary);
      if (base && base.k > s.baseK && base.state && base.lamVsq && base.lamP && base.lamQ) {
        s.baseK = base.k;
        s.pairDone = base.state[0];
        s.rhoV = base.state[1];
        s.rhoS = base.state[2];
        s.lambda = {
          vsq: Float64Array.from(base.lamVsq),
          p: Float64Array.from(base.lamP),
          q: Float64Array.from(base.lamQ),
        };
        s.z = {
          vsq: Float64Array.from(base.zVsq!),
          p: Float64Array.from(base.zP!),
          q: Float64Array.from(base.zQ!),
        };
      }
    }
    for (const r of recv) {
      if (r.k <= s.pairDone || !r.vsq || !r.p || !r.q) continue;
      const mine = s.ownHist.get(r.k);
      if (!mine) continue;
      const other: Copy = { vsq: r.vsq, p: r.p, q: r.q };
      this.applyPair(s, r.k, s.sign > 0 ? mine : other, s.sign > 0 ? other : mine);
      s.pairDone = r.k;
    }
    // Own copies older than the last 20 steps can no longer pair (nor be needed after a rebase).
    for (const old of s.ownHist.keys()) if (old < s.ownK - 20) s.ownHist.delete(old);
  }

  /** One pair's update (x_p, x_c of step j). */
  private applyPair(s: Side, j: number, xp: Copy, xc: Copy): void {
    const T = this.T;
    if (this.app) {
      for (const q of QS) {
        const a = ConsensusAgent.rho(s, q);
        for (let t = 0; t < T; t++) s.lambda[q][t] += a * (xp[q][t] - xc[q][t]);
        for (let t = 0; t < T; t++) s.z[q][t] = (xp[q][t] + xc[q][t]) / 2;
      }
      return;
    }
    const o = this.spec.options.admm;
    // Primal residual (largest copy mismatch, in tolerances) and dual residual (ρ·Δz, root mean square over
    // the periods, in dual tolerances) per group: |V|², power.
    let rV = 0;
    let rS = 0;
    let sV = 0;
    let sS = 0;
    for (const q of QS) {
      const rho = ConsensusAgent.rho(s, q);
      const tol = q === "vsq" ? this.tolV : q === "p" ? this.tolP : this.tolQ;
      for (let t = 0; t < T; t++) {
        const z = (xp[q][t] + xc[q][t]) / 2;
        const r = Math.abs(xp[q][t] - xc[q][t]) / tol;
        const d = ((rho * (z - s.z[q][t])) / this.tolDual) ** 2 / T;
        s.lambda[q][t] += rho * (xp[q][t] - z);
        s.z[q][t] = z;
        if (q === "vsq") {
          rV = Math.max(rV, r);
          sV += d;
        } else {
          rS = Math.max(rS, r);
          sS += d;
        }
      }
    }
    sV = Math.sqrt(sV);
    sS = Math.sqrt(sS);
    if (o.balancing && j <= o.adaptIterations) {
      const adapt = (rho: number, r: number, d: number) =>
        r > o.mu * d ? rho * o.tau : d > o.mu * r ? rho / o.tau : rho;
      s.rhoV = adapt(s.rhoV, rV, sV);
      s.rhoS = adapt(s.rhoS, rS, sS);
    }
  }

  protected prepare(_k: number): MpopfInput {
    const T = this.T;
    for (const s of this.sides) {
      const r = this.latest.get(s.boundary);
      if (r && r.k > s.otherK && r.vsq && r.p && r.q) {
        s.other = { vsq: r.vsq, p: r.p, q: r.q };
        s.otherK = r.k;
      }
      this.update(s);
    }
    const li: number[] = [];
    const lc: number[] = [];
    const qi: number[] = [];
    const qw: number[] = [];
    const qc: number[] = [];
    for (const s of this.sides) {
      for (const q of QS) {
        const a = ConsensusAgent.rho(s, q);
        for (let t = 0; t < T; t++) {
          const i = s.index[q][t];
          if (this.app) {
            // β/2 (x − x^k)² + γ x (x^k − x_n^k) + s λ x, with β = 2α, γ = α; x^k = x_n^k = z before the first copies.
            const own = s.own ? s.own[q][t] : s.z[q][t];
            const other = s.other ? s.other[q][t] : s.z[q][t];
            li.push(i);
            lc.push(a * (own - other) + s.sign * s.lambda[q][t]);
            qi.push(i);
            qw.push(a);
            qc.push(own);
          } else {
            li.push(i);
            lc.push(s.sign * s.lambda[q][t]);
            qi.push(i);
            qw.push(a / 2);
            qc.push(s.z[q][t]);
          }
        }
      }
    }
    const terms: ObjectiveTerms = {
      linear: { index: Int32Array.from(li), coef: Float64Array.from(lc) },
      quadratic: { index: Int32Array.from(qi), weight: Float64Array.from(qw), center: Float64Array.from(qc) },
    };
    return { scenario: this.spec.scenario, ...this.equivalents, objectiveTerms: terms };
  }

  protected messages(k: number, r: NlpResult, _input: MpopfInput): BoundaryMessage[] {
    const out: BoundaryMessage[] = [];
    for (const s of this.sides) {
      const own = copyOf(this.T);
      for (const q of QS) for (let t = 0; t < this.T; t++) own[q][t] = r.x[s.index[q][t]];
      s.own = own;
      s.ownK = k;
      s.ownHist.set(k, own);
      const vm = own.vsq.map((v) => Math.sqrt(Math.max(0, v)));
      const values: Parameters<typeof this.message>[4] = {
        vm,
        vsq: own.vsq,
        p: own.p,
        q: own.q,
        rho: [s.rhoV, s.rhoS],
      };
      if (s.sign > 0) {
        // The parent's boundary state (after its last pair), which the child adopts.
        values.lamVsq = s.lambda.vsq;
        values.lamP = s.lambda.p;
        values.lamQ = s.lambda.q;
        values.zVsq = s.z.vsq;
        values.zP = s.z.p;
        values.zQ = s.z.q;
        values.state = [s.pairDone, s.rhoV, s.rhoS];
      }
      out.push(this.message(k, s.boundary, s.neighbour, s.sign > 0 ? "down" : "up", values));
    }
    return out;
  }

  /** Current penalties per boundary (diagnostics): ρ (ADMM) or α (APP) on |V|² and on power, objective units. */
  penalties(): Array<{ boundary: string; voltage: number; power: number }> {
    return this.sides.map((s) => ({ boundary: s.boundary, voltage: s.rhoV, power: s.rhoS }));
  }
}
