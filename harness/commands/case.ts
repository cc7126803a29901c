import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { loadCase, type StudyCase } from "../../models/case.ts";
import { buildScenario } from "../../models/scenario.ts";

/** The summary printed by `mpopf case show`. Units in the keys. */
export interface CaseSummary {
  name: string;
  description: string;
  buses: number;
  branches: number;
  loadBuses: number;
  totalLoadKw: number;
  totalLoadKvar: number;
  capacitorsKvar: number;
  substationBus: string;
  substationVPu: number;
  sBaseKva: number;
  vBaseKvLn: number;
  zBaseOhm: number;
  profilePoints: number;
  pvPercent: number;
  battPercent: number;
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
  const s = buildScenario(c, { pvPercent, battPercent, horizon: 1 });
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const id = (b: number) => n.buses[b]!.id;
  return {
    name: c.name,
    description: c.spec.description ?? "",
    buses: n.buses.length,
    branches: n.branches.length,
    loadBuses: n.buses.filter((b) => b.pLoadKw !== 0 || b.qLoadKvar !== 0).length,
    totalLoadKw: sum(n.buses.map((b) => b.pLoadKw)),
    totalLoadKvar: sum(n.buses.map((b) => b.qLoadKvar)),
    capacitorsKvar: sum(n.buses.map((b) => b.qCapKvar)),
    substationBus: id(n.substation),
    substationVPu: n.vSubsPu,
    sBaseKva: n.sBaseKva,
    vBaseKvLn: n.vBaseKvLn,
    zBaseOhm: n.zBaseOhm,
    profilePoints: c.profiles.points,
    pvPercent: pvPercent ?? c.spec.der.pvPercent,
    battPercent: battPercent ?? c.spec.der.battPercent,
    pvs: s.pvs.length,
    pvRatedKw: sum(s.pvs.map((p) => p.pRatedKw)),
    batteries: s.batteries.length,
    batteryRatedKw: sum(s.batteries.map((b) => b.pRatedKw)),
    batteryEnergyKwh: sum(s.batteries.map((b) => b.eRatedKwh)),
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
    ["total rated load", `${f(s.totalLoadKw, 3)} kW + ${f(s.totalLoadKvar, 3)} kVAr`],
    ["capacitors", `${f(s.capacitorsKvar, 3)} kVAr`],
    ["substation", `bus ${s.substationBus} at ${s.substationVPu} pu`],
    ["bases", `${s.sBaseKva} kVA, ${f(s.vBaseKvLn, 6)} kV L-N, Z ${f(s.zBaseOhm, 5)} Ω`],
    ["profile points", String(s.profilePoints)],
    [`PVs (${s.pvPercent} %)`, `${s.pvs} (${f(s.pvRatedKw, 3)} kW rated)`],
    [
      `batteries (${s.battPercent} %)`,
      `${s.batteries} (${f(s.batteryRatedKw, 3)} kW, ${f(s.batteryEnergyKwh, 3)} kWh)`,
    ],
  ];
  for (const p of s.partitions) {
    rows.push([`areas (${p.name})`, String(p.areas)]);
    rows.push([`boundaries (${p.name})`, p.boundaries.join(", ")]);
  }
  const w = Math.max(...rows.map((r) => r[0].length));
  return `${s.description ? `${s.description}\n\n` : ""}${rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join("\n")}\n`;
}

interface CaseArgs {
  action: string;
  name: string;
  json: boolean;
  pv?: number;
  batt?: number;
}

/** `mpopf case show NAME`: summary of a study case (built-in name or folder with case.json). */
export const caseCommand: CommandModule<object, CaseArgs> = {
  command: "case <action> <name>",
  describe: "Inspect a study case: 'show' prints buses, branches, loads, DERs, areas and boundaries",
  builder: (y: Argv) =>
    y
      .positional("action", { choices: ["show"] as const, describe: "what to do" })
      .positional("name", { type: "string", describe: "built-in case (ieee123) or a folder with case.json" })
      .option("json", { type: "boolean", default: false, describe: "print the summary as JSON" })
      .option("pv", { type: "number", describe: "PV percentage of load buses (default: the case's)" })
      .option("batt", {
        type: "number",
        describe: "battery percentage of load buses (default: the case's)",
      }) as Argv<CaseArgs>,
  handler: (argv: ArgumentsCamelCase<CaseArgs>) => {
    const summary = summariseCase(loadCase(argv.name), argv.pv, argv.batt);
    process.stdout.write(argv.json ? `${JSON.stringify(summary, null, 2)}\n` : formatCaseSummary(summary));
  },
};
