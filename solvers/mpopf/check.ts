/**
 * A check of a solution's own physics, recomputed from the scenario and the network (not from the NLP's
 * constraint callbacks): the largest residual of every constraint family, bound violations, and the
 * largest simultaneous charge and discharge. Reported with every solve.
 */
import {
  busChargingPu,
  demandFactor,
  idlingPu,
  loadBandOf,
  loadCoefficients,
  loadPieceAt,
} from "../../models/fidelity.ts";
import { branchBaseA } from "../../models/topology.ts";
import type { ConstraintFamily, MpopfModel } from "./model.ts";

/** Largest residuals and violations of a solution (per unit unless the name says otherwise). */
export interface SelfCheck {
  /** Largest |residual| per family: balances in pu, KVL and l·v − P² − Q² in pu², SOC in pu·h. */
  residuals: Record<ConstraintFamily, number>;
  /** Largest of `residuals`. */
  maxResidualPu: number;
  /** Largest bound violations: |V| band (pu of magnitude), SOC band (pu·h), P_c / P_d limits (pu), reactive limits
   * (pu), line current limits on l (pu²), head power (peak cap / no back-feed, pu). */
  violations: {
    voltageBandPu: number;
    socBandPu: number;
    chargeDischargePu: number;
    reactivePu: number;
    lineLimitPu: number;
    headPowerPu: number;
    currentNonNegativePu: number;
    /** Lower bound of boundary-port real power (ADMM/APP areas), pu. */
    portPu: number;
  };
  /** Largest violation of any bound. */
  maxViolationPu: number;
  /** Largest min(P_c, P_d) over batteries and periods (kW): simultaneous charge and discharge. */
  maxSimultaneousKw: number;
  /**
   * SOC relaxation only: its tightness, the largest τ²·l·v − P² − Q² over branches and periods (pu²); 0 means
   * the relaxation is exact at this point. Null for the exact formulation.
   */
  relaxationGapPu: number | null;
  /** Where the largest gap is: branch id and period (1-based); null for the exact formulation. */
  relaxationGapAt: { branch: string; t: number } | null;
  /** Tolerance used for `ok` (pu). */
  tolerancePu: number;
  /** True when every residual and violation is within the tolerance. */
  ok: boolean;
}

const over = (v: number, lo: number, hi: number) => Math.max(0, lo - v, v - hi);

