/**
 * The multi-period OPF (branch flow model, exact nonconvex l·v = P² + Q², method.md §4) as a
 * solver-neutral `NlpProblem` with exact sparse first and second derivatives.
 *
 * The same code builds the centralized problem and every ENApp area: an area is a sub-network whose head
 * bus has a given per-period voltage (`MpopfInput.vHeadPu`) and fixed per-period extra loads
 * (`MpopfInput.extraLoads`); its "substation power" is the power entering its head bus.
 */

import { NlpBuilder } from "../nlp/builder.ts";
import type { NlpProblem } from "../nlp/types.ts";
import { codedInitialPoint, powerFlowInitialPoint } from "./initial.ts";
import { describeVar, type MpopfLayout, makeLayout } from "./layout.ts";
import { type MpopfInput, type MpopfParams, makeParams, type ObjectiveTerms } from "./params.ts";

/** The starting point used when the input does not choose one. */
export const DEFAULT_INITIAL_POINT = "coded" as const;

/** Names of the constraint families, in row order. */
export const CONSTRAINT_FAMILIES = [
  "realBalance",
  "reactiveBalance",
  "kvl",
  "branchFlow",
  "headVoltage",
  "socDynamics",
  "terminal",
  "headPower",
  "batteryApparent",
] as const;
/** One constraint family. */
export type ConstraintFamily = (typeof CONSTRAINT_FAMILIES)[number];

/** Where a family's rows sit: rows [start, start + count), t-major inside. */
export interface FamilyRange {
  name: ConstraintFamily;
  start: number;
  count: number;
}

/** How the head-bus power P_subs(t) is bounded (peak cap / no back-feed). */
export type HeadPowerBound = "none" | "variable-bound" | "constraint";

/**
 * Rows by name: `row(family, t, element)` is the NLP row of a family's constraint for element `element`
 * (bus for the balances, branch for kvl / branchFlow, battery for socDynamics / terminal / batteryApparent,
 * 0 for headVoltage / headPower) in period t (0-based), or −1 when the family has no such row (the head bus
 * has no balance rows; `terminal` exists only for t = T − 1 and a hard terminal condition).
 *
 * Multiplier sign convention (Ipopt's): the Lagrangian is f(x) + λᵀg(x), so for an equality row g(x) = c the
 * sensitivity of the optimal objective to its right-hand side is d(f at the optimum)/dc = −λ. A balance row's right-hand side
 * is the bus's demand: −λ of `realBalance` at bus j in period t is the marginal cost of real power there
 * (objective units per pu of power).
 */
export interface RowMap {
  row(family: ConstraintFamily, t: number, element: number): number;
}

/** A built instance: layout, parameters, row map and the NLP. */
export interface MpopfModel {
  input: MpopfInput;
  layout: MpopfLayout;
  params: MpopfParams;
  families: FamilyRange[];
  /** Rows by (family, period, element): see `RowMap`. */
  rows: RowMap;
  /** How the head-power bounds were imposed. */
  headPowerBound: HeadPowerBound;
  /** Objective pieces: f = weight · main + alpha · scd (+ soft terminal). */
  objectiveKind: "loss" | "cost";
  problem: NlpProblem;
}

/** Nonlinear part of a family: adds h(x) to g, its Jacobian and its Hessian contributions. */
interface NonlinearPart {
  evalG(x: Float64Array, g: Float64Array): void;
  evalJac(x: Float64Array, vals: Float64Array): void;
  evalHess(x: Float64Array, lambda: Float64Array, vals: Float64Array): void;
}

/**
 * τ²·l_ij·v_i − P_ij² − Q_ij² = 0 for every branch and period (τ the branch's off-nominal ratio, 1 for lines);
 * ≥ 0 for the SOC relaxation.
 */
