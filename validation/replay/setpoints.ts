/**
 * Checks of the set-points themselves against the devices, before any power flow: what OpenDSS will
 * refuse or clip is said up front, per device and hour (a deliberately wrong set-point file is
 * reported, never a crash).
 */
import type { Scenario } from "../../models/types.ts";
import { batteryRatings, pvRatings } from "../../models/units.ts";
import type { Dispatch, Finding } from "./types.ts";

/** Tolerances of the set-point checks. */
export interface SetpointTolerances {
  /** Power slack (kW / kVA) before a rating counts as exceeded; default 1e-6. */
  powerKw: number;
  /** Energy slack (kWh) for SOC limits and the SOC-column consistency; default 1e-3. */
  energyKwh: number;
}

/** Default set-point tolerances. */
export const DEFAULT_SETPOINT_TOLERANCES: SetpointTolerances = { powerKw: 1e-6, energyKwh: 1e-3 };

/** A quantity in finding messages: `d` decimals, or 4 significant digits when very large or small. */
export const formatAmount = (v: number, d = 4): string =>
  Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(d);
const f = formatAmount;

/**
 * Check every PV and battery set-point against its ratings and the battery energy limits. Findings name the
 * elements by `names` (the deck's "Class.name", per PV / battery) or "PVSystem.<id>" / "Storage.<id>".
 * The battery energy is recomputed from the charge/discharge set-points, B(t) = B(t−1) + Δt(η_c P_c − P_d/η_d)
 * from B0, so a file that discharges below the reserve is caught even when its SOC column was not updated.
 */
export function checkSetpoints(
  scenario: Scenario,
  dispatch: Dispatch,
  tol: SetpointTolerances = DEFAULT_SETPOINT_TOLERANCES,
  names?: { pvs: string[]; batteries: string[] },
): Finding[] {
  const out: Finding[] = [];
  const T = scenario.T;
  const nPv = scenario.pvs.length;
  const nB = scenario.batteries.length;
  const push = (t: number, element: string, message: string, severity: Finding["severity"] = "error") =>
    out.push({ kind: "setpoint", severity, t, element, message });

  scenario.pvs.forEach((unit, d) => {
    const el = names?.pvs[d] ?? `PVSystem.${unit.id}`;
    const r = pvRatings(scenario, unit);
    for (let t = 1; t <= T; t++) {
      const p = dispatch.pvPKw[(t - 1) * nPv + d]!;
      const q = dispatch.pvQKvar[(t - 1) * nPv + d]!;
      if (p < -tol.powerKw) push(t, el, `PV real power set-point ${f(p)} kW is negative`);
      if (p > r.pmppKw + tol.powerKw) {
        push(t, el, `PV real power set-point ${f(p)} kW exceeds its rating Pmpp ${f(r.pmppKw)} kW`);
      }
      const s = Math.hypot(p, q);
      if (s > r.kva + tol.powerKw) {
        push(
          t,
          el,
          `PV asks for ${f(p)} kW + ${f(q)} kvar = ${f(s)} kVA > inverter rating ${f(r.kva)} kVA: OpenDSS limits the output (|kvar| ≤ kvarMax = kVA, then P cut to √(kVA² − kvar²))`,
        );
      }
    }
  });

  scenario.batteries.forEach((unit, k) => {
    const el = names?.batteries[k] ?? `Storage.${unit.id}`;
    const b = { ...unit, ...batteryRatings(scenario, unit) };
    const eMin = b.socMin * b.kwh;
    const eMax = b.socMax * b.kwh;
    let e = b.b0Kwh;
    for (let t = 1; t <= T; t++) {
      const i = (t - 1) * nB + k;
      const pc = dispatch.battPcKw[i]!;
      const pd = dispatch.battPdKw[i]!;
      const pn = dispatch.battPNetKw[i]!;
      const q = dispatch.battQKvar[i]!;
      if (pc < -tol.powerKw || pd < -tol.powerKw) {
        push(t, el, `negative charge/discharge set-point (P_c ${f(pc)} kW, P_d ${f(pd)} kW)`);
      }
      if (pc > b.kw + tol.powerKw || pd > b.kw + tol.powerKw) {
        push(t, el, `charge/discharge ${f(Math.max(pc, pd))} kW exceeds the rating ${f(b.kw)} kW`);
      }
      if (Math.abs(pn - (pd - pc)) > tol.powerKw) {
        push(t, el, `net power ${f(pn)} kW is not P_d − P_c = ${f(pd - pc)} kW`);
      }
      const s = Math.hypot(pn, q);
      if (s > b.kva + tol.powerKw) {
        push(
          t,
          el,
          `battery asks for ${f(pn)} kW + ${f(q)} kvar = ${f(s)} kVA > inverter rating ${f(b.kva)} kVA: OpenDSS limits the output`,
        );
      }
      const both = Math.min(pc, pd);
      if (both > 1e3 * tol.powerKw) {
        push(
          t,
          el,
          `charges ${f(pc)} kW and discharges ${f(pd)} kW at once: OpenDSS sees only the net ${f(pn)} kW, so its stored energy will differ by ${f(scenario.dtH * both * (1 / b.etaDischarge - b.etaCharge))} kWh`,
          "warning",
        );
      }
      const prev = e;
      e = prev + scenario.dtH * (b.etaCharge * pc - pd / b.etaDischarge);
      if (e < eMin - tol.energyKwh) {
        push(
          t,
          el,
          `set-points discharge below the reserve: energy ${f(prev)} → ${f(e)} kWh < reserve ${f(eMin)} kWh (SOC min ${b.socMin}); OpenDSS stops discharging at its %reserve`,
        );
      }
      if (e > eMax + tol.energyKwh) {
        push(
          t,
          el,
          `set-points charge above the SOC limit: energy ${f(e)} kWh > ${f(eMax)} kWh (SOC max ${b.socMax})${e > b.kwh ? "; OpenDSS stops charging when full" : ""}`,
        );
      }
      const soc = dispatch.battSocKwh[i]!;
      if (Math.abs(soc - e) > tol.energyKwh) {
        push(
          t,
          el,
          `the SOC column (${f(soc)} kWh) is not the energy the charge/discharge set-points give (${f(e)} kWh)`,
          "warning",
        );
      }
    }
  });
  return out;
}
