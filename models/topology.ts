/**
 * The network part of the engineering → math transform: validates the feeder's buses, lines (closed ones),
 * transformers and source; orients the radial tree away from the source; assigns each bus its voltage zone
 * (the source's, or the secondary of the transformer above it); and puts every branch in per unit on the
 * bases of the zone it feeds. Errors name the file, line, element and field.
 */
import { InputError } from "./errors.ts";
import type { Feeder, SourceRef } from "./feeder.ts";
import type { Branch, Bus, Network, PhaseModel, Zone } from "./types.ts";

/** Names of the input columns, used in messages instead of internal field names. */
const LINE_FIELDS = { id: "branch", from: "from_bus", to: "to_bus", rOhm: "r_ohm", xOhm: "x_ohm" } as const;

/** Id of the hidden fixed-voltage node behind a source impedance. */
export const SOURCE_NODE_SUFFIX = "#source";

interface EdgeSpec {
  id: string;
  kind: Branch["kind"];
  a: number;
  b: number;
  at?: SourceRef;
  label: string;
  /** Row index in its table. */
  row: number;
}

/**
 * The bases of a zone with line-to-neutral base V (kV): per phase Z = V²·1000/S, I = S/V; three-phase (total
 * power) Z = (√3·V)²·1000/S, I = S/(√3·√3·V).
 */
export function zoneOf(vBaseKvLn: number, sBaseKva: number, phaseModel: PhaseModel = "per-phase"): Zone {
  const k = phaseModel === "three-phase" ? 3 : 1;
  return {
    vBaseKvLn,
    zBaseOhm: (k * vBaseKvLn * vBaseKvLn * 1000) / sBaseKva,
    iBaseA: sBaseKva / (k * vBaseKvLn),
  };
}

