/**
 * The project's case format: a folder with `case.json` and CSV element tables, read into the engineering
 * model (`Feeder`) with every row checked (file, line, element, field), and the per-unit network built once
 * (`StudyCase.network`) so that partitions can be validated at load time.
 *
 * Tables (names in case.json `files`): buses, branches (lines and switches), profiles (one file or several,
 * each with its own step) and, optionally, transformers, loads, capacitors, pvs, batteries. A bus table may
 * carry `p_load_kw, q_load_kvar, q_cap_kvar` as a shorthand for one load and one capacitor per bus (with the
 * default load profile), the paper's way of giving a feeder; loads.csv / capacitors.csv give any number per bus.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { type CaseFile, CaseFileSchema } from "./case-schema.ts";
import { idCell, numberCell, optionalCell, rangedCell, readCsv } from "./csv.ts";
import { InputError, showToken } from "./errors.ts";
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
  TransformerRow,
} from "./feeder.ts";
import { readJsonFile } from "./files.ts";
import { loadPartition, type Partition } from "./partition.ts";
import { outOfRange, RANGES } from "./ranges.ts";
import { buildMathNetwork } from "./topology.ts";
import type { Network } from "./types.ts";
import { caseSpecOf } from "./write-case.ts";

const MODELS_DIR = dirname(fileURLToPath(import.meta.url));

/** Names of the study cases shipped with the project (folders under models/). */
export const BUILTIN_CASES = ["ieee123", "two-zone"] as const;

/** A loaded, validated study case: the engineering feeder, its per-unit network, partitions, defaults. */
export interface StudyCase {
  name: string;
  /** Folder holding case.json. */
  dir: string;
  spec: CaseFile;
  /** The engineering model (element tables, profiles, prices). */
  feeder: Feeder;
  /** The per-unit network (topology, zones), built once from the feeder. */
  network: Network;
  partitions: Record<string, Partition>;
}

/** Resolve a case name ("ieee123") or a path (folder or case.json) to the case.json path. */
export function resolveCaseFile(nameOrPath: string): string {
  if ((BUILTIN_CASES as readonly string[]).includes(nameOrPath))
    return join(MODELS_DIR, nameOrPath, "case.json");
  const p = resolve(nameOrPath);
  if (existsSync(p) && statSync(p).isDirectory()) return join(p, "case.json");
  if (existsSync(p)) return p;
  throw new InputError(
    "missing-file",
    `no study case '${nameOrPath}': not a built-in case (${BUILTIN_CASES.join(", ")}) and no such file or folder`,
    { file: p },
  );
}

function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith("..") ? path : rel;
}

const optionalNumber = z
  .string()
  .optional()
  .transform((s, ctx) => {
    if (s === undefined || s.trim() === "") return undefined;
    const r = numberCell.safeParse(s);
    if (!r.success) {
      ctx.addIssue({ code: "custom", message: `expected a number (got ${showToken(s)})` });
      return z.NEVER;
    }
    return r.data;
  });
const optionalText = z
  .string()
  .optional()
  .transform((s) => (s === undefined || s.trim() === "" ? undefined : s.trim()));
const kw = rangedCell(RANGES.powerKw, "kW", true);
const ohm = rangedCell(RANGES.zOhm, "Ω");
const fraction = rangedCell([0, 1], "");

const BusRowSchema = z.object({
  bus: idCell,
  kv_nominal: optionalNumber,
  x: optionalNumber,
  y: optionalNumber,
  p_load_kw: optionalCell(kw),
  q_load_kvar: optionalCell(kw),
  q_cap_kvar: optionalCell(rangedCell(RANGES.powerKw, "kVAr")),
});

const BranchRowSchema = z.object({
  branch: idCell,
  from_bus: idCell,
  to_bus: idCell,
  r_ohm: ohm,
  x_ohm: ohm,
  b_us: optionalNumber,
  i_max_a: z.string().optional(),
  closed: optionalText,
});

