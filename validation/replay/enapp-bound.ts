/**
 * How closely an ENApp (spatially distributed) solution can replay, given its boundary residuals.
 *
 * ENApp stops when, at every boundary b, the child's head voltage (squared, v = |V|²) and the power the
 * parent assumed the child draws agree with the other side within residuals ε_v (pu of v), ε_P, ε_Q (pu
 * of S_base). The whole-feeder power flow with the same set-points removes those mismatches. To first
 * order on a radial feeder (path π_b from the substation to the child head bus, R_b = Σ_{k∈π_b} r_k,
 * X_b = Σ x_k, S_b = the largest apparent flow on π_b, v ≥ v_min):
 *
 * - substation power: every boundary's mismatch flows through π_b, plus its marginal loss:
 *   |ΔP_subs| ≤ Σ_b [ε_P + 2 R_b S_b (ε_P + ε_Q) / v_min],  |ΔQ_subs| ≤ Σ_b [ε_Q + 2 X_b S_b (ε_P + ε_Q) / v_min];
 * - line loss: |Δloss| ≤ Σ_b 2 R_b S_b (ε_P + ε_Q) / v_min;
 * - voltage: the child areas were solved at a head voltage off by ≤ ε_v in v, i.e. ≤ ε_v / (2 √v_min) in |V|,
 *   and each boundary's mismatch shifts the drop along its path by ≤ (R_b ε_P + X_b ε_Q) / √v_min:
 *   |ΔV| ≤ ε_v / (2 √v_min) + Σ_b (R_b ε_P + X_b ε_Q) / √v_min.
 *
 * All in per unit, reported in kW / kVAr / pu. With ENApp's default tolerance 1e-3 pu on IEEE-123's three
 * boundaries this allows 3.4 kW / 3.9 kVAr of substation power, 0.42 kW of loss and 7.5e-4 pu of voltage per hour; with 1e-7 the
 * bound falls below the model-consistent thresholds (0.01 kW, 1e-5 pu).
 */
import type { Partition } from "../../models/partition.ts";
import type { Network, Scenario } from "../../models/types.ts";
import { DEFAULT_THRESHOLDS, type MetricLimits, type Thresholds } from "./thresholds.ts";

/** Final boundary residuals of an ENApp solve (largest over boundaries and hours), per unit. */
export interface EnappResiduals {
  /** Squared-voltage mismatch (pu of v = |V|²). */
  vSqPu: number;
  /** Real / reactive power mismatch (pu of S_base). */
  pPu: number;
  qPu: number;
}

/** The derived per-hour bound (see the module comment) and its ingredients per boundary. */
export interface EnappReplayBound {
  voltagePu: number;
  pSubsKw: number;
  qSubsKvar: number;
  lossKw: number;
  boundaries: Array<{
    parentBus: string;
    childBus: string;
    rPathPu: number;
    xPathPu: number;
    sPathPu: number;
  }>;
}

/**
 * The replay bound of an ENApp solution. `pathFlowPu[b]` is the largest apparent flow (pu) on boundary b's
 * path; by default the feeder's total rated apparent load (an upper bound on any flow without back-feed).
 */
export function enappReplayBound(
  scenario: Pick<Scenario, "network" | "loads">,
  partition: Partition,
  residuals: EnappResiduals,
  options: { vMinPu?: number; pathFlowPu?: number[] } = {},
): EnappReplayBound {
  const network = scenario.network;
  const vMin = (options.vMinPu ?? 0.95) ** 2;
  let pL = 0;
  let qL = 0;
  for (const l of scenario.loads) {
    pL += l.pRatedPu;
    qL += Math.max(0, l.qRatedPu);
  }
  const sDefault = Math.hypot(pL, qL);
  const { vSqPu: ev, pPu: ep, qPu: eq } = residuals;
  const out: EnappReplayBound = {
    voltagePu: ev / (2 * Math.sqrt(vMin)),
    pSubsKw: 0,
    qSubsKvar: 0,
    lossKw: 0,
    boundaries: [],
  };
  partition.boundaries.forEach((bd, i) => {
    let r = 0;
    let x = 0;
    for (let j = bd.childBus; network.parentBranch[j]! >= 0; j = network.parent[j]!) {
      const br = network.branches[network.parentBranch[j]!]!;
      r += br.rPu;
      x += br.xPu;
    }
    const s = options.pathFlowPu?.[i] ?? sDefault;
    const dLossP = (2 * r * s * (ep + eq)) / vMin;
    const dLossQ = (2 * x * s * (ep + eq)) / vMin;
    out.pSubsKw += (ep + dLossP) * network.sBaseKva;
    out.qSubsKvar += (eq + dLossQ) * network.sBaseKva;
    out.lossKw += dLossP * network.sBaseKva;
    out.voltagePu += (r * ep + x * eq) / Math.sqrt(vMin);
    out.boundaries.push({
      parentBus: network.buses[bd.parentBus]!.id,
      childBus: network.buses[bd.childBus]!.id,
      rPathPu: r,
      xPathPu: x,
      sPathPu: s,
    });
  });
  return out;
}

