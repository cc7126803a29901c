/**
 * RegControl: the voltage regulator control of a (regulating) transformer winding, in
 * OpenDSS's static control mode.
 *
 * Sample: the control voltage is the PT-secondary voltage of phase PTphase of the monitored
 * winding (V / ptratio), plus the line-drop compensator (R + jX)·I/CTprim with I the current
 * INTO that winding terminal (so the compensator subtracts the drop to the load centre). When
 * |vreg − |Vcontrol|| > band/2 the needed change (vreg − |Vcontrol|)·ptratio / Vbase(winding),
 * rounded to whole tap steps, is queued after `delay` seconds. Acting in static mode, the tap
 * moves 70 % of the way (truncated to whole steps, at least one, at most MaxTapChange), limited
 * to [MinTap, MaxTap] by the transformer (OpenDSS RegControl Sample / DoPendingAction /
 * AtLeastOneTap). Reverse-power and cogeneration modes are not implemented (an error when set).
 */
import { type ControlContext, ControlElement, roundHalfEven } from "../control.ts";
import { toBool, toInt, toNumber, ValueError } from "../values.ts";
import {
  cktElementProps,
  type DssObject,
  elementYV,
  inert,
  type PropContext,
  type PropDef,
  prop,
} from "./base.ts";
import { Transformer } from "./transformer.ts";

const ACTION_TAPCHANGE = 0;
/** PTphase=max / PTphase=min. */
const MAXPHASE = -2;
const MINPHASE = -3;

/** A voltage regulator control. */
export class RegControl extends ControlElement {
  readonly className = "RegControl";
  /** Name of the controlled transformer as given (resolved at the end of each edit). */
  transformerName = "";
  transformer: Transformer | null = null;
  /** Monitored winding (1-based). */
  elementTerminal = 1;
  /** Winding whose tap moves (1-based). */
  tapWinding = 1;
  vreg = 120;
  bandwidth = 3;
  ptRatio = 60;
  remotePtRatio = 60;
  ctRating = 300;
  r = 0;
  x = 0;
  ldcZ = 0;
  regulatedBus = "";
  timeDelay = 15;
  tapDelay = 2;
  tapLimitPerChange = 16;
  inverseTime = false;
  vLimit = 0;
  ptPhase = 1;
  controlledPhase = 1;
  revVreg = 120;
  revBandwidth = 3;
  revR = 0;
  revX = 0;
  revLdcZ = 0;
  revThresholdKw = 100;
  revDelay = 60;
  pendingTapChange = 0;
  armed = false;
  actionHandle = 0;
  /** Tap position change made by the last action (taps, signed). */
  lastChange = 0;
  /** TapNum given in the present edit (applied once the transformer is resolved). */
  pendingTapNum: number | null = null;
  private vbuf = new Float64Array(6);
  private cbuf = new Float64Array(16);

  get propDefs(): readonly PropDef<DssObject>[] {
    return REGCONTROL_PROPS as PropDef<DssObject>[];
  }

  /** True when line-drop compensation is active. */
  get ldcActive(): boolean {
    return this.r !== 0 || this.x !== 0 || this.ldcZ > 0;
  }

  override endEdit(cx: PropContext): void {
    if (this.transformerName === "") throw new ValueError(`${this.fullName}: transformer is not set`);
    const el = cx.findElement?.("Transformer", this.transformerName);
    if (!(el instanceof Transformer)) {
      throw new ValueError(
        `${this.fullName}: transformer '${this.transformerName}' is not defined (define the Transformer before its RegControl)`,
      );
    }
    this.transformer = el;
    if (this.elementTerminal > el.numWindings)
      throw new ValueError(
        `${this.fullName}: winding ${this.elementTerminal} does not exist on ${el.fullName}`,
      );
    if (this.tapWinding > el.numWindings)
      throw new ValueError(
        `${this.fullName}: tapwinding ${this.tapWinding} does not exist on ${el.fullName}`,
      );
    if (this.regulatedBus === "") {
      this.nPhases = el.nPhases;
      if (this.ptPhase > this.nPhases) this.ptPhase = 1;
    } else this.nPhases = 1;
    if (this.vbuf.length < 2 * el.nPhases) this.vbuf = new Float64Array(2 * el.nPhases);
    if (this.pendingTapNum !== null) {
      this.setTapNum(this.pendingTapNum);
      this.pendingTapNum = null;
    }
  }

