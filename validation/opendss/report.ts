/**
 * Results in the layout of the reference `expected.json` (dss-run): solution state, totals in
 * OpenDSS's sign convention (power INTO the source terminal: negative when the source supplies),
 * node voltages in AllNodeNames order, and per-element terminal powers and currents (power INTO
 * the element at each conductor).
 */
import type { Circuit } from "./circuit.ts";
import { type CktElement, elementYV, terminalPowerW } from "./elements/base.ts";
import { Capacitor } from "./elements/capacitor.ts";
import { Generator } from "./elements/generator.ts";
import { Line } from "./elements/line.ts";
import { Load } from "./elements/load.ts";
import { PCElement } from "./elements/pc.ts";
import { PVSystem } from "./elements/pvsystem.ts";
import { Reactor } from "./elements/reactor.ts";
import { RegControl } from "./elements/regcontrol.ts";
import { STORE_CHARGING, STORE_DISCHARGING, Storage } from "./elements/storage.ts";
import { Transformer } from "./elements/transformer.ts";
import { Vsource } from "./elements/vsource.ts";
import type { Solution } from "./solution.ts";
import { formatDssNumber } from "./values.ts";

/** One node voltage. */
export interface NodeResult {
  name: string;
  bus: string;
  node: number;
  /** Line-to-ground magnitude (V). */
  v: number;
  /** v / (1000·kv_base_ln); null when the bus has no base. */
  vpu: number | null;
  angle_deg: number;
  kv_base_ln: number;
}

/** Powers and currents at one terminal (per conductor). */
export interface TerminalResult {
  bus: string;
  kw: number[];
  kvar: number[];
  kw_total: number;
  kvar_total: number;
  i_mag: number[];
  i_ang_deg: number[];
}

/** One element's results (class-specific extra fields added as in the reference). */
export interface ElementResult {
  name: string;
  enabled: boolean;
  phases: number;
  buses: string[];
  terminals: TerminalResult[];
  kw: number;
  kvar: number;
  [extra: string]: unknown;
}

/** One solution snapshot. */
export interface SnapshotResult {
  converged: boolean;
  iterations: number;
  control_iterations: number;
  most_iterations_done: number;
  mode: "Snap" | "Daily" | "Direct";
  hour: number;
  seconds: number;
  circuit: string;
  total_power_kw: number;
  total_power_kvar: number;
  source_kw: number;
  source_kvar: number;
  losses_kw: number;
  losses_kvar: number;
  line_losses_kw: number;
  line_losses_kvar: number;
  substation_losses_kw: number;
  substation_losses_kvar: number;
  num_nodes: number;
  vpu_min: number | null;
  vpu_min_node: string | null;
  vpu_max: number | null;
  vpu_max_node: string | null;
  nodes: NodeResult[];
  regcontrols: RegControlResult[];
  elements?: Record<string, ElementResult[]>;
}

/** State of one regulator control (as the reference's `regcontrols[]`). */
export interface RegControlResult {
  name: string;
  transformer: string;
  /** Tapped winding (1-based). */
  winding: number;
  /** Tap position in steps from the middle of the range. */
  tap_number: number;
  tap_pu: number;
}

/** Regulator controls in creation order with their transformers' present taps. */
export function regControlResults(circuit: Circuit): RegControlResult[] {
  const out: RegControlResult[] = [];
  for (const el of circuit.elements) {
    if (!(el instanceof RegControl)) continue;
    const t = el.transformer;
    out.push({
      name: el.name,
      transformer: t?.name ?? el.transformerName,
      winding: el.tapWinding,
      tap_number: el.tapNum,
      tap_pu: t?.presentTap(el.tapWinding) ?? 0,
    });
  }
  return out;
}

const DEG = 180 / Math.PI;
const ELEMENT_CLASSES = [
  "Vsource",
  "Line",
  "Transformer",
  "Load",
  "PVSystem",
  "Storage",
  "Generator",
  "Capacitor",
  "Reactor",
];

/**
 * Terminal currents (A, interleaved, per conductor) of an element at the present voltages:
 * Yprim·V for delivery elements, Yprim·V − injection for sources, the last model currents for
 * power-conversion elements (recomputed when stale, as OpenDSS does; Yprim·V after a direct solve).
 */
