/**
 * The authors' decoded IEEE-123 solutions (../shared/reference/authors/derived/decoded_solutions) mapped onto
 * the report's input contract: a column renaming only (plus SOC in % = 100·B/E from the same file), so the
 * report tests can run on a realistic size (128 buses, 17 PVs, 26 batteries) and against published totals.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type ColumnTable, fromCSV } from "arquero";
import type { ResultSet } from "../../reports/contract.ts";

function csv(file: string): ColumnTable {
  return fromCSV(readFileSync(file, "utf8"), { parse: { bus: (v: string) => v } });
}

/** One decoded solution folder as a ResultSet. */
export function decodedSolution(dir: string, label: string): ResultSet {
  const s = csv(join(dir, "system_summary.csv"));
  const periods = s.select({
    t: "t",
    load_mult: "loadMult",
    pv_mult: "pvMult",
    price_usd_per_kWh: "priceUsdPerKwh",
    PSubs_kW: "pSubsKw",
    QSubs_kVAr: "qSubsKvar",
    PLoss_kW_sum_over_areas: "lossKw",
    PSubsCost_usd: "costUsd",
  });
  const pv = csv(join(dir, "pv_setpoints.csv"))
    .derive({ pv: "d => 'PV' + d.bus" })
    .select({ t: "t", pv: "pv", bus: "bus", p_kW: "pKw", q_kVAr: "qKvar" });
  const batteries = csv(join(dir, "battery_setpoints.csv"))
    .derive({ battery: "d => 'B' + d.bus", socPct: "d => 100 * d.B_end_of_t_kWh / d.E_rated_kWh" })
    .select({
      t: "t",
      battery: "battery",
      bus: "bus",
      Pc_kW: "pcKw",
      Pd_kW: "pdKw",
      Pnet_dis_minus_ch_kW: "pNetKw",
      q_kVAr: "qKvar",
      B_end_of_t_kWh: "socKwh",
      socPct: "socPct",
    });
  const buses = csv(join(dir, "bus_voltages.csv")).select({ t: "t", bus: "bus", V_pu: "vPu" });
  return { label, periods, pv, batteries, buses };
}
