/**
 * CapControl: switches a Capacitor (step by step) from a measurement at a terminal of a
 * monitored element, as OpenDSS's TCapControlObj does in static control mode:
 *
 * * `type=current` (the default): |I| of phase CTphase (or avg/max/min) / CTratio, in A;
 * * `type=voltage`: |V| of phase PTphase (line-to-line for a delta bank) / PTratio, in V;
 * * `type=kvar`: the reactive power into the monitored terminal (kvar);
 * * `type=pf`: the power factor on OpenDSS's 0…2 scale (leading above 1);
 * * `type=time`: the hour of day (ON and OFF settings in hours).
 *
 * When the measurement is past the ON setting (above for current and kvar, below for voltage)
 * and a step is available, a close is queued after `Delay` seconds (later, within `DeadTime`
 * of the last opening); past the OFF setting an open is queued after `DelayOFF`. `VoltOverride`
 * with Vmin/Vmax overrides the other types. A queued action is withdrawn when a later sample
 * no longer wants to switch. Closing adds the next step (and closes the bank's terminal);
 * opening removes the last step in service, and opening the last one opens the terminal.
 * Types `follow` and user models are not implemented (an error when set).
 */
import { type ControlContext, ControlElement } from "../control.ts";
import type { ValueToken } from "../lexer.ts";
import { toBool, toInt, toNumber, ValueError } from "../values.ts";
import {
  type CktElement,
  cktElementProps,
  type DssObject,
  elementYV,
  inert,
  type PropContext,
  type PropDef,
  prop,
  terminalPowerW,
} from "./base.ts";
import { Capacitor } from "./capacitor.ts";
import { PCElement } from "./pc.ts";

/** Control types (OpenDSS ECapControlType). */
export type CapControlType = "current" | "voltage" | "kvar" | "time" | "pf";

/** Monitored phase: a phase number, or average / maximum / minimum over the phases. */
const AVG = -1;
const MAX = -2;
const MIN = -3;

type Action = "none" | "open" | "close";
const CODE: Record<Action, number> = { none: 0, open: 1, close: 2 };

/** A capacitor control. */
export class CapControl extends ControlElement {
  readonly className = "CapControl";
  capacitorName = "";
  capacitor: Capacitor | null = null;
  /** Monitored element as given ("Class.name"), resolved at the end of each edit. */
  elementName = "";
  monitored: CktElement | null = null;
  elementTerminal = 1;
  type: CapControlType = "current";
  ptRatio = 60;
  ctRatio = 60;
  onValue = 300;
  offValue = 200;
  pfOn = 0.95;
  pfOff = 1.05;
  onDelay = 15;
  offDelay = 15;
  deadTime = 300;
  lastOpenTime = -300;
  vOverride = false;
  vMax = 126;
  vMin = 115;
  ctPhase = 1;
  ptPhase = 1;
  vBus = "";
  pctMinKvar = 50;
  presentState: "open" | "close" = "close";
  initialState: "open" | "close" = "close";
  pendingChange: Action = "none";
  shouldSwitch = false;
  armed = false;
  actionHandle = 0;
  private vbuf = new Float64Array(8);
  private cbuf = new Float64Array(16);

  get propDefs(): readonly PropDef<DssObject>[] {
    return CAPCONTROL_PROPS as PropDef<DssObject>[];
  }

  /** OpenDSS RecalcElementData: resolve the elements; the bank's terminal is closed. */
  override endEdit(cx: PropContext): void {
    if (this.capacitorName === "") throw new ValueError(`${this.fullName}: capacitor is not set`);
    const cap = cx.findElement?.("Capacitor", this.capacitorName);
    if (!(cap instanceof Capacitor))
      throw new ValueError(
        `${this.fullName}: capacitor '${this.capacitorName}' is not defined (define the Capacitor before its CapControl)`,
      );
    this.capacitor = cap;
    this.nPhases = cap.nPhases;
    cap.setConductorClosed(1, 0, true);
    this.presentState = "close";
    this.initialState = "close";
    // a time control needs no monitored element; OpenDSS then uses terminal 1 (of the monitored
    // element, which a voltage override still reads when one is given)
    if (this.type === "time") this.elementTerminal = 1;
    if (this.elementName === "") {
      if (this.type !== "time") throw new ValueError(`${this.fullName}: element is not set`);
      this.monitored = cap;
    } else {
      const dot = this.elementName.indexOf(".");
      const cls = dot > 0 ? this.elementName.slice(0, dot) : "Line";
      const name = dot > 0 ? this.elementName.slice(dot + 1) : this.elementName;
      const el = cx.findElement?.(cls, name);
      if (!el) throw new ValueError(`${this.fullName}: element '${this.elementName}' is not defined`);
      this.monitored = el;
    }
    if (this.elementTerminal < 1 || this.elementTerminal > this.monitored.nTerms)
      throw new ValueError(
        `${this.fullName}: terminal ${this.elementTerminal} does not exist on ${this.monitored.fullName}`,
      );
    if (
      (this.type === "current" || this.type === "kvar" || this.type === "pf") &&
      this.monitored.role === "source"
    )
      throw new ValueError(
        `${this.fullName}: a ${this.type} control cannot monitor ${this.monitored.fullName}`,
      );
  }

