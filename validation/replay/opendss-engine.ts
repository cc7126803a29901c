/**
 * The project's OpenDSS-compatible engine (validation/opendss `DssEngine`) seen through the replay's
 * narrow `ReplayEngine` interface: text commands in, OpenDSS-convention totals, node voltages, element
 * powers and Storage state out. Circuit totals are computed once per solution.
 */

import { Storage } from "../opendss/elements/storage.ts";
import { DssEngine } from "../opendss/engine.ts";
import { circuitTotals, nodeResults, terminalPowerW } from "../opendss/report.ts";
import type { EngineIdentity, ReplayEngine } from "./types.ts";

/** Identity of the project's engine in manifests. */
export const OPENDSS_ENGINE_IDENTITY: EngineIdentity = {
  name: "mpopf OpenDSS-compatible engine (validation/opendss)",
  version: "0.1.0",
};

/** `ReplayEngine` over a fresh `DssEngine`. */
export class OpenDssReplayEngine implements ReplayEngine {
  readonly identity = OPENDSS_ENGINE_IDENTITY;
  readonly dss: DssEngine;
  private totalsAt = -1;
  private totals: ReturnType<typeof circuitTotals> | null = null;

  constructor(dss: DssEngine = new DssEngine()) {
    this.dss = dss;
  }

  text(command: string): string {
    return this.dss.text(command, "<replay>");
  }

  private state() {
    const c = this.dss.circuit;
    const s = this.dss.solution;
    if (!c || !s) throw new Error("no circuit has been solved");
    return { c, s };
  }

  private circuitTotals() {
    const { c, s } = this.state();
    if (this.totals === null || this.totalsAt !== s.solutionCount) {
      this.totals = circuitTotals(c, s);
      this.totalsAt = s.solutionCount;
    }
    return this.totals;
  }

  converged(): boolean {
    return this.dss.solution?.converged ?? false;
  }

  iterations(): number {
    return this.dss.solution?.iteration ?? 0;
  }

  totalPower(): [number, number] {
    const t = this.circuitTotals();
    return [t.totalKw, t.totalKvar];
  }

  losses(): [number, number] {
    const t = this.circuitTotals();
    return [t.lossesKw, t.lossesKvar];
  }

  nodeVoltagesV(): Map<string, number> {
    const { c, s } = this.state();
    return new Map(nodeResults(c, s).map((n) => [n.name.toLowerCase(), n.v]));
  }

  elementPower(fullName: string): [number, number] | undefined {
    const { c, s } = this.state();
    const dot = fullName.indexOf(".");
    const el = c.find(fullName.slice(0, dot), fullName.slice(dot + 1));
    if (!el || !el.enabled) return undefined;
    const [p, q] = terminalPowerW(el, s, 0);
    return [p / 1000, q / 1000];
  }

  storage(name: string): { kwhStored: number; state: number } | undefined {
    const { c } = this.state();
    const el = c.find("storage", name);
    if (!(el instanceof Storage)) return undefined;
    return { kwhStored: el.kWhStored, state: el.state };
  }
}
