/**
 * The OpenDSS command executive: runs script text (New, Edit, More/~, Set, Redirect, Compile,
 * Clear, CalcVoltageBases, SetkVBase, Solve, Enable/Disable, Class.Name.Property=value) against
 * a circuit. Unknown commands, classes, options and properties are errors carrying the file and
 * line of the command; commands that only produce OpenDSS reports or plots are accepted and noted
 * in `warnings`.
 */
import { dirname, isAbsolute, resolve } from "node:path";
import { InputError, showToken } from "../../models/errors.ts";
import { readInputBytes, readInputFile } from "../../models/files.ts";
import { Circuit } from "./circuit.ts";
import type { CktElement, DssObject, PropContext } from "./elements/base.ts";
import { Capacitor } from "./elements/capacitor.ts";
import { CapControl } from "./elements/capcontrol.ts";
import { ConductorData, LineGeometry, LineSpacing } from "./elements/conductors.ts";
import { EnergyMeter } from "./elements/energymeter.ts";
import { Fault } from "./elements/fault.ts";
import { Generator } from "./elements/generator.ts";
import { IGNORED_CLASSES, IgnoredObject } from "./elements/ignored.ts";
import { Line, LineCode, toEarthModel } from "./elements/line.ts";
import { checkLoad, Load } from "./elements/load.ts";
import { LoadShape } from "./elements/loadshape.ts";
import { PCElement } from "./elements/pc.ts";
import { PVSystem } from "./elements/pvsystem.ts";
import { Reactor } from "./elements/reactor.ts";
import { RegControl } from "./elements/regcontrol.ts";
import { Storage } from "./elements/storage.ts";
import { Transformer } from "./elements/transformer.ts";
import { Vsource } from "./elements/vsource.ts";
import { XfmrCode } from "./elements/xfmrcode.ts";
import { DssError, type ScriptLocation } from "./errors.ts";
import { LexError, type Param, stripComment, tokenize, type ValueToken } from "./lexer.ts";
import type { EarthModel } from "./lineconstants.ts";
import { type ControlMode, Solution, type SolveMode } from "./solution.ts";
import { toBool, toInt, toNumber, toNumberArray, toSeconds, ValueError } from "./values.ts";

/** Why a file could not be read, in a few words (the reader's own detail when it is an InputError). */
function readCause(e: unknown): string {
  if (e instanceof InputError) return e.detail;
  const code = (e as NodeJS.ErrnoException)?.code;
  return code ?? "unreadable";
}

/** How the engine reads script and data files (a virtual file system may be supplied). */
export interface DssEngineOptions {
  /** Read a file (absolute path) as text; throw if missing. Default: node:fs. */
  readFile?: (path: string) => string;
  /** Directory relative paths start from. Default: process.cwd(). */
  cwd?: string;
  /** Read a file (absolute path) as bytes, for binary data files (sngfile, dblfile). Default: node:fs. */
  readBytes?: (path: string) => Uint8Array;
}

interface ClassInfo {
  name: string;
  /** Circuit element, general object (LoadShape, LineCode), or a class accepted and ignored. */
  kind: "element" | "general" | "ignored";
  create: (name: string, baseFrequency: number) => DssObject;
}

const CLASSES: ClassInfo[] = [
  { name: "Vsource", kind: "element", create: (n, f) => new Vsource(n, f) },
  { name: "Line", kind: "element", create: (n, f) => new Line(n, f) },
  { name: "Load", kind: "element", create: (n, f) => new Load(n, f) },
  { name: "Capacitor", kind: "element", create: (n, f) => new Capacitor(n, f) },
  { name: "Generator", kind: "element", create: (n, f) => new Generator(n, f) },
  { name: "PVSystem", kind: "element", create: (n, f) => new PVSystem(n, f) },
  { name: "Storage", kind: "element", create: (n, f) => new Storage(n, f) },
  { name: "Transformer", kind: "element", create: (n, f) => new Transformer(n, f) },
  { name: "RegControl", kind: "element", create: (n, f) => new RegControl(n, f) },
  { name: "Reactor", kind: "element", create: (n, f) => new Reactor(n, f) },
  { name: "CapControl", kind: "element", create: (n, f) => new CapControl(n, f) },
  { name: "EnergyMeter", kind: "element", create: (n, f) => new EnergyMeter(n, f) },
  { name: "Fault", kind: "element", create: (n, f) => new Fault(n, f) },
  { name: "LineCode", kind: "general", create: (n, f) => new LineCode(n, f) },
  { name: "LoadShape", kind: "general", create: (n) => new LoadShape(n) },
  { name: "XfmrCode", kind: "general", create: (n, f) => new XfmrCode(n, f) },
  { name: "WireData", kind: "general", create: (n) => new ConductorData(n, "wire") },
  { name: "CNData", kind: "general", create: (n) => new ConductorData(n, "cn") },
  { name: "TSData", kind: "general", create: (n) => new ConductorData(n, "ts") },
  { name: "LineSpacing", kind: "general", create: (n) => new LineSpacing(n) },
  { name: "LineGeometry", kind: "general", create: (n) => new LineGeometry(n) },
];

for (const cls of IGNORED_CLASSES) {
  CLASSES.push({ name: cls, kind: "ignored", create: (n) => new IgnoredObject(cls, n) });
}

const CLASS_BY_NAME = new Map(CLASSES.map((c) => [c.name.toLowerCase(), c]));

