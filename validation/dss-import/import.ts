/**
 * An OpenDSS deck → the engineering model (`Feeder`) the optimizer reads, through the project's own engine:
 * the deck is compiled (running whatever it runs, `CalcVoltageBases` included), optionally solved once so that
 * its regulators and capacitor controls settle, and the circuit's element objects are read — no second parser.
 *
 * Two conventions (models/README.md, "phase model"):
 * - a deck whose source and every element are 1-phase is imported exactly, per phase (the IEEE-123 study
 *   case's convention): ohms of the one conductor, powers per phase, kV line-to-neutral;
 * - any other deck becomes a balanced positive-sequence equivalent in the three-phase (total power)
 *   convention, by the rules of `balanced.ts` and README.md; everything the reduction drops or approximates
 *   is listed in `Feeder.approximations`.
 *
 * What the optimizer cannot represent is an `InputError` naming file, line and element: a second source, a
 * voltage-controlled generator, a transformer with more than two windings, a series capacitor, an enabled
 * fault, a bus with no path to the source. A mesh is refused by the topology (models/topology.ts) with the
 * line of the branch that closes it. Unknown classes are refused by the engine while compiling.
 */
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { InputError } from "../../models/errors.ts";
import type {
  BatteryRow,
  BusRow,
  CapacitorRow,
  Feeder,
  LineRow,
  LoadModelKind,
  LoadRow,
  PriceDef,
  Profile,
  PvRow,
  SourceRef,
  TransformerRow,
  ZipModel,
} from "../../models/feeder.ts";
import { readInputBytes, readInputFile } from "../../models/files.ts";
import { buildMathNetwork } from "../../models/topology.ts";
import type { Circuit } from "../opendss/circuit.ts";
import { type CktElement, parseBusSpec } from "../opendss/elements/base.ts";
import { Capacitor } from "../opendss/elements/capacitor.ts";
import { CapControl } from "../opendss/elements/capcontrol.ts";
import { Generator } from "../opendss/elements/generator.ts";
import { Line } from "../opendss/elements/line.ts";
import { Load } from "../opendss/elements/load.ts";
import type { LoadShape } from "../opendss/elements/loadshape.ts";
import { PVSystem } from "../opendss/elements/pvsystem.ts";
import { Reactor } from "../opendss/elements/reactor.ts";
import { RegControl } from "../opendss/elements/regcontrol.ts";
import { Storage } from "../opendss/elements/storage.ts";
import { Transformer } from "../opendss/elements/transformer.ts";
import type { Vsource } from "../opendss/elements/vsource.ts";
import { DssEngine } from "../opendss/engine.ts";
import { DssError, type ScriptLocation } from "../opendss/errors.ts";
import {
  balancedPhasor,
  block,
  type Cx,
  equivalentZ,
  inverse,
  parallel,
  powerInto,
  sequenceValue,
} from "./balanced.ts";

const SQRT3 = Math.sqrt(3);

/** Where prices come from: a profile (of `profiles`, or a LoadShape of the deck by name). */
export interface PriceSource {
  /** Name of a profile given in `profiles`, or of a LoadShape of the deck. */
  profile: string;
  /** Name of the price series in the case (default: the profile's name). */
  name?: string;
  /** `series` (default): the profile is the price per period; `on-off-peak`: the authors' rule. */
  rule?: "series" | "on-off-peak";
  /** Share of the horizon at the peak price (on-off-peak only; default 0.4). */
  peakShare?: number;
}

/** Options of an import. */
export interface DssImportOptions {
  /** Case name (default: the circuit's name). */
  name?: string;
  /** Power base (kVA; default 1000): per phase or three-phase total, as the phase model says. */
  sBaseKva?: number;
  /** `auto` (default): per phase when the source and every element are 1-phase, else three-phase. */
  phaseModel?: "auto" | "per-phase" | "three-phase";
  /**
   * Solve the deck once (snapshot, its own controls active) before reading it, so that regulator taps and
   * switched capacitors are at their settled values; default false (the state after compiling).
   */
  solveControls?: boolean;
  /** Profiles from outside the deck (`--profiles FILE`), by name. */
  profiles?: Record<string, Profile>;
  /** Profile for loads without a shape of their own (a name in `profiles` or a deck LoadShape). */
  loadProfile?: string;
  /** Every load follows `loadProfile`, whatever shape the deck gives it (listed as an approximation). */
  overrideLoadShapes?: boolean;
  /** Irradiance profile for PVs without a shape of their own and for PVs placed by the rule. */
  pvProfile?: string;
  /** Price series; none: a zero price named "none" and the loss objective by default. */
  price?: PriceSource;
  /** Upper SOC of batteries from Storage elements (OpenDSS charges to 100 %); default 1. */
  storageSocMax?: number;
}

/** What the original-deck replay needs to know about the deck (validation/replay/original-deck.ts). */
export interface DssDeckInfo {
  format: "mpopf-dss-import/1";
  /** The deck's master file (absolute). */
  master: string;
  /** Every file the engine read while compiling (absolute), master first. */
  files: string[];
  phaseModel: "per-phase" | "three-phase";
  /** Phase nodes (1..3) of every bus of the model, by bus id. */
  busNodes: Record<string, number[]>;
  /** PV and battery rows that are elements of the deck: row id → "PVSystem.name" / "Storage.name". */
  pvElements: Record<string, string>;
  storageElements: Record<string, string>;
  /** Load rows → the deck's Load (or Generator) element. */
  loadElements: Record<string, string>;
  /** Capacitor rows → the deck's Capacitor element. */
  capacitorElements: Record<string, string>;
  /** Voltage band (pu) of each deck Load, PVSystem and Storage by full name: constant power inside it. */
  bands: Record<string, [number, number]>;
  /**
   * Commands that put the compiled deck at the operating point the model was read at: controls off, every
   * regulator tap and switched capacitor as imported.
   */
  setup: string[];
  /** OpenDSS name of the circuit. */
  circuit: string;
}

/** The result of an import. */
export interface DssImport {
  feeder: Feeder;
  deck: DssDeckInfo;
  /** Study defaults the import suggests (price name, objective, horizon). */
  defaults: { price: string; objective: "cost" | "loss"; horizon: number };
  timings: { compileMs: number; readMs: number };
}

