/**
 * A small synthetic case for the report tests: 6 buses, T = 4, 2 PVs, 3 batteries, 2 ENApp boundaries,
 * 3 macro-iterations, and a replay with known discrepancies. The numbers are hand-picked fixture data
 * (not physics) so the expected table cells can be worked out by hand in the tests.
 */

import { table } from "arquero";
import { RunDirWriter } from "../../harness/run-dir.ts";
import type { ReportInput, ResultSet } from "../../reports/contract.ts";
import { runDirFiles } from "../../reports/run-files.ts";

export const T = 4;
export const BUSES = ["1", "2", "3", "4", "5", "6"];
const HOURS = [10, 11, 12, 13];
const LOAD_MULT = [0.75, 0.777, 0.787, 0.796];
const PV_MULT = [0.5, 0.8, 0.9, 1.0];
const PRICE = [0.0482, 0.0482, 0.3018, 0.3018];

interface Periods {
  pSubsKw: number[];
  qSubsKvar: number[];
  lossKw: number[];
  costUsd: number[];
}

function periods(p: Periods, withInputs: boolean) {
  const cols: Record<string, number[]> = {
    t: [1, 2, 3, 4],
    ...(withInputs ? { hour: HOURS, loadMult: LOAD_MULT, pvMult: PV_MULT, priceUsdPerKwh: PRICE } : {}),
    pSubsKw: p.pSubsKw,
    qSubsKvar: p.qSubsKvar,
    lossKw: p.lossKw,
    costUsd: p.costUsd,
    loadKw: [120, 124.5, 126, 127.25],
    loadKvar: [60, 62, 63, 64],
  };
  return table(cols);
}

/** Per-PV rows: PV3 at bus 3 and PV5 at bus 5 (pKw = 4·pvMult and 2·pvMult; qKvar fixed per PV). */
function pv(qScale = 1) {
  const rows = {
    t: [] as number[],
    pv: [] as string[],
    bus: [] as string[],
    pKw: [] as number[],
    qKvar: [] as number[],
  };
  for (let t = 1; t <= T; t++) {
    for (const [id, bus, kw, kvar] of [
      ["PV3", "3", 4, 1.5],
      ["PV5", "5", 2, -0.5],
    ] as const) {
      rows.t.push(t);
      rows.pv.push(id);
      rows.bus.push(bus);
      rows.pKw.push(kw * PV_MULT[t - 1]!);
      rows.qKvar.push(kvar * qScale);
    }
  }
  return table(rows);
}

/** Per-battery rows: B2 charges in t = 1, 2 and discharges in 3, 4; B4 the reverse; B6 idles. */
function batteries(socShift = 0) {
  const plan: Record<string, { bus: string; pc: number[]; pd: number[]; soc: number[]; e: number }> = {
    B2: { bus: "2", pc: [3, 2, 0, 0], pd: [0, 0, 2.5, 2], soc: [12.85, 14.75, 12.12, 10.02], e: 20 },
    B4: { bus: "4", pc: [0, 0, 1, 1.5], pd: [1, 1, 0, 0], soc: [9.95, 8.9, 9.85, 11.275], e: 16 },
    B6: { bus: "6", pc: [0, 0, 0, 0], pd: [0, 0, 0, 0], soc: [6, 6, 6, 6], e: 8 },
  };
  const cols = {
    t: [] as number[],
    battery: [] as string[],
    bus: [] as string[],
    pcKw: [] as number[],
    pdKw: [] as number[],
    pNetKw: [] as number[],
    qKvar: [] as number[],
    socKwh: [] as number[],
    socPct: [] as number[],
  };
  for (let t = 1; t <= T; t++) {
    for (const [id, b] of Object.entries(plan)) {
      cols.t.push(t);
      cols.battery.push(id);
      cols.bus.push(b.bus);
      cols.pcKw.push(b.pc[t - 1]!);
      cols.pdKw.push(b.pd[t - 1]!);
      cols.pNetKw.push(b.pd[t - 1]! - b.pc[t - 1]!);
      cols.qKvar.push(0.5);
      const soc = b.soc[t - 1]! + (id === "B4" && t === 3 ? socShift : 0);
      cols.socKwh.push(soc);
      cols.socPct.push((100 * soc) / b.e);
    }
  }
  return table(cols);
}

/** Bus voltages 1.03 − 0.004·(position − 1) − 0.001·t, plus an optional perturbation per (t, bus). */
function buses(dv: (t: number, bus: string) => number = () => 0) {
  const cols = { t: [] as number[], bus: [] as string[], vPu: [] as number[] };
  for (let t = 1; t <= T; t++) {
    BUSES.forEach((b, i) => {
      cols.t.push(t);
      cols.bus.push(b);
      cols.vPu.push(1.03 - 0.004 * i - 0.001 * t + dv(t, b));
    });
  }
  return table(cols);
}

