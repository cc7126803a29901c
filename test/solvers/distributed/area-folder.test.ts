/**
 * Area folders (issue 18): what `mpopf case split` writes for each area reads back into exactly the agent spec
 * the in-process run builds (same fingerprint for every method and option that changes an area), holds only
 * that area's data, and is checked on reading (schema, fingerprint).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCase, type StudyCase } from "../../../models/case.ts";
import { buildScenario } from "../../../models/scenario.ts";
import type { Scenario } from "../../../models/types.ts";
import {
  type AreaSplit,
  areaSpec,
  readAreaFolder,
  specFingerprint,
  splitAreas,
} from "../../../solvers/distributed/area-folder.ts";
import { decompose } from "../../../solvers/distributed/decompose.ts";
import {
  type DistributedUserOptions,
  resolveDistributedOptions,
} from "../../../solvers/distributed/options.ts";
import { agentSpecs } from "../../../solvers/distributed/solve.ts";

let c: StudyCase;
let sc: Scenario;
let split: AreaSplit;
let dir: string;
beforeAll(() => {
  c = loadCase("ieee123");
  sc = buildScenario(c, { horizon: 4, pvPercent: 20, battPercent: 30, peakCapKw: 2500 });
  split = splitAreas("ieee123", sc, c.partitions["ieee123-4"]!);
  dir = mkdtempSync(join(tmpdir(), "mpopf-areas-"));
  for (const [rel, text] of split.files) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("area folders", () => {
  it("read back into the in-process agent spec, for every method and option that changes an area", () => {
    const variants: DistributedUserOptions[] = [
      { method: "enapp" },
      { method: "enapp", coupling: "marginal", initialGuess: "subtree-load" },
      { method: "enapp", allowReverseFlow: true },
      { method: "admm", run: "r-7" },
      { method: "app", initialGuess: "subtree-load" },
      { method: "enapp", initialGuess: "power-flow" },
      { method: "admm", initialGuess: "power-flow" },
    ];
    for (const v of variants) {
      for (const objective of ["cost", "loss"] as const) {
        const s = { ...sc, objective: { ...sc.objective, kind: objective } };
        const opts = resolveDistributedOptions(v);
        const d = decompose(s, c.partitions["ieee123-4"]!, {
          allowReverseFlow: opts.allowReverseFlow,
          dropChildHeadCost: opts.method !== "enapp" || opts.coupling === "marginal",
        });
        const want = agentSpecs(s, d, opts);
        const sp = splitAreas("ieee123", s, c.partitions["ieee123-4"]!);
        const tmp = mkdtempSync(join(tmpdir(), "mpopf-areas-v-"));
        try {
          for (const [rel, text] of sp.files) {
            mkdirSync(dirname(join(tmp, rel)), { recursive: true });
            writeFileSync(join(tmp, rel), text);
          }
          sp.index.areas.forEach((a, i) => {
            const got = areaSpec(readAreaFolder(join(tmp, a.folder)), opts);
            expect(specFingerprint(got), `${JSON.stringify(v)} ${objective} area ${a.id}`).toBe(
              specFingerprint(want[i]!),
            );
          });
        } finally {
          rmSync(tmp, { recursive: true, force: true });
        }
      }
    }
  });

  it("keep the formulation's fidelity options (line charging, element bands, idling losses)", () => {
    const s = buildScenario(c, {
      horizon: 3,
      pvPercent: 20,
      battPercent: 30,
      formulation: { lineCharging: "opendss", elementBands: "opendss", idlingPct: 1, loads: "case" },
    });
    expect(s.options.formulation).toMatchObject({
      lineCharging: "opendss",
      elementBands: "opendss",
      idlingPct: 1,
    });
    const opts = resolveDistributedOptions({ method: "admm" });
    const d = decompose(s, c.partitions["ieee123-4"]!, {
      allowReverseFlow: opts.allowReverseFlow,
      dropChildHeadCost: true,
    });
    const want = agentSpecs(s, d, opts);
    const sp = splitAreas("ieee123", s, c.partitions["ieee123-4"]!);
    const tmp = mkdtempSync(join(tmpdir(), "mpopf-areas-f-"));
    try {
      for (const [rel, text] of sp.files) {
        mkdirSync(dirname(join(tmp, rel)), { recursive: true });
        writeFileSync(join(tmp, rel), text);
      }
      sp.index.areas.forEach((a, i) => {
        const got = areaSpec(readAreaFolder(join(tmp, a.folder)), opts);
        expect(got.scenario.options.formulation).toEqual(s.options.formulation);
        expect(specFingerprint(got), `area ${a.id}`).toBe(specFingerprint(want[i]!));
      });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it("a spec that differs in anything has another fingerprint", () => {
    const opts = resolveDistributedOptions({ method: "enapp" });
    const a = areaSpec(readAreaFolder(join(dir, split.index.areas[1]!.folder)), opts);
    const b = areaSpec(readAreaFolder(join(dir, split.index.areas[1]!.folder)), opts);
    expect(specFingerprint(a)).toBe(specFingerprint(b));
    b.scenario.loads[0]!.mult[2]! += 1e-12;
    expect(specFingerprint(a)).not.toBe(specFingerprint(b));
    const c2 = areaSpec(readAreaFolder(join(dir, split.index.areas[1]!.folder)), { ...opts, run: "other" });
    expect(specFingerprint(c2)).not.toBe(specFingerprint(a));
  });

  it("each folder holds only its own area's buses, devices and boundaries", () => {
    const part = c.partitions["ieee123-4"]!;
    const net = sc.network;
    split.index.areas.forEach((a, k) => {
      const data = readAreaFolder(join(dir, a.folder));
      const own = new Set(part.areas[k]!.buses.map((b) => net.buses[b]!.id));
      const head = data.scenario.network.buses[data.scenario.network.substation]!.id;
      for (const b of data.scenario.network.buses)
        if (b.id !== head || k === 0) expect(own.has(b.id)).toBe(true);
      const busIds = (units: Array<{ bus: number }>) =>
        units.map((u) => data.scenario.network.buses[u.bus]!.id);
      for (const id of [
        ...busIds(data.scenario.loads),
        ...busIds(data.scenario.pvs),
        ...busIds(data.scenario.batteries),
      ])
        expect(own.has(id), `device at bus ${id} in area ${a.id}`).toBe(true);
      const mine = split.index.boundaries
        .filter((b) => b.parent === a.id || b.child === a.id)
        .map((b) => b.id);
      const listed = [
        ...(data.boundaries.up ? [data.boundaries.up.boundary] : []),
        ...data.boundaries.down.map((d) => d.boundary),
      ];
      expect(listed.sort()).toEqual(mine.sort());
      // Every bus of the feeder is in exactly one folder (plus a child's copy of its parent-side bus).
    });
    const total = split.index.areas
      .map((a) => readAreaFolder(join(dir, a.folder)).scenario.network.buses.length)
      .reduce((s, n) => s + n, 0);
    expect(total).toBe(net.buses.length + split.index.boundaries.length);
  });

  it("a folder edited by hand or with a bad field is refused with the file and field named", () => {
    const folder = join(dir, split.index.areas[2]!.folder);
    const file = join(folder, "loads.json");
    const orig = readFileSync(file, "utf8");
    try {
      writeFileSync(file, orig.replace(/"pRatedPu": ([0-9.e-]+)/, '"pRatedPu": 9'));
      expect(() => readAreaFolder(folder)).toThrow(/area\.json.*fingerprint/);
      writeFileSync(file, orig.replace(/"pRatedPu": ([0-9.e-]+)/, '"pRatedPu": "x"'));
      expect(() => readAreaFolder(folder)).toThrow(/loads\.json.*loads\.0\.pRatedPu/);
    } finally {
      writeFileSync(file, orig);
    }
    expect(() => readAreaFolder(join(dir, "nope"))).toThrow(/no such area folder/);
    expect(readAreaFolder(folder).manifest.area).toBe(split.index.areas[2]!.id);
  });
});