  /** Voltages of the monitored terminal's conductors (or of the override bus) into vbuf. */
  private terminalVoltages(cx: ControlContext): number {
    const el = this.monitored!;
    const n = el.nConds;
    if (this.vbuf.length < 2 * n) this.vbuf = new Float64Array(2 * n);
    const V = cx.V;
    if (this.vOverride && this.vBus !== "") {
      const nodes = cx.nodesOf(
        `${this.vBus}.${Array.from({ length: this.nPhases }, (_, i) => i + 1).join(".")}`,
      );
      nodes.forEach((node, i) => {
        this.vbuf[2 * i] = V[2 * node]!;
        this.vbuf[2 * i + 1] = V[2 * node + 1]!;
      });
      return nodes.length;
    }
    const off = (this.elementTerminal - 1) * n;
    for (let k = 0; k < n; k++) {
      const node = el.nodeRef[off + k]!;
      this.vbuf[2 * k] = V[2 * node]!;
      this.vbuf[2 * k + 1] = V[2 * node + 1]!;
    }
    return n;
  }

  /** The PT-secondary control voltage (V). */
  private controlVoltage(): number {
    const el = this.monitored!;
    const b = this.vbuf;
    const mag = (i: number): number => Math.hypot(b[2 * i]!, b[2 * i + 1]!);
    const np = el.nPhases;
    switch (this.ptPhase) {
      case AVG: {
        let s = 0;
        for (let i = 0; i < np; i++) s += mag(i);
        return s / np / this.ptRatio;
      }
      case MAX: {
        let s = 0;
        for (let i = 0; i < np; i++) s = Math.max(s, mag(i));
        return s / this.ptRatio;
      }
      case MIN: {
        let s = 1e50;
        for (let i = 0; i < np; i++) s = Math.min(s, mag(i));
        return s / this.ptRatio;
      }
      default: {
        const i = this.ptPhase - 1;
        if (this.capacitor!.connection === "delta") {
          const j = this.ptPhase + 1 > this.nPhases ? 0 : this.ptPhase;
          return Math.hypot(b[2 * i]! - b[2 * j]!, b[2 * i + 1]! - b[2 * j + 1]!) / this.ptRatio;
        }
        return mag(i) / this.ptRatio;
      }
    }
  }

  /** Currents into the monitored element's conductors at the present solution, into cbuf. */
  private currents(cx: ControlContext): Float64Array {
    const el = this.monitored!;
    const m = el.yorder;
    if (el instanceof PCElement) return el.iTerm;
    if (this.cbuf.length < 2 * m) this.cbuf = new Float64Array(2 * m);
    elementYV(el, cx.V, this.cbuf);
    return this.cbuf;
  }

  /** The CT-secondary control current (A). */
  private controlCurrent(cur: Float64Array): number {
    const el = this.monitored!;
    const off = (this.elementTerminal - 1) * el.nConds;
    const mag = (k: number): number => Math.hypot(cur[2 * k]!, cur[2 * k + 1]!);
    const np = this.nPhases;
    switch (this.ctPhase) {
      case AVG: {
        let s = 0;
        for (let i = 0; i < np; i++) s += mag(off + i);
        return s / np / this.ctRatio;
      }
      case MAX: {
        let s = 0;
        for (let i = 0; i < np; i++) s = Math.max(s, mag(off + i));
        return s / this.ctRatio;
      }
      case MIN: {
        let s = 1e50;
        for (let i = 0; i < np; i++) s = Math.min(s, mag(off + i));
        return s / this.ctRatio;
      }
      default:
        // OpenDSS reads the phase of terminal 1 here, whatever the monitored terminal
        return mag(this.ctPhase - 1) / this.ctRatio;
    }
  }

