/**
 * Base classes of DSS objects and circuit elements, and the property mechanism.
 *
 * Every class declares its properties in OpenDSS's order (so positional values and
 * abbreviated names resolve as in OpenDSS). Setting a property records its text, in the order
 * set, which is what the script writer replays. Circuit elements are n-phase: each has
 * `nTerms` terminals of `nConds` conductors, a bus specification per terminal ("bus.1.2.3"),
 * node references into the system, and primitive admittance matrices (full and series).
 */
import { DssError, type ScriptLocation } from "../errors.ts";
import type { ValueToken } from "../lexer.ts";
import type { EarthModel } from "../lineconstants.ts";
import { allocF64, allocI32 } from "../pool.ts";
import { toBool, toInt, toNumber, ValueError } from "../values.ts";

/** What property setters may need from the engine. */
export interface PropContext {
  loc: ScriptLocation;
  /** Find a general DSS object (LoadShape, LineCode) by class and name; undefined if absent. */
  findObject(className: string, name: string): DssObject | undefined;
  /** Default base frequency (Hz) for new elements. */
  defaultBaseFrequency: number;
  /** Mark the bus lists for rebuilding (a bus name or connection changed). */
  busesChanged(): void;
  /** Read a data file (relative to the current script directory); throws ValueError if missing. */
  readDataFile(path: string): string;
  /** Read a binary data file (relative to the current script directory); throws ValueError if missing. */
  readDataBytes(path: string): Uint8Array;
  /** Note something accepted that a user should know about (listed in the run's warnings). */
  warn?(message: string): void;
  /** Find a circuit element by class and name (controls and meters resolve their targets). */
  findElement?(className: string, name: string): CktElement | undefined;
}

/** One property of a class. */
export interface PropDef<T> {
  /** OpenDSS property name (case as OpenDSS prints it). */
  name: string;
  /** Apply a value; throw ValueError for bad values. */
  set(obj: T, v: ValueToken, cx: PropContext): void;
}

/** Helper to declare a property. */
export function prop<T>(name: string, set: (obj: T, v: ValueToken, cx: PropContext) => void): PropDef<T> {
  return { name, set };
}

/** A property accepted because it has no effect on a power-flow solution (ratings, reliability data...). */
export function inert<T>(name: string, kind: "number" | "int" | "bool" | "text" = "text"): PropDef<T> {
  return prop<T>(name, (_o, v) => {
    if (kind === "number") toNumber(v);
    else if (kind === "int") toInt(v);
    else if (kind === "bool") toBool(v);
  });
}

/** A property OpenDSS knows but this engine does not implement: setting it is an error. */
export function unsupported<T>(name: string, why = "not implemented by this engine"): PropDef<T> {
  return prop<T>(name, () => {
    throw new ValueError(`property '${name}' is ${why}`);
  });
}

/**
 * The properties OpenDSS gives every circuit element last (TCktElementClass): basefreq (Hz) and
 * enabled. With `basefreqInvalidatesYPrim`, editing basefreq flags the primitive Y (lines,
 * capacitors); the other classes leave it to their next recalculation.
 */
export function cktElementProps<T extends CktElement>(basefreqInvalidatesYPrim = false): PropDef<T>[] {
  return [
    prop<T>("basefreq", (o, v) => {
      o.baseFrequency = toNumber(v);
      if (basefreqInvalidatesYPrim) o.yprimInvalid = true;
    }),
    prop<T>("enabled", (o, v, cx) => {
      o.enabled = toBool(v);
      cx.busesChanged();
    }),
  ];
}

/** The closing properties of power-conversion classes (TPCClass): spectrum (inert), basefreq, enabled. */
export function pcElementProps<T extends CktElement>(): PropDef<T>[] {
  return [inert<T>("spectrum"), ...cktElementProps<T>()];
}

/** Ratings and reliability data of power-delivery classes (TPDClass): accepted, no effect on a power flow. */
export function pdRatingProps<T>(): PropDef<T>[] {
  return ["normamps", "emergamps", "faultrate", "pctperm", "repair"].map((n) => inert<T>(n, "number"));
}

/** Recorded assignment (for the writer and for `like=`). */
export interface PropAssignment {
  index: number;
  value: ValueToken;
}

const PROP_LOOKUP = new WeakMap<
  readonly PropDef<DssObject>[],
  { exact: Map<string, number>; lower: string[] }
>();