/** OpenDSS classes this engine does not model (a clear error instead of "unknown class"). */
const UNSUPPORTED_CLASSES = [
  "invcontrol",
  "expcontrol",
  "storagecontroller",
  "isource",
  "swtcontrol",
  "autotrans",
  "upfc",
  "vccs",
  "windgen",
  "gicline",
  "gictransformer",
  "gicsource",
  "indmach012",
  "vsconverter",
  "esvplcontrol",
  "genctrl",
  "gendispatcher",
  "upfccontrol",
  "dynamicexp",
];

/**
 * Names in OpenDSS order from `spec`, where a trailing `*` marks the report-only ones: the names
 * (marks removed, order kept) and the set of report-only names.
 */
function namesAndReportOnly(spec: readonly string[]): { names: string[]; reportOnly: Set<string> } {
  const names = spec.map((n) => (n.endsWith("*") ? n.slice(0, -1) : n));
  return { names, reportOnly: new Set(names.filter((_n, i) => spec[i]!.endsWith("*"))) };
}

/**
 * Command names in OpenDSS order (abbreviations resolve to the first match); `*` marks commands
 * that only produce reports, plots or files (they change no circuit state).
 */
const { names: COMMANDS, reportOnly: REPORT_COMMANDS } = namesAndReportOnly([
  "new",
  "edit",
  "more",
  "m",
  "~",
  "select",
  "save",
  "show*",
  "solve",
  "enable",
  "disable",
  "plot*",
  "reset*",
  "compile",
  "set",
  "dump*",
  "open",
  "close",
  "redirect",
  "help*",
  "quit",
  "next",
  "panel*",
  "sample*",
  "clear",
  "about*",
  "calcvoltagebases",
  "setkvbase",
  "buildy",
  "get",
  "init",
  "export*",
  "fileedit*",
  "voltages*",
  "currents*",
  "powers*",
  "seqvoltages*",
  "losses*",
  "phaselosses*",
  "cktlosses*",
  "allocateloads",
  "formedit*",
  "totals*",
  "capacity*",
  "classes*",
  "userclasses*",
  "zsc",
  "zsc10",
  "zscrefresh",
  "ysc",
  "puvoltages*",
  "varvalues*",
  "varnames*",
  "buscoords",
  "makebuslist",
  "makeposseq",
  "reduce",
  "interpolate",
  "alignfile",
  "top",
  "rotate",
  "vdiff*",
  "summary*",
  "distribute",
  "di_plot*",
  "comparecases",
  "yearlycurves*",
  "cd",
  "visualize*",
  "closedi*",
  "doscmd",
  "estimate",
  "reconductor",
  "latlongcoords*",
  "batchedit",
  "nodelist*",
]);

/**
 * `Set` options (OpenDSS names) in the order abbreviations resolve in; `*` marks options that only
 * affect reports, plots or meters (accepted, no effect on the solution).
 */
const { names: OPTIONS, reportOnly: REPORT_OPTIONS } = namesAndReportOnly([
  "type*",
  "element*",
  "hour",
  "sec",
  "year",
  "frequency",
  "stepsize",
  "mode",
  "random",
  "number",
  "time",
  "class*",
  "object*",
  "circuit*",
  "editor*",
  "tolerance",
  "maxiterations",
  "h",
  "loadmodel",
  "loadmult",
  "normvminpu*",
  "normvmaxpu*",
  "emergvminpu*",
  "emergvmaxpu*",
  "%mean*",
  "%stddev*",
  "ldcurve",
  "%growth",
  "genkw",
  "genpf",
  "capkvar",
  "addtype",
  "allowduplicates",
  "zonelock*",
  "ueweight*",
  "lossweight*",
  "ueregs*",
  "lossregs*",
  "voltagebases",
  "algorithm",
  "trapezoidal",
  "autobuslist*",
  "controlmode",
  "tracecontrol*",
  "genmult",
  "defaultdaily",
  "defaultyearly",
  "allocationfactors",
  "cktmodel",
  "pricesignal",
  "pricecurve",
  "terminal*",
  "basefrequency",
  "harmonics",
  "maxcontroliter",
  "bus*",
  "datapath*",
  "keeplist*",
  "reduceoption",
  "demandinterval*",
  "%normal*",
  "diverbose*",
  "casename*",
  "markercode*",
  "nodewidth*",
  "log*",
  "recorder*",
  "overloadreport*",
  "voltexceptionreport*",
  "cfactors",
  "showexport*",
  "numallociterations",
  "defaultbasefrequency",
  "markswitches*",
  "switchmarkercode*",
  "daisysize*",
  "marktransformers*",
  "transmarkercode*",
  "transmarkersize*",
  "loadshapeclass",
  "earthmodel",
  "querylog*",
  "markcapacitors*",
  "markregulators*",
  "markpvsystems*",
  "markstorage*",
  "capmarkercode*",
  "regmarkercode*",
  "pvmarkercode*",
  "storemarkercode*",
  "capmarkersize*",
  "regmarkersize*",
  "pvmarkersize*",
  "storemarkersize*",
  "neglectloady*",
  "markfuses*",
  "fusemarkercode*",
  "fusemarkersize*",
  "markreclosers*",
  "reclosermarkercode*",
  "reclosermarkersize*",
  "registryupdate*",
  "markrelays*",
  "relaymarkercode*",
  "relaymarkersize*",
  "processtime*",
  "totaltime*",
  "steptime*",
  "sampleenergymeters*",
  "miniterations",
  "dssvisualizationtool*",
  "keepload*",
  "zmag*",
  "seasonrating*",
  "seasonsignal*",
  "linetypes*",
  "eventlogdefault*",
  "longlinecorrection",
  "showreports*",
]);

/**
 * Options that are one number field of the solution: Set stores it (an integer where `int`);
 * Get prints it, or `getDefault` before a circuit exists (options without one are not gettable).
 */
