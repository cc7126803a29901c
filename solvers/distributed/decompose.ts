/**
 * Exact area decomposition of a radial network for the distributed methods (ENApp, method.md §5; ADMM; APP).
 *
 * The partition assigns every bus to one area (bus ownership, `models/partition.ts`). A child area's boundary
 * branch (parent-side bus p in the parent area → the child's head bus h) is given to the CHILD, together with a
 * load-free copy of p as the child's head:
 *
 *   child sub-network  = copy of p (head, v fixed to the parent's v_p per period) + boundary branch p→h + own buses
 *   parent sub-network = own buses; at p a fixed extra load P + jQ per period = the power the child draws at p
 *                        (sending end of p→h: the child's consumption plus the boundary branch's loss)
 *
 * Every equation of the centralized MPOPF appears in exactly one area (bus p's balance and voltage band in the
 * parent; branch p→h's flow, KVL and loss, and bus h's balance in the child), and every loss term and device
 * is counted once, so at a fixed point (child v_p = parent v_p, parent's extra load = child's head power) the
 * union of the area solutions is a solution of the centralized constraints — exactly, not up to a duplicated
 * near-zero branch. The authors instead cut at the near-zero regulator branches 15→117, 20→118, 62→125 and put
 * a copy of each in both areas (1e-4 Ω in the parent, 1e-6 Ω in the child): their areas count that branch's loss
 * twice and their child head sits one branch upstream. With ownership-based areas the boundary branches are
 * 117→54, 118→37 and 125→128 and nothing is duplicated.
 */
import { InputError } from "../../models/errors.ts";
import type { Partition } from "../../models/partition.ts";
import { subNetwork } from "../../models/topology.ts";
import type { Network, Scenario } from "../../models/types.ts";

/** One boundary between a parent and a child area. */
export interface EnappBoundary {
  /** Index into `Decomposition.boundaries`. */
  index: number;
  /** Id used in tables: "<parent area id>→<child area id>", e.g. "1→2". */
  id: string;
  parentArea: number;
  childArea: number;
  /** Global index of the boundary branch (parent-side bus → child head bus). */
  branch: number;
  /** Global index of the parent-side bus (owned by the parent area; its voltage is sent down). */
  parentBus: number;
  /** Global index of the child area's head bus. */
  childBus: number;
  /** Local index of the parent-side bus in the parent area's sub-network (where the child's power is drawn). */
  parentLocalBus: number;
  /** Resistance from the substation down to the parent-side bus (pu): prices the upstream losses. */
  rPathPu: number;
  /** Half the boundary branch's shunt susceptance (pu) when line charging is modelled, else 0. */
  bHalfPu: number;
}

/** One area: its MPOPF scenario on a sub-network and the maps back to the full network. */
export interface EnappArea {
  index: number;
  id: string;
  /** Parent area index, -1 for the root area (the one holding the substation). */
  parent: number;
  /** Child area indices. */
  children: number[];
  /** Boundary from the parent (index into `Decomposition.boundaries`), -1 for the root. */
  upBoundary: number;
  /** Boundaries to the children (indices into `Decomposition.boundaries`). */
  downBoundaries: number[];
  /** The area's own MPOPF scenario: sub-network, its own PVs and batteries, options for an area head. */
  scenario: Scenario;
  /** Local bus → global bus; -1 for the head copy of the parent-side bus in a child area. */
  busGlobal: Int32Array;
  /** Local branch → global branch. */
  branchGlobal: Int32Array;
  /** Local PV / battery → index in the full scenario's `pvs` / `batteries`. */
  pvGlobal: Int32Array;
  batteryGlobal: Int32Array;
}

/** A network and scenario split into areas with their equivalents. */
export interface Decomposition {
  scenario: Scenario;
  partition: Partition;
  /** Areas in the partition's order (root first, breadth-first). */
  areas: EnappArea[];
  boundaries: EnappBoundary[];
}

/** Options of `decompose`. */
export interface DecomposeOptions {
  /** Allow a child area's head power to be negative (reverse flow into the parent). The authors forbid it. */
  allowReverseFlow?: boolean;
  /**
   * Drop the price × head-power term from child areas' cost objectives (the "marginal" coupling prices a
   * child's head power through its parent's multipliers instead). Default false.
   */
  dropChildHeadCost?: boolean;
}

function bad(message: string, element: string, field = "area"): InputError {
  return new InputError("bad-partition", message, { element, field });
}

