/**
 * The math model's per-unit device data back in engineering units (kW, kVA, kWh, kVAr), for stages that
 * report or export in engineering units (the replay deck, set-point checks, reports). One place, so that
 * nothing re-derives per-unit conversions by hand.
 */
import type { Battery, PvUnit, Scenario } from "./types.ts";

/** A PV's ratings in kW / kVA. */
export function pvRatings(sc: Scenario, u: PvUnit): { pmppKw: number; kva: number } {
  const S = sc.network.sBaseKva;
  return { pmppKw: u.pRatedPu * S, kva: u.sRatedPu * S };
}

/** A battery's ratings in kW / kVA / kWh, and its initial stored energy (kWh). */
export function batteryRatings(
  sc: Scenario,
  b: Battery,
): { kw: number; kva: number; kwh: number; b0Kwh: number } {
  const S = sc.network.sBaseKva;
  return { kw: b.pRatedPu * S, kva: b.sRatedPu * S, kwh: b.eRatedPuH * S, b0Kwh: b.b0PuH * S };
}

/** Total load demand per period at 1 pu voltage (kW, kVAr), summed over every load. */
export function demandKw(sc: Scenario): { pKw: Float64Array; qKvar: Float64Array } {
  const S = sc.network.sBaseKva;
  const pKw = new Float64Array(sc.T);
  const qKvar = new Float64Array(sc.T);
  for (const l of sc.loads) {
    for (let t = 0; t < sc.T; t++) {
      pKw[t] += l.pRatedPu * l.mult[t]! * S;
      qKvar[t] += l.qRatedPu * l.mult[t]! * S;
    }
  }
  return { pKw, qKvar };
}

/** Total capacitor rating (kVAr at 1 pu voltage). */
export function capacitorKvar(sc: Scenario): number {
  return sc.capacitors.reduce((s, c) => s + c.qPu, 0) * sc.network.sBaseKva;
}

/** Line-to-neutral voltage base (kV) of a bus's zone. */
export function zoneBaseKvLn(sc: Scenario, bus: number): number {
  return sc.network.zones[sc.network.buses[bus]!.zone]!.vBaseKvLn;
}
