/**
 * The messages of the distributed methods — the only coupling between areas.
 *
 * Every message is plain JSON (numbers, strings, arrays): it crosses a worker boundary by structured clone,
 * a process or host boundary as JSON (issue 18: NATS), and is validated on receipt against the schema and the
 * receiver's expectations (run, method, boundary, sender, direction, which quantities, T finite values each).
 * A message that fails is rejected with a reason and never used; agents keep running.
 *
 * Quantities are per period (arrays of length T), per unit on the feeder's bases:
 *   vm     |V| at the boundary's parent-side bus (pu)                 ENApp down (the parent's), ADMM/APP both ways (the sender's copy)
 *   vsq    |V|² at that bus (pu²), the formulation's variable         ADMM/APP both ways (exact copy for the consensus)
 *   p, q   power from the parent-side bus into the child's boundary branch (pu)   ENApp up (the child's), ADMM/APP both ways
 *   usedVm, usedP, usedQ   what the sender ASSUMED for its neighbour's quantity in the same step (ENApp echo;
 *                          lets whoever routes the messages test convergence without seeing inside an area)
 *   muP, muQ   ENApp "marginal": the parent's price of the child's head P, Q (objective units per pu)   down
 *   nu         ENApp "marginal": the child's price of the squared boundary voltage                       up
 *   capPrice   ENApp "own": the price of the substation's peak cap (the root's multiplier of its elastic cap,
 *              relayed down the area tree) that every area adds to its head power's price      down
 *   rho        ADMM/APP: the penalties the sender used in the step, [on |V|², on P and Q] (2 values, objective
 *              units per pu², not per period) — the dual residual ρ·Δz is priced with them
 *   lamVsq, lamP, lamQ, zVsq, zP, zQ, state
 *              ADMM/APP down: the parent's boundary state — multipliers λ and consensus z per quantity and
 *              period after the matched pair of steps `state[0]`, with its penalties `state[1..2]` — which the
 *              child adopts when it arrives (the parent holds the boundary's dual state; the child repeats the
 *              same update for pairs the parent has not sent yet, so both ends agree even when messages are lost)
 */
import { z } from "zod";

/** Name and version of the boundary-message schema. A receiver rejects any other. */
export const MESSAGE_SCHEMA = "mpopf.boundary" as const;
export const MESSAGE_VERSION = 1 as const;

/** The distributed methods. */
export const METHODS = ["enapp", "admm", "app"] as const;
export type MethodName = (typeof METHODS)[number];

/** Display names of the methods. */
export const METHOD_LABELS: Readonly<Record<MethodName, string>> = Object.freeze({
  enapp: "ENApp",
  admm: "ADMM",
  app: "APP",
});

/** Down = parent area → child area; up = child → parent. */
export type Direction = "down" | "up";

/** Quantities a message may carry (see the module comment). */
export const QUANTITIES = [
  "vm",
  "vsq",
  "p",
  "q",
  "usedVm",
  "usedP",
  "usedQ",
  "muP",
  "muQ",
  "nu",
  "capPrice",
  "rho",
  "lamVsq",
  "lamP",
  "lamQ",
  "zVsq",
  "zP",
  "zQ",
  "state",
] as const;
export type Quantity = (typeof QUANTITIES)[number];

/** One boundary message. */
export interface BoundaryMessage {
  schema: typeof MESSAGE_SCHEMA;
  version: typeof MESSAGE_VERSION;
  /** Run id: messages of another run are foreign and rejected. */
  run: string;
  method: MethodName;
  /** The sender's step (1-based) that computed the values; receivers keep the newest per boundary. */
  k: number;
  /** Boundary id, "<parent area id>→<child area id>". */
  boundary: string;
  from: string;
  to: string;
  direction: Direction;
  /** Per-period values (length T each), per unit. */
  values: Partial<Record<Quantity, number[]>>;
}

const CONSENSUS_UP = {
  required: ["vm", "vsq", "p", "q", "rho"],
  optional: [],
  payload: ["vsq", "p", "q"],
} as const;
const CONSENSUS_DOWN = {
  required: ["vm", "vsq", "p", "q", "rho", "lamVsq", "lamP", "lamQ", "zVsq", "zP", "zQ", "state"],
  optional: [],
  payload: ["vsq", "p", "q", "lamVsq", "lamP", "lamQ", "zVsq", "zP", "zQ"],
} as const;

/** Values of the quantities that are not per period. */
const FIXED_LENGTH: Partial<Record<Quantity, number>> = { rho: 2, state: 3 };