const TransformerRowSchema = z.object({
  transformer: idCell,
  from_bus: idCell,
  to_bus: idCell,
  kva: rangedCell([1e-3, 1e7], "kVA"),
  kv_primary: rangedCell(RANGES.vBaseKv, "kV"),
  kv_secondary: rangedCell(RANGES.vBaseKv, "kV"),
  r_pct: rangedCell([0, 100], "%"),
  x_pct: rangedCell([0, 100], "%"),
  tap: optionalCell(rangedCell([0.5, 1.5], "pu")),
});

const LoadRowSchema = z.object({
  load: idCell,
  bus: idCell,
  p_kw: kw,
  q_kvar: kw,
  model: optionalCell(z.enum(["pq", "z", "i", "zip"])),
  z_p: optionalCell(fraction),
  i_p: optionalCell(fraction),
  p_p: optionalCell(fraction),
  z_q: optionalCell(fraction),
  i_q: optionalCell(fraction),
  p_q: optionalCell(fraction),
  profile: optionalText,
});

const CapacitorRowSchema = z.object({
  capacitor: idCell,
  bus: idCell,
  q_kvar: rangedCell(RANGES.powerKw, "kVAr"),
  kv_rated: optionalNumber,
});

const PvRowSchema = z.object({
  pv: idCell,
  bus: idCell,
  pmpp_kw: rangedCell(RANGES.powerKw, "kW"),
  kva: rangedCell(RANGES.powerKw, "kVA"),
  profile: optionalText,
});

const BatteryRowSchema = z.object({
  battery: idCell,
  bus: idCell,
  p_kw: rangedCell(RANGES.powerKw, "kW"),
  e_kwh: rangedCell([0, 1e7], "kWh"),
  kva: rangedCell(RANGES.powerKw, "kVA"),
  eta_charge: rangedCell(RANGES.efficiency, ""),
  eta_discharge: rangedCell(RANGES.efficiency, ""),
  soc_min: fraction,
  soc_max: fraction,
  soc0: fraction,
  throughput_usd_per_kwh: optionalNumber,
});

/** Parse and validate case.json (errors name the JSON path of the bad field). */
export function readCaseFile(file: string): CaseFile {
  const json = readJsonFile(display(file), "case");
  const res = CaseFileSchema.safeParse(json);
  if (!res.success) {
    // A misspelt key shows up twice (unknown key, missing key): name the misspelling.
    const issue = res.error.issues.find((i) => i.code === "unrecognized_keys") ?? res.error.issues[0]!;
    let path = issue.path.map(String).join(".");
    let message = issue.message;
    if (issue.code === "unrecognized_keys") {
      const key = issue.keys[0]!;
      path = path ? `${path}.${key}` : key;
      message = `unknown key ${showToken(key)} (misspelt? it would be ignored)`;
    }
    const code =
      path.startsWith("der.pvPercent") || path.startsWith("der.battPercent") ? "bad-percentage" : "schema";
    throw new InputError(code, message, {
      file: display(file),
      element: "case",
      field: path || undefined,
    });
  }
  const spec = res.data;
  const fail = (field: string, detail: string, code: "schema" | "out-of-range" = "schema") =>
    new InputError(code, detail, { file: display(file), element: "case", field });
  const b = spec.der.battery;
  if (b.socMin > b.socMax || b.soc0 < b.socMin || b.soc0 > b.socMax) {
    throw fail(
      b.socMin > b.socMax ? "der.battery.socMin" : "der.battery.soc0",
      `battery SOCs must satisfy socMin <= soc0 <= socMax (got ${b.socMin} <= ${b.soc0} <= ${b.socMax})`,
      "out-of-range",
    );
  }
  const inside = (key: string, rel: string) => {
    const r = relative(dirname(file), resolve(dirname(file), rel));
    if (isAbsolute(rel) || r.startsWith("..") || isAbsolute(r) || r === "") {
      throw fail(`files.${key}`, "must name a file inside the case folder (a relative path without '..')");
    }
  };
  for (const [key, rel] of Object.entries(spec.files)) {
    if (typeof rel === "string") inside(key, rel);
    else if (Array.isArray(rel)) {
      rel.forEach((p, i) => {
        inside(`${key}[${i}].file`, p.file);
      });
    }
  }
  if (typeof spec.files.profiles === "string" && spec.profiles.stepHours === undefined) {
    throw fail("profiles.stepHours", "the step of the profile file is required (hours)");
  }
  if (Array.isArray(spec.files.profiles)) {
    spec.files.profiles.forEach((p, i) => {
      if ((p.stepHours === undefined) === (p.stepMinutes === undefined)) {
        throw fail(`files.profiles[${i}]`, "give exactly one of stepHours and stepMinutes");
      }
    });
  }
  if (spec.defaults.vMinPu >= spec.defaults.vMaxPu) {
    throw fail("defaults.vMinPu", "vMinPu must be below vMaxPu");
  }
  if (!(spec.defaults.price in spec.prices.series)) {
    throw fail("defaults.price", `default price '${spec.defaults.price}' is not among prices.series`);
  }
  return spec;
}

