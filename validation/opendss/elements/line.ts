/**
 * Line and LineCode. A line is a pi-section: series Z (per unit length × length) and half of
 * the shunt capacitance at each end. Impedances come from sequence values (r1, x1, r0, x0, c1,
 * c0; for one phase OpenDSS forces the zero sequence equal to the positive one), from phase
 * matrices (rmatrix, xmatrix, cmatrix) or from a LineCode. Default capacitance is 3.4 nF (C1) and
 * 1.6 nF (C0) per unit length; OpenDSS treats those defaults as "per kft" and rescales them to the
 * line's length units when they were not given.
 */
import { invertInPlace, kronReduce } from "../complex.ts";
import type { ValueToken } from "../lexer.ts";
import type { EarthModel, LineMatrices } from "../lineconstants.ts";
import { allocF64, reuseF64 } from "../pool.ts";
import {
  convertLineUnits,
  type LengthUnit,
  toBool,
  toInt,
  toLengthUnit,
  toNumber,
  toStringArray,
  toSymMatrix,
  ValueError,
} from "../values.ts";
import {
  CktElement,
  cktElementProps,
  DssObject,
  type ElementRole,
  EMPTY_F64,
  inert,
  type PropContext,
  type PropDef,
  pdRatingProps,
  prop,
  type YPrimContext,
} from "./base.ts";
import {
  type ConductorData,
  constantsOf,
  type LineGeometry,
  type LineSpacing,
  spacingFamily,
  toMeters,
} from "./conductors.ts";

const TWO_PI = 2 * Math.PI;
/** OpenDSS CAP_EPSILON: 5 kvar of capacitive reactance at 345 kV, added to the series Y of lines only. */
export const CAP_EPSILON_SIEMENS = 4.2e-8;

function setMatrixPart(
  target: Float64Array,
  n: number,
  values: Float64Array,
  part: 0 | 1,
  scale: number,
): void {
  for (let k = 0; k < n * n; k++) target[2 * k + part] = values[k]! * scale;
}

/** Sequence data per unit length that LineCode and Line both hold (Ω, F; base frequency in Hz). */
interface SequenceValues {
  r1: number;
  x1: number;
  r0: number;
  x0: number;
  c1: number;
  c0: number;
  baseFrequency: number;
}

const ONE_THIRD = 1 / 3;
const timesOneThird = (x: number): number => x * ONE_THIRD;
const dividedByThree = (x: number): number => x / 3;

/**
 * Phase matrices (interleaved n×n) from sequence values: self Zs = (2Z1 + Z0)/3 and mutual
 * Zm = (Z0 − Z1)/3, likewise the shunt Yc = jω(2C1 + C0)/3 and jω(C0 − C1)/3. `timesThird`:
 * divide as ×(1/3) (OpenDSS CalcMatricesFromZ1Z0, LineCode) rather than /3 (Line), which rounds
 * differently.
 */
function fillFromSequence(
  o: SequenceValues,
  n: number,
  z: Float64Array,
  yc: Float64Array,
  timesThird: boolean,
): void {
  const div3 = timesThird ? timesOneThird : dividedByThree;
  const zsr = div3(o.r1 * 2 + o.r0);
  const zsx = div3(o.x1 * 2 + o.x0);
  const zmr = div3(o.r0 - o.r1);
  const zmx = div3(o.x0 - o.x1);
  const yc1 = TWO_PI * o.baseFrequency * o.c1;
  const yc0 = TWO_PI * o.baseFrequency * o.c0;
  const ys = div3(yc1 * 2 + yc0);
  const ym = div3(yc0 - yc1);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const k = 2 * (i * n + j);
      z[k] = i === j ? zsr : zmr;
      z[k + 1] = i === j ? zsx : zmx;
      yc[k] = 0;
      yc[k + 1] = i === j ? ys : ym;
    }
  }
}

/**
 * A sequence-value property of LineCode and Line: r1, x1, r0, x0 (Ω), C1, C0 (nF) or B1, B0 (µS
 * at the base frequency) per unit length; `then` applies what the change implies for the object.
 */
