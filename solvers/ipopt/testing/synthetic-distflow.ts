/**
 * A synthetic multi-period DistFlow problem on a random radial tree, for testing and benchmarking the NLP
 * solvers (not the project's MPOPF formulation, which lives in solvers/mpopf).
 *
 * Per period t and non-root bus j with parent i (all per unit):
 *   P_j − r_j ℓ_j − Σ_{k∈ch(j)} P_k − b_j = pd_j(t) − pv_j(t)         (active balance, b = battery charge)
 *   Q_j − x_j ℓ_j − Σ_{k∈ch(j)} Q_k       = qd_j(t)                  (reactive balance)
 *   v_j − v_i + 2(r_j P_j + x_j Q_j) − (r_j² + x_j²) ℓ_j = 0          (voltage drop)
 *   P_j² + Q_j² − ℓ_j v_i = 0                                          (nonconvex branch-flow equality)
 * root: P0 = Σ_{k∈ch(0)} P_k, Q0 = Σ Q_k, v_0 = v0 (constant); batteries: soc(t) = soc(t−1) + Δt·b(t).
 * Objective: Σ_t [price(t)·P0(t) + c2·P0(t)²] + α Σ b² (strictly convex in the only free decisions).
 * Bounds: v ∈ [0.95², 1.05²], ℓ ≥ 0, |b| ≤ bMax, soc ∈ [socMin, socMax].
 */

import { mulberry32 } from "../../../models/random.ts";
import type { NlpProblem } from "../../nlp/types.ts";

/** Parameters of the synthetic problem (plain data, structured-clone safe). */
export interface SyntheticDistFlowArgs {
  /** Number of buses including the substation (root). */
  buses: number;
  /** Number of periods T. */
  periods: number;
  /** Seed of the pseudo-random tree and data. */
  seed?: number;
  /** A battery at every `batteryEvery`-th bus (default 50). */
  batteryEvery?: number;
  /** Total peak active load in per unit (default 2.5). */
  peakLoadPu?: number;
  /** Lossless drop of v = |V|² to the worst bus at peak load without batteries (default 0.08; limit 0.0975). */
  dropPu?: number;
}

/** Number of variables and constraints of a synthetic instance without building it. */
export function syntheticDistFlowSize(args: SyntheticDistFlowArgs): { n: number; m: number } {
  const nb = batteryBuses(args).length;
  const perT = 2 + 4 * (args.buses - 1) + 2 * nb;
  const conT = 2 + 4 * (args.buses - 1) + nb;
  return { n: perT * args.periods, m: conT * args.periods };
}

function batteryBuses(args: SyntheticDistFlowArgs): number[] {
  const every = args.batteryEvery ?? 50;
  const out: number[] = [];
  for (let j = every; j < args.buses; j += every) out.push(j);
  return out;
}

