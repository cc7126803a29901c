/**
 * An area's own data as a folder of JSON files (issue 18: `mpopf case split` writes one per area; `mpopf agent`
 * runs one area from its folder alone), and the agent spec built from it for a run.
 *
 *   area.json        format, case, area id, root or not, parent and children ids, T, Δt, the files' fingerprint
 *   network.json     the area's sub-network (per unit): zones, buses, branches, head bus, substation voltage
 *   loads.json       its loads (rated P/Q, ZIP model, profile name)
 *   ders.json        its capacitors, PVs (available power per period) and batteries
 *   profiles.json    per-period series: price, the case's load/PV multipliers, the loads' profiles
 *   study.json       scenario name, horizon, objective, options
 *   boundaries.json  its boundary to the parent and to each child: ids, neighbour ids, where they attach, the
 *                    first guesses (the child subtree's net load per period: an aggregate, the quantity the
 *                    boundary messages carry; and a power flow of the whole feeder: |V|, P, Q per period at
 *                    the boundary), the parent-side path resistance (a scalar, ENApp marginal)
 *
 * What a folder holds is exactly what `decompose` gives that area (with the method options at their defaults:
 * no reverse flow, child head costs kept); `areaSpec` applies a run's method options the way `decompose` and
 * `agentSpecs` do, so the spec equals the in-process one — `specFingerprint` makes that checkable: the
 * coordinator sends the fingerprint of each area's spec and an agent refuses a run whose fingerprint differs.
 */
import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { InputError } from "../../models/errors.ts";
import { readJsonFile } from "../../models/files.ts";
import type { Partition } from "../../models/partition.ts";
import { subNetwork } from "../../models/topology.ts";
import type { Network, Scenario } from "../../models/types.ts";
import { type Decomposition, decompose } from "./decompose.ts";
import type { DistributedOptions } from "./options.ts";
import type { AgentSpec, BoundaryGuess } from "./protocol.ts";
import { agentSpecs, powerFlowGuesses } from "./solve.ts";

/** Format of one area folder. */
export const AREA_FORMAT = "mpopf-area/1" as const;
/** Format of the index at the top of a split (ids and boundaries only: what a coordinator may know). */
export const AREAS_FORMAT = "mpopf-areas/1" as const;

/** The data files of an area folder, in fingerprint order. */
export const AREA_DATA_FILES = [
  "network.json",
  "loads.json",
  "ders.json",
  "profiles.json",
  "study.json",
  "boundaries.json",
] as const;

// --- canonical JSON and fingerprints -------------------------------------------------------------------

/** Plain JSON of any value with typed arrays as arrays, object keys sorted (a stable text to hash). */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(canonical(v));
}

function canonical(v: unknown): unknown {
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = canonical(x);
    }
    return out;
  }
  return v;
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/**
 * Fingerprint of an agent spec: SHA-256 of its canonical JSON without where the case was read from
 * (`network.source`, a path on the host that split it). Equal fingerprints: the same area, data and options.
 */
export function specFingerprint(spec: AgentSpec): string {
  const { source: _source, ...network } = spec.scenario.network;
  return sha256(canonicalJson({ ...spec, scenario: { ...spec.scenario, network } }));
}

// --- the files --------------------------------------------------------------------------------------------

/** area.json */
export interface AreaManifest {
  format: typeof AREA_FORMAT;
  case: string;
  area: string;
  isRoot: boolean;
  parent: string | null;
  children: string[];
  T: number;
  dtH: number;
  /** SHA-256 of the data files' contents in `AREA_DATA_FILES` order (each followed by a newline). */
  fingerprint: string;
}

/** The index at the top of a split: ids, the area tree and the boundaries — no area data. */
export interface AreasIndex {
  format: typeof AREAS_FORMAT;
  case: string;
  scenario: string;
  partition: string;
  T: number;
  root: string;
  areas: Array<{ id: string; folder: string; parent: string | null; fingerprint: string }>;
  boundaries: Array<{ id: string; parent: string; child: string }>;
}

