/**
 * Conductor and construction data for line constants: WireData (bare conductors), CNData
 * (concentric-neutral cables), TSData (tape-shielded cables), LineSpacing (conductor positions)
 * and LineGeometry (positions plus a conductor per position). A Line refers to a LineGeometry
 * (`geometry=`) or to a LineSpacing plus its conductors (`spacing=` with `wires=`, `cncables=`,
 * `tscables=`); its impedances then come from lineconstants.ts.
 *
 * Units follow OpenDSS: each length or resistance is stored as given with its unit and
 * converted when used (so `units=` may follow the values). GMR and radius default to each
 * other (GMR = 0.7788·radius), Rdc and Rac likewise (Rac = 1.02·Rdc), and the GMR and radius
 * units default to each other. In a LineGeometry the `units` of a conductor are sticky: a
 * conductor selected with `cond=` and no `units=` takes the last units given.
 */
import type { ValueToken } from "../lexer.ts";
import {
  type ConductorSpec,
  computeLineConstants,
  type EarthModel,
  type LineMatrices,
} from "../lineconstants.ts";
import {
  LENGTH_UNITS,
  type LengthUnit,
  toBool,
  toInt,
  toLengthUnit,
  toNumber,
  toNumberArray,
  toStringArray,
  ValueError,
} from "../values.ts";
import { DssObject, inert, type PropContext, type PropDef, prop } from "./base.ts";

const METERS: Record<LengthUnit, number> = {
  none: 1,
  mi: 1609.344,
  kft: 304.8,
  km: 1000,
  m: 1,
  ft: 0.3048,
  in: 0.0254,
  cm: 0.01,
  mm: 0.001,
};

/** Metres per unit (OpenDSS To_Meters; "none" and unset are 1). */
export function toMeters(u: LengthUnit | null): number {
  return u === null ? 1 : METERS[u];
}

/** The conductor classes a line-constants calculation distinguishes. */
export type ConductorKind = "wire" | "cn" | "ts";

/** WireData, CNData and TSData: one conductor type (OpenDSS ConductorData and CableData). */
export class ConductorData extends DssObject {
  readonly className: "WireData" | "CNData" | "TSData";
  readonly kind: ConductorKind;
  rdc = -1;
  rac = -1;
  rUnits: LengthUnit = "none";
  gmr = -1;
  gmrUnits: LengthUnit = "none";
  radius = -1;
  radUnits: LengthUnit = "none";
  capRadius = -1;
  normAmps = -1;
  emergAmps = -1;
  // cable data (CNData, TSData), in radius units
  epsR = 2.3;
  insLayer = -1;
  diaIns = -1;
  diaCable = -1;
  // concentric neutral
  kStrand = 2;
  diaStrand = -1;
  gmrStrand = -1;
  rStrand = -1;
  // tape shield
  diaShield = -1;
  tapeLayer = -1;
  tapeLap = 20;

  constructor(name: string, kind: ConductorKind) {
    super(name);
    this.kind = kind;
    this.className = kind === "wire" ? "WireData" : kind === "cn" ? "CNData" : "TSData";
  }

  get propDefs(): readonly PropDef<DssObject>[] {
    const defs = this.kind === "wire" ? WIRE_PROPS : this.kind === "cn" ? CN_PROPS : TS_PROPS;
    return defs as PropDef<DssObject>[];
  }

  /** The conductor in SI units at position (x, y) m, for the line-constants calculation. */
  spec(x: number, y: number): ConductorSpec {
    const what = this.fullName;
    if (!(this.radius > 0)) throw new ValueError(`${what}: radius (or diam or GMRac) is not set`);
    if (!(this.gmr > 0)) throw new ValueError(`${what}: GMRac (or radius) is not set`);
    if (!(this.rac >= 0) && !(this.rdc >= 0)) throw new ValueError(`${what}: Rac (or Rdc) is not set`);
    const rm = 1 / toMeters(this.rUnits);
    const radm = toMeters(this.radUnits);
    const gm = toMeters(this.gmrUnits);
    const c: ConductorSpec = {
      x,
      y,
      gmr: this.gmr * gm,
      radius: this.radius * radm,
      capRadius: this.capRadius * radm,
      rdc: this.rdc * rm,
      rac: this.rac * rm,
      cable: null,
    };
    if (this.kind !== "wire") {
      const need = (v: number, n: string): number => {
        if (!(v > 0)) throw new ValueError(`${what}: ${n} is not set (must be > 0)`);
        return v * radm;
      };
      c.cable = {
        kind: this.kind,
        epsR: this.epsR,
        insLayer: need(this.insLayer, "InsLayer"),
        diaIns: need(this.diaIns, "DiaIns"),
        diaCable: need(this.diaCable, "DiaCable"),
        kStrand: this.kStrand,
        diaStrand: this.kind === "cn" ? need(this.diaStrand, "DiaStrand") : 0,
        gmrStrand: this.kind === "cn" ? (this.gmrStrand > 0 ? this.gmrStrand * gm : 0) : 0,
        rStrand: this.kind === "cn" ? this.rStrand * rm : 0,
        diaShield: this.kind === "ts" ? need(this.diaShield, "DiaShield") : 0,
        tapeLayer: this.kind === "ts" ? need(this.tapeLayer, "TapeLayer") : 0,
        tapeLap: this.tapeLap,
      };
      if (this.kind === "cn" && !(this.rStrand > 0)) throw new ValueError(`${what}: Rstrand is not set`);
      if (this.kind === "cn" && !(this.gmrStrand > 0)) throw new ValueError(`${what}: GmrStrand is not set`);
    }
    return c;
  }
}

