import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { loadCase, type StudyCase } from "../../models/case.ts";
import { buildStudy, loadBusIds } from "../../models/scenario.ts";
import { numberOption } from "../options.ts";
import { areasCommand } from "./case-areas.ts";
import { generateCommand } from "./case-generate.ts";
import { splitCommand } from "./case-split.ts";

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
    ["bases", `${s.sBaseKva} kVA, ${f(s.vBaseKvLn, 6)} kV L-N, Z ${f(s.zBaseOhm, 5)} Ω (source zone)`],
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
  return `${s.description ? `${s.description}\n\n` : ""}${rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join("\n")}\n`;
}

interface ShowArgs {
  name: string;
  json: boolean;
  pv?: number;
  batt?: number;
}

/** `mpopf case show NAME`: summary of a study case (built-in name or folder with case.json). */
const showCommand: CommandModule<object, ShowArgs> = {
  command: "show <name>",
  describe: "Print buses, branches, loads, DERs, zones, areas and boundaries of a case",
  builder: (y: Argv) =>
    y
      .positional("name", {
        type: "string",
        describe: "built-in case (ieee123, two-zone) or a folder with case.json",
      })
      .option("json", { type: "boolean", default: false, describe: "print the summary as JSON" })
      .option(
        "pv",
        numberOption("pv", "PV percentage of load buses (default: the case's)", { min: 0, max: 100 }),
      )
      .option(
        "batt",
        numberOption("batt", "battery percentage of load buses (default: the case's)", { min: 0, max: 100 }),
      ) as unknown as Argv<ShowArgs>,
  handler: (argv: ArgumentsCamelCase<ShowArgs>) => {
    const summary = summariseCase(loadCase(argv.name), argv.pv, argv.batt);
    process.stdout.write(argv.json ? `${JSON.stringify(summary, null, 2)}\n` : formatCaseSummary(summary));
  },
};

/** `mpopf case <show|generate|areas|split> …`: inspect a case, generate a feeder into a case folder, split it into areas. */
export const caseCommand: CommandModule = {
  command: "case <action>",
  describe:
    "Study cases: 'show' prints a case's summary, 'generate' writes a seeded synthetic feeder, 'areas' splits it into areas, 'split' writes one folder per area",
  builder: (y: Argv) =>
    y
      .command(showCommand)
      .command(generateCommand)
      .command(areasCommand)
      .command(splitCommand)
      .demandCommand(1, "Name an action: show, generate, areas or split.")
      .strict(),
  handler: () => {},
};