export function elementCurrents(el: CktElement, sol: Solution): Float64Array {
  const n = el.yorder;
  const V = sol.V;
  if (el instanceof PCElement && sol.lastSolveKind === "direct") {
    // after a direct solve the model is entirely in Y (OpenDSS LastSolutionWasDirect)
    const out = new Float64Array(2 * n);
    elementYV(el, V, out);
    return out;
  }
  if (el instanceof PCElement) {
    if (el.itermSolutionCount !== sol.solutionCount) {
      const scratch = new Float64Array(sol.I.length);
      el.injCurrents(V, scratch);
      el.itermSolutionCount = sol.solutionCount;
    }
    return el.iTerm;
  }
  const out = new Float64Array(2 * n);
  if (el instanceof Vsource && sol.lastSolveKind === "pflow") {
    const kcl = sourceCurrentsByKcl(el, sol);
    if (kcl) return kcl;
  }
  elementYV(el, V, out);
  if (el instanceof Vsource) {
    const scratch = new Float64Array(sol.I.length);
    el.injCurrents(scratch, sol);
    for (let k = 0; k < 2 * n; k++) out[k] = out[k]! - el.injCurrent[k]!;
  }
  return out;
}

/**
 * Source terminal currents after a power flow from Kirchhoff's current law: minus the currents
 * into all other elements at each terminal-1 node (terminal 2 carries the opposite current).
 * Equal to Yprim·V − injection at the solution, but without the cancellation error that a tiny
 * source impedance multiplies (a 1e-8 Ω source turns one rounding unit of V into ~1e-4 kvar).
 * Returns null when a node is shared with another source.
 */
function sourceCurrentsByKcl(src: Vsource, sol: Solution): Float64Array | null {
  const c = sol.circuit;
  const n = src.nConds;
  const want = new Map<number, number>();
  for (let k = 0; k < n; k++) {
    const node = src.nodeRef[k]!;
    if (node === 0 || want.has(node)) return null;
    want.set(node, k);
  }
  for (const other of c.vsources) {
    if (other === src) continue;
    for (const node of other.nodeRef) if (want.has(node)) return null;
  }
  const out = new Float64Array(2 * src.yorder);
  for (const el of c.elements) {
    if (!el.enabled || el === src) continue;
    let touches = false;
    for (const node of el.nodeRef) if (want.has(node)) touches = true;
    if (!touches) continue;
    const cur = elementCurrents(el, sol);
    for (let j = 0; j < el.yorder; j++) {
      const k = want.get(el.nodeRef[j]!);
      if (k === undefined) continue;
      out[2 * k] = out[2 * k]! - cur[2 * j]!;
      out[2 * k + 1] = out[2 * k + 1]! - cur[2 * j + 1]!;
    }
  }
  // second terminal: for a grounded (or any) Thevenin source the currents are opposite
  for (let k = 0; k < n; k++) {
    out[2 * (n + k)] = -out[2 * k]!;
    out[2 * (n + k) + 1] = -out[2 * k + 1]!;
  }
  return out;
}

/** Losses (W, var) of an element: power into all its terminals. */
export function elementLossesW(el: CktElement, sol: Solution): [number, number] {
  const c = elementCurrents(el, sol);
  let p = 0;
  let q = 0;
  for (let t = 0; t < el.nTerms; t++) {
    const [a, b] = terminalPowerW(el, sol.V, c, t);
    p += a;
    q += b;
  }
  return [p, q];
}

/** Total power (kW, kvar) into the source terminals (OpenDSS Circuit.TotalPower: negative when the sources supply). */
export function sourcePowerKw(circuit: Circuit, sol: Solution): [number, number] {
  let tp = 0;
  let tq = 0;
  for (const vs of circuit.vsources) {
    const [p, q] = terminalPowerW(vs, sol.V, elementCurrents(vs, sol), 0);
    tp += p;
    tq += q;
  }
  return [tp / 1000, tq / 1000];
}

/** Losses (kW, kvar) of all delivery elements except shunt capacitors and reactors, of the lines, and of sub=yes transformers. */
export function circuitLossesKw(
  circuit: Circuit,
  sol: Solution,
): {
  lossesKw: number;
  lossesKvar: number;
  lineLossesKw: number;
  lineLossesKvar: number;
  substationLossesKw: number;
  substationLossesKvar: number;
} {
  let lp = 0;
  let lq = 0;
  let llp = 0;
  let llq = 0;
  let slp = 0;
  let slq = 0;
  for (const el of circuit.elements) {
    if (!el.enabled || el.role !== "PD") continue;
    if ((el instanceof Capacitor || el instanceof Reactor) && el.isShunt) continue;
    const [p, q] = elementLossesW(el, sol);
    lp += p;
    lq += q;
    if (el instanceof Line) {
      llp += p;
      llq += q;
    } else if (el instanceof Transformer && el.isSubstation) {
      slp += p;
      slq += q;
    }
  }
  return {
    lossesKw: lp / 1000,
    lossesKvar: lq / 1000,
    lineLossesKw: llp / 1000,
    lineLossesKvar: llq / 1000,
    substationLossesKw: slp / 1000,
    substationLossesKvar: slq / 1000,
  };
}