/** Read every profile file of a case: each numeric column is a named profile with its file's step. */
export function readProfiles(dir: string, spec: CaseFile): Record<string, Profile> {
  const files =
    typeof spec.files.profiles === "string"
      ? [{ file: spec.files.profiles, stepHours: spec.profiles.stepHours! }]
      : spec.files.profiles.map((p) => ({ file: p.file, stepHours: p.stepHours ?? p.stepMinutes! / 60 }));
  const out: Record<string, Profile> = {};
  for (const f of files) {
    for (const [name, p] of Object.entries(readProfileFile(join(dir, f.file), f.stepHours))) {
      if (out[name]) {
        throw new InputError(
          "bad-profile",
          `profile '${name}' is defined twice (also in ${out[name].file})`,
          {
            file: p.file,
            field: name,
          },
        );
      }
      out[name] = p;
    }
  }
  return out;
}

/**
 * Read one profile file (a time column `hour`, `t`, `time` or `minute` and named numeric columns), each column a
 * profile with the given step (h). Errors name the file, line, point and column.
 */
export function readProfileFile(path: string, stepHours: number): Record<string, Profile> {
  const out: Record<string, Profile> = {};
  const shown = display(path);
  {
    const pointLabel = (r: Record<string, string>, k: number | string) =>
      r.hour !== undefined ? `hour ${r.hour}` : `point ${r.t ?? r.time ?? k}`;
    const rows = readCsv(path, z.record(z.string(), z.string()), (r) => pointLabel(r, "?"));
    if (rows.length === 0) throw new InputError("bad-profile", "profile file has no rows", { file: shown });
    const timeCols = new Set(["line", "hour", "t", "time", "minute"]);
    const names = Object.keys(rows[0]!).filter((c) => !timeCols.has(c));
    for (const c of names) {
      const values = new Float64Array(rows.length);
      rows.forEach((r, k) => {
        const res = numberCell.safeParse(r[c] ?? "");
        if (!res.success) {
          throw new InputError("bad-profile", `expected a finite number (got ${showToken(r[c] ?? "")})`, {
            file: shown,
            line: r.line,
            element: pointLabel(r, k),
            field: c,
          });
        }
        values[k] = res.data;
      });
      out[c] = {
        name: c,
        stepHours,
        values,
        file: shown,
        column: c,
        points: rows.map((r, k) => ({ line: r.line, label: pointLabel(r, k) })),
      };
    }
  }
  return out;
}

