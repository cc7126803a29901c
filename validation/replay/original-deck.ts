/**
 * The original-deck replay: the optimizer's set-points replayed in the user's own OpenDSS deck (the one a case
 * was imported from, validation/dss-import), not in a deck written from the optimizer's network. The network is
 * not rewritten: the deck is compiled as it is, then put at the operating point the model was read at
 * (controls off, regulator taps and capacitor states as imported), and each period only edits set-points:
 *
 * - loads: each load's `daily` shape points at a LoadShape holding its profile's multipliers over the horizon
 *   (the deck's own shape resampled to Δt: the same values when Δt is its interval), so the loads are what the
 *   optimizer assumed;
 * - PVs: a deck PVSystem keeps its Pmpp and kVA, gets a constant shape and per period `irradiance = p/Pmpp`
 *   and `kvar = q`; a PV the placement rule added is a new PVSystem on the same bus and phases (its power split
 *   over them by OpenDSS), `mpopf_<id>`;
 * - batteries: a deck Storage gets `DispMode=External` and per period `kW = P_d − P_c`, `kvar = q`; a placed
 *   battery is a new Storage on the same bus and phases.
 *
 * Daily mode, one Δt per Solve, as the other decks. What comes back is every phase of every bus: the
 * discrepancy tables then measure the balanced model's real error — per-phase voltages (on the optimizer's
 * bases), voltage unbalance (|V2|/|V1| at three-phase buses, the phase spread at every bus), substation P/Q
 * and losses (transformer no-load losses included). The exported folder is the user's files, unchanged, plus
 * `mpopf_*.dss` and `Run.dss`; it runs unchanged in OpenDSS.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { InputError } from "../../models/errors.ts";
import { readInputFile } from "../../models/files.ts";
import type { PhaseSummary, PhaseSummaryRow } from "../../models/results.ts";
import type { Network, Scenario } from "../../models/types.ts";
import { batteryRatings } from "../../models/units.ts";
import type { MpopfTables } from "../../solvers/mpopf/decode.ts";
import type { DssDeckInfo } from "../dss-import/import.ts";
import { OpenDSS } from "../opendss/api.ts";
import { compareReplay, type PhaseComparison, type ReplayComparison } from "./compare.ts";
import { hourFileName } from "./deck.ts";
import { dispatchFromTables } from "./dispatch.ts";
import { dssNumber, uniqueDssNames } from "./names.ts";
import { observeHour, sourceNodeVoltage } from "./observe.ts";
import { OpenDssReplayEngine } from "./opendss-engine.ts";
import { type FileSink, type ReplayOptions, type ReplayResult, runDeck, writeReplay } from "./replay.ts";
import { replayTables } from "./tables.ts";
import type { Deck, DeckElement, DeckFile, Dispatch, VoltageBand } from "./types.ts";

/** Virtual folder the in-memory run reads the deck's files from (nothing is read from disk). */
const VROOT = "/mpopf-original-deck";

/** An original-deck replay: the common result plus the per-phase comparison. */
export interface OriginalDeckResult extends ReplayResult {
  phases: PhaseComparison;
}

/** Options of the original-deck replay. */
export interface OriginalDeckOptions
  extends Pick<ReplayOptions, "label" | "tolerances" | "source" | "onHour"> {
  /** OpenDSS Set Tolerance (default 1e-10). */
  tolerance?: number;
  /** OpenDSS Set MaxIterations (default 100). */
  maxIterations?: number;
}

const FILE = { run: "Run.dss", master: "mpopf_Master.dss", setup: "mpopf_Setup.dss", readme: "README.md" };

/** Where a deck file goes in the export: its path relative to the master's folder, or null when outside it. */
function inside(root: string, file: string): string | null {
  const r = relative(root, file);
  if (r === "" || r.startsWith("..") || isAbsolute(r)) return null;
  return r.split(sep).join("/");
}

/**
 * The deck's files as text, relative to the master's folder; null when one is outside it or not text. Besides
 * the files the engine read, files of the master's folder that the scripts name (e.g. a `BusCoords` file, which
 * OpenDSS reads and this engine does not need) are copied, so that the export runs unchanged in OpenDSS.
 */