/** Shown path of a file (relative to the working directory when inside it). */
function shown(path: string): string {
  const r = relative(process.cwd(), path);
  return r.startsWith("..") || isAbsolute(r) ? path : r;
}

const locOf = (el: { definedAt?: ScriptLocation }): SourceRef =>
  el.definedAt ? { file: el.definedAt.file, line: el.definedAt.line } : {};

function fail(
  code: ConstructorParameters<typeof InputError>[0],
  detail: string,
  el: CktElement,
  field?: string,
) {
  return new InputError(code, detail, { ...locOf(el), element: el.fullName, ...(field ? { field } : {}) });
}

/** Natural order of bus names: digit runs compared as numbers ("2" < "10"), the rest as text. */
export function naturalCompare(a: string, b: string): number {
  const ta = a.match(/\d+|\D+/g) ?? [];
  const tb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    const x = ta[i]!;
    const y = tb[i]!;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
      if (x.length !== y.length) return x.length - y.length;
    } else if (x !== y) return x < y ? -1 : 1;
  }
  return ta.length - tb.length;
}

/** Bus name and nodes of terminal t of an element. */
function terminal(el: CktElement, t: number): { bus: string; nodes: number[] } {
  return parseBusSpec(el.busSpec[t]!, el.nPhases, el.nConds);
}

/** Indices of the conductors of terminal t that sit on phase nodes 1..3 (distinct nodes). */
function phaseConductors(nodes: number[]): number[] {
  const seen = new Set<number>();
  const out: number[] = [];
  nodes.forEach((n, i) => {
    if (n >= 1 && n <= 3 && !seen.has(n)) {
      seen.add(n);
      out.push(i);
    }
  });
  return out;
}

const fmt = (v: number, d = 4) =>
  Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(3) : v.toFixed(d);

/** A branch being collected (lines and reactors merged when parallel). */
interface SeriesBranch {
  key: string;
  a: string;
  b: string;
  z: Cx[];
  bS: number;
  elements: CktElement[];
  phaseSets: number[][];
}

/** A transformer bank being collected (units between the same two buses). */
interface Bank {
  key: string;
  a: string;
  b: string;
  units: Transformer[];
}

/** Compile a deck with the project's engine, recording every file it reads. */
function compileDeck(master: string): { engine: DssEngine; files: string[]; ms: number } {
  const files: string[] = [];
  const note = (p: string) => {
    if (!files.includes(p)) files.push(p);
  };
  const engine = new DssEngine({
    readFile: (p) => {
      const t = readInputFile(p, "OpenDSS");
      note(p);
      return t;
    },
    readBytes: (p) => {
      const b = new Uint8Array(readInputBytes(p, "OpenDSS data"));
      note(p);
      return b;
    },
  });
  const t0 = performance.now();
  try {
    engine.compile(master);
  } catch (e) {
    throw islandError(e, engine) ?? e;
  }
  if (!engine.circuit) {
    throw new InputError("schema", "the deck defines no circuit (no 'New Circuit.name')", {
      file: shown(master),
    });
  }
  return { engine, files, ms: performance.now() - t0 };
}