/** Check that every profile a case names exists, and the physical range of multipliers and prices. */
function checkProfiles(feeder: Feeder, spec: CaseFile, caseFile: string): void {
  const need = (name: string, where: { file?: string; line?: number; element: string; field: string }) => {
    if (!feeder.profiles[name]) {
      throw new InputError(
        "bad-profile",
        `profile '${name}' is not a column of the profile file(s) (available: ${Object.keys(feeder.profiles).join(", ")})`,
        where,
      );
    }
  };
  const cf = display(caseFile);
  need(spec.profiles.loadColumn, { file: cf, element: "case", field: "profiles.loadColumn" });
  need(spec.profiles.pvColumn, { file: cf, element: "case", field: "profiles.pvColumn" });
  for (const [name, s] of Object.entries(spec.prices.series)) {
    need(s.column, { file: cf, element: "case", field: `prices.series.${name}.column` });
  }
  const multipliers = new Set([spec.profiles.loadColumn, spec.profiles.pvColumn]);
  for (const l of feeder.loads) {
    if (l.profile) {
      need(l.profile, { ...l.at, element: `load ${l.id}`, field: "profile" });
      multipliers.add(l.profile);
    }
  }
  for (const p of feeder.pvs) {
    if (p.profile) {
      need(p.profile, { ...p.at, element: `pv ${p.id}`, field: "profile" });
      multipliers.add(p.profile);
    }
  }
  const ranged: Array<[string, readonly [number, number], string]> = [
    ...[...multipliers].map(
      (m) => [m, RANGES.multiplier, "(multiplier)"] as [string, readonly [number, number], string],
    ),
    ...Object.values(spec.prices.series).map(
      (s) => [s.column, RANGES.priceUsdPerKwh, "$/kWh"] as [string, readonly [number, number], string],
    ),
  ];
  for (const [c, range, unit] of ranged) {
    const p = feeder.profiles[c]!;
    for (let k = 0; k < p.values.length; k++) {
      const bad = outOfRange(p.values[k]!, range, unit);
      if (bad) {
        const pt = p.points?.[k];
        throw new InputError("bad-profile", bad, {
          file: p.file,
          line: pt?.line,
          element: pt?.label ?? `point ${k}`,
          field: c,
        });
      }
    }
  }
}