  /** Present tap position in steps from the middle of the range (OpenDSS TapNum). */
  get tapNum(): number {
    const t = this.transformer;
    if (!t) return 0;
    const w = t.windings[this.tapWinding - 1]!;
    return roundHalfEven((w.puTap - (w.maxTap + w.minTap) / 2) / w.tapIncrement);
  }

  private setTapNum(n: number): void {
    const t = this.transformer!;
    const w = t.windings[this.tapWinding - 1]!;
    t.setPresentTap(this.tapWinding, n * w.tapIncrement + (w.maxTap + w.minTap) / 2);
  }

  private controlVoltage(buf: Float64Array, nph: number, ptRatio: number): [number, number] {
    let k = this.ptPhase;
    if (k === MAXPHASE || k === MINPHASE) {
      k = 1;
      let v = Math.hypot(buf[0]!, buf[1]!);
      for (let i = 2; i <= nph; i++) {
        const vi = Math.hypot(buf[2 * (i - 1)]!, buf[2 * (i - 1) + 1]!);
        if ((this.ptPhase === MAXPHASE && vi > v) || (this.ptPhase === MINPHASE && vi < v)) {
          v = vi;
          k = i;
        }
      }
    }
    this.controlledPhase = k;
    return [buf[2 * (k - 1)]! / ptRatio, buf[2 * (k - 1) + 1]! / ptRatio];
  }

  /** Voltage at the regulated bus (remote sensing): its node, less the next phase for a delta winding. */
  private regulatedBusVoltage(cx: ControlContext): void {
    const nodes = cx.nodesOf(this.regulatedBus);
    const t = this.transformer!;
    const V = cx.V;
    const a = nodes[0] ?? 0;
    let re = V[2 * a]!;
    let im = V[2 * a + 1]!;
    if (t.windings[this.elementTerminal - 1]!.connection === "delta") {
      const b = nodes[t.rotatePhases(1) - 1] ?? 0;
      re -= V[2 * b]!;
      im -= V[2 * b + 1]!;
    }
    this.vbuf[0] = re;
    this.vbuf[1] = im;
  }

  sample(cx: ControlContext): void {
    const t = this.transformer;
    if (!t?.enabled) return;
    if (this.tapLimitPerChange === 0) {
      this.pendingTapChange = 0;
      return;
    }
    let vc: [number, number];
    const usingBus = this.regulatedBus !== "";
    if (usingBus) {
      this.regulatedBusVoltage(cx);
      vc = this.controlVoltage(this.vbuf, 1, this.remotePtRatio);
    } else {
      t.windingVoltages(this.elementTerminal, cx.V, this.vbuf);
      vc = this.controlVoltage(this.vbuf, this.nPhases, this.ptRatio);
    }
    let vLocal = 0;
    if (this.vLimit > 0) {
      if (usingBus) {
        t.windingVoltages(this.elementTerminal, cx.V, this.vbuf);
        vLocal = Math.hypot(this.vbuf[0]! / this.ptRatio, this.vbuf[1]! / this.ptRatio);
      } else vLocal = Math.hypot(vc[0], vc[1]);
    }
    if (!usingBus && this.ldcActive) {
      const m = t.yorder;
      if (this.cbuf.length < 2 * m) this.cbuf = new Float64Array(2 * m);
      elementYV(t, cx.V, this.cbuf);
      const k = t.nConds * (this.elementTerminal - 1) + this.controlledPhase - 1;
      const ir = this.cbuf[2 * k]! / this.ctRating;
      const ii = this.cbuf[2 * k + 1]! / this.ctRating;
      if (this.ldcZ === 0) {
        vc = [vc[0] + (this.r * ir - this.x * ii), vc[1] + (this.r * ii + this.x * ir)];
      } else {
        vc = [Math.hypot(vc[0], vc[1]) - Math.hypot(ir, ii) * this.ldcZ, 0];
      }
    }
    const vActual = Math.hypot(vc[0], vc[1]);
    let needed = Math.abs(this.vreg - vActual) > this.bandwidth / 2;
    if (this.vLimit > 0 && vLocal > this.vLimit) needed = true;
    if (needed) {
      let vBoost = this.vreg - vActual;
      if (this.vLimit > 0 && vLocal > this.vLimit) vBoost = this.vLimit - vLocal;
      const boost = (vBoost * this.ptRatio) / t.windings[this.elementTerminal - 1]!.vBase;
      const w = t.windings[this.tapWinding - 1]!;
      const inc = w.tapIncrement;
      this.pendingTapChange = roundHalfEven(boost / inc) * inc;
      if (this.tapWinding !== this.elementTerminal) this.pendingTapChange = -this.pendingTapChange;
      if (this.pendingTapChange !== 0 && !this.armed) {
        const possible = this.pendingTapChange > 0 ? w.puTap < w.maxTap : w.puTap > w.minTap;
        if (possible) {
          this.actionHandle = cx.queue.push(
            cx.intHour,
            cx.t + this.timeDelayFor(vActual),
            ACTION_TAPCHANGE,
            this,
          );
          this.armed = true;
        }
      }
    } else {
      this.pendingTapChange = 0;
      if (this.armed) {
        cx.queue.delete(this.actionHandle);
        this.armed = false;
        this.actionHandle = 0;
      }
    }
  }

