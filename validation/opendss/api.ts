/**
 * An API modelled on OpenDSSDirect: `text(command)`, then circuit, solution, element and
 * storage accessors. Names carry units where they are not per unit. Bus and node lists are in
 * OpenDSS order (AllBusNames / AllNodeNames); voltage fast paths fill Float64Arrays.
 */
import type { Bus, Circuit } from "./circuit.ts";
import type { CktElement } from "./elements/base.ts";
import { EnergyMeter } from "./elements/energymeter.ts";
import { PVSystem } from "./elements/pvsystem.ts";
import { RegControl } from "./elements/regcontrol.ts";
import { Storage } from "./elements/storage.ts";
import { Transformer } from "./elements/transformer.ts";
import { DssEngine, type DssEngineOptions } from "./engine.ts";
import { DssError } from "./errors.ts";
import {
  circuitLossesKw,
  elementCurrents,
  elementLossesW,
  elementPowersKw,
  elementResult,
  elementTotalPowersKw,
  modeId,
  type RegControlResult,
  regControlResults,
  type SnapshotResult,
  snapshot,
  sourcePowerKw,
} from "./report.ts";
import type { Solution } from "./solution.ts";
import { type WriteOptions, writeScript } from "./writer.ts";

/** OpenDSSDirect-style facade over one engine. */
export class OpenDSS {
  readonly engine: DssEngine;

  constructor(options: DssEngineOptions = {}) {
    this.engine = new DssEngine(options);
  }

  /** Run OpenDSS command text (like `dss.Text.Command`); returns the result text (Get). */
  text(command: string, where?: string): string {
    return this.engine.text(command, where);
  }

  private ckt(): Circuit {
    const c = this.engine.circuit;
    if (!c) throw new DssError("no-circuit", "no active circuit");
    return c;
  }

  private sol(): Solution {
    this.ckt();
    return this.engine.solution!;
  }

  /** Circuit-level accessors. */
  readonly circuit = {
    /** Circuit name. */
    name: (): string => this.ckt().name,
    /** Total power into the source terminals (kW, kvar); negative when the source supplies. */
    totalPowerKw: (): [number, number] => sourcePowerKw(this.ckt(), this.sol()),
    /** Losses of all delivery elements except shunt capacitors (kW, kvar). */
    lossesKw: (): [number, number] => {
      const t = circuitLossesKw(this.ckt(), this.sol());
      return [t.lossesKw, t.lossesKvar];
    },
    /** Losses of transformers marked sub=yes (kW, kvar). */
    substationLossesKw: (): [number, number] => {
      const t = circuitLossesKw(this.ckt(), this.sol());
      return [t.substationLossesKw, t.substationLossesKvar];
    },
    /** Losses of lines only (kW, kvar). */
    lineLossesKw: (): [number, number] => {
      const t = circuitLossesKw(this.ckt(), this.sol());
      return [t.lineLossesKw, t.lineLossesKvar];
    },
    /** Bus names in OpenDSS order. */
    allBusNames: (): string[] => this.ckt().buses.map((b) => b.name),
    /** "bus.node" names in OpenDSS order. */
    allNodeNames: (): string[] => this.ckt().buses.flatMap((b) => b.nodes.map((n) => `${b.name}.${n}`)),
    /** Number of nodes. */
    numNodes: (): number => this.ckt().numNodes,
    /** Node voltages (V) interleaved re, im in AllNodeNames order (fast path; fills `out` if given). */
    allBusVolts: (out?: Float64Array): Float64Array =>
      this.nodeValues(out, 2, (vr, vi, o, k) => {
        o[2 * k] = vr;
        o[2 * k + 1] = vi;
      }),
    /** Node voltage magnitudes (V) in AllNodeNames order. */
    allBusVmag: (out?: Float64Array): Float64Array =>
      this.nodeValues(out, 1, (vr, vi, o, k) => {
        o[k] = Math.hypot(vr, vi);
      }),
    /** Node voltage magnitudes per unit of the bus base (NaN where no base). */
    allBusVmagPu: (out?: Float64Array): Float64Array => {
      const c = this.ckt();
      const v = this.circuit.allBusVmag(out);
      let k = 0;
      for (const b of c.buses) {
        for (let j = 0; j < b.nodes.length; j++, k++)
          v[k] = b.kvBase > 0 ? v[k]! / (1000 * b.kvBase) : Number.NaN;
      }
      return v;
    },
    /** Node voltage angles (degrees) in AllNodeNames order. */
    allNodeAnglesDeg: (out?: Float64Array): Float64Array =>
      this.nodeValues(out, 1, (vr, vi, o, k) => {
        o[k] = (Math.atan2(vi, vr) * 180) / Math.PI;
      }),
  };

