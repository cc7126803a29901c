/**
 * OpenDSS's iterative nodal solution ("normal" current-injection fixed point):
 *
 *   Y·V(k+1) = I_sources + Σ_PC [ Yprim·V(k) − I_model(V(k)) ]
 *
 * with Y the system admittance matrix holding every element's primitive Y (power-conversion
 * elements at their nominal admittance), factorised once per Y change. Convergence is on the
 * change of node voltage magnitudes, per unit of the node's voltage base (relative when no base),
 * and at least MinIterations (2) are done. The first solution after a mode change starts from
 * the direct solution of Y with source injections only (loads as admittances); later ones start
 * from the previous solution. Daily mode advances the clock before each solve and updates the
 * storage energy after it (OpenDSS SolveDaily / EndOfTimeStepCleanup).
 */
import type { Circuit } from "./circuit.ts";
import { type ControlContext, ControlQueue } from "./control.ts";
import { type CktElement, elementYV, terminalPowerW, type YPrimContext } from "./elements/base.ts";
import type { PCElement } from "./elements/pc.ts";
import { Storage } from "./elements/storage.ts";
import type { Vsource } from "./elements/vsource.ts";
import { DssError } from "./errors.ts";
import type { EarthModel } from "./lineconstants.ts";
import { SingularMatrixError, SparseLU } from "./sparse.ts";

const SQRT3 = Math.sqrt(3);

/** Solution modes supported: snapshot power flow, daily time series, and a direct (admittance-only) solve. */
export type SolveMode = "snapshot" | "daily" | "direct";

/** Control modes supported: STATIC (OpenDSS's default) and OFF. */
export type ControlMode = "static" | "off";

/** Solution state and algorithms for one circuit. */
export class Solution implements YPrimContext, ControlContext {
  readonly circuit: Circuit;
  mode: SolveMode = "snapshot";
  /** Time steps per Solve in daily mode. */
  number = 1;
  /** Step size (s). */
  h = 0.001;
  intHour = 0;
  /** Seconds past the hour. */
  t = 0;
  frequency: number;
  tolerance = 1e-4;
  maxIterations = 15;
  minIterations = 2;
  maxControlIterations = 10;
  controlMode: ControlMode = "static";
  /** The control mode `Set Mode` reverts to (the last one set by a script). */
  defaultControlMode: ControlMode = "static";
  /** Pending control actions. */
  readonly queue = new ControlQueue();
  controlActionsDone = false;
  /** The last solution stopped at MaxControlIter with control actions still pending. */
  controlIterationsExceeded = false;
  loadMult = 1;
  genMult = 1;
  /** PowerFlow: the iterative solution; Admittance: every solve is one direct solve of Y. */
  loadModel: "powerflow" | "admittance" = "powerflow";
  intervalHrs = 1;
  /** Node voltages (V), interleaved, index = node (0 = ground). */
  V: Float64Array = new Float64Array(2);
  /** Injection currents (A), interleaved, index = node. */
  I: Float64Array = new Float64Array(2);
  vmagSaved: Float64Array = new Float64Array(1);
  nodeVbase: Float64Array = new Float64Array(1);
  solutionInitialized = false;
  seriesYInvalid = true;
  voltageBaseChanged = true;
  iteration = 0;
  controlIteration = 0;
  mostIterationsDone = 0;
  converged = false;
  isSolved = false;
  maxError = 0;
  /** Incremented at each solution (results recompute stale element currents). */
  solutionCount = 0;
  private Y: SparseLU | null = null;
  private Yseries: SparseLU | null = null;
  private loadsNeedUpdating = true;
  private rhs: Float64Array = new Float64Array(0);
  private res: Float64Array = new Float64Array(0);
  private elScratch: Float64Array = new Float64Array(64);
  /** What produced the present voltages: a power flow, the zero-load snapshot, or nothing yet. */
  lastSolveKind: "none" | "zeroload" | "pflow" | "direct" = "none";

  /** The engine's active earth model (OpenDSS ActiveEarthModel), shared across circuits. */
  readonly earth: { active: EarthModel };

  constructor(circuit: Circuit, frequency: number, earth: { active: EarthModel } = { active: "deri" }) {
    this.circuit = circuit;
    this.frequency = frequency;
    this.earth = earth;
  }

  /** Hours since the start (intHour + t/3600). */
  get dblHour(): number {
    return this.intHour + this.t / 3600;
  }

