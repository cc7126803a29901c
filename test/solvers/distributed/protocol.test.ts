/**
 * The agents' protocol without a solver: messages validated on receipt (malformed, foreign, misaddressed,
 * incomplete ones rejected with a reason), agents idempotent to duplicates and reordering, the coordinator
 * routing through delay and loss, and every failure named by its own area.
 */
import { describe, expect, it } from "vitest";
import { loadCase } from "../../../models/case.ts";
import { buildScenario } from "../../../models/scenario.ts";
import type { AreaSolver } from "../../../solvers/distributed/area-solver.ts";
import { type CoordinatorSetup, coordinate } from "../../../solvers/distributed/coordinator.ts";
import { decompose } from "../../../solvers/distributed/decompose.ts";
import {
  type BoundaryMessage,
  type Expectation,
  MESSAGE_SCHEMA,
  messageBytes,
  validateMessage,
} from "../../../solvers/distributed/messages.ts";
import { PERFECT_COMMS, resolveDistributedOptions } from "../../../solvers/distributed/options.ts";
import {
  type AreaFinal,
  PROTOCOL_VERSION,
  STEP_SCHEMA,
  type StepReply,
  type StepRequest,
} from "../../../solvers/distributed/protocol.ts";
import { agentSpecs, createAgent, invalidAreaMessages } from "../../../solvers/distributed/solve.ts";
import type { Transport } from "../../../solvers/distributed/transport.ts";
import type { MpopfInput } from "../../../solvers/mpopf/params.ts";
import type { NlpResult } from "../../../solvers/nlp/types.ts";

const T = 3;
const ex: Expectation = {
  run: "r1",
  method: "enapp",
  T,
  to: "2",
  boundaries: new Map([["1→2", { neighbour: "1", direction: "down" as const }]]),
};
const good = (): BoundaryMessage => ({
  schema: MESSAGE_SCHEMA,
  version: 1,
  run: "r1",
  method: "enapp",
  k: 4,
  boundary: "1→2",
  from: "1",
  to: "2",
  direction: "down",
  values: { vm: [1.01, 1.02, 1.03], usedP: [0.1, 0.2, 0.3], usedQ: [0, 0, 0] },
});

describe("boundary messages", () => {
  it("a valid message passes and survives JSON unchanged", () => {
    const m = good();
    const v = validateMessage(JSON.parse(JSON.stringify(m)), ex);
    expect(v).toEqual({ ok: true, message: m });
    expect(messageBytes(m)).toBe(Buffer.byteLength(JSON.stringify(m)));
  });

  const cases: Array<[string, (m: Record<string, unknown>) => unknown, RegExp]> = [
    ["not an object", () => "hello", /malformed message/],
    ["another schema", (m) => ({ ...m, schema: "x" }), /malformed message: schema/],
    ["another version", (m) => ({ ...m, version: 2 }), /malformed message: version/],
    ["an unknown field", (m) => ({ ...m, extra: 1 }), /malformed message/],
    ["another run", (m) => ({ ...m, run: "r0" }), /foreign run 'r0'/],
    ["another method", (m) => ({ ...m, method: "admm" }), /method 'admm'/],
    ["another receiver", (m) => ({ ...m, to: "3" }), /addressed to area 3/],
    ["an unknown boundary", (m) => ({ ...m, boundary: "1→9" }), /not a boundary of area 2/],
    ["a wrong sender", (m) => ({ ...m, from: "4" }), /connects to area 1, not 4/],
    ["a wrong direction", (m) => ({ ...m, direction: "up" }), /direction 'up'/],
    ["a missing quantity", (m) => ({ ...m, values: { vm: [1, 1, 1], usedP: [0, 0, 0] } }), /'usedQ' missing/],
    [
      "a quantity of another method",
      (m) => ({ ...m, values: { ...(m.values as object), vsq: [1, 1, 1] } }),
      /'vsq' is not part of enapp down/,
    ],
    [
      "a wrong length",
      (m) => ({ ...m, values: { ...(m.values as object), vm: [1, 1] } }),
      /'vm' has 2 values, expected 3/,
    ],
    [
      "a non-finite value (NaN becomes null in JSON)",
      (m) =>
        JSON.parse(JSON.stringify({ ...m, values: { ...(m.values as object), vm: [1, Number.NaN, 1] } })),
      /malformed message: values\.vm\.1/,
    ],
    ["a negative step", (m) => ({ ...m, k: -1 }), /malformed message: k/],
  ];
  for (const [what, mutate, reason] of cases) {
    it(`rejects ${what}, with the reason`, () => {
      const v = validateMessage(mutate(good() as unknown as Record<string, unknown>), ex);
      expect(v.ok).toBe(false);
      if (!v.ok) expect(v.reason).toMatch(reason);
    });
  }
});

