/**
 * The coordinator: it only routes boundary messages between the agents and decides convergence from the
 * messages it routes. It never sees inside an area (no area data, no solutions — only what the agents send to
 * their neighbours and the status of their solves).
 *
 * Rounds: in each round the active areas (all of them, unless updates are asynchronous) step with the messages
 * delivered to them so far; their outgoing messages go through the communication model (delay, loss with
 * timeout and retry) into the receivers' mailboxes. After each round the residuals of every boundary are
 * computed from the newest message each side has sent:
 *   ENApp: |owner's computed value − the value the other side used| (|V| down, P and Q up);
 *   ADMM/APP: primal |parent's copy − child's copy| against the same per-quantity tolerances (largest over
 *   boundaries and periods), and dual s = ρ (z − z_previous) (z = the copies' mean) whose root mean square
 *   over boundaries, periods and quantities must be ≤ dualTolerance · c̄ — Boyd et al.'s ‖s‖₂ ≤ ε_rel ‖λ‖₂
 *   with ‖λ‖₂ ≈ √(boundaries · T) · c̄, the norm of energy-price multipliers.
 */
import { mulberry32 } from "../../models/random.ts";
import type { NlpStatus } from "../nlp/types.ts";
import { type BoundaryMessage, type MethodName, messageBytes, payloadValues } from "./messages.ts";
import type { CommsOptions, EnappTolerances } from "./options.ts";
import { PROTOCOL_VERSION, STEP_SCHEMA, type StepReply } from "./protocol.ts";
import type { AreaSolveRecord, BoundaryExchange, MacroIteration } from "./records.ts";
import { AreaTimeoutError, type Transport } from "./transport.ts";

/**
 * How a run ended. "area-timeout": an area's agent did not answer within the transport's timeout (another
 * process or host that died or hangs; the message names the area).
 */
export type DistributedStatus = "converged" | "max-iterations" | "area-failed" | "area-timeout";

/** What the coordinator knows of the run: ids only (areas, boundaries, the root) and the stopping rule. */
export interface CoordinatorSetup {
  run: string;
  method: MethodName;
  T: number;
  /** Power base (kVA): messages are per unit, records in kW. */
  sBaseKva: number;
  areas: string[];
  root: string;
  boundaries: Array<{ id: string; parent: string; child: string }>;
  tolerances: EnappTolerances;
  /** ADMM/APP: c̄ (objective units per pu, see prices.ts) and the dual tolerance as a fraction of it. */
  priceScale: number;
  dualTolerance: number;
  /** A coupling constraint held by the root (peak cap) counts as met within this many kW (the areas' check tolerance). */
  capToleranceKw: number;
  maxIterations: number;
  comms: CommsOptions;
}

/** The coordinator's result. */
export interface CoordinationResult {
  status: DistributedStatus;
  message: string;
  history: MacroIteration[];
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let t = 0; t < a.length; t++) {
    const d = Math.abs(a[t] - b[t]);
    if (!(d <= m)) m = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  }
  return m;
}

const NAN_SERIES = (T: number) => new Float64Array(T).fill(Number.NaN);

/** A failed step (the agent threw): a failed solve with the error as its message. */
function failedReply(run: string, k: number, area: string, e: unknown): StepReply {
  const msg = e instanceof Error ? e.message : String(e);
  return {
    schema: STEP_SCHEMA,
    version: PROTOCOL_VERSION,
    run,
    k,
    area,
    solve: {
      status: "internal_error" as NlpStatus,
      success: false,
      message: msg,
      ipoptIterations: 0,
      objective: Number.NaN,
      solveSeconds: 0,
      setupSeconds: 0,
      warm: false,
    },
    outbox: [],
    totals: { lossKwh: Number.NaN, pSubsKwh: null, costUsd: null },
    rejected: [],
  };
}

