/**
 * The circuit: elements in creation order, buses and nodes, and assembly of the system Y.
 *
 * Buses and system nodes are (re)numbered from the bus specifications of the enabled elements,
 * in element creation order (OpenDSS ReProcessBusDefs), so node order matches OpenDSS's
 * AllNodeNames. Node 0 is ground. Voltage bases are kept by bus name across renumbering.
 */

import type { ControlElement } from "./control.ts";
import type { CktElement } from "./elements/base.ts";
import { parseBusSpec } from "./elements/base.ts";
import type { PCElement } from "./elements/pc.ts";
import type { Vsource } from "./elements/vsource.ts";
import { DssError } from "./errors.ts";
import { allocI32 } from "./pool.ts";
import { type SparseLU, SparseSymbolic } from "./sparse.ts";
import { ValueError } from "./values.ts";

/** A bus: named connection point with numbered nodes (1, 2, 3, ...). */
export interface Bus {
  name: string;
  /** Position in Circuit.buses. */
  index: number;
  /** Node numbers in order of first use (e.g. [1, 2, 3]). */
  nodes: number[];
  /** System node index of each entry of `nodes` (1-based; 0 is ground). */
  refs: number[];
  /** Line-to-neutral voltage base (kV); 0 when not set. */
  kvBase: number;
}

const NO_SCATTER = new Int32Array(0);

/** OpenDSS's default list of legal voltage bases (kV line-to-line). */
export const DEFAULT_VOLTAGE_BASES = [0.208, 0.48, 12.47, 24.9, 34.5, 115.0, 230.0];

/** A circuit (one per `New Circuit`). */
export class Circuit {
  readonly name: string;
  readonly elements: CktElement[] = [];
  private readonly byClass = new Map<string, Map<string, CktElement>>();
  buses: Bus[] = [];
  private busMap = new Map<string, Bus>();
  /** System node → bus index and node number (index 0 unused). */
  nodeBus: Int32Array = new Int32Array(1);
  nodeNum: Int32Array = new Int32Array(1);
  numNodes = 0;
  /** kV bases by bus name (survives renumbering). */
  readonly kvBaseByBus = new Map<string, number>();
  legalVoltageBases: number[] = [...DEFAULT_VOLTAGE_BASES];
  /** Bus names or connections changed: renumber before the next Y build. */
  busesChanged = true;
  /** Some primitive Y changed: rebuild the system Y before the next solution. */
  systemYChanged = true;
  /** Where each bus name was first used (for messages). */
  private readonly busFirstElement = new Map<string, CktElement>();
  // assembly structures (valid after renumber())
  sym: SparseSymbolic | null = null;
  /** Per element (by index in `elements`): slot of each Yprim entry, -1 for ground rows/columns. */
  private scatter: Int32Array[] = [];

  constructor(name: string) {
    this.name = name.toLowerCase();
  }

  /** Where a bus name was first used: "file:line (Class.name)" of the element, for messages. */
  busFirstUse(bus: string): string | undefined {
    const el = this.busFirstElement.get(bus);
    if (!el) return undefined;
    return el.definedAt ? `${el.definedAt.file}:${el.definedAt.line} (${el.fullName})` : el.fullName;
  }

  /** Add an element (creation order matters for node numbering). */
  add(el: CktElement): void {
    const cls = el.className.toLowerCase();
    let m = this.byClass.get(cls);
    if (!m) {
      m = new Map();
      this.byClass.set(cls, m);
    }
    m.set(el.name, el);
    this.elements.push(el);
    this.cacheValid = false;
    el.onYPrimInvalid = () => {
      this.systemYChanged = true;
    };
    // an element without terminals (a control or a meter) changes no bus, node or Y entry
    if (el.nTerms > 0) {
      this.busesChanged = true;
      this.systemYChanged = true;
    }
  }

  /** Find an element by class (case-insensitive) and name. */
  find(className: string, name: string): CktElement | undefined {
    return this.byClass.get(className.toLowerCase())?.get(name.toLowerCase());
  }