/** A solver that records its inputs and returns a point with v = 1 everywhere (no Ipopt). */
function recordingSolver(): AreaSolver & { inputs: MpopfInput[] } {
  const inputs: MpopfInput[] = [];
  return {
    inputs,
    identity: { name: "fake", version: "0", linearSolver: "none", backend: "test" },
    workers: 1,
    async solve(input) {
      inputs.push(input);
      const n = 100_000;
      return {
        status: "solve_succeeded",
        statusCode: 0,
        success: true,
        message: "ok",
        x: new Float64Array(n).fill(1),
        objective: 0,
        g: new Float64Array(0),
        lambda: new Float64Array(n),
        zL: new Float64Array(n),
        zU: new Float64Array(n),
        iterations: 1,
        solveSeconds: 0.001,
        solver: this.identity,
        options: {},
      } satisfies NlpResult;
    },
  };
}

const step = (k: number, inbox: unknown[]): StepRequest => ({
  schema: STEP_SCHEMA,
  version: PROTOCOL_VERSION,
  run: "run",
  k,
  inbox,
});

describe("an ENApp agent receives idempotently", () => {
  it("keeps the newest message per boundary: duplicates, older and foreign messages change nothing", async () => {
    const c = loadCase("ieee123");
    const sc = buildScenario(c, { horizon: T, objective: "cost", pvPercent: 20, battPercent: 30 });
    const d = decompose(sc, c.partitions["ieee123-4"]!);
    const specs = agentSpecs(sc, d, resolveDistributedOptions({ method: "enapp" }));
    const spec = specs.find((s) => s.area === "2")!;
    const solver = recordingSolver();
    const agent = createAgent(spec, solver);
    const down = (k: number, v: number): BoundaryMessage => ({
      schema: MESSAGE_SCHEMA,
      version: 1,
      run: "run",
      method: "enapp",
      k,
      boundary: "1→2",
      from: "1",
      to: "2",
      direction: "down",
      values: { vm: [v, v, v], usedP: [0, 0, 0], usedQ: [0, 0, 0] },
    });
    const r1 = await agent.step(step(1, []));
    expect(Array.from(solver.inputs[0]!.vHeadPu!)).toEqual([
      sc.network.vSubsPu,
      sc.network.vSubsPu,
      sc.network.vSubsPu,
    ]);
    expect(r1.outbox.map((m) => `${m.boundary} ${m.direction} → ${m.to}`)).toEqual([
      "2→4 down → 4",
      "1→2 up → 1",
    ]);
    await agent.step(step(2, [down(1, 1.01)]));
    expect(solver.inputs[1]!.vHeadPu![0]).toBe(1.01);
    // The same message again, an older one and a foreign one: the head voltage stays what k = 1 said.
    const r3 = await agent.step(step(3, [down(1, 1.01), down(0, 0.9), { ...down(5, 0.95), run: "other" }]));
    expect(solver.inputs[2]!.vHeadPu![0]).toBe(1.01);
    expect(r3.rejected).toEqual([expect.stringMatching(/foreign run 'other'/)]);
    // Reordered: k = 3 and k = 2 arrive together; the newest wins (plain substitution in the first steps).
    await agent.step(step(4, [down(3, 1.02), down(2, 1.015)]));
    expect(solver.inputs[3]!.vHeadPu![0]).toBe(1.02);
  });
});