const positive = (v: ValueToken, what: string): number => {
  const x = toNumber(v);
  if (!(x > 0)) throw new ValueError(`${what} must be > 0`);
  return x;
};

/** Properties every conductor class has (OpenDSS ConductorData order). */
const CONDUCTOR_PROPS: PropDef<ConductorData>[] = [
  prop("Rdc", (o, v) => {
    o.rdc = toNumber(v);
    if (o.rac < 0) o.rac = 1.02 * o.rdc;
  }),
  prop("Rac", (o, v) => {
    o.rac = toNumber(v);
    if (o.rdc < 0) o.rdc = o.rac / 1.02;
  }),
  prop("Runits", (o, v) => {
    o.rUnits = toLengthUnit(v);
  }),
  prop("GMRac", (o, v) => {
    o.gmr = positive(v, "GMRac");
    if (o.radius < 0) o.radius = o.gmr / 0.7788;
  }),
  prop("GMRunits", (o, v) => {
    o.gmrUnits = toLengthUnit(v);
    if (o.radUnits === "none") o.radUnits = o.gmrUnits;
  }),
  prop("radius", (o, v) => {
    o.radius = positive(v, "radius");
    radiusSet(o);
  }),
  prop("radunits", (o, v) => {
    o.radUnits = toLengthUnit(v);
    if (o.gmrUnits === "none") o.gmrUnits = o.radUnits;
  }),
  prop("normamps", (o, v) => {
    o.normAmps = toNumber(v);
    if (o.emergAmps < 0) o.emergAmps = 1.5 * o.normAmps;
  }),
  prop("emergamps", (o, v) => {
    o.emergAmps = toNumber(v);
    if (o.normAmps < 0) o.normAmps = o.emergAmps / 1.5;
  }),
  prop("diam", (o, v) => {
    o.radius = positive(v, "diam") / 2;
    radiusSet(o);
  }),
  inert("Seasons", "int"),
  inert("Ratings"),
  prop("Capradius", (o, v) => {
    o.capRadius = positive(v, "Capradius");
  }),
];

function radiusSet(o: ConductorData): void {
  if (o.gmr < 0) o.gmr = 0.7788 * o.radius;
  if (o.capRadius < 0) o.capRadius = o.radius;
}

const CABLE_PROPS: PropDef<ConductorData>[] = [
  prop("EpsR", (o, v) => {
    o.epsR = toNumber(v);
    if (!(o.epsR >= 1)) throw new ValueError("insulation permittivity EpsR must be at least 1");
  }),
  prop("InsLayer", (o, v) => {
    o.insLayer = positive(v, "InsLayer");
  }),
  prop("DiaIns", (o, v) => {
    o.diaIns = positive(v, "DiaIns");
  }),
  prop("DiaCable", (o, v) => {
    o.diaCable = positive(v, "DiaCable");
  }),
];

const WIRE_PROPS: PropDef<ConductorData>[] = CONDUCTOR_PROPS;

const CN_PROPS: PropDef<ConductorData>[] = [
  prop("k", (o, v) => {
    o.kStrand = toInt(v);
    if (o.kStrand < 2) throw new ValueError("a concentric neutral needs at least 2 strands");
  }),
  prop("DiaStrand", (o, v) => {
    o.diaStrand = positive(v, "DiaStrand");
    if (o.gmrStrand <= 0) o.gmrStrand = 0.7788 * 0.5 * o.diaStrand;
  }),
  prop("GmrStrand", (o, v) => {
    o.gmrStrand = positive(v, "GmrStrand");
  }),
  prop("Rstrand", (o, v) => {
    o.rStrand = toNumber(v);
  }),
  ...CABLE_PROPS,
  ...CONDUCTOR_PROPS,
];

