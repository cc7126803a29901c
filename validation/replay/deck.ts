/**
 * The replay deck: the optimizer's feeder and its hour-by-hour set-points as plain OpenDSS files that
 * run unchanged in EPRI's OpenDSS (and in this project's engine, which the replay drives with exactly
 * the same lines).
 *
 * Mapping (validation/replay/README.md and shared/design/replay.md have the full table), for a per-phase network
 * (a three-phase, total-power network is written the same way as a balanced 3-phase deck: every element
 * phases=3 on bus.1.2.3, kV line-to-line, powers three-phase totals, lines r0 = r1 and x0 = x1 so the phases
 * do not couple, and the optimizer's equations hold phase by phase):
 * - Vsource: 1-phase, basekv = network.vBaseKvLn (line-to-neutral, the optimizer's voltage base), pu = the
 *   substation voltage, R1 = R0 = 0, X1 = X0 = 1e-8 Ω. `Set VoltageBases=[√3·vBaseKvLn]` + `CalcVoltageBases`
 *   give every bus kVBase = vBaseKvLn, so OpenDSS's per unit is the optimizer's.
 * - Branch k → `Line.L<id>` phases=1, length=1, units=none, r1 = r0 = rOhm, x1 = x0 = xOhm (ohms);
 *   model-consistent: C1 = C0 = 0; paper-style: OpenDSS's default capacitance (not written).
 * - Bus load → `Load` model=1 (constant PQ) at rated kW/kvar with the daily `LoadShape` of the horizon's
 *   multipliers; model-consistent: vminpu/vmaxpu 0.5/1.5 (OpenDSS would switch to constant Z outside
 *   its band); paper-style: OpenDSS defaults 0.95/1.05.
 * - Capacitor → constant-kvar `Generator` (default, what the optimizer assumes) or a `Capacitor` element
 *   (Q ∝ V²), see `CapacitorModel`.
 * - PV → `PVSystem` kVA = S, Pmpp = rating, irradiance = 1, %cutin = %cutout = 0.001; per hour
 *   `Pmpp = p_D(t)` and `kvar = q_D(t)` (no shapes or curves: kW out = Pmpp).
 * - Battery → `Storage` kWrated, kWhrated, kVA, %stored = 100·B0/E, %reserve = 100·SOC_min, efficiencies,
 *   %IdlingkW = 0, DispMode = External; per hour `kW = P_d − P_c` (> 0 discharges) and `kvar = q_B`.
 * - Daily mode, 1 step of Δt per Solve. Each hour file does `Set hour=t−1` then Solve: OpenDSS advances the
 *   clock before solving, so the solve is at hour t and uses load-shape point t. Storage energy is
 *   integrated at the end of the step, so kWhstored read after hour t is the energy at the END of t,
 *   the optimizer's B(t).
 * - No control elements (regulators, CapControl, StorageController, InvControl) are written, so nothing
 *   moves on its own.
 */
import { InputError } from "../../models/errors.ts";
import type { Network, Scenario } from "../../models/types.ts";
import { batteryRatings } from "../../models/units.ts";
import { dssNumber, sanitizeDssName, uniqueDssNames } from "./names.ts";
import type {
  CapacitorModel,
  Deck,
  DeckElement,
  DeckElements,
  DeckFile,
  DeckOptions,
  Dispatch,
  VoltageBand,
} from "./types.ts";

/** OpenDSS's default voltage bands (pu) of the classes the deck uses. */
export const OPENDSS_DEFAULT_BANDS = {
  Load: [0.95, 1.05],
  PVSystem: [0.9, 1.1],
  Storage: [0.9, 1.1],
  Generator: [0.9, 1.1],
} as const;

/** The authors' Storage band, kept in the paper-style deck. */
const AUTHORS_STORAGE_BAND: [number, number] = [0.95, 1.05];

/** Fill in the flavour's defaults. */
export function resolveDeckOptions(o: DeckOptions): Required<DeckOptions> {
  if (o.flavour !== "model-consistent" && o.flavour !== "paper-style") {
    throw new InputError("bad-option", `unknown deck flavour '${String(o.flavour)}'`, {
      element: "replay",
      field: "flavour",
    });
  }
  const wide = o.wideBandPu ?? [0.5, 1.5];
  if (!(wide[0] > 0 && wide[0] < wide[1])) {
    throw new InputError("bad-option", `wide band must satisfy 0 < min < max (got ${wide.join("..")})`, {
      element: "replay",
      field: "wideBandPu",
    });
  }
  return {
    flavour: o.flavour,
    capacitorModel: o.capacitorModel ?? "generator",
    tolerance: o.tolerance ?? 1e-10,
    maxIterations: o.maxIterations ?? 100,
    baseFrequencyHz: o.baseFrequencyHz ?? 60,
    wideBandPu: wide,
  };
}