class BranchFlowPart implements NonlinearPart {
  private readonly row: Int32Array;
  private readonly iP: Int32Array;
  private readonly iQ: Int32Array;
  private readonly iL: Int32Array;
  private readonly iV: Int32Array;
  private readonly hJ: Int32Array; // 4 handles per entry: P, Q, l, v
  private readonly hH: Int32Array; // 3 handles per entry: PP, QQ, lv
  /** τ² per entry. */
  private readonly tau2: Float64Array;
  private jP!: Int32Array;
  private hP!: Int32Array;
  constructor(
    b: NlpBuilder,
    L: MpopfLayout,
    from: Int32Array,
    tapSq: Float64Array,
    relaxed: boolean,
    rows: Int32Array,
  ) {
    const ne = L.T * L.nBr;
    this.row = new Int32Array(ne);
    this.iP = new Int32Array(ne);
    this.iQ = new Int32Array(ne);
    this.iL = new Int32Array(ne);
    this.iV = new Int32Array(ne);
    this.hJ = new Int32Array(4 * ne);
    this.hH = new Int32Array(3 * ne);
    this.tau2 = new Float64Array(ne);
    let e = 0;
    for (let t = 0; t < L.T; t++) {
      const base = t * L.perT;
      for (let k = 0; k < L.nBr; k++, e++) {
        const row = b.addRow(0, relaxed ? Infinity : 0);
        rows[e] = row;
        this.tau2[e] = tapSq[k];
        const iP = base + L.offP + k;
        const iQ = base + L.offQ + k;
        const iL = base + L.offL + k;
        const iV = base + L.offV + from[k];
        this.row[e] = row;
        this.iP[e] = iP;
        this.iQ[e] = iQ;
        this.iL[e] = iL;
        this.iV[e] = iV;
        this.hJ[4 * e] = b.addNonlinearJac(row, iP);
        this.hJ[4 * e + 1] = b.addNonlinearJac(row, iQ);
        this.hJ[4 * e + 2] = b.addNonlinearJac(row, iL);
        this.hJ[4 * e + 3] = b.addNonlinearJac(row, iV);
        this.hH[3 * e] = b.addHess(iP, iP);
        this.hH[3 * e + 1] = b.addHess(iQ, iQ);
        this.hH[3 * e + 2] = b.addHess(iL, iV);
      }
    }
  }
  /** Resolve handles into positions once the structure is assembled. */
  resolve(nlJacPos: Int32Array, hessPos: Int32Array): void {
    this.jP = this.hJ.map((h) => nlJacPos[h]);
    this.hP = this.hH.map((h) => hessPos[h]);
  }
  evalG(x: Float64Array, g: Float64Array): void {
    const { row, iP, iQ, iL, iV, tau2 } = this;
    for (let e = 0; e < row.length; e++) {
      const P = x[iP[e]];
      const Q = x[iQ[e]];
      g[row[e]] += tau2[e] * x[iL[e]] * x[iV[e]] - P * P - Q * Q;
    }
  }
  evalJac(x: Float64Array, vals: Float64Array): void {
    const { jP, iP, iQ, iL, iV, tau2 } = this;
    for (let e = 0; e < iP.length; e++) {
      vals[jP[4 * e]] += -2 * x[iP[e]];
      vals[jP[4 * e + 1]] += -2 * x[iQ[e]];
      vals[jP[4 * e + 2]] += tau2[e] * x[iV[e]];
      vals[jP[4 * e + 3]] += tau2[e] * x[iL[e]];
    }
  }
  evalHess(_x: Float64Array, lambda: Float64Array, vals: Float64Array): void {
    const { hP, row, tau2 } = this;
    for (let e = 0; e < row.length; e++) {
      const lam = lambda[row[e]];
      vals[hP[3 * e]] -= 2 * lam;
      vals[hP[3 * e + 1]] -= 2 * lam;
      vals[hP[3 * e + 2]] += tau2[e] * lam;
    }
  }
}

/**
 * Constant-current loads: −a·√v_j added to a balance row (a = the bus's constant-current demand in pu at
 * 1 pu voltage; v_j ≥ v_min² > 0 on every non-head bus).
 */