/** A transport of scripted replies: each area answers each step with a message to every neighbour. */
function scriptedTransport(
  areas: string[],
  boundaries: CoordinatorSetup["boundaries"],
  fail: (area: string, k: number) => boolean,
  drift = true,
): Transport & { seen: Map<string, Array<{ k: number; inbox: BoundaryMessage[] }>> } {
  const seen = new Map<string, Array<{ k: number; inbox: BoundaryMessage[] }>>(areas.map((a) => [a, []]));
  return {
    kind: "scripted",
    areas,
    seen,
    async step(area, req) {
      seen.get(area)!.push({ k: req.k, inbox: req.inbox as BoundaryMessage[] });
      const out: BoundaryMessage[] = [];
      for (const b of boundaries) {
        const mine = b.parent === area ? "down" : b.child === area ? "up" : null;
        if (!mine) continue;
        const vals =
          mine === "down"
            ? { vm: [1, 1, 1], usedP: [0.1, 0.1, 0.1], usedQ: [0, 0, 0] }
            : { p: new Array(3).fill(0.1 + (drift ? 0.01 * req.k : 0)), q: [0, 0, 0], usedVm: [1, 1, 1] };
        out.push({
          schema: MESSAGE_SCHEMA,
          version: 1,
          run: "run",
          method: "enapp",
          k: req.k,
          boundary: b.id,
          from: area,
          to: mine === "down" ? b.child : b.parent,
          direction: mine,
          values: vals,
        });
      }
      const ok = !fail(area, req.k);
      return {
        schema: STEP_SCHEMA,
        version: PROTOCOL_VERSION,
        run: "run",
        k: req.k,
        area,
        solve: {
          status: ok ? "solve_succeeded" : "infeasible_problem_detected",
          success: ok,
          message: ok ? "ok" : `area ${area} says no`,
          ipoptIterations: 1,
          objective: 0,
          solveSeconds: 0.01,
          setupSeconds: 0,
          warm: req.k > 1,
        },
        outbox: out,
        totals: { lossKwh: 1, pSubsKwh: area === "1" ? 10 : null, costUsd: area === "1" ? 1 : null },
        rejected: [],
      } satisfies StepReply;
    },
    async final(area): Promise<AreaFinal> {
      throw new Error(`not used (${area})`);
    },
    async close() {},
  };
}

const AREAS = ["1", "2", "3", "4"];
const BOUNDS = [
  { id: "1→2", parent: "1", child: "2" },
  { id: "1→3", parent: "1", child: "3" },
  { id: "2→4", parent: "2", child: "4" },
];
const setup = (over: Partial<CoordinatorSetup> = {}): CoordinatorSetup => ({
  run: "run",
  method: "enapp",
  T,
  sBaseKva: 1000,
  areas: AREAS,
  root: "1",
  boundaries: BOUNDS,
  tolerances: { vPu: 1e-5, pKw: 0.1, qKvar: 0.1 },
  priceScale: 100,
  dualTolerance: 1e-3,
  capToleranceKw: 1e-3,
  maxIterations: 6,
  comms: { ...PERFECT_COMMS },
  ...over,
});