const num = z.number().finite();
const nums = z.array(num);
const zoneSchema = z.object({ vBaseKvLn: num, zBaseOhm: num, iBaseA: num }).strict();
const networkSchema = z
  .object({
    name: z.string(),
    sBaseKva: num,
    phaseModel: z.enum(["per-phase", "three-phase"]),
    zones: z.array(zoneSchema).min(1),
    head: z.number().int().min(0),
    vSubsPu: num,
    buses: z.array(z.object({ id: z.string(), zone: z.number().int().min(0) }).strict()).min(1),
    branches: z.array(
      z
        .object({
          id: z.string(),
          kind: z.enum(["line", "transformer", "source"]),
          from: z.number().int().min(0),
          to: z.number().int().min(0),
          rPu: num,
          xPu: num,
          bPu: num,
          tap: num,
          iMaxA: num.optional(),
        })
        .strict(),
    ),
    source: z.string().optional(),
  })
  .strict();
const triple = z.tuple([num, num, num]);
const loadsSchema = z
  .object({
    loads: z.array(
      z
        .object({
          id: z.string(),
          bus: z.number().int().min(0),
          pRatedPu: num,
          qRatedPu: num,
          profile: z.string(),
          model: z.object({ p: triple, q: triple }).strict(),
          /** Only when the load's multipliers differ from its profile's in profiles.json. */
          mult: nums.optional(),
        })
        .strict(),
    ),
  })
  .strict();
const dersSchema = z
  .object({
    capacitors: z.array(z.object({ id: z.string(), bus: z.number().int().min(0), qPu: num }).strict()),
    pvs: z.array(
      z
        .object({
          id: z.string(),
          bus: z.number().int().min(0),
          pRatedPu: num,
          sRatedPu: num,
          pAvailPu: nums,
        })
        .strict(),
    ),
    batteries: z.array(
      z
        .object({
          id: z.string(),
          bus: z.number().int().min(0),
          pRatedPu: num,
          sRatedPu: num,
          eRatedPuH: num,
          etaCharge: num,
          etaDischarge: num,
          socMin: num,
          socMax: num,
          b0PuH: num,
          throughputCostUsdPerKwh: num,
        })
        .strict(),
    ),
  })
  .strict();
const profilesSchema = z
  .object({
    priceUsdPerKwh: nums,
    loadMult: nums,
    pvMult: nums,
    loads: z.record(z.string(), nums),
  })
  .strict();
const studySchema = z
  .object({
    name: z.string(),
    T: z.number().int().min(1),
    dtH: num,
    startIndex: z.number().int().min(0),
    objective: z.object({ kind: z.enum(["loss", "cost"]), alphaScd: num, weight: num }).strict(),
    options: z
      .object({
        vMinPu: num,
        vMaxPu: num,
        terminal: z.enum(["hard", "soft", "free"]),
        terminalGamma: num,
        limits: z.enum(["rated", "available"]),
        peakCapKw: num.nullable(),
        noBackfeed: z.boolean(),
        lineLimits: z.boolean(),
        formulation: z
          .object({
            physics: z.enum(["exact", "soc"]),
            capacitors: z.enum(["constant", "voltage"]),
            lineCharging: z.enum(["none", "case", "opendss"]),
            loads: z.enum(["pq", "case"]),
            elementBands: z.enum(["none", "opendss"]),
            idlingPct: num.min(0),
          })
          .strict(),
      })
      .strict(),
    provenance: z.string().optional(),
  })
  .strict();
const guessSchema = z.object({ p: nums, q: nums }).strict();
const flowSchema = z.object({ vm: nums, p: nums, q: nums }).strict();
const boundariesSchema = z
  .object({
    up: z
      .object({
        boundary: z.string(),
        neighbour: z.string(),
        rPathPu: num,
        subtreeLoad: guessSchema,
        powerFlow: flowSchema,
      })
      .strict()
      .nullable(),
    down: z.array(
      z
        .object({
          boundary: z.string(),
          neighbour: z.string(),
          localBus: z.number().int().min(0),
          bHalfPu: num,
          subtreeLoad: guessSchema,
          powerFlow: flowSchema,
        })
        .strict(),
    ),
  })
  .strict();
