import { z } from "zod";
import { idCell, readCsv } from "./csv.ts";
import { InputError } from "./errors.ts";
import type { Network } from "./types.ts";

/** One area of a partition. */
export interface Area {
  id: string;
  /** Bus indices owned by the area, parents before children. */
  buses: number[];
  /** The area's head bus: its only bus whose parent lies outside the area (or the substation). */
  head: number;
  /** Index (into Partition.areas) of the parent area; -1 for the root area. */
  parent: number;
  /** Branch from the parent area into this area's head bus; -1 for the root area. */
  boundaryBranch: number;
  /** Indices of child areas. */
  children: number[];
}

/** A boundary between a parent and a child area: the branch that crosses it. */
export interface Boundary {
  parentArea: number;
  childArea: number;
  branch: number;
  /** Bus on the parent side (owned by the parent area). */
  parentBus: number;
  /** Head bus of the child area. */
  childBus: number;
}

/** A partition of a radial network into areas that form a tree. */
export interface Partition {
  name: string;
  /** Area index of each bus. */
  areaOf: Int32Array;
  /** Areas, root area (owning the substation) first, then breadth-first. */
  areas: Area[];
  boundaries: Boundary[];
}

/**
 * Validate a bus → area assignment on a network and derive the area tree and its boundaries.
 * Errors name the file and, where it applies, the line and bus.
 */
export function buildPartition(
  network: Network,
  name: string,
  assignment: Array<{ bus: string; area: string; line?: number }>,
  file?: string,
): Partition {
  const nb = network.buses.length;
  const areaIdOfBus: Array<string | undefined> = new Array(nb);
  const lineOfBus: Array<number | undefined> = new Array(nb);
  for (const row of assignment) {
    const b = network.busIndex[row.bus];
    if (b === undefined) {
      throw new InputError("bad-partition", `bus '${row.bus}' is not a bus of network '${network.name}'`, {
        file,
        line: row.line,
        element: `bus ${row.bus}`,
        field: "bus",
      });
    }
    if (areaIdOfBus[b] !== undefined) {
      throw new InputError(
        "bad-partition",
        `bus '${row.bus}' is assigned twice (to area ${areaIdOfBus[b]}${lineOfBus[b] !== undefined ? ` at line ${lineOfBus[b]}` : ""} and to area ${row.area})`,
        { file, line: row.line, element: `bus ${row.bus}`, field: "area" },
      );
    }
    areaIdOfBus[b] = row.area;
    lineOfBus[b] = row.line;
  }
  const left: string[] = [];
  for (let i = 0; i < nb; i++) if (areaIdOfBus[i] === undefined) left.push(network.buses[i]!.id);
  if (left.length > 0) {
    throw new InputError(
      "bad-partition",
      `partition '${name}' leaves ${left.length} bus(es) out: ${left.slice(0, 10).join(", ")}${left.length > 10 ? ", …" : ""}`,
      { file, element: `bus ${left[0]}`, field: "area" },
    );
  }

  // Heads: buses whose parent is in another area (or the substation).
  const heads = new Map<string, number[]>();
  for (const b of network.order) {
    const a = areaIdOfBus[b]!;
    const p = network.parent[b]!;
    if (p < 0 || areaIdOfBus[p] !== a) {
      const list = heads.get(a) ?? [];
      list.push(b);
      heads.set(a, list);
    }
  }
  for (const [a, hs] of heads) {
    if (hs.length > 1) {
      const ids = hs.map((h) => network.buses[h]!.id);
      throw new InputError(
        "bad-partition",
        `area ${a} is not connected (areas must be connected sub-trees forming a tree of areas): it is entered from outside at buses ${ids.join(", ")}`,
        { file, line: lineOfBus[hs[1]!], element: `area ${a}`, field: "area" },
      );
    }
  }

  // Order areas breadth-first from the root area.
  const areas: Area[] = [];
  const areaIndex = new Map<string, number>();
  for (const b of network.order) {
    const a = areaIdOfBus[b]!;
    if (!areaIndex.has(a)) {
      areaIndex.set(a, areas.length);
      const p = network.parent[b]!;
      const parent = p < 0 ? -1 : areaIndex.get(areaIdOfBus[p]!)!;
      areas.push({
        id: a,
        buses: [],
        head: b,
        parent,
        boundaryBranch: network.parentBranch[b]!,
        children: [],
      });
      if (parent >= 0) areas[parent]!.children.push(areas.length - 1);
    }
    areas[areaIndex.get(a)!]!.buses.push(b);
  }
  const areaOf = new Int32Array(nb);
  for (let i = 0; i < nb; i++) areaOf[i] = areaIndex.get(areaIdOfBus[i]!)!;
  const boundaries: Boundary[] = [];
  areas.forEach((ar, k) => {
    if (ar.parent >= 0) {
      const br = network.branches[ar.boundaryBranch]!;
      boundaries.push({
        parentArea: ar.parent,
        childArea: k,
        branch: ar.boundaryBranch,
        parentBus: br.from,
        childBus: br.to,
      });
    }
  });
  return { name, areaOf, areas, boundaries };
}

const AreaRowSchema = z.object({ bus: idCell, area: idCell });

/** Read a `bus,area` CSV file and build the partition. */
export function loadPartition(network: Network, name: string, file: string): Partition {
  const rows = readCsv(file, AreaRowSchema, (r) => `bus ${r.bus ?? "?"}`);
  return buildPartition(network, name, rows, file);
}