/** Read a case's element tables into a Feeder (profiles and prices included). */
export function readFeeder(dir: string, spec: CaseFile, caseFile: string): Feeder {
  const f = (name: string) => join(dir, name);
  const busFile = f(spec.files.buses);
  const branchFile = f(spec.files.branches);
  const at = (file: string, line: number) => ({ file: display(file), line });
  const busRows = readCsv(busFile, BusRowSchema, (r) => `bus ${r.bus ?? "?"}`);
  const buses: BusRow[] = busRows.map((r) => ({
    id: r.bus,
    ...(r.kv_nominal !== undefined ? { kvNominal: r.kv_nominal } : {}),
    ...(r.x !== undefined ? { x: r.x } : {}),
    ...(r.y !== undefined ? { y: r.y } : {}),
    at: at(busFile, r.line),
  }));
  // The bus-table shorthand: one load (id = bus) and one capacitor (id = bus) where non-zero.
  const loads: LoadRow[] = [];
  const capacitors: CapacitorRow[] = [];
  for (const r of busRows) {
    const p = r.p_load_kw ?? 0;
    const q = r.q_load_kvar ?? 0;
    if (p !== 0 || q !== 0)
      loads.push({ id: r.bus, bus: r.bus, kw: p, kvar: q, model: "pq", at: at(busFile, r.line) });
    if ((r.q_cap_kvar ?? 0) !== 0)
      capacitors.push({ id: r.bus, bus: r.bus, kvar: r.q_cap_kvar!, at: at(busFile, r.line) });
  }
  const lineRows = readCsv(
    branchFile,
    BranchRowSchema,
    (r) => `branch ${r.branch ?? "?"} (${r.from_bus}→${r.to_bus})`,
  );
  const lines: LineRow[] = lineRows.map((b) => {
    const element = `branch ${b.branch} (${b.from_bus}→${b.to_bus})`;
    const loc = { file: display(branchFile), line: b.line, element };
    let iMaxA: number | undefined;
    if (b.i_max_a !== undefined && b.i_max_a !== "") {
      const r = numberCell.safeParse(b.i_max_a);
      const bad = r.success ? outOfRange(r.data, RANGES.iMaxA, "A") : null;
      if (!r.success || bad) {
        throw new InputError(
          r.success ? "out-of-range" : "bad-number",
          bad ?? `expected a number of amperes (got ${showToken(b.i_max_a)})`,
          { ...loc, field: "i_max_a" },
        );
      }
      iMaxA = r.data;
    }
    if (b.r_ohm === 0 && b.x_ohm === 0) {
      throw new InputError(
        "out-of-range",
        "zero impedance (r_ohm = x_ohm = 0): merge the two buses, or give the branch its small real impedance",
        { ...loc, field: "r_ohm" },
      );
    }
    let closed = true;
    if (b.closed !== undefined) {
      const v = b.closed.toLowerCase();
      if (!["yes", "no", "true", "false", "1", "0"].includes(v)) {
        throw new InputError("schema", `expected yes/no (got ${showToken(b.closed)})`, {
          ...loc,
          field: "closed",
        });
      }
      closed = ["yes", "true", "1"].includes(v);
    }
    if (b.b_us !== undefined && !(b.b_us >= 0 && b.b_us <= 1e6)) {
      throw new InputError("out-of-range", `must be in 0..1000000 µS (got ${b.b_us})`, {
        ...loc,
        field: "b_us",
      });
    }
    return {
      id: b.branch,
      from: b.from_bus,
      to: b.to_bus,
      rOhm: b.r_ohm,
      xOhm: b.x_ohm,
      ...(b.b_us !== undefined ? { bUs: b.b_us } : {}),
      ...(iMaxA !== undefined ? { iMaxA } : {}),
      closed,
      at: at(branchFile, b.line),
    };
  });
  const table = <S extends z.ZodType<Record<string, unknown>>, R>(
    key: "transformers" | "loads" | "capacitors" | "pvs" | "batteries",
    schema: S,
    label: (r: Record<string, string>) => string,
    map: (r: z.output<S> & { line: number }, file: string) => R,
  ): R[] => {
    const name = spec.files[key];
    if (!name) return [];
    const file = f(name);
    return readCsv(file, schema, label).map((r) => map(r, file));
  };
  const transformers: TransformerRow[] = table(
    "transformers",
    TransformerRowSchema,
    (r) => `transformer ${r.transformer ?? "?"} (${r.from_bus}→${r.to_bus})`,
    (r, file) => ({
      id: r.transformer,
      from: r.from_bus,
      to: r.to_bus,
      kva: r.kva,
      kvPrimary: r.kv_primary,
      kvSecondary: r.kv_secondary,
      rPct: r.r_pct,
      xPct: r.x_pct,
      ...(r.tap !== undefined ? { tap: r.tap } : {}),
      at: at(file, r.line),
    }),
  );
  loads.push(
    ...table(
      "loads",
      LoadRowSchema,
      (r) => `load ${r.load ?? "?"}`,
      (r, file) => {
        const model: LoadModelKind = r.model ?? "pq";
        const row: LoadRow = {
          id: r.load,
          bus: r.bus,
          kw: r.p_kw,
          kvar: r.q_kvar,
          model,
          at: at(file, r.line),
        };
        if (r.profile) row.profile = r.profile;
        if (model === "zip") {
          const p: [number, number, number] = [r.z_p ?? 0, r.i_p ?? 0, r.p_p ?? 0];
          const q: [number, number, number] = [r.z_q ?? 0, r.i_q ?? 0, r.p_q ?? 0];
          for (const [tri, field] of [
            [p, "z_p"],
            [q, "z_q"],
          ] as const) {
            if (Math.abs(tri[0] + tri[1] + tri[2] - 1) > 1e-9) {
              throw new InputError("schema", `ZIP fractions must sum to 1 (got ${tri.join(" + ")})`, {
                file: display(file),
                line: r.line,
                element: `load ${r.load}`,
                field,
              });
            }
          }
          row.zip = { p, q };
        }
        return row;
      },
    ),
  );
  capacitors.push(
    ...table(
      "capacitors",
      CapacitorRowSchema,
      (r) => `capacitor ${r.capacitor ?? "?"}`,
      (r, file) => ({
        id: r.capacitor,
        bus: r.bus,
        kvar: r.q_kvar,
        ...(r.kv_rated !== undefined ? { kvRated: r.kv_rated } : {}),
        at: at(file, r.line),
      }),
    ),
  );
  const pvs: PvRow[] = table(
    "pvs",
    PvRowSchema,
    (r) => `pv ${r.pv ?? "?"}`,
    (r, file) => ({
      id: r.pv,
      bus: r.bus,
      pmppKw: r.pmpp_kw,
      kva: r.kva,
      ...(r.profile ? { profile: r.profile } : {}),
      at: at(file, r.line),
    }),
  );
  const batteries: BatteryRow[] = table(
    "batteries",
    BatteryRowSchema,
    (r) => `battery ${r.battery ?? "?"}`,
    (r, file) => {
      const loc = { file: display(file), line: r.line, element: `battery ${r.battery}` };
      if (r.soc_min > r.soc_max || r.soc0 < r.soc_min || r.soc0 > r.soc_max) {
        throw new InputError(
          "out-of-range",
          `SOCs must satisfy soc_min <= soc0 <= soc_max (got ${r.soc_min} <= ${r.soc0} <= ${r.soc_max})`,
          { ...loc, field: r.soc_min > r.soc_max ? "soc_min" : "soc0" },
        );
      }
      if (
        r.throughput_usd_per_kwh !== undefined &&
        !(r.throughput_usd_per_kwh >= 0 && r.throughput_usd_per_kwh <= 100)
      ) {
        throw new InputError("out-of-range", `must be in 0..100 $/kWh (got ${r.throughput_usd_per_kwh})`, {
          ...loc,
          field: "throughput_usd_per_kwh",
        });
      }
      return {
        id: r.battery,
        bus: r.bus,
        kw: r.p_kw,
        kwh: r.e_kwh,
        kva: r.kva,
        etaCharge: r.eta_charge,
        etaDischarge: r.eta_discharge,
        socMin: r.soc_min,
        socMax: r.soc_max,
        soc0: r.soc0,
        ...(r.throughput_usd_per_kwh !== undefined
          ? { throughputCostUsdPerKwh: r.throughput_usd_per_kwh }
          : {}),
        at: at(file, r.line),
      };
    },
  );
  const prices: Record<string, PriceDef> = {};
  for (const [name, s] of Object.entries(spec.prices.series)) {
    prices[name] =
      s.rule === "on-off-peak"
        ? {
            name,
            rule: "on-off-peak",
            profile: s.column,
            peakShare: s.peakShare,
            ...(s.description ? { description: s.description } : {}),
          }
        : {
            name,
            rule: "series",
            profile: s.column,
            ...(s.description ? { description: s.description } : {}),
          };
  }
  const kvBaseLn = "vBaseKvLn" in spec.bases ? spec.bases.vBaseKvLn : spec.bases.vBaseKvLl / Math.sqrt(3);
  const feeder: Feeder = {
    name: spec.name,
    ...(spec.description ? { description: spec.description } : {}),
    sBaseKva: spec.bases.sBaseKva,
    ...(spec.bases.phaseModel ? { phaseModel: spec.bases.phaseModel } : {}),
    ...(spec.approximations ? { approximations: spec.approximations } : {}),
    source: {
      bus: spec.substation.bus,
      vPu: spec.substation.vPu,
      kvBaseLn,
      ...(spec.substation.rOhm !== undefined ? { rOhm: spec.substation.rOhm } : {}),
      ...(spec.substation.xOhm !== undefined ? { xOhm: spec.substation.xOhm } : {}),
      at: { file: display(caseFile) },
    },
    buses,
    lines,
    transformers,
    loads,
    capacitors,
    pvs,
    batteries,
    profiles: readProfiles(dir, spec),
    prices,
    defaultLoadProfile: spec.profiles.loadColumn,
    defaultPvProfile: spec.profiles.pvColumn,
    provenance: [
      ...Object.entries(spec.files).map(
        ([k, v]) => `${k}: ${typeof v === "string" ? v : v.map((p) => p.file).join(", ")}`,
      ),
      ...(spec.provenance ?? []),
    ],
  };
  checkProfiles(feeder, spec, caseFile);
  return feeder;
}