const manifestSchema = z
  .object({
    format: z.literal(AREA_FORMAT),
    case: z.string(),
    area: z.string().min(1),
    isRoot: z.boolean(),
    parent: z.string().nullable(),
    children: z.array(z.string()),
    T: z.number().int().min(1),
    dtH: num,
    fingerprint: z.string(),
  })
  .strict();

type NetworkFile = z.infer<typeof networkSchema>;
type BoundariesFile = z.infer<typeof boundariesSchema>;

/** An area read from its folder: its scenario as `decompose` gives it with default options, its boundaries. */
export interface AreaData {
  manifest: AreaManifest;
  /** The area's scenario (children: no reverse flow, own head cost kept — `areaSpec` adapts both per run). */
  scenario: Scenario;
  boundaries: BoundariesFile;
  dir: string;
}

const list = (a: ArrayLike<number>) => Array.from(a);

function networkFile(net: Network): NetworkFile {
  return {
    name: net.name,
    sBaseKva: net.sBaseKva,
    phaseModel: net.phaseModel,
    zones: net.zones.map((z) => ({ ...z })),
    head: net.substation,
    vSubsPu: net.vSubsPu,
    buses: net.buses.map((b) => ({ id: b.id, zone: b.zone })),
    branches: net.branches.map((b) => ({ ...b })),
    ...(net.source !== undefined ? { source: net.source } : {}),
  };
}

/** The files of one area of a decomposition (with default method options), keyed by file name. */
function areaFiles(
  d: Decomposition,
  a: number,
  guesses: BoundaryGuess[],
  flows: BoundaryGuess[],
): Record<string, unknown> {
  const ar = d.areas[a];
  const sc = ar.scenario;
  const profiles: Record<string, number[]> = {};
  const loads = sc.loads.map((ld) => {
    const have = profiles[ld.profile];
    const mult = list(ld.mult);
    const base = {
      id: ld.id,
      bus: ld.bus,
      pRatedPu: ld.pRatedPu,
      qRatedPu: ld.qRatedPu,
      profile: ld.profile,
      model: { p: [...ld.model.p], q: [...ld.model.q] },
    };
    if (!have) {
      profiles[ld.profile] = mult;
      return base;
    }
    return have.every((v, t) => v === mult[t]) ? base : { ...base, mult };
  });
  const up = ar.upBoundary >= 0 ? d.boundaries[ar.upBoundary] : null;
  const files: Record<string, unknown> = {
    "network.json": networkFile(sc.network),
    "loads.json": { loads },
    "ders.json": {
      capacitors: sc.capacitors.map((c) => ({ ...c })),
      pvs: sc.pvs.map((p) => ({ ...p, pAvailPu: list(p.pAvailPu) })),
      batteries: sc.batteries.map((b) => ({ ...b })),
    },
    "profiles.json": {
      priceUsdPerKwh: list(sc.priceUsdPerKwh),
      loadMult: list(sc.loadMult),
      pvMult: list(sc.pvMult),
      loads: profiles,
    },
    "study.json": {
      name: sc.name,
      T: sc.T,
      dtH: sc.dtH,
      startIndex: sc.startIndex,
      objective: { ...sc.objective },
      options: { ...sc.options, formulation: { ...sc.options.formulation } },
      ...(sc.provenance !== undefined ? { provenance: sc.provenance } : {}),
    },
    "boundaries.json": {
      up: up
        ? {
            boundary: up.id,
            neighbour: d.areas[up.parentArea].id,
            rPathPu: up.rPathPu,
            subtreeLoad: { p: guesses[up.index].p, q: guesses[up.index].q },
            powerFlow: flows[up.index],
          }
        : null,
      down: ar.downBoundaries.map((b) => {
        const bd = d.boundaries[b];
        return {
          boundary: bd.id,
          neighbour: d.areas[bd.childArea].id,
          localBus: bd.parentLocalBus,
          bHalfPu: bd.bHalfPu,
          subtreeLoad: { p: guesses[b].p, q: guesses[b].q },
          powerFlow: flows[b],
        };
      }),
    },
  };
  return files;
}

