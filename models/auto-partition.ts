/**
 * Automatic areas: split a radial network into K connected areas (`--areas auto:K`) balanced by problem size,
 * deterministically, and report the partition's quality.
 *
 * Size of a bus = what it adds to an area's MPOPF per period: the bus and the branch feeding it (variables P, Q,
 * l, v and rows: two balances, KVL, branch flow: 8), each PV on it (q_D: 1) and each battery (P_c, P_d, q_B, B
 * and the SOC row: 5). An area's size is the sum over its buses; multiplied by T it is ~ the area's NLP size.
 *
 * In a tree every partition into K connected areas cuts exactly K − 1 branches (one into each non-root area),
 * so "few boundaries" is automatic; what the algorithm chooses is WHERE to cut:
 * 1. min–max: the smallest bound B such that the tree splits into ≤ K connected parts of size ≤ B (binary search
 *    over B; for a given B the fewest parts come from the bottom-up rule "while a bus's accumulated subtree
 *    exceeds B, cut its heaviest uncut child" — Kundu & Misra, 1977); then the heaviest area is split further
 *    until there are exactly K.
 * 2. balance: boundary shifting — moving an area's head one bus up or down its parent branch — while it lowers
 *    the sum of squared area sizes without raising the largest area (ties: the earlier bus wins).
 * Same network, weights and K → the same partition.
 */
import { InputError } from "./errors.ts";
import { buildPartition, type Partition } from "./partition.ts";
import type { Network, Scenario } from "./types.ts";

/** Size added per period by a bus with its feeding branch, a PV and a battery (see the module comment). */
export const SIZE_PER_BUS = 8;
export const SIZE_PER_PV = 1;
export const SIZE_PER_BATTERY = 5;

/** Per-bus sizes of a scenario (per period). */
export function busSizes(sc: Pick<Scenario, "network" | "pvs" | "batteries">): Float64Array {
  const w = new Float64Array(sc.network.buses.length).fill(SIZE_PER_BUS);
  for (const u of sc.pvs) w[u.bus] += SIZE_PER_PV;
  for (const b of sc.batteries) w[b.bus] += SIZE_PER_BATTERY;
  return w;
}

/** Parse an `auto:K` areas spec; null when the spec is not of that form. Throws for `auto:` with a bad K. */
export function parseAutoAreas(spec: string): number | null {
  const m = /^auto:(.*)$/.exec(spec);
  if (!m) return null;
  const k = Number(m[1]);
  if (!(Number.isInteger(k) && k >= 1 && k <= 10_000)) {
    throw new InputError("bad-option", `expected auto:K with a whole number K in 1..10000, got '${spec}'`, {
      element: "command line",
      field: "areas",
    });
  }
  return k;
}

/** Number of parts the bottom-up rule makes with bound B, and the cut buses (area heads other than the root). */
function cutsForBound(net: Network, w: Float64Array, B: number, cut: Uint8Array): number {
  const nb = net.buses.length;
  const acc = new Float64Array(nb);
  cut.fill(0);
  let parts = 1;
  for (let i = nb - 1; i >= 0; i--) {
    const b = net.order[i]!;
    let s = w[b]!;
    const kids: number[] = [];
    for (const c of net.children[b]!) {
      if (!cut[c]) {
        s += acc[c]!;
        kids.push(c);
      }
    }
    if (s > B) {
      // Heaviest first; ties by bus index (deterministic).
      kids.sort((a, c) => acc[c]! - acc[a]! || a - c);
      for (const c of kids) {
        if (s <= B) break;
        cut[c] = 1;
        s -= acc[c]!;
        parts++;
      }
    }
    acc[b] = s;
  }
  return parts;
}

/** Area of every bus from the cut set (the substation's area is 0, the others by their head's BFS rank). */
function areasFromCuts(net: Network, cut: Uint8Array): Int32Array {
  const areaOf = new Int32Array(net.buses.length).fill(-1);
  let next = 0;
  for (const b of net.order) {
    const p = net.parent[b]!;
    if (p < 0 || cut[b]) areaOf[b] = next++;
    else areaOf[b] = areaOf[p]!;
  }
  return areaOf;
}

/** Sizes of the areas of an assignment. */
function areaSizes(areaOf: Int32Array, w: Float64Array, K: number): Float64Array {
  const s = new Float64Array(K);
  areaOf.forEach((a, b) => {
    s[a] += w[b]!;
  });
  return s;
}

/**
 * Split one area further into two connected parts as evenly as the tree allows: the best single cut is the
 * bus (not the head) whose area-restricted subtree size is closest to half the area.
 */