  /** OpenDSS Set_Mode: resets the clock and forces re-initialisation of the solution. */
  setMode(mode: SolveMode): void {
    this.intHour = 0;
    this.t = 0;
    this.mode = mode;
    this.controlMode = this.defaultControlMode;
    this.solutionInitialized = false;
    if (mode === "daily") {
      this.h = 3600;
      this.number = 24;
    } else {
      this.intervalHrs = 1;
      this.number = 1;
    }
  }

  private incrementTime(): void {
    this.t += this.h;
    while (this.t >= 3600) {
      this.intHour++;
      this.t -= 3600;
    }
  }

  /** Build the system Y (whole or series part), renumbering buses if needed. */
  buildYMatrix(series: boolean, allocateVI: boolean): void {
    const c = this.circuit;
    let renumbered = false;
    if (c.busesChanged) {
      c.renumber();
      renumbered = true;
    }
    const n = c.numNodes;
    if (renumbered || !this.Y || this.Y.sym !== c.sym) {
      this.Y = new SparseLU(c.sym!);
      this.Yseries = new SparseLU(c.sym!);
      allocateVI = true;
    }
    for (const el of c.elements) {
      if (el.yprimInvalid || el.recalcAlways) el.updateYPrim(this);
    }
    const lu = series ? this.Yseries! : this.Y!;
    c.assemble(lu, series);
    if (!series) this.buildResidualKernel();
    try {
      lu.factor();
    } catch (e) {
      if (e instanceof SingularMatrixError) {
        throw new DssError(
          "singular",
          `singular admittance matrix at node ${c.nodeName(e.node + 1)} (an isolated or unreferenced part of the circuit)`,
        );
      }
      throw e;
    }
    if (allocateVI) {
      if (this.V.length !== 2 * (n + 1)) {
        const old = this.V;
        this.V = new Float64Array(2 * (n + 1));
        this.V.set(old.subarray(0, Math.min(old.length, this.V.length)));
        this.I = new Float64Array(2 * (n + 1));
        this.rhs = new Float64Array(2 * n);
        this.res = new Float64Array(2 * (n + 1));
      }
      this.V[0] = 0;
      this.V[1] = 0;
      this.vmagSaved = new Float64Array(n + 1);
      this.initializeNodeVbase();
    }
    if (series) this.seriesYInvalid = false;
    else {
      this.seriesYInvalid = true;
      c.systemYChanged = false;
    }
  }

  /** Node voltage bases (V, line-to-neutral) from the bus kV bases. */
  initializeNodeVbase(): void {
    const c = this.circuit;
    const n = c.numNodes;
    if (this.nodeVbase.length !== n + 1) this.nodeVbase = new Float64Array(n + 1);
    for (let i = 1; i <= n; i++) this.nodeVbase[i] = c.buses[c.nodeBus[i]!]!.kvBase * 1000;
    this.voltageBaseChanged = false;
  }

  private zeroInjCurr(): void {
    this.I.fill(0);
  }

  private getSourceInjCurrents(): void {
    for (const vs of this.circuit.vsources) (vs as Vsource).injCurrents(this.I, this);
  }

  private getPCInjCurr(): void {
    const pcs = this.circuit.pcElements;
    if (this.loadsNeedUpdating) for (const pc of pcs) pc.setNominal(this);
    for (const pc of pcs) {
      (pc as PCElement).injCurrents(this.V, this.I);
      pc.itermSolutionCount = this.solutionCount;
    }
  }

  /**
   * Solve Y·V = I with the active (whole or series) factors. Solutions with the whole Y get one
   * step of iterative refinement whose residual I − Σ Yprim·V is computed element by element in
   * branch form: this removes the rounding noise that very low impedances (e.g. 1e-6 Ω lines,
   * a 1e-8 Ω source) otherwise spread through the network (~1e-10 pu).
   */
  private solveSystem(series = false): void {
    const lu = series ? this.Yseries! : this.Y!;
    const n = this.circuit.numNodes;
    const b = this.rhs;
    b.set(this.I.subarray(2, 2 * (n + 1)));
    lu.solve(b, b);
    this.V.set(b, 2);
    this.V[0] = 0;
    this.V[1] = 0;
    if (!series) this.refine();
  }