  /** All elements of a class, in creation order. */
  ofClass<T extends CktElement = CktElement>(className: string): T[] {
    const cls = className.toLowerCase();
    return this.elements.filter((e) => e.className.toLowerCase() === cls) as T[];
  }

  private cacheValid = false;
  private vsCache: Vsource[] = [];
  private pcCache: PCElement[] = [];
  private ctrlCache: ControlElement[] = [];

  /**
   * Recompute the enabled-element lists when elements were added or enabled/disabled (both
   * flag `busesChanged`; renumber() rebuilds the lists before clearing that flag).
   */
  private refreshCaches(force = false): void {
    if (this.cacheValid && !this.busesChanged && !force) return;
    this.vsCache = this.elements.filter((e) => e.role === "source" && e.enabled) as Vsource[];
    this.pcCache = this.elements.filter((e) => e.role === "PC" && e.enabled) as unknown as PCElement[];
    this.ctrlCache = this.elements.filter(
      (e) => e.role === "control" && e.enabled,
    ) as unknown as ControlElement[];
    this.cacheValid = true;
  }

  /** Enabled voltage sources. */
  get vsources(): Vsource[] {
    this.refreshCaches();
    return this.vsCache;
  }

  /** Enabled power-conversion elements. */
  get pcElements(): PCElement[] {
    this.refreshCaches();
    return this.pcCache;
  }

  /** Enabled control devices, in creation order (the order OpenDSS samples them). */
  get controls(): ControlElement[] {
    this.refreshCaches();
    return this.ctrlCache;
  }

  getBus(name: string): Bus | undefined {
    return this.busMap.get(name.toLowerCase());
  }

  /**
   * Renumber buses and nodes from the enabled elements, rebuild the sparse pattern and the
   * scatter maps. Throws DssError for bad bus specifications and for islands (nodes with no
   * path to a voltage source).
   */
  renumber(): void {
    for (const b of this.buses) if (b.kvBase > 0) this.kvBaseByBus.set(b.name, b.kvBase);
    this.buses = [];
    this.busMap = new Map();
    const nodeBus: number[] = [0];
    const nodeNum: number[] = [0];
    for (const el of this.elements) {
      el.ensureSized();
      if (!el.enabled) continue;
      const nc = el.nConds;
      for (let t = 0; t < el.nTerms; t++) {
        let parsed: { bus: string; nodes: number[] };
        try {
          parsed = parseBusSpec(el.busSpec[t]!, el.nPhases, nc);
        } catch (e) {
          if (e instanceof ValueError) {
            throw new DssError("bad-value", `${el.fullName}: ${e.message}`, {
              loc: el.definedAt,
              element: el.fullName,
              field: `bus${t + 1}`,
            });
          }
          throw e;
        }
        let bus = this.busMap.get(parsed.bus);
        if (!bus) {
          bus = {
            name: parsed.bus,
            index: this.buses.length,
            nodes: [],
            refs: [],
            kvBase: this.kvBaseByBus.get(parsed.bus) ?? 0,
          };
          this.busMap.set(parsed.bus, bus);
          this.buses.push(bus);
          if (!this.busFirstElement.has(parsed.bus)) this.busFirstElement.set(parsed.bus, el);
        }
        const nodes = parsed.nodes;
        const ref = el.nodeRef;
        for (let c = 0; c < nc; c++) {
          const nn = nodes[c]!;
          let r = 0;
          if (nn !== 0) {
            const k = bus.nodes.indexOf(nn);
            if (k >= 0) r = bus.refs[k]!;
            else {
              r = nodeBus.length;
              bus.nodes.push(nn);
              bus.refs.push(r);
              nodeBus.push(bus.index);
              nodeNum.push(nn);
            }
          }
          ref[t * nc + c] = r;
        }
      }
    }
    this.numNodes = nodeBus.length - 1;
    this.nodeBus = Int32Array.from(nodeBus);
    this.nodeNum = Int32Array.from(nodeNum);
    // sparse pattern from every enabled element's node pairs (flat [i, j, i, j, ...], 0-based)
    let ne = 0;
    for (const el of this.elements) {
      if (!el.enabled) continue;
      const m = el.nodeRef.length;
      ne += (m * (m - 1)) / 2;
    }
    const edges = new Int32Array(2 * ne);
    let q = 0;
    for (const el of this.elements) {
      if (!el.enabled) continue;
      const ref = el.nodeRef;
      for (let a = 0; a < ref.length; a++) {
        const i = ref[a]!;
        if (i === 0) continue;
        for (let b = a + 1; b < ref.length; b++) {
          const j = ref[b]!;
          if (j !== 0 && i !== j) {
            edges[q++] = i - 1;
            edges[q++] = j - 1;
          }
        }
      }
    }
    const pairs = edges.subarray(0, q);
    this.checkIslands(pairs);
    this.sym = new SparseSymbolic(this.numNodes, pairs);
    const sym = this.sym;
    this.scatter = this.elements.map((el) => {
      const ref = el.nodeRef;
      const n = ref.length;
      if (n === 0 || !el.enabled) return NO_SCATTER;
      const s = allocI32(n * n).fill(-1);
      for (let a = 0; a < n; a++) {
        const i = ref[a]!;
        if (i === 0) continue;
        for (let b = 0; b < n; b++) {
          const j = ref[b]!;
          if (j !== 0) s[a * n + b] = sym.slot(i - 1, j - 1);
        }
      }
      return s;
    });
    this.refreshCaches(true);
    this.busesChanged = false;
  }

