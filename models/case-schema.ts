import { z } from "zod";
import { RANGES, rangedNumber } from "./ranges.ts";

/** Percentage in 0..100. */
const percent = z
  .number()
  .min(0, { message: "must be in 0..100" })
  .max(100, { message: "must be in 0..100" });
const fraction = z.number().min(0).max(1);

/** How PV / battery host buses are chosen. */
export const PlacementSchema = z.enum(["spread-over-load-buses"]);

/** Ratings of PV inverters, relative to the host bus's rated load. */
export const PvRatingSchema = z.strictObject({
  /** P_rated = pRatedPerLoadKw · P_L of the host bus. */
  pRatedPerLoadKw: rangedNumber(RANGES.ratingPerLoad),
  /** S_rated = sOverP · P_rated. */
  sOverP: rangedNumber(RANGES.sOverP),
});

/** Ratings and parameters of batteries, relative to the host bus's rated load. */
export const BatteryRatingSchema = PvRatingSchema.extend({
  /** E_rated = energyHours · P_rated (kWh). */
  energyHours: rangedNumber(RANGES.energyHours, "h"),
  etaCharge: rangedNumber(RANGES.efficiency),
  etaDischarge: rangedNumber(RANGES.efficiency),
  socMin: fraction,
  socMax: fraction,
  /** B0 = soc0 · E_rated. */
  soc0: fraction,
});

/** The DER rule: placement, default percentages, ratings, SCD weight. */
export const DerSchema = z.strictObject({
  placement: PlacementSchema,
  pvPercent: percent,
  battPercent: percent,
  /** Explicit host buses (override the percentage rule when given). */
  pvBuses: z.array(z.string()).optional(),
  batteryBuses: z.array(z.string()).optional(),
  pv: PvRatingSchema,
  battery: BatteryRatingSchema,
  /** Weight α of the battery-loss (SCD) term. */
  alphaScd: rangedNumber(RANGES.weight),
});

/** A price series: an hourly column of the profile file, or the on/off-peak rule built from one. */
export const PriceSeriesSchema = z.discriminatedUnion("rule", [
  z.strictObject({ rule: z.literal("hourly"), column: z.string(), description: z.string().optional() }),
  z.strictObject({ rule: z.literal("series"), column: z.string(), description: z.string().optional() }),
  z.strictObject({
    rule: z.literal("on-off-peak"),
    /** Column whose max / min give the peak / off-peak prices. */
    column: z.string(),
    /** Share of the horizon's hours (by highest load multiplier) that get the peak price: max(1, floor(share·T)). */
    peakShare: fraction,
    description: z.string().optional(),
  }),
]);

/** A profile file with its own step (a time column plus named numeric columns). */
export const ProfileFileSchema = z.strictObject({
  file: z.string(),
  /** Step length: hours or minutes (one of the two). */
  stepHours: rangedNumber(RANGES.stepHours, "h").optional(),
  stepMinutes: rangedNumber([RANGES.stepHours[0] * 60, RANGES.stepHours[1] * 60], "min").optional(),
});

/** An area partition: a CSV bus→area file. */
export const PartitionSchema = z.strictObject({
  file: z.string(),
  description: z.string().optional(),
  /** The authors' names of the boundaries, for cross-reference (parent area, child area, parent bus, child bus). */
  authorsConnectingBuses: z
    .array(
      z.strictObject({
        parentArea: z.string(),
        childArea: z.string(),
        parentBus: z.string(),
        childBus: z.string(),
      }),
    )
    .optional(),
});

/** The per-phase or three-phase (total power) convention of a case's powers and impedances. */
export const PhaseModelSchema = z.enum(["per-phase", "three-phase"]);

/** Defaults of the scenario options (each can be overridden per run). */
export const DefaultsSchema = z.strictObject({
  horizon: z.number().int().min(1),
  objective: z.enum(["cost", "loss"]),
  price: z.string(),
  terminal: z.enum(["hard", "soft", "free"]),
  terminalGamma: rangedNumber(RANGES.weight),
  limits: z.enum(["rated", "available"]),
  vMinPu: rangedNumber(RANGES.vPu, "pu"),
  vMaxPu: rangedNumber(RANGES.vPu, "pu"),
  noBackfeed: z.boolean(),
  peakCapKw: rangedNumber(RANGES.peakCapKw, "kW").nullable(),
  lineLimits: z.boolean(),
});

/** The `case.json` file of a study case folder. */
export const CaseFileSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    /** Power base (kVA) and voltage base: line-to-line `vBaseKvLl` (V_LN = V_LL/√3) or line-to-neutral `vBaseKvLn`. */
    /**
     * `phaseModel`: `per-phase` (default: powers per phase, Z_base = V_LN²·1000/S_base) or `three-phase` (a balanced
     * positive-sequence equivalent: three-phase total powers, Z_base = V_LL²·1000/S_base).
     */
    bases: z.union([
      z.strictObject({
        sBaseKva: rangedNumber(RANGES.sBaseKva, "kVA"),
        vBaseKvLl: rangedNumber(RANGES.vBaseKv, "kV"),
        phaseModel: PhaseModelSchema.optional(),
      }),
      z.strictObject({
        sBaseKva: rangedNumber(RANGES.sBaseKva, "kVA"),
        vBaseKvLn: rangedNumber(RANGES.vBaseKv, "kV"),
        phaseModel: PhaseModelSchema.optional(),
      }),
    ]),
    substation: z.strictObject({
      bus: z.string(),
      vPu: rangedNumber(RANGES.vPu, "pu"),
      /** Optional source (Thevenin) impedance behind the substation bus (Ω). */
      rOhm: rangedNumber(RANGES.zOhm, "Ω").optional(),
      xOhm: rangedNumber(RANGES.zOhm, "Ω").optional(),
    }),
    files: z.strictObject({
      buses: z.string(),
      /** The line table (lines and switches). */
      branches: z.string(),
      /** One profile file (step `profiles.stepHours`), or several, each with its own step. */
      profiles: z.union([z.string(), z.array(ProfileFileSchema).min(1)]),
      transformers: z.string().optional(),
      loads: z.string().optional(),
      capacitors: z.string().optional(),
      pvs: z.string().optional(),
      batteries: z.string().optional(),
    }),
    profiles: z.strictObject({
      /** Default multiplier profile of loads (rows that name none, and the bus-table shorthand). */
      loadColumn: z.string(),
      /** Default irradiance profile of PVs (rows that name none, and the placement rule). */
      pvColumn: z.string(),
      /** Length of one profile step (h) of a single profile file. */
      stepHours: rangedNumber(RANGES.stepHours, "h").optional(),
    }),
    der: DerSchema,
    prices: z.strictObject({ series: z.record(z.string(), PriceSeriesSchema) }),
    defaults: DefaultsSchema,
    partitions: z.record(z.string(), PartitionSchema).default({}),
    provenance: z.array(z.string()).optional(),
    /** What the case leaves out or approximates of its source (e.g. an imported three-phase deck), one line each. */
    approximations: z.array(z.string()).optional(),
  })
  .strict();

export type CaseFile = z.output<typeof CaseFileSchema>;
export type PriceSeries = z.output<typeof PriceSeriesSchema>;