function sequenceProp<T extends SequenceValues>(
  name: "r1" | "x1" | "r0" | "x0" | "C1" | "C0" | "B1" | "B0",
  then: (o: T) => void,
): PropDef<T> {
  return prop<T>(name, (o, v) => {
    const x = toNumber(v);
    switch (name) {
      case "r1":
        o.r1 = x;
        break;
      case "x1":
        o.x1 = x;
        break;
      case "r0":
        o.r0 = x;
        break;
      case "x0":
        o.x0 = x;
        break;
      case "C1":
        o.c1 = x * 1e-9;
        break;
      case "C0":
        o.c0 = x * 1e-9;
        break;
      case "B1":
        o.c1 = (x / (TWO_PI * o.baseFrequency)) * 1e-6;
        break;
      case "B0":
        o.c0 = (x / (TWO_PI * o.baseFrequency)) * 1e-6;
        break;
    }
    then(o);
  });
}

/** LineCode: reusable line impedance data. */
export class LineCode extends DssObject {
  readonly className = "LineCode";
  nPhases = 3;
  r1 = 0.058;
  x1 = 0.1206;
  r0 = 0.1784;
  x0 = 0.4047;
  c1 = 3.4e-9;
  c0 = 1.6e-9;
  units: LengthUnit = "none";
  baseFrequency: number;
  symComponents = true;
  neutral = 3;
  /** Series Z and shunt Yc (j·ω·C) per unit length at base frequency (interleaved n×n). */
  z: Float64Array = new Float64Array(0);
  yc: Float64Array = new Float64Array(0);

  constructor(name: string, baseFrequency: number) {
    super(name);
    this.baseFrequency = baseFrequency;
    this.calcFromSequence();
  }

  get propDefs(): readonly PropDef<DssObject>[] {
    return LINECODE_PROPS as PropDef<DssObject>[];
  }

  /** OpenDSS CalcMatricesFromZ1Z0 (uses ×(1/3), not /3). */
  calcFromSequence(): void {
    const n = this.nPhases;
    this.z = new Float64Array(2 * n * n);
    this.yc = new Float64Array(2 * n * n);
    fillFromSequence(this, n, this.z, this.yc, true);
  }

  setPhases(n: number): void {
    if (n < 1) throw new ValueError("nphases must be >= 1");
    if (n !== this.nPhases) {
      this.nPhases = n;
      this.neutral = n;
      this.calcFromSequence();
    }
  }

  override endEdit(_cx: PropContext): void {
    if (this.symComponents) this.calcFromSequence();
  }

  /** Kron reduction eliminating the neutral conductor (matrix models only). */
  kron(): void {
    if (this.symComponents || this.neutral === 0) return;
    if (this.nPhases < 2) throw new ValueError("cannot Kron-reduce a 1-phase LineCode");
    const n = this.nPhases;
    const k = this.neutral - 1;
    const zr = kronReduce(this.z, n, k);
    const yc = new Float64Array(this.yc);
    if (!invertInPlace(yc, n)) throw new ValueError("Kron reduction failed (singular C matrix)");
    const ycr = kronReduce(yc, n, k);
    if (!invertInPlace(ycr, n - 1)) throw new ValueError("Kron reduction failed (singular reduced C matrix)");
    this.z = zr;
    this.yc = ycr;
    this.nPhases = n - 1;
    this.neutral = 0;
  }
}

const lcSym = (o: LineCode): void => {
  o.symComponents = true;
};

const LINECODE_PROPS: PropDef<LineCode>[] = [
  prop("nphases", (o, v) => {
    o.setPhases(toInt(v));
    lcSym(o);
  }),
  sequenceProp("r1", lcSym),
  sequenceProp("x1", lcSym),
  sequenceProp("r0", lcSym),
  sequenceProp("x0", lcSym),
  sequenceProp("C1", lcSym),
  sequenceProp("C0", () => {}), // C0 leaves the data model as it is
  prop("units", (o, v) => {
    o.units = toLengthUnit(v);
  }),
  prop("rmatrix", (o, v) => {
    setMatrixPart(o.z, o.nPhases, toSymMatrix(v, o.nPhases), 0, 1);
    o.symComponents = false;
  }),
  prop("xmatrix", (o, v) => {
    setMatrixPart(o.z, o.nPhases, toSymMatrix(v, o.nPhases), 1, 1);
    o.symComponents = false;
  }),
  prop("cmatrix", (o, v) => {
    setMatrixPart(o.yc, o.nPhases, toSymMatrix(v, o.nPhases), 1, TWO_PI * o.baseFrequency * 1e-9);
    o.symComponents = false;
  }),
  prop("baseFreq", (o, v) => {
    o.baseFrequency = toNumber(v);
  }),
  ...pdRatingProps(),
  prop("Kron", (o, v) => {
    if (toBool(v)) o.kron();
  }),
  inert("Rg", "number"),
  inert("Xg", "number"),
  inert("rho", "number"),
  prop("neutral", (o, v) => {
    o.neutral = toInt(v);
  }),
  sequenceProp("B1", lcSym),
  sequenceProp("B0", lcSym),
  inert("Seasons", "int"),
  inert("Ratings"),
  inert("LineType"),
];

