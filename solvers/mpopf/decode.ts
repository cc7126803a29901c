/**
 * Decoding an MPOPF solution vector into the result tables of the one schema (models/results.ts), in
 * engineering units: kW, kVAr, kWh, A, pu (voltage magnitude), $. Periods are numbered t = 1..T.
 */
import { type HorizonTotals, horizonTotals, type ResultTables, resultTable } from "../../models/results.ts";
import { branchBaseA } from "../../models/topology.ts";
import { extractKind, type VariableKind } from "./layout.ts";
import type { MpopfModel } from "./model.ts";
import { demandAt } from "./params.ts";

/** The result tables of one solve (the one schema; the same for the centralized solve, ENApp and a replay). */
export type MpopfTables = ResultTables;

/** Per-period head (substation) quantities in per unit, decoded from x. */
export interface HeadPower {
  /** Real / reactive power entering the head bus from upstream, per period (pu). */
  pPu: Float64Array;
  qPu: Float64Array;
}

/**
 * Power entering the head bus per period (pu): Σ flows leaving the head + the head bus's own net demand
 * (+ boundary ports at the head). A free head voltage (ADMM/APP child areas) is taken from x.
 */
export function headPower(model: MpopfModel, x: Float64Array): HeadPower {
  const { layout: L, params: p } = model;
  const net = model.input.scenario.network;
  const pPu = new Float64Array(L.T);
  const qPu = new Float64Array(L.T);
  const h = p.head;
  for (let t = 0; t < L.T; t++) {
    const base = t * L.perT;
    let P = p.headConstP[t];
    let Q = p.headConstQ[t];
    if (p.headVoltageFree) {
      // Re-evaluate the head's voltage-dependent terms at the solution's head voltage.
      const v = x[base + L.offV + h];
      const d = demandAt(p, t, h, v, L.nBus);
      P = d.p;
      Q = d.q - p.qCapConst[h] - p.qShuntV[h] * v;
      for (const e of p.pvAtBus.subarray(p.pvAtBusPtr[h], p.pvAtBusPtr[h + 1])) P -= p.pPv[t * L.nPv + e];
    }
    for (const e of p.headPorts) {
      P += x[base + L.offPp + e];
      Q += x[base + L.offQp + e];
    }
    for (const k of net.childBranches[p.head]) {
      P += x[base + L.offP + k];
      Q += x[base + L.offQ + k];
    }
    for (const b of p.headBatts) {
      P += x[base + L.offPc + b] - x[base + L.offPd + b];
      Q -= x[base + L.offQb + b];
    }
    for (const d of p.headPvs) Q -= x[base + L.offQd + d];
    pPu[t] = P;
    qPu[t] = Q;
  }
  return { pPu, qPu };
}

/** Horizon totals of a solve: energies Σ_t value·Δt (kWh, kVArh), cost ($), peak import (kW). */
export type MpopfTotals = HorizonTotals;

