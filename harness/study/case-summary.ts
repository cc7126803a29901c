/** A study case in numbers (what `mpopf case show` prints, and case-summary.txt of a run directory). */
import type { StudyCase } from "../../models/case.ts";
import { buildStudy, loadBusIds } from "../../models/scenario.ts";

/** The summary printed by `mpopf case show`. Units in the keys. */
export interface CaseSummary {
  name: string;
  description: string;
  buses: number;
  branches: number;
  loadBuses: number;
  loads: number;
  totalLoadKw: number;
  totalLoadKvar: number;
  capacitorsKvar: number;
  transformers: number;
  /** Voltage zones (the source's and one below each transformer). */
  zones: number;
  substationBus: string;
  substationVPu: number;
  sBaseKva: number;
  vBaseKvLn: number;
  zBaseOhm: number;
  profilePoints: number;
  /** Period length of the default study (min). */
  stepMinutes: number;
  pvPercent: number;
  battPercent: number;
  derSource: string;
  pvs: number;
  pvRatedKw: number;
  batteries: number;
  batteryRatedKw: number;
  batteryEnergyKwh: number;
  partitions: Array<{ name: string; areas: number; boundaries: string[] }>;
  /** Per-phase or three-phase (total power, balanced positive-sequence equivalent) convention. */
  phaseModel: string;
  /** What the case leaves out of its source ("what the balanced model leaves out" of an imported deck). */
  approximations: string[];
}

/** Summarise a study case (DER counts at the given or default percentages). */
export function summariseCase(c: StudyCase, pvPercent?: number, battPercent?: number): CaseSummary {
  const n = c.network;
  const study = buildStudy(c, { pvPercent, battPercent, horizon: 1 });
  const f = study.feeder;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const id = (b: number) => n.buses[b]!.id;
  const zone0 = n.zones[0]!;
  return {
    name: c.name,
    description: c.spec.description ?? "",
    buses: c.feeder.buses.length,
    branches: c.feeder.lines.filter((l) => l.closed !== false).length + c.feeder.transformers.length,
    loadBuses: loadBusIds(f).length,
    loads: f.loads.length,
    totalLoadKw: sum(f.loads.map((l) => l.kw)),
    totalLoadKvar: sum(f.loads.map((l) => l.kvar)),
    capacitorsKvar: sum(f.capacitors.map((cp) => cp.kvar)),
    transformers: f.transformers.length,
    zones: n.zones.length,
    substationBus: c.feeder.source.bus,
    substationVPu: n.vSubsPu,
    sBaseKva: n.sBaseKva,
    vBaseKvLn: zone0.vBaseKvLn,
    zBaseOhm: zone0.zBaseOhm,
    profilePoints: study.horizon.points,
    stepMinutes: +(study.horizon.dtH * 60).toFixed(6),
    pvPercent: pvPercent ?? c.spec.der.pvPercent,
    battPercent: battPercent ?? c.spec.der.battPercent,
    derSource: study.der.source,
    pvs: f.pvs.length,
    pvRatedKw: sum(f.pvs.map((p) => p.pmppKw)),
    batteries: f.batteries.length,
    batteryRatedKw: sum(f.batteries.map((b) => b.kw)),
    batteryEnergyKwh: sum(f.batteries.map((b) => b.kwh)),
    phaseModel: n.phaseModel,
    approximations: c.feeder.approximations ?? [],
    partitions: Object.values(c.partitions).map((p) => ({
      name: p.name,
      areas: p.areas.length,
      boundaries: p.boundaries.map(
        (b) =>
          `${p.areas[b.parentArea]!.id}→${p.areas[b.childArea]!.id} (${id(b.parentBus)}→${id(b.childBus)})`,
      ),
    })),
  };
}

/** Render a summary as an aligned two-column text table. */
export function formatCaseSummary(s: CaseSummary): string {
  const f = (v: number, d: number) => v.toFixed(d);
  const rows: Array<[string, string]> = [
    ["case", s.name],
    ["buses", String(s.buses)],
    ["branches", String(s.branches)],
    ["load buses", String(s.loadBuses)],
    ["loads", String(s.loads)],
    ["total rated load", `${f(s.totalLoadKw, 3)} kW + ${f(s.totalLoadKvar, 3)} kVAr`],
    ["capacitors", `${f(s.capacitorsKvar, 3)} kVAr`],
    ["transformers", `${s.transformers} (${s.zones} voltage zone${s.zones === 1 ? "" : "s"})`],
    ["substation", `bus ${s.substationBus} at ${s.substationVPu} pu`],
    [
      "bases",
      `${s.sBaseKva} kVA${s.phaseModel === "three-phase" ? " three-phase" : ""}, ${f(s.vBaseKvLn, 6)} kV L-N, Z ${f(s.zBaseOhm, 5)} Ω (source zone)`,
    ],
    [
      "phase model",
      s.phaseModel === "three-phase"
        ? "three-phase total power (a balanced positive-sequence equivalent)"
        : "per phase",
    ],
    ["profile points", `${s.profilePoints} of ${s.stepMinutes} min`],
  ];
  const from = (pct: number) =>
    s.derSource === "case" ? "case rows" : s.derSource === "both" ? `case rows + ${pct} %` : `${pct} %`;
  rows.push(
    [`PVs (${from(s.pvPercent)})`, `${s.pvs} (${f(s.pvRatedKw, 3)} kW rated)`],
    [
      `batteries (${from(s.battPercent)})`,
      `${s.batteries} (${f(s.batteryRatedKw, 3)} kW, ${f(s.batteryEnergyKwh, 3)} kWh)`,
    ],
  );
  for (const p of s.partitions) {
    rows.push([`areas (${p.name})`, String(p.areas)]);
    rows.push([`boundaries (${p.name})`, p.boundaries.join(", ")]);
  }
  const w = Math.max(...rows.map((r) => r[0].length));
  const leftOut =
    s.approximations.length > 0
      ? `\n${s.phaseModel === "three-phase" ? "what the balanced model leaves out" : "left out or approximated"}:\n${s.approximations.map((a) => `  - ${a}`).join("\n")}\n`
      : "";
  return `${s.description ? `${s.description}\n\n` : ""}${rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join("\n")}\n${leftOut}`;
}