/** Check that every device sits on a bus of the network and that ids are unique per table. */
export function checkDevices(feeder: Feeder, network: Network): void {
  const tables: Array<[string, Array<{ id: string; bus: string; at?: { file?: string; line?: number } }>]> = [
    ["load", feeder.loads],
    ["capacitor", feeder.capacitors],
    ["pv", feeder.pvs],
    ["battery", feeder.batteries],
  ];
  for (const [kind, rows] of tables) {
    const seen = new Set<string>();
    for (const r of rows) {
      if (seen.has(r.id)) {
        throw new InputError("schema", `${kind} id '${r.id}' is used twice`, {
          ...r.at,
          element: `${kind} ${r.id}`,
          field: kind,
        });
      }
      seen.add(r.id);
      if (!(r.bus in network.busIndex)) {
        throw new InputError("unknown-bus", `bus '${r.bus}' is not a bus of the network`, {
          ...r.at,
          element: `${kind} ${r.id}`,
          field: "bus",
        });
      }
    }
  }
}

/**
 * A study case made from a Feeder in memory (generated, imported or built in code): the project's default study
 * settings (see write-case.ts `caseSpecOf`) over `defaults`, no partitions. Validated like a loaded case.
 */
export function caseFromFeeder(
  feeder: Feeder,
  settings: { defaults?: Partial<CaseFile["defaults"]>; der?: CaseFile["der"] } = {},
): StudyCase {
  const spec = caseSpecOf(feeder, { provenance: "built in memory", ...settings });
  const network = buildMathNetwork(feeder);
  checkDevices(feeder, network);
  return { name: feeder.name, dir: "", spec, feeder, network, partitions: {} };
}