const text = (v: unknown) => `${JSON.stringify(v, null, 1)}\n`;

function filesFingerprint(contents: string[]): string {
  const h = createHash("sha256");
  for (const c of contents) h.update(c).update("\n");
  return h.digest("hex");
}

/** A folder name for an area id: the id when it is a plain name, else an escaped form (never a path). */
export function areaFolderName(id: string): string {
  return `area-${id.replace(/[^A-Za-z0-9-]/g, (c) => `_${c.codePointAt(0)!.toString(16)}_`)}`;
}

/** A split of a scenario into area folders: relative path → file text (JSON), and the index. */
export interface AreaSplit {
  index: AreasIndex;
  files: Array<[string, string]>;
}

/**
 * Split a scenario into one folder per area (see the module comment): pure, no files are written here.
 * Throws `InputError` ("bad-partition") when the partition does not fit the scenario.
 */
export function splitAreas(caseName: string, scenario: Scenario, partition: Partition): AreaSplit {
  const d = decompose(scenario, partition);
  // The subtree-load guesses, as agentSpecs computes them (only p and q are kept).
  const guessSpecs = agentSpecs(scenario, d, {
    ...DUMMY_OPTIONS,
    initialGuess: "subtree-load",
  } as DistributedOptions);
  const guesses: BoundaryGuess[] = d.boundaries.map((bd) => {
    const child = guessSpecs[bd.childArea];
    return child.up!.initial;
  });
  const flows = powerFlowGuesses(scenario, d);
  const out: Array<[string, string]> = [];
  const index: AreasIndex = {
    format: AREAS_FORMAT,
    case: caseName,
    scenario: scenario.name,
    partition: partition.name,
    T: scenario.T,
    root: d.areas[0].id,
    areas: [],
    boundaries: d.boundaries.map((b) => ({
      id: b.id,
      parent: d.areas[b.parentArea].id,
      child: d.areas[b.childArea].id,
    })),
  };
  d.areas.forEach((ar, a) => {
    const folder = areaFolderName(ar.id);
    const files = areaFiles(d, a, guesses, flows);
    const texts = AREA_DATA_FILES.map((f) => text(files[f]));
    const fingerprint = filesFingerprint(texts);
    const manifest: AreaManifest = {
      format: AREA_FORMAT,
      case: caseName,
      area: ar.id,
      isRoot: ar.parent < 0,
      parent: ar.parent >= 0 ? d.areas[ar.parent].id : null,
      children: ar.children.map((c) => d.areas[c].id),
      T: scenario.T,
      dtH: scenario.dtH,
      fingerprint,
    };
    out.push([`${folder}/area.json`, text(manifest)]);
    AREA_DATA_FILES.forEach((f, i) => {
      out.push([`${folder}/${f}`, texts[i]]);
    });
    index.areas.push({
      id: ar.id,
      folder,
      parent: manifest.parent,
      fingerprint,
    });
  });
  out.push(["areas.json", text(index)]);
  return { index, files: out };
}

/** Options only used to compute the subtree-load guesses (agentSpecs reads `initialGuess`, `run`, `method`). */
const DUMMY_OPTIONS = { run: "split", method: "enapp", initialGuess: "subtree-load" };

function parseFile<S extends z.ZodType>(
  dir: string,
  name: string,
  schema: S,
): { value: z.infer<S>; text: string } {
  const file = join(dir, name);
  if (!existsSync(file))
    throw new InputError("missing-file", `the area folder has no ${name} (written by 'mpopf case split')`, {
      file,
    });
  const raw = readJsonFile(file, `area file ${name}`);
  const r = schema.safeParse(raw);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new InputError("schema", first?.message ?? "invalid", {
      file,
      field: first?.path.length ? first.path.join(".") : undefined,
    });
  }
  return { value: r.data as z.infer<S>, text: text(raw) };
}

/**
 * Read an area folder (only files inside `dir`). Checks every file's schema and the files' fingerprint
 * against area.json; throws `InputError` naming the file and field.
 */