  /** Nodes that cannot reach a voltage source through element couplings form an island: an error. */
  private checkIslands(edges: Int32Array): void {
    const n = this.numNodes;
    if (n === 0) return;
    const adj: number[][] = Array.from({ length: n }, () => []);
    for (let e = 0; e < edges.length; e += 2) {
      adj[edges[e]!]!.push(edges[e + 1]!);
      adj[edges[e + 1]!]!.push(edges[e]!);
    }
    const seen = new Uint8Array(n);
    const stack: number[] = [];
    for (const vs of this.vsources) {
      for (let k = 0; k < vs.nConds; k++) {
        const r = vs.nodeRef[k]!;
        if (r !== 0 && !seen[r - 1]) {
          seen[r - 1] = 1;
          stack.push(r - 1);
        }
      }
    }
    while (stack.length > 0) {
      const v = stack.pop()!;
      for (const w of adj[v]!) {
        if (!seen[w]) {
          seen[w] = 1;
          stack.push(w);
        }
      }
    }
    const dead = new Set<string>();
    for (let i = 0; i < n; i++) if (!seen[i]) dead.add(this.buses[this.nodeBus[i + 1]!]!.name);
    if (dead.size > 0) {
      const list = [...dead];
      const first = this.busFirstUse(list[0]!) ?? "";
      throw new DssError(
        "island",
        `island: ${list.length} bus(es) have no path to a voltage source: ${list.slice(0, 10).join(", ")}${list.length > 10 ? ", ..." : ""}` +
          (first ? ` (bus '${list[0]}' first used at ${first})` : ""),
        {},
      );
    }
  }

  /** Add every enabled element's (series or full) primitive Y into `lu`. */
  assemble(lu: SparseLU, series: boolean): void {
    lu.clear();
    const v = lu.val;
    for (let e = 0; e < this.elements.length; e++) {
      const el = this.elements[e]!;
      if (!el.enabled) continue;
      const s = this.scatter[e];
      if (s === undefined) continue; // added since the last renumbering: has no terminals
      const y = series ? el.yprimSeries : el.yprim;
      for (let k = 0; k < s.length; k++) {
        const slot = s[k]!;
        if (slot < 0) continue;
        v[2 * slot] = v[2 * slot]! + y[2 * k]!;
        v[2 * slot + 1] = v[2 * slot + 1]! + y[2 * k + 1]!;
      }
    }
  }

  /** "bus.node" name of a system node. */
  nodeName(node: number): string {
    return `${this.buses[this.nodeBus[node]!]!.name}.${this.nodeNum[node]}`;
  }
}
