/**
 * Writing a Feeder in the project's case format (the inverse of case.ts): case.json and one CSV per element
 * table, each table headed by a provenance comment line. Used by `mpopf case generate` and `mpopf case import`.
 * The caller decides where the files go (the harness writes them through its safe run-directory writer).
 */
import type { CaseFile } from "./case-schema.ts";
import type { Feeder, Profile } from "./feeder.ts";

/** Options of a written case: study defaults and partitions the Feeder itself does not carry. */
export interface CaseWriteOptions {
  /** One line per table saying where its rows came from. */
  provenance: string;
  defaults?: Partial<CaseFile["defaults"]>;
  der?: CaseFile["der"];
  /** Partitions as bus → area maps (written as areas-<name>.csv). */
  partitionMaps?: Record<string, Map<string, string>>;
}

const DEFAULT_DER: CaseFile["der"] = {
  placement: "spread-over-load-buses",
  pvPercent: 0,
  battPercent: 0,
  pv: { pRatedPerLoadKw: 0.35, sOverP: 1.2 },
  battery: {
    pRatedPerLoadKw: 0.35,
    sOverP: 1.2,
    energyHours: 4,
    etaCharge: 0.95,
    etaDischarge: 0.95,
    socMin: 0.3,
    socMax: 0.95,
    soc0: 0.625,
  },
  alphaScd: 0.001,
};

/** A number as CSV text: the shortest text that reads back to the same double. */
const num = (v: number | undefined) => (v === undefined ? "" : String(v));
/** A CSV cell: ids never contain commas or blanks (the loader refuses them), so no quoting is needed. */
const cell = (v: string | number | undefined) => (typeof v === "number" ? num(v) : (v ?? ""));

function csv(comment: string, header: string[], rows: Array<Array<string | number | undefined>>): string {
  return `# ${comment}\n${header.join(",")}\n${rows.map((r) => r.map(cell).join(",")).join("\n")}\n`;
}

/** Group profiles by step into files: one CSV per distinct step, a time column plus one column per profile. */
function profileFiles(
  profiles: Record<string, Profile>,
  provenance: string,
): Array<{ file: string; stepHours: number; text: string }> {
  const bySteps = new Map<number, Profile[]>();
  for (const p of Object.values(profiles)) {
    const list = bySteps.get(p.stepHours) ?? [];
    list.push(p);
    bySteps.set(p.stepHours, list);
  }
  return [...bySteps.entries()]
    .sort(([a], [b]) => a - b)
    .map(([step, list]) => {
      const n = Math.max(...list.map((p) => p.values.length));
      const label = step >= 1 ? `${+step.toFixed(6)}h` : `${+(step * 60).toFixed(6)}min`;
      const rows = Array.from({ length: n }, (_, k) => [k, ...list.map((p) => p.values[k])]);
      return {
        file: `profiles-${label}.csv`,
        stepHours: step,
        text: csv(`${provenance}; step ${label}`, ["t", ...list.map((p) => p.name)], rows),
      };
    });
}