  private timeDelayFor(vAvg: number): number {
    if (this.inverseTime)
      return this.timeDelay / Math.min(10, (2 * Math.abs(this.vreg - vAvg)) / this.bandwidth);
    return this.timeDelay;
  }

  /** Static mode: 70 % of the pending change in whole steps, at least one, at most MaxTapChange. */
  atLeastOneTap(proposed: number, increment: number): number {
    let n = Math.trunc((0.7 * Math.abs(proposed)) / increment);
    if (n === 0) n = 1;
    if (n > this.tapLimitPerChange) n = this.tapLimitPerChange;
    if (proposed > 0) {
      this.lastChange = n;
      return n * increment;
    }
    this.lastChange = -n;
    return -n * increment;
  }

  doPendingAction(code: number, _cx: ControlContext): void {
    if (code !== ACTION_TAPCHANGE) return;
    if (this.pendingTapChange === 0) {
      this.armed = false;
      return;
    }
    const t = this.transformer!;
    const w = this.tapWinding;
    const change = this.atLeastOneTap(this.pendingTapChange, t.windings[w - 1]!.tapIncrement);
    t.setPresentTap(w, t.presentTap(w) + change);
    this.pendingTapChange = 0;
    this.armed = false;
  }

  override reset(): void {
    this.pendingTapChange = 0;
    this.armed = false;
  }

  /** Make this control a copy of another (OpenDSS MakeLike). */
  makeLike(other: DssObject): void {
    if (!(other instanceof RegControl)) return;
    this.transformerName = other.transformerName;
    this.elementTerminal = other.elementTerminal;
    this.tapWinding = other.tapWinding;
    this.vreg = other.vreg;
    this.bandwidth = other.bandwidth;
    this.ptRatio = other.ptRatio;
    this.remotePtRatio = other.remotePtRatio;
    this.ctRating = other.ctRating;
    this.r = other.r;
    this.x = other.x;
    this.ldcZ = other.ldcZ;
    this.regulatedBus = other.regulatedBus;
    this.timeDelay = other.timeDelay;
    this.tapDelay = other.tapDelay;
    this.tapLimitPerChange = other.tapLimitPerChange;
    this.inverseTime = other.inverseTime;
    this.vLimit = other.vLimit;
    this.ptPhase = other.ptPhase;
    this.revVreg = other.revVreg;
    this.revBandwidth = other.revBandwidth;
    this.revR = other.revR;
    this.revX = other.revX;
    this.revLdcZ = other.revLdcZ;
    this.revThresholdKw = other.revThresholdKw;
    this.revDelay = other.revDelay;
    this.enabled = other.enabled;
    this.baseFrequency = other.baseFrequency;
  }

  /** The definition as property assignments (for the script writer). */
  writeAssignments(): string {
    const n = (x: number): string => String(x);
    const ptPhase = this.ptPhase === MAXPHASE ? "max" : this.ptPhase === MINPHASE ? "min" : n(this.ptPhase);
    const parts = [
      `transformer=${this.transformerName}`,
      `winding=${this.elementTerminal}`,
      `tapwinding=${this.tapWinding}`,
      `vreg=${n(this.vreg)}`,
      `band=${n(this.bandwidth)}`,
      `ptratio=${n(this.ptRatio)}`,
      `RemotePTRatio=${n(this.remotePtRatio)}`,
      `CTprim=${n(this.ctRating)}`,
      `R=${n(this.r)}`,
      `X=${n(this.x)}`,
      `LDC_Z=${n(this.ldcZ)}`,
      `delay=${n(this.timeDelay)}`,
      `tapdelay=${n(this.tapDelay)}`,
      `maxtapchange=${this.tapLimitPerChange}`,
      `inversetime=${this.inverseTime ? "yes" : "no"}`,
      `vlimit=${n(this.vLimit)}`,
      `PTphase=${ptPhase}`,
    ];
    if (this.regulatedBus !== "") parts.push(`bus=${this.regulatedBus}`);
    if (!this.enabled) parts.push("enabled=no");
    return parts.join(" ");
  }
}