/** What each flavour writes, in words (for deck headers, READMEs and reports). */
export function describeFlavour(o: Required<DeckOptions>): string[] {
  const cap =
    o.capacitorModel === "generator"
      ? "capacitors: constant-kvar Generator (model=1, kW=1e-6, kvar=Q_C), as the optimizer assumes"
      : "capacitors: OpenDSS Capacitor elements, Q = Q_C·(V/kV)² (NOT the optimizer's constant Q_C)";
  const [lo, hi] = o.wideBandPu;
  if (o.flavour === "model-consistent") {
    return [
      "flavour: model-consistent (the equations the optimizer solved)",
      "lines: C1=0 C0=0 (no line charging)",
      `loads: model=1 constant PQ, Vminpu=${lo} Vmaxpu=${hi} (never switched to constant Z in practice)`,
      cap + (o.capacitorModel === "generator" ? `, Vminpu=${lo} Vmaxpu=${hi}` : ""),
      `PVSystem / Storage: Vminpu=${lo} Vmaxpu=${hi}; Storage %IdlingkW=0, DispMode=External`,
    ];
  }
  return [
    "flavour: paper-style (the authors' OpenDSS validation deck)",
    "lines: OpenDSS default capacitance (C1 = 3.4 nF per line, length 1, units none): ≈1 kvar of line charging",
    "loads: model=1 constant PQ with OpenDSS's default Vminpu=0.95 Vmaxpu=1.05 (constant Z outside; reported)",
    cap + (o.capacitorModel === "generator" ? ", OpenDSS default Vminpu=0.9 Vmaxpu=1.1" : ""),
    "PVSystem: OpenDSS default band 0.9/1.1; Storage: Vminpu=0.95 Vmaxpu=1.05 (as the authors), %IdlingkW=0, DispMode=External",
  ];
}

const band = (lo: number, hi: number, explicit: boolean): VoltageBand => ({
  vMinPu: lo,
  vMaxPu: hi,
  explicit,
});

/** File names of the exported deck. */
export const DECK_FILES = {
  master: "Master.dss",
  lines: "Lines.dss",
  loadShape: "LoadShape.dss",
  loads: "Loads.dss",
  capacitors: "Capacitors.dss",
  pvs: "PVSystems.dss",
  storage: "Storage.dss",
  run: "Run.dss",
  readme: "README.md",
} as const;

/** Name of the per-hour file of period t (1-based), zero-padded to the width of T. */
export function hourFileName(t: number, T: number): string {
  return `Hour${String(t).padStart(Math.max(2, String(T).length), "0")}.dss`;
}

/** Name of the daily load shape. */
export const LOAD_SHAPE = "LoadMult";

/**
 * Build the replay deck of a scenario and its per-hour set-points (from `dispatchFromTables`).
 * The network must be the scenario's network.
 */
