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
 *   ADMM/APP: primal |parent's copy − child's copy| and dual |z − z_previous| (z = the copies' mean), the
 *   standard pair of stopping rules, both against the same per-quantity tolerances.
 */
import { mulberry32 } from "../../models/random.ts";
import type { NlpStatus } from "../nlp/types.ts";
import { type BoundaryMessage, type MethodName, messageBytes, payloadValues } from "./messages.ts";
import type { CommsOptions, EnappTolerances } from "./options.ts";
import { PROTOCOL_VERSION, STEP_SCHEMA, type StepReply } from "./protocol.ts";
import type { AreaSolveRecord, BoundaryExchange, MacroIteration } from "./records.ts";
import type { Transport } from "./transport.ts";

/** How a run ended. */
export type DistributedStatus = "converged" | "max-iterations" | "area-failed";

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
        .catch((e: unknown) => failedReply(setup.run, k, area, e));
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
    // Dual residuals (ADMM/APP): change of z, the copies' mean, since the previous round.
    let dualVPu = 0;
    let dualPKw = 0;
    let dualQKvar = 0;
    if (consensus) {
      for (const b of boundaries) {
        const z = {
          v: b.vPu.map((v, t) => Math.sqrt(Math.max(0, (v * v + b.usedVPu[t] ** 2) / 2))),
          p: b.pKw.map((v, t) => (v + b.usedPKw[t]) / 2),
          q: b.qKvar.map((v, t) => (v + b.usedQKvar[t]) / 2),
        };
        const prev = prevZ.get(b.boundary);
        if (prev) {
          dualVPu = Math.max(dualVPu, maxAbsDiff(z.v, prev.v));
          dualPKw = Math.max(dualPKw, maxAbsDiff(z.p, prev.p));
          dualQKvar = Math.max(dualQKvar, maxAbsDiff(z.q, prev.q));
        } else {
          dualVPu = dualPKw = dualQKvar = Number.POSITIVE_INFINITY;
        }
        prevZ.set(b.boundary, z);
      }
    }
    const failed = stepped.filter((r) => !r.solve.success);
    const resVPu = Math.max(0, ...boundaries.map((b) => b.resVPu));
    const resPKw = Math.max(0, ...boundaries.map((b) => b.resPKw));
    const resQKvar = Math.max(0, ...boundaries.map((b) => b.resQKvar));
    const converged =
      failed.length === 0 &&
      boundaries.every((b) => b.resVPu <= tol.vPu && b.resPKw <= tol.pKw && b.resQKvar <= tol.qKvar) &&
      (!consensus || (dualVPu <= tol.vPu && dualPKw <= tol.pKw && dualQKvar <= tol.qKvar));

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
      dualVPu,
      dualPKw,
      dualQKvar,
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
      status = "area-failed";
      // Each failure is named by the reply it came from (never by a position in a filtered list).
      message = `macro-iteration ${k}: ${failed
        .map((r) => `area ${r.area} ${r.solve.status} (${r.solve.message})`)
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
      const dual = consensus
        ? `; dual residuals ${dualVPu.toExponential(2)} pu, ${dualPKw.toExponential(2)} kW, ${dualQKvar.toExponential(2)} kVAr`
        : "";
      message = `NOT converged after ${k} ${setup.method === "enapp" ? "macro-iterations" : "iterations"} (the limit); boundaries outside the tolerances (${tol.vPu} pu, ${tol.pKw} kW, ${tol.qKvar} kVAr): ${worst.join("; ") || "none"}${dual}`;
      break;
    }
  }
  return { status, message, history };
}