/** A line section. */
export class Line extends CktElement {
  readonly className = "Line";
  readonly role: ElementRole = "PD";
  r1 = 0.058;
  x1 = 0.1206;
  r0 = 0.1784;
  x0 = 0.4047;
  c1 = 3.4e-9;
  c0 = 1.6e-9;
  len = 1;
  lengthUnits: LengthUnit = "none";
  lineCodeUnits: LengthUnit = "none";
  unitsConvert = 1;
  rg = 0.01805;
  xg = 0.155081;
  rho = 100;
  symComponentsModel = true;
  symComponentsChanged = false;
  capSpecified = false;
  isSwitch = false;
  lineCode: LineCode | null = null;
  /** Series Z and shunt Yc per unit length at base frequency (interleaved n×n). */
  z: Float64Array = new Float64Array(0);
  yc: Float64Array = new Float64Array(0);
  /** Construction (geometry=), or spacing with its conductors (spacing= + wires=/cncables=/tscables=). */
  geometry: LineGeometry | null = null;
  spacing: LineSpacing | null = null;
  /** Conductor per spacing position (null until given). */
  wireData: (ConductorData | null)[] | null = null;
  /** Conductor family set by cncables=/tscables= ("unknown" until then). */
  phaseChoice: "unknown" | "oh" | "cn" | "ts" = "unknown";
  /** Earth model of the line-constants calculation (the engine's default when created). */
  earthModel: EarthModel = "deri";
  rhoSpecified = false;
  /**
   * Total Z and Yc (length included) of a geometry or spacing line, and the frequency they were
   * computed for. Like OpenDSS, only a new construction clears it: a later length or units
   * change does not recompute them.
   */
  private zTotal: { f: number; m: LineMatrices; k: number } | null = null;
  private zinvBuf: Float64Array = EMPTY_F64;
  private shuntBuf: Float64Array = EMPTY_F64;

  /** The branch form [A + S, −A; −A, A + S] of the primitive Y (A = Z⁻¹, S = half the shunt). */
  private setBranch(a: Float64Array, s: Float64Array): void {
    const b = this.branch;
    if (b && b.a === a && b.s1 === s) return;
    this.branch = { a, s1: s, s2: s };
  }

  constructor(name: string, baseFrequency: number) {
    super(name, baseFrequency);
    this.setLayout(3, 3, 2);
    this.busSpec[0] = `${this.name}_1`;
    this.busSpec[1] = `${this.name}_2`;
    this.recalcElementData();
  }

  get propDefs(): readonly PropDef<DssObject>[] {
    return LINE_PROPS as PropDef<DssObject>[];
  }

  /** Sequence values → Z and Yc per unit length (OpenDSS RecalcElementData, with /3). */
  recalcElementData(): void {
    const n = this.nPhases;
    if (n === 1) {
      this.r0 = this.r1;
      this.x0 = this.x1;
      this.c0 = this.c1;
    }
    if (this.z.length !== 2 * n * n) {
      this.z = allocF64(2 * n * n);
      this.yc = allocF64(2 * n * n);
    }
    fillFromSequence(this, n, this.z, this.yc, false);
    this.symComponentsChanged = false;
  }

  setPhases(n: number): void {
    if (n < 1) throw new ValueError("phases must be >= 1");
    if (n === this.nPhases) return;
    if (!this.symComponentsModel)
      throw new ValueError(
        "cannot change the number of phases of a line defined by matrices, a geometry or a spacing",
      );
    this.setLayout(n, n);
    this.recalcElementData();
  }