/** Any named DSS object (circuit element or general object such as LoadShape). */
export abstract class DssObject {
  abstract readonly className: string;
  readonly name: string;
  /**
   * Property assignments in the order of their last assignment (a property set again moves to
   * the end, so repeated hourly edits do not grow the list): property indexes and values in two
   * parallel arrays (no object per assignment; a feeder has tens of thousands).
   */
  private readonly histIndex: number[] = [];
  private readonly histValue: ValueToken[] = [];

  /** The assignments in order (for the script writer and `like=`). */
  get history(): readonly PropAssignment[] {
    return this.histIndex.map((index, k) => ({ index, value: this.histValue[k]! }));
  }
  /** Index of the last property set (positional values go to the next one). */
  lastPropIndex = -1;
  /** Script location of the command that created the object (for messages). */
  definedAt: ScriptLocation | undefined;

  constructor(name: string) {
    this.name = name.toLowerCase();
  }

  /** Property table of the class. */
  abstract get propDefs(): readonly PropDef<DssObject>[];

  /** Called after all properties of one New/Edit/More command have been set. */
  endEdit(_cx: PropContext): void {}

  /** "Class.name". */
  get fullName(): string {
    return `${this.className}.${this.name}`;
  }

  /** Find a property index by name: exact (case-insensitive) match, else first prefix match. */
  findProp(name: string): number {
    const defs = this.propDefs;
    let lookup = PROP_LOOKUP.get(defs);
    if (!lookup) {
      lookup = { exact: new Map(), lower: defs.map((d) => d.name.toLowerCase()) };
      lookup.lower.forEach((l, i) => {
        if (!lookup!.exact.has(l)) lookup!.exact.set(l, i);
      });
      PROP_LOOKUP.set(defs, lookup);
    }
    const t = name.toLowerCase();
    const hit = lookup.exact.get(t);
    if (hit !== undefined) return hit;
    for (let i = 0; i < lookup.lower.length; i++) if (lookup.lower[i]!.startsWith(t)) return i;
    return -1;
  }

  /** Set a property by index, recording the assignment; wraps value errors with the location. */
  setProp(index: number, v: ValueToken, cx: PropContext): void {
    const def = this.propDefs[index]!;
    try {
      def.set(this, v, cx);
    } catch (e) {
      if (e instanceof ValueError) {
        throw new DssError(e.kind, `${this.fullName}: ${def.name}=${v.text}: ${e.message}`, {
          loc: cx.loc,
          element: this.fullName,
          field: def.name,
        });
      }
      throw e;
    }
    const hi = this.histIndex;
    const k = hi.lastIndexOf(index);
    if (k >= 0) {
      hi.splice(k, 1);
      this.histValue.splice(k, 1);
    }
    hi.push(index);
    this.histValue.push(v);
    this.lastPropIndex = index;
  }
}

/** Role of a circuit element in the solution. */
export type ElementRole = "PD" | "PC" | "source" | "control" | "meter" | "fault";

/** Shared zero-length arrays for elements not yet sized (never written). */
export const EMPTY_F64 = new Float64Array(0);
const EMPTY_I32 = new Int32Array(0);

/**
 * A circuit element: terminals, conductors, bus connections and primitive Y matrices.
 * Subclasses fill `yprim` (full) and `yprimSeries` (series part used for the zero-load
 * snapshot) in calcYPrim().
 */