const SOLUTION_NUMBER_OPTIONS = new Map<
  string,
  {
    field:
      | "intHour"
      | "t"
      | "number"
      | "tolerance"
      | "maxIterations"
      | "minIterations"
      | "maxControlIterations"
      | "genMult";
    int: boolean;
    getDefault?: number;
  }
>([
  ["hour", { field: "intHour", int: true, getDefault: 0 }],
  ["sec", { field: "t", int: false, getDefault: 0 }],
  ["number", { field: "number", int: true, getDefault: 1 }],
  ["tolerance", { field: "tolerance", int: false, getDefault: 1e-4 }],
  ["maxiterations", { field: "maxIterations", int: true, getDefault: 15 }],
  ["miniterations", { field: "minIterations", int: true }],
  ["maxcontroliter", { field: "maxControlIterations", int: true }],
  ["genmult", { field: "genMult", int: false }],
]);

/** OpenDSS's solution-mode names in the order abbreviations resolve (exact name first). */
const SOLVE_MODE_NAMES: [string, SolveMode | null][] = [
  ["snap", "snapshot"],
  ["daily", "daily"],
  ["yearly", null],
  ["m1", null],
  ["ld1", null],
  ["peakday", null],
  ["dutycycle", null],
  ["direct", "direct"],
  ["mf", null],
  ["faultstudy", null],
  ["m2", null],
  ["m3", null],
  ["ld2", null],
  ["autoadd", null],
  ["dynamic", null],
  ["harmonic", null],
  ["time", null],
  ["harmonict", null],
  ["snapshot", "snapshot"],
  ["dynamics", null],
  ["harmonics", null],
];

/** A solution mode from its OpenDSS name or abbreviation (at least 2 letters, first match). */
export function parseSolveMode(text: string): SolveMode {
  const t = text.trim().toLowerCase();
  const hit =
    SOLVE_MODE_NAMES.find(([n]) => n === t) ??
    (t.length >= 2 ? SOLVE_MODE_NAMES.find(([n]) => n.startsWith(t)) : undefined) ??
    (t === "s" ? SOLVE_MODE_NAMES[0] : undefined);
  if (!hit) throw new ValueError(`'${text}' is not a solution mode`);
  if (hit[1] === null) throw new ValueError(`mode '${hit[0]}' is not supported (Snap, Daily and Direct are)`);
  return hit[1];
}

function findIn(list: readonly string[], word: string): string | undefined {
  const w = word.toLowerCase();
  if (list.includes(w)) return w;
  return list.find((c) => c.startsWith(w));
}

/** The engine: one active circuit plus the general objects (LoadShape, LineCode). */
export class DssEngine {
  circuit: Circuit | null = null;
  solution: Solution | null = null;
  /** General objects by lower-case class then name. */
  readonly objects = new Map<string, Map<string, DssObject>>();
  /** Bus coordinates read by `BusCoords` (lower-case bus name → [x, y]); no effect on the solution. */
  readonly busCoords = new Map<string, [number, number]>();
  /** Notes about accepted commands that had no effect (reports, plots). */
  readonly warnings: string[] = [];
  defaultBaseFrequency = 60;
  /** Earth model given to lines created from now on (Set EarthModel; Deri after Clear). */
  defaultEarthModel: EarthModel = "deri";
  /** OpenDSS's ActiveEarthModel: not reset by Clear (see YPrimContext.earth). */
  private readonly earthState: { active: EarthModel } = { active: "deri" };
  cwd: string;
  private readonly readFileImpl: (path: string) => string;
  private readonly readBytesImpl: (path: string) => Uint8Array;
  private lastEdited: DssObject | null = null;
  /** Location of the command being executed. */
  private loc: ScriptLocation = { file: "<text>", line: 1 };
  /** Nesting depth of Redirect/Compile (guards against self-inclusion loops). */
  private depth = 0;

  constructor(options: DssEngineOptions = {}) {
    this.readFileImpl = options.readFile ?? ((p) => readInputFile(p, "OpenDSS"));
    this.readBytesImpl = options.readBytes ?? ((p) => new Uint8Array(readInputBytes(p, "OpenDSS data")));
    this.cwd = options.cwd ?? process.cwd();
  }

  /**
   * Execute OpenDSS command text (one or more lines). `where` names the source in messages
   * (default "<text>"). Returns the result text of the last command that produces one (Get).
   */
  text(commands: string, where = "<text>"): string {
    let result = "";
    // a command (block) from outside starts with no aborted solution (OpenDSS Text.Command)
    if (this.depth === 0) this.solutionAbort = false;
    this.runLines(commands.split(/\r?\n/), where, (r) => {
      result = r;
    });
    return result;
  }

  /**
   * Run script text whose first line is line `firstLine` of `file` (for messages), each line as
   * its own command from outside (as a caller that sends a commands file line by line: a solve
   * aborted at MaxControlIter does not skip the next line).
   */
  runText(text: string, file: string, firstLine = 1): void {
    text.split(/\r?\n/).forEach((line, k) => {
      if (this.depth === 0) this.solutionAbort = false;
      this.runLines([line], file, undefined, firstLine + k);
    });
  }

  /**
   * OpenDSS SolutionAbort: set when a solve ends at MaxControlIter with control actions pending.
   * Until the next command from outside, the rest of the script being read is skipped (every
   * enclosing Redirect/Compile), a daily run stops at that step, and a further Solve does nothing.
   */
  solutionAbort = false;

  /** Compile a deck: run the file and make its directory the current directory. */
  compile(path: string): void {
    this.text(`Compile "${path}"`, "<compile>");
  }