  /** True when the impedances come from a spacing and its conductors. */
  get spacingSpecified(): boolean {
    return this.spacing !== null && this.wireData !== null;
  }

  /** Forget a geometry (OpenDSS KillGeometrySpecified). */
  killGeometry(): void {
    if (!this.geometry) return;
    this.geometry = null;
    this.zTotal = null;
  }

  /** Forget a spacing and its conductors (OpenDSS KillSpacingSpecified). */
  killSpacing(): void {
    if (!this.spacingSpecified) return;
    this.spacing = null;
    this.wireData = null;
    this.phaseChoice = "unknown";
    this.zTotal = null;
  }

  /** geometry=: the line takes the construction's conductors (phases = its conductor count). */
  fetchGeometry(g: LineGeometry): void {
    if (g.nConds < 1 || g.nPhases < 1)
      throw new ValueError(`LineGeometry.${g.name} has no conductors (set nconds and nphases)`);
    this.lineCode = null;
    this.killSpacing();
    this.geometry = g;
    this.zTotal = null;
    if (this.rhoSpecified) g.rho = this.rho;
    this.setLayout(g.lineConds, g.lineConds);
    this.symComponentsModel = false;
    this.symComponentsChanged = false;
  }

  /** spacing=: positions for the conductors given next by wires=/cncables=/tscables=. */
  fetchSpacing(s: LineSpacing): void {
    this.lineCode = null;
    this.killGeometry();
    this.spacing = s;
    this.wireData = new Array(s.nConds).fill(null);
    this.setLayout(s.nPhases, s.nPhases);
    this.symComponentsModel = false;
    this.symComponentsChanged = false;
  }

  /** wires= (bare conductors): all positions, or the neutrals after cncables=/tscables=. */
  setWires(list: ConductorData[]): void {
    const s = this.spacing;
    if (!s || !this.wireData) throw new ValueError("set spacing= before wires=");
    let start = 0;
    if (this.phaseChoice === "unknown") {
      this.lineCode = null;
      this.killGeometry();
    } else start = s.nPhases;
    if (list.length !== s.nConds - start)
      throw new ValueError(`${list.length} wires given; LineSpacing.${s.name} expects ${s.nConds - start}`);
    list.forEach((w, i) => {
      this.wireData![start + i] = w;
    });
    this.yprimInvalid = true;
  }

  /** cncables=/tscables=: cables at the first positions. */
  setCables(list: ConductorData[], kind: "cn" | "ts"): void {
    if (!this.spacing || !this.wireData) throw new ValueError("set spacing= before the cables");
    if (list.length > this.wireData.length)
      throw new ValueError(
        `${list.length} cables given; LineSpacing.${this.spacing.name} has ${this.wireData.length} positions`,
      );
    list.forEach((w, i) => {
      this.wireData![i] = w;
    });
    this.lineCode = null;
    this.killGeometry();
    this.phaseChoice = kind;
    this.yprimInvalid = true;
  }

  /**
   * Z and Yc per metre of a geometry or spacing line at frequency f, and the length factor
   * (metres) to apply, cached per frequency.
   */
  private constructionMatrices(
    f: number,
    earth: { active: EarthModel } = { active: this.earthModel },
  ): { m: LineMatrices; k: number } {
    if (this.zTotal && this.zTotal.f === f) return this.zTotal;
    let m: LineMatrices;
    if (this.geometry) {
      earth.active = this.earthModel;
      m = this.geometry.constants(f, this.earthModel);
    } else {
      const s = this.spacing!;
      const wires = this.wireData!;
      const units = wires.map(() => s.units);
      m = constantsOf(
        this.fullName,
        wires,
        s.x,
        s.h,
        units,
        s.nPhases,
        spacingFamily(wires),
        s.nConds > s.nPhases,
        f,
        this.rhoSpecified ? this.rho : 100,
        // OpenDSS computes a spacing line's constants when it loads the conductors, with the
        // earth model the previous geometry or spacing line left active; only an earth
        // resistivity other than 100 Ω·m makes it compute them again with the line's own model.
        this.rhoSpecified && this.rho !== 100 ? this.earthModel : earth.active,
      );
      earth.active = this.earthModel;
    }
    if (m.n !== this.nPhases)
      throw new ValueError(
        `${this.fullName}: the construction gives ${m.n} conductors; the line has ${this.nPhases}`,
      );
    const k = toMeters(this.lengthUnits === "none" ? null : this.lengthUnits) * this.len;
    this.zTotal = { f, m, k };
    return this.zTotal;
  }