const TS_PROPS: PropDef<ConductorData>[] = [
  prop("DiaShield", (o, v) => {
    o.diaShield = positive(v, "DiaShield");
  }),
  prop("TapeLayer", (o, v) => {
    o.tapeLayer = positive(v, "TapeLayer");
  }),
  prop("TapeLap", (o, v) => {
    o.tapeLap = toNumber(v);
    if (o.tapeLap < 0 || o.tapeLap > 100) throw new ValueError("TapeLap must be between 0 and 100");
  }),
  ...CABLE_PROPS,
  ...CONDUCTOR_PROPS,
];

/** An array of exactly (or at most) `n` numbers. */
function numbersFor(v: ValueToken, n: number, what: string): number[] {
  const a = toNumberArray(v);
  if (a.length > n) throw new ValueError(`${what} has ${a.length} values; nconds is ${n}`);
  while (a.length < n) a.push(0);
  return a;
}

/** LineSpacing: positions of nconds conductors (x horizontal, h height), one unit for all. */
export class LineSpacing extends DssObject {
  readonly className = "LineSpacing";
  nConds = 3;
  nPhases = 3;
  x: number[] = [0, 0, 0];
  h: number[] = [0, 0, 0];
  units: LengthUnit = "ft";

  get propDefs(): readonly PropDef<DssObject>[] {
    return SPACING_PROPS as PropDef<DssObject>[];
  }

  override endEdit(_cx: PropContext): void {
    if (this.nPhases > this.nConds)
      throw new ValueError(`${this.fullName}: nphases (${this.nPhases}) exceeds nconds (${this.nConds})`);
  }
}

const SPACING_PROPS: PropDef<LineSpacing>[] = [
  prop("nconds", (o, v) => {
    const n = toInt(v);
    if (n < 1) throw new ValueError("nconds must be >= 1");
    o.nConds = n;
    o.x = new Array(n).fill(0);
    o.h = new Array(n).fill(0);
    o.units = "ft";
  }),
  prop("nphases", (o, v) => {
    o.nPhases = toInt(v);
    if (o.nPhases < 1) throw new ValueError("nphases must be >= 1");
  }),
  prop("x", (o, v) => {
    o.x = numbersFor(v, o.nConds, "x");
  }),
  prop("h", (o, v) => {
    o.h = numbersFor(v, o.nConds, "h");
  }),
  prop("units", (o, v) => {
    o.units = toLengthUnit(v);
  }),
];

/** The cable family a set of conductors is computed as (OpenDSS's line-constants type). */
function familyOf(conds: readonly (ConductorData | null)[]): "oh" | "cn" | "ts" {
  let k: "oh" | "cn" | "ts" = "oh";
  for (const c of conds) {
    if (c?.kind === "cn") k = "cn";
    if (c?.kind === "ts") k = "ts";
  }
  return k;
}

/**
 * Z and Yc per metre of conductors `wires` at positions (x, h) in `units`, with `nPhases`
 * phases, reduced to the phases when `reduce`.
 */
export function constantsOf(
  owner: string,
  wires: readonly (ConductorData | null)[],
  x: readonly number[],
  h: readonly number[],
  units: readonly (LengthUnit | null)[],
  nPhases: number,
  family: "oh" | "cn" | "ts",
  reduce: boolean,
  f: number,
  rho: number,
  model: EarthModel,
): LineMatrices {
  const specs: ConductorSpec[] = wires.map((w, i) => {
    if (!w) throw new ValueError(`${owner}: conductor ${i + 1} has no wire/cable data`);
    const m = toMeters(units[i] ?? null);
    return w.spec(x[i]! * m, h[i]! * m);
  });
  try {
    return computeLineConstants(specs, nPhases, family, f, rho, model, reduce);
  } catch (e) {
    throw new ValueError(`${owner}: ${(e as Error).message}`);
  }
}