function deckFiles(info: DssDeckInfo): DeckFile[] | null {
  const root = dirname(info.master);
  const out: DeckFile[] = [];
  const texts: string[] = [];
  for (const f of info.files) {
    const rel = inside(root, f);
    if (rel === null || !existsSync(f)) return null;
    const buf = readFileSync(f);
    if (buf.includes(0)) return null; // a binary data file (sngfile/dblfile): not exported as text
    out.push({ name: rel, text: buf.toString("utf8") });
    texts.push(buf.toString("utf8").toLowerCase());
  }
  const have = new Set(out.map((f) => f.name.toLowerCase()));
  for (const e of readdirSync(root, { withFileTypes: true })) {
    if (!e.isFile() || have.has(e.name.toLowerCase()) || e.name.toLowerCase().endsWith(".json")) continue;
    const name = e.name.toLowerCase();
    if (!texts.some((t) => t.includes(name))) continue;
    const buf = readFileSync(resolve(root, e.name));
    if (buf.includes(0) || buf.length > 50e6) continue;
    out.push({ name: e.name, text: buf.toString("utf8") });
  }
  return out;
}

const num = (v: number, el: string, field: string, file: string) => dssNumber(v, el, field, file);

/** Build the original-deck replay deck (files and read-back names) for a scenario of an imported case. */
export function buildOriginalDeck(
  network: Network,
  scenario: Scenario,
  dispatch: Dispatch,
  info: DssDeckInfo,
  o: { tolerance: number; maxIterations: number },
): { deck: Deck; copied: boolean } {
  const T = scenario.T;
  const dtH = scenario.dtH;
  const S = network.sBaseKva;
  const user = deckFiles(info);
  const copied = user !== null;
  const masterRel = copied ? inside(dirname(info.master), info.master)! : info.master;
  const compileTarget = copied ? masterRel : info.master;
  const band = (fullName: string, fallback: [number, number]): VoltageBand => {
    const b = info.bands[fullName];
    return { vMinPu: (b ?? fallback)[0], vMaxPu: (b ?? fallback)[1], explicit: b !== undefined };
  };
  const kvLn = (bus: number) => network.zones[network.buses[bus]!.zone]!.vBaseKvLn;
  const nodesOf = (bus: number): number[] => {
    const id = network.buses[bus]!.id;
    const n = info.busNodes[id];
    if (!n || n.length === 0) {
      throw new InputError("schema", `bus '${id}' has no phase nodes in the deck ${info.master}`, {
        element: `bus ${id}`,
      });
    }
    return n;
  };
  /** Bus spec, phases and kV of a new element on a bus: its phases, kV line-to-line for 2 or 3 phases. */
  const placeOn = (bus: number) => {
    const nodes = nodesOf(bus);
    const k = nodes.length;
    const kv = k === 1 ? kvLn(bus) : Math.sqrt(3) * kvLn(bus);
    return { spec: `${network.buses[bus]!.id}.${nodes.join(".")}`, k, kv };
  };

  // Setup: the imported operating point, daily mode, the horizon's load shapes, DER elements.
  const setup: string[] = [
    "! Written by mpopf (validation/replay/original-deck.ts): the deck's own network, compiled unchanged, put at",
    "! the operating point the optimizer's model was read at, then one set-point edit per DER and period.",
    ...info.setup,
    `Set Tolerance=${num(o.tolerance, "replay", "tolerance", FILE.setup)}`,
    `Set MaxIterations=${num(o.maxIterations, "replay", "maxIterations", FILE.setup)}`,
    "Set Mode=Daily",
    `Set StepSize=${num(dtH, "scenario", "dtH", FILE.setup)}h Number=1`,
  ];
  const profiles = [...new Set(scenario.loads.map((l) => l.profile))];
  const shapeNames = uniqueDssNames(
    profiles.map((p) => `mpopf_${p}`),
    "",
  );
  const shapeOf = new Map(profiles.map((p, i) => [p, shapeNames[i]!]));
  profiles.forEach((p, i) => {
    const mult = scenario.loads.find((l) => l.profile === p)!.mult;
    const el = `LoadShape.${shapeNames[i]}`;
    setup.push(
      `New ${el} npts=${T} interval=${num(dtH, el, "dtH", FILE.setup)} mult=[${Array.from(mult, (m, t) => num(m, el, `mult[${t + 1}]`, FILE.setup)).join(" ")}]`,
    );
  });
  const loads: DeckElement[] = scenario.loads.map((ld) => {
    const full = info.loadElements[ld.id];
    if (!full)
      throw new InputError("schema", `load '${ld.id}' is not an element of the deck`, { element: ld.id });
    setup.push(`Edit ${full} daily=${shapeOf.get(ld.profile)}`);
    return { fullName: full, bus: ld.bus, band: band(full, [0.95, 1.05]) };
  });
  const capacitors = scenario.capacitors.map((c) => {
    const full = info.capacitorElements[c.id] ?? `Capacitor.${c.id}`;
    return {
      fullName: full,
      bus: c.bus,
      band: { vMinPu: 0, vMaxPu: Number.POSITIVE_INFINITY, explicit: false },
      kvar: c.qPu * S,
      model: "capacitor" as const,
    };
  });
  setup.push("New LoadShape.mpopf_pv_const npts=1 interval=1 mult=[1]");
  const pvNames: string[] = [];
  const pvPmpp: number[] = [];
  const pvs: DeckElement[] = scenario.pvs.map((u) => {
    const own = info.pvElements[u.id];
    const pmpp = u.pRatedPu * S;
    pvPmpp.push(pmpp);
    if (own) {
      setup.push(`Edit ${own} daily=mpopf_pv_const irradiance=1`);
      pvNames.push(own);
      return { fullName: own, bus: u.bus, band: band(own, [0.9, 1.1]) };
    }
    const el = `PVSystem.mpopf_${u.id}`;
    const at = placeOn(u.bus);
    setup.push(
      `New ${el} phases=${at.k} bus1=${at.spec} kV=${num(at.kv, el, "kV", FILE.setup)} kVA=${num(u.sRatedPu * S, el, "kVA", FILE.setup)} Pmpp=${num(pmpp, el, "Pmpp", FILE.setup)} irradiance=1 %cutin=0.001 %cutout=0.001 daily=mpopf_pv_const`,
    );
    pvNames.push(el);
    return { fullName: el, bus: u.bus, band: { vMinPu: 0.9, vMaxPu: 1.1, explicit: false } };
  });
  const batteries: DeckElement[] = scenario.batteries.map((u) => {
    const own = info.storageElements[u.id];
    if (own) {
      setup.push(`Edit ${own} DispMode=External`);
      return { fullName: own, bus: u.bus, band: band(own, [0.9, 1.1]) };
    }
    const el = `Storage.mpopf_${u.id}`;
    const at = placeOn(u.bus);
    const r = batteryRatings(scenario, u);
    setup.push(
      `New ${el} phases=${at.k} bus1=${at.spec} kV=${num(at.kv, el, "kV", FILE.setup)} kVA=${num(r.kva, el, "kVA", FILE.setup)} kWrated=${num(r.kw, el, "kWrated", FILE.setup)} kWhrated=${num(r.kwh, el, "kWhrated", FILE.setup)} %stored=${num((100 * r.b0Kwh) / r.kwh, el, "%stored", FILE.setup)} %reserve=${num(100 * u.socMin, el, "%reserve", FILE.setup)} %EffCharge=${num(100 * u.etaCharge, el, "%EffCharge", FILE.setup)} %EffDischarge=${num(100 * u.etaDischarge, el, "%EffDischarge", FILE.setup)} %IdlingkW=0 DispMode=External`,
    );
    return { fullName: el, bus: u.bus, band: { vMinPu: 0.9, vMaxPu: 1.1, explicit: false } };
  });

  // Periods.
  const hourFiles: string[] = [];
  const hourTexts: DeckFile[] = [];
  const nPv = scenario.pvs.length;
  const nB = scenario.batteries.length;
  for (let t = 1; t <= T; t++) {
    const name = `mpopf_${hourFileName(t, T)}`;
    hourFiles.push(name);
    const startS = Math.round((t - 1) * dtH * 3600 * 1e6) / 1e6;
    const hour = Math.floor(startS / 3600 + 1e-9);
    const sec = startS - 3600 * hour;
    const body = [
      `! Period t=${t} of ${T}: the optimizer's set-points of t, then solve (daily mode: the solve is at the end of t).`,
      `Set hour=${hour}${sec > 1e-6 ? ` sec=${num(sec, "scenario", "dtH", name)}` : ""}`,
    ];
    for (let d = 0; d < nPv; d++) {
      const i = (t - 1) * nPv + d;
      const el = pvNames[d]!;
      const irr = pvPmpp[d]! > 0 ? dispatch.pvPKw[i]! / pvPmpp[d]! : 0;
      body.push(
        `Edit ${el} irradiance=${num(irr, el, `pKw[t=${t}]/Pmpp`, name)} kvar=${num(dispatch.pvQKvar[i]!, el, `qKvar[t=${t}]`, name)}`,
      );
    }
    for (let k = 0; k < nB; k++) {
      const i = (t - 1) * nB + k;
      const el = batteries[k]!.fullName;
      body.push(
        `Edit ${el} kW=${num(dispatch.battPNetKw[i]!, el, `pNetKw[t=${t}]`, name)} kvar=${num(dispatch.battQKvar[i]!, el, `qKvar[t=${t}]`, name)}`,
      );
    }
    body.push("Solve");
    hourTexts.push({ name, text: `${body.join("\n")}\n` });
  }

  const compileLine = `Compile "${compileTarget}"`;
  const master = [
    `! The user's deck (${info.master}), compiled unchanged, then the set-up for the replay.`,
    compileLine,
    `Redirect ${FILE.setup}`,
  ];
  const run = [
    "! Runs the whole original-deck replay in OpenDSS: the deck, the set-up, one solve per period.",
    `Redirect ${FILE.master}`,
    ...hourFiles.map((h) => `Redirect ${h}`),
  ];
  const readme = [
    `# Original-deck replay: ${scenario.name}`,
    "",
    copied
      ? `The user's deck as it was read (${info.files.length} file${info.files.length === 1 ? "" : "s"}, unchanged, at their paths relative to \`${masterRel}\`), plus:`
      : `The user's deck is compiled from its own location (\`${info.master}\`: some of its files are outside its folder or binary, so they are not copied), plus:`,
    "",
    "| file | content |",
    "|---|---|",
    `| \`${FILE.master}\` | \`${compileLine}\`, then the set-up |`,
    `| \`${FILE.setup}\` | controls off, taps and capacitor states as imported, daily mode, the horizon's load shapes, PV/Storage set-up (new elements for placed DERs) |`,
    `| \`${hourFiles[0] ?? "mpopf_HourNN.dss"}\` … | per period: \`Set hour\`, PV irradiance/kvar and Storage kW/kvar edits, \`Solve\` |`,
    `| \`${FILE.run}\` | everything in order: open it in OpenDSS and run |`,
    "",
  ];
  const files: DeckFile[] = [
    ...(user ?? []),
    { name: FILE.master, text: `${master.join("\n")}\n` },
    { name: FILE.setup, text: `${setup.join("\n")}\n` },
    ...hourTexts,
    { name: FILE.run, text: `${run.join("\n")}\n` },
    { name: FILE.readme, text: readme.join("\n") },
  ];
  const deck: Deck = {
    flavour: "original-deck",
    options: {
      flavour: "original-deck",
      capacitorModel: "capacitor",
      tolerance: o.tolerance,
      maxIterations: o.maxIterations,
      baseFrequencyHz: 60,
      wideBandPu: [0.5, 1.5],
    },
    files,
    master: FILE.master,
    hourFiles,
    elements: {
      circuit: info.circuit,
      busNames: network.buses.map((b) => b.id),
      lines: [],
      // the deck's own network: lines are not mapped one to one on the model's branches (no branch flows)
      branchElements: network.branches.map(() => null),
      loads,
      capacitors,
      pvs,
      batteries,
    },
    T,
    dtH,
    vBaseKvLn: network.buses.map((b) => network.zones[b.zone]!.vBaseKvLn),
  };
  return { deck, copied };
}

