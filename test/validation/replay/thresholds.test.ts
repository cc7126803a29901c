/**
 * Regression thresholds on a real replay (the authors' T=5 solution in EPRI's OpenDSS with constant-kvar
 * capacitors, recorded): the defaults pass; a limit set below the measured value fails with the metric,
 * value, hour and element named — through the exported function and through `mpopf validate` (exit code).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RunDirWriter } from "../../../harness/run-dir.ts";
import { InputError } from "../../../models/errors.ts";
import { metricMaxima } from "../../../validation/replay/metrics.ts";
import { writeReplay } from "../../../validation/replay/replay.ts";
import { replayTables } from "../../../validation/replay/tables.ts";
import {
  checkThresholds,
  DEFAULT_THRESHOLDS,
  effectiveLimits,
  loadThresholds,
  parseThresholds,
} from "../../../validation/replay/thresholds.ts";
import { validateRunDir } from "../../../validation/replay/validate-run.ts";
import { runMpopf } from "../../helpers/cli.ts";
import { REPO_ROOT } from "../../helpers/reference.ts";
import { decoded, RECORDED_ENGINE, recordedReplay, v2 } from "./helpers.ts";

const available = decoded.available && v2.available;
const tmp = mkdtempSync(join(tmpdir(), "mpopf-validate-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const mpopf = (...args: string[]) => runMpopf(tmp, ...args);

describe("thresholds file", () => {
  it("the shipped default file is exactly DEFAULT_THRESHOLDS and validates", () => {
    const file = join(REPO_ROOT, "validation/replay/thresholds.default.json");
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(DEFAULT_THRESHOLDS);
    expect(loadThresholds(file)).toEqual(DEFAULT_THRESHOLDS);
  });

  it("rejects unknown metrics, negative limits, empty limits and min > max, naming file and path", () => {
    const bad = [
      [{ flavours: { "model-consistent": { voltagePU: { abs: 1 } } } }, /voltagePU|key/i],
      [{ flavours: { "paper-style": { lossKw: { abs: -1 } } } }, /paper-style\.lossKw\.abs/],
      [{ flavours: { "paper-style": { lossKw: {} } } }, /at least one of abs, rel, model, perBus, min, max/],
      [{ flavours: { "paper-style": { qSubsKvar: { min: 1, max: 0 } } } }, /min must be ≤ max/],
      [{ flavour: {} }, /flavour/],
    ] as const;
    for (const [json, re] of bad) {
      try {
        parseThresholds(json, "my-thresholds.json");
        expect.unreachable(JSON.stringify(json));
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        expect((e as Error).message).toMatch(/^my-thresholds\.json/);
        expect((e as Error).message).toMatch(re);
      }
    }
  });

  it("merges file limits over the defaults per metric, with null disabling and label overrides", () => {
    const t = parseThresholds({
      flavours: { "model-consistent": { voltagePu: { abs: 2e-5 }, socKwh: null } },
      labels: { MPDOPF: { "model-consistent": { voltagePu: { abs: 1e-3 } } } },
    });
    const l = effectiveLimits("MPCOPF", "model-consistent", t);
    expect(l.voltagePu).toEqual({ abs: 2e-5 });
    expect(l.socKwh).toBeUndefined();
    expect(l.pSubsKw).toEqual({ abs: 0.01, perBus: 5e-6 });
    expect(effectiveLimits("MPDOPF", "model-consistent", t).voltagePu).toEqual({ abs: 1e-3 });
    expect(effectiveLimits("MPCOPF", "paper-style", t).qSubsKvar).toEqual({
      abs: 0.01,
      model: 0.01,
      perBus: 5e-6,
    });
  });
});

describe.skipIf(!available)("checkThresholds on the recorded replay", () => {
  const { cmp } = available ? recordedReplay("expected_capgen.json", "generator") : ({} as never);

  it("passes with the defaults (a good run)", () => {
    const r = checkThresholds(cmp);
    expect(r.violations).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checked).toContain("voltagePu");
    expect(r.checked).toContain("socKwh");
    expect(r.checked).toContain("nonConvergedHours");
  });

  it("fails, naming metric, value, hour and bus, when a limit is below the measured value", () => {
    const mx = metricMaxima(cmp).find((m) => m.metric === "voltagePu")!;
    const r = checkThresholds(
      cmp,
      parseThresholds({ flavours: { "model-consistent": { voltagePu: { abs: Math.abs(mx.diff) * 0.99 } } } }),
    );
    expect(r.ok).toBe(false);
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0]).toMatchObject({
      metric: "voltagePu",
      t: mx.t,
      element: mx.element,
      value: mx.diff,
    });
    expect(r.violations[0]!.count).toBeGreaterThanOrEqual(1);
    // At exactly the measured value it passes.
    const ok = checkThresholds(
      cmp,
      parseThresholds({ flavours: { "model-consistent": { voltagePu: { abs: Math.abs(mx.diff) } } } }),
    );
    expect(ok.ok).toBe(true);
  });

  it("relative limits use each entry's optimizer value; min/max bound the signed difference", () => {
    const mx = metricMaxima(cmp).find((m) => m.metric === "pSubsKw")!; // ≈ −3.7e-4 kW on ≈ 945 kW
    const rel = Math.abs(mx.diff) / Math.abs(mx.optimizer);
    expect(
      checkThresholds(
        cmp,
        parseThresholds({ flavours: { "model-consistent": { pSubsKw: { rel: rel * 1.01 } } } }),
      ).ok,
    ).toBe(true);
    const tight = checkThresholds(
      cmp,
      parseThresholds({ flavours: { "model-consistent": { pSubsKw: { rel: rel * 0.5 } } } }),
    );
    expect(tight.violations.map((v) => v.metric)).toEqual(["pSubsKw"]);
    // Every ΔP is negative: max 0 passes, max −1e-3 fails.
    expect(
      checkThresholds(cmp, parseThresholds({ flavours: { "model-consistent": { pSubsKw: { max: 0 } } } })).ok,
    ).toBe(true);
    const v = checkThresholds(
      cmp,
      parseThresholds({ flavours: { "model-consistent": { pSubsKw: { max: -1e-3 } } } }),
    );
    expect(v.violations[0]).toMatchObject({ metric: "pSubsKw", limit: "Δ ≤ -0.001" });
  });

  it("perBus limits grow with the number of buses of the replayed network", () => {
    const mx = metricMaxima(cmp).find((m) => m.metric === "pSubsKw")!;
    const n = cmp.ids.buses.length;
    expect(n).toBeGreaterThan(100);
    const per = Math.abs(mx.diff) / n;
    const at = (f: number) =>
      checkThresholds(
        cmp,
        parseThresholds({ flavours: { "model-consistent": { pSubsKw: { perBus: per * f } } } }),
      );
    expect(at(1.01).ok).toBe(true);
    const tight = at(0.5);
    expect(tight.violations.map((x) => x.metric)).toEqual(["pSubsKw"]);
    expect(tight.violations[0]!.limit).toContain(`${n} buses`);
    // Every default limit on a feeder total has a per-bus part, no other metric does.
    const d = DEFAULT_THRESHOLDS.flavours["model-consistent"]!;
    expect(d.pSubsKw?.perBus).toBeGreaterThan(0);
    expect(d.horizonQSubsKvarh?.perBus).toBeGreaterThan(0);
    expect(d.voltagePu?.perBus).toBeUndefined();
  });
});

describe.skipIf(!available)("mpopf validate RUN_DIR --thresholds FILE", () => {
  const run = join(tmp, "run");
  if (available) {
    const r = recordedReplay("expected_capgen.json", "generator");
    const w = new RunDirWriter(run, { kind: "test" });
    w.writeJson("manifest.json", {
      tool: { name: "mpopf" },
      replays: [`mpcopf-${r.deck.flavour}`],
      scenario: { T: r.cmp.T },
    });
    writeReplay(w, {
      label: "MPCOPF",
      deck: r.deck,
      dispatch: r.dispatch,
      observations: r.observations,
      comparison: r.cmp,
      tables: replayTables(r.cmp),
      engine: RECORDED_ENGINE,
    });
    w.commit();
  }

  it("writes the replay folder: comparison.json, the tables and the deck", () => {
    const dir = join(run, "replay/mpcopf-model-consistent");
    expect(readFileSync(join(dir, "hours.csv"), "utf8").split("\n")[0]).toMatch(
      /^t,status,iterations,pSubsKwOpt/,
    );
    expect(readFileSync(join(dir, "deck/Master.dss"), "utf8")).toMatch(/^New Circuit\./m);
    expect(readFileSync(join(dir, "deck/Hour05.dss"), "utf8")).toMatch(/^Solve$/m);
    expect(validateRunDir(run, null).ok).toBe(true);
  });

  it("exit 0 on a good run with the default thresholds and with a loose file", () => {
    const r = mpopf("validate", run);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^PASS MPCOPF model-consistent .*5\/5 hours converged/m);
    const loose = join(tmp, "loose.json");
    writeFileSync(loose, JSON.stringify({ flavours: { "model-consistent": { voltagePu: { abs: 1e-4 } } } }));
    expect(mpopf("validate", run, "--thresholds", loose).code).toBe(0);
  });

  it("exit 1 and the broken metric with value, limit, hour and bus when a limit is below the measured value", () => {
    const tight = join(tmp, "tight.json");
    writeFileSync(
      tight,
      JSON.stringify({
        flavours: { "model-consistent": { voltagePu: { abs: 1e-7 }, socKwh: { abs: 1e-7 } } },
      }),
    );
    const r = mpopf("validate", run, "--thresholds", tight);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^FAIL MPCOPF model-consistent/m);
    expect(r.out).toMatch(
      /FAIL MPCOPF model-consistent: voltagePu = -?\d\.\d+e-7 pu breaks \|Δ\| ≤ 1e-7 at hour \d, bus \d+/,
    );
    expect(r.out).toMatch(/socKwh = .* kWh breaks \|Δ\| ≤ 1e-7 at hour \d, Battery\d+/);
    expect(r.err).toMatch(/threshold\(s\) broken/);
  });

  it("bad input: a broken thresholds file or a run without replays is an error naming the file", () => {
    const broken = join(tmp, "broken.json");
    writeFileSync(broken, JSON.stringify({ flavours: { "model-consistent": { nope: { abs: 1 } } } }));
    const r = mpopf("validate", run, "--thresholds", broken);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/broken\.json/);
    const empty = mpopf("validate", tmp);
    expect(empty.code).toBe(1);
    expect(empty.err).toMatch(/not a complete mpopf run directory/);
  });
});