  /** Impedances given directly: forget the line code and assume the length units match. */
  sequenceChanged(): void {
    this.killGeometry();
    this.killSpacing();
    this.lineCode = null;
    this.unitsConvert = 1;
    this.lengthUnits = "none";
    this.symComponentsChanged = true;
    this.symComponentsModel = true;
    this.yprimInvalid = true;
  }

  fetchLineCode(code: LineCode): void {
    this.killSpacing();
    this.killGeometry();
    this.lineCode = code;
    this.baseFrequency = code.baseFrequency;
    if (code.symComponents) {
      this.r1 = code.r1;
      this.x1 = code.x1;
      this.r0 = code.r0;
      this.x0 = code.x0;
      this.c1 = code.c1;
      this.c0 = code.c0;
      this.symComponentsModel = true;
    } else {
      this.symComponentsModel = false;
    }
    this.lineCodeUnits = code.units;
    this.unitsConvert = convertLineUnits(code.units, this.lengthUnits);
    if (this.nPhases !== code.nPhases) {
      this.nPhases = code.nPhases;
    }
    this.nConds = this.nPhases;
    this.resize();
    if (!code.symComponents) {
      this.z = allocF64(code.z.length);
      this.z.set(code.z);
      this.yc = allocF64(code.yc.length);
      this.yc.set(code.yc);
    } else {
      this.recalcElementData();
    }
    this.yprimInvalid = true;
  }