  private runLines(lines: string[], file: string, onResult?: (r: string) => void, firstLine = 1): void {
    let inBlock = false;
    for (let i = 0; i < lines.length; i++) {
      if (this.solutionAbort) {
        const rest = lines.slice(i).filter((l) => stripComment(l).trim() !== "").length;
        if (rest > 0)
          this.warnings.push(
            `${file}:${i + firstLine}: solution aborted (MaxControlIter exceeded): the remaining ${rest} command line(s) of this file are skipped, as OpenDSS does`,
          );
        return;
      }
      let line = lines[i]!;
      const trimmed = line.trim();
      if (inBlock) {
        if (trimmed.includes("*/")) inBlock = false;
        continue;
      }
      if (trimmed.startsWith("/*")) {
        if (!trimmed.includes("*/")) inBlock = true;
        continue;
      }
      line = stripComment(line).trim();
      if (line === "") continue;
      this.loc = { file, line: i + firstLine };
      const r = this.executeLine(line);
      if (r !== undefined) onResult?.(r);
    }
  }

  private error(
    kind: ConstructorParameters<typeof DssError>[0],
    msg: string,
    element?: string,
    field?: string,
  ): DssError {
    return new DssError(kind, msg, { loc: this.loc, element, field });
  }

  private executeLine(line: string): string | undefined {
    let params: Param[];
    try {
      params = tokenize(line);
    } catch (e) {
      if (e instanceof LexError) throw this.error("syntax", e.message);
      throw e;
    }
    if (params.length === 0) return undefined;
    const first = params[0]!;
    if (first.name !== null) {
      // Class.Name.Property=value
      const parts = first.name.split(".");
      if (parts.length < 3)
        throw this.error("unknown-command", `unknown command ${showToken(first.name)} (value not shown)`);
      const prop = parts.pop()!;
      const cls = parts.shift()!;
      const obj = this.findForEdit(`${cls}.${parts.join(".")}`);
      this.applyParams(obj, [{ name: prop, value: first.value }, ...params.slice(1)]);
      return undefined;
    }
    const verbText = first.value.text;
    const verb = findIn(COMMANDS, verbText);
    if (verb === undefined) throw this.error("unknown-command", `unknown command ${showToken(verbText)}`);
    const rest = params.slice(1);
    switch (verb) {
      case "new":
        this.cmdNew(rest);
        return undefined;
      case "edit":
        this.cmdEdit(rest);
        return undefined;
      case "more":
      case "m":
      case "~":
        if (!this.lastEdited) throw this.error("missing-element", "'More' (~) with no element being edited");
        this.applyParams(this.lastEdited, rest);
        return undefined;
      case "clear":
        this.clear();
        return undefined;
      case "redirect":
      case "compile":
        this.cmdRedirect(rest, verb === "compile");
        return undefined;
      case "set":
        this.cmdSet(rest);
        return undefined;
      case "solve":
        if (rest.length > 0) this.cmdSet(rest);
        this.cmdSolve();
        return undefined;
      case "calcvoltagebases":
        this.cmdCalcVoltageBases();
        return undefined;
      case "setkvbase":
        this.cmdSetKvBase(rest);
        return undefined;
      case "enable":
      case "disable": {
        const spec = rest[0]?.value.text;
        if (!spec) throw this.error("syntax", `${verb} needs Class.Name`);
        const el = this.findForEdit(spec);
        this.applyParams(el, [
          { name: "enabled", value: { text: verb === "enable" ? "yes" : "no", bracket: "" } },
        ]);
        return undefined;
      }
      case "open":
      case "close":
        this.cmdOpenClose(rest, verb === "close");
        return undefined;
      case "get":
        return this.cmdGet(rest);
      case "batchedit":
        this.cmdBatchEdit(rest);
        return undefined;
      case "buildy": {
        const sol = this.requireSolution();
        this.guard(() => sol.buildYMatrix(false, true));
        return undefined;
      }
      case "cd": {
        const dir = rest[0]?.value.text;
        if (dir) this.cwd = resolve(this.cwd, dir);
        return undefined;
      }
      case "buscoords": {
        // Coordinates do not affect a power flow; they are kept for maps (bus name → x, y).
        this.readBusCoords(rest);
        return undefined;
      }
      default:
        if (REPORT_COMMANDS.has(verb)) {
          this.warnings.push(
            `${this.loc.file}:${this.loc.line}: '${verbText}' produces OpenDSS reports only; ignored`,
          );
          return undefined;
        }
        throw this.error("unsupported", `command '${verbText}' is not supported by this engine`);
    }
  }

  /**
   * `BusCoords file`: lines "bus, x, y" (commas or blanks; `!`/`//` comments) into `busCoords`. A line that is not
   * "name number number" is skipped with a warning naming it by position (its text is not echoed).
   */
  private readBusCoords(params: Param[]): void {
    const name = params[0]?.value.text;
    if (!name) throw this.error("syntax", "BusCoords needs a file name");
    const abs = isAbsolute(name) ? name : resolve(this.cwd, name);
    let text: string;
    try {
      text = this.readFileImpl(abs);
    } catch (e) {
      // Coordinates never change a solution: an unreadable file is a warning, not a failed compile.
      this.warnings.push(
        `${this.loc.file}:${this.loc.line}: BusCoords file '${name}' not read (${readCause(e)}); no coordinates`,
      );
      return;
    }
    let skipped = 0;
    text.split(/\r?\n/).forEach((raw) => {
      const line = raw.replace(/(!|\/\/).*$/, "").trim();
      if (line === "") return;
      const f = line.split(/[\s,]+/);
      const x = Number(f[1]);
      const y = Number(f[2]);
      if (f.length < 3 || !Number.isFinite(x) || !Number.isFinite(y)) {
        skipped++;
        return;
      }
      this.busCoords.set(f[0]!.toLowerCase(), [x, y]);
    });
    if (skipped > 0) this.warnings.push(`${abs}: ${skipped} line(s) are not 'bus, x, y' and were skipped`);
  }

