/**
 * The replay's prediction from first principles: an exact power flow of the branch-flow equations (radial, so
 * the backward/forward sweep of the optimizer's own model is exact) with the physics a deck writes
 * (`DeckPhysics`: line charging, capacitor model, element bands, kVA limits, idling losses, the Storage energy
 * accounting), at the optimizer's set-points. It is independent of the OpenDSS engine and of the optimizer's
 * solution (only the set-points are used).
 *
 * `predictDifferences` runs it twice — with a deck's physics and with the optimizer's (`optimizerPhysics`) — and
 * returns the difference: the discrepancy the modelling differences alone cause, the replay's expected
 * "power flow − optimizer" apart from the optimizer's own feasibility tolerance. The thresholds
 * (thresholds.ts) measure every discrepancy from it, so a deck that models more than the optimizer does has
 * limits of its own case, not constants; the attribution (attribution.ts) shows it beside each measured share.
 *
 * What is modelled, per element (OpenDSS's rules, models/fidelity.ts):
 * - loads: the formulation's model (as the deck writes it) with OpenDSS's piecewise band (Vlowpu 0.5);
 * - line charging B/2·v at both ends (b from the physics' line-charging choice at the deck's frequency);
 * - capacitors: Q_C·v (Capacitor) or a constant-kvar Generator (1e-6 kW, constant impedance outside its band);
 * - PVSystem / Storage: the set-point limited to kWrated and to the kVA (reactive power first: kvar to kVA, then
 *   P to √(kVA² − Q²)); outside the element's band a constant impedance (injection × v/V_edge²); Storage states
 *   from the set-point's sign and the stored energy (idling at the reserve / when full / at 0 kW, drawing
 *   %IdlingkW from the grid), energy integrated at the end of each period from the terminal power, with the
 *   idling losses.
 */

import {
  branchSusceptancePu,
  demandFactor,
  idlingPu,
  type LoadBand,
  loadCoefficients,
  loadPieceAt,
  OPENDSS_LOAD_VLOW_PU,
} from "../../models/fidelity.ts";
import type { Network, Scenario } from "../../models/types.ts";
import { batteryRatings, pvRatings } from "../../models/units.ts";
import { emptyReplaySeries, type ReplaySeries } from "./compare.ts";
import { unlimitedKva } from "./deck.ts";
import type { DeckPhysics, Dispatch } from "./types.ts";

/** Generator kW of a constant-kvar capacitor generator (EPRI's OpenDSS rejects kW = 0). */
export const CAPACITOR_GENERATOR_KW = 1e-6;

/** A predicted power flow: the replay's series (kW, kVAr, kWh, pu) and whether each period's sweep converged. */
export interface PredictedFlow extends ReplaySeries {
  converged: boolean[];
}

const deviceScale = (vMag: number, band: readonly [number, number]) =>
  vMag <= band[0]
    ? (vMag * vMag) / (band[0] * band[0])
    : vMag > band[1]
      ? (vMag * vMag) / (band[1] * band[1])
      : 1;

/** The kVA limit with reactive priority (OpenDSS's default): kvar to ±kVA, then P to √(kVA² − Q²). */
function limitKva(p: number, q: number, kva: number): [number, number] {
  const qq = Math.max(-kva, Math.min(kva, q));
  if (p * p + qq * qq <= kva * kva) return [p, qq];
  return [Math.sign(p) * Math.sqrt(Math.max(0, kva * kva - qq * qq)), qq];
}

/**
 * An exact branch-flow power flow of every period at the dispatch's set-points with a deck's physics
 * (see the module comment). `frequencyHz` sets OpenDSS's default line capacitance.
 */