function bisectArea(net: Network, w: Float64Array, areaOf: Int32Array, a: number, cut: Uint8Array): boolean {
  const nb = net.buses.length;
  const sub = new Float64Array(nb);
  let total = 0;
  for (let i = nb - 1; i >= 0; i--) {
    const b = net.order[i]!;
    if (areaOf[b] !== a) continue;
    let s = w[b]!;
    for (const c of net.children[b]!) if (areaOf[c] === a && !cut[c]) s += sub[c]!;
    sub[b] = s;
    total += w[b]!;
  }
  let best = -1;
  let bestDev = Infinity;
  for (const b of net.order) {
    if (areaOf[b] !== a || cut[b]) continue;
    const p = net.parent[b]!;
    if (p < 0 || areaOf[p] !== a) continue; // the head
    const dev = Math.abs(total / 2 - sub[b]!);
    if (dev < bestDev) {
      bestDev = dev;
      best = b;
    }
  }
  if (best < 0) return false;
  cut[best] = 1;
  return true;
}

/** Buses that move when area `c`'s head moves from h to its parent p (p joins c with p's other part in A). */
function collectUp(net: Network, areaOf: Int32Array, h: number): number[] {
  const p = net.parent[h]!;
  const A = areaOf[p]!;
  const out: number[] = [];
  const stack = [p];
  while (stack.length > 0) {
    const b = stack.pop()!;
    out.push(b);
    for (const c of net.children[b]!) if (c !== h && areaOf[c] === A) stack.push(c);
  }
  return out;
}

/** Buses that move to the parent area when area c's head moves from h down to its child `to`. */
function collectDown(net: Network, areaOf: Int32Array, h: number, to: number): number[] {
  const C = areaOf[h]!;
  const out: number[] = [];
  const stack = [h];
  while (stack.length > 0) {
    const b = stack.pop()!;
    out.push(b);
    for (const c of net.children[b]!) if (c !== to && areaOf[c] === C) stack.push(c);
  }
  return out;
}

/** Boundary shifting (see the module comment). Mutates `areaOf`. */
function shiftBoundaries(net: Network, w: Float64Array, areaOf: Int32Array, K: number, passes = 100): void {
  const sizes = areaSizes(areaOf, w, K);
  const heads = new Int32Array(K).fill(-1);
  for (const b of net.order) {
    const p = net.parent[b]!;
    if (p < 0 || areaOf[p] !== areaOf[b]) heads[areaOf[b]!] = b;
  }
  const isHead = (b: number) => {
    const p = net.parent[b]!;
    return p < 0 || areaOf[p] !== areaOf[b];
  };
  for (let pass = 0; pass < passes; pass++) {
    let improved = false;
    const maxNow = Math.max(...sizes);
    for (let c = 1; c < K; c++) {
      const h = heads[c]!;
      const p = net.parent[h]!;
      const A = areaOf[p]!;
      // Candidate moves: up (p joins c; p must not be A's head) or down to a child of h inside c.
      const moves: Array<{ buses: number[]; from: number; to: number; head: number }> = [];
      if (!isHead(p)) moves.push({ buses: collectUp(net, areaOf, h), from: A, to: c, head: p });
      for (const ch of net.children[h]!) {
        if (areaOf[ch] === c)
          moves.push({ buses: collectDown(net, areaOf, h, ch), from: c, to: A, head: ch });
      }
      let best: (typeof moves)[number] | null = null;
      let bestGain = 1e-9;
      for (const mv of moves) {
        let dw = 0;
        for (const b of mv.buses) dw += w[b]!;
        const sf = sizes[mv.from]! - dw;
        const st = sizes[mv.to]! + dw;
        if (sf <= 0 || st > maxNow + 1e-9) continue;
        const gain = sizes[mv.from]! ** 2 + sizes[mv.to]! ** 2 - sf * sf - st * st;
        if (gain > bestGain) {
          bestGain = gain;
          best = mv;
        }
      }
      if (!best) continue;
      let dw = 0;
      for (const b of best.buses) {
        areaOf[b] = best.to;
        dw += w[b]!;
      }
      sizes[best.from] -= dw;
      sizes[best.to] += dw;
      heads[c] = best.head;
      improved = true;
    }
    if (!improved) break;
  }
}

/**
 * Partition a radial network into K connected areas balanced by `sizes` (per bus; default `SIZE_PER_BUS` each).
 * Area ids are "1".."K", the substation's area first, then breadth-first. Throws `InputError` when K exceeds the
 * number of buses.
 */