export function buildDeck(
  network: Network,
  scenario: Scenario,
  dispatch: Dispatch,
  options: DeckOptions,
): Deck {
  if (scenario.network !== network && scenario.network.name !== network.name) {
    throw new InputError(
      "bad-option",
      `scenario '${scenario.name}' is on network '${scenario.network.name}', not '${network.name}'`,
      { element: "replay", field: "network" },
    );
  }
  if (dispatch.T !== scenario.T) {
    throw new InputError("bad-horizon", `set-points have T=${dispatch.T}, scenario has T=${scenario.T}`, {
      file: dispatch.source,
      field: "t",
    });
  }
  const o = resolveDeckOptions(options);
  const mc = o.flavour === "model-consistent";
  const form = scenario.options.formulation;
  const [wlo, whi] = o.wideBandPu;
  const T = scenario.T;
  const dtH = scenario.dtH;
  const S = network.sBaseKva;
  const n = (v: number, element: string, field: string, file: string) => dssNumber(v, element, field, file);
  // Per-phase networks become a 1-phase deck (kV line-to-neutral, powers per phase); three-phase (total power)
  // networks a balanced 3-phase deck (phases=3, kV line-to-line, powers three-phase totals, ohms per phase with
  // r0 = r1, x0 = x1 so that the phases do not couple): both solve exactly the optimizer's equations.
  const threePhase = network.phaseModel === "three-phase";
  const phases = threePhase ? "phases=3" : "phases=1";
  const kvFactor = threePhase ? Math.sqrt(3) : 1;
  /** The element kV at a bus: its zone's line-to-neutral base (1-phase deck) or line-to-line base (3-phase deck). */
  const kvAt = (bus: number, element: string, file: string) =>
    n(network.zones[network.buses[bus]!.zone]!.vBaseKvLn * kvFactor, element, "kV (zone base)", file);

  const busNames = uniqueDssNames(network.buses.map((b) => b.id));
  const node = (bus: number) => (threePhase ? `${busNames[bus]}.1.2.3` : `${busNames[bus]}.1`);
  const circuit = sanitizeDssName(network.name);
  const header = (what: string) => [
    `! ${what}`,
    `! Written by mpopf (validation/replay) for scenario '${scenario.name}'.`,
    ...describeFlavour(o).map((l) => `! ${l}`),
  ];

  // Lines and transformers. A source impedance (the "source" branch from the hidden fixed-voltage node) is a
  // line too, from a deck bus for that node, with a stiff Vsource behind it: the source's power is then read
  // where the optimizer reads it (the fixed-voltage side) and its impedance loss is a line loss, as in the model.
  const branches = network.branches.map((br, k) => ({ br, k }));
  // Lines keep the "L" prefix (ids are often bare numbers); transformers keep their ids.
  const lineIds = uniqueDssNames(
    branches.map(({ br }) => br.id),
    "L",
  );
  const trIds = uniqueDssNames(branches.map(({ br }) => br.id));
  const lineNames = branches.map(({ br }, i) => (br.kind === "transformer" ? trIds[i]! : lineIds[i]!));
  const lines: string[] = [
    ...header(
      `Lines: one per branch of the optimizer's network; r, x in ohm (length=1, units=none). Transformers: ${threePhase ? "3-phase, kVA = S_base (three-phase), kV = the zones' line-to-line bases" : "1-phase, kVA = S_base, kV = the zone bases"}, %R and XHL from the per-unit impedance.`,
    ),
  ];
  const omega = 2 * Math.PI * o.baseFrequencyHz;
  const lineElements: string[] = [];
  const branchElements: Array<string | null> = network.branches.map(() => null);
  branches.forEach(({ br, k }, i) => {
    const f = DECK_FILES.lines;
    const z = network.zones[network.buses[br.to]!.zone]!;
    if (br.kind === "transformer") {
      // The optimizer's transformer: an ideal ratio τ at the primary, then the series impedance on the
      // secondary base. OpenDSS's winding impedance sits before a secondary tap, so its per-unit value is z/τ².
      const el = `Transformer.${lineNames[i]}`;
      const tau2 = br.tap * br.tap;
      const pz = network.zones[network.buses[br.from]!.zone]!;
      lines.push(
        `New ${el} ${phases} windings=2 buses=[${node(br.from)} ${node(br.to)}] conns=[wye wye] kVs=[${n(pz.vBaseKvLn * kvFactor, el, "kV primary", f)} ${n(z.vBaseKvLn * kvFactor, el, "kV secondary", f)}] kVAs=[${n(S, el, "kVA", f)} ${n(S, el, "kVA", f)}] %Rs=[${n((50 * br.rPu) / tau2, el, "rPu", f)} ${n((50 * br.rPu) / tau2, el, "rPu", f)}] XHL=${n((100 * br.xPu) / tau2, el, "xPu", f)} taps=[1 ${n(br.tap, el, "tap", f)}] %noloadloss=0 %imag=0 ppm_antifloat=0`,
      );
      lineElements.push(el);
      branchElements[k] = el;
      return;
    }
    const el = `Line.${lineNames[i]}`;
    const r = n(br.rPu * z.zBaseOhm, el, "rOhm", f);
    const x = n(br.xPu * z.zBaseOhm, el, "xOhm", f);
    // Line charging: C1 (nF, length 1) from the total susceptance when the formulation models it.
    const charging =
      form.lineCharging && br.bPu > 0
        ? ` C1=${n((br.bPu / z.zBaseOhm / omega) * 1e9, el, "bPu", f)} C0=${n((br.bPu / z.zBaseOhm / omega) * 1e9, el, "bPu", f)}`
        : " C1=0 C0=0";
    lines.push(
      `New ${el} ${phases} bus1=${node(br.from)} bus2=${node(br.to)} length=1 units=none r1=${r} x1=${x} r0=${r} x0=${x}${mc ? charging : br.kind === "source" ? " C1=0 C0=0" : ""}`,
    );
    lineElements.push(el);
    branchElements[k] = el;
  });

  // Load shapes: one per profile the loads use (the horizon's multipliers, point t = period t).
  const profiles = [...new Set(scenario.loads.map((l) => l.profile))];
  // One shape per profile; the first (the case's default profile in the usual case) keeps the name LoadMult.
  const shapeNames = uniqueDssNames(profiles.map((p, i) => (i === 0 ? LOAD_SHAPE : `Shape${p}`)));
  const shapeOf = new Map(profiles.map((p, i) => [p, shapeNames[i]!]));
  const loadShape = [
    ...header("Daily load multipliers of the horizon, one shape per load profile: point t = period t."),
  ];
  profiles.forEach((prof, i) => {
    const mult = scenario.loads.find((l) => l.profile === prof)!.mult;
    const el = `LoadShape.${shapeNames[i]}`;
    const values = Array.from(mult, (m, t) => n(m, el, `mult[${t + 1}]`, DECK_FILES.loadShape));
    loadShape.push(
      `New ${el} npts=${T} interval=${n(dtH, "scenario", "dtH", DECK_FILES.loadShape)} mult=[${values.join(" ")}]`,
    );
  });

  // Loads: one element per load, with its voltage dependence when the formulation models it.
  const loadBand = mc ? band(wlo, whi, true) : band(...OPENDSS_DEFAULT_BANDS.Load, false);
  const loadNames = uniqueDssNames(
    scenario.loads.map((l) => l.id),
    "Load",
  );
  const loads: DeckElement[] = [];
  const loadText = [
    ...header(
      "Loads: rated kW/kvar scaled by their daily shape; constant PQ (model=1) unless the formulation models voltage dependence (model=2 Z, 5 I, 8 ZIP).",
    ),
  ];
  scenario.loads.forEach((ld, i) => {
    const el = `Load.${loadNames[i]}`;
    const f = DECK_FILES.loads;
    const bandText = mc ? ` vminpu=${n(wlo, el, "vminpu", f)} vmaxpu=${n(whi, el, "vmaxpu", f)}` : "";
    const m = ld.model;
    const isPq = form.loads !== "case" || (m.p[2] === 1 && m.q[2] === 1);
    const isZ = m.p[0] === 1 && m.q[0] === 1;
    const isI = m.p[1] === 1 && m.q[1] === 1;
    const modelText = isPq
      ? "model=1"
      : isZ
        ? "model=2"
        : isI
          ? "model=5"
          : `model=8 ZIPV=[${[...m.p, ...m.q].map((v) => n(v, el, "zip", f)).join(" ")} 0]`;
    loadText.push(
      `New ${el} bus1=${node(ld.bus)} ${phases} ${modelText} kV=${kvAt(ld.bus, el, f)} kW=${n(ld.pRatedPu * S, el, "pRatedPu", f)} kvar=${n(ld.qRatedPu * S, el, "qRatedPu", f)} daily=${shapeOf.get(ld.profile)}${bandText}`,
    );
    loads.push({ fullName: el, bus: ld.bus, band: loadBand });
  });

  // Capacitors: constant kvar (Generator) or kvar·V² (Capacitor), as the formulation models them, unless the
  // deck options say otherwise.
  const capModel: CapacitorModel =
    options.capacitorModel ?? (form.capacitors === "voltage" ? "capacitor" : o.capacitorModel);
  const capNames = uniqueDssNames(
    scenario.capacitors.map((c) => c.id),
    capModel === "generator" ? "CapGen" : "C",
  );
  const capBand =
    capModel === "capacitor"
      ? band(0, Number.POSITIVE_INFINITY, false)
      : mc
        ? band(wlo, whi, true)
        : band(...OPENDSS_DEFAULT_BANDS.Generator, false);
  const capacitors: DeckElements["capacitors"] = [];
  const capText = [
    ...header(
      capModel === "generator"
        ? "Fixed capacitors as constant-kvar Generators (model=1, kW=1e-6: EPRI's OpenDSS rejects kW=0)."
        : "Fixed capacitors as OpenDSS Capacitor elements (wye, Q = kvar·(V/kV)²).",
    ),
  ];
  scenario.capacitors.forEach((c, i) => {
    const q = c.qPu * S;
    const f = DECK_FILES.capacitors;
    if (capModel === "generator") {
      const el = `Generator.${capNames[i]}`;
      const bandText = mc ? ` vminpu=${n(wlo, el, "vminpu", f)} vmaxpu=${n(whi, el, "vmaxpu", f)}` : "";
      capText.push(
        `New ${el} bus1=${node(c.bus)} ${phases} kV=${kvAt(c.bus, el, f)} model=1 kW=1e-6 kvar=${n(q, el, "qPu", f)}${bandText}`,
      );
    } else {
      const el = `Capacitor.${capNames[i]}`;
      capText.push(
        `New ${el} bus1=${node(c.bus)} ${phases} kV=${kvAt(c.bus, el, f)} kvar=${n(q, el, "qPu", f)}`,
      );
    }
    capacitors.push({
      fullName: `${capModel === "generator" ? "Generator" : "Capacitor"}.${capNames[i]}`,
      bus: c.bus,
      band: capBand,
      kvar: q,
      model: capModel,
    });
  });

  // PV
  const pvBand = mc ? band(wlo, whi, true) : band(...OPENDSS_DEFAULT_BANDS.PVSystem, false);
  const pvNames = uniqueDssNames(scenario.pvs.map((u) => u.id));
  const pvs: DeckElement[] = [];
  const pvText = [
    ...header(
      "PVSystems: kVA = inverter rating, Pmpp = rated (edited every hour to p_D(t)), irradiance 1, no shapes or curves.",
    ),
  ];
  scenario.pvs.forEach((u, d) => {
    const el = `PVSystem.${pvNames[d]}`;
    const f = DECK_FILES.pvs;
    const bandText = mc ? ` vminpu=${n(wlo, el, "vminpu", f)} vmaxpu=${n(whi, el, "vmaxpu", f)}` : "";
    pvText.push(
      `New ${el} ${phases} bus1=${node(u.bus)} kV=${kvAt(u.bus, el, f)} kVA=${n(u.sRatedPu * S, el, "sRatedPu", f)} Pmpp=${n(u.pRatedPu * S, el, "pRatedPu", f)} irradiance=1 %cutin=0.001 %cutout=0.001${bandText}`,
    );
    pvs.push({ fullName: el, bus: u.bus, band: pvBand });
  });

  // Storage
  const stBand = mc ? band(wlo, whi, true) : band(...AUTHORS_STORAGE_BAND, true);
  const stNames = uniqueDssNames(scenario.batteries.map((u) => u.id));
  const batteries: DeckElement[] = [];
  const stText = [
    ...header(
      "Storage: DispMode=External (kW/kvar pushed every hour), %IdlingkW=0; property order matters (kWhrated before %stored).",
    ),
  ];
  scenario.batteries.forEach((u, k) => {
    const el = `Storage.${stNames[k]}`;
    const f = DECK_FILES.storage;
    const r = batteryRatings(scenario, u);
    stText.push(
      `New ${el} ${phases} bus1=${node(u.bus)} kV=${kvAt(u.bus, el, f)} kVA=${n(r.kva, el, "sRatedPu", f)} kWrated=${n(r.kw, el, "pRatedPu", f)} kWhrated=${n(r.kwh, el, "eRatedPuH", f)} %stored=${n((100 * r.b0Kwh) / r.kwh, el, "b0PuH", f)} %reserve=${n(100 * u.socMin, el, "socMin", f)} %EffCharge=${n(100 * u.etaCharge, el, "etaCharge", f)} %EffDischarge=${n(100 * u.etaDischarge, el, "etaDischarge", f)} %IdlingkW=0 Vminpu=${n(stBand.vMinPu, el, "vminpu", f)} Vmaxpu=${n(stBand.vMaxPu, el, "vmaxpu", f)} DispMode=External`,
    );
    batteries.push({ fullName: el, bus: u.bus, band: stBand });
  });

  // Master
  // The Vsource sits at the substation (the hidden fixed-voltage node when there is a source impedance,
  // whose impedance is then the "source" line above), stiff: Z = j1e-8 Ω.
  const srcBus = network.substation;
  const srcZone = network.zones[network.buses[srcBus]!.zone]!;
  const kvText = n(srcZone.vBaseKvLn * kvFactor, "network", "vBaseKvLn", DECK_FILES.master);
  const vsrc = `New Circuit.${circuit} ${phases} bus1=${node(srcBus)} basekv=${kvText} pu=${n(network.vSubsPu, "network", "vSubsPu", DECK_FILES.master)} angle=0 R1=0 X1=1e-8 R0=0 X0=1e-8`;
  const bases = network.zones.map((z, i) =>
    n(Math.sqrt(3) * z.vBaseKvLn, "network", `zone ${i} base`, DECK_FILES.master),
  );
  const master = [
    ...header("Master: the circuit (compile once; no solve here). Run.dss runs every hour."),
    `! Voltage bases: ${network.zones.map((z) => `${z.vBaseKvLn} kV`).join(", ")} line-to-neutral, one per zone = the optimizer's bases, so OpenDSS pu = optimizer pu.`,
    "Clear",
    `Set DefaultBaseFrequency=${n(o.baseFrequencyHz, "replay", "baseFrequencyHz", DECK_FILES.master)}`,
    vsrc,
    `Redirect ${DECK_FILES.lines}`,
    `Redirect ${DECK_FILES.loadShape}`,
    `Redirect ${DECK_FILES.loads}`,
    `Redirect ${DECK_FILES.capacitors}`,
    `Redirect ${DECK_FILES.pvs}`,
    `Redirect ${DECK_FILES.storage}`,
    `Set VoltageBases=[${bases.join(" ")}]`,
    "CalcVoltageBases",
    `Set Tolerance=${n(o.tolerance, "replay", "tolerance", DECK_FILES.master)}`,
    `Set MaxIterations=${n(o.maxIterations, "replay", "maxIterations", DECK_FILES.master)}`,
    "Set Mode=Daily",
    `Set StepSize=${n(dtH, "scenario", "dtH", DECK_FILES.master)}h Number=1`,
  ];

  // Hours
  const hourFiles: string[] = [];
  const hourTexts: DeckFile[] = [];
  const nPv = scenario.pvs.length;
  const nB = scenario.batteries.length;
  for (let t = 1; t <= T; t++) {
    const name = hourFileName(t, T);
    hourFiles.push(name);
    const startS = Math.round((t - 1) * dtH * 3600 * 1e6) / 1e6;
    const hour = Math.floor(startS / 3600 + 1e-9);
    const sec = startS - 3600 * hour;
    const body = [
      `! Period t=${t} of ${T}: set the clock to the start of t, push the optimizer's set-points of t, solve.`,
      "! (Daily mode advances the clock by one step before solving: the solve is at the end of period t.)",
      `Set hour=${hour}${sec > 1e-6 ? ` sec=${n(sec, "scenario", "dtH", name)}` : ""}`,
    ];
    for (let d = 0; d < nPv; d++) {
      const el = pvs[d]!.fullName;
      const i = (t - 1) * nPv + d;
      body.push(
        `Edit ${el} Pmpp=${n(dispatch.pvPKw[i]!, el, `pKw[t=${t}]`, name)} kvar=${n(dispatch.pvQKvar[i]!, el, `qKvar[t=${t}]`, name)}`,
      );
    }
    for (let k = 0; k < nB; k++) {
      const el = batteries[k]!.fullName;
      const i = (t - 1) * nB + k;
      body.push(
        `Edit ${el} kW=${n(dispatch.battPNetKw[i]!, el, `pNetKw[t=${t}]`, name)} kvar=${n(dispatch.battQKvar[i]!, el, `qKvar[t=${t}]`, name)}`,
      );
    }
    body.push("Solve");
    hourTexts.push({ name, text: `${body.join("\n")}\n` });
  }

  const run = [
    "! Runs the whole replay in OpenDSS: compile the circuit, then one solve per period.",
    "! After each Redirect HourNN.dss the circuit holds that period's solution (e.g. 'Show Voltages LN Nodes',",
    "! 'Export Summary', or read Storage kWhstored: the energy at the END of the period).",
    `Redirect ${DECK_FILES.master}`,
    ...hourFiles.map((h) => `Redirect ${h}`),
  ];

  const readme = [
    `# Replay deck: ${scenario.name} (${o.flavour})`,
    "",
    "Plain OpenDSS files written by `mpopf` (validation/replay). They run unchanged in EPRI's OpenDSS:",
    "open `Run.dss` and run it, or compile `Master.dss` and then run the hour files in order.",
    "",
    ...describeFlavour(o).map((l) => `- ${l}`),
    "",
    "| file | content |",
    "|---|---|",
    `| \`${DECK_FILES.master}\` | circuit (Vsource basekv = ${kvText} kV ${threePhase ? "L-L, 3-phase" : "L-N"}), redirects, voltage bases, tolerance, daily mode |`,
    `| \`${DECK_FILES.lines}\` | ${lineElements.length} lines (ohms) and transformers |`,
    `| \`${DECK_FILES.loadShape}\` | daily load multipliers of the ${T} periods (${profiles.length} shape${profiles.length === 1 ? "" : "s"}) |`,
    `| \`${DECK_FILES.loads}\` | ${loads.length} loads |`,
    `| \`${DECK_FILES.capacitors}\` | ${capacitors.length} fixed capacitors (${capModel}) |`,
    `| \`${DECK_FILES.pvs}\` | ${pvs.length} PVSystems |`,
    `| \`${DECK_FILES.storage}\` | ${batteries.length} Storage elements |`,
    `| \`${hourFiles[0] ?? "HourNN.dss"}\` … | per period: \`Set hour\`, PV Pmpp/kvar and Storage kW/kvar edits, \`Solve\` |`,
    `| \`${DECK_FILES.run}\` | Master + every hour |`,
    "",
    "Signs: OpenDSS reports power INTO elements (the source's total power is negative when it supplies the",
    "feeder); Storage kW > 0 discharges. Storage kWhstored after a period's solve is the energy at its end.",
    "",
  ];

  const files: DeckFile[] = [
    { name: DECK_FILES.master, text: `${master.join("\n")}\n` },
    { name: DECK_FILES.lines, text: `${lines.join("\n")}\n` },
    { name: DECK_FILES.loadShape, text: `${loadShape.join("\n")}\n` },
    { name: DECK_FILES.loads, text: `${loadText.join("\n")}\n` },
    { name: DECK_FILES.capacitors, text: `${capText.join("\n")}\n` },
    { name: DECK_FILES.pvs, text: `${pvText.join("\n")}\n` },
    { name: DECK_FILES.storage, text: `${stText.join("\n")}\n` },
    ...hourTexts,
    { name: DECK_FILES.run, text: `${run.join("\n")}\n` },
    { name: DECK_FILES.readme, text: `${readme.join("\n")}` },
  ];

  return {
    flavour: o.flavour,
    options: o,
    files,
    master: DECK_FILES.master,
    hourFiles,
    elements: {
      circuit,
      busNames,
      lines: lineElements,
      branchElements,
      loads,
      capacitors,
      pvs,
      batteries,
    },
    T,
    dtH,
    vBaseKvLn: network.buses.map((b) => network.zones[b.zone]!.vBaseKvLn),
  };
}