/** An engine that reads the deck's files from memory (the exported copies), or from disk when not copied. */
function engineFor(deck: Deck, copied: boolean): OpenDssReplayEngine {
  if (!copied) return new OpenDssReplayEngine(new OpenDSS());
  const vfs = new Map(deck.files.map((f) => [resolve(VROOT, f.name), f.text]));
  const dss = new OpenDSS({
    cwd: VROOT,
    readFile: (p) => {
      const t = vfs.get(resolve(p));
      if (t === undefined) {
        // a file the import did not read (the deck changed since?): refuse rather than read around the copy
        if (p.startsWith(VROOT))
          throw new InputError("missing-file", "not part of the copied deck", { file: p });
        return readInputFile(p, "OpenDSS");
      }
      return t;
    },
  });
  return new OpenDssReplayEngine(dss);
}

/** The symmetrical-component unbalance |V2|/|V1| (%) of three phasors (interleaved a, b, c). */
function vufPct(v: number[]): number {
  // a = 1∠120°
  const ar = -0.5;
  const ai = Math.sqrt(3) / 2;
  const mul = (xr: number, xi: number, yr: number, yi: number): [number, number] => [
    xr * yr - xi * yi,
    xr * yi + xi * yr,
  ];
  const [br, bi] = [v[2]!, v[3]!];
  const [cr, ci] = [v[4]!, v[5]!];
  const ab = mul(ar, ai, br, bi);
  const a2 = mul(ar, ai, ar, ai);
  const a2b = mul(a2[0], a2[1], br, bi);
  const ac = mul(ar, ai, cr, ci);
  const a2c = mul(a2[0], a2[1], cr, ci);
  const v1 = Math.hypot(v[0]! + ab[0] + a2c[0], v[1]! + ab[1] + a2c[1]);
  const v2 = Math.hypot(v[0]! + a2b[0] + ac[0], v[1]! + a2b[1] + ac[1]);
  return v1 > 0 ? (100 * v2) / v1 : Number.NaN;
}

