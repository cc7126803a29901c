import { existsSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { type CaseFile, CaseFileSchema } from "./case-schema.ts";
import { idCell, numberCell, rangedCell, readCsv } from "./csv.ts";
import { InputError, showToken } from "./errors.ts";
import { readJsonFile } from "./files.ts";
import { buildNetwork } from "./network.ts";
import { loadPartition, type Partition } from "./partition.ts";
import { outOfRange, RANGES } from "./ranges.ts";
import type { Network } from "./types.ts";

const MODELS_DIR = dirname(fileURLToPath(import.meta.url));

/** Names of the study cases shipped with the project (folders under models/). */
export const BUILTIN_CASES = ["ieee123"] as const;

/** The 24-h (or N-point) shapes and price columns of a case. */
export interface Profiles {
  file: string;
  /** Number of points (e.g. 24). */
  points: number;
  stepHours: number;
  /** Every numeric column by name, one value per point. */
  columns: Record<string, Float64Array>;
  loadColumn: string;
  pvColumn: string;
}

/** A loaded, validated study case: network, profiles, DER rule, partitions, defaults. */
export interface StudyCase {
  name: string;
  /** Folder holding case.json. */
  dir: string;
  spec: CaseFile;
  network: Network;
  profiles: Profiles;
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

const kw = rangedCell(RANGES.powerKw, "kW", true);
const BusRowSchema = z.object({
  bus: idCell,
  p_load_kw: kw,
  q_load_kvar: kw,
  q_cap_kvar: rangedCell(RANGES.powerKw, "kVAr"),
});

const BranchRowSchema = z.object({
  branch: idCell,
  from_bus: idCell,
  to_bus: idCell,
  r_ohm: rangedCell(RANGES.zOhm, "Ω"),
  x_ohm: rangedCell(RANGES.zOhm, "Ω"),
  i_max_a: z.string().optional(),
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
  const b = spec.der.battery;
  if (b.socMin > b.socMax || b.soc0 < b.socMin || b.soc0 > b.socMax) {
    throw new InputError(
      "out-of-range",
      `battery SOCs must satisfy socMin <= soc0 <= socMax (got ${b.socMin} <= ${b.soc0} <= ${b.socMax})`,
      {
        file: display(file),
        element: "case",
        field: b.socMin > b.socMax ? "der.battery.socMin" : "der.battery.soc0",
      },
    );
  }
  for (const [key, rel] of Object.entries(spec.files)) {
    const abs = resolve(dirname(file), rel);
    const r = relative(dirname(file), abs);
    if (isAbsolute(rel) || r.startsWith("..") || isAbsolute(r) || r === "") {
      throw new InputError(
        "schema",
        `must name a file inside the case folder (a relative path without '..')`,
        { file: display(file), element: "case", field: `files.${key}` },
      );
    }
  }
  if (spec.defaults.vMinPu >= spec.defaults.vMaxPu) {
    throw new InputError("schema", "vMinPu must be below vMaxPu", {
      file: display(file),
      element: "case",
      field: "defaults.vMinPu",
    });
  }
  if (!(spec.defaults.price in spec.prices.series)) {
    throw new InputError("schema", `default price '${spec.defaults.price}' is not among prices.series`, {
      file: display(file),
      element: "case",
      field: "defaults.price",
    });
  }
  return spec;
}

/** Read the profile CSV: an hour column plus numeric columns; every cell finite. */
export function readProfiles(file: string, spec: CaseFile): Profiles {
  const shown = display(file);
  const rows = readCsv(file, z.record(z.string(), z.string()), (r) => `hour ${r.hour ?? "?"}`);
  if (rows.length === 0) throw new InputError("bad-profile", "profile file has no rows", { file: shown });
  const names = Object.keys(rows[0]!).filter((c) => c !== "line" && c !== "hour");
  const columns: Record<string, Float64Array> = {};
  for (const c of names) columns[c] = new Float64Array(rows.length);
  rows.forEach((r, k) => {
    for (const c of names) {
      const res = numberCell.safeParse(r[c] ?? "");
      if (!res.success) {
        throw new InputError("bad-profile", `expected a finite number (got ${showToken(r[c] ?? "")})`, {
          file: shown,
          line: r.line,
          element: `hour ${r.hour ?? k}`,
          field: c,
        });
      }
      columns[c]![k] = res.data;
    }
  });
  const needed = [
    spec.profiles.loadColumn,
    spec.profiles.pvColumn,
    ...Object.values(spec.prices.series).map((s) => s.column),
  ];
  for (const c of needed) {
    if (!(c in columns)) {
      throw new InputError("bad-profile", `column '${c}' (named in case.json) is missing`, {
        file: shown,
        field: c,
      });
    }
  }
  const ranged: Array<[string, readonly [number, number], string]> = [
    [spec.profiles.loadColumn, RANGES.multiplier, "(multiplier)"],
    [spec.profiles.pvColumn, RANGES.multiplier, "(multiplier)"],
    ...Object.values(spec.prices.series).map(
      (s) => [s.column, RANGES.priceUsdPerKwh, "$/kWh"] as [string, readonly [number, number], string],
    ),
  ];
  for (const [c, range, unit] of ranged) {
    const col = columns[c]!;
    for (let k = 0; k < col.length; k++) {
      const bad = outOfRange(col[k]!, range, unit);
      if (bad) {
        throw new InputError("bad-profile", bad, {
          file: shown,
          line: rows[k]!.line,
          element: `hour ${rows[k]!.hour ?? k}`,
          field: c,
        });
      }
    }
  }
  return {
    file,
    points: rows.length,
    stepHours: spec.profiles.stepHours,
    columns,
    loadColumn: spec.profiles.loadColumn,
    pvColumn: spec.profiles.pvColumn,
  };
}

/** Read the bus and branch CSVs of a case and build its Network. */
export function readNetwork(dir: string, spec: CaseFile): Network {
  const busFile = join(dir, spec.files.buses);
  const branchFile = join(dir, spec.files.branches);
  const buses = readCsv(busFile, BusRowSchema, (r) => `bus ${r.bus ?? "?"}`);
  const branches = readCsv(
    branchFile,
    BranchRowSchema,
    (r) => `branch ${r.branch ?? "?"} (${r.from_bus}→${r.to_bus})`,
  );
  return buildNetwork({
    name: spec.name,
    sBaseKva: spec.bases.sBaseKva,
    vBaseKvLn: "vBaseKvLn" in spec.bases ? spec.bases.vBaseKvLn : spec.bases.vBaseKvLl / Math.sqrt(3),
    substation: spec.substation.bus,
    vSubsPu: spec.substation.vPu,
    busFile: display(busFile),
    branchFile: display(branchFile),
    fieldLabels: {
      id: "branch",
      from: "from_bus",
      to: "to_bus",
      rOhm: "r_ohm",
      xOhm: "x_ohm",
      iMaxA: "i_max_a",
      bus: "bus",
      pLoadKw: "p_load_kw",
      qLoadKvar: "q_load_kvar",
      qCapKvar: "q_cap_kvar",
    },
    buses: buses.map((b) => ({
      id: b.bus,
      pLoadKw: b.p_load_kw,
      qLoadKvar: b.q_load_kvar,
      qCapKvar: b.q_cap_kvar,
      line: b.line,
    })),
    branches: branches.map((b) => {
      let iMaxA: number | undefined;
      if (b.i_max_a !== undefined && b.i_max_a !== "") {
        const r = numberCell.safeParse(b.i_max_a);
        const bad = r.success ? outOfRange(r.data, RANGES.iMaxA, "A") : null;
        if (!r.success || bad) {
          throw new InputError(
            r.success ? "out-of-range" : "bad-number",
            bad ?? `expected a number of amperes (got ${showToken(b.i_max_a)})`,
            {
              file: display(branchFile),
              line: b.line,
              element: `branch ${b.branch} (${b.from_bus}→${b.to_bus})`,
              field: "i_max_a",
            },
          );
        }
        iMaxA = r.data;
      }
      if (b.r_ohm === 0 && b.x_ohm === 0) {
        throw new InputError(
          "out-of-range",
          "zero impedance (r_ohm = x_ohm = 0): merge the two buses, or give the branch its small real impedance",
          {
            file: display(branchFile),
            line: b.line,
            element: `branch ${b.branch} (${b.from_bus}→${b.to_bus})`,
            field: "r_ohm",
          },
        );
      }
      return {
        id: b.branch,
        from: b.from_bus,
        to: b.to_bus,
        rOhm: b.r_ohm,
        xOhm: b.x_ohm,
        iMaxA,
        line: b.line,
      };
    }),
  });
}

/**
 * Load a study case by built-in name ("ieee123") or from a folder / case.json path: validates
 * case.json, the bus, branch and profile tables, the radial structure and every partition.
 */
export function loadCase(nameOrPath: string): StudyCase {
  const file = resolveCaseFile(nameOrPath);
  const dir = dirname(file);
  const spec = readCaseFile(file);
  const network = readNetwork(dir, spec);
  const profiles = readProfiles(join(dir, spec.files.profiles), spec);
  const partitions: Record<string, Partition> = {};
  for (const [name, p] of Object.entries(spec.partitions)) {
    partitions[name] = loadPartition(network, name, display(join(dir, p.file)));
  }
  if (spec.der.pvBuses) checkBuses(network, spec.der.pvBuses, file, "der.pvBuses");
  if (spec.der.batteryBuses) checkBuses(network, spec.der.batteryBuses, file, "der.batteryBuses");
  return { name: spec.name, dir, spec, network, profiles, partitions };
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
