import { InputError } from "./errors.ts";
import type { Branch, Bus, Network } from "./types.ts";

/** A bus as read from input, with the line it came from (for error messages). */
export interface BusSpec extends Bus {
  line?: number;
}

/** A branch as read from input: bus ids, ohms, and the line it came from. */
export interface BranchSpec {
  id?: string;
  from: string;
  to: string;
  rOhm: number;
  xOhm: number;
  iMaxA?: number;
  line?: number;
}

/** Everything needed to build a `Network`, in engineering units. */
export interface NetworkSpec {
  name: string;
  /** Power base (kVA). */
  sBaseKva: number;
  /** Line-to-neutral voltage base (kV). */
  vBaseKvLn: number;
  /** Substation bus id. */
  substation: string;
  /** Substation voltage magnitude (pu). */
  vSubsPu: number;
  buses: BusSpec[];
  branches: BranchSpec[];
  /** File names used in error messages. */
  busFile?: string;
  branchFile?: string;
  /** Names of the input columns, used in error messages instead of the internal field names. */
  fieldLabels?: Partial<Record<FieldName, string>>;
}

type FieldName =
  | "id"
  | "from"
  | "to"
  | "rOhm"
  | "xOhm"
  | "iMaxA"
  | "pLoadKw"
  | "qLoadKvar"
  | "qCapKvar"
  | "bus";

function branchLabel(b: BranchSpec, k: number): string {
  return `branch ${b.id ?? k + 1} (${b.from}→${b.to})`;
}

/**
 * Build and validate a radial `Network`. Branch orientation in the input does not matter:
 * branches are oriented away from the substation. Throws `InputError` for duplicate buses,
 * unknown buses, bad impedances, cycles, and buses not connected to the substation.
 */