  /**
   * Flattened residual kernel, rebuilt with the system Y: single-conductor branch elements
   * (lines, sources, capacitors: nodes p, q and A, S1, S2), single-node shunts (1-phase wye PC
   * elements with a grounded neutral: node and admittance), and the rest evaluated generically.
   */
  private kBranchNodes: Int32Array = new Int32Array(0);
  private kBranchY: Float64Array = new Float64Array(0);
  private kShuntNodes: Int32Array = new Int32Array(0);
  private kShuntY: Float64Array = new Float64Array(0);
  private kGeneric: CktElement[] = [];

  private buildResidualKernel(): void {
    const c = this.circuit;
    const br: CktElement[] = [];
    const sh: CktElement[] = [];
    const gen: CktElement[] = [];
    for (const el of c.elements) {
      if (!el.enabled || el.yorder === 0) continue;
      if (el.branch !== null && el.nTerms === 2 && el.nConds === 1) br.push(el);
      else if (el.yorder === 2 && el.nTerms === 1 && el.nodeRef[1] === 0 && el.nodeRef[0] !== 0) sh.push(el);
      else gen.push(el);
    }
    if (this.kBranchNodes.length !== 2 * br.length) {
      this.kBranchNodes = new Int32Array(2 * br.length);
      this.kBranchY = new Float64Array(6 * br.length);
    }
    for (let k = 0; k < br.length; k++) {
      const el = br[k]!;
      const b = el.branch!;
      this.kBranchNodes[2 * k] = el.nodeRef[0]!;
      this.kBranchNodes[2 * k + 1] = el.nodeRef[1]!;
      this.kBranchY[6 * k] = b.a[0]!;
      this.kBranchY[6 * k + 1] = b.a[1]!;
      this.kBranchY[6 * k + 2] = b.s1[0]!;
      this.kBranchY[6 * k + 3] = b.s1[1]!;
      this.kBranchY[6 * k + 4] = b.s2[0]!;
      this.kBranchY[6 * k + 5] = b.s2[1]!;
    }
    if (this.kShuntNodes.length !== sh.length) {
      this.kShuntNodes = new Int32Array(sh.length);
      this.kShuntY = new Float64Array(2 * sh.length);
    }
    for (let k = 0; k < sh.length; k++) {
      const el = sh[k]!;
      this.kShuntNodes[k] = el.nodeRef[0]!;
      this.kShuntY[2 * k] = el.yprim[0]!;
      this.kShuntY[2 * k + 1] = el.yprim[1]!;
    }
    this.kGeneric = gen;
  }

  /** One step of iterative refinement with the branch-form residual I − Σ Yprim·V. */
  private refine(): void {
    const c = this.circuit;
    const n = c.numNodes;
    const r = this.res;
    r.set(this.I);
    const V = this.V;
    const bn = this.kBranchNodes;
    const by = this.kBranchY;
    const nb = bn.length >> 1;
    for (let k = 0; k < nb; k++) {
      const p = bn[2 * k]!;
      const q = bn[2 * k + 1]!;
      const v1r = V[2 * p]!;
      const v1i = V[2 * p + 1]!;
      const v2r = V[2 * q]!;
      const v2i = V[2 * q + 1]!;
      const dr = v1r - v2r;
      const di = v1i - v2i;
      const ar = by[6 * k]!;
      const ai = by[6 * k + 1]!;
      const tr = ar * dr - ai * di;
      const ti = ar * di + ai * dr;
      const s1r = by[6 * k + 2]!;
      const s1i = by[6 * k + 3]!;
      const s2r = by[6 * k + 4]!;
      const s2i = by[6 * k + 5]!;
      r[2 * p] = r[2 * p]! - (tr + (s1r * v1r - s1i * v1i));
      r[2 * p + 1] = r[2 * p + 1]! - (ti + (s1r * v1i + s1i * v1r));
      r[2 * q] = r[2 * q]! - (-tr + (s2r * v2r - s2i * v2i));
      r[2 * q + 1] = r[2 * q + 1]! - (-ti + (s2r * v2i + s2i * v2r));
    }
    const sn = this.kShuntNodes;
    const sy = this.kShuntY;
    for (let k = 0; k < sn.length; k++) {
      const p = sn[k]!;
      const yr = sy[2 * k]!;
      const yi = sy[2 * k + 1]!;
      const vr = V[2 * p]!;
      const vi = V[2 * p + 1]!;
      r[2 * p] = r[2 * p]! - (yr * vr - yi * vi);
      r[2 * p + 1] = r[2 * p + 1]! - (yr * vi + yi * vr);
    }
    for (const el of this.kGeneric) {
      const m = el.yorder;
      if (this.elScratch.length < 2 * m) this.elScratch = new Float64Array(2 * m);
      const out = this.elScratch;
      elementYV(el, V, out);
      const ref = el.nodeRef;
      for (let k = 0; k < m; k++) {
        const node = ref[k]!;
        r[2 * node] = r[2 * node]! - out[2 * k]!;
        r[2 * node + 1] = r[2 * node + 1]! - out[2 * k + 1]!;
      }
    }
    const b = this.rhs;
    b.set(r.subarray(2, 2 * (n + 1)));
    (this.Y as SparseLU).solve(b, b);
    for (let i = 1; i <= n; i++) {
      V[2 * i] = V[2 * i]! + b[2 * (i - 1)]!;
      V[2 * i + 1] = V[2 * i + 1]! + b[2 * (i - 1) + 1]!;
    }
  }