describe("the coordinator", () => {
  it("converges on consistent messages and names a failed area by its own id", async () => {
    const ok = await coordinate(
      setup(),
      scriptedTransport(AREAS, BOUNDS, () => false, false),
    );
    expect(ok.status, ok.message).toBe("converged");
    expect(ok.history).toHaveLength(1);
    // Area 3 fails in step 2 (and only area 3): the message names area 3, nobody else.
    const bad = await coordinate(
      setup({ tolerances: { vPu: 1e-5, pKw: 0.01, qKvar: 0.1 } }),
      scriptedTransport(AREAS, BOUNDS, (a, k) => a === "3" && k === 2),
    );
    expect(bad.status).toBe("area-failed");
    expect(bad.message).toBe("macro-iteration 2: area 3 infeasible_problem_detected (area 3 says no)");
  });

  it("delivers after the delay and counts every transmission", async () => {
    const tr = scriptedTransport(AREAS, BOUNDS, () => false);
    const r = await coordinate(
      setup({
        maxIterations: 4,
        tolerances: { vPu: 1e-5, pKw: 1e-3, qKvar: 0.1 },
        comms: { ...PERFECT_COMMS, delay: 2 },
      }),
      tr,
    );
    expect(r.status).toBe("max-iterations");
    // Sent in round 1, a message arrives for round 1 + 1 + 2 = 4.
    expect(tr.seen.get("4")!.map((s) => s.inbox.length)).toEqual([0, 0, 0, 1]);
    expect(tr.seen.get("4")![3]!.inbox[0]!.k).toBe(1);
    for (const h of r.history) {
      expect(h.messages).toBe(6);
      expect(h.retransmissions).toBe(0);
    }
  });

  it("retransmits lost messages after a timeout and drops them after the last retry (seeded)", async () => {
    const tr = scriptedTransport(AREAS, BOUNDS, () => false);
    const r = await coordinate(
      setup({
        maxIterations: 40,
        tolerances: { vPu: 1e-5, pKw: 1e-3, qKvar: 0.1 },
        comms: { ...PERFECT_COMMS, loss: 0.5, retries: 1, timeoutSeconds: 0.2, seed: 7 },
      }),
      tr,
    );
    const sent = r.history.length * 6;
    const tx = r.history.reduce((s, h) => s + h.messages, 0);
    const re = r.history.reduce((s, h) => s + h.retransmissions, 0);
    const dropped = r.history.reduce((s, h) => s + h.dropped, 0);
    expect(tx).toBe(sent + re);
    // p = 0.5, one retry: about half the messages need it, about a quarter are lost for good.
    expect(re / sent).toBeGreaterThan(0.35);
    expect(re / sent).toBeLessThan(0.65);
    expect(dropped / sent).toBeGreaterThan(0.12);
    expect(dropped / sent).toBeLessThan(0.38);
    for (const h of r.history)
      expect(h.commSeconds === 0 || h.commSeconds === 0.2 || h.commSeconds === 0.4).toBe(true);
    const delivered = [...tr.seen.values()].flat().reduce((s, x) => s + x.inbox.length, 0);
    expect(delivered).toBeLessThanOrEqual(sent - dropped);
    // Same seed, same draws.
    const again = await coordinate(
      setup({
        maxIterations: 40,
        tolerances: { vPu: 1e-5, pKw: 1e-3, qKvar: 0.1 },
        comms: { ...PERFECT_COMMS, loss: 0.5, retries: 1, timeoutSeconds: 0.2, seed: 7 },
      }),
      scriptedTransport(AREAS, BOUNDS, () => false),
    );
    expect(again.history.map((h) => h.dropped)).toEqual(r.history.map((h) => h.dropped));
  });

  it("asynchronous updates: only active areas step; each round at least one", async () => {
    const tr = scriptedTransport(AREAS, BOUNDS, () => false);
    const r = await coordinate(
      setup({
        maxIterations: 30,
        tolerances: { vPu: 1e-5, pKw: 1e-3, qKvar: 0.1 },
        comms: { ...PERFECT_COMMS, activity: 0.3 },
      }),
      tr,
    );
    const steps = r.history.map((h) => h.areas.length);
    expect(steps[0]).toBe(4);
    expect(Math.min(...steps)).toBeGreaterThanOrEqual(1);
    const mean = steps.slice(1).reduce((s, v) => s + v, 0) / (steps.length - 1);
    expect(mean).toBeGreaterThan(0.6);
    expect(mean).toBeLessThan(2.2);
  });
});

describe("invalid areas are named by their own id", () => {
  it("map-then-filter: only area 3 invalid → 'area 3'", () => {
    const sol = (valid: boolean, message: string) => ({ valid, summary: { message } });
    expect(
      invalidAreaMessages(
        ["1", "2", "3", "4"],
        [sol(true, "a"), sol(true, "b"), sol(false, "c"), sol(true, "d")],
      ),
    ).toEqual(["area 3: c"]);
    expect(invalidAreaMessages(["A", "B"], [sol(false, "x"), sol(false, "y")])).toEqual([
      "area A: x",
      "area B: y",
    ]);
  });
});
