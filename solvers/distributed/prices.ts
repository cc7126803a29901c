/** The energy price that starts and scales the boundary prices of the distributed methods. */
import type { Scenario } from "../../models/types.ts";

/**
 * Energy price per period at the substation (objective units per pu of power over one period): weight ×
 * S_base × Δt × price under the cost objective, 0 under the loss objective. `weight` is the run's objective
 * weight (an area's own may be 0).
 */
export function energyPrices(sc: Scenario, weight: number): Float64Array {
  const kWh = sc.network.sBaseKva * sc.dtH;
  return Float64Array.from({ length: sc.T }, (_, t) =>
    sc.objective.kind === "cost" ? weight * kWh * sc.priceUsdPerKwh[t] : 0,
  );
}

/**
 * c̄: the mean price of one pu of power over one period — weight × S_base × Δt × mean price (cost), weight ×
 * S_base × Δt (loss: kWh per pu). ADMM's ρ, APP's α and the dual tolerance are given in multiples of it.
 */
export function priceScale(sc: Scenario, weight: number): number {
  const kWh = sc.network.sBaseKva * sc.dtH;
  if (sc.objective.kind !== "cost") return weight * kWh;
  const mean = sc.priceUsdPerKwh.reduce((s, v) => s + v, 0) / sc.T;
  return weight * kWh * mean;
}