  /** OpenDSS Converged: max |Δ|V|| per unit of base (relative when no base). */
  private checkConverged(): boolean {
    const n = this.circuit.numNodes;
    const V = this.V;
    let maxErr = 0;
    for (let i = 1; i <= n; i++) {
      const vr = V[2 * i]!;
      const vi = V[2 * i + 1]!;
      const vmag = Math.sqrt(vr * vr + vi * vi);
      const base = this.nodeVbase[i]!;
      let err = 0;
      if (base > 0) err = Math.abs(vmag - this.vmagSaved[i]!) / base;
      else if (vmag !== 0) err = Math.abs(1 - this.vmagSaved[i]! / vmag);
      this.vmagSaved[i] = vmag;
      // A non-finite voltage (NaN / ∞ from an element model) is never "converged".
      if (!(err <= maxErr)) maxErr = Number.isFinite(vmag) ? err : Number.POSITIVE_INFINITY;
    }
    this.maxError = maxErr;
    this.converged = maxErr <= this.tolerance;
    return this.converged;
  }

  /** Zero-load snapshot (series Y, source injections only): used to set voltage bases. */
  solveZeroLoadSnapshot(): void {
    if (this.circuit.systemYChanged || this.seriesYInvalid || this.circuit.busesChanged)
      this.buildYMatrix(true, true);
    this.solutionCount++;
    this.zeroInjCurr();
    this.getSourceInjCurrents();
    this.solveSystem(true);
    this.lastSolveKind = "zeroload";
  }

  /** CalcVoltageBases: zero-load snapshot, then each bus gets the nearest legal base (kV L-N). */
  setVoltageBases(): void {
    this.solveZeroLoadSnapshot();
    const c = this.circuit;
    for (const bus of c.buses) {
      if (bus.refs.length === 0) continue;
      const r = bus.refs[0]!;
      const vmag = Math.hypot(this.V[2 * r]!, this.V[2 * r + 1]!);
      bus.kvBase = nearestBaseKv(c.legalVoltageBases, vmag * 0.001732) / SQRT3;
      c.kvBaseByBus.set(bus.name, bus.kvBase);
    }
    this.initializeNodeVbase();
    this.isSolved = true;
  }

  private solveYDirect(): void {
    this.zeroInjCurr();
    this.getSourceInjCurrents();
    this.solveSystem();
  }

  private doNormalSolution(): void {
    this.iteration = 0;
    do {
      this.iteration++;
      this.zeroInjCurr();
      this.getSourceInjCurrents();
      this.getPCInjCurr();
      if (this.circuit.systemYChanged) this.buildYMatrix(false, false);
      this.solveSystem();
      this.loadsNeedUpdating = false;
    } while (
      !(
        (this.checkConverged() && this.iteration >= this.minIterations) ||
        this.iteration >= this.maxIterations
      )
    );
  }

  private doPflowSolution(): void {
    this.solutionCount++;
    if (this.voltageBaseChanged) this.initializeNodeVbase();
    if (!this.solutionInitialized) {
      this.solveYDirect();
      this.solutionInitialized = true;
    }
    this.doNormalSolution();
    this.isSolved = this.converged;
    this.lastSolveKind = "pflow";
  }

  private solveCircuit(): void {
    if (this.loadModel === "admittance") {
      this.solveDirect();
      return;
    }
    if (this.circuit.systemYChanged || this.circuit.busesChanged) this.buildYMatrix(false, true);
    this.doPflowSolution();
  }

