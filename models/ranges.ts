/**
 * Physical ranges of case data: a value outside is refused at load time with a named error, instead of
 * surfacing later as a solver status or a NaN inside the NLP. The ranges are wide (they admit any real
 * distribution feeder) and documented in models/README.md; each is [min, max] inclusive unless noted.
 */
import { z } from "zod";

/** Documented ranges, by quantity. */
export const RANGES = {
  /** Power base (kVA): 1 kVA … 1000 MVA. */
  sBaseKva: [1, 1e6],
  /** Voltage base (kV, line-to-line or line-to-neutral): 0.1 … 500 kV. */
  vBaseKv: [0.1, 500],
  /** Substation voltage set-point and voltage limits (pu). */
  vPu: [0.5, 1.5],
  /** Series resistance and reactance of one branch (Ω). */
  zOhm: [0, 1e4],
  /** Ampacity (A), > 0. */
  iMaxA: [1e-3, 1e5],
  /** Rated load or capacitor of one bus (kW / kVAr, absolute value). */
  powerKw: [0, 1e5],
  /** Load / PV multiplier of a profile point. */
  multiplier: [0, 100],
  /** Price ($/kWh). */
  priceUsdPerKwh: [-100, 100],
  /** Profile step (h): 1 minute … 24 h. */
  stepHours: [1 / 60, 24],
  /** Battery charge / discharge efficiency. */
  efficiency: [0.5, 1],
  /** DER rating per kW of host-bus load. */
  ratingPerLoad: [1e-6, 100],
  /** Inverter kVA over kW rating. */
  sOverP: [1, 10],
  /** Battery energy over power rating (h). */
  energyHours: [1e-3, 1000],
  /** Objective weights (per unit). */
  weight: [0, 1e6],
  /** Substation peak cap (kW), > 0. */
  peakCapKw: [1e-3, 1e7],
} as const satisfies Record<string, readonly [number, number]>;

/** A JSON number within a documented range. */
export function rangedNumber(range: readonly [number, number], unit = ""): z.ZodNumber {
  const u = unit ? ` ${unit}` : "";
  return z
    .number()
    .min(range[0], { message: `must be in ${range[0]}..${range[1]}${u}` })
    .max(range[1], { message: `must be in ${range[0]}..${range[1]}${u}` });
}

/** Check a number against a documented range; returns a message or null. */
export function outOfRange(v: number, range: readonly [number, number], unit = ""): string | null {
  if (Number.isFinite(v) && v >= range[0] && v <= range[1]) return null;
  return `must be in ${range[0]}..${range[1]}${unit ? ` ${unit}` : ""} (got ${v})`;
}