/** Which quantities each method sends in each direction: required ones, optional ones (nothing else). */
export const METHOD_QUANTITIES: Record<
  MethodName,
  Record<
    Direction,
    { required: readonly Quantity[]; optional: readonly Quantity[]; payload: readonly Quantity[] }
  >
> = {
  enapp: {
    down: {
      required: ["vm", "usedP", "usedQ"],
      optional: ["muP", "muQ", "capPrice"],
      payload: ["vm", "muP", "muQ", "capPrice"],
    },
    up: { required: ["p", "q", "usedVm"], optional: ["nu"], payload: ["p", "q", "nu"] },
  },
  admm: { down: CONSENSUS_DOWN, up: CONSENSUS_UP },
  app: { down: CONSENSUS_DOWN, up: CONSENSUS_UP },
};

const series = z.array(z.number().finite());
const MessageSchema = z
  .object({
    schema: z.literal(MESSAGE_SCHEMA),
    version: z.literal(MESSAGE_VERSION),
    run: z.string().min(1).max(200),
    method: z.enum(METHODS),
    k: z.number().int().min(0),
    boundary: z.string().min(1).max(200),
    from: z.string().min(1).max(200),
    to: z.string().min(1).max(200),
    direction: z.enum(["down", "up"]),
    values: z.partialRecord(z.enum(QUANTITIES), series),
  })
  .strict();

/** What a receiver expects of a message on one of its boundaries. */
export interface Expectation {
  run: string;
  method: MethodName;
  T: number;
  /** The receiver's boundaries: id → the neighbour's area id and the direction messages arrive in. */
  boundaries: ReadonlyMap<string, { neighbour: string; direction: Direction }>;
  /** The receiver's area id. */
  to: string;
}

/** The outcome of validating a received message. */
export type Validation = { ok: true; message: BoundaryMessage } | { ok: false; reason: string };

/** Validate a received message (any value) against the schema and the receiver's expectation. */
export function validateMessage(raw: unknown, ex: Expectation): Validation {
  const parsed = MessageSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const at = first?.path.length ? first.path.join(".") : "message";
    return { ok: false, reason: `malformed message: ${at}: ${first?.message ?? "invalid"}` };
  }
  const m = parsed.data as BoundaryMessage;
  const tag = `message ${m.boundary} k=${m.k} from ${m.from}`;
  if (m.run !== ex.run)
    return { ok: false, reason: `${tag}: foreign run '${m.run}' (this run is '${ex.run}')` };
  if (m.method !== ex.method)
    return { ok: false, reason: `${tag}: method '${m.method}', this run uses '${ex.method}'` };
  if (m.to !== ex.to) return { ok: false, reason: `${tag}: addressed to area ${m.to}, not ${ex.to}` };
  const bd = ex.boundaries.get(m.boundary);
  if (!bd) return { ok: false, reason: `${tag}: not a boundary of area ${ex.to}` };
  if (bd.neighbour !== m.from)
    return {
      ok: false,
      reason: `${tag}: boundary ${m.boundary} connects to area ${bd.neighbour}, not ${m.from}`,
    };
  if (bd.direction !== m.direction)
    return { ok: false, reason: `${tag}: direction '${m.direction}', expected '${bd.direction}'` };
  const spec = METHOD_QUANTITIES[m.method][m.direction];
  for (const q of spec.required) {
    if (!m.values[q]) return { ok: false, reason: `${tag}: quantity '${q}' missing` };
  }
  for (const [q, arr] of Object.entries(m.values) as Array<[Quantity, number[]]>) {
    if (!spec.required.includes(q) && !spec.optional.includes(q))
      return {
        ok: false,
        reason: `${tag}: quantity '${q}' is not part of ${m.method} ${m.direction} messages`,
      };
    const n = FIXED_LENGTH[q] ?? ex.T;
    if (arr.length !== n)
      return { ok: false, reason: `${tag}: '${q}' has ${arr.length} values, expected ${n}` };
  }
  return { ok: true, message: m };
}

/** Bytes of a message as JSON (UTF-8): what it costs on a wire. */
export function messageBytes(m: BoundaryMessage): number {
  return Buffer.byteLength(JSON.stringify(m), "utf8");
}

/** Numbers of decision values a message carries (its method's payload quantities, T each). */
export function payloadValues(m: BoundaryMessage): number {
  const spec = METHOD_QUANTITIES[m.method][m.direction];
  let n = 0;
  for (const q of spec.payload) n += m.values[q]?.length ?? 0;
  return n;
}

/** A Float64Array (or any array of numbers) as a plain JSON array. */
export function toList(a: ArrayLike<number>): number[] {
  return Array.from(a);
}