  /** Complex power into the monitored terminal (W, var). */
  private terminalPower(cx: ControlContext): [number, number] {
    return terminalPowerW(this.monitored!, cx.V, this.currents(cx), this.elementTerminal - 1);
  }

  /** Decide between switching one way, the other, or resetting (one measurement against ON/OFF). */
  private decide(wantClose: boolean, wantOpen: boolean, resetWhenClosed = true): void {
    const cap = this.capacitor!;
    if (this.presentState === "open") {
      if (wantClose) {
        this.pendingChange = "close";
        this.shouldSwitch = true;
      } else this.pendingChange = "none";
    } else if (wantOpen) {
      this.pendingChange = "open";
      this.shouldSwitch = true;
    } else if (cap.availableSteps > 0) {
      if (wantClose) {
        this.pendingChange = "close";
        this.shouldSwitch = true;
      }
    } else if (resetWhenClosed) this.pendingChange = "none";
  }

  sample(cx: ControlContext): void {
    const cap = this.capacitor;
    if (!cap || !this.monitored) return;
    this.presentState = cap.terminalClosed(1) ? "close" : "open";
    this.shouldSwitch = false;
    if (this.vOverride && this.type !== "voltage") {
      this.terminalVoltages(cx);
      const v = this.controlVoltage();
      if (this.presentState === "open" && v < this.vMin) {
        this.pendingChange = "close";
        this.shouldSwitch = true;
      } else if (this.presentState === "close" && v > this.vMax) {
        this.pendingChange = "open";
        this.shouldSwitch = true;
      }
    }
    if (!this.shouldSwitch) {
      switch (this.type) {
        case "current": {
          const i = this.controlCurrent(this.currents(cx));
          this.decide(i > this.onValue, i < this.offValue);
          break;
        }
        case "voltage": {
          this.terminalVoltages(cx);
          const v = this.controlVoltage();
          if (this.presentState === "close") this.pendingChange = "none";
          this.decide(v < this.onValue, v > this.offValue, false);
          break;
        }
        case "kvar": {
          const q = this.terminalPower(cx)[1] * 0.001;
          this.decide(q > this.onValue, q < this.offValue);
          break;
        }
        case "time": {
          const h = (((cx.intHour + cx.t / 3600) % 24) + 24) % 24;
          const on = this.onValue;
          const off = this.offValue;
          const inOn = off > on ? h >= on && h < off : h >= on && h < 24;
          const inOff = off > on ? h >= off || h < on : h >= off && h < on;
          this.decide(inOn, inOff);
          break;
        }
        case "pf": {
          const [p, q] = this.terminalPower(cx);
          const s = Math.hypot(p, q);
          let pf = s !== 0 ? Math.abs(p) / s : 1;
          if (q < 0) pf = 2 - pf;
          const qk = q * 0.001;
          if (this.presentState === "open") {
            const close = pf < this.pfOn && qk > (cap.totalKvar * this.pctMinKvar) / 100;
            this.decide(close, false);
          } else {
            const close = pf < this.pfOn && qk > (cap.totalKvar / cap.numSteps) * 0.5;
            this.decide(close, pf > this.pfOff);
          }
          break;
        }
      }
    }
    const now = cx.t + cx.intHour * 3600;
    if (this.shouldSwitch && !this.armed) {
      let delay: number;
      if (this.pendingChange === "close") {
        delay =
          now - this.lastOpenTime < this.deadTime
            ? Math.max(this.onDelay, this.deadTime + this.onDelay - (now - this.lastOpenTime))
            : this.onDelay;
      } else delay = this.offDelay;
      this.actionHandle = cx.queue.push(cx.intHour, cx.t + delay, CODE[this.pendingChange], this);
      this.armed = true;
    }
    if (this.armed && this.pendingChange === "none") {
      cx.queue.delete(this.actionHandle);
      this.armed = false;
    }
  }

  doPendingAction(_code: number, cx: ControlContext): void {
    const cap = this.capacitor!;
    if (this.pendingChange === "open") {
      if (this.presentState === "close") {
        if (cap.numSteps === 1) {
          cap.setConductorClosed(1, 0, false);
          cap.subtractStep();
          this.presentState = "open";
          this.lastOpenTime = cx.t + 3600 * cx.intHour;
        } else if (!cap.subtractStep()) {
          this.presentState = "open";
          cap.setConductorClosed(1, 0, false);
        }
      }
    } else if (this.pendingChange === "close") {
      if (this.presentState === "open") {
        cap.setConductorClosed(1, 0, true);
        this.presentState = "close";
        cap.addStep();
      } else cap.addStep();
    }
    this.shouldSwitch = false;
    this.armed = false;
  }