export abstract class CktElement extends DssObject {
  abstract readonly role: ElementRole;
  enabled = true;
  nPhases = 3;
  nConds = 3;
  nTerms = 1;
  /** Bus specification per terminal, lower case, as given ("650.1.2.3"). */
  busSpec: string[] = [];
  /** System node of each conductor of each terminal (0 = ground), length nTerms*nConds. */
  nodeRef: Int32Array = EMPTY_I32;
  /** Full primitive Y (interleaved complex, row-major yorder²). */
  yprim: Float64Array = EMPTY_F64;
  /** Series part of the primitive Y. */
  yprimSeries: Float64Array = EMPTY_F64;
  private yprimInvalidFlag = true;
  /** Called when the primitive Y is invalidated while enabled (the circuit marks its Y for rebuilding). */
  onYPrimInvalid: (() => void) | null = null;
  /** True when the primitive Y must be recomputed; setting it true also flags the system Y. */
  get yprimInvalid(): boolean {
    return this.yprimInvalidFlag;
  }
  set yprimInvalid(v: boolean) {
    this.yprimInvalidFlag = v;
    if (v && this.enabled) this.onYPrimInvalid?.();
  }
  /** PC elements recompute their Yprim at every system Y build (as OpenDSS, which never clears their flag). */
  recalcAlways = false;
  baseFrequency: number;
  /**
   * Two-terminal block structure of the primitive Y, when it has the form
   * [A + S1, −A; −A, A + S2] (lines, sources, two-terminal capacitors): A, S1, S2 are
   * nConds×nConds interleaved. Lets currents be computed from voltage differences, which keeps
   * full accuracy across very low impedances (no cancellation of large products).
   */
  branch: { a: Float64Array; s1: Float64Array; s2: Float64Array } | null = null;
  /**
   * True when the element evaluates Yprim·V itself (ownYV) in a form that keeps full accuracy
   * across very low impedances (transformers: from winding voltage differences).
   */
  hasOwnYV = false;
  /** Currents into the element per conductor (interleaved), from the last solution. */
  iTerm: Float64Array = EMPTY_F64;
  /**
   * Open conductors (Open/Close commands), by terminal·nConds + conductor; null when all are
   * closed. An open conductor carries no current: its row is Kron-eliminated from the
   * primitive Y (OpenDSS DoYprimCalcs).
   */
  openConductors: Uint8Array | null = null;

  constructor(name: string, baseFrequency: number) {
    super(name);
    this.baseFrequency = baseFrequency;
  }

  /** Number of rows of the primitive Y. */
  get yorder(): number {
    return this.nTerms * this.nConds;
  }

  /**
   * Note a change of nPhases/nConds/nTerms: size the bus list and invalidate the primitive Y.
   * The per-conductor arrays are (re)allocated by ensureSized() when the circuit renumbers
   * (every such change also flags the buses), so a script that edits the same element many
   * times allocates once.
   */
  resize(): void {
    while (this.busSpec.length < this.nTerms) this.busSpec.push("");
    this.busSpec.length = this.nTerms;
    this.yprimInvalid = true;
  }

  /** Set the phases, conductors per terminal and (optionally) terminals, then resize(). */
  setLayout(nPhases: number, nConds: number, nTerms = this.nTerms): void {
    this.nPhases = nPhases;
    this.nConds = nConds;
    this.nTerms = nTerms;
    this.resize();
  }

  /** Allocate the per-conductor arrays for the present yorder (no-op when already sized). */
  ensureSized(): void {
    const n = this.yorder;
    if (this.nodeRef.length !== n) this.nodeRef = allocI32(n);
    if (this.yprim.length !== 2 * n * n) {
      this.yprim = allocF64(2 * n * n);
      this.yprimSeries = allocF64(2 * n * n);
    }
    if (this.iTerm.length !== 2 * n) this.iTerm = allocF64(2 * n);
  }

  /** Set the bus of terminal `t` (0-based). */
  setBus(t: number, spec: string, cx: PropContext | undefined): void {
    this.busSpec[t] = spec.trim().toLowerCase();
    cx?.busesChanged();
  }

  /** Recompute primitive Y matrices (full and series). */
  abstract calcYPrim(ctx: YPrimContext): void;

  /**
   * Open (closed=false) or close conductor `cond` (1-based; 0 = every phase conductor) of
   * terminal `term` (1-based). Returns false when the terminal or conductor does not exist.
   */
  setConductorClosed(term: number, cond: number, closed: boolean): boolean {
    if (term < 1 || term > this.nTerms) return false;
    if (cond < 0 || cond > this.nConds) return false;
    const n = this.nTerms * this.nConds;
    if (!this.openConductors || this.openConductors.length !== n) {
      if (closed) return true;
      this.openConductors = new Uint8Array(n);
    }
    const base = (term - 1) * this.nConds;
    if (cond === 0) for (let c = 0; c < this.nPhases; c++) this.openConductors[base + c] = closed ? 0 : 1;
    else this.openConductors[base + cond - 1] = closed ? 0 : 1;
    if (!this.openConductors.some((x) => x !== 0)) this.openConductors = null;
    this.yprimInvalid = true;
    return true;
  }

  /** True when some conductor is open (currents then come from the reduced primitive Y). */
  get anyOpen(): boolean {
    return this.openConductors !== null && this.openConductors.length === this.yorder;
  }

  /** Recompute the primitive Y and account for open conductors. */
  updateYPrim(ctx: YPrimContext): void {
    this.calcYPrim(ctx);
    if (this.anyOpen) {
      eliminateOpenConductors(this.yprim, this.yorder, this.openConductors!);
      eliminateOpenConductors(this.yprimSeries, this.yorder, this.openConductors!);
      this.branch = null;
    }
  }