/**
 * Replay a solve's set-points in the deck a case was imported from (see the module comment) and compare every
 * period with the optimizer; the per-bus voltage compared is the mean of the bus's phase magnitudes, and every
 * phase is kept in `phases`.
 */
export async function replayOriginalDeck(
  network: Network,
  scenario: Scenario,
  tables: MpopfTables,
  info: DssDeckInfo,
  options: OriginalDeckOptions = {},
): Promise<OriginalDeckResult> {
  const label = options.label ?? "MPCOPF";
  const dispatch = dispatchFromTables(scenario, tables, options.source ?? label);
  const { deck, copied } = buildOriginalDeck(network, scenario, dispatch, info, {
    tolerance: options.tolerance ?? 1e-10,
    maxIterations: options.maxIterations ?? 100,
  });
  const engine = engineFor(deck, copied);
  const nodes = network.buses.map((b) => info.busNodes[b.id] ?? []);
  const T = scenario.T;
  const phases: PhaseComparison = {
    nodes,
    vPu: Array.from({ length: T }, () => nodes.map((n) => n.map(() => Number.NaN))),
    vufPct: Array.from({ length: T }, () => nodes.map(() => Number.NaN)),
    spreadPu: Array.from({ length: T }, () => nodes.map(() => Number.NaN)),
  };
  const hasSourceZ = network.branches.some((b) => b.kind === "source");
  const onHour = options.onHour;
  const run = runDeck(
    deck,
    network,
    engine,
    onHour && ((t, TT, ms) => onHour(t, TT, ms, "original-deck")),
    (d, net, eng, t) => {
      const obs = observeHour(d, net, eng, t);
      const dss = (eng as OpenDssReplayEngine).dss;
      const names = dss.circuit.allNodeNames();
      const volts = dss.circuit.allBusVolts();
      const at = new Map(names.map((n, k) => [n.toLowerCase(), k]));
      network.buses.forEach((b, j) => {
        const ns = nodes[j]!;
        const base = 1000 * d.vBaseKvLn[j]!;
        let sum = 0;
        let lo = Number.POSITIVE_INFINITY;
        let hi = Number.NEGATIVE_INFINITY;
        const phasors: number[] = [];
        ns.forEach((n, k) => {
          const idx = at.get(`${b.id.toLowerCase()}.${n}`);
          const vr = idx === undefined ? Number.NaN : volts[2 * idx]!;
          const vi = idx === undefined ? Number.NaN : volts[2 * idx + 1]!;
          const m = Math.hypot(vr, vi) / base;
          phases.vPu[t - 1]![j]![k] = m;
          sum += m;
          lo = Math.min(lo, m);
          hi = Math.max(hi, m);
          phasors[2 * (n - 1)] = vr;
          phasors[2 * (n - 1) + 1] = vi;
        });
        obs.vPu[j] = ns.length > 0 ? sum / ns.length : Number.NaN;
        phases.spreadPu[t - 1]![j] = ns.length > 0 ? hi - lo : Number.NaN;
        phases.vufPct[t - 1]![j] = ns.length === 3 ? vufPct(phasors) : Number.NaN;
      });
      sourceNodeVoltage(net, obs.vPu);
      if (hasSourceZ) {
        // The optimizer's substation is behind the source impedance (models/topology.ts): add the Vsource's
        // internal I^H·Z·I to the power it supplies and to the losses, so both sides are read at the same point.
        const vs = dss.engine.circuit!.vsources[0]!;
        const cur = dss.elements.currentsA("Vsource", vs.name);
        const k = vs.nPhases;
        let lr = 0;
        let li = 0;
        for (let i = 0; i < k; i++) {
          for (let jj = 0; jj < k; jj++) {
            // conj(I_i)·Z_ij·I_j
            const zr = vs.z[2 * (i * k + jj)]!;
            const zi = vs.z[2 * (i * k + jj) + 1]!;
            const ir = cur[2 * jj]!;
            const ii = cur[2 * jj + 1]!;
            const zir = zr * ir - zi * ii;
            const zii = zr * ii + zi * ir;
            const cr = cur[2 * i]!;
            const ci = -cur[2 * i + 1]!;
            lr += cr * zir - ci * zii;
            li += cr * zii + ci * zir;
          }
        }
        obs.pSubsKw += lr / 1000;
        obs.qSubsKvar += li / 1000;
        obs.lossKw += lr / 1000;
        obs.lossKvar += li / 1000;
      }
      if (obs.status !== "converged") {
        for (const row of phases.vPu[t - 1]!) row.fill(Number.NaN);
        phases.vufPct[t - 1]!.fill(Number.NaN);
        phases.spreadPu[t - 1]!.fill(Number.NaN);
      }
      return obs;
    },
  );
  const comparison: ReplayComparison = {
    ...compareReplay({
      label,
      network,
      scenario,
      deck,
      dispatch,
      observations: run.observations,
      engine: engine.identity,
      timings: { compileMs: run.compileMs, totalMs: run.totalMs },
      tolerances: options.tolerances,
    }),
    phases,
  };
  return {
    label,
    deck,
    dispatch,
    observations: run.observations,
    comparison,
    tables: replayTables(comparison),
    engine: engine.identity,
    phases,
  };
}