  /** Remove the circuit and all objects. */
  clear(): void {
    this.busCoords.clear();
    this.defaultEarthModel = "deri";
    this.circuit = null;
    this.solution = null;
    this.objects.clear();
    this.lastEdited = null;
    this.ignored.clear();
  }

  private cachedContext: PropContext | null = null;

  /** The context handed to property setters (one object; `loc` follows the running command). */
  private propContext(): PropContext {
    if (this.cachedContext) return this.cachedContext;
    const engine = this;
    this.cachedContext = {
      get loc() {
        return engine.loc;
      },
      findObject: (cls, name) => this.objects.get(cls.toLowerCase())?.get(name.toLowerCase()),
      findElement: (cls, name) => this.circuit?.find(cls, name),
      get defaultBaseFrequency() {
        return engine.defaultBaseFrequency;
      },
      busesChanged: () => {
        if (this.circuit) {
          this.circuit.busesChanged = true;
          this.circuit.systemYChanged = true;
        }
      },
      readDataFile: (path) => {
        const abs = isAbsolute(path) ? path : resolve(this.cwd, path);
        try {
          return this.readFileImpl(abs);
        } catch (e) {
          throw new ValueError(`cannot read data file '${path}' (${abs}): ${readCause(e)}`);
        }
      },
      readDataBytes: (path) => {
        const abs = isAbsolute(path) ? path : resolve(this.cwd, path);
        try {
          return this.readBytesImpl(abs);
        } catch {
          throw new ValueError(`cannot read data file '${path}' (${abs})`);
        }
      },
      warn: (message) => {
        this.warnings.push(`${this.loc.file}:${this.loc.line}: ${message}`);
      },
    };
    return this.cachedContext;
  }

  private splitSpec(spec: string): [string, string] {
    const dot = spec.indexOf(".");
    if (dot <= 0 || dot === spec.length - 1) {
      throw this.error("syntax", `expected Class.Name, got '${spec}'`);
    }
    return [spec.slice(0, dot), spec.slice(dot + 1)];
  }

  private classInfo(clsName: string, element?: string): ClassInfo {
    const t = clsName.toLowerCase();
    const exact = CLASS_BY_NAME.get(t);
    if (exact) return exact;
    if (UNSUPPORTED_CLASSES.includes(t))
      throw this.error("unsupported", `class '${clsName}' is not supported by this engine`, element);
    throw this.error("unknown-class", `unknown class '${clsName}'`, element);
  }

  private cmdNew(params: Param[]): void {
    const p0 = params[0];
    if (!p0 || (p0.name !== null && !/^(object|element)$/i.test(p0.name))) {
      throw this.error("syntax", "New needs Class.Name");
    }
    const [cls, name] = this.splitSpec(p0.value.text);
    const rest = params.slice(1);
    if (cls.toLowerCase() === "circuit") {
      this.clearCircuitOnly();
      const circuit = new Circuit(name);
      this.circuit = circuit;
      this.solution = new Solution(circuit, this.defaultBaseFrequency, this.earthState);
      const src = new Vsource("source", this.defaultBaseFrequency);
      src.definedAt = { ...this.loc };
      circuit.add(src);
      this.lastEdited = src;
      this.applyParams(src, rest);
      return;
    }
    const info = this.classInfo(cls, `${cls}.${name}`);
    if (info.kind === "element") {
      const c = this.requireCircuit();
      const existing = c.find(info.name, name);
      if (existing) {
        this.warnings.push(`${this.loc.file}:${this.loc.line}: ${existing.fullName} redefined (edited)`);
        this.lastEdited = existing;
        this.applyParams(existing, rest);
        return;
      }
      const el = info.create(name, this.defaultBaseFrequency) as CktElement;
      el.definedAt = { ...this.loc };
      if (el instanceof Line) el.earthModel = this.defaultEarthModel;
      c.add(el);
      this.lastEdited = el;
      this.applyParams(el, rest);
    } else {
      if (info.kind === "ignored") this.noteIgnored(info.name, name);
      const key = info.name.toLowerCase();
      let m = this.objects.get(key);
      if (!m) {
        m = new Map();
        this.objects.set(key, m);
      }
      let obj = m.get(name.toLowerCase());
      if (obj) this.warnings.push(`${this.loc.file}:${this.loc.line}: ${obj.fullName} redefined (edited)`);
      else {
        obj = info.create(name, this.defaultBaseFrequency);
        obj.definedAt = { ...this.loc };
        m.set(obj.name, obj);
      }
      this.lastEdited = obj;
      this.applyParams(obj, rest);
    }
  }

  private clearCircuitOnly(): void {
    this.circuit = null;
    this.solution = null;
  }

  private requireCircuit(): Circuit {
    if (!this.circuit) throw this.error("no-circuit", "no circuit defined (use New Circuit.name first)");
    return this.circuit;
  }

  private requireSolution(): Solution {
    this.requireCircuit();
    return this.solution!;
  }

  private findForEdit(spec: string): DssObject {
    const [cls, name] = this.splitSpec(spec);
    if (cls.toLowerCase() === "circuit") {
      const c = this.requireCircuit();
      return c.find("vsource", "source")!;
    }
    const info = this.classInfo(cls);
    const obj =
      info.kind === "element"
        ? this.requireCircuit().find(info.name, name)
        : this.objects.get(info.name.toLowerCase())?.get(name.toLowerCase());
    if (!obj) {
      throw this.error(
        "missing-element",
        `${info.name}.${name} is not defined (Edit of a missing element)`,
        `${info.name}.${name}`,
      );
    }
    return obj;
  }

