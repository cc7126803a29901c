/**
 * EnergyMeter: accepted and placed on a terminal of a circuit element (it does not change the
 * power flow). Its zone is found as OpenDSS does for a radial feeder: the metered element and,
 * walking away from the metered terminal, every power-delivery element reached through shared
 * buses, stopping at elements metered by another EnergyMeter. Zone losses are the sum of the
 * losses of the zone's delivery elements (shunt capacitors excluded, as in circuit losses).
 * Registers, demand intervals and reliability indices are not modelled.
 */
import type { Circuit } from "../circuit.ts";
import { toInt, ValueError } from "../values.ts";
import {
  type CktElement,
  cktElementProps,
  DetachedElement,
  type DssObject,
  type ElementRole,
  inert,
  type PropContext,
  type PropDef,
  prop,
} from "./base.ts";
import { Capacitor } from "./capacitor.ts";

/** An energy meter. */
export class EnergyMeter extends DetachedElement {
  readonly className = "EnergyMeter";
  readonly role: ElementRole = "meter";
  /** Metered element as given ("Class.name"; class defaults to Line). */
  elementSpec = "";
  metered: CktElement | null = null;
  /** Metered terminal (1-based). */
  terminal = 1;

  get propDefs(): readonly PropDef<DssObject>[] {
    return ENERGYMETER_PROPS as PropDef<DssObject>[];
  }

  override endEdit(cx: PropContext): void {
    if (this.elementSpec === "") throw new ValueError(`${this.fullName}: element is not set`);
    const dot = this.elementSpec.indexOf(".");
    const cls = dot > 0 ? this.elementSpec.slice(0, dot) : "Line";
    const name = dot > 0 ? this.elementSpec.slice(dot + 1) : this.elementSpec;
    const el = cx.findElement?.(cls, name);
    if (!el) throw new ValueError(`${this.fullName}: metered element '${this.elementSpec}' is not defined`);
    if (this.terminal < 1 || this.terminal > el.nTerms)
      throw new ValueError(`${this.fullName}: ${el.fullName} has no terminal ${this.terminal}`);
    this.metered = el;
  }

  /**
   * The meter's zone: delivery elements (in circuit order) reached from the metered terminal
   * through shared buses, not crossing elements metered by other enabled EnergyMeters.
   */
  zone(circuit: Circuit): CktElement[] {
    const start = this.metered;
    if (!start?.enabled) return [];
    const boundary = new Set<CktElement>();
    for (const el of circuit.elements) {
      if (el instanceof EnergyMeter && el !== this && el.enabled && el.metered) boundary.add(el.metered);
    }
    const busesOf = (el: CktElement, t: number): number[] => {
      const out: number[] = [];
      for (let c = 0; c < el.nConds; c++) {
        const node = el.nodeRef[t * el.nConds + c]!;
        if (node !== 0) out.push(circuit.nodeBus[node]!);
      }
      return out;
    };
    const byBus = new Map<number, CktElement[]>();
    for (const el of circuit.elements) {
      if (!el.enabled || el.role !== "PD") continue;
      for (let t = 0; t < el.nTerms; t++) {
        for (const b of busesOf(el, t)) {
          let list = byBus.get(b);
          if (!list) {
            list = [];
            byBus.set(b, list);
          }
          if (!list.includes(el)) list.push(el);
        }
      }
    }
    const inZone = new Set<CktElement>([start]);
    const seenBus = new Set<number>(busesOf(start, this.terminal - 1));
    const queue: number[] = [];
    for (let t = 0; t < start.nTerms; t++) if (t !== this.terminal - 1) queue.push(...busesOf(start, t));
    while (queue.length > 0) {
      const b = queue.pop()!;
      if (seenBus.has(b)) continue;
      seenBus.add(b);
      for (const el of byBus.get(b) ?? []) {
        if (inZone.has(el) || boundary.has(el)) continue;
        inZone.add(el);
        for (let t = 0; t < el.nTerms; t++) queue.push(...busesOf(el, t));
      }
    }
    return circuit.elements.filter((el) => inZone.has(el) && !(el instanceof Capacitor && el.isShunt));
  }

  /** Definition as property assignments (for the script writer). */
  writeAssignments(): string {
    return `element=${this.elementSpec} terminal=${this.terminal}${this.enabled ? "" : " enabled=no"}`;
  }
}

const ENERGYMETER_PROPS: PropDef<EnergyMeter>[] = [
  prop("element", (o, v) => {
    o.elementSpec = v.text.trim().toLowerCase();
  }),
  prop("terminal", (o, v) => {
    o.terminal = toInt(v);
  }),
  prop("action", (_o, v) => {
    const t = v.text.trim().toLowerCase();
    if (/^(c|sa|t|z)/.test(t)) return; // clear, save, take, zonedump: registers/reports only
    throw new ValueError(
      `action '${v.text}' is not implemented by this engine (clear, save, take, zonedump are accepted)`,
    );
  }),
  inert("option"),
  inert("kVAnormal", "number"),
  inert("kVAemerg", "number"),
  inert("peakcurrent"),
  inert("Zonelist"),
  inert("LocalOnly", "bool"),
  inert("Mask"),
  inert("Losses", "bool"),
  inert("LineLosses", "bool"),
  inert("XfmrLosses", "bool"),
  inert("SeqLosses", "bool"),
  inert("3phaseLosses", "bool"),
  inert("VbaseLosses", "bool"),
  inert("PhaseVoltageReport", "bool"),
  inert("Int_Rate", "number"),
  inert("Int_Duration", "number"),
  inert("SAIFI", "number"),
  inert("SAIFIkW", "number"),
  inert("SAIDI", "number"),
  inert("CAIDI", "number"),
  inert("CustInterrupts", "number"),
  ...cktElementProps(),
];