class CurrentLoadPart implements NonlinearPart {
  private readonly row: Int32Array;
  private readonly iV: Int32Array;
  private readonly a: Float64Array;
  private readonly hJ: Int32Array;
  private readonly hH: Int32Array;
  private jP!: Int32Array;
  private hP!: Int32Array;
  constructor(b: NlpBuilder, entries: Array<{ row: number; iV: number; a: number }>) {
    const ne = entries.length;
    this.row = Int32Array.from(entries, (e) => e.row);
    this.iV = Int32Array.from(entries, (e) => e.iV);
    this.a = Float64Array.from(entries, (e) => e.a);
    this.hJ = new Int32Array(ne);
    this.hH = new Int32Array(ne);
    for (let e = 0; e < ne; e++) {
      this.hJ[e] = b.addNonlinearJac(this.row[e], this.iV[e]);
      this.hH[e] = b.addHess(this.iV[e], this.iV[e]);
    }
  }
  resolve(nlJacPos: Int32Array, hessPos: Int32Array): void {
    this.jP = this.hJ.map((h) => nlJacPos[h]);
    this.hP = this.hH.map((h) => hessPos[h]);
  }
  evalG(x: Float64Array, g: Float64Array): void {
    for (let e = 0; e < this.row.length; e++)
      g[this.row[e]] -= this.a[e] * Math.sqrt(Math.max(x[this.iV[e]], 0));
  }
  evalJac(x: Float64Array, vals: Float64Array): void {
    for (let e = 0; e < this.row.length; e++) {
      const s = Math.sqrt(Math.max(x[this.iV[e]], 1e-12));
      vals[this.jP[e]] -= this.a[e] / (2 * s);
    }
  }
  evalHess(x: Float64Array, lambda: Float64Array, vals: Float64Array): void {
    for (let e = 0; e < this.row.length; e++) {
      const v = Math.max(x[this.iV[e]], 1e-12);
      vals[this.hP[e]] += (lambda[this.row[e]] * this.a[e]) / (4 * v * Math.sqrt(v));
    }
  }
}

/**
 * ((P_d − P_c)² + q_B²) / S_B ≤ S_B for every battery and period (limits "available"). Dividing by S_B keeps
 * the row in pu of power, so Ipopt's absolute bound relaxation (1e-8) stays ~1e-8 pu on |S| for small units.
 */
class BatteryApparentPart implements NonlinearPart {
  private readonly row: Int32Array;
  private readonly iPc: Int32Array;
  private readonly iPd: Int32Array;
  private readonly iQb: Int32Array;
  /** 1 / S_B per entry. */
  private readonly inv: Float64Array;
  private readonly hJ: Int32Array; // Pc, Pd, qB
  private readonly hH: Int32Array; // PcPc, PdPd, PdPc, qBqB
  private jP!: Int32Array;
  private hP!: Int32Array;
  constructor(b: NlpBuilder, L: MpopfLayout, sMax: Float64Array, rows: Int32Array) {
    const ne = L.T * L.nBatt;
    this.row = new Int32Array(ne);
    this.iPc = new Int32Array(ne);
    this.iPd = new Int32Array(ne);
    this.iQb = new Int32Array(ne);
    this.inv = new Float64Array(ne);
    this.hJ = new Int32Array(3 * ne);
    this.hH = new Int32Array(4 * ne);
    let e = 0;
    for (let t = 0; t < L.T; t++) {
      const base = t * L.perT;
      for (let k = 0; k < L.nBatt; k++, e++) {
        const row = b.addRow(-Infinity, sMax[k]);
        rows[e] = row;
        const iPc = base + L.offPc + k;
        const iPd = base + L.offPd + k;
        const iQb = base + L.offQb + k;
        this.row[e] = row;
        this.iPc[e] = iPc;
        this.iPd[e] = iPd;
        this.iQb[e] = iQb;
        this.inv[e] = sMax[k] > 0 ? 1 / sMax[k] : 1;
        this.hJ[3 * e] = b.addNonlinearJac(row, iPc);
        this.hJ[3 * e + 1] = b.addNonlinearJac(row, iPd);
        this.hJ[3 * e + 2] = b.addNonlinearJac(row, iQb);
        this.hH[4 * e] = b.addHess(iPc, iPc);
        this.hH[4 * e + 1] = b.addHess(iPd, iPd);
        this.hH[4 * e + 2] = b.addHess(iPd, iPc);
        this.hH[4 * e + 3] = b.addHess(iQb, iQb);
      }
    }
  }
  resolve(nlJacPos: Int32Array, hessPos: Int32Array): void {
    this.jP = this.hJ.map((h) => nlJacPos[h]);
    this.hP = this.hH.map((h) => hessPos[h]);
  }
  evalG(x: Float64Array, g: Float64Array): void {
    const { row, iPc, iPd, iQb, inv } = this;
    for (let e = 0; e < row.length; e++) {
      const d = x[iPd[e]] - x[iPc[e]];
      const q = x[iQb[e]];
      g[row[e]] += (d * d + q * q) * inv[e];
    }
  }
  evalJac(x: Float64Array, vals: Float64Array): void {
    const { jP, iPc, iPd, iQb, inv } = this;
    for (let e = 0; e < iPc.length; e++) {
      const d2 = 2 * (x[iPd[e]] - x[iPc[e]]) * inv[e];
      vals[jP[3 * e]] -= d2;
      vals[jP[3 * e + 1]] += d2;
      vals[jP[3 * e + 2]] += 2 * x[iQb[e]] * inv[e];
    }
  }
  evalHess(_x: Float64Array, lambda: Float64Array, vals: Float64Array): void {
    const { hP, row, inv } = this;
    for (let e = 0; e < row.length; e++) {
      const lam2 = 2 * lambda[row[e]] * inv[e];
      vals[hP[4 * e]] += lam2;
      vals[hP[4 * e + 1]] += lam2;
      vals[hP[4 * e + 2]] -= lam2;
      vals[hP[4 * e + 3]] += lam2;
    }
  }
}