export function readAreaFolder(dir: string): AreaData {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new InputError("missing-file", "no such area folder (written by 'mpopf case split')", {
      file: dir,
    });
  const manifest = parseFile(dir, "area.json", manifestSchema).value as AreaManifest;
  const net = parseFile(dir, "network.json", networkSchema);
  const loads = parseFile(dir, "loads.json", loadsSchema);
  const ders = parseFile(dir, "ders.json", dersSchema);
  const profiles = parseFile(dir, "profiles.json", profilesSchema);
  const study = parseFile(dir, "study.json", studySchema);
  const boundaries = parseFile(dir, "boundaries.json", boundariesSchema);
  const fp = filesFingerprint([net, loads, ders, profiles, study, boundaries].map((f) => f.text));
  if (fp !== manifest.fingerprint)
    throw new InputError(
      "schema",
      "the area's files do not match the fingerprint in area.json (edited or mixed from different splits): split again",
      { file: join(dir, "area.json"), field: "fingerprint" },
    );
  const T = study.value.T;
  const where = (name: string, field: string) => ({ file: join(dir, name), field });
  const series = (a: number[], name: string, field: string) => {
    if (a.length !== T)
      throw new InputError("bad-profile", `expected ${T} values (T), got ${a.length}`, where(name, field));
    return Float64Array.from(a);
  };
  const n = net.value;
  const nb = n.buses.length;
  const bus = (b: number, name: string, field: string) => {
    if (b >= nb)
      throw new InputError("unknown-bus", `bus index ${b} is not in network.json`, where(name, field));
    return b;
  };
  n.buses.forEach((b, i) => {
    if (b.zone >= n.zones.length)
      throw new InputError(
        "schema",
        `zone ${b.zone} does not exist`,
        where("network.json", `buses.${i}.zone`),
      );
  });
  n.branches.forEach((b, i) => {
    bus(b.from, "network.json", `branches.${i}.from`);
    bus(b.to, "network.json", `branches.${i}.to`);
  });
  bus(n.head, "network.json", "head");
  const base = {
    name: n.name,
    sBaseKva: n.sBaseKva,
    phaseModel: n.phaseModel,
    zones: n.zones,
    vSubsPu: n.vSubsPu,
    buses: n.buses,
    branches: n.branches,
    ...(n.source !== undefined ? { source: n.source } : {}),
  } as unknown as Network;
  let network: Network;
  try {
    network = subNetwork(
      base,
      n.name,
      n.buses.map((_, i) => i),
      n.branches.map((_, i) => i),
      n.head,
    );
  } catch (e) {
    throw new InputError(
      "schema",
      (e as Error).message.replace(/^internal: /, ""),
      where("network.json", "branches"),
    );
  }
  const p = profiles.value;
  const loadProfiles = new Map<string, Float64Array>();
  for (const [name, arr] of Object.entries(p.loads))
    loadProfiles.set(name, series(arr, "profiles.json", `loads.${name}`));
  const scenario: Scenario = {
    name: study.value.name,
    network,
    T,
    dtH: study.value.dtH,
    startIndex: study.value.startIndex,
    loads: loads.value.loads.map((ld, i) => {
      const mult = ld.mult ? series(ld.mult, "loads.json", `loads.${i}.mult`) : loadProfiles.get(ld.profile);
      if (!mult)
        throw new InputError(
          "bad-profile",
          `profile '${ld.profile}' is not in profiles.json`,
          where("loads.json", `loads.${i}.profile`),
        );
      return {
        id: ld.id,
        bus: bus(ld.bus, "loads.json", `loads.${i}.bus`),
        pRatedPu: ld.pRatedPu,
        qRatedPu: ld.qRatedPu,
        profile: ld.profile,
        mult,
        model: { p: [...ld.model.p], q: [...ld.model.q] },
      };
    }),
    capacitors: ders.value.capacitors.map((c, i) => ({
      ...c,
      bus: bus(c.bus, "ders.json", `capacitors.${i}.bus`),
    })),
    pvs: ders.value.pvs.map((u, i) => ({
      ...u,
      bus: bus(u.bus, "ders.json", `pvs.${i}.bus`),
      pAvailPu: series(u.pAvailPu, "ders.json", `pvs.${i}.pAvailPu`),
    })),
    batteries: ders.value.batteries.map((b, i) => ({
      ...b,
      bus: bus(b.bus, "ders.json", `batteries.${i}.bus`),
    })),
    priceUsdPerKwh: series(p.priceUsdPerKwh, "profiles.json", "priceUsdPerKwh"),
    loadMult: series(p.loadMult, "profiles.json", "loadMult"),
    pvMult: series(p.pvMult, "profiles.json", "pvMult"),
    objective: { ...study.value.objective },
    options: { ...study.value.options },
    ...(study.value.provenance !== undefined ? { provenance: study.value.provenance } : {}),
  };
  const bd = boundaries.value;
  for (const [i, d] of bd.down.entries()) bus(d.localBus, "boundaries.json", `down.${i}.localBus`);
  // Every first guess is one value per period.
  const sides = [
    ...(bd.up ? [["up", bd.up] as const] : []),
    ...bd.down.map((d, i) => [`down.${i}`, d] as const),
  ];
  for (const [at, side] of sides) {
    series(side.subtreeLoad.p, "boundaries.json", `${at}.subtreeLoad.p`);
    series(side.subtreeLoad.q, "boundaries.json", `${at}.subtreeLoad.q`);
    for (const q of ["vm", "p", "q"] as const)
      series(side.powerFlow[q], "boundaries.json", `${at}.powerFlow.${q}`);
  }
  if ((bd.up === null) !== manifest.isRoot)
    throw new InputError(
      "schema",
      manifest.isRoot
        ? "the root area has a boundary to a parent"
        : "a child area needs its boundary to the parent",
      where("boundaries.json", "up"),
    );
  return { manifest, scenario, boundaries: bd, dir };
}

