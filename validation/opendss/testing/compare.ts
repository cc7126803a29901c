/**
 * Node-by-node comparison of one of our snapshots with a snapshot of the real OpenDSS (the
 * expected.json layout written by dss-run), within the limits of issue 15: every node's |V| within
 * 1e-6 pu and angle within 1e-4°, circuit totals and losses within 1e-5 relative, each element's
 * per-conductor P and Q within 1e-5 relative (or an absolute floor), identical iteration counts,
 * regulator taps and capacitor states. Returns every mismatch as a readable line, plus the worst
 * deviation of each kind, so that a test can assert on the list and print the margins.
 */
import type { SnapshotResult } from "../report.ts";

/** Tolerances of a comparison. */
export interface CompareLimits {
  /** Node |V| (pu of the bus base; relative to |V| for a bus without a base). */
  vPu: number;
  /** Node angle (degrees), for nodes at or above `angleMinPu`. */
  angleDeg: number;
  /**
   * Below this |V| (pu) the angle is not compared; the phasor difference must be within vPu
   * instead (the angle of a near-zero neutral voltage is ill-conditioned).
   */
  angleMinPu: number;
  /** Circuit totals and losses: relative… */
  totalsRel: number;
  /** …or absolute (kW, kvar), whichever is larger. */
  totalsAbsKw: number;
  /** Element per-conductor P/Q: relative… */
  elementRel: number;
  /** …or absolute (kW, kvar), whichever is larger. */
  elementAbsKw: number;
  /** Compare iteration counts (iterations, control iterations, most iterations done). */
  iterations: boolean;
  /**
   * Allowed difference of `iterations` and `most_iterations_done` (control iterations must still
   * match). Only for decks where the reference's own rounding noise is shown to reach the
   * convergence tolerance (default 0).
   */
  iterationSlack?: number;
  /**
   * Raise the element P/Q floor to the reference's own Kirchhoff imbalance (see
   * referenceKirchhoffImbalanceKva): the flow through an element of the reference is only as
   * exact as the currents it balances at the nodes beyond it (default false).
   */
  elementFloorFromReference?: boolean;
}

/** The limits of issue 15. */
export const ISSUE15_LIMITS: CompareLimits = {
  vPu: 1e-6,
  angleDeg: 1e-4,
  angleMinPu: 1e-2,
  totalsRel: 1e-5,
  totalsAbsKw: 1e-4,
  elementRel: 1e-5,
  elementAbsKw: 1e-4,
  iterations: true,
};

/** The largest deviation found of one kind, and where. */
export interface Worst {
  value: number;
  where: string;
}

/** Result of a comparison. */
export interface Comparison {
  /** One line per mismatch (capped per kind; `counts` has the totals). */
  mismatches: string[];
  /** Number of mismatches per kind. */
  counts: Record<string, number>;
  worstVPu: Worst;
  worstAngleDeg: Worst;
  worstTotalsRel: Worst;
  /** Worst element P/Q deviation as a multiple of its limit. */
  worstElement: Worst;
}

// biome-ignore lint/suspicious/noExplicitAny: the oracle's JSON (expected.json layout)
type Json = any;

const TOTALS = [
  "total_power_kw",
  "total_power_kvar",
  "losses_kw",
  "losses_kvar",
  "line_losses_kw",
  "line_losses_kvar",
  "substation_losses_kw",
  "substation_losses_kvar",
] as const;

/** Angle difference folded into [0°, 180°]. */
export function angleDiffDeg(a: number, b: number): number {
  return Math.abs(((((a - b + 540) % 360) + 360) % 360) - 180);
}

const MAX_PER_KIND = 12;