/** Decode x into the result tables and the horizon totals. */
export function decodeMpopf(
  model: MpopfModel,
  x: Float64Array,
): { tables: MpopfTables; totals: MpopfTotals } {
  const { layout: L, params: p } = model;
  const sc = model.input.scenario;
  const net = sc.network;
  const S = net.sBaseKva;
  const T = L.T;
  const at = (t: number, off: number, k: number) => x[t * L.perT + off + k];
  const hp = headPower(model, x);

  const per = {
    t: new Int32Array(T),
    hour: new Float64Array(T),
    dtH: new Float64Array(T),
    loadMult: new Float64Array(T),
    pvMult: new Float64Array(T),
    priceUsdPerKwh: new Float64Array(T),
    pSubsKw: new Float64Array(T),
    qSubsKvar: new Float64Array(T),
    lossKw: new Float64Array(T),
    costUsd: new Float64Array(T),
    loadKw: new Float64Array(T),
    loadKvar: new Float64Array(T),
    extraLoadKw: new Float64Array(T),
    pvKw: new Float64Array(T),
    battNetKw: new Float64Array(T),
  };
  for (let t = 0; t < T; t++) {
    let loss = 0;
    for (let k = 0; k < L.nBr; k++) loss += p.r[k] * at(t, L.offL, k);
    // Own demand at the solution's voltages (extra loads are constant-power and counted separately).
    let load = 0;
    let loadQ = 0;
    for (let j = 0; j < L.nBus; j++) {
      const d = demandAt(p, t, j, j === p.head ? p.vHeadSq[t] : at(t, L.offV, j), L.nBus);
      load += d.p;
      loadQ += d.q;
    }
    let extra = 0;
    let extraQ = 0;
    for (const ld of model.input.extraLoads ?? []) {
      extra += ld.pPu[t];
      extraQ += ld.qPu[t];
    }
    load -= extra;
    loadQ -= extraQ;
    // Boundary ports (ADMM/APP areas) are decided draws of child areas: reported with the equivalents.
    for (let e = 0; e < L.nPort; e++) extra += at(t, L.offPp, e);
    let pvOut = 0;
    for (let d = 0; d < L.nPv; d++) pvOut += p.pPv[t * L.nPv + d];
    let batt = 0;
    for (let b = 0; b < L.nBatt; b++) batt += at(t, L.offPd, b) - at(t, L.offPc, b);
    const pSubsKw = hp.pPu[t] * S;
    per.t[t] = t + 1;
    per.hour[t] = (sc.startIndex + t) * sc.dtH;
    per.dtH[t] = sc.dtH;
    per.loadMult[t] = sc.loadMult[t];
    per.pvMult[t] = sc.pvMult[t];
    per.priceUsdPerKwh[t] = sc.priceUsdPerKwh[t];
    per.pSubsKw[t] = pSubsKw;
    per.qSubsKvar[t] = hp.qPu[t] * S;
    per.lossKw[t] = loss * S;
    per.costUsd[t] = sc.priceUsdPerKwh[t] * pSubsKw * sc.dtH;
    per.loadKw[t] = load * S;
    per.loadKvar[t] = loadQ * S;
    per.extraLoadKw[t] = extra * S;
    per.pvKw[t] = pvOut * S;
    per.battNetKw[t] = batt * S;
  }

  const tCol = (count: number) => Int32Array.from({ length: T * count }, (_, i) => Math.floor(i / count) + 1);
  const idCol = <E>(items: E[], f: (e: E) => string) =>
    Array.from({ length: T * items.length }, (_, i) => f(items[i % items.length]));

  // Variable values per kind, t-major like the tables' rows (index i = t · count + element).
  const kind = (k: VariableKind) => extractKind(L, x, k);
  const kw = (v: number) => v * S;
  const pvTable = resultTable("pv", {
    t: tCol(L.nPv),
    pv: idCol(sc.pvs, (u) => u.id),
    bus: idCol(sc.pvs, (u) => net.buses[u.bus].id),
    pKw: p.pPv.map(kw),
    qKvar: kind("qD").map(kw),
  });
  const nb = L.nBatt;
  const pc = kind("Pc");
  const pd = kind("Pd");
  const soc = kind("B");
  const battTable = resultTable("batteries", {
    t: tCol(nb),
    battery: idCol(sc.batteries, (u) => u.id),
    bus: idCol(sc.batteries, (u) => net.buses[u.bus].id),
    pcKw: pc.map(kw),
    pdKw: pd.map(kw),
    pNetKw: pd.map((v, i) => (v - pc[i]) * S),
    qKvar: kind("qB").map(kw),
    socKwh: soc.map(kw),
    socPct: soc.map((v, i) => (100 * v) / sc.batteries[i % nb].eRatedPuH),
  });
  const busTable = resultTable("buses", {
    t: tCol(L.nBus),
    bus: idCol(net.buses, (b) => b.id),
    vPu: kind("v").map((v) => Math.sqrt(Math.max(0, v))),
  });
  const nbr = L.nBr;
  const l = kind("l");
  const branchTable = resultTable("branches", {
    t: tCol(nbr),
    branch: idCol(net.branches, (b) => b.id),
    from: idCol(net.branches, (b) => net.buses[b.from].id),
    to: idCol(net.branches, (b) => net.buses[b.to].id),
    pKw: kind("P").map(kw),
    qKvar: kind("Q").map(kw),
    iA: l.map((v, i) => Math.sqrt(Math.max(0, v)) * branchBaseA(net, i % nbr)),
    lossKw: l.map((v, i) => p.r[i % nbr] * v * S),
  });
  // Plain arrays in the periods table (as its readers expect), typed arrays in the per-element tables.
  const periods = Object.fromEntries(Object.entries(per).map(([k, v]) => [k, Array.from(v)])) as {
    [K in keyof typeof per]: number[];
  };
  const tables: MpopfTables = {
    periods: resultTable("periods", periods),
    pv: pvTable,
    batteries: battTable,
    buses: busTable,
    branches: branchTable,
  };
  return { tables, totals: horizonTotals(tables, sc.dtH) };
}