/**
 * Write an original-deck replay into a run directory: what `writeReplay` writes (comparison.json, the
 * discrepancy tables, the deck under deck/) plus `phases.csv` (every phase voltage) and `unbalance.csv`.
 */
export function writeOriginalReplay(sink: FileSink, r: OriginalDeckResult): string {
  const dir = writeReplay(sink, r);
  sink.write(`${dir}/phases.csv`, phaseVoltageCsv(r.comparison));
  sink.write(`${dir}/unbalance.csv`, unbalanceCsv(r.comparison));
  return dir;
}

export type { PhaseComparison, PhaseSummary, PhaseSummaryRow };

/** Per-phase discrepancy summary of an original-deck comparison (phases a, b, c = nodes 1, 2, 3). */
export function phaseSummary(c: ReplayComparison & { phases?: PhaseComparison }): PhaseSummary {
  const p = c.phases;
  if (!p)
    throw new InputError("schema", "not an original-deck comparison (no per-phase voltages)", {
      field: "phases",
    });
  const rows: PhaseSummaryRow[] = [];
  for (const [node, name] of [
    [1, "a"],
    [2, "b"],
    [3, "c"],
  ] as const) {
    let n = 0;
    let sum = 0;
    let mx = -1;
    let atBus = "";
    let atT = 0;
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let t = 0; t < c.T; t++) {
      if (c.hours[t]!.status !== "converged") continue;
      p.nodes.forEach((ns, j) => {
        const k = ns.indexOf(node);
        if (k < 0) return;
        const v = p.vPu[t]![j]![k]!;
        const o = c.optimizer.vPu[t]![j]!;
        if (!Number.isFinite(v) || !Number.isFinite(o)) return;
        const d = Math.abs(v - o);
        n++;
        sum += d;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
        if (d > mx) {
          mx = d;
          atBus = c.ids.buses[j]!;
          atT = t + 1;
        }
      });
    }
    rows.push({
      phase: name,
      samples: n,
      maxAbsDiffPu: n > 0 ? mx : Number.NaN,
      atBus,
      atT,
      meanAbsDiffPu: n > 0 ? sum / n : Number.NaN,
      vMinPu: n > 0 ? lo : Number.NaN,
      vMaxPu: n > 0 ? hi : Number.NaN,
    });
  }
  let maxVuf = Number.NaN;
  let vBus = "";
  let vT = 0;
  let maxSpread = Number.NaN;
  let sBus = "";
  let sT = 0;
  for (let t = 0; t < c.T; t++) {
    if (c.hours[t]!.status !== "converged") continue;
    p.vufPct[t]!.forEach((u, j) => {
      if (Number.isFinite(u) && !(u <= maxVuf)) {
        maxVuf = u;
        vBus = c.ids.buses[j]!;
        vT = t + 1;
      }
    });
    p.spreadPu[t]!.forEach((s, j) => {
      if (Number.isFinite(s) && !(s <= maxSpread)) {
        maxSpread = s;
        sBus = c.ids.buses[j]!;
        sT = t + 1;
      }
    });
  }
  const totals = (["pSubs", "qSubs", "loss"] as const).map((metric) => {
    const key = metric === "pSubs" ? "pSubsKw" : metric === "qSubs" ? "qSubsKvar" : "lossKw";
    let o = 0;
    let f = 0;
    let mx = 0;
    for (let t = 0; t < c.T; t++) {
      if (c.hours[t]!.status !== "converged") continue;
      const a = c.optimizer[key][t]!;
      const b = c.powerFlow[key][t]!;
      o += a * c.dtH;
      f += b * c.dtH;
      mx = Math.max(mx, Math.abs(b - a));
    }
    return { metric, optimizer: o, powerFlow: f, maxHourlyAbsDiff: mx };
  });
  return {
    phases: rows,
    unbalance: {
      maxVufPct: maxVuf,
      atBus: vBus,
      atT: vT,
      maxSpreadPu: maxSpread,
      spreadBus: sBus,
      spreadT: sT,
    },
    totals,
  };
}