/** One command of a deck with where it came from. */
export interface DeckCommand {
  text: string;
  file: string;
  line: number;
}

/**
 * The commands an engine runs for a deck, read from the deck's own files: the master file with its
 * `Redirect`s expanded in place (compile), then the commands of each hour file. Comment and blank lines
 * are dropped. This is how the replay guarantees that the exported files are what was run.
 */
export function deckCommands(deck: Deck): { compile: DeckCommand[]; hours: DeckCommand[][] } {
  const byName = new Map(deck.files.map((f) => [f.name.toLowerCase(), f]));
  const expand = (fileName: string, depth: number): DeckCommand[] => {
    const f = byName.get(fileName.toLowerCase());
    if (!f)
      throw new InputError("missing-file", "redirect to a file that is not part of the deck", {
        file: fileName,
      });
    if (depth > 8) throw new InputError("parse", "redirects nested too deep", { file: fileName });
    const out: DeckCommand[] = [];
    f.text.split("\n").forEach((raw, i) => {
      const text = raw.trim();
      if (text === "" || text.startsWith("!") || text.startsWith("//")) return;
      const m = /^redirect\s+(\S+)$/i.exec(text);
      if (m) out.push(...expand(m[1]!, depth + 1));
      else out.push({ text, file: f.name, line: i + 1 });
    });
    return out;
  };
  return {
    compile: expand(deck.master, 0),
    hours: deck.hourFiles.map((h) => expand(h, 0)),
  };
}