/** Build and validate the per-unit radial network of a feeder. Throws `InputError` on bad input. */
export function buildMathNetwork(feeder: Feeder): Network {
  const S = feeder.sBaseKva;
  const src = feeder.source;
  const phaseModel: PhaseModel = feeder.phaseModel ?? "per-phase";
  if (!(S > 0) || !(src.kvBaseLn > 0)) {
    throw new InputError(
      "bad-number",
      `bases must be positive (got sBaseKva=${S}, vBaseKvLn=${src.kvBaseLn})`,
      { ...src.at, element: "network", field: "bases" },
    );
  }
  const busIndex: Record<string, number> = Object.create(null);
  const buses: Bus[] = [];
  for (const b of feeder.buses) {
    if (b.id in busIndex) {
      const first = feeder.buses[busIndex[b.id]!]!;
      throw new InputError(
        "duplicate-bus",
        `bus '${b.id}' is defined twice${first.at?.line !== undefined ? ` (first at line ${first.at.line})` : ""}`,
        { ...b.at, element: `bus ${b.id}`, field: "bus" },
      );
    }
    busIndex[b.id] = buses.length;
    buses.push({ id: b.id, zone: -1 });
  }
  if (!(src.bus in busIndex)) {
    throw new InputError("unknown-bus", `substation bus '${src.bus}' is not among the buses`, {
      ...src.at,
      element: "network",
      field: "substation",
    });
  }
  const hasSourceZ = (src.rOhm ?? 0) !== 0 || (src.xOhm ?? 0) !== 0;
  let root = busIndex[src.bus]!;
  if (hasSourceZ) {
    const id = `${src.bus}${SOURCE_NODE_SUFFIX}`;
    busIndex[id] = buses.length;
    buses.push({ id, zone: -1 });
    root = busIndex[id]!;
  }

  // Edges: closed lines, transformers, the source impedance.
  const edges: EdgeSpec[] = [];
  const ids = new Set<string>();
  const endpoint = (id: string, at: SourceRef | undefined, element: string, field: string): number => {
    const i = busIndex[id];
    if (i === undefined) {
      throw new InputError("unknown-bus", `bus '${id}' is not defined in the bus table`, {
        ...at,
        element,
        field,
      });
    }
    return i;
  };
  const addEdge = (
    e: Omit<EdgeSpec, "a" | "b">,
    from: string,
    to: string,
    fields: { from: string; to: string; id: string },
  ) => {
    const loc = { ...e.at, element: e.label };
    if (ids.has(e.id)) {
      throw new InputError("duplicate-branch", `branch id '${e.id}' is used twice`, {
        ...loc,
        field: fields.id,
      });
    }
    ids.add(e.id);
    const a = endpoint(from, e.at, e.label, fields.from);
    const b = endpoint(to, e.at, e.label, fields.to);
    if (a === b) {
      throw new InputError("cycle", `branch connects bus '${from}' to itself`, { ...loc, field: fields.to });
    }
    edges.push({ ...e, a, b });
  };
  feeder.lines.forEach((ln, row) => {
    const label = `branch ${ln.id} (${ln.from}→${ln.to})`;
    for (const f of ["rOhm", "xOhm"] as const) {
      const v = ln[f];
      if (!Number.isFinite(v)) {
        throw new InputError("bad-number", `expected a finite number of ohms, got ${String(v)}`, {
          ...ln.at,
          element: label,
          field: LINE_FIELDS[f],
        });
      }
      if (v < 0) {
        throw new InputError("bad-number", `impedance must not be negative (got ${v} Ω)`, {
          ...ln.at,
          element: label,
          field: LINE_FIELDS[f],
        });
      }
    }
    if (ln.iMaxA !== undefined && !(ln.iMaxA > 0)) {
      throw new InputError("bad-number", `ampacity must be positive (got ${ln.iMaxA})`, {
        ...ln.at,
        element: label,
        field: "i_max_a",
      });
    }
    if (ln.closed === false) return;
    addEdge({ id: ln.id, kind: "line", at: ln.at, label, row }, ln.from, ln.to, LINE_FIELDS);
  });
  feeder.transformers.forEach((tr, row) => {
    addEdge(
      { id: tr.id, kind: "transformer", at: tr.at, label: `transformer ${tr.id} (${tr.from}→${tr.to})`, row },
      tr.from,
      tr.to,
      { id: "transformer", from: "from_bus", to: "to_bus" },
    );
  });
  if (hasSourceZ) {
    edges.push({
      id: `${src.bus}${SOURCE_NODE_SUFFIX}`,
      kind: "source",
      a: root,
      b: busIndex[src.bus]!,
      at: src.at,
      label: "source impedance",
      row: 0,
    });
  }

  const nb = buses.length;
  const adj: Array<Array<{ e: number; other: number }>> = Array.from({ length: nb }, () => []);
  edges.forEach((e, k) => {
    adj[e.a]!.push({ e: k, other: e.b });
    adj[e.b]!.push({ e: k, other: e.a });
  });

  // Breadth-first search from the source orients the tree and finds cycles.
  const parent = new Int32Array(nb).fill(-1);
  const parentEdge = new Int32Array(nb).fill(-1);
  const visited = new Uint8Array(nb);
  const order = new Int32Array(nb);
  const used = new Uint8Array(edges.length);
  let head = 0;
  let tail = 0;
  order[tail++] = root;
  visited[root] = 1;
  while (head < tail) {
    const u = order[head++]!;
    for (const { e, other } of adj[u]!) {
      if (used[e]) continue;
      used[e] = 1;
      if (visited[other]) {
        const ed = edges[e]!;
        throw new InputError(
          "cycle",
          `branch closes a loop: bus '${buses[other]!.id}' is already reached from the substation through another path (the feeder must be radial; open a switch with closed=false)`,
          { ...ed.at, element: ed.label },
        );
      }
      visited[other] = 1;
      parent[other] = u;
      parentEdge[other] = e;
      order[tail++] = other;
    }
  }
  if (tail < nb) {
    const missing: string[] = [];
    for (let i = 0; i < nb; i++) if (!visited[i]) missing.push(buses[i]!.id);
    const first = feeder.buses.find((b) => b.id === missing[0]);
    throw new InputError(
      "disconnected",
      `${missing.length} bus(es) not connected to the substation '${src.bus}': ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", …" : ""}`,
      { ...first?.at, element: `bus ${missing[0]}` },
    );
  }

  // Zones: the source's, then one per transformer secondary (base = primary base × rated ratio).
  const zones: Zone[] = [zoneOf(src.kvBaseLn, S, phaseModel)];
  buses[root]!.zone = 0;
  for (let q = 1; q < nb; q++) {
    const j = order[q]!;
    const ed = edges[parentEdge[j]!]!;
    const pz = buses[parent[j]!]!.zone;
    if (ed.kind === "transformer") {
      const tr = feeder.transformers[ed.row]!;
      zones.push(zoneOf((zones[pz]!.vBaseKvLn * tr.kvSecondary) / tr.kvPrimary, S, phaseModel));
      buses[j]!.zone = zones.length - 1;
    } else buses[j]!.zone = pz;
  }
  for (const b of feeder.buses) {
    if (b.kvNominal === undefined) continue;
    const zb = zones[buses[busIndex[b.id]!]!.zone]!.vBaseKvLn * Math.sqrt(3);
    if (Math.abs(b.kvNominal - zb) > 0.05 * zb) {
      throw new InputError(
        "out-of-range",
        `nominal ${b.kvNominal} kV does not match its voltage zone's base ${zb.toFixed(4)} kV (line-to-line; set by the source and the transformers above it)`,
        { ...b.at, element: `bus ${b.id}`, field: "kv_nominal" },
      );
    }
  }

  const branches: Branch[] = edges.map((ed) => {
    const [from, to] = parent[ed.b] === ed.a && edges[parentEdge[ed.b]!] === ed ? [ed.a, ed.b] : [ed.b, ed.a];
    const z = zones[buses[to]!.zone]!;
    if (ed.kind === "line") {
      const ln = feeder.lines[ed.row]!;
      const out: Branch = {
        id: ln.id,
        kind: "line",
        from,
        to,
        rPu: ln.rOhm / z.zBaseOhm,
        xPu: ln.xOhm / z.zBaseOhm,
        bPu: (ln.bUs ?? 0) * 1e-6 * z.zBaseOhm,
        tap: 1,
      };
      if (ln.iMaxA !== undefined) out.iMaxA = ln.iMaxA;
      return out;
    }
    if (ed.kind === "transformer") {
      const tr = feeder.transformers[ed.row]!;
      if (from !== busIndex[tr.from]) {
        throw new InputError(
          "bad-number",
          `the primary (from_bus '${tr.from}') must be the side towards the substation`,
          { ...tr.at, element: ed.label, field: "from_bus" },
        );
      }
      // %R, %X on the transformer's kVA and rated secondary kV → the secondary zone's base. The same in both
      // phase models: kVA is per phase or three-phase total as S_base is, and the kV ratio is convention-free.
      const ratedLn = tr.kvSecondary / Math.sqrt(3);
      const scale = (S / tr.kva) * (ratedLn / z.vBaseKvLn) ** 2;
      return {
        id: tr.id,
        kind: "transformer",
        from,
        to,
        rPu: (tr.rPct / 100) * scale,
        xPu: (tr.xPct / 100) * scale,
        bPu: 0,
        tap: tr.tap ?? 1,
      };
    }
    return {
      id: ed.id,
      kind: "source",
      from,
      to,
      rPu: (src.rOhm ?? 0) / z.zBaseOhm,
      xPu: (src.xOhm ?? 0) / z.zBaseOhm,
      bPu: 0,
      tap: 1,
    };
  });
  const branchIndex: Record<string, number> = Object.create(null);
  branches.forEach((b, k) => {
    branchIndex[b.id] = k;
  });
  const parentBranch = new Int32Array(nb).fill(-1);
  const children: number[][] = Array.from({ length: nb }, () => []);
  const childBranches: number[][] = Array.from({ length: nb }, () => []);
  branches.forEach((b, k) => {
    parentBranch[b.to] = k;
    children[b.from]!.push(b.to);
    childBranches[b.from]!.push(k);
  });
  const files = new Set<string>();
  for (const r of [...feeder.buses, ...feeder.lines, ...feeder.transformers])
    if (r.at?.file) files.add(r.at.file);
  return {
    name: feeder.name,
    sBaseKva: S,
    phaseModel,
    zones,
    substation: root,
    vSubsPu: src.vPu,
    buses,
    branches,
    busIndex: { ...busIndex },
    branchIndex: { ...branchIndex },
    parent,
    parentBranch,
    children,
    childBranches,
    order,
    source: [...files].join(", ") || undefined,
  };
}