/** Check that a partition belongs to the scenario's network and is a tree of connected areas. */
function checkPartition(net: Network, part: Partition): void {
  const nb = net.buses.length;
  if (part.areaOf.length !== nb) {
    throw bad(
      `partition '${part.name}' assigns ${part.areaOf.length} buses, network '${net.name}' has ${nb}`,
      `partition ${part.name}`,
    );
  }
  if (part.areas.length === 0) throw bad(`partition '${part.name}' has no areas`, `partition ${part.name}`);
  for (let b = 0; b < nb; b++) {
    const a = part.areaOf[b];
    if (!(a >= 0 && a < part.areas.length))
      throw bad(`bus is assigned to area index ${a}, which does not exist`, `bus ${net.buses[b].id}`);
  }
  const root = part.areaOf[net.substation];
  if (root !== 0 || part.areas[0].parent !== -1) {
    throw bad(
      `the first area of partition '${part.name}' must hold the substation bus '${net.buses[net.substation].id}'`,
      `area ${part.areas[0].id}`,
    );
  }
  part.areas.forEach((ar, k) => {
    // Every bus of the area except its head must have its parent in the same area (connected sub-tree).
    const heads = ar.buses.filter((b) => {
      const p = net.parent[b];
      return p < 0 || part.areaOf[p] !== k;
    });
    if (heads.length !== 1 || heads[0] !== ar.head) {
      throw bad(
        `area ${ar.id} must be a connected sub-tree entered at exactly one bus (entered at ${heads.map((h) => net.buses[h].id).join(", ") || "none"})`,
        `area ${ar.id}`,
      );
    }
    for (const b of ar.buses) {
      if (part.areaOf[b] !== k)
        throw bad(`bus listed in area ${ar.id} is assigned elsewhere`, `bus ${net.buses[b].id}`);
    }
    if (k > 0) {
      const br = net.branches[ar.boundaryBranch];
      if (!br || br.to !== ar.head || part.areaOf[br.from] !== ar.parent) {
        throw bad(
          `area ${ar.id}: its boundary branch must run from its parent area into its head bus '${net.buses[ar.head].id}'`,
          `area ${ar.id}`,
          "boundaryBranch",
        );
      }
    }
  });
}

/**
 * Split a scenario into the areas of a partition (see the module comment for the exact equivalents).
 * Throws `InputError` ("bad-partition") when the partition does not fit the scenario's network.
 */
export function decompose(
  scenario: Scenario,
  partition: Partition,
  opts: DecomposeOptions = {},
): Decomposition {
  const net = scenario.network;
  checkPartition(net, partition);
  const { areaOf } = partition;
  const boundaries: EnappBoundary[] = [];
  const areas: EnappArea[] = partition.areas.map((ar, k) => {
    const isRoot = ar.parent < 0;
    const own = new Set(ar.buses);
    // Buses: [head copy of the parent-side bus (child areas only), own buses in the partition's order].
    const busGlobal: number[] = [];
    const branchGlobal: number[] = [];
    // The head copy of the parent-side bus carries its id and zone, and no devices.
    const headOf = isRoot ? net.substation : net.branches[ar.boundaryBranch].from;
    if (!isRoot) {
      busGlobal.push(-1);
      branchGlobal.push(ar.boundaryBranch);
    }
    for (const b of ar.buses) busGlobal.push(b);
    net.branches.forEach((br, q) => {
      if (own.has(br.from) && own.has(br.to)) branchGlobal.push(q);
    });
    const sub = subNetwork(net, `${net.name} area ${ar.id}`, busGlobal, branchGlobal, headOf);
    const localBus = new Map<number, number>();
    busGlobal.forEach((g, i) => {
      if (g >= 0) localBus.set(g, i);
    });
    // The area's own devices, re-pointed at local buses, and their indices in the full scenario.
    const ownUnits = <U extends { bus: number }>(units: U[]) => {
      const global: number[] = [];
      const local = units.flatMap((u, d) => {
        if (areaOf[u.bus] !== k) return [];
        global.push(d);
        return [{ ...u, bus: localBus.get(u.bus)! }];
      });
      return { local, global: Int32Array.from(global) };
    };
    const pvs = ownUnits(scenario.pvs);
    const batteries = ownUnits(scenario.batteries);
    const loads = ownUnits(scenario.loads);
    const capacitors = ownUnits(scenario.capacitors);
    const options = isRoot
      ? { ...scenario.options }
      : { ...scenario.options, peakCapKw: null, noBackfeed: !opts.allowReverseFlow };
    const objective =
      !isRoot && opts.dropChildHeadCost && scenario.objective.kind === "cost"
        ? { ...scenario.objective, weight: 0 }
        : { ...scenario.objective };
    const sc: Scenario = {
      ...scenario,
      name: `${scenario.name} area ${ar.id}`,
      network: sub,
      loads: loads.local,
      capacitors: capacitors.local,
      pvs: pvs.local,
      batteries: batteries.local,
      objective,
      options,
    };
    return {
      index: k,
      id: ar.id,
      parent: ar.parent,
      children: [...ar.children],
      upBoundary: -1,
      downBoundaries: [],
      scenario: sc,
      busGlobal: Int32Array.from(busGlobal),
      branchGlobal: Int32Array.from(branchGlobal),
      pvGlobal: pvs.global,
      batteryGlobal: batteries.global,
    };
  });
  for (const ar of areas) {
    if (ar.parent < 0) continue;
    const src = partition.areas[ar.index];
    const br = net.branches[src.boundaryBranch];
    const parent = areas[ar.parent];
    const parentLocalBus = parent.busGlobal.indexOf(br.from);
    let rPathPu = 0;
    for (let j = br.from; net.parent[j] >= 0; j = net.parent[j])
      rPathPu += net.branches[net.parentBranch[j]].rPu;
    const bd: EnappBoundary = {
      index: boundaries.length,
      id: `${parent.id}→${ar.id}`,
      parentArea: ar.parent,
      childArea: ar.index,
      branch: src.boundaryBranch,
      parentBus: br.from,
      childBus: br.to,
      parentLocalBus,
      rPathPu,
      bHalfPu: scenario.options.formulation.lineCharging ? br.bPu / 2 : 0,
    };
    boundaries.push(bd);
    ar.upBoundary = bd.index;
    parent.downBoundaries.push(bd.index);
  }
  return { scenario, partition, areas, boundaries };
}
