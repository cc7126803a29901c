/**
 * Starting points of the MPOPF: the authors' coded point (P = Q = l = 0, v = 1, q = 0, B = B0,
 * P_c = P_d = 0) and a power-flow point (an exact branch-flow solution of every period with the
 * batteries idle and zero DER reactive output), which is feasible for all equality constraints
 * except the terminal condition's neighbours and typically saves many interior-point iterations.
 */

import type { Network } from "../../models/types.ts";
import type { MpopfLayout } from "./layout.ts";
import type { MpopfParams } from "./params.ts";

/** Which starting point to use. */
export type InitialPointKind = "coded" | "power-flow";

/** The coded starting point. */
export function codedInitialPoint(L: MpopfLayout, p: MpopfParams): Float64Array {
  const x0 = new Float64Array(L.n);
  for (let t = 0; t < L.T; t++) {
    const base = t * L.perT;
    for (let j = 0; j < L.nBus; j++) x0[base + L.offV + j] = 1;
    for (let k = 0; k < L.nBatt; k++) x0[base + L.offB + k] = p.battB0[k];
  }
  return x0;
}

/**
 * Power-flow starting point: per period, a backward/forward sweep of the exact branch flow model
 * (l v_i = P² + Q²) with the head voltage fixed, PV real output as forecast, batteries idle, zero DER
 * reactive output. Falls back to the coded values of a period whose sweep does not converge.
 */
export function powerFlowInitialPoint(L: MpopfLayout, p: MpopfParams, net: Network): Float64Array {
  const x0 = codedInitialPoint(L, p);
  const nBus = L.nBus;
  const nBr = L.nBr;
  const pNet = new Float64Array(nBus);
  const qNet = new Float64Array(nBus);
  const v = new Float64Array(nBus);
  const P = new Float64Array(nBr);
  const Q = new Float64Array(nBr);
  const l = new Float64Array(nBr);
  const order = net.order;
  for (let t = 0; t < L.T; t++) {
    // Demand at 1 pu voltage (voltage-dependent parts included), capacitors and charging at 1 pu.
    for (let j = 0; j < nBus; j++) {
      const i = t * nBus + j;
      pNet[j] = p.pConst[i] + p.pZ[i] + p.pI[i];
      qNet[j] = p.qConst[i] + p.qZ[i] + p.qI[i] - p.qCapConst[j] - p.qShuntV[j];
    }
    for (let d = 0; d < L.nPv; d++) pNet[p.pvBus[d]] -= p.pPv[t * L.nPv + d];
    v.fill(p.vHeadSq[t]);
    l.fill(0);
    let converged = false;
    for (let it = 0; it < 50 && !converged; it++) {
      // Backward: flows from the leaves up, l from the current sending-end voltage.
      for (let q = nBus - 1; q >= 1; q--) {
        const j = order[q];
        const k = net.parentBranch[j];
        let pk = pNet[j];
        let qk = qNet[j];
        for (const c of net.childBranches[j]) {
          pk += P[c];
          qk += Q[c];
        }
        const vi = p.tapSq[k] * v[net.parent[j]];
        const r = p.r[k];
        const x = p.x[k];
        let lk = l[k];
        for (let s = 0; s < 3; s++) lk = ((pk + r * lk) ** 2 + (qk + x * lk) ** 2) / vi;
        l[k] = lk;
        P[k] = pk + r * lk;
        Q[k] = qk + x * lk;
      }
      // Forward: voltages from the head down.
      let change = 0;
      for (let q = 1; q < nBus; q++) {
        const j = order[q];
        const k = net.parentBranch[j];
        const vj =
          p.tapSq[k] * v[net.parent[j]] -
          2 * (p.r[k] * P[k] + p.x[k] * Q[k]) +
          (p.r[k] ** 2 + p.x[k] ** 2) * l[k];
        change = Math.max(change, Math.abs(vj - v[j]));
        v[j] = vj;
      }
      converged = change < 1e-12;
    }
    let ok = converged;
    for (let j = 0; j < nBus && ok; j++) ok = v[j] > 0 && Number.isFinite(v[j]);
    if (!ok) continue;
    const base = t * L.perT;
    for (let k = 0; k < nBr; k++) {
      x0[base + L.offP + k] = P[k];
      x0[base + L.offQ + k] = Q[k];
      x0[base + L.offL + k] = l[k];
    }
    for (let j = 0; j < nBus; j++) x0[base + L.offV + j] = v[j];
  }
  return x0;
}