/** Line-to-neutral voltage base (kV) of a bus. */
export function busBaseKv(net: Network, bus: number): number {
  return net.zones[net.buses[bus]!.zone]!.vBaseKvLn;
}

/** Current base (A) of the branch feeding bus `to` (its zone's). */
export function branchBaseA(net: Network, k: number): number {
  return net.zones[net.buses[net.branches[k]!.to]!.zone]!.iBaseA;
}

/**
 * A sub-network of a math network: the given buses (global indices, in order; −1 marks a copy of
 * `headCopyOf` used as the head) and branches (global indices, whose ends must be among the buses), with the
 * head as its substation. Per-unit values, zones and orientation are kept; indices are local.
 */
export function subNetwork(
  net: Network,
  name: string,
  busGlobal: number[],
  branchGlobal: number[],
  headCopyOf: number,
): Network {
  const local = new Map<number, number>();
  busGlobal.forEach((g, i) => {
    if (g >= 0) local.set(g, i);
  });
  const headLocal = busGlobal.indexOf(-1) >= 0 ? busGlobal.indexOf(-1) : local.get(headCopyOf)!;
  const buses: Bus[] = busGlobal.map((g) => ({ ...net.buses[g < 0 ? headCopyOf : g]! }));
  const branches: Branch[] = branchGlobal.map((q) => {
    const br = net.branches[q]!;
    const from = br.from === headCopyOf && !local.has(br.from) ? headLocal : local.get(br.from);
    const to = local.get(br.to);
    if (from === undefined || to === undefined)
      throw new Error(`internal: branch ${br.id} leaves sub-network ${name}`);
    return { ...br, from, to };
  });
  const nb = buses.length;
  const parent = new Int32Array(nb).fill(-1);
  const parentBranch = new Int32Array(nb).fill(-1);
  const children: number[][] = Array.from({ length: nb }, () => []);
  const childBranches: number[][] = Array.from({ length: nb }, () => []);
  branches.forEach((b, k) => {
    parent[b.to] = b.from;
    parentBranch[b.to] = k;
    children[b.from]!.push(b.to);
    childBranches[b.from]!.push(k);
  });
  const order = new Int32Array(nb);
  let tail = 0;
  order[tail++] = headLocal;
  for (let h = 0; h < tail; h++) for (const c of children[order[h]!]!) order[tail++] = c;
  if (tail !== nb) throw new Error(`internal: sub-network ${name} is not a tree below its head`);
  const busIndex: Record<string, number> = Object.create(null);
  buses.forEach((b, i) => {
    busIndex[b.id] = i;
  });
  const branchIndex: Record<string, number> = Object.create(null);
  branches.forEach((b, k) => {
    branchIndex[b.id] = k;
  });
  return {
    name,
    sBaseKva: net.sBaseKva,
    phaseModel: net.phaseModel,
    zones: net.zones,
    substation: headLocal,
    vSubsPu: net.vSubsPu,
    buses,
    branches,
    busIndex: { ...busIndex },
    branchIndex: { ...branchIndex },
    parent,
    parentBranch,
    children,
    childBranches,
    order,
    ...(net.source ? { source: net.source } : {}),
  };
}