/** CSV of every phase voltage: t, bus, phase, optimizer, power flow, difference (pu). */
export function phaseVoltageCsv(c: ReplayComparison & { phases?: PhaseComparison }): string {
  const p = c.phases!;
  const lines = ["t,bus,phase,vOptPu,vPfPu,diffPu"];
  const letter = ["", "a", "b", "c"];
  for (let t = 0; t < c.T; t++) {
    p.nodes.forEach((ns, j) => {
      ns.forEach((n, k) => {
        const v = p.vPu[t]![j]![k]!;
        const o = c.optimizer.vPu[t]![j]!;
        lines.push(
          `${t + 1},${c.ids.buses[j]},${letter[n]},${o},${Number.isFinite(v) ? v : ""},${Number.isFinite(v) ? v - o : ""}`,
        );
      });
    });
  }
  return `${lines.join("\n")}\n`;
}

/** CSV of the unbalance per bus and period: t, bus, phases, |V2|/|V1| (%), phase spread (pu). */
export function unbalanceCsv(c: ReplayComparison & { phases?: PhaseComparison }): string {
  const p = c.phases!;
  const lines = ["t,bus,phases,vufPct,spreadPu"];
  for (let t = 0; t < c.T; t++) {
    p.nodes.forEach((ns, j) => {
      const u = p.vufPct[t]![j]!;
      const s = p.spreadPu[t]![j]!;
      lines.push(
        `${t + 1},${c.ids.buses[j]},${ns.join("")},${Number.isFinite(u) ? u : ""},${Number.isFinite(s) ? s : ""}`,
      );
    });
  }
  return `${lines.join("\n")}\n`;
}