  override reset(): void {
    this.pendingChange = "none";
    this.capacitor?.setConductorClosed(1, 0, this.initialState === "close");
    this.shouldSwitch = false;
    this.lastOpenTime = -this.deadTime;
    this.presentState = this.initialState;
  }
}

/** A monitored-phase value: a phase number, or avg / max / min. */
function toMonPhase(v: ValueToken): number {
  const t = v.text.trim().toLowerCase();
  if (t.startsWith("mi")) return MIN;
  if (t.startsWith("ma")) return MAX;
  if (t.startsWith("a")) return AVG;
  const n = toInt(v);
  if (n < 1) throw new ValueError("the monitored phase must be a phase number, avg, max or min");
  return n;
}

/** A CapControl type: OpenDSS decides on the first letter (c, v, k, t, p, f). */
function toControlType(v: ValueToken): CapControlType {
  const c = v.text.trim().toLowerCase()[0];
  switch (c) {
    case "c":
      return "current";
    case "v":
      return "voltage";
    case "k":
      return "kvar";
    case "t":
      return "time";
    case "p":
      return "pf";
    case "f":
      throw new ValueError("type=follow (a control-signal load shape) is not implemented by this engine");
    default:
      throw new ValueError(`'${v.text}' is not a CapControl type (current, voltage, kvar, time, pf)`);
  }
}

/** ON/OFF setting: for the PF type it is a power factor in −1…1 (negative = leading). */
function pfSetting(o: CapControl, x: number, on: boolean): void {
  if (o.type !== "pf") return;
  if (x < -1 || x > 1) throw new ValueError(`invalid power factor ${x} (must be within -1…1)`);
  const v = x < 0 ? 2 + x : x;
  if (on) o.pfOn = v;
  else o.pfOff = v;
}

const CAPCONTROL_PROPS: PropDef<CapControl>[] = [
  prop("element", (o, v) => {
    o.elementName = v.text.trim().toLowerCase();
  }),
  prop("terminal", (o, v) => {
    o.elementTerminal = toInt(v);
  }),
  prop("capacitor", (o, v) => {
    const t = v.text.trim();
    const dot = t.indexOf(".");
    o.capacitorName = (dot > 0 && /^capacitor$/i.test(t.slice(0, dot)) ? t.slice(dot + 1) : t).toLowerCase();
  }),
  prop("type", (o, v) => {
    o.type = toControlType(v);
    if (o.type === "pf") {
      o.pfOn = 0.95;
      o.pfOff = 1.05;
    }
  }),
  prop("PTratio", (o, v) => {
    o.ptRatio = toNumber(v);
  }),
  prop("CTratio", (o, v) => {
    o.ctRatio = toNumber(v);
  }),
  prop("ONsetting", (o, v) => {
    o.onValue = toNumber(v);
    pfSetting(o, o.onValue, true);
  }),
  prop("OFFsetting", (o, v) => {
    o.offValue = toNumber(v);
    pfSetting(o, o.offValue, false);
  }),
  prop("Delay", (o, v) => {
    o.onDelay = toNumber(v);
  }),
  prop("VoltOverride", (o, v) => {
    o.vOverride = toBool(v);
  }),
  prop("Vmax", (o, v) => {
    o.vMax = toNumber(v);
  }),
  prop("Vmin", (o, v) => {
    o.vMin = toNumber(v);
  }),
  prop("DelayOFF", (o, v) => {
    o.offDelay = toNumber(v);
  }),
  prop("DeadTime", (o, v) => {
    o.deadTime = toNumber(v);
  }),
  prop("CTPhase", (o, v) => {
    o.ctPhase = toMonPhase(v);
  }),
  prop("PTPhase", (o, v) => {
    o.ptPhase = toMonPhase(v);
  }),
  prop("VBus", (o, v) => {
    o.vBus = v.text.trim().toLowerCase();
  }),
  inert("EventLog", "bool"),
  prop("UserModel", (_o, v) => {
    if (v.text.trim() !== "")
      throw new ValueError("user-written CapControl models are not supported by this engine");
  }),
  inert("UserData"),
  prop("pctMinkvar", (o, v) => {
    o.pctMinKvar = toNumber(v);
  }),
  prop("Reset", (o, v) => {
    if (toBool(v)) o.reset();
  }),
  prop("ControlSignal", (_o, v) => {
    throw new ValueError(`ControlSignal=${v.text}: type=follow is not implemented by this engine`);
  }),
  ...cktElementProps<CapControl>(),
];