  /**
   * BatchEdit Class.pattern prop=value …: edit every object of the class whose name matches the
   * regular expression (case-insensitive, anywhere in the name, as OpenDSS's TRegExpr.Exec).
   */
  private cmdBatchEdit(params: Param[]): void {
    const p0 = params[0];
    if (!p0 || p0.name !== null) throw this.error("syntax", "BatchEdit needs Class.pattern");
    const spec = p0.value.text;
    const dot = spec.indexOf(".");
    if (dot <= 0) throw this.error("syntax", `BatchEdit: expected Class.pattern, got '${spec}'`);
    const cls = spec.slice(0, dot);
    if (cls.toLowerCase() === "circuit") return;
    const info = this.classInfo(cls);
    let re: RegExp;
    try {
      re = new RegExp(spec.slice(dot + 1), "i");
    } catch (e) {
      throw this.error(
        "bad-value",
        `BatchEdit: bad pattern '${spec.slice(dot + 1)}' (${(e as Error).message})`,
      );
    }
    const objs: DssObject[] =
      info.kind === "element"
        ? this.requireCircuit().ofClass(info.name)
        : [...(this.objects.get(info.name.toLowerCase())?.values() ?? [])];
    const rest = params.slice(1);
    for (const obj of objs) {
      if (!re.test(obj.name)) continue;
      this.lastEdited = obj;
      this.applyParams(obj, rest);
    }
  }

  /** Objects of ignored classes by class name (for the run's warnings). */
  readonly ignored = new Map<string, Set<string>>();

  private noteIgnored(cls: string, name: string): void {
    let set = this.ignored.get(cls);
    if (!set) {
      set = new Set();
      this.ignored.set(cls, set);
    }
    set.add(name.toLowerCase());
  }

  /**
   * One line per ignored class, e.g. "ignored (no effect on a power flow): 8 Monitor (subvi, …)",
   * or an empty list.
   */
  ignoredSummary(): string[] {
    return [...this.ignored].map(([cls, names]) => {
      const list = [...names];
      const shown = list.slice(0, 5).join(", ") + (list.length > 5 ? ", …" : "");
      return `ignored (no effect on a power flow): ${list.length} ${cls} (${shown})`;
    });
  }

  private cmdEdit(params: Param[]): void {
    const p0 = params[0];
    if (!p0 || (p0.name !== null && !/^(object|element)$/i.test(p0.name))) {
      throw this.error("syntax", "Edit needs Class.Name");
    }
    const obj = this.findForEdit(p0.value.text);
    this.lastEdited = obj;
    this.applyParams(obj, params.slice(1));
  }

  /** Set properties of an object from command parameters, then finish the edit. */
  applyParams(obj: DssObject, params: Param[]): void {
    if (obj instanceof IgnoredObject) {
      for (const p of params) {
        if (p.name !== null && p.name.length >= 2 && "like".startsWith(p.name.toLowerCase())) {
          const other = this.objects.get(obj.className.toLowerCase())?.get(p.value.text.toLowerCase());
          if (other instanceof IgnoredObject) obj.params.push(...other.params);
        } else obj.params.push(p);
      }
      return;
    }
    const cx = this.propContext();
    for (const p of params) {
      let idx: number;
      if (p.name === null) {
        idx = obj.lastPropIndex + 1;
        if (idx >= obj.propDefs.length) {
          throw this.error(
            "unknown-property",
            `${obj.fullName}: too many positional values ('${p.value.text}')`,
            obj.fullName,
          );
        }
      } else {
        idx = obj.findProp(p.name);
        if (idx < 0) {
          if ("like".startsWith(p.name.toLowerCase()) && p.name.length >= 2) {
            this.applyLike(obj, p.value.text);
            continue;
          }
          throw this.error(
            "unknown-property",
            `${obj.fullName} has no property '${p.name}'`,
            obj.fullName,
            p.name,
          );
        }
      }
      obj.setProp(idx, p.value, cx);
    }
    try {
      obj.endEdit(cx);
      if (obj instanceof Load) checkLoad(obj);
    } catch (e) {
      if (e instanceof ValueError) throw this.error(e.kind, e.message, obj.fullName);
      throw e;
    }
  }

  private applyLike(obj: DssObject, otherName: string): void {
    const general = CLASS_BY_NAME.get(obj.className.toLowerCase())?.kind === "general";
    const other = general
      ? this.objects.get(obj.className.toLowerCase())?.get(otherName.toLowerCase())
      : this.circuit?.find(obj.className, otherName);
    if (!other)
      throw this.error(
        "missing-element",
        `like=${otherName}: ${obj.className}.${otherName} is not defined`,
        obj.fullName,
        "like",
      );
    const cx = this.propContext();
    if (typeof (obj as { makeLike?: unknown }).makeLike === "function") {
      // classes whose history cannot be replayed faithfully (winding-scoped properties) copy state
      (obj as unknown as { makeLike(o: DssObject): void }).makeLike(other);
      cx.busesChanged();
      return;
    }
    for (const a of other.history) {
      const name = other.propDefs[a.index]!.name.toLowerCase();
      // the buses are not copied, and a copy of a circuit element is enabled (OpenDSS MakeLike)
      if (name === "bus1" || name === "bus2" || name === "enabled") continue;
      obj.setProp(a.index, a.value, cx);
    }
    // OpenDSS MakeLike copies the other's derived state (a load's power factor from kW and kvar,
    // …), which properties given after like= then build on: derive it now, as the other did
    if (obj instanceof PCElement) {
      try {
        obj.endEdit(cx);
      } catch (e) {
        if (e instanceof ValueError) throw this.error(e.kind, e.message, obj.fullName);
        throw e;
      }
    }
  }