/** An optimizer result of the synthetic case: its periods (with the inputs), PV Q scaled by `pvQScale`. */
function optimizerResult(label: string, p: Periods, pvQScale = 1): ResultSet {
  return { label, periods: periods(p, true), pv: pv(pvQScale), batteries: batteries(), buses: buses() };
}

/** The MPCOPF result of the synthetic case. */
export function mpcopf(): ResultSet {
  return optimizerResult("MPCOPF", {
    pSubsKw: [100, 90, 80, 85.25],
    qSubsKvar: [20, 21, 22, 23],
    lossKw: [1.5, 1.25, 1.0, 1.125],
    costUsd: [4.82, 4.338, 24.144, 25.72845],
  });
}

/** The MPDOPF result: substation P +0.5 kW at t = 1, loss +0.0625 kW at t = 3, PV Q scaled by 1.1. */
export function mpdopf(): ResultSet {
  return optimizerResult(
    "MPDOPF",
    {
      pSubsKw: [100.5, 90, 80, 85.25],
      qSubsKvar: [20, 21, 22.5, 23],
      lossKw: [1.5, 1.25, 1.0625, 1.125],
      costUsd: [4.8441, 4.338, 24.144, 25.72845],
    },
    1.1,
  );
}

/**
 * The power-flow replay of MPDOPF: |ΔV| largest (3.2e-6 pu) at bus 4, t = 3; substation P +0.004 kW at t = 2
 * (largest), Q −0.95 kVAr every hour; loss +0.003 kW at t = 4 (largest); battery B4 SOC +0.0007 kWh at t = 3.
 */
export function replayMpdopf(): ResultSet {
  const d = mpdopf();
  return {
    label: "OpenDSS",
    periods: periods(
      {
        pSubsKw: [100.5, 90.004, 79.999, 85.25],
        qSubsKvar: [19.05, 20.05, 21.55, 22.05],
        lossKw: [1.501, 1.25, 1.0625, 1.128],
        costUsd: [4.8441, 4.3381928, 24.1436982, 25.72845],
      },
      false,
    ),
    pv: d.pv,
    batteries: batteries(0.0007),
    buses: buses((t, b) => (t === 3 && b === "4" ? 3.2e-6 : t === 1 && b === "6" ? -1.5e-6 : 1e-7)),
  };
}

/** ENApp history: 3 macro-iterations; boundary values converge (at t = 4: P 52 → 50.4 → 50.2 kW on 1→2). */
export function enapp() {
  const it = table({
    k: [1, 2, 3],
    resVPu: [0.0123, 4.5e-4, 2.1e-6],
    resPKw: [51.2, 1.6, 0.0042],
    resQKvar: [12.5, 0.75, 0.0011],
    lossKwh: [4.5, 4.9, 4.9375],
    pSubsKwh: [350, 355.5, 355.75],
    costUsd: [58.1, 59.02, 59.05455],
    seconds: [0.42, 0.31, 0.29],
  });
  const cols = {
    k: [] as number[],
    boundary: [] as string[],
    t: [] as number[],
    pKw: [] as number[],
    qKvar: [] as number[],
    vPu: [] as number[],
  };
  const conv = [1, 0.2, 0.1];
  for (let k = 1; k <= 3; k++) {
    for (const [b, p0, q0, v0] of [
      ["1→2", 50, 10, 1.02],
      ["2→3", 20, 4, 1.01],
    ] as const) {
      for (let t = 1; t <= T; t++) {
        cols.k.push(k);
        cols.boundary.push(b);
        cols.t.push(t);
        cols.pKw.push(p0 + 2 * conv[k - 1]! + 0.1 * t);
        cols.qKvar.push(q0 - conv[k - 1]! + 0.05 * t);
        cols.vPu.push(v0 - 0.001 * conv[k - 1]! - 0.0005 * t);
      }
    }
  }
  return { iterations: it, boundaries: table(cols) };
}

/** The full synthetic report input. */
export function syntheticInput(): ReportInput {
  return {
    title: "Synthetic 6-bus case, T = 4",
    meta: [
      ["Case", "synthetic-6bus"],
      ["Horizon", "4 periods of 1 h (hours 10–13)"],
    ],
    dtH: 1,
    mpcopf: mpcopf(),
    mpdopf: mpdopf(),
    replay: { mpdopf: replayMpdopf() },
    enapp: enapp(),
  };
}

/** Write the synthetic case as a run directory (the files `mpopf report` reads). */
export function writeSyntheticRunDir(dir: string, input: ReportInput = syntheticInput()): void {
  const w = new RunDirWriter(dir, { kind: "test" });
  for (const [rel, text] of runDirFiles(input)) w.write(rel, text);
  w.writeJson("manifest.json", { tool: "mpopf", case: "synthetic-6bus" });
  w.commit();
}