/** LineGeometry: conductor positions and data of a line construction. */
export class LineGeometry extends DssObject {
  readonly className = "LineGeometry";
  nConds = 0;
  nPhases = 0;
  activeCond = 1;
  wires: (ConductorData | null)[] = [];
  x: number[] = [];
  h: number[] = [];
  /** Units per conductor (null: never set, taken as metres). */
  units: (LengthUnit | null)[] = [];
  lastUnit: LengthUnit = "ft";
  reduce = false;
  /** Earth resistivity (Ω·m); a line's `rho=` overwrites it, as in OpenDSS. */
  rho = 100;
  /** Family of the conductor at each position as last set (wire/cncable/tscable). */
  choice: ("oh" | "cn" | "ts")[] = [];
  /** Family of the whole calculation (the last cable type set). */
  family: "oh" | "cn" | "ts" = "oh";
  spacing: LineSpacing | null = null;
  /**
   * The last calculation, kept (as OpenDSS keeps its line-constants object) until the geometry
   * is edited or asked for at another frequency or earth resistivity. Like OpenDSS, the earth
   * model of the line that first asks is the one used for every line of this geometry.
   */
  private cache: { f: number; rho: number; m: LineMatrices } | null = null;

  get propDefs(): readonly PropDef<DssObject>[] {
    return GEOMETRY_PROPS as PropDef<DssObject>[];
  }

  /** Forget the cached calculation (any edit of the geometry). */
  override endEdit(_cx: PropContext): void {
    this.cache = null;
    if (this.nPhases > this.nConds)
      throw new ValueError(`${this.fullName}: nphases (${this.nPhases}) exceeds nconds (${this.nConds})`);
  }

  /** Number of conductors a line using this geometry has (phases only when reduced). */
  get lineConds(): number {
    return this.reduce ? this.nPhases : this.nConds;
  }

  setNConds(n: number): void {
    if (n < 1) throw new ValueError("nconds must be >= 1");
    this.nConds = n;
    this.wires = new Array(n).fill(null);
    this.x = new Array(n).fill(0);
    this.h = new Array(n).fill(0);
    this.units = new Array(n).fill(null);
    this.choice = new Array(n).fill("oh");
    this.family = "oh";
    this.activeCond = 1;
    this.lastUnit = "ft";
  }

  /** Throw unless nconds has been set. */
  requireConds(what = "the conductors"): void {
    if (this.nConds < 1) throw new ValueError(`set nconds before ${what}`);
  }

  selectCond(i: number): void {
    this.requireConds("cond");
    if (i < 1 || i > this.nConds) throw new ValueError(`cond=${i} is outside 1..${this.nConds}`);
    this.activeCond = i;
    if (this.units[i - 1] === null) this.units[i - 1] = this.lastUnit;
  }

  /** wire= at the active conductor (the calculation's family is unchanged). */
  setWire(w: ConductorData): void {
    this.requireConds("a wire");
    this.wires[this.activeCond - 1] = w;
  }

  /** cncable=/tscable= at the active conductor: the calculation becomes a cable one. */
  setCable(w: ConductorData, family: "cn" | "ts"): void {
    this.requireConds("a cable");
    this.wires[this.activeCond - 1] = w;
    this.choice[this.activeCond - 1] = family;
    this.family = family;
  }

  makeLike(other: DssObject): void {
    if (!(other instanceof LineGeometry)) throw new ValueError(`like=${other.name}: not a LineGeometry`);
    this.nConds = other.nConds;
    this.nPhases = other.nPhases;
    this.wires = [...other.wires];
    this.x = [...other.x];
    this.h = [...other.h];
    this.units = [...other.units];
    this.choice = [...other.choice];
    this.family = other.family;
    this.reduce = other.reduce;
    this.spacing = other.spacing;
    this.rho = other.rho;
  }

  /** Z and Yc per metre at frequency f (Hz) with earth model `model` (see `cache`). */
  constants(f: number, model: EarthModel): LineMatrices {
    if (this.nConds < 1) throw new ValueError(`${this.fullName}: nconds is not set`);
    if (this.nPhases < 1) throw new ValueError(`${this.fullName}: nphases is not set`);
    const c = this.cache;
    if (c && c.f === f && c.rho === this.rho) return c.m;
    const m = constantsOf(
      this.fullName,
      this.wires,
      this.x,
      this.h,
      this.units,
      this.nPhases,
      this.family,
      this.reduce,
      f,
      this.rho,
      model,
    );
    this.cache = { f, rho: this.rho, m };
    return m;
  }

  /** The state as `name=value` assignments (conductor by conductor), for the script writer. */
  writeAssignments(): string {
    const out: string[] = [`nconds=${this.nConds}`, `nphases=${this.nPhases}`];
    for (let i = 0; i < this.nConds; i++) {
      const w = this.wires[i];
      const kw = w?.kind === "cn" ? "cncable" : w?.kind === "ts" ? "tscable" : "wire";
      const u = this.units[i] ?? "m";
      out.push(`cond=${i + 1}`);
      if (w) out.push(`${kw}=${w.name}`);
      out.push(`x=${String(this.x[i])} h=${String(this.h[i])} units=${u}`);
    }
    if (this.reduce) out.push("reduce=yes");
    return out.join(" ");
  }
}