  private cmdRedirect(params: Param[], isCompile: boolean): void {
    const name = params[0]?.value.text;
    if (!name) throw this.error("syntax", `${isCompile ? "Compile" : "Redirect"} needs a file name`);
    const abs = isAbsolute(name) ? name : resolve(this.cwd, name);
    let text: string;
    try {
      text = this.readFileImpl(abs);
    } catch (e) {
      throw this.error("missing-file", `cannot read file '${name}' (${abs}): ${readCause(e)}`);
    }
    if (this.depth > 50)
      throw this.error("syntax", "Redirect/Compile nested too deeply (a file includes itself?)");
    const savedCwd = this.cwd;
    const savedLoc = this.loc;
    this.cwd = dirname(abs);
    this.depth++;
    try {
      this.runLines(text.split(/\r?\n/), abs);
    } finally {
      this.depth--;
      this.loc = savedLoc;
      if (!isCompile) this.cwd = savedCwd;
    }
  }

  private cmdSet(params: Param[]): void {
    let pending: string | null = null;
    for (const p of params) {
      let name: string;
      if (p.name === null) {
        if (pending === null)
          throw this.error("syntax", `Set: value '${p.value.text}' without an option name`);
        name = pending;
      } else name = p.name;
      const opt = findIn(OPTIONS, name);
      if (opt === undefined) throw this.error("unknown-option", `unknown option '${name}'`, undefined, name);
      pending = null;
      try {
        this.setOption(opt, p.value);
      } catch (e) {
        if (e instanceof ValueError)
          throw this.error(e.kind, `Set ${name}=${p.value.text}: ${e.message}`, undefined, name);
        throw e;
      }
    }
  }

  private setOption(opt: string, v: ValueToken): void {
    const sol = (): Solution => this.requireSolution();
    const num = SOLUTION_NUMBER_OPTIONS.get(opt);
    if (num) {
      sol()[num.field] = num.int ? toInt(v) : toNumber(v);
      return;
    }
    switch (opt) {
      case "time": {
        const a = toNumberArray(v);
        if (a.length !== 2) throw new ValueError("time needs [hour sec]");
        sol().intHour = a[0]!;
        sol().t = a[1]!;
        return;
      }
      case "year":
        if (toInt(v) !== 0) throw new ValueError("only year=0 is supported (no growth shapes)");
        return;
      case "frequency": {
        const f = toNumber(v);
        if (f !== this.defaultBaseFrequency)
          throw new ValueError("solution frequency must equal the base frequency");
        return;
      }
      case "stepsize":
      case "h":
        sol().h = toSeconds(v);
        return;
      case "mode":
        sol().setMode(parseSolveMode(v.text));
        return;
      case "allocationfactors":
      case "cfactors": {
        const x = toNumber(v);
        if (!(x > 0)) throw new ValueError(`${opt} must be greater than zero`);
        // every load of the circuit, as OpenDSS DoSetAllocationFactors / DoSetCFactors
        const prop = opt === "allocationfactors" ? "allocationfactor" : "cfactor";
        for (const load of this.requireCircuit().ofClass("Load")) {
          this.applyParams(load, [{ name: prop, value: { text: v.text, bracket: v.bracket } }]);
        }
        return;
      }
      case "longlinecorrection":
        if (toBool(v))
          throw new ValueError("the long-line correction of positive-sequence lines is not supported");
        return;
      case "loadmult":
        sol().loadMult = toNumber(v);
        this.requireCircuit().systemYChanged = true;
        return;
      case "voltagebases": {
        const a = toNumberArray(v);
        this.requireCircuit().legalVoltageBases = a;
        return;
      }
      case "algorithm":
        if (!v.text.trim().toLowerCase().startsWith("n"))
          throw new ValueError("only algorithm=normal is supported");
        return;
      case "loadmodel": {
        const t = v.text.trim().toLowerCase();
        if (t.startsWith("p")) sol().loadModel = "powerflow";
        else if (t.startsWith("a")) sol().loadModel = "admittance";
        else throw new ValueError(`load model '${v.text}' is not PowerFlow or Admittance`);
        this.requireCircuit().systemYChanged = true;
        return;
      }
      case "controlmode": {
        const t = v.text.trim().toLowerCase();
        let m: ControlMode;
        if (t.startsWith("s")) m = "static";
        else if (t.startsWith("o")) m = "off";
        else throw new ValueError("only controlmode=static or off is supported (not event or time)");
        sol().controlMode = m;
        sol().defaultControlMode = m;
        return;
      }
      case "defaultbasefrequency":
      case "basefrequency":
        this.defaultBaseFrequency = toNumber(v);
        if (this.solution) this.solution.frequency = this.defaultBaseFrequency;
        return;
      case "trapezoidal":
        if (toBool(v)) throw new ValueError("trapezoidal integration is not supported");
        return;
      case "earthmodel":
        this.defaultEarthModel = toEarthModel(v);
        return;
      case "allowduplicates":
        if (toBool(v)) throw new ValueError("allowduplicates=yes is not supported");
        return;
      case "random":
        if (!v.text.trim().toLowerCase().startsWith("n"))
          throw new ValueError("random modes are not supported");
        return;
      default:
        if (REPORT_OPTIONS.has(opt)) return;
        throw new ValueError(`option '${opt}' is not supported by this engine`);
    }
  }