/** Run the rounds until convergence, an area failure or the iteration limit. */
export async function coordinate(
  setup: CoordinatorSetup,
  transport: Transport,
  onIteration?: (it: MacroIteration) => void,
): Promise<CoordinationResult> {
  const { T, comms, tolerances: tol } = setup;
  const S = setup.sBaseKva;
  const consensus = setup.method !== "enapp";
  const rng = mulberry32(comms.seed);
  // Mailboxes: messages waiting per area with the round they arrive for.
  const mail = new Map<string, Array<{ at: number; message: BoundaryMessage }>>(
    setup.areas.map((a) => [a, []]),
  );
  // The newest message each side of each boundary has sent (what the residuals are computed from).
  const sentDown = new Map<string, BoundaryMessage>();
  const sentUp = new Map<string, BoundaryMessage>();
  const prevZ = new Map<string, { v: Float64Array; p: Float64Array; q: Float64Array }>();
  const lastSolve = new Map<string, number>(setup.areas.map((a) => [a, 0]));
  const lastTotals = new Map<string, StepReply["totals"]>();
  const prevMuP = new Map<string, number[]>();
  // Areas whose transport gave up waiting for them (another process or host that died or hangs).
  const timedOut = new Set<string>();
  const history: MacroIteration[] = [];
  let status: DistributedStatus = "max-iterations";
  let message = "";

  for (let k = 1; k <= setup.maxIterations; k++) {
    const tk = performance.now();
    // Who steps: everybody (synchronous), or each area on its own clock (asynchronous).
    let active = setup.areas;
    if (comms.activity < 1 && k > 1) {
      active = setup.areas.filter(() => rng() < comms.activity);
      if (active.length === 0) active = [setup.areas[Math.floor(rng() * setup.areas.length)]];
    }
    // Slowest first so that a small pool packs the round well (longest-processing-time order).
    const order = [...active].sort((a, b) => lastSolve.get(b)! - lastSolve.get(a)!);
    const pending = order.map((area) => {
      const box = mail.get(area)!;
      const inbox = box.filter((m) => m.at <= k).map((m) => m.message);
      mail.set(
        area,
        box.filter((m) => m.at > k),
      );
      return transport
        .step(area, { schema: STEP_SCHEMA, version: PROTOCOL_VERSION, run: setup.run, k, inbox })
        .catch((e: unknown) => {
          if (e instanceof AreaTimeoutError) timedOut.add(area);
          return failedReply(setup.run, k, area, e);
        });
    });
    const replies = await Promise.all(pending);
    // Records in the areas' order.
    const byArea = new Map(replies.map((r, i) => [order[i], r]));
    const stepped = setup.areas.filter((a) => byArea.has(a)).map((a) => byArea.get(a)!);
    const areas: AreaSolveRecord[] = stepped.map((r) => ({
      area: r.area,
      status: r.solve.status,
      success: r.solve.success,
      ipoptIterations: r.solve.ipoptIterations,
      objective: r.solve.objective,
      solveSeconds: r.solve.solveSeconds,
      setupSeconds: r.solve.setupSeconds,
      warm: r.solve.warm,
    }));
    for (const r of stepped) {
      lastSolve.set(r.area, r.solve.solveSeconds);
      lastTotals.set(r.area, r.totals);
    }

    // Route: every transmission may be lost; the receiver waits a timeout, the sender retransmits.
    let messages = 0;
    let bytes = 0;
    let retransmissions = 0;
    let dropped = 0;
    let commSeconds = 0;
    let valuesExchanged = 0;
    let rejected = 0;
    for (const r of stepped) {
      rejected += r.rejected.length;
      for (const m of r.outbox) {
        const size = messageBytes(m);
        valuesExchanged += payloadValues(m);
        let lost = 0;
        while (lost <= comms.retries && comms.loss > 0 && rng() < comms.loss) lost++;
        const attempts = Math.min(lost + 1, comms.retries + 1);
        messages += attempts;
        bytes += attempts * size;
        retransmissions += attempts - 1;
        commSeconds = Math.max(commSeconds, lost * comms.timeoutSeconds);
        if (m.direction === "down") sentDown.set(m.boundary, m);
        else sentUp.set(m.boundary, m);
        if (lost > comms.retries) {
          dropped++;
          continue;
        }
        mail.get(m.to)?.push({ at: k + 1 + comms.delay, message: m });
      }
    }

    // Residuals per boundary from the newest messages of both sides.
    let resPrice = 0;
    const boundaries: BoundaryExchange[] = setup.boundaries.map((bd) => {
      const down = sentDown.get(bd.id);
      const up = sentUp.get(bd.id);
      const kw = (a: number[] | undefined) => (a ? Float64Array.from(a, (v) => v * S) : NAN_SERIES(T));
      const f = (a: number[] | undefined) => (a ? Float64Array.from(a) : NAN_SERIES(T));
      const vPu = f(down?.values.vm);
      const usedVPu = f(consensus ? up?.values.vm : up?.values.usedVm);
      const pKw = kw(up?.values.p);
      const qKvar = kw(up?.values.q);
      const usedPKw = kw(consensus ? down?.values.p : down?.values.usedP);
      const usedQKvar = kw(consensus ? down?.values.q : down?.values.usedQ);
      const muP = down?.values.muP;
      if (muP) {
        const prev = prevMuP.get(bd.id);
        if (prev) {
          const scale = Math.max(1e-12, ...muP.map(Math.abs));
          resPrice = Math.max(resPrice, maxAbsDiff(muP, prev) / scale);
        }
        prevMuP.set(bd.id, muP);
      }
      return {
        boundary: bd.id,
        usedVPu,
        usedPKw,
        usedQKvar,
        vPu,
        pKw,
        qKvar,
        resVPu: maxAbsDiff(vPu, usedVPu),
        resPKw: maxAbsDiff(pKw, usedPKw),
        resQKvar: maxAbsDiff(qKvar, usedQKvar),
      };
    });
    // Dual residuals (ADMM/APP): s = ρ · (z − z_previous), z the copies' mean, priced with the parent's ρ;
    // root mean square over boundaries and periods per quantity, as a fraction of c̄.
    let dualV = 0;
    let dualP = 0;
    let dualQ = 0;
    const pen = { pMin: Infinity, pMax: 0, vMin: Infinity, vMax: 0 };
    if (consensus) {
      let missing = false;
      for (const bd of setup.boundaries) {
        const down = sentDown.get(bd.id);
        const up = sentUp.get(bd.id);
        if (!down || !up) {
          missing = true;
          continue;
        }
        const mean = (a: number[], b: number[]) => Float64Array.from(a, (v, t) => (v + b[t]) / 2);
        const z = {
          v: mean(down.values.vsq!, up.values.vsq!),
          p: mean(down.values.p!, up.values.p!),
          q: mean(down.values.q!, up.values.q!),
        };
        const [rhoV, rhoS] = down.values.rho!;
        pen.pMin = Math.min(pen.pMin, rhoS / setup.priceScale);
        pen.pMax = Math.max(pen.pMax, rhoS / setup.priceScale);
        pen.vMin = Math.min(pen.vMin, rhoV / setup.priceScale);
        pen.vMax = Math.max(pen.vMax, rhoV / setup.priceScale);
        const prev = prevZ.get(bd.id);
        if (prev) {
          for (let t = 0; t < T; t++) {
            dualV += (rhoV * (z.v[t] - prev.v[t])) ** 2;
            dualP += (rhoS * (z.p[t] - prev.p[t])) ** 2;
            dualQ += (rhoS * (z.q[t] - prev.q[t])) ** 2;
          }
        } else missing = true;
        prevZ.set(bd.id, z);
      }
      const n = Math.max(1, setup.boundaries.length * T);
      const c = setup.priceScale;
      if (missing) dualV = dualP = dualQ = Number.POSITIVE_INFINITY;
      else {
        dualV = Math.sqrt(dualV / n) / c;
        dualP = Math.sqrt(dualP / n) / c;
        dualQ = Math.sqrt(dualQ / n) / c;
      }
    }
    const dual = Math.hypot(dualV, dualP, dualQ);
    const failed = stepped.filter((r) => !r.solve.success);
    // A coupling constraint held by the root (the peak cap, elastic there) must be met.
    const capExcessKw = lastTotals.get(setup.root)?.capExcessKw ?? 0;
    const resVPu = Math.max(0, ...boundaries.map((b) => b.resVPu));
    const resPKw = Math.max(0, ...boundaries.map((b) => b.resPKw));
    const resQKvar = Math.max(0, ...boundaries.map((b) => b.resQKvar));
    const converged =
      failed.length === 0 &&
      capExcessKw <= setup.capToleranceKw &&
      boundaries.every((b) => b.resVPu <= tol.vPu && b.resPKw <= tol.pKw && b.resQKvar <= tol.qKvar) &&
      (!consensus || dual <= setup.dualTolerance);

    let lossKwh = 0;
    for (const t of lastTotals.values()) lossKwh += t.lossKwh;
    const rootTotals = lastTotals.get(setup.root);
    const solveTimes = areas.map((a) => a.solveSeconds);
    const it: MacroIteration = {
      k,
      areas,
      boundaries,
      resVPu,
      resPKw,
      resQKvar,
      dualV,
      dualP,
      dualQ,
      penaltyPowerMin: Number.isFinite(pen.pMin) ? pen.pMin : 0,
      penaltyPowerMax: pen.pMax,
      penaltyVoltageMin: Number.isFinite(pen.vMin) ? pen.vMin : 0,
      penaltyVoltageMax: pen.vMax,
      converged,
      lossKwh,
      pSubsKwh: rootTotals?.pSubsKwh ?? Number.NaN,
      costUsd: rootTotals?.costUsd ?? Number.NaN,
      seconds: (performance.now() - tk) / 1000,
      sequentialSeconds: solveTimes.reduce((s, v) => s + v, 0),
      criticalPathSeconds: Math.max(0, ...solveTimes),
      criticalPathTotalSeconds:
        Math.max(0, ...areas.map((a) => a.solveSeconds + a.setupSeconds)) + commSeconds,
      valuesExchanged,
      resPrice,
      messages,
      bytes,
      retransmissions,
      dropped,
      commSeconds,
      rejected,
    };
    history.push(it);
    onIteration?.(it);

    if (failed.length > 0) {
      status = failed.some((r) => timedOut.has(r.area)) ? "area-timeout" : "area-failed";
      // Each failure is named by the reply it came from (never by a position in a filtered list).
      message = `macro-iteration ${k}: ${failed
        .map((r) =>
          timedOut.has(r.area)
            ? `area ${r.area} did not answer (${r.solve.message})`
            : `area ${r.area} ${r.solve.status} (${r.solve.message})`,
        )
        .join("; ")}`;
      break;
    }
    if (converged) {
      status = "converged";
      message = `converged in ${k} ${setup.method === "enapp" ? "macro-iterations" : "iterations"}: largest boundary residuals ${resVPu.toExponential(2)} pu, ${resPKw.toExponential(2)} kW, ${resQKvar.toExponential(2)} kVAr (tolerances ${tol.vPu} pu, ${tol.pKw} kW, ${tol.qKvar} kVAr)`;
      break;
    }
    if (k === setup.maxIterations) {
      const worst = boundaries
        .filter((b) => !(b.resVPu <= tol.vPu && b.resPKw <= tol.pKw && b.resQKvar <= tol.qKvar))
        .map(
          (b) =>
            `${b.boundary}: ${b.resVPu.toExponential(2)} pu, ${b.resPKw.toExponential(2)} kW, ${b.resQKvar.toExponential(2)} kVAr`,
        );
      const dualText = consensus
        ? `; dual residual ρ·Δz (root mean square) ${dual.toExponential(2)} of the energy price (|V|² ${dualV.toExponential(2)}, P ${dualP.toExponential(2)}, Q ${dualQ.toExponential(2)}; tolerance ${setup.dualTolerance})`
        : "";
      const cap =
        capExcessKw > setup.capToleranceKw
          ? `; the peak cap is exceeded by ${capExcessKw.toFixed(3)} kW`
          : "";
      message = `NOT converged after ${k} ${setup.method === "enapp" ? "macro-iterations" : "iterations"} (the limit); boundaries outside the tolerances (${tol.vPu} pu, ${tol.pKw} kW, ${tol.qKvar} kVAr): ${worst.join("; ") || "none"}${dualText}${cap}`;
      break;
    }
  }
  return { status, message, history };
}