/** Add the input's extra objective terms (ENApp prices and proximal terms) to the builder's objective. */
function addObjectiveTerms(b: NlpBuilder, n: number, terms: ObjectiveTerms | undefined): void {
  const inRange = (i: number, what: string) => {
    if (!(Number.isInteger(i) && i >= 0 && i < n))
      throw new Error(`${what} objective term: variable ${i} out of range`);
  };
  const lin = terms?.linear;
  if (lin) {
    if (lin.index.length !== lin.coef.length)
      throw new Error("linear objective terms: index and coef differ in length");
    for (let e = 0; e < lin.index.length; e++) {
      inRange(lin.index[e], "linear");
      b.addObjectiveLinear(lin.index[e], lin.coef[e]);
    }
  }
  const q = terms?.quadratic;
  if (q) {
    if (q.weight.length !== q.index.length || q.center.length !== q.index.length)
      throw new Error("quadratic objective terms: arrays differ in length");
    for (let e = 0; e < q.index.length; e++) {
      inRange(q.index[e], "quadratic");
      b.addObjectiveQuadratic(q.index[e], q.weight[e], q.center[e]);
    }
  }
}

/** Number of elements per period of each family's rows (for the row map). */
function familyWidth(L: MpopfLayout, name: ConstraintFamily): number {
  switch (name) {
    case "realBalance":
    case "reactiveBalance":
      return L.nBus;
    case "kvl":
    case "branchFlow":
      return L.nBr;
    case "socDynamics":
    case "terminal":
    case "batteryApparent":
      return L.nBatt;
    default:
      return 1;
  }
}