/** Compare our snapshot with the oracle's (reference) snapshot. */
export function compareSnapshots(
  ours: SnapshotResult,
  ref: Json,
  limits: CompareLimits = ISSUE15_LIMITS,
): Comparison {
  const out: Comparison = {
    mismatches: [],
    counts: {},
    worstVPu: { value: 0, where: "" },
    worstAngleDeg: { value: 0, where: "" },
    worstTotalsRel: { value: 0, where: "" },
    worstElement: { value: 0, where: "" },
  };
  const bad = (kind: string, msg: string): void => {
    const n = (out.counts[kind] ?? 0) + 1;
    out.counts[kind] = n;
    if (n <= MAX_PER_KIND) out.mismatches.push(`${kind}: ${msg}`);
    else if (n === MAX_PER_KIND + 1) out.mismatches.push(`${kind}: … (more)`);
  };
  const worse = (w: Worst, value: number, where: () => string): void => {
    if (value > w.value || Number.isNaN(value)) {
      w.value = Number.isNaN(value) ? Number.POSITIVE_INFINITY : value;
      w.where = where();
    }
  };

  // ---- solution state
  if (ours.converged !== ref.converged) bad("state", `converged ${ours.converged} vs ${ref.converged}`);
  if (ours.mode !== ref.mode) bad("state", `mode ${ours.mode} vs ${ref.mode}`);
  if (limits.iterations) {
    for (const k of ["iterations", "control_iterations", "most_iterations_done"] as const) {
      const slack = k === "control_iterations" ? 0 : (limits.iterationSlack ?? 0);
      if (!(Math.abs(ours[k] - ref[k]) <= slack)) bad("iterations", `${k} ${ours[k]} vs ${ref[k]}`);
    }
  }

  // ---- nodes
  if (ours.num_nodes !== ref.num_nodes) bad("nodes", `num_nodes ${ours.num_nodes} vs ${ref.num_nodes}`);
  const byName = new Map(ours.nodes.map((n, i) => [n.name, i]));
  const refNames = new Set<string>();
  let orderOk = ours.nodes.length === ref.nodes.length;
  ref.nodes.forEach((b: Json, i: number) => {
    refNames.add(b.name);
    const k = byName.get(b.name);
    if (k === undefined) {
      bad("nodes", `node ${b.name} missing`);
      orderOk = false;
      return;
    }
    if (k !== i) orderOk = false;
    const a = ours.nodes[k]!;
    const kvb = b.kv_base_ln as number;
    if (Math.abs(a.kv_base_ln - kvb) > 1e-9 * Math.max(1, kvb))
      bad("base", `${b.name} kV base ${a.kv_base_ln} vs ${kvb}`);
    const base = kvb > 0 ? 1000 * kvb : Math.max(b.v, 1);
    const dv = Math.abs(a.v - b.v) / base;
    worse(out.worstVPu, dv, () => `${b.name}: ${a.v} V vs ${b.v} V`);
    if (!(dv <= limits.vPu)) bad("vmag", `${b.name}: |V| ${a.v} vs ${b.v} (Δ ${dv.toExponential(2)} pu)`);
    if (b.v / base >= limits.angleMinPu) {
      const da = angleDiffDeg(a.angle_deg, b.angle_deg);
      worse(out.worstAngleDeg, da, () => `${b.name}: ${a.angle_deg}° vs ${b.angle_deg}°`);
      if (!(da <= limits.angleDeg))
        bad("angle", `${b.name}: ${a.angle_deg}° vs ${b.angle_deg}° (Δ ${da.toExponential(2)}°)`);
    } else {
      const ra = (a.angle_deg * Math.PI) / 180;
      const rb = (b.angle_deg * Math.PI) / 180;
      const d = Math.hypot(a.v * Math.cos(ra) - b.v * Math.cos(rb), a.v * Math.sin(ra) - b.v * Math.sin(rb));
      if (!(d / base <= limits.vPu))
        bad("vphasor", `${b.name} (near zero): phasor Δ ${(d / base).toExponential(2)} pu`);
    }
  });
  for (const n of ours.nodes) if (!refNames.has(n.name)) bad("nodes", `extra node ${n.name}`);
  if (!orderOk && (out.counts.nodes ?? 0) === 0) bad("nodes", "node order differs from AllNodeNames");

  // ---- totals
  for (const k of TOTALS) {
    const a = ours[k];
    const b = ref[k] as number;
    const d = Math.abs(a - b);
    const lim = Math.max(limits.totalsRel * Math.abs(b), limits.totalsAbsKw);
    worse(out.worstTotalsRel, d / Math.max(Math.abs(b), 1e-300), () => `${k}: ${a} vs ${b}`);
    if (!(d <= lim)) bad("totals", `${k} ${a} vs ${b}`);
  }

  // ---- regulators
  const regs = ref.regcontrols as Json[];
  if (ours.regcontrols.length !== regs.length)
    bad("controls", `${ours.regcontrols.length} regcontrols vs ${regs.length}`);
  regs.forEach((x, i) => {
    const g = ours.regcontrols[i];
    if (!g) return;
    if (g.name !== x.name || g.tap_number !== x.tap_number || g.winding !== x.winding)
      bad("controls", `regcontrol ${x.name}: tap ${g.tap_number} (${g.name}) vs ${x.tap_number}`);
  });

  // ---- elements
  const elementAbsKw = limits.elementFloorFromReference
    ? Math.max(limits.elementAbsKw, referenceKirchhoffImbalanceKva(ref))
    : limits.elementAbsKw;
  if (ref.elements) {
    const mine = ours.elements ?? {};
    for (const cls of Object.keys(ref.elements)) {
      const want = ref.elements[cls] as Json[];
      const have = mine[cls] ?? [];
      const hv = new Map(have.map((e) => [e.name, e]));
      if (have.length !== want.length) bad("elements", `${cls}: ${have.length} elements vs ${want.length}`);
      for (const e of want) {
        const o = hv.get(e.name);
        const id = `${cls}.${e.name}`;
        if (!o) {
          bad("elements", `${id} missing`);
          continue;
        }
        if (o.enabled !== e.enabled) bad("elements", `${id} enabled ${o.enabled} vs ${e.enabled}`);
        if (o.phases !== e.phases) bad("elements", `${id} phases ${o.phases} vs ${e.phases}`);
        if (o.terminals.length !== e.terminals.length) {
          bad("elements", `${id} ${o.terminals.length} terminals vs ${e.terminals.length}`);
          continue;
        }
        e.terminals.forEach((t: Json, ti: number) => {
          const ot = o.terminals[ti]!;
          if (ot.kw.length !== t.kw.length) {
            bad("elements", `${id} terminal ${ti + 1}: ${ot.kw.length} conductors vs ${t.kw.length}`);
            return;
          }
          for (const f of ["kw", "kvar"] as const) {
            (t[f] as number[]).forEach((b, k) => {
              const a = ot[f][k]!;
              const lim = Math.max(limits.elementRel * Math.abs(b), elementAbsKw);
              const dev = Math.abs(a - b) / lim;
              worse(
                out.worstElement,
                dev,
                () => `${id} terminal ${ti + 1} conductor ${k + 1} ${f}: ${a} vs ${b}`,
              );
              if (!(dev <= 1)) bad("power", `${id} terminal ${ti + 1} conductor ${k + 1} ${f}: ${a} vs ${b}`);
            });
          }
        });
        if (cls === "Transformer") {
          (e.taps as number[]).forEach((tap, w) => {
            const x = (o.taps as number[] | undefined)?.[w];
            if (x === undefined || Math.abs(x - tap) > 1e-12)
              bad("controls", `${id} winding ${w + 1} tap ${x} vs ${tap}`);
          });
        }
        if (cls === "Capacitor") {
          const s = (o.states as number[] | undefined) ?? [];
          if (s.join(" ") !== (e.states as number[]).join(" "))
            bad("controls", `${id} states [${s.join(" ")}] vs [${(e.states as number[]).join(" ")}]`);
        }
      }
    }
  }
  return out;
}