export function predictPowerFlow(
  net: Network,
  sc: Scenario,
  dp: Dispatch,
  ph: DeckPhysics,
  frequencyHz = 60,
): PredictedFlow {
  const T = sc.T;
  const S = net.sBaseKva;
  const nBus = net.buses.length;
  const nBr = net.branches.length;
  const nPv = sc.pvs.length;
  const nB = sc.batteries.length;
  const head = net.substation;
  const voltageLoads = sc.options.formulation.loads === "case";
  const band: LoadBand = { vMinPu: ph.loadBand[0], vMaxPu: ph.loadBand[1], vLowPu: OPENDSS_LOAD_VLOW_PU };
  const bShunt = new Float64Array(nBus);
  net.branches.forEach((br, k) => {
    const b = branchSusceptancePu(net, k, ph.lineCharging, frequencyHz);
    bShunt[br.from] += b / 2;
    bShunt[br.to] += b / 2;
  });
  const r = Float64Array.from(net.branches, (b) => b.rPu);
  const x = Float64Array.from(net.branches, (b) => b.xPu);
  const tau2 = Float64Array.from(net.branches, (b) => b.tap * b.tap);
  const pvKva = sc.pvs.map((u, d) => {
    const rated = pvRatings(sc, u).kva;
    if (ph.kva === "rated") return rated;
    let m = 0;
    for (let t = 0; t < T; t++) m = Math.max(m, Math.hypot(dp.pvPKw[t * nPv + d]!, dp.pvQKvar[t * nPv + d]!));
    return unlimitedKva(rated, m);
  });
  const bRate = sc.batteries.map((u, k) => {
    const rb = batteryRatings(sc, u);
    let kva = rb.kva;
    if (ph.kva === "unlimited") {
      let m = 0;
      for (let t = 0; t < T; t++)
        m = Math.max(m, Math.hypot(dp.battPNetKw[t * nB + k]!, dp.battQKvar[t * nB + k]!));
      kva = unlimitedKva(rb.kva, m);
    }
    return {
      ...rb,
      reserveKwh: u.socMin * rb.kwh,
      etaCharge: u.etaCharge,
      etaDischarge: u.etaDischarge,
      kvaLimit: kva,
      idleKw: idlingPu(u.pRatedPu, ph.idlingPct) * S,
    };
  });
  const energy = bRate.map((b) => b.b0Kwh);

  const out: PredictedFlow = { converged: [], ...emptyReplaySeries() };
  const v = new Float64Array(nBus);
  const P = new Float64Array(nBr);
  const Q = new Float64Array(nBr);
  const l = new Float64Array(nBr);
  const pInj = new Float64Array(nBus); // net demand (pu) at the current voltages
  const qInj = new Float64Array(nBus);
  for (let t = 0; t < T; t++) {
    // Device outputs before the voltage-dependent band scaling (kW, kvar), and the Storage states.
    const pvP = new Float64Array(nPv);
    const pvQ = new Float64Array(nPv);
    sc.pvs.forEach((_u, d) => {
      const [p, q] = limitKva(dp.pvPKw[t * nPv + d]!, dp.pvQKvar[t * nPv + d]!, pvKva[d]!);
      pvP[d] = p;
      pvQ[d] = q;
    });
    const bP = new Float64Array(nB);
    const bQ = new Float64Array(nB);
    const state = new Int8Array(nB);
    bRate.forEach((b, k) => {
      const set = dp.battPNetKw[t * nB + k]!;
      const st = set > 0 ? (energy[k]! > b.reserveKwh ? 1 : 0) : set < 0 ? (energy[k]! < b.kwh ? -1 : 0) : 0;
      state[k] = st;
      const q0 = dp.battQKvar[t * nB + k]!;
      if (st === 0) {
        // Idling: draws its idling loss; keeps its P within the kVA, kvar as asked within kvarMax.
        const qq = Math.max(-b.kvaLimit, Math.min(b.kvaLimit, q0));
        const p = -b.idleKw;
        bP[k] = p;
        bQ[k] =
          p * p + qq * qq > b.kvaLimit ** 2
            ? Math.sign(qq) * Math.sqrt(Math.max(0, b.kvaLimit ** 2 - p * p))
            : qq;
      } else {
        const p = Math.max(-b.kw, Math.min(b.kw, set));
        [bP[k], bQ[k]] = limitKva(p, q0, b.kvaLimit);
      }
    });
    const vHeadSq = net.vSubsPu * net.vSubsPu;
    const injections = (withV: Float64Array) => {
      pInj.fill(0);
      qInj.fill(0);
      for (const ld of sc.loads) {
        const vm = Math.sqrt(withV[ld.bus]!);
        const k = loadCoefficients(ld.model, voltageLoads, band, loadPieceAt(band, vm));
        pInj[ld.bus] += ld.pRatedPu * ld.mult[t]! * demandFactor(k.p, vm);
        qInj[ld.bus] += ld.qRatedPu * ld.mult[t]! * demandFactor(k.q, vm);
      }
      for (const c of sc.capacitors) {
        const vv = withV[c.bus]!;
        if (ph.capacitorModel === "capacitor") qInj[c.bus] -= c.qPu * vv;
        else {
          const s = deviceScale(Math.sqrt(vv), ph.generatorBand);
          qInj[c.bus] -= c.qPu * s;
          pInj[c.bus] -= (CAPACITOR_GENERATOR_KW / S) * s;
        }
      }
      for (let j = 0; j < nBus; j++) qInj[j] -= bShunt[j]! * withV[j]!;
      sc.pvs.forEach((u, d) => {
        const s = deviceScale(Math.sqrt(withV[u.bus]!), ph.pvBand);
        pInj[u.bus] -= (pvP[d]! / S) * s;
        qInj[u.bus] -= (pvQ[d]! / S) * s;
      });
      sc.batteries.forEach((u, k) => {
        const s = deviceScale(Math.sqrt(withV[u.bus]!), ph.storageBand);
        pInj[u.bus] -= (bP[k]! / S) * s;
        qInj[u.bus] -= (bQ[k]! / S) * s;
      });
    };
    v.fill(vHeadSq);
    l.fill(0);
    let converged = false;
    for (let it = 0; it < 100 && !converged; it++) {
      injections(v);
      for (let q = nBus - 1; q >= 1; q--) {
        const j = net.order[q]!;
        const k = net.parentBranch[j]!;
        let pk = pInj[j]!;
        let qk = qInj[j]!;
        for (const c of net.childBranches[j]!) {
          pk += P[c]!;
          qk += Q[c]!;
        }
        const vi = tau2[k]! * v[net.parent[j]!]!;
        let lk = l[k]!;
        for (let s = 0; s < 4; s++) lk = ((pk + r[k]! * lk) ** 2 + (qk + x[k]! * lk) ** 2) / vi;
        l[k] = lk;
        P[k] = pk + r[k]! * lk;
        Q[k] = qk + x[k]! * lk;
      }
      let change = 0;
      for (let q = 1; q < nBus; q++) {
        const j = net.order[q]!;
        const k = net.parentBranch[j]!;
        const vj =
          tau2[k]! * v[net.parent[j]!]! -
          2 * (r[k]! * P[k]! + x[k]! * Q[k]!) +
          (r[k]! ** 2 + x[k]! ** 2) * l[k]!;
        change = Math.max(change, Math.abs(vj - v[j]!));
        v[j] = vj;
      }
      converged = change < 1e-14 && it > 0;
    }
    injections(v);
    let pSubs = pInj[head]!;
    let qSubs = qInj[head]!;
    for (const c of net.childBranches[head]!) {
      pSubs += P[c]!;
      qSubs += Q[c]!;
    }
    let loss = 0;
    for (let k = 0; k < nBr; k++) loss += r[k]! * l[k]!;
    let loadP = 0;
    let loadQ = 0;
    for (const ld of sc.loads) {
      const vm = Math.sqrt(v[ld.bus]!);
      const k = loadCoefficients(ld.model, voltageLoads, band, loadPieceAt(band, vm));
      loadP += ld.pRatedPu * ld.mult[t]! * demandFactor(k.p, vm) * S;
      loadQ += ld.qRatedPu * ld.mult[t]! * demandFactor(k.q, vm) * S;
    }
    let capQ = 0;
    for (const c of sc.capacitors) {
      const vv = v[c.bus]!;
      capQ +=
        c.qPu * S * (ph.capacitorModel === "capacitor" ? vv : deviceScale(Math.sqrt(vv), ph.generatorBand));
    }
    out.converged.push(converged);
    out.pSubsKw.push(pSubs * S);
    out.qSubsKvar.push(qSubs * S);
    out.lossKw.push(loss * S);
    out.costUsd.push(dp.priceUsdPerKwh[t]! * pSubs * S * sc.dtH);
    out.loadKw.push(loadP);
    out.loadKvar.push(loadQ);
    out.capQKvar.push(capQ);
    out.vPu.push(Array.from(v, (vv) => Math.sqrt(Math.max(vv, 0))));
    out.pvPKw.push(sc.pvs.map((u, d) => pvP[d]! * deviceScale(Math.sqrt(v[u.bus]!), ph.pvBand)));
    out.pvQKvar.push(sc.pvs.map((u, d) => pvQ[d]! * deviceScale(Math.sqrt(v[u.bus]!), ph.pvBand)));
    out.battPKw.push(sc.batteries.map((u, k) => bP[k]! * deviceScale(Math.sqrt(v[u.bus]!), ph.storageBand)));
    out.battQKvar.push(
      sc.batteries.map((u, k) => bQ[k]! * deviceScale(Math.sqrt(v[u.bus]!), ph.storageBand)),
    );
    // Storage energy at the end of the period (OpenDSS's accounting, from the terminal power of the solution:
    // outside its band a unit's power is scaled with v, and so is what it stores).
    bRate.forEach((b, k) => {
      const p = bP[k]! * deviceScale(Math.sqrt(v[sc.batteries[k]!.bus]!), ph.storageBand);
      const I = b.idleKw;
      if (state[k] === 1) {
        energy[k] = Math.max(b.reserveKwh, energy[k]! - ((p + I) / b.etaDischarge) * sc.dtH);
      } else if (state[k] === -1) {
        const dc = Math.abs(p) - I;
        energy[k] =
          dc >= 0
            ? Math.min(b.kwh, energy[k]! + dc * b.etaCharge * sc.dtH)
            : Math.max(b.reserveKwh, energy[k]! + (dc / b.etaDischarge) * sc.dtH);
      }
    });
    out.battSocKwh.push([...energy]);
  }
  return out;
}