/** Build the MPOPF instance for a scenario (and optional area equivalents). Throws `InputError` on bad input. */
export function buildMpopfModel(input: MpopfInput): MpopfModel {
  const sc = input.scenario;
  const net = sc.network;
  const p = makeParams(input);
  const T = p.T;
  const nBus = net.buses.length;
  const nBr = net.branches.length;
  const nPv = sc.pvs.length;
  const nBatt = sc.batteries.length;
  const nPort = p.portBus.length;
  const elastic = p.elasticCap !== null;
  const L = makeLayout(T, nBus, nBr, nPv, nBatt, nPort, elastic ? 1 : 0);
  const head = p.head;
  const form = sc.options.formulation;
  const from = Int32Array.from(net.branches, (br) => br.from);
  const b = new NlpBuilder(L.n);
  const families: FamilyRange[] = [];
  const rowIndex = {} as Record<ConstraintFamily, Int32Array>;
  for (const f of CONSTRAINT_FAMILIES) rowIndex[f] = new Int32Array(T * familyWidth(L, f)).fill(-1);
  const family = (name: ConstraintFamily, add: (rows: Int32Array) => void) => {
    const start = b.m;
    add(rowIndex[name]);
    families.push({ name, start, count: b.m - start });
  };
  const ix = (t: number, off: number, k: number) => t * L.perT + off + k;
  const currentLoads: Array<{ row: number; iV: number; a: number }> = [];

  // Power balance at every non-head bus j with parent branch (i, j):
  //   P_ij − r l_ij − Σ_k P_jk + Σ_B (P_d − P_c) − p_Z v_j − p_I √v_j = p_const − p_D                       (real)
  //   Q_ij − x l_ij − Σ_k Q_jk + Σ_D q_D + Σ_B q_B + (q_C,v + b/2) v_j − q_Z v_j − q_I √v_j = q_const − q_C    (reactive)
  // (Z and I parts only with voltage-dependent loads; q_C,v and b/2 only with those modelling options.)
  family("realBalance", (rows) => {
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < nBus; j++) {
        if (j === head) continue;
        const k = net.parentBranch[j];
        const i = t * nBus + j;
        let rhs = p.pConst[i];
        for (let q = p.pvAtBusPtr[j]; q < p.pvAtBusPtr[j + 1]; q++) rhs -= p.pPv[t * nPv + p.pvAtBus[q]];
        const row = b.addRow(rhs, rhs);
        rows[i] = row;
        b.addLinear(row, ix(t, L.offP, k), 1);
        b.addLinear(row, ix(t, L.offL, k), -p.r[k]);
        for (const c of net.childBranches[j]) b.addLinear(row, ix(t, L.offP, c), -1);
        for (let q = p.battAtBusPtr[j]; q < p.battAtBusPtr[j + 1]; q++) {
          const bi = p.battAtBus[q];
          b.addLinear(row, ix(t, L.offPd, bi), 1);
          b.addLinear(row, ix(t, L.offPc, bi), -1);
        }
        for (let q = p.portAtBusPtr[j]; q < p.portAtBusPtr[j + 1]; q++)
          b.addLinear(row, ix(t, L.offPp, p.portAtBus[q]), -1);
        if (p.pZ[i] !== 0) b.addLinear(row, ix(t, L.offV, j), -p.pZ[i]);
        if (p.pI[i] !== 0) currentLoads.push({ row, iV: ix(t, L.offV, j), a: p.pI[i] });
      }
    }
  });
  family("reactiveBalance", (rows) => {
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < nBus; j++) {
        if (j === head) continue;
        const k = net.parentBranch[j];
        const i = t * nBus + j;
        const rhs = p.qConst[i] - p.qCapConst[j];
        const row = b.addRow(rhs, rhs);
        rows[i] = row;
        b.addLinear(row, ix(t, L.offQ, k), 1);
        b.addLinear(row, ix(t, L.offL, k), -p.x[k]);
        for (const c of net.childBranches[j]) b.addLinear(row, ix(t, L.offQ, c), -1);
        for (let q = p.pvAtBusPtr[j]; q < p.pvAtBusPtr[j + 1]; q++)
          b.addLinear(row, ix(t, L.offQd, p.pvAtBus[q]), 1);
        for (let q = p.battAtBusPtr[j]; q < p.battAtBusPtr[j + 1]; q++)
          b.addLinear(row, ix(t, L.offQb, p.battAtBus[q]), 1);
        for (let q = p.portAtBusPtr[j]; q < p.portAtBusPtr[j + 1]; q++)
          b.addLinear(row, ix(t, L.offQp, p.portAtBus[q]), -1);
        const vCoef = p.qShuntV[j] - p.qZ[i];
        if (vCoef !== 0) b.addLinear(row, ix(t, L.offV, j), vCoef);
        if (p.qI[i] !== 0) currentLoads.push({ row, iV: ix(t, L.offV, j), a: p.qI[i] });
      }
    }
  });
  // KVL along every branch: v_j − τ² v_i + 2(r P + x Q) − (r² + x²) l = 0.
  family("kvl", (rows) => {
    for (let t = 0; t < T; t++) {
      for (let k = 0; k < nBr; k++) {
        const br = net.branches[k];
        const row = b.addRow(0, 0);
        rows[t * nBr + k] = row;
        b.addLinear(row, ix(t, L.offV, br.to), 1);
        b.addLinear(row, ix(t, L.offV, br.from), -p.tapSq[k]);
        b.addLinear(row, ix(t, L.offP, k), 2 * p.r[k]);
        b.addLinear(row, ix(t, L.offQ, k), 2 * p.x[k]);
        b.addLinear(row, ix(t, L.offL, k), -(p.r[k] * p.r[k] + p.x[k] * p.x[k]));
      }
    }
  });
  let branchFlow!: BranchFlowPart;
  family("branchFlow", (rows) => {
    branchFlow = new BranchFlowPart(b, L, from, p.tapSq, form.physics === "soc", rows);
  });
  // Head-bus voltage: v_head(t) = V_head(t)², or within the band when the head voltage is free.
  family("headVoltage", (rows) => {
    for (let t = 0; t < T; t++) {
      const row = p.headVoltageFree ? b.addRow(p.vMinSq, p.vMaxSq) : b.addRow(p.vHeadSq[t], p.vHeadSq[t]);
      rows[t] = row;
      b.addLinear(row, ix(t, L.offV, head), 1);
    }
  });
  // SOC dynamics: B(t) − B(t−1) − Δt η_c P_c + Δt / η_d P_d = −(idling drain), with B(−1) = B0 (a parameter).
  family("socDynamics", (rows) => {
    for (let t = 0; t < T; t++) {
      for (let k = 0; k < nBatt; k++) {
        const rhs = (t === 0 ? p.battB0[k] : 0) - p.battIdleDrain[t * nBatt + k];
        const row = b.addRow(rhs, rhs);
        rows[t * nBatt + k] = row;
        b.addLinear(row, ix(t, L.offB, k), 1);
        if (t > 0) b.addLinear(row, ix(t - 1, L.offB, k), -1);
        b.addLinear(row, ix(t, L.offPc, k), -p.dtH * p.etaC[k]);
        b.addLinear(row, ix(t, L.offPd, k), p.dtH / p.etaD[k]);
      }
    }
  });
  const opts = sc.options;
  family("terminal", (rows) => {
    if (opts.terminal !== "hard") return;
    for (let k = 0; k < nBatt; k++) {
      const row = b.addRow(p.battB0[k], p.battB0[k]);
      rows[(T - 1) * nBatt + k] = row;
      b.addLinear(row, ix(T - 1, L.offB, k), 1);
    }
  });

  // Variable bounds and the coded initial point.
  const xL = new Float64Array(L.n).fill(-Infinity);
  const xU = new Float64Array(L.n).fill(Infinity);
  for (let t = 0; t < T; t++) {
    const base = t * L.perT;
    // l >= 0 is implied by l v_i = P² + Q² with v_i > 0; an explicit bound makes every zero-flow branch
    // degenerate (l sits on its relaxed bound and Ipopt stalls at |l v − P² − Q²| ≈ bound_relax_factor).
    for (let k = 0; k < nBr; k++) xU[base + L.offL + k] = p.lMax[k];
    for (let j = 0; j < nBus; j++) {
      if (j === head) continue;
      xL[base + L.offV + j] = p.vLoSq[t * nBus + j];
      xU[base + L.offV + j] = p.vHiSq[t * nBus + j];
    }
    for (let d = 0; d < nPv; d++) {
      xL[base + L.offQd + d] = -p.qPvMax[t * nPv + d];
      xU[base + L.offQd + d] = p.qPvMax[t * nPv + d];
    }
    for (let k = 0; k < nBatt; k++) {
      xL[base + L.offPc + k] = 0;
      xU[base + L.offPc + k] = p.battPMax[k];
      xL[base + L.offPd + k] = 0;
      xU[base + L.offPd + k] = p.battPMax[k];
      xL[base + L.offQb + k] = -p.battQMax[k];
      xU[base + L.offQb + k] = p.battQMax[k];
      xL[base + L.offB + k] = p.battBMin[k];
      xU[base + L.offB + k] = p.battBMax[k];
    }
    for (let e = 0; e < nPort; e++) xL[base + L.offPp + e] = p.portPMin[e];
    if (p.elasticCap) xL[base + L.offS] = p.elasticCap.slackMinPu[t];
  }

  // Head power P_subs(t) = Σ_{k leaving head} P_k + Σ_{B at head} (P_c − P_d) + Σ_{ports at head} P_port + headConstP(t).
  const lo = opts.noBackfeed ? 0 : -Infinity;
  const hi =
    opts.peakCapKw !== null ? opts.peakCapKw / p.sBaseKva - (p.elasticCap?.tightenPu ?? 0) : Infinity;
  const headBranches = net.childBranches[head];
  let headPowerBound: HeadPowerBound = "none";
  family("headPower", (rows) => {
    if (lo === -Infinity && hi === Infinity) return;
    if (headBranches.length === 1 && p.headBatts.length === 0 && p.headPorts.length === 0 && !elastic) {
      headPowerBound = "variable-bound";
      for (let t = 0; t < T; t++) {
        const i = ix(t, L.offP, headBranches[0]);
        xL[i] = lo - p.headConstP[t];
        xU[i] = hi - p.headConstP[t];
      }
      return;
    }
    headPowerBound = "constraint";
    for (let t = 0; t < T; t++) {
      const row = b.addRow(lo - p.headConstP[t], hi - p.headConstP[t]);
      rows[t] = row;
      for (const k of headBranches) b.addLinear(row, ix(t, L.offP, k), 1);
      for (const bi of p.headBatts) {
        b.addLinear(row, ix(t, L.offPc, bi), 1);
        b.addLinear(row, ix(t, L.offPd, bi), -1);
      }
      for (const e of p.headPorts) b.addLinear(row, ix(t, L.offPp, e), 1);
      // Elastic cap: P_subs − s ≤ cap (the slack also loosens nothing else: P_subs ≥ lo + s).
      if (elastic) b.addLinear(row, ix(t, L.offS, 0), -1);
    }
  });
  let battApparent: BatteryApparentPart | null = null;
  family("batteryApparent", (rows) => {
    if (opts.limits === "available" && nBatt > 0)
      battApparent = new BatteryApparentPart(b, L, p.battSMax, rows);
  });

  // Objective (reporting units: $ for cost, kWh for loss and for the battery-loss term, $ for throughput).
  const obj = sc.objective;
  const kWh = p.sBaseKva * p.dtH;
  let objConst = 0;
  for (let t = 0; t < T; t++) {
    if (obj.kind === "loss") {
      for (let k = 0; k < nBr; k++) b.addObjectiveLinear(ix(t, L.offL, k), obj.weight * kWh * p.r[k]);
    } else {
      const c = obj.weight * kWh * p.price[t];
      for (const k of headBranches) b.addObjectiveLinear(ix(t, L.offP, k), c);
      for (const bi of p.headBatts) {
        b.addObjectiveLinear(ix(t, L.offPc, bi), c);
        b.addObjectiveLinear(ix(t, L.offPd, bi), -c);
      }
      for (const e of p.headPorts) b.addObjectiveLinear(ix(t, L.offPp, e), c);
      objConst += c * p.headConstP[t];
    }
    if (obj.alphaScd !== 0) {
      for (let k = 0; k < nBatt; k++) {
        b.addObjectiveLinear(ix(t, L.offPc, k), obj.alphaScd * kWh * (1 - p.etaC[k]));
        b.addObjectiveLinear(ix(t, L.offPd, k), obj.alphaScd * kWh * (1 / p.etaD[k] - 1));
      }
    }
    for (let k = 0; k < nBatt; k++) {
      if (p.battThroughput[k] === 0) continue;
      b.addObjectiveQuadratic(ix(t, L.offPc, k), p.battThroughput[k], 0);
      b.addObjectiveQuadratic(ix(t, L.offPd, k), p.battThroughput[k], 0);
    }
  }
  if (p.elasticCap) {
    const ec = p.elasticCap;
    for (let t = 0; t < T; t++) {
      b.addObjectiveLinear(ix(t, L.offS, 0), ec.linear[t]);
      if (ec.quadratic[t] > 0) b.addObjectiveQuadratic(ix(t, L.offS, 0), ec.quadratic[t], 0);
    }
  }
  if (opts.terminal === "soft" && opts.terminalGamma > 0) {
    for (let k = 0; k < nBatt; k++)
      b.addObjectiveQuadratic(ix(T - 1, L.offB, k), opts.terminalGamma, p.battB0[k]);
  }
  addObjectiveTerms(b, L.n, input.objectiveTerms);

  const x0 =
    (input.initialPoint ?? DEFAULT_INITIAL_POINT) === "power-flow"
      ? powerFlowInitialPoint(L, p, net)
      : codedInitialPoint(L, p);
  if (input.x0) {
    if (input.x0.length !== L.n) {
      throw new Error(`starting point has ${input.x0.length} values, the problem has ${L.n} variables`);
    }
    x0.set(input.x0);
  }

  const currentPart = currentLoads.length > 0 ? new CurrentLoadPart(b, currentLoads) : null;
  const s = b.finish();
  const parts: NonlinearPart[] = [branchFlow];
  branchFlow.resolve(s.nlJacPos, s.hessPos);
  const ba = battApparent as BatteryApparentPart | null;
  if (ba) {
    ba.resolve(s.nlJacPos, s.hessPos);
    parts.push(ba);
  }
  if (currentPart) {
    currentPart.resolve(s.nlJacPos, s.hessPos);
    parts.push(currentPart);
  }
  const problem = makeProblem(s, parts, xL, xU, x0, objConst, L, families);
  const rows: RowMap = {
    row(f, t, e) {
      const w = familyWidth(L, f);
      if (!(t >= 0 && t < T && e >= 0 && e < w)) return -1;
      return rowIndex[f][t * w + e];
    },
  };
  return { input, layout: L, params: p, families, rows, headPowerBound, objectiveKind: obj.kind, problem };
}