export function autoPartition(net: Network, K: number, sizes?: Float64Array, name = `auto:${K}`): Partition {
  const nb = net.buses.length;
  if (!(Number.isInteger(K) && K >= 1 && K <= nb)) {
    throw new InputError("bad-option", `cannot split ${nb} buses into ${K} connected areas`, {
      element: `network ${net.name}`,
      field: "areas",
    });
  }
  const w = sizes ?? new Float64Array(nb).fill(SIZE_PER_BUS);
  if (w.length !== nb) throw new Error(`internal: ${w.length} bus sizes for ${nb} buses`);
  const cut = new Uint8Array(nb);
  let lo = Math.max(...w);
  let hi = w.reduce((s, v) => s + v, 0);
  lo = Math.max(lo, hi / K);
  // Smallest bound with ≤ K parts (sizes are sums of bus sizes: 60 halvings are ample).
  if (cutsForBound(net, w, lo, cut) > K) {
    for (let it = 0; it < 60 && hi - lo > 1e-9 * hi; it++) {
      const mid = (lo + hi) / 2;
      if (cutsForBound(net, w, mid, cut) <= K) hi = mid;
      else lo = mid;
    }
    cutsForBound(net, w, hi, cut);
  }
  let areaOf = areasFromCuts(net, cut);
  let count = Math.max(...areaOf) + 1;
  while (count < K) {
    const s = areaSizes(areaOf, w, count);
    // The heaviest area that can still be split (more than one bus).
    const order = Array.from(s.keys()).sort((a, b) => s[b]! - s[a]! || a - b);
    let done = false;
    for (const a of order) {
      if (bisectArea(net, w, areaOf, a, cut)) {
        done = true;
        break;
      }
    }
    if (!done) break;
    areaOf = areasFromCuts(net, cut);
    count = Math.max(...areaOf) + 1;
  }
  shiftBoundaries(net, w, areaOf, count);
  // Renumber breadth-first through buildPartition (it also validates connectivity).
  const ids = new Map<number, string>();
  for (const b of net.order) if (!ids.has(areaOf[b]!)) ids.set(areaOf[b]!, String(ids.size + 1));
  return buildPartition(
    net,
    name,
    net.buses.map((bus, b) => ({ bus: bus.id, area: ids.get(areaOf[b]!)! })),
  );
}

/** How good a partition is. Sizes per period (see `busSizes`); multiply by T for the NLP's scale. */
export interface PartitionQuality {
  name: string;
  areas: number;
  /** Per area: id, buses, PVs, batteries, size, parent area id ("" for the root), depth in the area tree (root 0). */
  perArea: Array<{
    id: string;
    buses: number;
    pvs: number;
    batteries: number;
    size: number;
    parent: string;
    depth: number;
  }>;
  /** Boundary branches (K − 1 in a tree): "parent→child" area ids with the branch id. */
  boundaries: Array<{ id: string; branch: string }>;
  /** Largest / mean area size (1 = perfectly balanced). */
  imbalance: number;
  /** Smallest and largest area size. */
  minSize: number;
  maxSize: number;
  /** Depth of the area tree (levels below the root area). */
  depth: number;
  /** Largest number of child areas of one area. */
  maxChildren: number;
}

/** The quality of a partition of a scenario's network (sizes from its PVs and batteries). */
export function partitionQuality(
  sc: Pick<Scenario, "network" | "pvs" | "batteries">,
  part: Partition,
): PartitionQuality {
  const net = sc.network;
  const w = busSizes(sc);
  const K = part.areas.length;
  const pvs = new Int32Array(K);
  const batts = new Int32Array(K);
  for (const u of sc.pvs) pvs[part.areaOf[u.bus]!]++;
  for (const u of sc.batteries) batts[part.areaOf[u.bus]!]++;
  const depth = new Int32Array(K);
  part.areas.forEach((ar, k) => {
    if (ar.parent >= 0) depth[k] = depth[ar.parent]! + 1;
  });
  const perArea = part.areas.map((ar, k) => ({
    id: ar.id,
    buses: ar.buses.length,
    pvs: pvs[k]!,
    batteries: batts[k]!,
    size: ar.buses.reduce((s, b) => s + w[b]!, 0),
    parent: ar.parent >= 0 ? part.areas[ar.parent]!.id : "",
    depth: depth[k]!,
  }));
  const sizes = perArea.map((a) => a.size);
  const mean = sizes.reduce((s, v) => s + v, 0) / K;
  return {
    name: part.name,
    areas: K,
    perArea,
    boundaries: part.boundaries.map((bd) => ({
      id: `${part.areas[bd.parentArea]!.id}→${part.areas[bd.childArea]!.id}`,
      branch: net.branches[bd.branch]!.id,
    })),
    imbalance: Math.max(...sizes) / mean,
    minSize: Math.min(...sizes),
    maxSize: Math.max(...sizes),
    depth: Math.max(...depth),
    maxChildren: Math.max(...part.areas.map((a) => a.children.length)),
  };
}

/** The partition as a `bus,area` CSV (the case format's partition file), buses in network order. */
export function partitionCsv(net: Network, part: Partition, comment?: string): string {
  const lines = comment ? [`# ${comment}`] : [];
  lines.push("bus,area");
  net.buses.forEach((b, i) => {
    lines.push(`${b.id},${part.areas[part.areaOf[i]!]!.id}`);
  });
  return `${lines.join("\n")}\n`;
}