/** Recompute every constraint family's residual at x from the scenario data. */
export function selfCheck(model: MpopfModel, x: Float64Array, tolerancePu = 1e-6): SelfCheck {
  const { input, layout: L } = model;
  const sc = input.scenario;
  const net = sc.network;
  const S = net.sBaseKva;
  const T = sc.T;
  const head = net.substation;
  const o = sc.options;
  const at = (t: number, off: number, k: number) => x[t * L.perT + off + k];
  const res: Record<ConstraintFamily, number> = {
    realBalance: 0,
    reactiveBalance: 0,
    kvl: 0,
    branchFlow: 0,
    headVoltage: 0,
    socDynamics: 0,
    terminal: 0,
    headPower: 0,
    batteryApparent: 0,
  };
  const viol = {
    voltageBandPu: 0,
    socBandPu: 0,
    chargeDischargePu: 0,
    reactivePu: 0,
    lineLimitPu: 0,
    headPowerPu: 0,
    currentNonNegativePu: 0,
    portPu: 0,
  };
  const bump = (key: ConstraintFamily, v: number) => {
    const a = Math.abs(v);
    if (!(a <= res[key])) res[key] = Number.isNaN(a) ? Infinity : a;
  };
  const vio = (key: keyof typeof viol, v: number) => {
    if (!(v <= viol[key])) viol[key] = Number.isNaN(v) ? Infinity : v;
  };

  // Extra injections per bus and period (ENApp equivalents), and device lists per bus.
  const nBus = net.buses.length;
  const form = o.formulation;
  const extraP = new Float64Array(T * nBus);
  const extraQ = new Float64Array(T * nBus);
  for (const ld of input.extraLoads ?? []) {
    for (let t = 0; t < T; t++) {
      extraP[t * nBus + ld.bus] += ld.pPu[t];
      extraQ[t * nBus + ld.bus] += ld.qPu[t];
    }
  }
  const at_ = <U extends { bus: number }>(units: U[]) => {
    const out: number[][] = Array.from({ length: nBus }, () => []);
    units.forEach((u, d) => {
      out[u.bus].push(d);
    });
    return out;
  };
  const pvsAt = at_(sc.pvs);
  const battsAt = at_(sc.batteries);
  const loadsAt = at_(sc.loads);
  // Shunt susceptance per bus (line charging, half of each incident line) when modelled.
  const bHalf = busChargingPu(net, form.lineCharging);
  const band = loadBandOf(form.elementBands);
  // Boundary ports (ADMM/APP areas): decided draws, their share of the boundary branch's charging.
  const ports = input.ports ?? [];
  for (const pt of ports) bHalf[pt.bus] += pt.bHalfPu ?? 0;
  for (let t = 0; t < T; t++) {
    ports.forEach((pt, e) => {
      extraP[t * nBus + pt.bus] += at(t, L.offPp, e);
      extraQ[t * nBus + pt.bus] += at(t, L.offQp, e);
      vio("portPu", (pt.pMinPu ?? -Infinity) - at(t, L.offPp, e));
    });
  }
  const capAt = new Float64Array(nBus);
  for (const c of sc.capacitors) capAt[c.bus] += c.qPu;

  let maxSim = 0;
  let maxGap = 0;
  let gapAt: { branch: string; t: number } | null = null;
  for (let t = 0; t < T; t++) {
    const free = input.headVoltageFree === true;
    const vHead = free
      ? Math.sqrt(Math.max(0, at(t, L.offV, head)))
      : input.vHeadPu
        ? input.vHeadPu[t]
        : net.vSubsPu;
    // Balances at non-head buses, and the head power.
    for (let j = 0; j < nBus; j++) {
      const v = j === head ? vHead * vHead : at(t, L.offV, j);
      const sv = Math.sqrt(Math.max(v, 0));
      let pNet = extraP[t * nBus + j];
      let qNet = extraQ[t * nBus + j];
      // Loads as OpenDSS models them at this voltage (the piece of the band follows from v itself).
      const piece = loadPieceAt(band, sv);
      for (const e of loadsAt[j]) {
        const ld = sc.loads[e];
        const k = loadCoefficients(ld.model, form.loads === "case", band, piece);
        pNet += ld.pRatedPu * ld.mult[t] * demandFactor(k.p, sv);
        qNet += ld.qRatedPu * ld.mult[t] * demandFactor(k.q, sv);
      }
      qNet -= capAt[j] * (form.capacitors === "voltage" ? v : 1) + bHalf[j] * v;
      for (const d of pvsAt[j]) {
        pNet -= sc.pvs[d].pAvailPu[t];
        qNet -= at(t, L.offQd, d);
      }
      for (const k of battsAt[j]) {
        pNet -= at(t, L.offPd, k) - at(t, L.offPc, k);
        qNet -= at(t, L.offQb, k);
      }
      let pOut = 0;
      let qOut = 0;
      for (const c of net.childBranches[j]) {
        pOut += at(t, L.offP, c);
        qOut += at(t, L.offQ, c);
      }
      if (j === head) {
        const pSubs = pOut + pNet;
        const lo = o.noBackfeed ? 0 : -Infinity;
        const hi = o.peakCapKw !== null ? o.peakCapKw / S : Infinity;
        vio("headPowerPu", over(pSubs, lo, hi));
        continue;
      }
      const k = net.parentBranch[j];
      const br = net.branches[k];
      const l = at(t, L.offL, k);
      bump("realBalance", at(t, L.offP, k) - br.rPu * l - pOut - pNet);
      bump("reactiveBalance", at(t, L.offQ, k) - br.xPu * l - qOut - qNet);
    }
    // KVL and the branch-flow equation (or, relaxed, inequality), current bounds.
    net.branches.forEach((br, k) => {
      const P = at(t, L.offP, k);
      const Q = at(t, L.offQ, k);
      const l = at(t, L.offL, k);
      const tau2 = br.tap * br.tap;
      const vi = at(t, L.offV, br.from);
      const vj = at(t, L.offV, br.to);
      bump("kvl", vj - tau2 * vi + 2 * (br.rPu * P + br.xPu * Q) - (br.rPu ** 2 + br.xPu ** 2) * l);
      const gap = tau2 * l * vi - P * P - Q * Q;
      if (form.physics === "soc") {
        bump("branchFlow", Math.min(gap, 0));
        if (gap > maxGap || gapAt === null) {
          maxGap = Math.max(maxGap, gap);
          gapAt = { branch: br.id, t: t + 1 };
        }
      } else bump("branchFlow", gap);
      vio("currentNonNegativePu", -l);
      if (o.lineLimits && br.iMaxA !== undefined)
        vio("lineLimitPu", l - (br.iMaxA / branchBaseA(net, k)) ** 2);
    });
    // Voltages.
    if (free) vio("voltageBandPu", over(vHead, o.vMinPu, o.vMaxPu));
    else bump("headVoltage", at(t, L.offV, head) - vHead * vHead);
    // The band, and with element bands the device bands and the load piece's range (pu of magnitude).
    for (let j = 0; j < nBus; j++) {
      if (j === head) continue;
      const sv = Math.sqrt(Math.max(at(t, L.offV, j), 0));
      const i = t * nBus + j;
      vio("voltageBandPu", over(sv, Math.sqrt(model.params.vLoSq[i]), Math.sqrt(model.params.vHiSq[i])));
    }
    // PV reactive limits.
    sc.pvs.forEach((pv, d) => {
      const sPu = pv.sRatedPu;
      const pPu = o.limits === "available" ? pv.pAvailPu[t] : pv.pRatedPu;
      const qMax = Math.sqrt(Math.max(0, sPu * sPu - pPu * pPu));
      vio("reactivePu", Math.abs(at(t, L.offQd, d)) - qMax);
    });
    // Batteries.
    sc.batteries.forEach((b, k) => {
      const pMax = b.pRatedPu;
      const sMax = b.sRatedPu;
      const pc = at(t, L.offPc, k);
      const pd = at(t, L.offPd, k);
      const qb = at(t, L.offQb, k);
      const B = at(t, L.offB, k);
      const Bprev = t === 0 ? b.b0PuH : at(t - 1, L.offB, k);
      // Idling losses from the store: η_c·P_idle while charging, P_idle/η_d while discharging (OpenDSS).
      const idle = idlingPu(b.pRatedPu, form.idlingPct);
      const drain =
        model.params.battModes[t * sc.batteries.length + k] < 0 ? b.etaCharge : 1 / b.etaDischarge;
      bump("socDynamics", B - Bprev - sc.dtH * (b.etaCharge * pc - pd / b.etaDischarge - idle * drain));
      vio("chargeDischargePu", Math.max(over(pc, 0, pMax), over(pd, 0, pMax)));
      vio("socBandPu", over(B, b.socMin * b.eRatedPuH, b.socMax * b.eRatedPuH));
      if (o.limits === "available") {
        vio("reactivePu", Math.abs(qb) - sMax);
        res.batteryApparent = Math.max(res.batteryApparent, Math.sqrt((pd - pc) ** 2 + qb * qb) - sMax);
      } else {
        vio("reactivePu", Math.abs(qb) - Math.sqrt(Math.max(0, sMax * sMax - pMax * pMax)));
      }
      maxSim = Math.max(maxSim, Math.min(pc, pd) * S);
      if (t === T - 1 && o.terminal === "hard") bump("terminal", B - b.b0PuH);
    });
  }
  res.headPower = viol.headPowerPu;
  const maxResidualPu = Math.max(...Object.values(res));
  const maxViolationPu = Math.max(...Object.values(viol));
  return {
    residuals: res,
    maxResidualPu,
    violations: viol,
    maxViolationPu,
    maxSimultaneousKw: maxSim,
    relaxationGapPu: form.physics === "soc" ? maxGap : null,
    relaxationGapAt: form.physics === "soc" ? gapAt : null,
    tolerancePu,
    ok: maxResidualPu <= tolerancePu && maxViolationPu <= tolerancePu,
  };
}