  calcYPrim(ctx: YPrimContext): void {
    if (this.symComponentsChanged) {
      if (!this.capSpecified) {
        const f = convertLineUnits("kft", this.lengthUnits);
        this.c1 = this.c1 / f;
        this.c0 = this.c0 / f;
        this.capSpecified = true;
      }
      this.recalcElementData();
    }
    if (this.geometry || this.spacingSpecified) {
      this.calcYPrimConstruction(ctx);
      return;
    }
    const n = this.nPhases;
    const m = this.yorder;
    const lm = this.len / this.unitsConvert;
    const fm = ctx.frequency / this.baseFrequency;
    const kxg = this.xg / Math.log(658.5 * Math.sqrt(this.rho / this.baseFrequency));
    const xgmod = this.xg !== 0 ? 0.5 * kxg * Math.log(fm) : 0;
    const zinv = (this.zinvBuf = reuseF64(this.zinvBuf, 2 * n * n));
    for (let k = 0; k < n * n; k++) {
      zinv[2 * k] = (this.z[2 * k]! + this.rg * (fm - 1)) * lm;
      zinv[2 * k + 1] = (this.z[2 * k + 1]! - xgmod) * lm * fm;
    }
    const y = this.yprim;
    const ys = this.yprimSeries;
    y.fill(0);
    ys.fill(0);
    if (!invertInPlace(zinv, n)) {
      zinv.fill(0);
      for (let i = 0; i < n; i++) zinv[2 * (i * n + i)] = 1e-10;
    }
    const put = (a: Float64Array, r: number, c: number, re: number, im: number): void => {
      a[2 * (r * m + c)] = a[2 * (r * m + c)]! + re;
      a[2 * (r * m + c) + 1] = a[2 * (r * m + c) + 1]! + im;
    };
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const re = zinv[2 * (i * n + j)]!;
        const im = zinv[2 * (i * n + j) + 1]!;
        put(ys, i, j, re, im);
        put(ys, i + n, j + n, re, im);
        put(ys, i, j + n, -re, -im);
        put(ys, j + n, i, -re, -im);
      }
    }
    y.set(ys);
    for (let i = 0; i < m; i++) put(ys, i, i, 0, CAP_EPSILON_SIEMENS);
    const shunt = (this.shuntBuf = reuseF64(this.shuntBuf, 2 * n * n));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const b = (this.yc[2 * (i * n + j) + 1]! * lm * fm) / 2;
        put(y, i, j, 0, b);
        put(y, i + n, j + n, 0, b);
        shunt[2 * (i * n + j) + 1] = b;
      }
    }
    this.setBranch(zinv, shunt);
    this.yprimInvalid = false;
  }

  /** Primitive Y of a geometry or spacing line: Z and Yc are totals at the solution frequency. */
  private calcYPrimConstruction(ctx: YPrimContext): void {
    const { m: mats, k: len } = this.constructionMatrices(ctx.frequency, ctx.earth);
    const n = this.nPhases;
    const m = this.yorder;
    const zinv = (this.zinvBuf = reuseF64(this.zinvBuf, mats.z.length));
    for (let i = 0; i < zinv.length; i++) zinv[i] = mats.z[i]! * len;
    if (!invertInPlace(zinv, n)) {
      zinv.fill(0);
      for (let i = 0; i < n; i++) zinv[2 * (i * n + i)] = 1e-10;
    }
    const y = this.yprim;
    const ys = this.yprimSeries;
    y.fill(0);
    ys.fill(0);
    const put = (a: Float64Array, r: number, c: number, re: number, im: number): void => {
      a[2 * (r * m + c)] = a[2 * (r * m + c)]! + re;
      a[2 * (r * m + c) + 1] = a[2 * (r * m + c) + 1]! + im;
    };
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const re = zinv[2 * (i * n + j)]!;
        const im = zinv[2 * (i * n + j) + 1]!;
        put(ys, i, j, re, im);
        put(ys, i + n, j + n, re, im);
        put(ys, i, j + n, -re, -im);
        put(ys, j + n, i, -re, -im);
      }
    }
    y.set(ys);
    for (let i = 0; i < m; i++) put(ys, i, i, 0, CAP_EPSILON_SIEMENS);
    const shunt = (this.shuntBuf = reuseF64(this.shuntBuf, 2 * n * n));
    for (let k = 0; k < n * n; k++) {
      shunt[2 * k] = (mats.yc[2 * k]! * len) / 2;
      shunt[2 * k + 1] = (mats.yc[2 * k + 1]! * len) / 2;
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const re = shunt[2 * (i * n + j)]!;
        const im = shunt[2 * (i * n + j) + 1]!;
        put(y, i, j, re, im);
        put(y, i + n, j + n, re, im);
      }
    }
    this.setBranch(zinv, shunt);
    this.yprimInvalid = false;
  }
}

/** Conductor objects named in a list value (`[a b c]`). */
function conductorList(
  v: ValueToken,
  cx: PropContext,
  cls: "WireData" | "CNData" | "TSData",
): ConductorData[] {
  return toStringArray(v).map((n) => {
    const w = cx.findObject(cls, n);
    if (!w) throw new ValueError(`${cls}.${n} is not defined`);
    return w as ConductorData;
  });
}

/** An earth model name (Carson, FullCarson, Deri; OpenDSS accepts unique prefixes). */
export function toEarthModel(v: ValueToken): EarthModel {
  const t = v.text.trim().toLowerCase();
  if (t.length > 0 && "carson".startsWith(t)) return "carson";
  if (t.length > 0 && "fullcarson".startsWith(t)) return "fullcarson";
  if (t.length > 0 && "deri".startsWith(t)) return "deri";
  throw new ValueError(`'${v.text}' is not an earth model (Carson, FullCarson, Deri)`);
}

function lineSeq(o: Line): void {
  o.sequenceChanged();
}

/** A capacitance given directly: it is not rescaled from the per-kft default, and sequence values define the line. */
function lineCapSeq(o: Line): void {
  o.capSpecified = true;
  o.sequenceChanged();
}

function setLineMatrix(o: Line, v: ValueToken, part: 0 | 1, target: "z" | "yc"): void {
  const n = o.nPhases;
  const vals = toSymMatrix(v, n);
  if (o.z.length !== 2 * n * n) o.recalcElementData();
  const scale = target === "yc" ? TWO_PI * o.baseFrequency * 1e-9 : 1;
  setMatrixPart(target === "z" ? o.z : o.yc, n, vals, part, scale);
  o.lineCode = null;
  o.killGeometry();
  o.killSpacing();
  o.symComponentsModel = false;
  o.symComponentsChanged = false;
  o.unitsConvert = 1;
  o.lengthUnits = "none";
  o.yprimInvalid = true;
}