/**
 * Model-consistent limits for an ENApp replay from its bound (per-hour metrics; horizon totals T times the
 * per-hour bound): use as `labels.<ENApp label>["model-consistent"]` in a thresholds file.
 */
export function enappLimits(bound: EnappReplayBound, T: number): MetricLimits {
  return {
    voltagePu: { abs: bound.voltagePu },
    pSubsKw: { abs: bound.pSubsKw },
    qSubsKvar: { abs: bound.qSubsKvar },
    lossKw: { abs: bound.lossKw },
    horizonPSubsKwh: { abs: T * bound.pSubsKw },
    horizonQSubsKvarh: { abs: T * bound.qSubsKvar },
    horizonLossKwh: { abs: T * bound.lossKw },
  };
}

/**
 * ENApp residuals in the bound's units from the largest final boundary residuals an ENApp run reports (|V| in
 * pu, P in kW, Q in kVAr): v = |V|² so ε_v ≤ 2·V_max·ε_|V|.
 */
export function enappResiduals(
  r: { resVPu: number; resPKw: number; resQKvar: number },
  network: Network,
  vMaxPu: number,
): EnappResiduals {
  return {
    vSqPu: 2 * vMaxPu * r.resVPu,
    pPu: r.resPKw / network.sBaseKva,
    qPu: r.resQKvar / network.sBaseKva,
  };
}

/**
 * Thresholds for a run with an ENApp solution: the defaults, with every limit of the replays labelled `label`
 * widened by the bound (per hour; horizon totals T times it; cost by the price times the substation-power bound).
 */
export function enappThresholds(
  label: string,
  bound: EnappReplayBound,
  priceUsdPerKwh: ArrayLike<number>,
  dtH: number,
  base: Thresholds = DEFAULT_THRESHOLDS,
): Thresholds {
  const prices = Array.from(priceUsdPerKwh);
  const extra: MetricLimits = {
    ...enappLimits(bound, prices.length),
    costUsd: { abs: Math.max(...prices) * bound.pSubsKw * dtH },
    horizonCostUsd: { abs: prices.reduce((a, p) => a + p, 0) * bound.pSubsKw * dtH },
  };
  const widen = (limits: MetricLimits): MetricLimits => {
    const out: MetricLimits = { ...limits };
    for (const [m, add] of Object.entries(extra) as Array<[keyof MetricLimits, { abs?: number } | null]>) {
      const b = limits[m];
      const e = add?.abs ?? 0;
      if (!b) continue;
      out[m] = {
        ...b,
        ...(b.abs !== undefined || (b.min === undefined && b.max === undefined)
          ? { abs: (b.abs ?? 0) + e }
          : {}),
        ...(b.min !== undefined ? { min: b.min - e } : {}),
        ...(b.max !== undefined ? { max: b.max + e } : {}),
      };
    }
    return out;
  };
  return {
    ...base,
    description: `${base.description}; '${label}' replays widened by the ENApp boundary-residual bound`,
    labels: {
      ...base.labels,
      [label]: {
        "model-consistent": widen(base.flavours["model-consistent"] ?? {}),
        "paper-style": widen(base.flavours["paper-style"] ?? {}),
      },
    },
  };
}