  /** Yprim·V evaluated by the element (only called when hasOwnYV). */
  ownYV(_V: Float64Array, _out: Float64Array): void {}
}

/**
 * A circuit element with no terminals in the system Y (controls and meters): it only reads the
 * voltages and currents of the elements it watches.
 */
export abstract class DetachedElement extends CktElement {
  constructor(name: string, baseFrequency: number) {
    super(name, baseFrequency);
    this.setLayout(1, 1, 0);
  }

  calcYPrim(_ctx: YPrimContext): void {
    this.yprimInvalid = false;
  }
}

const Y_EPSILON = 1e-12;

/**
 * Kron-eliminate the rows of open conductors from an n×n interleaved matrix, zero them and put
 * a tiny conductance on their diagonal; the other diagonals get the same tiny conductance (so a
 * bus left hanging stays solvable), as OpenDSS DoYprimCalcs.
 */
export function eliminateOpenConductors(y: Float64Array, n: number, open: Uint8Array): void {
  const gone = new Uint8Array(n);
  for (let e = 0; e < n; e++) {
    if (!open[e]) continue;
    let nr = y[2 * (e * n + e)]!;
    const ni = y[2 * (e * n + e) + 1]!;
    if (nr === 0 && ni === 0) nr = Y_EPSILON;
    gone[e] = 1;
    const d = nr * nr + ni * ni;
    for (let i = 0; i < n; i++) {
      if (gone[i]) continue;
      const ar = y[2 * (i * n + e)]!;
      const ai = y[2 * (i * n + e) + 1]!;
      for (let j = i; j < n; j++) {
        if (gone[j]) continue;
        const br = y[2 * (e * n + j)]!;
        const bi = y[2 * (e * n + j) + 1]!;
        const pr = ar * br - ai * bi;
        const pi = ar * bi + ai * br;
        const qr = (pr * nr + pi * ni) / d;
        const qi = (pi * nr - pr * ni) / d;
        const vr = y[2 * (i * n + j)]! - qr;
        const vi = y[2 * (i * n + j) + 1]! - qi;
        y[2 * (i * n + j)] = vr;
        y[2 * (i * n + j) + 1] = vi;
        y[2 * (j * n + i)] = vr;
        y[2 * (j * n + i) + 1] = vi;
      }
    }
    for (let k = 0; k < n; k++) {
      y[2 * (e * n + k)] = 0;
      y[2 * (e * n + k) + 1] = 0;
      y[2 * (k * n + e)] = 0;
      y[2 * (k * n + e) + 1] = 0;
    }
    y[2 * (e * n + e)] = Y_EPSILON;
  }
  for (let i = 0; i < n; i++) if (!gone[i]) y[2 * (i * n + i)] = y[2 * (i * n + i)]! + Y_EPSILON;
}

/** What primitive-Y calculations need from the solution. */
export interface YPrimContext {
  /** Solution frequency (Hz). */
  frequency: number;
  /** Solution mode. */
  mode: "snapshot" | "daily" | "direct";
  /** Present time (hours since start of the day/simulation). */
  dblHour: number;
  loadMult: number;
  genMult: number;
  /**
   * OpenDSS's ActiveEarthModel: the earth model of the last line whose impedances were computed
   * from a geometry or spacing, kept by the engine across circuits (Deri at start). A spacing
   * line computes its constants with it before setting its own (see elements/line.ts).
   */
  earth?: { active: EarthModel };
}

/** Write a diagonal-only copy of `full` scaled by `s` into `series` (OpenDSS's dummy series Y of shunt elements). */
export function diagonalTimes(full: Float64Array, series: Float64Array, n: number, s: number): void {
  series.fill(0);
  for (let i = 0; i < n; i++) {
    const k = 2 * (i * n + i);
    series[k] = full[k]! * s;
    series[k + 1] = full[k + 1]! * s;
  }
}

/**
 * Parse a bus specification "name.n1.n2..." into the bus name and the node of each of
 * `nConds` conductors: phases default to 1..nPhases, other conductors to 0 (ground), given node
 * numbers override the defaults in order.
 */