/** The files of a case folder (name → text) for a Feeder. */
export function caseFiles(feeder: Feeder, opts: CaseWriteOptions): Map<string, string> {
  const out = new Map<string, string>();
  const prov = opts.provenance;
  out.set(
    "buses.csv",
    csv(
      `buses: ${prov}`,
      ["bus", "kv_nominal", "x", "y"],
      feeder.buses.map((b) => [b.id, b.kvNominal, b.x, b.y]),
    ),
  );
  out.set(
    "branches.csv",
    csv(
      `lines: ${prov}`,
      ["branch", "from_bus", "to_bus", "r_ohm", "x_ohm", "b_us", "i_max_a", "closed"],
      feeder.lines.map((l) => [
        l.id,
        l.from,
        l.to,
        l.rOhm,
        l.xOhm,
        l.bUs,
        l.iMaxA,
        l.closed === false ? "no" : "yes",
      ]),
    ),
  );
  const files: CaseFile["files"] = { buses: "buses.csv", branches: "branches.csv", profiles: [] };
  if (feeder.transformers.length > 0) {
    files.transformers = "transformers.csv";
    out.set(
      "transformers.csv",
      csv(
        `transformers: ${prov}`,
        ["transformer", "from_bus", "to_bus", "kva", "kv_primary", "kv_secondary", "r_pct", "x_pct", "tap"],
        feeder.transformers.map((t) => [
          t.id,
          t.from,
          t.to,
          t.kva,
          t.kvPrimary,
          t.kvSecondary,
          t.rPct,
          t.xPct,
          t.tap,
        ]),
      ),
    );
  }
  if (feeder.loads.length > 0) {
    files.loads = "loads.csv";
    out.set(
      "loads.csv",
      csv(
        `loads: ${prov}`,
        ["load", "bus", "p_kw", "q_kvar", "model", "z_p", "i_p", "p_p", "z_q", "i_q", "p_q", "profile"],
        feeder.loads.map((l) => {
          const z = l.model === "zip" ? l.zip : undefined;
          return [
            l.id,
            l.bus,
            l.kw,
            l.kvar,
            l.model,
            z?.p[0],
            z?.p[1],
            z?.p[2],
            z?.q[0],
            z?.q[1],
            z?.q[2],
            l.profile,
          ];
        }),
      ),
    );
  }
  if (feeder.capacitors.length > 0) {
    files.capacitors = "capacitors.csv";
    out.set(
      "capacitors.csv",
      csv(
        `capacitors: ${prov}`,
        ["capacitor", "bus", "q_kvar", "kv_rated"],
        feeder.capacitors.map((c) => [c.id, c.bus, c.kvar, c.kvRated]),
      ),
    );
  }
  if (feeder.pvs.length > 0) {
    files.pvs = "pvs.csv";
    out.set(
      "pvs.csv",
      csv(
        `pvs: ${prov}`,
        ["pv", "bus", "pmpp_kw", "kva", "profile"],
        feeder.pvs.map((p) => [p.id, p.bus, p.pmppKw, p.kva, p.profile]),
      ),
    );
  }
  if (feeder.batteries.length > 0) {
    files.batteries = "batteries.csv";
    out.set(
      "batteries.csv",
      csv(
        `batteries: ${prov}`,
        [
          "battery",
          "bus",
          "p_kw",
          "e_kwh",
          "kva",
          "eta_charge",
          "eta_discharge",
          "soc_min",
          "soc_max",
          "soc0",
          "throughput_usd_per_kwh",
        ],
        feeder.batteries.map((b) => [
          b.id,
          b.bus,
          b.kw,
          b.kwh,
          b.kva,
          b.etaCharge,
          b.etaDischarge,
          b.socMin,
          b.socMax,
          b.soc0,
          b.throughputCostUsdPerKwh,
        ]),
      ),
    );
  }
  const pf = profileFiles(feeder.profiles, `profiles: ${prov}`);
  for (const p of pf) out.set(p.file, p.text);
  files.profiles = pf.map((p) => ({ file: p.file, stepHours: p.stepHours }));
  const partitions: CaseFile["partitions"] = {};
  for (const [name, map] of Object.entries(opts.partitionMaps ?? {})) {
    const file = `areas-${name}.csv`;
    partitions[name] = { file };
    out.set(file, csv(`partition ${name}: ${prov}`, ["bus", "area"], [...map.entries()]));
  }
  out.set("case.json", `${JSON.stringify(caseSpecOf(feeder, { ...opts, files, partitions }), null, 2)}\n`);
  return out;
}

/** The case.json of a Feeder (files and partitions as given; study defaults over the project's defaults). */
export function caseSpecOf(
  feeder: Feeder,
  opts: CaseWriteOptions & { files?: CaseFile["files"]; partitions?: CaseFile["partitions"] },
): CaseFile {
  const series: CaseFile["prices"]["series"] = {};
  for (const p of Object.values(feeder.prices)) {
    series[p.name] =
      p.rule === "on-off-peak"
        ? {
            rule: "on-off-peak",
            column: p.profile,
            peakShare: p.peakShare,
            ...(p.description ? { description: p.description } : {}),
          }
        : { rule: "series", column: p.profile, ...(p.description ? { description: p.description } : {}) };
  }
  const priceNames = Object.keys(series);
  return {
    name: feeder.name,
    ...(feeder.description ? { description: feeder.description } : {}),
    bases: {
      sBaseKva: feeder.sBaseKva,
      vBaseKvLn: feeder.source.kvBaseLn,
      ...(feeder.phaseModel ? { phaseModel: feeder.phaseModel } : {}),
    },
    substation: {
      bus: feeder.source.bus,
      vPu: feeder.source.vPu,
      ...(feeder.source.rOhm !== undefined ? { rOhm: feeder.source.rOhm } : {}),
      ...(feeder.source.xOhm !== undefined ? { xOhm: feeder.source.xOhm } : {}),
    },
    files: opts.files ?? { buses: "buses.csv", branches: "branches.csv", profiles: [] },
    profiles: { loadColumn: feeder.defaultLoadProfile, pvColumn: feeder.defaultPvProfile },
    der: opts.der ?? DEFAULT_DER,
    prices: { series },
    defaults: {
      horizon: 24,
      objective: "cost",
      price: priceNames[0] ?? "",
      terminal: "hard",
      terminalGamma: 10,
      limits: "rated",
      vMinPu: 0.95,
      vMaxPu: 1.05,
      noBackfeed: true,
      peakCapKw: null,
      lineLimits: false,
      ...opts.defaults,
    },
    partitions: opts.partitions ?? {},
    provenance: [opts.provenance, ...feeder.provenance],
    ...(feeder.approximations && feeder.approximations.length > 0
      ? { approximations: feeder.approximations }
      : {}),
  };
}