  private nodeValues(
    out: Float64Array | undefined,
    width: number,
    put: (vr: number, vi: number, o: Float64Array, k: number) => void,
  ): Float64Array {
    const c = this.ckt();
    const V = this.sol().V;
    const o = out ?? new Float64Array(width * c.numNodes);
    let k = 0;
    for (const b of c.buses) {
      for (const r of b.refs) put(V[2 * r] ?? 0, V[2 * r + 1] ?? 0, o, k++);
    }
    return o;
  }

  private bus(name: string): Bus {
    const c = this.ckt();
    if (c.busesChanged) c.renumber();
    const b = c.getBus(name);
    if (!b) throw new DssError("missing-element", `bus '${name}' does not exist`);
    return b;
  }

  /** Per-bus results (multi-phase buses give one value per node, in the bus's node order). */
  readonly buses = {
    /** Node numbers of a bus in order of first use (e.g. [1, 2, 3]). */
    nodes: (bus: string): number[] => [...this.bus(bus).nodes],
    /** Node voltages (V, line to ground) of a bus, interleaved re, im. */
    voltages: (bus: string): Float64Array => {
      const b = this.bus(bus);
      const V = this.sol().V;
      const out = new Float64Array(2 * b.refs.length);
      b.refs.forEach((r, k) => {
        out[2 * k] = V[2 * r] ?? 0;
        out[2 * k + 1] = V[2 * r + 1] ?? 0;
      });
      return out;
    },
    /** Per-unit magnitude (of the bus's line-to-neutral base; NaN without base) and angle (deg) per node. */
    puVmagAngle: (bus: string): { node: number; vPu: number; angleDeg: number }[] => {
      const b = this.bus(bus);
      const v = this.buses.voltages(bus);
      return b.nodes.map((node, k) => ({
        node,
        vPu: b.kvBase > 0 ? Math.hypot(v[2 * k]!, v[2 * k + 1]!) / (1000 * b.kvBase) : Number.NaN,
        angleDeg: (Math.atan2(v[2 * k + 1]!, v[2 * k]!) * 180) / Math.PI,
      }));
    },
    /**
     * Line-to-line voltages of a bus's phase nodes (1, 2, 3): 1-2, 2-3, 3-1 when all three are
     * present, the one pair otherwise (as OpenDSS Bus.VLL). Magnitude (V), angle (deg) and per
     * unit of √3 × the line-to-neutral base.
     */
    lineToLine: (
      bus: string,
    ): { from: number; to: number; vMagV: number; angleDeg: number; vPu: number }[] => {
      const b = this.bus(bus);
      const V = this.sol().V;
      const phases = [1, 2, 3].filter((p) => b.nodes.includes(p));
      const pairs: [number, number][] =
        phases.length === 3
          ? [
              [1, 2],
              [2, 3],
              [3, 1],
            ]
          : phases.length === 2
            ? [[phases[0]!, phases[1]!]]
            : [];
      return pairs.map(([i, j]) => {
        const ri = b.refs[b.nodes.indexOf(i)]!;
        const rj = b.refs[b.nodes.indexOf(j)]!;
        const re = V[2 * ri]! - V[2 * rj]!;
        const im = V[2 * ri + 1]! - V[2 * rj + 1]!;
        const mag = Math.hypot(re, im);
        return {
          from: i,
          to: j,
          vMagV: mag,
          angleDeg: (Math.atan2(im, re) * 180) / Math.PI,
          vPu: b.kvBase > 0 ? mag / (1000 * b.kvBase * Math.sqrt(3)) : Number.NaN,
        };
      });
    },
  };

  /** Transformer and regulator accessors. */
  readonly transformers = {
    /** Taps of every winding (pu). */
    taps: (name: string): number[] => this.transformerEl(name).windings.map((w) => w.puTap),
    /** Set the tap of winding `winding` (1-based; pu, as `Transformer.name.wdg=w Tap=x`). */
    setTap: (name: string, winding: number, tapPu: number): void => {
      this.engine.text(`Transformer.${this.transformerEl(name).name}.wdg=${winding} Tap=${tapPu}`, "<api>");
    },
    /** Regulator controls: name, transformer, tapped winding, tap position (steps) and tap (pu). */
    regControls: (): RegControlResult[] => regControlResults(this.ckt()),
    /** Tap position (steps from the middle of the range) of a RegControl's winding. */
    tapNumber: (regControl: string): number => {
      const el = this.ckt().find("RegControl", regControl);
      if (!(el instanceof RegControl))
        throw new DssError("missing-element", `RegControl.${regControl} is not defined`);
      return el.tapNum;
    },
  };

  private transformerEl(name: string): Transformer {
    const el = this.element("Transformer", name);
    if (!(el instanceof Transformer))
      throw new DssError("missing-element", `Transformer.${name} is not defined`);
    return el;
  }