export function parseBusSpec(
  spec: string,
  nPhases: number,
  nConds: number,
): { bus: string; nodes: number[] } {
  const dot = spec.indexOf(".");
  const bus = dot < 0 ? spec : spec.slice(0, dot);
  const nodes: number[] = new Array(nConds);
  for (let i = 0; i < nConds; i++) nodes[i] = i < nPhases ? i + 1 : 0;
  if (dot < 0) return { bus, nodes };
  // node numbers after the name: digits, blanks around them allowed, an empty one keeps the default
  let k = 0;
  let i = dot + 1;
  const n = spec.length;
  while (k < nConds && i <= n) {
    let j = i;
    while (j < n && spec.charCodeAt(j) !== 46) j++;
    let a = i;
    let b = j;
    while (a < b && spec.charCodeAt(a) === 32) a++;
    while (b > a && spec.charCodeAt(b - 1) === 32) b--;
    if (b > a) {
      let v = 0;
      for (let c = a; c < b; c++) {
        const d = spec.charCodeAt(c) - 48;
        if (d < 0 || d > 9) throw new ValueError(`bad node number '${spec.slice(a, b)}' in bus '${spec}'`);
        v = v * 10 + d;
      }
      nodes[k] = v;
    }
    k++;
    i = j + 1;
  }
  return { bus, nodes };
}

/** Complex power (W, var) into terminal `t` of an element (sum over its conductors) for currents `cur` at voltages `V`. */
export function terminalPowerW(
  el: CktElement,
  V: Float64Array,
  cur: Float64Array,
  t: number,
): [number, number] {
  let p = 0;
  let q = 0;
  for (let k = t * el.nConds; k < (t + 1) * el.nConds; k++) {
    const node = el.nodeRef[k]!;
    if (node === 0) continue;
    const vr = V[2 * node]!;
    const vi = V[2 * node + 1]!;
    const ir = cur[2 * k]!;
    const ii = cur[2 * k + 1]!;
    p += vr * ir + vi * ii;
    q += vi * ir - vr * ii;
  }
  return [p, q];
}

/**
 * Currents into the element's conductors for node voltages V (interleaved, by node): Yprim·V,
 * evaluated by the element itself when it has its own form (hasOwnYV), in branch form
 * A·(V1 − V2) + S1·V1 when it has one (see `branch`), else as the plain product.
 */
export function elementYV(el: CktElement, V: Float64Array, out: Float64Array): void {
  if (el.hasOwnYV && !el.anyOpen) {
    el.ownYV(V, out);
    return;
  }
  const ref = el.nodeRef;
  const br = el.branch;
  if (br !== null && el.nTerms === 2) {
    const n = el.nConds;
    for (let i = 0; i < n; i++) {
      let r1 = 0;
      let i1 = 0;
      let r2 = 0;
      let i2 = 0;
      for (let j = 0; j < n; j++) {
        const na = ref[j]!;
        const nb = ref[n + j]!;
        const v1r = V[2 * na]!;
        const v1i = V[2 * na + 1]!;
        const v2r = V[2 * nb]!;
        const v2i = V[2 * nb + 1]!;
        const dr = v1r - v2r;
        const di = v1i - v2i;
        const k = 2 * (i * n + j);
        const ar = br.a[k]!;
        const ai = br.a[k + 1]!;
        const s1r = br.s1[k]!;
        const s1i = br.s1[k + 1]!;
        const s2r = br.s2[k]!;
        const s2i = br.s2[k + 1]!;
        r1 += ar * dr - ai * di + (s1r * v1r - s1i * v1i);
        i1 += ar * di + ai * dr + (s1r * v1i + s1i * v1r);
        r2 += -(ar * dr - ai * di) + (s2r * v2r - s2i * v2i);
        i2 += -(ar * di + ai * dr) + (s2r * v2i + s2i * v2r);
      }
      out[2 * i] = r1;
      out[2 * i + 1] = i1;
      out[2 * (n + i)] = r2;
      out[2 * (n + i) + 1] = i2;
    }
    return;
  }
  const m = el.yorder;
  const y = el.yprim;
  for (let r = 0; r < m; r++) {
    let sr = 0;
    let si = 0;
    for (let c = 0; c < m; c++) {
      const node = ref[c]!;
      const vr = V[2 * node]!;
      const vi = V[2 * node + 1]!;
      const a = y[2 * (r * m + c)]!;
      const b = y[2 * (r * m + c) + 1]!;
      sr += a * vr - b * vi;
      si += a * vi + b * vr;
    }
    out[2 * r] = sr;
    out[2 * r + 1] = si;
  }
}