/**
 * Load a study case by built-in name ("ieee123") or from a folder / case.json path: validates case.json,
 * every element table and profile, the radial structure, device buses and every partition.
 */
export function loadCase(nameOrPath: string): StudyCase {
  const file = resolveCaseFile(nameOrPath);
  const dir = dirname(file);
  const spec = readCaseFile(file);
  const feeder = readFeeder(dir, spec, file);
  const network = buildMathNetwork(feeder);
  checkDevices(feeder, network);
  const partitions: Record<string, Partition> = {};
  for (const [name, p] of Object.entries(spec.partitions)) {
    partitions[name] = loadPartition(network, name, display(join(dir, p.file)));
  }
  if (spec.der.pvBuses) checkBuses(network, spec.der.pvBuses, file, "der.pvBuses");
  if (spec.der.batteryBuses) checkBuses(network, spec.der.batteryBuses, file, "der.batteryBuses");
  return { name: spec.name, dir, spec, feeder, network, partitions };
}

function checkBuses(network: Network, ids: string[], file: string, field: string): void {
  ids.forEach((id, k) => {
    if (!(id in network.busIndex)) {
      throw new InputError("unknown-bus", `bus '${id}' is not a bus of the network`, {
        file: display(file),
        element: "case",
        field: `${field}[${k}]`,
      });
    }
  });
}