/**
 * The reference's own Kirchhoff imbalance (kVA): at every node, the magnitude of the sum of the
 * currents its snapshot reports flowing into the elements there, times the node voltage, summed
 * over the nodes. In a network whose solution is exact this is zero; what remains is the
 * rounding of the reference's solution (large where a deck has near-zero impedances, such as
 * 1e-7 Ω bus bars). The power the reference reports through an element of a radial part can be
 * off by up to the imbalance of the nodes beyond it, so this sum bounds how exactly any element
 * flow of the reference can be reproduced. Needs `elements` (a "full" snapshot).
 */
export function referenceKirchhoffImbalanceKva(ref: Json): number {
  const sum = new Map<string, [number, number]>();
  for (const list of Object.values(ref.elements ?? {}) as Json[][]) {
    for (const e of list) {
      if (!e.enabled) continue;
      for (const t of e.terminals as Json[]) {
        const parts = (t.bus as string).split(".");
        (t.i_mag as number[]).forEach((m, k) => {
          const given = parts[1 + k];
          const node = given !== undefined && given !== "" ? given : k < e.phases ? String(k + 1) : "0";
          if (node === "0") return;
          const key = `${parts[0]}.${node}`;
          const a = ((t.i_ang_deg as number[])[k]! * Math.PI) / 180;
          const r = sum.get(key) ?? [0, 0];
          r[0] += m * Math.cos(a);
          r[1] += m * Math.sin(a);
          sum.set(key, r);
        });
      }
    }
  }
  const v = new Map<string, number>((ref.nodes as Json[]).map((n) => [n.name as string, n.v as number]));
  let total = 0;
  for (const [key, [re, im]] of sum) total += Math.hypot(re, im) * (v.get(key) ?? 0);
  return total / 1000;
}

/** One line summarising the margins of a comparison. */
export function describeComparison(c: Comparison): string {
  return (
    `max |ΔV| ${c.worstVPu.value.toExponential(2)} pu, max Δangle ${c.worstAngleDeg.value.toExponential(2)}°, ` +
    `max rel Δ totals ${c.worstTotalsRel.value.toExponential(2)}, ` +
    `worst element P/Q ${c.worstElement.value.toExponential(2)} × its limit` +
    (c.mismatches.length > 0 ? `; ${c.mismatches.length} mismatch lines` : "")
  );
}