function noMode(name: string): PropDef<RegControl> {
  return prop<RegControl>(name, (_o, v) => {
    if (toBool(v))
      throw new ValueError(`${name}=yes (reverse/cogeneration operation) is not implemented by this engine`);
  });
}

const REGCONTROL_PROPS: PropDef<RegControl>[] = [
  prop("transformer", (o, v) => {
    const t = v.text.trim();
    const dot = t.indexOf(".");
    o.transformerName = (
      dot > 0 && /^transformer$/i.test(t.slice(0, dot)) ? t.slice(dot + 1) : t
    ).toLowerCase();
  }),
  prop("winding", (o, v) => {
    const n = toInt(v);
    if (n < 1) throw new ValueError("winding must be >= 1");
    o.elementTerminal = n;
    o.tapWinding = n;
  }),
  prop("vreg", (o, v) => {
    o.vreg = toNumber(v);
  }),
  prop("band", (o, v) => {
    o.bandwidth = toNumber(v);
  }),
  prop("ptratio", (o, v) => {
    o.ptRatio = toNumber(v);
    o.remotePtRatio = o.ptRatio;
  }),
  prop("CTprim", (o, v) => {
    o.ctRating = toNumber(v);
  }),
  prop("R", (o, v) => {
    o.r = toNumber(v);
  }),
  prop("X", (o, v) => {
    o.x = toNumber(v);
  }),
  prop("bus", (o, v) => {
    o.regulatedBus = v.text.trim().toLowerCase();
  }),
  prop("delay", (o, v) => {
    o.timeDelay = toNumber(v);
  }),
  noMode("reversible"),
  prop("revvreg", (o, v) => {
    o.revVreg = toNumber(v);
  }),
  prop("revband", (o, v) => {
    o.revBandwidth = toNumber(v);
  }),
  prop("revR", (o, v) => {
    o.revR = toNumber(v);
  }),
  prop("revX", (o, v) => {
    o.revX = toNumber(v);
  }),
  prop("tapdelay", (o, v) => {
    o.tapDelay = toNumber(v);
  }),
  inert("debugtrace", "bool"),
  prop("maxtapchange", (o, v) => {
    o.tapLimitPerChange = Math.max(0, toInt(v));
  }),
  prop("inversetime", (o, v) => {
    o.inverseTime = toBool(v);
  }),
  prop("tapwinding", (o, v) => {
    const n = toInt(v);
    if (n < 1) throw new ValueError("tapwinding must be >= 1");
    o.tapWinding = n;
  }),
  prop("vlimit", (o, v) => {
    o.vLimit = toNumber(v);
  }),
  prop("PTphase", (o, v) => {
    const t = v.text.trim().toLowerCase();
    if (t === "max") o.ptPhase = MAXPHASE;
    else if (t === "min") o.ptPhase = MINPHASE;
    else {
      const n = toInt(v);
      if (n < 1) throw new ValueError("PTphase must be a phase number, max or min");
      o.ptPhase = n;
    }
  }),
  prop("revThreshold", (o, v) => {
    o.revThresholdKw = toNumber(v);
  }),
  prop("revDelay", (o, v) => {
    o.revDelay = toNumber(v);
  }),
  noMode("revNeutral"),
  inert("EventLog", "bool"),
  prop("RemotePTRatio", (o, v) => {
    o.remotePtRatio = toNumber(v);
  }),
  prop("TapNum", (o, v) => {
    o.pendingTapNum = toInt(v);
  }),
  prop("Reset", (o, v) => {
    if (toBool(v)) o.reset();
  }),
  prop("LDC_Z", (o, v) => {
    o.ldcZ = toNumber(v);
  }),
  prop("rev_Z", (o, v) => {
    o.revLdcZ = toNumber(v);
  }),
  noMode("Cogen"),
  ...cktElementProps(),
];