  /** EnergyMeter accessors (meters are placed; registers are not modelled). */
  readonly meters = {
    /** Meter names in creation order. */
    names: (): string[] =>
      this.ckt()
        .ofClass("EnergyMeter")
        .map((e) => e.name),
    /** "Class.name" of the delivery elements in a meter's zone, in circuit order. */
    zoneElements: (name: string): string[] => this.meterZone(name).map((e) => e.fullName),
    /** Losses (kW, kvar) of the delivery elements in a meter's zone. */
    zoneLossesKw: (name: string): [number, number] => {
      let p = 0;
      let q = 0;
      for (const el of this.meterZone(name)) {
        const [a, b] = elementLossesW(el, this.sol());
        p += a;
        q += b;
      }
      return [p / 1000, q / 1000];
    },
  };

  private meterZone(name: string): CktElement[] {
    const c = this.ckt();
    const m = c.find("EnergyMeter", name);
    if (!(m instanceof EnergyMeter))
      throw new DssError("missing-element", `EnergyMeter.${name} is not defined`);
    if (c.busesChanged) c.renumber();
    return m.zone(c);
  }

  /** Solution accessors. */
  readonly solution = {
    /** Solve in the present mode (as the Solve command). */
    solve: (): void => {
      this.engine.text("Solve", "<api>");
    },
    /** Iterations of the last solution (summed over control iterations, as OpenDSS). */
    iterations: (): number => this.sol().iteration,
    /** Whether the last solution converged. */
    converged: (): boolean => this.sol().converged,
    /** Control iterations of the last solution. */
    controlIterations: (): number => this.sol().controlIteration,
    /** "Snap" or "Daily". */
    mode: (): "Snap" | "Daily" | "Direct" => modeId(this.sol().mode),
    /** Present hour and seconds. */
    hour: (): number => this.sol().intHour,
    seconds: (): number => this.sol().t,
    /** Convergence tolerance (pu voltage change). */
    tolerance: (): number => this.sol().tolerance,
  };

  private element(className: string, name: string): CktElement {
    const el = this.ckt().find(className, name);
    if (!el) throw new DssError("missing-element", `${className}.${name} is not defined`);
    return el;
  }

  /** Circuit-element accessors (by class and name, case-insensitive). */
  readonly elements = {
    /** Names of the elements of a class, in creation order. */
    names: (className: string): string[] =>
      this.ckt()
        .ofClass(className)
        .map((e) => e.name),
    /** Whether an element is enabled (OpenDSS CktElement.Enabled). */
    enabled: (className: string, name: string): boolean => this.element(className, name).enabled,
    /** Power into each conductor of each terminal: interleaved kW, kvar (OpenDSS CktElement.Powers). */
    powersKw: (className: string, name: string): Float64Array =>
      elementPowersKw(this.element(className, name), this.sol()),
    /** Total power into each terminal: interleaved kW, kvar (OpenDSS CktElement.TotalPowers). */
    totalPowersKw: (className: string, name: string): Float64Array =>
      elementTotalPowersKw(this.element(className, name), this.sol()),
    /** Currents into each conductor (A), interleaved re, im (OpenDSS CktElement.Currents). */
    currentsA: (className: string, name: string): Float64Array => {
      const el = this.element(className, name);
      return new Float64Array(elementCurrents(el, this.sol()));
    },
    /** Full results of one element (expected.json layout). */
    result: (className: string, name: string) => elementResult(this.element(className, name), this.sol()),
  };

  /** Storage accessors. */
  readonly storage = {
    /** Stored energy (kWh). */
    kWhStored: (name: string): number => this.storageEl(name).kWhStored,
    /** State: −1 charging, 0 idling, 1 discharging. */
    state: (name: string): number => this.storageEl(name).state,
    /** Stored energy per unit of kWhrated. */
    puSoc: (name: string): number => {
      const s = this.storageEl(name);
      return s.kWhStored / s.kWhRating;
    },
  };

  /** PV accessors. */
  readonly pv = {
    /** Present inverter output (kW, kvar) in generator convention. */
    outputKw: (name: string): [number, number] => {
      const el = this.element("PVSystem", name);
      if (!(el instanceof PVSystem)) throw new DssError("missing-element", `PVSystem.${name} is not defined`);
      return [el.kWOut, el.kvarOut];
    },
  };

  private storageEl(name: string): Storage {
    const el = this.element("Storage", name);
    if (!(el instanceof Storage)) throw new DssError("missing-element", `Storage.${name} is not defined`);
    return el;
  }

  /** Results of the present solution in the layout of the reference expected.json. */
  snapshot(detail: "full" | "summary" = "full"): SnapshotResult {
    return snapshot(this.ckt(), this.sol(), detail);
  }

  /** The circuit as OpenDSS script text (round-trips through `text`). */
  toScript(options?: WriteOptions): string {
    return writeScript(this.engine, options);
  }
}