/** `a − b`, entry by entry, for every series of the replay (NaN where either side did not converge). */
function difference(a: PredictedFlow, b: PredictedFlow): ReplaySeries {
  const ok = (t: number) => a.converged[t]! && b.converged[t]!;
  const hour = (xa: number[], xb: number[]) => xa.map((v, t) => (ok(t) ? v - xb[t]! : Number.NaN));
  const elem = (xa: number[][], xb: number[][]) =>
    xa.map((row, t) => row.map((v, i) => (ok(t) ? v - xb[t]![i]! : Number.NaN)));
  return {
    pSubsKw: hour(a.pSubsKw, b.pSubsKw),
    qSubsKvar: hour(a.qSubsKvar, b.qSubsKvar),
    lossKw: hour(a.lossKw, b.lossKw),
    costUsd: hour(a.costUsd, b.costUsd),
    loadKw: hour(a.loadKw, b.loadKw),
    loadKvar: hour(a.loadKvar, b.loadKvar),
    capQKvar: hour(a.capQKvar, b.capQKvar),
    vPu: elem(a.vPu, b.vPu),
    pvPKw: elem(a.pvPKw, b.pvPKw),
    pvQKvar: elem(a.pvQKvar, b.pvQKvar),
    battPKw: elem(a.battPKw, b.battPKw),
    battQKvar: elem(a.battQKvar, b.battQKvar),
    battSocKwh: elem(a.battSocKwh, b.battSocKwh),
  };
}

/**
 * The discrepancy the modelling differences alone cause (power flow − optimizer): the predicted power flow with
 * the deck's physics minus the one with the optimizer's physics, at the same set-points.
 */
export function predictDifferences(
  net: Network,
  sc: Scenario,
  dp: Dispatch,
  deck: DeckPhysics,
  optimizer: DeckPhysics,
  frequencyHz = 60,
): ReplaySeries {
  return difference(
    predictPowerFlow(net, sc, dp, deck, frequencyHz),
    predictPowerFlow(net, sc, dp, optimizer, frequencyHz),
  );
}

/** Whether two physics are the same choice for choice. */
export function samePhysics(a: DeckPhysics, b: DeckPhysics): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