/** Circuit totals (kW, kvar) in OpenDSS conventions: source power and losses. */
export function circuitTotals(
  circuit: Circuit,
  sol: Solution,
): { totalKw: number; totalKvar: number } & ReturnType<typeof circuitLossesKw> {
  const [totalKw, totalKvar] = sourcePowerKw(circuit, sol);
  return { totalKw, totalKvar, ...circuitLossesKw(circuit, sol) };
}

/** Node voltage results in AllNodeNames order. */
export function nodeResults(circuit: Circuit, sol: Solution): NodeResult[] {
  const out: NodeResult[] = [];
  for (const bus of circuit.buses) {
    for (let k = 0; k < bus.nodes.length; k++) {
      const r = bus.refs[k]!;
      const vr = sol.V[2 * r] ?? 0;
      const vi = sol.V[2 * r + 1] ?? 0;
      const v = Math.hypot(vr, vi);
      out.push({
        name: `${bus.name}.${bus.nodes[k]}`,
        bus: bus.name,
        node: bus.nodes[k]!,
        v,
        vpu: bus.kvBase > 0 ? v / (1000 * bus.kvBase) : null,
        angle_deg: Math.atan2(vi, vr) * DEG,
        kv_base_ln: bus.kvBase,
      });
    }
  }
  return out;
}

function stateName(s: number): string {
  return s === STORE_CHARGING ? "Charging" : s === STORE_DISCHARGING ? "Discharging" : "Idling";
}

/**
 * Power into each conductor (kW, kvar interleaved, terminal by terminal, as OpenDSS CktElement.Powers)
 * at the present voltages; zeros for a disabled element and at ground conductors. `cur` are the
 * element's terminal currents when already computed.
 */
export function elementPowersKw(el: CktElement, sol: Solution, cur?: Float64Array): Float64Array {
  const out = new Float64Array(2 * el.yorder);
  if (!el.enabled) return out;
  const c = cur ?? elementCurrents(el, sol);
  const V = sol.V;
  for (let k = 0; k < el.yorder; k++) {
    const node = el.nodeRef[k]!;
    if (node === 0) continue;
    const vr = V[2 * node]!;
    const vi = V[2 * node + 1]!;
    const ir = c[2 * k]!;
    const ii = c[2 * k + 1]!;
    out[2 * k] = (vr * ir + vi * ii) / 1000;
    out[2 * k + 1] = (vi * ir - vr * ii) / 1000;
  }
  return out;
}

/** Total power into each terminal (kW, kvar interleaved, as OpenDSS CktElement.TotalPowers); zeros when disabled. */
export function elementTotalPowersKw(el: CktElement, sol: Solution): Float64Array {
  const pw = elementPowersKw(el, sol);
  const out = new Float64Array(2 * el.nTerms);
  for (let t = 0; t < el.nTerms; t++) {
    let p = 0;
    let q = 0;
    for (let k = t * el.nConds; k < (t + 1) * el.nConds; k++) {
      p += pw[2 * k]!;
      q += pw[2 * k + 1]!;
    }
    out[2 * t] = p;
    out[2 * t + 1] = q;
  }
  return out;
}