/** Build the synthetic DistFlow NLP (exact gradient, Jacobian and Hessian). */
export function syntheticDistFlow(args: SyntheticDistFlowArgs): NlpProblem {
  const N = args.buses;
  const T = args.periods;
  if (!Number.isInteger(N) || N < 2) throw new RangeError(`buses must be an integer >= 2, got ${N}`);
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`periods must be an integer >= 1, got ${T}`);
  const rand = mulberry32(args.seed ?? 1);
  const peak = args.peakLoadPu ?? 2.5;

  // Random radial tree: bus j attaches to a recent bus (long laterals) or, sometimes, anywhere earlier.
  const parent = new Int32Array(N).fill(-1);
  for (let j = 1; j < N; j++)
    parent[j] = rand() < 0.7 ? Math.max(0, j - 1 - Math.floor(rand() * 3)) : Math.floor(rand() * j);
  const childStart = new Int32Array(N + 1);
  for (let j = 1; j < N; j++) childStart[parent[j]! + 1]!++;
  for (let i = 0; i < N; i++) childStart[i + 1]! += childStart[i]!;
  const children = new Int32Array(N - 1);
  {
    const fill = childStart.slice(0, N);
    for (let j = 1; j < N; j++) children[fill[parent[j]!]!++] = j;
  }
  const r = new Float64Array(N);
  const x = new Float64Array(N);
  const pd = new Float64Array(N);
  const qd = new Float64Array(N);
  const pvCap = new Float64Array(N);
  for (let j = 1; j < N; j++) {
    r[j] = 0.5 + rand();
    x[j] = r[j]! * (0.8 + 0.8 * rand());
    pd[j] = (peak / (N - 1)) * (0.5 + rand());
    qd[j] = pd[j]! * (0.2 + 0.3 * rand());
    pvCap[j] = rand() < 0.3 ? pd[j]! * 2 * rand() : 0;
  }
  const bat = batteryBuses(args);
  const nb = bat.length;
  const batAt = new Int32Array(N).fill(-1);
  bat.forEach((j, k) => {
    batAt[j] = k;
  });
  const bMax = (peak / Math.max(1, nb)) * 0.15;
  const socMax = bMax * 4;
  const socInit = socMax * 0.5;
  const dt = 24 / T;

  // Time series (hour of day h = 24 t / T; a single period sits at the evening peak).
  const loadMult = new Float64Array(T);
  const pvMult = new Float64Array(T);
  const price = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const h = T === 1 ? 19 : (24 * t) / T;
    loadMult[t] = 0.55 + 0.25 * Math.sin((Math.PI * (h - 6)) / 12) + 0.2 * Math.exp(-((h - 19) ** 2) / 6);
    pvMult[t] = Math.max(0, Math.sin((Math.PI * (h - 6)) / 12));
    price[t] = 0.5 + 0.3 * loadMult[t]! + 0.2 * Math.exp(-((h - 18) ** 2) / 4);
  }
  // Scale impedances so that the lossless (LinDistFlow) drop of v = |V|² to the worst bus, at the period
  // of largest load and without batteries, equals dropPu: voltages come close to, but stay within, limits.
  {
    let peakT = 0;
    for (let t = 1; t < T; t++) if (loadMult[t]! > loadMult[peakT]!) peakT = t;
    const subP = new Float64Array(N);
    const subQ = new Float64Array(N);
    for (let j = N - 1; j >= 1; j--) {
      subP[j]! += pd[j]! * loadMult[peakT]! - pvCap[j]! * pvMult[peakT]!;
      subQ[j]! += qd[j]! * loadMult[peakT]!;
      subP[parent[j]!]! += subP[j]!;
      subQ[parent[j]!]! += subQ[j]!;
    }
    const drop = new Float64Array(N);
    let worst = 0;
    for (let j = 1; j < N; j++) {
      drop[j] = drop[parent[j]!]! + 2 * (r[j]! * subP[j]! + x[j]! * subQ[j]!);
      worst = Math.max(worst, drop[j]!);
    }
    const k = (args.dropPu ?? 0.08) / worst;
    for (let j = 1; j < N; j++) {
      r[j]! *= k;
      x[j]! *= k;
    }
  }
  const c2 = 0.05;
  const alpha = 0.02;
  const v0 = 1.0;

  // Variable layout per period: [P0, Q0, P(1..N-1), Q(1..N-1), l(1..N-1), v(1..N-1), b(nb), soc(nb)].
  const B = N - 1;
  const perT = 2 + 4 * B + 2 * nb;
  const n = perT * T;
  const iP0 = (t: number) => t * perT;
  const iQ0 = (t: number) => t * perT + 1;
  const iP = (t: number, j: number) => t * perT + 2 + (j - 1);
  const iQ = (t: number, j: number) => t * perT + 2 + B + (j - 1);
  const iL = (t: number, j: number) => t * perT + 2 + 2 * B + (j - 1);
  const iV = (t: number, j: number) => t * perT + 2 + 3 * B + (j - 1);
  const iB = (t: number, k: number) => t * perT + 2 + 4 * B + k;
  const iS = (t: number, k: number) => t * perT + 2 + 4 * B + nb + k;

  // Constraint layout per period: [rootP, rootQ, balP(1..), balQ(1..), volt(1..), curr(1..), soc(nb)].
  const conT = 2 + 4 * B + nb;
  const m = conT * T;
  const cRootP = (t: number) => t * conT;
  const cRootQ = (t: number) => t * conT + 1;
  const cBalP = (t: number, j: number) => t * conT + 2 + (j - 1);
  const cBalQ = (t: number, j: number) => t * conT + 2 + B + (j - 1);
  const cVolt = (t: number, j: number) => t * conT + 2 + 2 * B + (j - 1);
  const cCurr = (t: number, j: number) => t * conT + 2 + 3 * B + (j - 1);
  const cSoc = (t: number, k: number) => t * conT + 2 + 4 * B + k;

  const xL = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  const xU = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const x0 = new Float64Array(n);
  const gL = new Float64Array(m);
  const gU = new Float64Array(m);
  for (let t = 0; t < T; t++) {
    let totP = 0;
    let totQ = 0;
    for (let j = 1; j < N; j++) {
      const netP = pd[j]! * loadMult[t]! - pvCap[j]! * pvMult[t]!;
      const netQ = qd[j]! * loadMult[t]!;
      gL[cBalP(t, j)] = gU[cBalP(t, j)] = netP;
      gL[cBalQ(t, j)] = gU[cBalQ(t, j)] = netQ;
      gL[cVolt(t, j)] = gU[cVolt(t, j)] = parent[j] === 0 ? v0 : 0;
      totP += netP;
      totQ += netQ;
      xL[iV(t, j)] = 0.95 ** 2;
      xU[iV(t, j)] = 1.05 ** 2;
      x0[iV(t, j)] = 1.0;
    }
    x0[iP0(t)] = totP;
    x0[iQ0(t)] = totQ;
    for (let k = 0; k < nb; k++) {
      xL[iB(t, k)] = -bMax;
      xU[iB(t, k)] = bMax;
      xL[iS(t, k)] = 0.1 * socMax;
      xU[iS(t, k)] = socMax;
      x0[iS(t, k)] = socInit;
      gL[cSoc(t, k)] = gU[cSoc(t, k)] = t === 0 ? socInit : 0;
    }
    // Flows at the starting point: subtree sums of the net loads (lossless), so the start is near feasible.
    const subP = new Float64Array(N);
    const subQ = new Float64Array(N);
    for (let j = N - 1; j >= 1; j--) {
      subP[j]! += gL[cBalP(t, j)]!;
      subQ[j]! += gL[cBalQ(t, j)]!;
      subP[parent[j]!]! += subP[j]!;
      subQ[parent[j]!]! += subQ[j]!;
      x0[iP(t, j)] = subP[j]!;
      x0[iQ(t, j)] = subQ[j]!;
      x0[iL(t, j)] = subP[j]! ** 2 + subQ[j]! ** 2;
    }
  }

  // Jacobian structure, row by row (constant entries precomputed, nonlinear ones recomputed).
  const jr: number[] = [];
  const jc: number[] = [];
  const jv: number[] = []; // constant values; NaN marks a nonlinear entry
  const add = (row: number, col: number, v: number) => {
    jr.push(row);
    jc.push(col);
    jv.push(v);
  };
  for (let t = 0; t < T; t++) {
    add(cRootP(t), iP0(t), 1);
    add(cRootQ(t), iQ0(t), 1);
    for (let q = childStart[0]!; q < childStart[1]!; q++) {
      add(cRootP(t), iP(t, children[q]!), -1);
      add(cRootQ(t), iQ(t, children[q]!), -1);
    }
    for (let j = 1; j < N; j++) {
      add(cBalP(t, j), iP(t, j), 1);
      add(cBalP(t, j), iL(t, j), -r[j]!);
      for (let q = childStart[j]!; q < childStart[j + 1]!; q++) add(cBalP(t, j), iP(t, children[q]!), -1);
      if (batAt[j]! >= 0) add(cBalP(t, j), iB(t, batAt[j]!), -1);
      add(cBalQ(t, j), iQ(t, j), 1);
      add(cBalQ(t, j), iL(t, j), -x[j]!);
      for (let q = childStart[j]!; q < childStart[j + 1]!; q++) add(cBalQ(t, j), iQ(t, children[q]!), -1);
      add(cVolt(t, j), iV(t, j), 1);
      if (parent[j]! > 0) add(cVolt(t, j), iV(t, parent[j]!), -1);
      add(cVolt(t, j), iP(t, j), 2 * r[j]!);
      add(cVolt(t, j), iQ(t, j), 2 * x[j]!);
      add(cVolt(t, j), iL(t, j), -(r[j]! ** 2 + x[j]! ** 2));
      add(cCurr(t, j), iP(t, j), Number.NaN);
      add(cCurr(t, j), iQ(t, j), Number.NaN);
      add(cCurr(t, j), iL(t, j), Number.NaN);
      if (parent[j]! > 0) add(cCurr(t, j), iV(t, parent[j]!), Number.NaN);
    }
    for (let k = 0; k < nb; k++) {
      add(cSoc(t, k), iS(t, k), 1);
      if (t > 0) add(cSoc(t, k), iS(t - 1, k), -1);
      add(cSoc(t, k), iB(t, k), -dt);
    }
  }
  const jacRows = Int32Array.from(jr);
  const jacCols = Int32Array.from(jc);
  const jacConst = Float64Array.from(jv);
  // Positions of the nonlinear (current) entries: per (t, j) four slots (the v_i slot is -1 at the root).
  const curPos = new Int32Array(T * B * 4).fill(-1);
  for (let k = 0; k < jr.length; k++) {
    if (!Number.isNaN(jv[k]!)) continue;
    const row = jr[k]!;
    const t = Math.floor(row / conT);
    const j = row - t * conT - (2 + 3 * B) + 1;
    const col = jc[k]!;
    const slot = col === iP(t, j) ? 0 : col === iQ(t, j) ? 1 : col === iL(t, j) ? 2 : 3;
    curPos[(t * B + (j - 1)) * 4 + slot] = k;
  }

  // Hessian (lower triangle): objective P0² and b²; per current row: P², Q², −ℓ·v_i.
  const hr: number[] = [];
  const hc: number[] = [];
  const hpush = (a: number, b: number) => {
    hr.push(Math.max(a, b));
    hc.push(Math.min(a, b));
    return hr.length - 1;
  };
  const hP0 = new Int32Array(T);
  const hB = new Int32Array(T * nb);
  const hCur = new Int32Array(T * B * 3).fill(-1);
  for (let t = 0; t < T; t++) {
    hP0[t] = hpush(iP0(t), iP0(t));
    for (let k = 0; k < nb; k++) hB[t * nb + k] = hpush(iB(t, k), iB(t, k));
    for (let j = 1; j < N; j++) {
      const base = (t * B + (j - 1)) * 3;
      hCur[base] = hpush(iP(t, j), iP(t, j));
      hCur[base + 1] = hpush(iQ(t, j), iQ(t, j));
      if (parent[j]! > 0) hCur[base + 2] = hpush(iL(t, j), iV(t, parent[j]!));
    }
  }
  const hessRows = Int32Array.from(hr);
  const hessCols = Int32Array.from(hc);

  const parentV = (xv: Float64Array, t: number, j: number) => (parent[j] === 0 ? v0 : xv[iV(t, parent[j]!)]!);

  return {
    n,
    m,
    xL,
    xU,
    gL,
    gU,
    jacRows,
    jacCols,
    hessRows,
    hessCols,
    x0,
    evalF(xv) {
      let f = 0;
      for (let t = 0; t < T; t++) {
        const p0 = xv[iP0(t)]!;
        f += price[t]! * p0 + c2 * p0 * p0;
        for (let k = 0; k < nb; k++) f += alpha * xv[iB(t, k)]! ** 2;
      }
      return f;
    },
    evalGradF(xv, grad) {
      grad.fill(0);
      for (let t = 0; t < T; t++) {
        grad[iP0(t)] = price[t]! + 2 * c2 * xv[iP0(t)]!;
        for (let k = 0; k < nb; k++) grad[iB(t, k)] = 2 * alpha * xv[iB(t, k)]!;
      }
    },
    evalG(xv, g) {
      for (let t = 0; t < T; t++) {
        let sp = 0;
        let sq = 0;
        for (let q = childStart[0]!; q < childStart[1]!; q++) {
          sp += xv[iP(t, children[q]!)]!;
          sq += xv[iQ(t, children[q]!)]!;
        }
        g[cRootP(t)] = xv[iP0(t)]! - sp;
        g[cRootQ(t)] = xv[iQ0(t)]! - sq;
        for (let j = 1; j < N; j++) {
          const pj = xv[iP(t, j)]!;
          const qj = xv[iQ(t, j)]!;
          const lj = xv[iL(t, j)]!;
          let cp = 0;
          let cq = 0;
          for (let q = childStart[j]!; q < childStart[j + 1]!; q++) {
            cp += xv[iP(t, children[q]!)]!;
            cq += xv[iQ(t, children[q]!)]!;
          }
          const bj = batAt[j]! >= 0 ? xv[iB(t, batAt[j]!)]! : 0;
          g[cBalP(t, j)] = pj - r[j]! * lj - cp - bj;
          g[cBalQ(t, j)] = qj - x[j]! * lj - cq;
          const vParent = parent[j] === 0 ? 0 : xv[iV(t, parent[j]!)]!;
          g[cVolt(t, j)] =
            xv[iV(t, j)]! - vParent + 2 * (r[j]! * pj + x[j]! * qj) - (r[j]! ** 2 + x[j]! ** 2) * lj;
          g[cCurr(t, j)] = pj * pj + qj * qj - lj * parentV(xv, t, j);
        }
        for (let k = 0; k < nb; k++)
          g[cSoc(t, k)] = xv[iS(t, k)]! - (t > 0 ? xv[iS(t - 1, k)]! : 0) - dt * xv[iB(t, k)]!;
      }
    },
    evalJac(xv, values) {
      values.set(jacConst);
      for (let t = 0; t < T; t++)
        for (let j = 1; j < N; j++) {
          const base = (t * B + (j - 1)) * 4;
          values[curPos[base]!] = 2 * xv[iP(t, j)]!;
          values[curPos[base + 1]!] = 2 * xv[iQ(t, j)]!;
          values[curPos[base + 2]!] = -parentV(xv, t, j);
          if (curPos[base + 3]! >= 0) values[curPos[base + 3]!] = -xv[iL(t, j)]!;
        }
    },
    evalHess(_xv, objFactor, lambda, values) {
      for (let t = 0; t < T; t++) {
        values[hP0[t]!] = objFactor * 2 * c2;
        for (let k = 0; k < nb; k++) values[hB[t * nb + k]!] = objFactor * 2 * alpha;
        for (let j = 1; j < N; j++) {
          const base = (t * B + (j - 1)) * 3;
          const lam = lambda[cCurr(t, j)]!;
          values[hCur[base]!] = 2 * lam;
          values[hCur[base + 1]!] = 2 * lam;
          if (hCur[base + 2]! >= 0) values[hCur[base + 2]!] = -lam;
        }
      }
    },
    varName(i) {
      const t = Math.floor(i / perT);
      const o = i - t * perT;
      if (o === 0) return `P0[t=${t}]`;
      if (o === 1) return `Q0[t=${t}]`;
      const names = ["P", "Q", "l", "v"];
      if (o < 2 + 4 * B) return `${names[Math.floor((o - 2) / B)]}[bus ${((o - 2) % B) + 1}, t=${t}]`;
      const k = o - 2 - 4 * B;
      return k < nb ? `b[bus ${bat[k]}, t=${t}]` : `soc[bus ${bat[k - nb]}, t=${t}]`;
    },
  };
}

/** Module reference for building the problem inside pool workers. */
export const syntheticDistFlowRef = new URL(import.meta.url).href;