export function buildNetwork(spec: NetworkSpec): Network {
  const busFile = spec.busFile;
  const branchFile = spec.branchFile;
  const label = (f: FieldName): string => spec.fieldLabels?.[f] ?? f;
  if (!(spec.sBaseKva > 0) || !(spec.vBaseKvLn > 0)) {
    throw new InputError(
      "bad-number",
      `bases must be positive (got sBaseKva=${spec.sBaseKva}, vBaseKvLn=${spec.vBaseKvLn})`,
      {
        element: "network",
        field: "bases",
      },
    );
  }
  const zBaseOhm = (spec.vBaseKvLn * spec.vBaseKvLn * 1000) / spec.sBaseKva;
  const iBaseA = spec.sBaseKva / spec.vBaseKvLn;

  const busIndex: Record<string, number> = Object.create(null);
  const buses: Bus[] = [];
  for (const b of spec.buses) {
    if (b.id in busIndex) {
      const first = spec.buses[busIndex[b.id]!]!;
      throw new InputError(
        "duplicate-bus",
        `bus '${b.id}' is defined twice${first.line !== undefined ? ` (first at line ${first.line})` : ""}`,
        { file: busFile, line: b.line, element: `bus ${b.id}`, field: label("bus") },
      );
    }
    for (const f of ["pLoadKw", "qLoadKvar", "qCapKvar"] as const) {
      if (!Number.isFinite(b[f])) {
        throw new InputError("bad-number", `expected a finite number, got ${String(b[f])}`, {
          file: busFile,
          line: b.line,
          element: `bus ${b.id}`,
          field: label(f),
        });
      }
    }
    busIndex[b.id] = buses.length;
    buses.push({ id: b.id, pLoadKw: b.pLoadKw, qLoadKvar: b.qLoadKvar, qCapKvar: b.qCapKvar });
  }
  const nb = buses.length;
  if (!(spec.substation in busIndex)) {
    throw new InputError("unknown-bus", `substation bus '${spec.substation}' is not among the buses`, {
      file: busFile,
      element: "network",
      field: "substation",
    });
  }
  const root = busIndex[spec.substation]!;

  // Validate branches and build an undirected adjacency list.
  const adj: Array<Array<{ k: number; other: number }>> = Array.from({ length: nb }, () => []);
  const branchIds = new Set<string>();
  spec.branches.forEach((br, k) => {
    const loc = { file: branchFile, line: br.line, element: branchLabel(br, k) };
    const id = br.id ?? String(k + 1);
    if (branchIds.has(id))
      throw new InputError("duplicate-branch", `branch id '${id}' is used twice`, {
        ...loc,
        field: label("id"),
      });
    branchIds.add(id);
    for (const f of ["from", "to"] as const) {
      if (!(br[f] in busIndex)) {
        throw new InputError("unknown-bus", `bus '${br[f]}' is not defined in the bus table`, {
          ...loc,
          field: label(f),
        });
      }
    }
    for (const f of ["rOhm", "xOhm"] as const) {
      const v = br[f];
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new InputError("bad-number", `expected a finite number of ohms, got ${String(v)}`, {
          ...loc,
          field: label(f),
        });
      }
      if (v < 0)
        throw new InputError("bad-number", `impedance must not be negative (got ${v} Ω)`, {
          ...loc,
          field: label(f),
        });
    }
    if (br.iMaxA !== undefined && !(br.iMaxA > 0)) {
      throw new InputError("bad-number", `ampacity must be positive (got ${br.iMaxA})`, {
        ...loc,
        field: label("iMaxA"),
      });
    }
    const a = busIndex[br.from]!;
    const b = busIndex[br.to]!;
    if (a === b)
      throw new InputError("cycle", `branch connects bus '${br.from}' to itself`, {
        ...loc,
        field: label("to"),
      });
    adj[a]!.push({ k, other: b });
    adj[b]!.push({ k, other: a });
  });

  // Breadth-first search from the substation orients the tree and finds cycles.
  const parent = new Int32Array(nb).fill(-1);
  const parentBranch = new Int32Array(nb).fill(-1);
  const visited = new Uint8Array(nb);
  const order = new Int32Array(nb);
  const usedBranch = new Uint8Array(spec.branches.length);
  let head = 0;
  let tail = 0;
  order[tail++] = root;
  visited[root] = 1;
  while (head < tail) {
    const u = order[head++]!;
    for (const { k, other } of adj[u]!) {
      if (usedBranch[k]) continue;
      usedBranch[k] = 1;
      if (visited[other]) {
        const br = spec.branches[k]!;
        throw new InputError(
          "cycle",
          `branch closes a loop: bus '${buses[other]!.id}' is already reached from the substation through another path (the feeder must be radial)`,
          { file: branchFile, line: br.line, element: branchLabel(br, k) },
        );
      }
      visited[other] = 1;
      parent[other] = u;
      parentBranch[other] = k;
      order[tail++] = other;
    }
  }
  if (tail < nb) {
    const missing: string[] = [];
    for (let i = 0; i < nb; i++) if (!visited[i]) missing.push(buses[i]!.id);
    const first = spec.buses[busIndex[missing[0]!]!]!;
    throw new InputError(
      "disconnected",
      `${missing.length} bus(es) not connected to the substation '${spec.substation}': ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", …" : ""}`,
      { file: busFile, line: first.line, element: `bus ${missing[0]}` },
    );
  }

  const branches: Branch[] = spec.branches.map((br, k) => {
    const a = busIndex[br.from]!;
    const b = busIndex[br.to]!;
    const [from, to] = parent[b] === a && parentBranch[b] === k ? [a, b] : [b, a];
    const out: Branch = {
      id: br.id ?? String(k + 1),
      from,
      to,
      rOhm: br.rOhm,
      xOhm: br.xOhm,
      rPu: br.rOhm / zBaseOhm,
      xPu: br.xOhm / zBaseOhm,
    };
    if (br.iMaxA !== undefined) out.iMaxA = br.iMaxA;
    return out;
  });
  const branchIndex: Record<string, number> = Object.create(null);
  branches.forEach((b, k) => {
    branchIndex[b.id] = k;
  });
  const children: number[][] = Array.from({ length: nb }, () => []);
  const childBranches: number[][] = Array.from({ length: nb }, () => []);
  branches.forEach((b, k) => {
    children[b.from]!.push(b.to);
    childBranches[b.from]!.push(k);
  });

  return {
    name: spec.name,
    sBaseKva: spec.sBaseKva,
    vBaseKvLn: spec.vBaseKvLn,
    zBaseOhm,
    iBaseA,
    substation: root,
    vSubsPu: spec.vSubsPu,
    buses,
    branches,
    busIndex: { ...busIndex },
    branchIndex: { ...branchIndex },
    parent,
    parentBranch,
    children,
    childBranches,
    order,
    source: [busFile, branchFile].filter(Boolean).join(", ") || undefined,
  };
}
