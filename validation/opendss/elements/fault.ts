/**
 * Fault: a resistive short between the conductors of bus1 and bus2 (bus2 defaults to the zero
 * nodes of bus1: a fault to ground), as OpenDSS's Fault class. Each phase has conductance
 * G = 1/r (default r = 0.0001 Ω), or a full conductance matrix `Gmatrix` (siemens). A fault
 * with ONtime > 0 is off (it only switches on in dynamic studies). Like OpenDSS, a fault is not a
 * power-delivery element of the circuit: it is in the system Y but in no loss total, meter
 * zone or result table; a fault to ground contributes nothing to the series Y.
 */
import { toBool, toInt, toNumber, toSymMatrix, ValueError } from "../values.ts";
import {
  CktElement,
  cktElementProps,
  type DssObject,
  type ElementRole,
  inert,
  type PropContext,
  type PropDef,
  pdRatingProps,
  prop,
  type YPrimContext,
} from "./base.ts";

/** A fault (shunt or series conductance). */
export class Fault extends CktElement {
  readonly className = "Fault";
  readonly role: ElementRole = "fault";
  /** Conductance per phase (S). */
  g = 10000;
  /** Conductance matrix (S, row-major nPhases²) when given (specType 2). */
  gmatrix: Float64Array | null = null;
  /** 1 = r (G per phase), 2 = Gmatrix. */
  specType = 1;
  isOn = true;
  isShunt = true;
  bus2Defined = false;

  constructor(name: string, baseFrequency: number) {
    super(name, baseFrequency);
    this.setLayout(1, 1, 2);
    this.busSpec[0] = "";
    this.busSpec[1] = ".0";
  }

  get propDefs(): readonly PropDef<DssObject>[] {
    return FAULT_PROPS as PropDef<DssObject>[];
  }

  override endEdit(_cx: PropContext): void {
    if (this.busSpec[0] === "") throw new ValueError(`${this.fullName}: bus1 is required`);
  }

  calcYPrim(_ctx: YPrimContext): void {
    const n = this.nPhases;
    const m = this.yorder;
    const y = new Float64Array(2 * m * m);
    const at = (i: number, j: number): number => 2 * (i * m + j);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let g: number;
        if (this.specType === 1) g = i === j ? this.g : 0;
        else g = this.gmatrix![i * n + j]!;
        if (!this.isOn) g = 0;
        y[at(i, j)] = g;
        y[at(i + n, j + n)] = g;
        y[at(i, j + n)] = -g;
        y[at(j + n, i)] = -g;
      }
    }
    this.yprim.set(y);
    const a = new Float64Array(2 * n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[2 * (i * n + j)] = y[at(i, j)]!;
    const zero = new Float64Array(2 * n * n);
    this.branch = { a, s1: zero, s2: zero };
    if (this.isShunt) this.yprimSeries.fill(0);
    else this.yprimSeries.set(y);
    this.yprimInvalid = false;
  }
}

const FAULT_PROPS: PropDef<Fault>[] = [
  prop("bus1", (o, v, cx) => {
    o.setBus(0, v.text, cx);
    if (!o.bus2Defined) {
      o.setBus(1, `${o.busSpec[0]!.split(".")[0]}.0.0.0`, cx);
      o.isShunt = true;
    }
  }),
  prop("bus2", (o, v, cx) => {
    o.setBus(1, v.text, cx);
    if (o.busSpec[0]!.split(".")[0] !== o.busSpec[1]!.split(".")[0]) {
      o.isShunt = false;
      o.bus2Defined = true;
    }
  }),
  prop("phases", (o, v, cx) => {
    const n = toInt(v);
    if (n < 1) throw new ValueError("phases must be >= 1");
    if (n !== o.nPhases) {
      o.setLayout(n, n);
      cx.busesChanged();
    }
  }),
  prop("r", (o, v) => {
    const r = toNumber(v);
    o.g = r !== 0 ? 1 / r : 0;
    if (o.g === 0) o.g = 10000;
    o.specType = 1;
    o.yprimInvalid = true;
  }),
  inert("%stddev", "number"),
  prop("Gmatrix", (o, v) => {
    o.gmatrix = toSymMatrix(v, o.nPhases);
    o.specType = 2;
    o.yprimInvalid = true;
  }),
  prop("ONtime", (o, v) => {
    const t = toNumber(v);
    if (t > 0) o.isOn = false;
    o.yprimInvalid = true;
  }),
  prop("temporary", (_o, v) => {
    toBool(v);
  }),
  inert("MinAmps", "number"),
  ...pdRatingProps<Fault>(),
  ...cktElementProps<Fault>(true),
];