const LINE_PROPS: PropDef<Line>[] = [
  prop("bus1", (o, v, cx) => {
    o.setBus(0, v.text, cx);
  }),
  prop("bus2", (o, v, cx) => {
    o.setBus(1, v.text, cx);
  }),
  prop("linecode", (o, v, cx) => {
    const c = cx.findObject("LineCode", v.text.trim());
    if (!c) throw new ValueError(`LineCode '${v.text}' is not defined`);
    o.fetchLineCode(c as LineCode);
    cx.busesChanged();
  }),
  prop("length", (o, v) => {
    o.len = toNumber(v);
    o.yprimInvalid = true;
  }),
  prop("phases", (o, v, cx) => {
    o.setPhases(toInt(v));
    cx.busesChanged();
  }),
  sequenceProp("r1", lineSeq),
  sequenceProp("x1", lineSeq),
  sequenceProp("r0", lineSeq),
  sequenceProp("x0", lineSeq),
  sequenceProp("C1", lineCapSeq),
  sequenceProp("C0", lineCapSeq),
  prop("rmatrix", (o, v) => setLineMatrix(o, v, 0, "z")),
  prop("xmatrix", (o, v) => setLineMatrix(o, v, 1, "z")),
  prop("cmatrix", (o, v) => {
    setLineMatrix(o, v, 1, "yc");
    o.capSpecified = true;
  }),
  prop("Switch", (o, v) => {
    o.isSwitch = toBool(v);
    if (o.isSwitch) {
      o.r1 = 1;
      o.x1 = 1;
      o.r0 = 1;
      o.x0 = 1;
      o.c1 = 1.1e-9;
      o.c0 = 1e-9;
      o.len = 0.001;
      // OpenDSS does not mark the capacitance as given: a later units= rescales it from per kft
      lineSeq(o);
    }
  }),
  prop("Rg", (o, v) => {
    o.rg = toNumber(v);
    o.yprimInvalid = true;
  }),
  prop("Xg", (o, v) => {
    o.xg = toNumber(v);
    o.yprimInvalid = true;
  }),
  prop("rho", (o, v) => {
    o.rho = toNumber(v);
    o.rhoSpecified = true;
    if (o.geometry) o.geometry.rho = o.rho;
    o.yprimInvalid = true;
  }),
  prop("geometry", (o, v, cx) => {
    const g = cx.findObject("LineGeometry", v.text.trim());
    if (!g) throw new ValueError(`LineGeometry '${v.text}' is not defined`);
    o.fetchGeometry(g as LineGeometry);
    cx.busesChanged();
  }),
  prop("units", (o, v) => {
    const prev = o.lengthUnits;
    o.lengthUnits = toLengthUnit(v);
    if (o.lineCode) o.unitsConvert = convertLineUnits(o.lineCodeUnits, o.lengthUnits);
    else o.unitsConvert = o.unitsConvert * convertLineUnits(prev, o.lengthUnits);
    o.yprimInvalid = true;
  }),
  prop("spacing", (o, v, cx) => {
    const sp = cx.findObject("LineSpacing", v.text.trim());
    if (!sp) throw new ValueError(`LineSpacing '${v.text}' is not defined`);
    o.fetchSpacing(sp as LineSpacing);
    cx.busesChanged();
  }),
  prop("wires", (o, v, cx) => o.setWires(conductorList(v, cx, "WireData"))),
  prop("EarthModel", (o, v) => {
    o.earthModel = toEarthModel(v);
  }),
  prop("cncables", (o, v, cx) => o.setCables(conductorList(v, cx, "CNData"), "cn")),
  prop("tscables", (o, v, cx) => o.setCables(conductorList(v, cx, "TSData"), "ts")),
  sequenceProp("B1", lineCapSeq),
  sequenceProp("B0", lineCapSeq),
  inert("Seasons", "int"),
  inert("Ratings"),
  inert("LineType"),
  ...pdRatingProps(),
  ...cktElementProps(true),
];
