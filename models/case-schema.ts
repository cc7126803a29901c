import { z } from "zod";

/** Percentage in 0..100. */
const percent = z
  .number()
  .min(0, { message: "must be in 0..100" })
  .max(100, { message: "must be in 0..100" });
const positive = z.number().positive();
const fraction = z.number().min(0).max(1);

/** How PV / battery host buses are chosen. */
export const PlacementSchema = z.enum(["spread-over-load-buses"]);

/** Ratings of PV inverters, relative to the host bus's rated load. */
export const PvRatingSchema = z.object({
  /** P_rated = pRatedPerLoadKw · P_L of the host bus. */
  pRatedPerLoadKw: positive,
  /** S_rated = sOverP · P_rated. */
  sOverP: z.number().min(1),
});

/** Ratings and parameters of batteries, relative to the host bus's rated load. */
export const BatteryRatingSchema = PvRatingSchema.extend({
  /** E_rated = energyHours · P_rated (kWh). */
  energyHours: positive,
  etaCharge: z.number().gt(0).max(1),
  etaDischarge: z.number().gt(0).max(1),
  socMin: fraction,
  socMax: fraction,
  /** B0 = soc0 · E_rated. */
  soc0: fraction,
});

/** The DER rule: placement, default percentages, ratings, SCD weight. */
export const DerSchema = z.object({
  placement: PlacementSchema,
  pvPercent: percent,
  battPercent: percent,
  /** Explicit host buses (override the percentage rule when given). */
  pvBuses: z.array(z.string()).optional(),
  batteryBuses: z.array(z.string()).optional(),
  pv: PvRatingSchema,
  battery: BatteryRatingSchema,
  /** Weight α of the battery-loss (SCD) term. */
  alphaScd: z.number().min(0),
});

/** A price series: an hourly column of the profile file, or the on/off-peak rule built from one. */
export const PriceSeriesSchema = z.discriminatedUnion("rule", [
  z.object({ rule: z.literal("hourly"), column: z.string(), description: z.string().optional() }),
  z.object({
    rule: z.literal("on-off-peak"),
    /** Column whose max / min give the peak / off-peak prices. */
    column: z.string(),
    /** Share of the horizon's hours (by highest load multiplier) that get the peak price: max(1, floor(share·T)). */
    peakShare: fraction,
    description: z.string().optional(),
  }),
]);

/** An area partition: a CSV bus→area file. */
export const PartitionSchema = z.object({
  file: z.string(),
  description: z.string().optional(),
  /** The authors' names of the boundaries, for cross-reference (parent area, child area, parent bus, child bus). */
  authorsConnectingBuses: z
    .array(
      z.object({
        parentArea: z.string(),
        childArea: z.string(),
        parentBus: z.string(),
        childBus: z.string(),
      }),
    )
    .optional(),
});

/** Defaults of the scenario options (each can be overridden per run). */
export const DefaultsSchema = z.object({
  horizon: z.number().int().min(1),
  objective: z.enum(["cost", "loss"]),
  price: z.string(),
  terminal: z.enum(["hard", "soft", "free"]),
  terminalGamma: z.number().min(0),
  limits: z.enum(["rated", "available"]),
  vMinPu: positive,
  vMaxPu: positive,
  noBackfeed: z.boolean(),
  peakCapKw: z.number().positive().nullable(),
  lineLimits: z.boolean(),
});

/** The `case.json` file of a study case folder. */
export const CaseFileSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    /** Power base (kVA) and voltage base: line-to-line `vBaseKvLl` (V_LN = V_LL/√3) or line-to-neutral `vBaseKvLn`. */
    bases: z.union([
      z.object({ sBaseKva: positive, vBaseKvLl: positive }).strict(),
      z.object({ sBaseKva: positive, vBaseKvLn: positive }).strict(),
    ]),
    substation: z.object({ bus: z.string(), vPu: positive }),
    files: z.object({ buses: z.string(), branches: z.string(), profiles: z.string() }),
    profiles: z.object({
      loadColumn: z.string(),
      pvColumn: z.string(),
      /** Length of one profile step (h). */
      stepHours: positive,
    }),
    der: DerSchema,
    prices: z.object({ series: z.record(z.string(), PriceSeriesSchema) }),
    defaults: DefaultsSchema,
    partitions: z.record(z.string(), PartitionSchema).default({}),
    provenance: z.array(z.string()).optional(),
  })
  .strict();

export type CaseFile = z.output<typeof CaseFileSchema>;
export type PriceSeries = z.output<typeof PriceSeriesSchema>;