/** Results of one element. */
export function elementResult(el: CktElement, sol: Solution): ElementResult {
  const cur = el.enabled ? elementCurrents(el, sol) : new Float64Array(2 * el.yorder);
  const pw = elementPowersKw(el, sol, cur);
  const terminals: TerminalResult[] = [];
  for (let t = 0; t < el.nTerms; t++) {
    const kw: number[] = [];
    const kvar: number[] = [];
    const imag: number[] = [];
    const iang: number[] = [];
    let pt = 0;
    let qt = 0;
    for (let c = 0; c < el.nConds; c++) {
      const k = t * el.nConds + c;
      const ir = cur[2 * k]!;
      const ii = cur[2 * k + 1]!;
      const p = pw[2 * k]!;
      const q = pw[2 * k + 1]!;
      kw.push(p);
      kvar.push(q);
      pt += p;
      qt += q;
      imag.push(Math.hypot(ir, ii));
      iang.push(ir === 0 && ii === 0 ? 0 : Math.atan2(ii, ir) * DEG);
    }
    terminals.push({
      bus: el.busSpec[t]!,
      kw,
      kvar,
      kw_total: pt,
      kvar_total: qt,
      i_mag: imag,
      i_ang_deg: iang,
    });
  }
  const r: ElementResult = {
    name: el.name,
    enabled: el.enabled,
    phases: el.nPhases,
    buses: [...el.busSpec],
    terminals,
    kw: terminals[0]!.kw_total,
    kvar: terminals[0]!.kvar_total,
  };
  if (
    el instanceof Vsource ||
    el instanceof Line ||
    el instanceof Capacitor ||
    el instanceof Transformer ||
    el instanceof Reactor
  ) {
    r.losses_kw = terminals.reduce((s, t) => s + t.kw_total, 0);
    r.losses_kvar = terminals.reduce((s, t) => s + t.kvar_total, 0);
  }
  if (el instanceof Transformer) r.taps = el.windings.map((w) => w.puTap);
  if (el instanceof Capacitor) r.states = [...el.states];
  if (el instanceof Load) {
    r.kw_nominal = el.kWBase;
    r.kvar_nominal = el.kvarBase;
  }
  if (el instanceof PVSystem) {
    r.irradiance = el.irradiance;
    r.irradiance_now = el.shapeFactor;
    r.pmpp = el.pmpp;
    r.kw_out = el.kWOut;
    r.kvar_out = el.kvarOut;
  }
  if (el instanceof Storage) {
    r.state = el.state;
    r.pu_soc = el.kWhStored / el.kWhRating;
    r.prop_kW = formatDssNumber(el.kWProperty);
    r.prop_kvar = formatDssNumber(el.kvarOut);
    r.prop_kWhstored = formatDssNumber(el.kWhStored);
    r["prop_%stored"] = formatDssNumber((el.kWhStored / el.kWhRating) * 100);
    r.prop_kWhrated = formatDssNumber(el.kWhRating);
    r.prop_State = stateName(el.state);
    r.prop_DispMode =
      el.dispMode === "loadlevel" ? "LoadLevel" : el.dispMode[0]!.toUpperCase() + el.dispMode.slice(1);
  }
  if (el instanceof Generator) {
    r.kw_setpoint = el.kWBase;
    r.kvar_setpoint = el.kvarBase;
  }
  return r;
}

/** OpenDSS's name of a solution mode (Solution.ModeID). */
export function modeId(mode: Solution["mode"]): "Snap" | "Daily" | "Direct" {
  return mode === "daily" ? "Daily" : mode === "direct" ? "Direct" : "Snap";
}

/** A full snapshot of the present solution (elements included when `detail` is "full"). */
export function snapshot(
  circuit: Circuit,
  sol: Solution,
  detail: "full" | "summary" = "full",
): SnapshotResult {
  const nodes = nodeResults(circuit, sol);
  const tot = circuitTotals(circuit, sol);
  let vmin: NodeResult | null = null;
  let vmax: NodeResult | null = null;
  for (const n of nodes) {
    if (n.vpu === null) continue;
    if (vmin === null || n.vpu < vmin.vpu!) vmin = n;
    if (vmax === null || n.vpu > vmax.vpu!) vmax = n;
  }
  const res: SnapshotResult = {
    converged: sol.converged,
    iterations: sol.iteration,
    control_iterations: sol.controlIteration,
    most_iterations_done: sol.mostIterationsDone,
    mode: modeId(sol.mode),
    hour: sol.intHour,
    seconds: sol.t,
    circuit: circuit.name,
    total_power_kw: tot.totalKw,
    total_power_kvar: tot.totalKvar,
    source_kw: -tot.totalKw,
    source_kvar: -tot.totalKvar,
    losses_kw: tot.lossesKw,
    losses_kvar: tot.lossesKvar,
    line_losses_kw: tot.lineLossesKw,
    line_losses_kvar: tot.lineLossesKvar,
    substation_losses_kw: tot.substationLossesKw,
    substation_losses_kvar: tot.substationLossesKvar,
    num_nodes: nodes.length,
    vpu_min: vmin?.vpu ?? null,
    vpu_min_node: vmin?.name ?? null,
    vpu_max: vmax?.vpu ?? null,
    vpu_max_node: vmax?.name ?? null,
    nodes,
    regcontrols: regControlResults(circuit),
  };
  if (detail === "full") {
    const elements: Record<string, ElementResult[]> = {};
    for (const cls of ELEMENT_CLASSES) elements[cls] = [];
    for (const el of circuit.elements) {
      const list = elements[el.className];
      if (list) list.push(elementResult(el, sol));
    }
    res.elements = elements;
  }
  return res;
}
