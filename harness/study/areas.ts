/**
 * Which areas a distributed solve uses: `--areas NAME` (a partition of the case), `--areas FILE.csv` (a
 * `bus,area` file) or `--areas auto:K` (K connected areas balanced by problem size, models/auto-partition.ts).
 */
import { existsSync } from "node:fs";
import {
  autoPartition,
  busSizes,
  type PartitionQuality,
  parseAutoAreas,
} from "../../models/auto-partition.ts";
import type { StudyCase } from "../../models/case.ts";
import { loadPartition, type Partition } from "../../models/partition.ts";
import type { Scenario } from "../../models/types.ts";
import { pickPartition } from "./enapp.ts";

/** The partition an `--areas` value names (default: the case's first). Throws `InputError` naming the source. */
export function resolveAreas(c: StudyCase, spec: string | undefined, scenario: Scenario): Partition {
  if (spec !== undefined) {
    const k = parseAutoAreas(spec);
    if (k !== null) return autoPartition(scenario.network, k, busSizes(scenario), spec);
    if (!(spec in c.partitions) && (/\.csv$/i.test(spec) || existsSync(spec)))
      return loadPartition(scenario.network, spec, spec);
  }
  return pickPartition(c, spec);
}

/** The quality of a partition as text lines (sizes per period; × T for the NLP). */
export function formatQuality(q: PartitionQuality, T: number): string {
  const lines = [
    `areas ${q.name}: ${q.areas} areas, ${q.boundaries.length} boundary branches, area-tree depth ${q.depth}, at most ${q.maxChildren} child areas per area`,
    `size (variables + rows per period; × T = ${T} for the NLP): min ${q.minSize}, max ${q.maxSize}, largest / mean ${q.imbalance.toFixed(3)}`,
    "area  parent  depth  buses  PVs  batteries  size",
    ...q.perArea.map(
      (a) =>
        `${a.id.padEnd(4)}  ${(a.parent || "-").padEnd(6)}  ${String(a.depth).padStart(5)}  ${String(a.buses).padStart(5)}  ${String(a.pvs).padStart(3)}  ${String(a.batteries).padStart(9)}  ${String(a.size).padStart(5)}`,
    ),
    `boundaries: ${q.boundaries.map((b) => `${b.id} (${b.branch})`).join(", ")}`,
  ];
  return `${lines.join("\n")}\n`;
}