function makeProblem(
  s: ReturnType<NlpBuilder["finish"]>,
  parts: NonlinearPart[],
  xL: Float64Array,
  xU: Float64Array,
  x0: Float64Array,
  objConst: number,
  L: MpopfLayout,
  families: FamilyRange[],
): NlpProblem {
  const { objIdx, objCoef, quadIdx, quadW, quadA, quadHessPos, linRowPtr, linCol, linCoef, jacConst, m } = s;
  return {
    n: s.n,
    m,
    xL,
    xU,
    gL: s.gL,
    gU: s.gU,
    jacRows: s.jacRows,
    jacCols: s.jacCols,
    hessRows: s.hessRows,
    hessCols: s.hessCols,
    x0,
    evalF(x) {
      let f = objConst;
      for (let e = 0; e < objIdx.length; e++) f += objCoef[e] * x[objIdx[e]];
      for (let e = 0; e < quadIdx.length; e++) {
        const d = x[quadIdx[e]] - quadA[e];
        f += quadW[e] * d * d;
      }
      return f;
    },
    evalGradF(x, grad) {
      grad.fill(0);
      for (let e = 0; e < objIdx.length; e++) grad[objIdx[e]] = objCoef[e];
      for (let e = 0; e < quadIdx.length; e++) grad[quadIdx[e]] += 2 * quadW[e] * (x[quadIdx[e]] - quadA[e]);
    },
    evalG(x, g) {
      for (let r = 0; r < m; r++) {
        let acc = 0;
        for (let q = linRowPtr[r]; q < linRowPtr[r + 1]; q++) acc += linCoef[q] * x[linCol[q]];
        g[r] = acc;
      }
      for (const part of parts) part.evalG(x, g);
    },
    evalJac(x, vals) {
      vals.set(jacConst);
      for (const part of parts) part.evalJac(x, vals);
    },
    evalHess(x, objFactor, lambda, vals) {
      vals.fill(0);
      for (const part of parts) part.evalHess(x, lambda, vals);
      for (let e = 0; e < quadIdx.length; e++) vals[quadHessPos[e]] += 2 * objFactor * quadW[e];
    },
    varName(i) {
      const d = describeVar(L, i);
      return `${d.kind}[t=${d.t + 1},${d.k}]`;
    },
    conName(i) {
      for (const f of families) {
        if (i >= f.start && i < f.start + f.count) return `${f.name}[${i - f.start}]`;
      }
      return `row ${i}`;
    },
  };
}