function lookupConductors(
  cx: PropContext,
  names: string[],
  cls: "WireData" | "CNData" | "TSData",
): ConductorData[] {
  return names.map((n) => {
    const w = cx.findObject(cls, n);
    if (!w) throw new ValueError(`${cls}.${n} is not defined`);
    return w as ConductorData;
  });
}

function lookupOne(cx: PropContext, v: ValueToken, cls: "WireData" | "CNData" | "TSData"): ConductorData {
  return lookupConductors(cx, [v.text.trim()], cls)[0]!;
}

/** cncables=/tscables= of a LineGeometry: fill the first positions, the count becomes nphases. */
function setGeometryCables(o: LineGeometry, names: string[], cx: PropContext, kind: "cn" | "ts"): void {
  o.requireConds();
  const list = lookupConductors(cx, names, kind === "cn" ? "CNData" : "TSData");
  if (list.length > o.nConds) throw new ValueError(`${list.length} cables given; nconds is ${o.nConds}`);
  list.forEach((w, i) => {
    o.wires[i] = w;
  });
  o.nPhases = list.length;
  o.choice[o.activeCond - 1] = kind;
  o.family = kind;
}

const GEOMETRY_PROPS: PropDef<LineGeometry>[] = [
  prop("nconds", (o, v) => o.setNConds(toInt(v))),
  prop("nphases", (o, v) => {
    const n = toInt(v);
    if (n < 1) throw new ValueError("nphases must be >= 1");
    o.nPhases = n;
  }),
  prop("cond", (o, v) => o.selectCond(toInt(v))),
  prop("wire", (o, v, cx) => o.setWire(lookupOne(cx, v, "WireData"))),
  prop("x", (o, v) => {
    o.requireConds();
    o.x[o.activeCond - 1] = toNumber(v);
  }),
  prop("h", (o, v) => {
    o.requireConds();
    o.h[o.activeCond - 1] = toNumber(v);
  }),
  prop("units", (o, v) => {
    o.requireConds();
    const u = toLengthUnit(v);
    o.units[o.activeCond - 1] = u;
    o.lastUnit = u;
  }),
  inert("normamps", "number"),
  inert("emergamps", "number"),
  prop("reduce", (o, v) => {
    o.reduce = toBool(v);
  }),
  prop("spacing", (o, v, cx) => {
    const s = cx.findObject("LineSpacing", v.text.trim());
    if (!s) throw new ValueError(`LineSpacing.${v.text} is not defined`);
    const sp = s as LineSpacing;
    if (sp.nConds !== o.nConds)
      throw new ValueError(`LineSpacing.${sp.name} has ${sp.nConds} conductors; nconds is ${o.nConds}`);
    o.spacing = sp;
    o.lastUnit = sp.units;
    for (let i = 0; i < o.nConds; i++) {
      o.x[i] = sp.x[i]!;
      o.h[i] = sp.h[i]!;
      o.units[i] = sp.units;
    }
  }),
  prop("wires", (o, v, cx) => {
    o.requireConds();
    const names = toStringArray(v);
    const start = o.choice[o.activeCond - 1] !== "oh" ? o.nPhases : 0;
    const list = lookupConductors(cx, names, "WireData");
    if (list.length !== o.nConds - start)
      throw new ValueError(`${list.length} wires given; expected ${o.nConds - start}`);
    list.forEach((w, i) => {
      o.wires[start + i] = w;
    });
    o.activeCond = o.nConds;
  }),
  prop("cncable", (o, v, cx) => o.setCable(lookupOne(cx, v, "CNData"), "cn")),
  prop("tscable", (o, v, cx) => o.setCable(lookupOne(cx, v, "TSData"), "ts")),
  prop("cncables", (o, v, cx) => setGeometryCables(o, toStringArray(v), cx, "cn")),
  prop("tscables", (o, v, cx) => setGeometryCables(o, toStringArray(v), cx, "ts")),
  inert("Seasons", "int"),
  inert("Ratings"),
  inert("LineType"),
];

/** The family a line's spacing + conductors compute as. */
export function spacingFamily(wires: readonly (ConductorData | null)[]): "oh" | "cn" | "ts" {
  return familyOf(wires);
}

/** All length-unit names (for messages). */
export const UNIT_NAMES = LENGTH_UNITS.join(" ");
