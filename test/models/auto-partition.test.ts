/**
 * Automatic areas: K connected areas forming a tree, balanced by problem size (min–max optimal, checked by
 * brute force on small trees), deterministic, with their quality and a partition CSV that loads back.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  autoPartition,
  busSizes,
  parseAutoAreas,
  partitionCsv,
  partitionQuality,
} from "../../models/auto-partition.ts";
import { buildFeeder, networkOf } from "../../models/build.ts";
import { caseFromFeeder, loadCase } from "../../models/case.ts";
import { InputError } from "../../models/errors.ts";
import { generateFeeder } from "../../models/generate.ts";
import { loadPartition } from "../../models/partition.ts";
import { mulberry32 } from "../../models/random.ts";
import { buildScenario } from "../../models/scenario.ts";
import type { Network } from "../../models/types.ts";

const tmp = mkdtempSync(join(tmpdir(), "mpopf-auto-areas-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every area is a connected sub-tree entered at its head, and every bus is in exactly one area. */
function expectTreeOfAreas(net: Network, areaOf: Int32Array, K: number): void {
  expect(new Set(areaOf).size).toBe(K);
  const heads = new Array<number>(K).fill(0);
  for (let b = 0; b < net.buses.length; b++) {
    const p = net.parent[b]!;
    if (p < 0 || areaOf[p] !== areaOf[b]) heads[areaOf[b]!]!++;
  }
  expect(heads).toEqual(new Array(K).fill(1));
}

describe("autoPartition", () => {
  it("IEEE-123 into 2, 4, 8: connected areas, K − 1 boundaries, balanced, deterministic", () => {
    const c = loadCase("ieee123");
    const sc = buildScenario(c, { horizon: 24, pvPercent: 20, battPercent: 30 });
    const w = busSizes(sc);
    const total = w.reduce((s, v) => s + v, 0);
    for (const K of [2, 4, 8]) {
      const p = autoPartition(sc.network, K, w);
      expect(p.areas).toHaveLength(K);
      expect(p.boundaries).toHaveLength(K - 1);
      expectTreeOfAreas(sc.network, p.areaOf, K);
      const q = partitionQuality(sc, p);
      expect(q.perArea.reduce((s, a) => s + a.size, 0)).toBe(total);
      expect(q.perArea.reduce((s, a) => s + a.buses, 0)).toBe(128);
      // Far better balanced than the paper's hand-made 4 areas (largest / mean 1.63).
      expect(q.imbalance).toBeLessThan(K === 8 ? 1.3 : 1.2);
      expect(Array.from(autoPartition(sc.network, K, w).areaOf)).toEqual(Array.from(p.areaOf));
    }
    expect(partitionQuality(sc, c.partitions["ieee123-4"]!).imbalance).toBeGreaterThan(1.6);
  });

  it("the largest area is as small as any partition into K connected areas allows (brute force, random trees)", () => {
    const rnd = mulberry32(11);
    for (let trial = 0; trial < 25; trial++) {
      const n = 9 + Math.floor(rnd() * 5);
      const ids = Array.from({ length: n }, (_, i) => `n${i}`);
      const branches = ids.slice(1).map((id, i) => ({
        id: `l${i}`,
        from: ids[Math.floor(rnd() * (i + 1))]!,
        to: id,
        rOhm: 0.1,
        xOhm: 0.1,
      }));
      const net = networkOf(
        buildFeeder({
          name: `t${trial}`,
          sBaseKva: 1000,
          vBaseKvLn: 2.4,
          substation: "n0",
          vSubsPu: 1,
          buses: ids.map((id) => ({ id })),
          branches,
        }),
      );
      const w = Float64Array.from({ length: n }, () => 1 + Math.floor(rnd() * 9));
      const K = 2 + Math.floor(rnd() * 3);
      const p = autoPartition(net, K, w);
      expectTreeOfAreas(net, p.areaOf, K);
      const got = Math.max(...p.areas.map((a) => a.buses.reduce((s, b) => s + w[b]!, 0)));
      // Brute force: every choice of K − 1 cut branches (each cut heads one area).
      let best = Infinity;
      const nonRoot = Array.from({ length: n }, (_, b) => b).filter((b) => net.parent[b]! >= 0);
      const choose = (start: number, left: number, cut: Set<number>) => {
        if (left === 0) {
          const size = new Map<number, number>();
          const areaOf = new Int32Array(n);
          for (const b of net.order) {
            const par = net.parent[b]!;
            areaOf[b] = par < 0 || cut.has(b) ? b : areaOf[par]!;
            size.set(areaOf[b]!, (size.get(areaOf[b]!) ?? 0) + w[b]!);
          }
          best = Math.min(best, Math.max(...size.values()));
          return;
        }
        for (let i = start; i < nonRoot.length; i++) {
          cut.add(nonRoot[i]!);
          choose(i + 1, left - 1, cut);
          cut.delete(nonRoot[i]!);
        }
      };
      choose(0, K - 1, new Set());
      expect(got, `trial ${trial}: ${n} buses, K = ${K}`).toBe(best);
    }
  });

  it("generated feeders (2,500 buses into 8 and 32): balanced within 25 %, quality reported, CSV loads back", () => {
    const sc = buildScenario(caseFromFeeder(generateFeeder({ buses: 2500, seed: 1 })), { horizon: 24 });
    for (const K of [8, 32]) {
      const p = autoPartition(sc.network, K, busSizes(sc));
      expectTreeOfAreas(sc.network, p.areaOf, K);
      const q = partitionQuality(sc, p);
      expect(q.areas).toBe(K);
      expect(q.boundaries).toHaveLength(K - 1);
      expect(q.imbalance).toBeLessThan(1.25);
      expect(q.depth).toBeGreaterThanOrEqual(1);
      expect(q.depth).toBeLessThan(K);
      expect(q.perArea.reduce((s, a) => s + a.pvs, 0)).toBe(sc.pvs.length);
      expect(q.perArea.reduce((s, a) => s + a.batteries, 0)).toBe(sc.batteries.length);
      const file = join(tmp, `auto-${K}.csv`);
      writeFileSync(file, partitionCsv(sc.network, p, `auto:${K}`));
      const back = loadPartition(sc.network, `auto:${K}`, file);
      expect(Array.from(back.areaOf)).toEqual(Array.from(p.areaOf));
    }
  });

  it("K = 1 is the whole feeder; K above the bus count and bad specs are named errors", () => {
    const c = loadCase("ieee123");
    expect(autoPartition(c.network, 1).areas).toHaveLength(1);
    expect(() => autoPartition(c.network, 129)).toThrow(InputError);
    expect(() => autoPartition(c.network, 129)).toThrow(/cannot split 128 buses into 129/);
    expect(parseAutoAreas("auto:16")).toBe(16);
    expect(parseAutoAreas("ieee123-4")).toBeNull();
    expect(() => parseAutoAreas("auto:x")).toThrow(/auto:K/);
    expect(() => parseAutoAreas("auto:0")).toThrow(/auto:K/);
  });
});