/** An island (a bus with no path to the source) as an error at the element that uses the bus. */
function islandError(e: unknown, engine: DssEngine): InputError | null {
  if (!(e instanceof DssError) || e.kind !== "island") return null;
  const m = /have no path to a voltage source: ([^,\s(]+)/.exec(e.detail);
  const c = engine.circuit;
  if (!m || !c) return null;
  const bus = m[1]!;
  const el = c.elements.find((x) => x.busSpec.some((s) => s.split(".")[0] === bus));
  if (!el) return null;
  return new InputError(
    "disconnected",
    `bus '${bus}' has no path to the source (no line or transformer reaches it; a misspelt bus name?)`,
    { ...locOf(el), element: el.fullName, field: "bus1" },
  );
}

/** Read an OpenDSS deck into a Feeder (see the module comment). */
export function importDss(masterPath: string, opts: DssImportOptions = {}): DssImport {
  const master = resolve(masterPath);
  const { engine, files, ms: compileMs } = compileDeck(master);
  const t1 = performance.now();
  const c = engine.circuit!;
  const sol = engine.solution!;
  if (opts.solveControls) {
    engine.text("Set Mode=Snapshot", "<import>");
    try {
      engine.text("Solve", "<import>");
    } catch (e) {
      throw islandError(e, engine) ?? e;
    }
  }
  try {
    sol.buildYMatrix(false, true);
  } catch (e) {
    throw islandError(e, engine) ?? e;
  }
  const approx: string[] = [];
  const note = (s: string) => {
    if (!approx.includes(s)) approx.push(s);
  };
  // Notes of one kind are grouped into one line (a large deck has hundreds), with the first few examples.
  const groups = new Map<string, string[]>();
  const group = (kind: string, item: string) => {
    let g = groups.get(kind);
    if (!g) {
      g = [];
      groups.set(kind, g);
      approx.push(`\u0000${kind}`);
    }
    g.push(item);
  };

  // The source.
  const sources = c.vsources;
  if (sources.length > 1) {
    throw fail(
      "schema",
      `a second voltage source (the first is ${sources[0]!.fullName}): the optimizer has one substation`,
      sources[1]!,
    );
  }
  const vs = sources[0] as Vsource | undefined;
  if (!vs) throw new InputError("schema", "the deck has no enabled voltage source", { file: shown(master) });

  const elements = c.elements.filter((e) => e.enabled);
  const onePhase = elements.every((e) => e.nTerms === 0 || e.nPhases === 1);
  const phaseModel =
    opts.phaseModel === "per-phase" || opts.phaseModel === "three-phase"
      ? opts.phaseModel
      : onePhase
        ? "per-phase"
        : "three-phase";
  const three = phaseModel === "three-phase";
  if (!three && !onePhase) {
    const el = elements.find((e) => e.nTerms > 0 && e.nPhases !== 1)!;
    throw fail(
      "schema",
      "the per-phase model needs a deck whose source and elements are all 1-phase",
      el,
      "phases",
    );
  }
  if (three && vs.nPhases !== 3) {
    throw fail(
      "schema",
      `a ${vs.nPhases}-phase source: a three-phase deck needs a 3-phase Vsource`,
      vs,
      "phases",
    );
  }
  const srcBus = terminal(vs, 0).bus;
  const kvBaseLn = three ? vs.kVBase / SQRT3 : vs.kVBase;
  const srcK = vs.nPhases;
  const zs = sequenceValue(block(vs.z, srcK, [...Array(srcK).keys()], [...Array(srcK).keys()]), srcK);
  if (vs.angle !== 0 && three)
    note(`${vs.fullName}: angle ${vs.angle}° dropped (the balanced model has magnitudes only)`);
  if (three) {
    note(
      "balanced positive-sequence equivalent, three-phase total power: loads, capacitors and DERs summed over their phases at each bus; line Z = (3/k)·Z_k of each k-phase section (k = 3: Z1); transformers as per-unit series impedances at their present tap; voltage unbalance is not modelled",
    );
  }

  // Series elements: lines, series reactors, transformers.
  const series = new Map<string, SeriesBranch>();
  const banks = new Map<string, Bank>();
  const busNodes = new Map<string, Set<number>>();
  const addNodes = (bus: string, nodes: number[]) => {
    let s = busNodes.get(bus);
    if (!s) {
      s = new Set();
      busNodes.set(bus, s);
    }
    for (const n of nodes) if (n >= 1 && n <= 3) s.add(n);
  };
  addNodes(srcBus, terminal(vs, 0).nodes);
  let dropped = 0;
  const setup: string[] = ["Set ControlMode=OFF"];
  let noLoadKw = 0;
  let noLoadCount = 0;
  let shifted = false;
  for (const el of elements) {
    if (el instanceof Line || (el instanceof Reactor && !el.isShunt)) {
      const t1n = terminal(el, 0);
      const t2n = terminal(el, 1);
      if (t1n.bus === t2n.bus) {
        group("left out, both ends on one bus", `${el.fullName} ('${t1n.bus}')`);
        continue;
      }
      const open = el.openConductors;
      const pc = phaseConductors(t1n.nodes);
      const live = open ? pc.filter((i) => !open[i] && !open[el.nConds + i]) : pc;
      if (live.length === 0) {
        dropped++;
        continue; // an open switch
      }
      if (live.length < pc.length)
        group(
          "open conductors: modelled with the closed phases",
          `${el.fullName} (${pc.length - live.length})`,
        );
      const n = el.nConds;
      const m = el.yorder;
      const br = el.branch;
      // series admittance A (−Y12) and terminal-1 shunt of the phase conductors
      const a = new Float64Array(2 * live.length * live.length);
      const sh = new Float64Array(2 * live.length * live.length);
      live.forEach((i, r) => {
        live.forEach((j, q) => {
          const k = 2 * (r * live.length + q);
          if (br) {
            a[k] = br.a[2 * (i * n + j)]!;
            a[k + 1] = br.a[2 * (i * n + j) + 1]!;
            sh[k] = br.s1[2 * (i * n + j)]!;
            sh[k + 1] = br.s1[2 * (i * n + j) + 1]!;
          } else {
            a[k] = -el.yprim[2 * (i * m + n + j)]!;
            a[k + 1] = -el.yprim[2 * (i * m + n + j) + 1]!;
          }
        });
      });
      if (n > pc.length) group("neutral conductors reduced out as if grounded (Kron)", el.fullName);
      const zmat = inverse(a, live.length);
      if (!zmat) throw fail("schema", "its series impedance matrix is singular", el);
      const k = live.length;
      const z = equivalentZ(zmat, k, three);
      // Shunt susceptance of both ends (S): B_eq = (Σ B_ii − Σ_{i<j} B_ij)·k/3 per phase model.
      const bk = sequenceValue(sh, k)[1] * k;
      const bS = 2 * (three ? bk / 3 : bk);
      const key = [t1n.bus, t2n.bus].sort().join("\u0000");
      const phases = live.map((i) => t1n.nodes[i]!);
      addNodes(t1n.bus, phases);
      addNodes(
        t2n.bus,
        live.map((i) => t2n.nodes[i]!),
      );
      const prev = series.get(key);
      if (prev) {
        prev.z.push(z);
        prev.bS += bS;
        prev.elements.push(el);
        prev.phaseSets.push(phases);
      } else
        series.set(key, { key, a: t1n.bus, b: t2n.bus, z: [z], bS, elements: [el], phaseSets: [phases] });
      continue;
    }
    if (el instanceof Transformer) {
      if (el.numWindings !== 2) {
        throw fail(
          "schema",
          `a ${el.numWindings}-winding transformer: the optimizer's branches have two ends (split-phase service transformers are not modelled)`,
          el,
          "windings",
        );
      }
      const a = terminal(el, 0).bus;
      const b = terminal(el, 1).bus;
      if (a === b) {
        group("left out, both ends on one bus", `${el.fullName} ('${a}')`);
        continue;
      }
      addNodes(a, terminal(el, 0).nodes.slice(0, el.nPhases));
      addNodes(b, terminal(el, 1).nodes.slice(0, el.nPhases));
      const key = [a, b].sort().join("\u0000");
      const bank = banks.get(key);
      if (bank) bank.units.push(el);
      else banks.set(key, { key, a, b, units: [el] });
      if (el.pctNoLoadLoss > 0 || el.pctImag > 0) {
        noLoadCount++;
        noLoadKw += (el.pctNoLoadLoss / 100) * el.windings[0]!.kVA;
      }
      const conns = el.windings.map((w) => w.connection);
      if (el.nPhases === 3 && conns[0] !== conns[1]) shifted = true;
      continue;
    }
    if (el instanceof Capacitor && !el.isShunt) {
      throw fail(
        "schema",
        "a series capacitor (bus2 is not ground): not representable in the branch-flow model",
        el,
        "bus2",
      );
    }
    if (el.className === "Fault") {
      throw fail(
        "schema",
        "an enabled Fault: the optimizer solves normal operation (disable it)",
        el,
        "enabled",
      );
    }
  }
  if (dropped > 0)
    note(`${dropped} open switch(es) or disabled line(s) removed (the radial network without them)`);
  const disabled = c.elements.filter(
    (e) => !e.enabled && (e instanceof Line || e instanceof Transformer),
  ).length;
  if (disabled > 0)
    note(`${disabled} disabled line(s)/transformer(s) of the deck are not part of the network`);
  if (noLoadCount > 0)
    note(
      `${noLoadCount} transformer(s): no-load losses (${fmt(noLoadKw, 2)} kW at rated voltage) and magnetizing current left out`,
    );
  if (shifted)
    note("transformer phase shifts (delta–wye 30°) left out: the model has voltage magnitudes only");

  // Lines table.
  const lines: LineRow[] = [];
  for (const s of series.values()) {
    const z = s.z.length === 1 ? s.z[0]! : parallel(s.z);
    if (s.z.length > 1) {
      const overlap = new Set<number>();
      let clash = false;
      for (const ps of s.phaseSets) for (const p of ps) overlap.has(p) ? (clash = true) : overlap.add(p);
      group(
        "parallel lines between the same two buses merged into one branch",
        `${s.elements.map((e) => e.fullName).join(" ∥ ")}${clash ? " (on shared phases: a local loop)" : ""}`,
      );
    }
    const el = s.elements[0]!;
    const id = s.elements.length === 1 ? el.name : s.elements.map((e) => e.name).join("+");
    const r = Math.max(0, z[0]);
    if (z[0] < 0) group("negative equivalent resistance clamped to 0", `${el.fullName} (${fmt(z[0])} Ω)`);
    lines.push({
      id,
      from: s.a,
      to: s.b,
      rOhm: r === 0 && z[1] === 0 ? 1e-9 : r,
      xOhm: z[1],
      ...(s.bS > 0 ? { bUs: s.bS * 1e6 } : {}),
      at: locOf(el),
    });
    if (z[1] < 0) group("negative equivalent reactance set to 0", `${el.fullName} (${fmt(z[1])} Ω)`);
  }
  const neg = lines.filter((l) => l.xOhm < 0);
  for (const l of neg) l.xOhm = 0;

  // Transformers table (banks of units between the same two buses merged).
  const transformers: TransformerRow[] = [];
  const taps: Array<{ row: TransformerRow; units: Transformer[] }> = [];
  for (const bank of banks.values()) {
    const u0 = bank.units[0]!;
    const unitKv = (t: Transformer, w: number) => {
      const wd = t.windings[w]!;
      if (t.nPhases !== 1) return wd.kVLL;
      // 1-phase: a winding between two phase nodes is line-to-line; phase-to-neutral is scaled to LL.
      const nodes = terminal(t, w).nodes;
      const ll =
        nodes[0]! >= 1 && nodes[0]! <= 3 && nodes[1]! >= 1 && nodes[1]! <= 3 && nodes[0] !== nodes[1];
      return three ? (ll ? wd.kVLL : wd.kVLL * SQRT3) : wd.kVLL * SQRT3;
    };
    let yR = 0;
    let yI = 0;
    let kva = 0;
    let tapSum = 0;
    const tapList: number[] = [];
    for (const t of bank.units) {
      const w1 = t.windings[0]!;
      const w2 = t.windings[1]!;
      const tau = w2.puTap / w1.puTap;
      tapList.push(tau);
      tapSum += tau;
      // z (pu on winding-1 kVA) referred to the untapped secondary base: × tap2²
      const zr = (w1.rPu + w2.rPu) * w2.puTap * w2.puTap;
      const zx = t.xhl * w2.puTap * w2.puTap;
      const kvaU = w1.kVA;
      // admittance in "kVA per pu" so units of different ratings add in parallel
      const d = zr * zr + zx * zx;
      if (d === 0) throw fail("schema", "zero series impedance (%R and XHL both 0)", t);
      yR += (kvaU * zr) / d;
      yI -= (kvaU * zx) / d;
      kva += kvaU;
      if (Math.abs(unitKv(t, 0) - unitKv(u0, 0)) > 1e-9 || Math.abs(unitKv(t, 1) - unitKv(u0, 1)) > 1e-9)
        group("rated kV differ within a bank: the first unit's are used", t.fullName);
    }
    const d = yR * yR + yI * yI;
    const zr = (kva * yR) / d;
    const zx = (-kva * yI) / d;
    const tap = tapSum / bank.units.length;
    if (Math.max(...tapList) - Math.min(...tapList) > 1e-9) {
      group(
        "unequal taps of a bank averaged (the balanced model has one tap per branch)",
        `${bank.units.map((t) => t.fullName).join(", ")}: ${tapList.map((x) => x.toFixed(5)).join(" / ")} → ${tap.toFixed(5)}`,
      );
    }
    if (bank.units.length > 1 && three)
      group(
        "single-phase transformer units between the same two buses taken as one bank",
        `${bank.units.map((t) => t.fullName).join(" + ")} ('${bank.a}'→'${bank.b}', ${fmt(kva, 1)} kVA)`,
      );
    const row: TransformerRow = {
      id: bank.units.map((t) => t.name).join("+"),
      from: bank.a,
      to: bank.b,
      kva,
      kvPrimary: unitKv(u0, 0),
      kvSecondary: unitKv(u0, 1),
      rPct: 100 * zr,
      xPct: 100 * zx,
      ...(Math.abs(tap - 1) > 1e-12 ? { tap } : {}),
      at: locOf(u0),
    };
    transformers.push(row);
    taps.push({ row, units: bank.units });
  }

  // Controls: off in the model; the present taps and capacitor states are the operating point.
  for (const el of elements) {
    if (el instanceof RegControl) {
      const t = el.transformer;
      group(
        `regulator controls left out, each transformer fixed at its ${opts.solveControls ? "solved" : "present"} tap`,
        `${el.fullName}${t ? ` (${t.fullName} ${t.windings.map((w) => w.puTap.toFixed(5)).join("/")})` : ""}`,
      );
    } else if (el instanceof CapControl) {
      group(
        `capacitor controls left out, each capacitor fixed at its ${opts.solveControls ? "solved" : "present"} state`,
        el.fullName,
      );
    } else if (el.role === "control") {
      group("controls left out", el.fullName);
    }
  }
  for (const t of c.ofClass<Transformer>("Transformer")) {
    if (!t.enabled) continue;
    setup.push(`Edit Transformer.${t.name} Taps=[${t.windings.map((w) => String(w.puTap)).join(" ")}]`);
  }

  // Orient transformers from the source (the primary is the side towards the substation).
  const adj = new Map<string, string[]>();
  const link = (x: string, y: string) => {
    (adj.get(x) ?? adj.set(x, []).get(x)!).push(y);
    (adj.get(y) ?? adj.set(y, []).get(y)!).push(x);
  };
  for (const l of lines) link(l.from, l.to);
  for (const t of transformers) link(t.from, t.to);
  const depth = new Map<string, number>([[srcBus, 0]]);
  const queue = [srcBus];
  for (let h = 0; h < queue.length; h++) {
    const u = queue[h]!;
    for (const v of adj.get(u) ?? []) {
      if (!depth.has(v)) {
        depth.set(v, depth.get(u)! + 1);
        queue.push(v);
      }
    }
  }
  for (const t of transformers) {
    const da = depth.get(t.from);
    const db = depth.get(t.to);
    if (da !== undefined && db !== undefined && db < da) {
      [t.from, t.to] = [t.to, t.from];
      [t.kvPrimary, t.kvSecondary] = [t.kvSecondary, t.kvPrimary];
      if (t.tap !== undefined) t.tap = 1 / t.tap;
      group(
        "transformers whose winding 2 faces the source, modelled from that side",
        `${t.id} ('${t.from}'→'${t.to}')`,
      );
    }
  }

  // Buses: every endpoint, in natural order.
  const ids = new Set<string>([srcBus]);
  for (const l of lines) {
    ids.add(l.from);
    ids.add(l.to);
  }
  for (const t of transformers) {
    ids.add(t.from);
    ids.add(t.to);
  }
  // Coordinates where the deck gives them (BusCoords), for maps.
  const buses: BusRow[] = [...ids].sort(naturalCompare).map((id) => {
    const xy = engine.busCoords.get(id.toLowerCase());
    return xy ? { id, x: xy[0], y: xy[1] } : { id };
  });

  const shortName = (cName: string) => cName.toLowerCase();
  const name = opts.name ?? shortName(c.name);
  const sBaseKva = opts.sBaseKva ?? 1000;
  const source = {
    bus: srcBus,
    vPu: vs.perUnit,
    kvBaseLn,
    ...(zs[0] !== 0 || zs[1] !== 0 ? { rOhm: Math.max(0, zs[0]), xOhm: Math.max(0, zs[1]) } : {}),
    at: locOf(vs),
  };

  // Pass 1: the network (zones give every bus its base for the devices).
  const skeleton: Feeder = {
    name,
    sBaseKva,
    phaseModel,
    source,
    buses,
    lines,
    transformers,
    loads: [],
    capacitors: [],
    pvs: [],
    batteries: [],
    profiles: {},
    prices: {},
    defaultLoadProfile: "",
    defaultPvProfile: "",
    provenance: [],
  };
  const net = buildMathNetwork(skeleton);
  const zoneLn = (bus: string, el: CktElement): number => {
    const i = net.busIndex[bus];
    if (i === undefined) {
      throw fail(
        "unknown-bus",
        `bus '${bus}' is not part of the network (no line or transformer of the model reaches it)`,
        el,
        "bus1",
      );
    }
    return net.zones[net.buses[i]!.zone]!.vBaseKvLn;
  };

  // Profiles: the deck's LoadShapes that are used, and the ones given from outside.
  const profiles: Record<string, Profile> = { ...(opts.profiles ?? {}) };
  const shapeProfile = new Map<string, string>();
  const reserved = new Set(["line", "hour", "t", "time", "minute"]);
  const profileOfShape = (shape: LoadShape, user: CktElement): string => {
    const known = shapeProfile.get(shape.name);
    if (known) return known;
    const at = shape.definedAt ? { file: shape.definedAt.file, line: shape.definedAt.line } : locOf(user);
    const np = shape.numPoints;
    if (np <= 0) {
      throw new InputError("bad-profile", "the LoadShape has no points (npts = 0)", {
        ...at,
        element: shape.fullName,
        field: "npts",
      });
    }
    let step = shape.interval;
    if (!(step > 0)) {
      // explicit hours: accepted when uniformly spaced from the first step
      const h = shape.hours!;
      step = h[0]!;
      for (let k = 1; k < np; k++) {
        if (Math.abs(h[k]! - h[k - 1]! - step) > 1e-9) {
          throw new InputError(
            "bad-profile",
            "explicit hours that are not uniformly spaced: give npts and interval",
            {
              ...at,
              element: shape.fullName,
              field: "hour",
            },
          );
        }
      }
    }
    if (shape.useActual) {
      throw new InputError(
        "bad-profile",
        "UseActual=yes (kW values, not multipliers) is not supported: give multipliers",
        {
          ...at,
          element: shape.fullName,
          field: "UseActual",
        },
      );
    }
    if (np === 1) {
      // OpenDSS uses a one-point shape at every hour: a constant multiplier (stretched over the horizon below)
      let pname1 = shape.name;
      if (reserved.has(pname1) || (profiles[pname1] && !shapeProfile.has(pname1))) pname1 = `shape_${pname1}`;
      constants.push({ name: pname1, value: shape.pmult[0]! });
      profiles[pname1] = {
        name: pname1,
        stepHours: 1,
        values: Float64Array.of(shape.pmult[0]!),
        ...(at.file ? { file: at.file } : {}),
        definedAt: { ...at, element: shape.fullName },
      };
      shapeProfile.set(shape.name, pname1);
      return pname1;
    }
    const values = Float64Array.from(shape.pmult.slice(0, np));
    for (let k = 0; k < np; k++) {
      if (!(values[k]! >= 0 && values[k]! <= 100)) {
        throw new InputError("bad-profile", `multiplier ${values[k]} of point ${k + 1} is outside 0..100`, {
          ...at,
          element: shape.fullName,
          field: "mult",
        });
      }
    }
    if (shape.qmult?.some((q, k) => q !== shape.pmult[k])) {
      group("LoadShape qmult left out (reactive power follows the real-power multipliers)", shape.fullName);
    }
    let pname = shape.name;
    if (reserved.has(pname) || (profiles[pname] && !shapeProfile.has(pname))) pname = `shape_${pname}`;
    profiles[pname] = {
      name: pname,
      stepHours: step,
      values,
      ...(at.file ? { file: at.file } : {}),
      definedAt: { ...at, element: shape.fullName },
    };
    shapeProfile.set(shape.name, pname);
    return pname;
  };
  const namedProfile = (n: string, what: string): string => {
    if (profiles[n]) return n;
    const shape = engine.objects.get("loadshape")?.get(n.toLowerCase()) as LoadShape | undefined;
    if (shape) return profileOfShape(shape, vs);
    throw new InputError(
      "bad-profile",
      `${what} '${n}' is neither a column of the given profiles (${Object.keys(opts.profiles ?? {}).join(", ") || "none given"}) nor a LoadShape of the deck`,
      { file: shown(master), element: what },
    );
  };
  const defaultLoad = opts.loadProfile ? namedProfile(opts.loadProfile, "load profile") : undefined;
  const defaultPv = opts.pvProfile ? namedProfile(opts.pvProfile, "PV profile") : undefined;
  const ONE = "one";

  // Pass 2: devices.
  const loads: LoadRow[] = [];
  const capacitors: CapacitorRow[] = [];
  const pvs: PvRow[] = [];
  const batteries: BatteryRow[] = [];
  const loadElements: Record<string, string> = {};
  const capacitorElements: Record<string, string> = {};
  const pvElements: Record<string, string> = {};
  const storageElements: Record<string, string> = {};
  const bands: Record<string, [number, number]> = {};
  let needOne = false;
  let overridden = 0;
  const constants: Array<{ name: string; value: number }> = [];
  let cvr = 0;
  let fixedQ = 0;
  const loadMult = sol.loadMult;
  if (loadMult !== 1) note(`the deck's LoadMult ${loadMult} is applied to every variable load's kW and kvar`);
  for (const el of elements) {
    if (el instanceof Load) {
      const { bus, nodes } = terminal(el, 0);
      const vb = zoneLn(bus, el);
      addNodes(bus, nodes.slice(0, el.nPhases));
      // the load's rated voltage across its terminals vs the bus base across the same terminals
      const delta =
        el.connection === "delta" || (el.nPhases === 1 && phaseConductors(nodes.slice(0, 2)).length === 2);
      const vRated = el.vBase / 1000;
      const ratio = ((delta ? SQRT3 : 1) * vb) / vRated;
      const f = el.status === "variable" ? loadMult : 1; // fixed and exempt loads ignore LoadMult
      let model: LoadModelKind = "pq";
      let zip: ZipModel | undefined;
      switch (el.model) {
        case 1:
          break;
        case 2:
          model = "z";
          break;
        case 5:
          model = "i";
          break;
        case 3:
          model = "zip";
          zip = { p: [0, 0, 1], q: [1, 0, 0] };
          break;
        case 8: {
          const z = el.zipv ?? [0, 0, 1, 0, 0, 1];
          model = "zip";
          zip = { p: [z[0]!, z[1]!, z[2]!], q: [z[3]!, z[4]!, z[5]!] };
          break;
        }
        case 4:
          cvr++;
          break;
        default:
          fixedQ++;
          if (el.model === 7) {
            model = "zip";
            zip = { p: [0, 0, 1], q: [1, 0, 0] };
          }
      }
      // Rated values at the bus base: Z parts scale with ratio², I parts with ratio.
      let kw = el.kWBase * f;
      let kvar = el.kvarBase * f;
      if (model !== "pq" && Math.abs(ratio - 1) > 1e-12) {
        const z0 =
          model === "z"
            ? { p: [1, 0, 0], q: [1, 0, 0] }
            : model === "i"
              ? { p: [0, 1, 0], q: [0, 1, 0] }
              : zip!;
        const scale = (t: number[]): [number, number, number, number] => {
          const a = t[0]! * ratio * ratio;
          const b = t[1]! * ratio;
          const s = a + b + t[2]!;
          return [a / s, b / s, t[2]! / s, s];
        };
        const sp = scale(z0.p);
        const sq = scale(z0.q);
        kw *= sp[3];
        kvar *= sq[3];
        model = "zip";
        zip = { p: [sp[0], sp[1], sp[2]], q: [sq[0], sq[1], sq[2]] };
      }
      let profile: string | undefined;
      const shape = el.daily ?? el.yearly;
      if (el.status === "fixed") {
        profile = ONE;
        needOne = true;
      } else if (opts.overrideLoadShapes && defaultLoad) {
        profile = defaultLoad;
        if (shape) overridden++;
      } else if (shape) profile = profileOfShape(shape, el);
      else if (defaultLoad) profile = defaultLoad;
      else {
        throw fail(
          "bad-profile",
          "the load has no daily or yearly shape: give --profiles FILE (a 'load' column for every load without a shape) or a shape in the deck",
          el,
          "daily",
        );
      }
      const row: LoadRow = {
        id: el.name,
        bus,
        kw,
        kvar,
        model,
        ...(zip ? { zip } : {}),
        profile,
        at: locOf(el),
      };
      loads.push(row);
      loadElements[row.id] = el.fullName;
      bands[el.fullName] = [el.vMinPu, el.vMaxPu];
      continue;
    }
    if (el instanceof Generator) {
      if (el.model === 3) {
        throw fail(
          "schema",
          "a voltage-controlled generator (model=3, a PV bus): the optimizer has no voltage-controlled injections",
          el,
          "model",
        );
      }
      const { bus, nodes } = terminal(el, 0);
      zoneLn(bus, el);
      addNodes(bus, nodes.slice(0, el.nPhases));
      group(
        "generators as fixed injections (negative constant-P/Q loads), not dispatched",
        `${el.fullName}${el.model !== 1 ? ` (model ${el.model})` : ""}`,
      );
      let profile: string;
      if (el.daily) profile = profileOfShape(el.daily, el);
      else {
        profile = ONE;
        needOne = true;
      }
      const id = `gen_${el.name}`;
      loads.push({ id, bus, kw: -el.kWBase, kvar: -el.kvarBase, model: "pq", profile, at: locOf(el) });
      loadElements[id] = el.fullName;
      continue;
    }
    if (el instanceof Capacitor) {
      const { bus, nodes } = terminal(el, 0);
      const vb = zoneLn(bus, el);
      addNodes(bus, nodes.slice(0, el.nPhases));
      const m = el.yorder;
      const v = new Float64Array(2 * m);
      for (let i = 0; i < el.nConds; i++) {
        const [re, im] = balancedPhasor(nodes[i]!, vb * 1000);
        v[2 * i] = re;
        v[2 * i + 1] = im;
      }
      const s = powerInto(el.yprim, m, v);
      const kvar = -s[1] / 1000;
      const id = el.name;
      setup.push(`Edit Capacitor.${el.name} states=[${el.states.slice(0, el.numSteps).join(" ")}]`);
      if (kvar <= 0) {
        group("capacitors with no step in service (0 kvar) left out", el.fullName);
        continue;
      }
      capacitors.push({ id, bus, kvar, at: locOf(el) });
      capacitorElements[id] = el.fullName;
      continue;
    }
    if (el instanceof Reactor && el.isShunt) {
      group("shunt reactors left out", el.fullName);
      continue;
    }
    if (el instanceof PVSystem) {
      const { bus, nodes } = terminal(el, 0);
      zoneLn(bus, el);
      addNodes(bus, nodes.slice(0, el.nPhases));
      let profile: string;
      if (el.daily) profile = profileOfShape(el.daily, el);
      else if (defaultPv) profile = defaultPv;
      else {
        throw fail(
          "bad-profile",
          "the PVSystem has no daily shape: give --profiles FILE with a 'pv' (irradiance) column, or a daily shape in the deck",
          el,
          "daily",
        );
      }
      if (el.irradiance !== 1) {
        const src = profiles[profile]!;
        const pname = `pv_${el.name}`;
        profiles[pname] = {
          ...src,
          name: pname,
          values: Float64Array.from(src.values, (x) => x * el.irradiance),
        };
        profile = pname;
      }
      if (el.kvarLimit < el.kVArating || el.kvarLimitNeg < el.kVArating)
        note(
          `${el.fullName}: kvarMax ${fmt(el.kvarLimit, 2)} left out (the optimizer limits P² + Q² ≤ kVA² only)`,
        );
      if (el.pctCutIn > 0.01 || el.pctCutOut > 0.01)
        note(`PVSystem %cutin/%cutout left out (e.g. ${el.fullName}: ${el.pctCutIn} / ${el.pctCutOut} %)`);
      pvs.push({ id: el.name, bus, pmppKw: el.pmpp, kva: el.kVArating, profile, at: locOf(el) });
      pvElements[el.name] = el.fullName;
      bands[el.fullName] = [el.vMinPu, el.vMaxPu];
      continue;
    }
    if (el instanceof Storage) {
      const { bus, nodes } = terminal(el, 0);
      zoneLn(bus, el);
      addNodes(bus, nodes.slice(0, el.nPhases));
      const soc0 = el.kWhStored / el.kWhRating;
      const socMin = el.pctReserve / 100;
      const socMax = opts.storageSocMax ?? 1;
      if (soc0 < socMin - 1e-12 || soc0 > socMax + 1e-12) {
        throw fail(
          "out-of-range",
          `%stored ${fmt(100 * soc0, 3)} is outside %reserve ${el.pctReserve} .. ${100 * socMax} %`,
          el,
          "%stored",
        );
      }
      if (el.pctIdlekW > 0)
        note(
          `Storage %IdlingkW left out (the optimizer has no idling losses; e.g. ${el.fullName}: ${el.pctIdlekW} %)`,
        );
      batteries.push({
        id: el.name,
        bus,
        kw: el.kWRating,
        kwh: el.kWhRating,
        kva: el.kVArating,
        etaCharge: el.pctChargeEff / 100,
        etaDischarge: el.pctDischargeEff / 100,
        socMin,
        socMax,
        soc0,
        at: locOf(el),
      });
      storageElements[el.name] = el.fullName;
      bands[el.fullName] = [el.vMinPu, el.vMaxPu];
    }
  }
  if (overridden > 0)
    note(
      `${overridden} load(s): the deck's shape replaced by the load profile '${defaultLoad}' (--override-shapes)`,
    );
  if (cvr > 0) note(`${cvr} CVR load(s) (model=4) taken as constant P/Q`);
  const bandsOfLoads = elements.filter((e): e is Load => e instanceof Load).map((l) => [l.vMinPu, l.vMaxPu]);
  if (bandsOfLoads.length > 0) {
    const lo = Math.max(...bandsOfLoads.map((b) => b[0]!));
    const hi = Math.min(...bandsOfLoads.map((b) => b[1]!));
    note(
      `load voltage bands (OpenDSS models a load as constant impedance outside Vminpu..Vmaxpu; the narrowest here ${lo}–${hi} pu) are not in the optimizer: it keeps each load's model at every voltage (the original-deck replay reports every load-hour outside its band)`,
    );
  }
  const dependent = loads.filter((l) => l.model !== "pq").length;
  if (dependent > 0)
    note(
      `${dependent} load(s) with voltage dependence (constant Z, I or ZIP) kept as such in the case; the paper's formulation (--loads pq, the default) takes every load as constant P/Q, --loads case uses it`,
    );
  if (fixedQ > 0)
    note(`${fixedQ} load(s) with a fixed reactive power (model 6/7): Q follows the load's multiplier`);

  // Default profiles, the constant profile, prices.
  const constantNames = new Set(constants.map((k) => k.name));
  const timed = Object.values(profiles).filter((p) => !constantNames.has(p.name));
  const finest = timed.reduce((m, p) => Math.min(m, p.stepHours), Number.POSITIVE_INFINITY);
  const span = timed.reduce((m, p) => Math.max(m, p.values.length * p.stepHours), 0);
  const step = Number.isFinite(finest) ? finest : 1;
  const pointsOf = (h: number) => Math.max(1, Math.round(h / step));
  const span0 = span > 0 ? span : 24;
  if (needOne)
    profiles[ONE] = { name: ONE, stepHours: step, values: new Float64Array(pointsOf(span0)).fill(1) };
  for (const k of constants) {
    const p = profiles[k.name]!;
    profiles[k.name] = { ...p, stepHours: step, values: new Float64Array(pointsOf(span0)).fill(k.value) };
  }
  if (constants.length > 0)
    note(
      `${constants.length} one-point LoadShape(s) (${constants
        .slice(0, 5)
        .map((k) => k.name)
        .join(
          ", ",
        )}${constants.length > 5 ? ", …" : ""}): a constant multiplier, as OpenDSS applies them at every hour`,
    );
  const firstLoadProfile =
    loads.find((l) => l.profile && l.profile !== ONE)?.profile ?? (needOne ? ONE : undefined);
  const loadDefault = defaultLoad ?? firstLoadProfile;
  let pvDefault = defaultPv ?? pvs[0]?.profile;
  if (!pvDefault) {
    pvDefault = "no_pv_profile";
    profiles[pvDefault] = { name: pvDefault, stepHours: step, values: new Float64Array(pointsOf(span0)) };
    note(
      "no PV irradiance profile (give --profiles with a 'pv' column): PVs placed by the rule have no real power",
    );
  }
  if (!loadDefault) {
    throw new InputError("bad-profile", "the deck has no loads and no load profile was given", {
      file: shown(master),
    });
  }
  const prices: Record<string, PriceDef> = {};
  let priceName: string;
  let objective: "cost" | "loss" = "cost";
  if (opts.price) {
    const pp = namedProfile(opts.price.profile, "price");
    priceName = opts.price.name ?? pp;
    prices[priceName] =
      opts.price.rule === "on-off-peak"
        ? { name: priceName, rule: "on-off-peak", profile: pp, peakShare: opts.price.peakShare ?? 0.4 }
        : { name: priceName, rule: "series", profile: pp };
  } else {
    priceName = "none";
    profiles.no_price = { name: "no_price", stepHours: step, values: new Float64Array(pointsOf(span0)) };
    prices[priceName] = {
      name: priceName,
      rule: "series",
      profile: "no_price",
      description: "no price given (0 $/kWh)",
    };
    objective = "loss";
    note("no price given (--prices): the price is 0 $/kWh and the default objective is the line loss");
  }
  // Profiles nobody uses are not kept (a deck may define hundreds of shapes).
  const used = new Set<string>([loadDefault, pvDefault, prices[priceName]!.profile]);
  for (const l of loads) if (l.profile) used.add(l.profile);
  for (const p of pvs) if (p.profile) used.add(p.profile);
  for (const k of Object.keys(profiles)) if (!used.has(k)) delete profiles[k];

  // Pass 2 Z/I loads need the bus base: convert now that zones are known (done above with zoneLn).
  const ignored = engine.ignoredSummary();
  for (const line of ignored) note(line);

  const rendered = approx.map((a) => {
    if (!a.startsWith("\u0000")) return a;
    const kind = a.slice(1);
    const items = groups.get(kind)!;
    const shownItems = items.slice(0, 4).join("; ");
    return `${kind} (${items.length}): ${shownItems}${items.length > 4 ? `; … and ${items.length - 4} more` : ""}`;
  });
  approx.splice(0, approx.length, ...rendered);
  const horizonPoints = Math.min(
    ...[...used].map((n) => Math.floor((profiles[n]!.values.length * profiles[n]!.stepHours) / step + 1e-9)),
  );
  const feeder: Feeder = {
    ...skeleton,
    description: `Imported from the OpenDSS deck ${shown(master)} (${phaseModel === "three-phase" ? "balanced positive-sequence equivalent, three-phase total power" : "per-phase, exact"}): ${buses.length} buses, ${lines.length} lines, ${transformers.length} transformers, ${loads.length} loads, ${capacitors.length} capacitors, ${pvs.length} PVs, ${batteries.length} batteries.`,
    loads,
    capacitors,
    pvs,
    batteries,
    profiles,
    prices,
    defaultLoadProfile: loadDefault,
    defaultPvProfile: pvDefault,
    provenance: [`OpenDSS deck ${shown(master)} read by the project's engine (validation/dss-import)`],
    ...(approx.length > 0 ? { approximations: approx } : {}),
  };
  const busNodesOut: Record<string, number[]> = {};
  for (const b of buses) busNodesOut[b.id] = [...(busNodes.get(b.id) ?? new Set<number>())].sort();
  return {
    feeder,
    deck: {
      format: "mpopf-dss-import/1",
      master,
      files: [master, ...files.filter((f) => f !== master)],
      phaseModel,
      busNodes: busNodesOut,
      pvElements,
      storageElements,
      loadElements,
      capacitorElements,
      bands,
      setup,
      circuit: c.name,
    },
    defaults: { price: priceName, objective, horizon: Math.min(24, Math.max(1, horizonPoints)) },
    timings: { compileMs, readMs: performance.now() - t1 },
  };
}

/** Read the deck info written next to an imported case (`dss-import.json`), or null when absent. */
export function readDeckInfo(caseDir: string): DssDeckInfo | null {
  const p = resolve(caseDir, "dss-import.json");
  let text: string;
  try {
    text = readFileSync(p, "utf8");
  } catch {
    return null;
  }
  const info = JSON.parse(text) as DssDeckInfo;
  if (info.format !== "mpopf-dss-import/1") {
    throw new InputError("schema", `not an mpopf deck import record (format '${String(info.format)}')`, {
      file: p,
    });
  }
  return info;
}

/** Directory of a deck's master file. */
export function deckDir(info: DssDeckInfo): string {
  return dirname(info.master);
}

export type { Circuit };