  /** Run `fn`, attaching the present command's location to engine errors that have none. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof DssError && e.location.file === undefined) {
        throw new DssError(e.kind, e.detail, {
          loc: this.loc,
          element: e.location.element,
          field: e.location.field,
        });
      }
      throw e;
    }
  }

  private cmdCalcVoltageBases(): void {
    const sol = this.requireSolution();
    if (sol.circuit.vsources.length === 0) throw this.error("no-circuit", "no enabled voltage source");
    this.guard(() => sol.setVoltageBases());
  }

  private cmdSetKvBase(params: Param[]): void {
    const c = this.requireCircuit();
    let bus: string | null = null;
    let kvln: number | null = null;
    for (const p of params) {
      const n = (p.name ?? "").toLowerCase();
      try {
        if (n === "bus" || (p.name === null && bus === null)) bus = p.value.text.toLowerCase();
        else if (n === "kvll" || p.name === null) kvln = toNumber(p.value) / Math.sqrt(3);
        else if (n === "kvln") kvln = toNumber(p.value);
        else throw this.error("unknown-option", `SetkVBase: unknown parameter '${p.name}'`);
      } catch (e) {
        if (e instanceof ValueError) throw this.error(e.kind, `SetkVBase: ${e.message}`);
        throw e;
      }
    }
    if (bus === null || kvln === null)
      throw this.error("syntax", "SetkVBase needs bus= and kVLL= (or kVLN=)");
    c.kvBaseByBus.set(bus, kvln);
    const b = c.getBus(bus);
    if (b) b.kvBase = kvln;
    if (this.solution) this.solution.voltageBaseChanged = true;
  }

  private cmdSolve(): void {
    const sol = this.requireSolution();
    if (this.solutionAbort) {
      this.warnings.push(
        `${this.loc.file}:${this.loc.line}: Solve skipped: the solution was aborted (MaxControlIter exceeded) earlier in this command`,
      );
      return;
    }
    const c = sol.circuit;
    if (c.vsources.length === 0) throw this.error("no-circuit", "no enabled voltage source");
    this.guard(() => {
      if (c.busesChanged) c.renumber();
    });
    for (const b of c.buses) {
      if (b.refs.length > 0 && !(b.kvBase > 0)) {
        const first = c.busFirstUse(b.name);
        throw this.error(
          "no-voltage-base",
          `bus '${b.name}' has no voltage base${first ? ` (first used at ${first})` : ""}: set VoltageBases and run CalcVoltageBases (or SetkVBase) before Solve`,
          undefined,
          b.name,
        );
      }
    }
    this.guard(() => sol.solve());
    if (sol.converged && sol.controlIterationsExceeded) {
      this.solutionAbort = true;
      this.warnings.push(
        `${this.loc.file}:${this.loc.line}: maximum control iterations (${sol.maxControlIterations}) exceeded; control actions still pending`,
      );
    }
    if (!sol.converged) {
      this.warnings.push(
        `${this.loc.file}:${this.loc.line}: solution did not converge in ${sol.maxIterations} iterations (max error ${sol.maxError})`,
      );
    }
  }

  /** `Open|Close Class.Name [term [cond]]`: open or close a conductor (cond 0 or none: every phase). */
  private cmdOpenClose(params: Param[], close: boolean): void {
    const verb = close ? "Close" : "Open";
    const spec = params[0]?.value.text;
    if (!spec) throw this.error("syntax", `${verb} needs Class.Name`);
    const obj = this.findForEdit(spec);
    if (!("setConductorClosed" in obj))
      throw this.error("syntax", `${verb}: ${obj.fullName} is not a circuit element`);
    const el = obj as CktElement;
    if (el.role === "PC" || el.role === "source")
      throw this.error(
        "unsupported",
        `${verb}: opening conductors of ${el.fullName} is not supported (only power-delivery elements)`,
        el.fullName,
      );
    const num = (i: number, what: string): number => {
      const p = params[i];
      if (!p || p.value.text.trim() === "") return 0;
      try {
        return toInt(p.value);
      } catch (e) {
        if (e instanceof ValueError)
          throw this.error(e.kind, `${verb}: ${what} '${p.value.text}': ${e.message}`);
        throw e;
      }
    };
    const term = num(1, "terminal");
    const cond = num(2, "conductor");
    if (!el.setConductorClosed(term === 0 ? 1 : term, cond, close))
      throw this.error(
        "bad-value",
        `${verb}: ${el.fullName} has no terminal ${term} conductor ${cond}`,
        el.fullName,
      );
  }

  private cmdGet(params: Param[]): string {
    const out: string[] = [];
    const sol = this.solution;
    for (const p of params) {
      const opt = findIn(OPTIONS, p.value.text);
      const num = opt === undefined ? undefined : SOLUTION_NUMBER_OPTIONS.get(opt);
      if (num?.getDefault !== undefined) {
        out.push(String(sol?.[num.field] ?? num.getDefault));
        continue;
      }
      switch (opt) {
        case "mode":
          out.push(sol?.mode === "daily" ? "Daily" : "Snap");
          break;
        case "stepsize":
        case "h":
          out.push(String(sol?.h ?? 0));
          break;
        case "voltagebases":
          out.push(`[${(this.circuit?.legalVoltageBases ?? []).join(", ")}]`);
          break;
        case "defaultbasefrequency":
        case "basefrequency":
          out.push(String(this.defaultBaseFrequency));
          break;
        default:
          throw this.error("unknown-option", `Get: option '${p.value.text}' not available`);
      }
    }
    return out.join(" ");
  }
}