/**
 * The agent spec of an area for a run: the folder's data with the run's method options applied exactly as
 * `decompose` and `agentSpecs` apply them (children's back-feed limit, child head costs dropped where the method
 * prices them through the boundary, the first boundary guesses).
 */
export function areaSpec(data: AreaData, opts: DistributedOptions): AgentSpec {
  const sc = data.scenario;
  const isRoot = data.manifest.isRoot;
  const dropChildHeadCost = opts.method !== "enapp" || opts.coupling === "marginal";
  const scenario: Scenario = {
    ...sc,
    objective:
      !isRoot && dropChildHeadCost && sc.objective.kind === "cost"
        ? { ...sc.objective, weight: 0 }
        : { ...sc.objective },
    options: isRoot ? { ...sc.options } : { ...sc.options, noBackfeed: !opts.allowReverseFlow },
  };
  const T = sc.T;
  const guess = (g: {
    subtreeLoad: { p: number[]; q: number[] };
    powerFlow: BoundaryGuess;
  }): BoundaryGuess => {
    if (opts.initialGuess === "power-flow")
      return { vm: [...g.powerFlow.vm], p: [...g.powerFlow.p], q: [...g.powerFlow.q] };
    const vm = new Array<number>(T).fill(sc.network.vSubsPu);
    return opts.initialGuess === "subtree-load"
      ? { vm, p: [...g.subtreeLoad.p], q: [...g.subtreeLoad.q] }
      : { vm, p: new Array<number>(T).fill(0), q: new Array<number>(T).fill(0) };
  };
  const up = data.boundaries.up;
  return {
    run: opts.run,
    method: opts.method,
    area: data.manifest.area,
    isRoot,
    scenario,
    up: up
      ? {
          boundary: up.boundary,
          neighbour: up.neighbour,
          rPathPu: up.rPathPu,
          initial: guess(up),
        }
      : null,
    down: data.boundaries.down.map((d) => ({
      boundary: d.boundary,
      neighbour: d.neighbour,
      localBus: d.localBus,
      bHalfPu: d.bHalfPu,
      initial: guess(d),
    })),
    options: opts,
    objectiveWeight: sc.objective.weight,
  };
}
