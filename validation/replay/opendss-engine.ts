/**
 * The project's OpenDSS-compatible engine through its OpenDSSDirect-style facade (validation/opendss
 * `OpenDSS`), seen through the replay's narrow `ReplayEngine` interface: text commands in,
 * OpenDSS-convention totals, node voltages, element powers and Storage state out.
 */

import { ENGINE_IDENTITY } from "../opendss/identity.ts";
import { DssError, OpenDSS } from "../opendss/index.ts";
import type { EngineIdentity, ReplayEngine } from "./types.ts";

/** Identity of the project's engine in manifests. */
export const OPENDSS_ENGINE_IDENTITY: EngineIdentity = { ...ENGINE_IDENTITY };

/** `ReplayEngine` over an `OpenDSS` facade (a fresh one by default). */
export class OpenDssReplayEngine implements ReplayEngine {
  readonly identity = OPENDSS_ENGINE_IDENTITY;
  readonly dss: OpenDSS;

  constructor(dss: OpenDSS = new OpenDSS()) {
    this.dss = dss;
  }

  text(command: string): string {
    return this.dss.text(command, "<replay>");
  }

  converged(): boolean {
    return this.dss.solution.converged();
  }

  iterations(): number {
    return this.dss.solution.iterations();
  }

  totalPower(): [number, number] {
    return this.dss.circuit.totalPowerKw();
  }

  losses(): [number, number] {
    return this.dss.circuit.lossesKw();
  }

  nodeVoltagesV(): Map<string, number> {
    const names = this.dss.circuit.allNodeNames();
    const v = this.dss.circuit.allBusVmag();
    return new Map(names.map((n, k) => [n.toLowerCase(), v[k]!]));
  }

  /** Missing elements read as undefined (the comparison reports them); other engine errors propagate. */
  private orUndefined<T>(f: () => T): T | undefined {
    try {
      return f();
    } catch (e) {
      if (e instanceof DssError && e.kind === "missing-element") return undefined;
      throw e;
    }
  }

  elementPower(fullName: string): [number, number] | undefined {
    const dot = fullName.indexOf(".");
    const cls = fullName.slice(0, dot);
    const name = fullName.slice(dot + 1);
    return this.orUndefined(() => {
      if (!this.dss.elements.enabled(cls, name)) return undefined;
      const p = this.dss.elements.totalPowersKw(cls, name);
      return [p[0]!, p[1]!];
    });
  }

  branchFlow(
    fullName: string,
  ): { p1Kw: number; q1Kvar: number; p2Kw: number; q2Kvar: number; i2A: number } | undefined {
    const dot = fullName.indexOf(".");
    const cls = fullName.slice(0, dot);
    const name = fullName.slice(dot + 1);
    return this.orUndefined(() => {
      if (!this.dss.elements.enabled(cls, name)) return undefined;
      const r = this.dss.elements.result(cls, name);
      const [a, b] = r.terminals;
      if (!a || !b) return undefined;
      return {
        p1Kw: a.kw_total,
        q1Kvar: a.kvar_total,
        p2Kw: b.kw_total,
        q2Kvar: b.kvar_total,
        i2A: b.i_mag[0] ?? Number.NaN,
      };
    });
  }

  storage(name: string): { kwhStored: number; state: number } | undefined {
    return this.orUndefined(() => ({
      kwhStored: this.dss.storage.kWhStored(name),
      state: this.dss.storage.state(name),
    }));
  }
}