  /**
   * One snapshot solution with OpenDSS's control loop: solve, sample the control devices and
   * execute the nearest queued actions, rebuild Y, and repeat until a sample queues nothing (or
   * the solution did not converge) or MaxControlIter passes were made. Iterations are summed
   * over the passes, as OpenDSS reports them.
   */
  solveSnap(): void {
    this.controlIteration = 0;
    this.controlActionsDone = false;
    this.mostIterationsDone = 0;
    this.loadsNeedUpdating = true;
    let total = 0;
    do {
      this.controlIteration++;
      this.solveCircuit();
      this.checkControls();
      if (this.iteration > this.mostIterationsDone) this.mostIterationsDone = this.iteration;
      total += this.iteration;
    } while (!this.controlActionsDone && this.controlIteration < this.maxControlIterations);
    this.controlIterationsExceeded = !this.controlActionsDone;
    this.iteration = total;
  }

  /** OpenDSS CheckControls: sample and act after a converged pass; rebuild Y if a control changed it. */
  private checkControls(): void {
    if (this.controlIteration < this.maxControlIterations) {
      if (this.converged) this.sampleDoControlActions();
      else this.controlActionsDone = true;
    }
    if (this.circuit.systemYChanged) this.buildYMatrix(false, false);
  }

  private sampleDoControlActions(): void {
    if (this.controlMode === "off") {
      this.controlActionsDone = true;
      return;
    }
    for (const c of this.circuit.controls) c.sample(this);
    // STATIC: execute the nearest set of actions; time does not advance
    if (this.queue.isEmpty()) this.controlActionsDone = true;
    else this.queue.doNearestActions(this);
  }

  /** System nodes of a bus specification "bus.n1.n2..." (default node 1; 0 = ground). */
  nodesOf(spec: string): number[] {
    const parts = spec.split(".");
    const bus = this.circuit.getBus(parts[0]!);
    if (!bus) throw new DssError("bad-value", `bus '${parts[0]}' does not exist`);
    const nums = parts.length > 1 ? parts.slice(1).map(Number) : [1];
    return nums.map((n) => {
      if (n === 0) return 0;
      const k = bus.nodes.indexOf(n);
      if (k < 0) throw new DssError("bad-value", `bus '${spec}': node ${n} does not exist`);
      return bus.refs[k]!;
    });
  }

  /** Daily mode: for each of `number` steps advance the clock, solve, update storage. */
  solveDaily(): void {
    this.intervalHrs = this.h / 3600;
    for (let k = 0; k < this.number; k++) {
      this.incrementTime();
      this.solveSnap();
      this.endOfTimeStepCleanup();
      // OpenDSS SolutionAbort: a step that ends at MaxControlIter stops the run at that step
      if (this.converged && this.controlIterationsExceeded) break;
    }
  }

  /** Storage energy update from the power of the step just solved. */
  private endOfTimeStepCleanup(): void {
    for (const el of this.circuit.elements) {
      if (el instanceof Storage && el.enabled) {
        const [p] = terminalPowerW(el, this.V, el.iTerm, 0);
        el.updateStorage(p, this.intervalHrs);
      }
    }
  }

  /**
   * OpenDSS SolveDirect (mode=Direct): one solution of the whole Y with the source injections only,
   * every power-conversion element acting through its admittance; one iteration, converged.
   * The control loop is not run (the control iteration count keeps its last value).
   */
  solveDirect(): void {
    this.loadsNeedUpdating = true;
    this.solutionCount++;
    if (this.circuit.systemYChanged || this.circuit.busesChanged) this.buildYMatrix(false, true);
    if (this.voltageBaseChanged) this.initializeNodeVbase();
    this.zeroInjCurr();
    this.getSourceInjCurrents();
    this.solveSystem();
    this.converged = true;
    this.isSolved = true;
    this.iteration = 1;
    this.lastSolveKind = "direct";
  }

  /** Solve in the present mode. */
  solve(): void {
    if (this.mode === "daily") this.solveDaily();
    else if (this.mode === "direct") this.solveDirect();
    else this.solveSnap();
  }
}

/** OpenDSS NearestBasekV: the legal base closest to kV in relative terms. */
export function nearestBaseKv(bases: readonly number[], kv: number): number {
  let best = 0;
  let minDiff = 1e50;
  for (const b of bases) {
    if (b === 0) break;
    const d = Math.abs(1 - kv / b);
    if (d < minDiff) {
      minDiff = d;
      best = b;
    }
  }
  return best;
}
