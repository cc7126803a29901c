/**
 * The one result schema (models/results.ts): producers cannot leave a column out or add one, consumers check
 * columns, numbers and ids, and horizon totals are energies Σ value·Δt with each period's own Δt.
 */
import { table } from "arquero";
import { describe, expect, it } from "vitest";
import {
  checkResultTable,
  columnNames,
  horizonTotals,
  RESULT_SCHEMA,
  RESULT_TABLE_NAMES,
  resultTable,
} from "../../models/results.ts";
import { inputErrorOf } from "../helpers/errors.ts";

/** A complete periods table of two periods of Δt = 0.25 h. */
function periods(over: Partial<Record<string, Array<number | null>>> = {}) {
  return resultTable("periods", {
    t: [1, 2],
    hour: [6, 6.25],
    dtH: [0.25, 0.25],
    loadMult: [0.5, 0.6],
    pvMult: [0, 0.1],
    priceUsdPerKwh: [0.1, 0.2],
    pSubsKw: [100, 80],
    qSubsKvar: [10, 12],
    lossKw: [4, 2],
    costUsd: [2.5, 4],
    loadKw: [96, 90],
    loadKvar: [20, 20],
    extraLoadKw: [0, 0],
    pvKw: [0, 10],
    battNetKw: [0, 2],
    ...over,
  });
}

describe("the one result schema", () => {
  it("has one column list per table, keyed by (element, t), t first", () => {
    expect(RESULT_TABLE_NAMES).toEqual(["periods", "pv", "batteries", "buses", "branches"]);
    for (const name of RESULT_TABLE_NAMES) {
      const cols = columnNames(name);
      expect(cols[0]).toBe("t");
      expect(new Set(cols).size).toBe(cols.length);
      for (const k of RESULT_SCHEMA[name].key) expect(cols).toContain(k);
    }
    expect(periods().columnNames()).toEqual(columnNames("periods"));
  });

  it("resultTable refuses a missing column, an extra one and columns of different lengths", () => {
    const full = { t: [1], pv: ["PV1"], bus: ["3"], pKw: [1], qKvar: [0] };
    expect(resultTable("pv", full).columnNames()).toEqual(["t", "pv", "bus", "pKw", "qKvar"]);
    const { bus: _bus, ...noBus } = full;
    // @ts-expect-error — a producer must give every column (TypeScript says so too)
    expect(() => resultTable("pv", noBus)).toThrow(/column 'bus' not given/);
    expect(() => resultTable("pv", { ...full, extra: [1] } as typeof full)).toThrow(
      /not in the schema: extra/,
    );
    expect(() => resultTable("pv", { ...full, qKvar: [0, 1] })).toThrow(/'qKvar' has 2 values, expected 1/);
  });

  it("checkResultTable: required columns, exact list for producers, numbers, ids, t", () => {
    const p = periods();
    expect(() => checkResultTable(p, "periods", "x", { complete: true })).not.toThrow();
    const reordered = p.select(
      "pSubsKw",
      "t",
      ...columnNames("periods").filter((c) => c !== "pSubsKw" && c !== "t"),
    );
    expect(
      inputErrorOf(() => checkResultTable(reordered, "periods", "x", { complete: true })).message,
    ).toMatch(/columns are not the schema's/);
    // A consumer of external data accepts the required columns alone.
    expect(() =>
      checkResultTable(p.select("t", "pSubsKw", "qSubsKvar", "lossKw", "costUsd"), "periods", "x"),
    ).not.toThrow();
    const missing = inputErrorOf(() => checkResultTable(p.select("t", "pSubsKw"), "periods", "f.csv"));
    expect(missing.location).toMatchObject({ file: "f.csv", field: "qSubsKvar" });
    const bad = inputErrorOf(() =>
      checkResultTable(periods({ lossKw: [4, Number.POSITIVE_INFINITY] }), "periods", "f.csv", {
        csvLines: true,
      }),
    );
    expect(bad.location).toMatchObject({ file: "f.csv", line: 3, element: "row 2", field: "lossKw" });
    // Empty required cells only for a replay (allowEmpty); optional ones always; t never.
    const gap = periods({ pSubsKw: [100, null], pvKw: [null, 1] });
    expect(() => checkResultTable(gap, "periods", "x")).toThrow(/pSubsKw/);
    expect(() => checkResultTable(gap, "periods", "x", { allowEmpty: true })).not.toThrow();
    expect(() => checkResultTable(periods({ t: [1, 1.5] }), "periods", "x")).toThrow(/positive integer/);
    const noId = table({ t: [1], bus: [""], vPu: [1] });
    expect(inputErrorOf(() => checkResultTable(noId, "buses", "x")).location.field).toBe("bus");
  });
});

describe("horizon totals are energies", () => {
  it("Σ value·Δt with the periods' own Δt (kWh, kVArh), cost as is, the peak a power", () => {
    const pv = resultTable("pv", { t: [1, 2], pv: ["A", "A"], bus: ["1", "1"], pKw: [0, 10], qKvar: [4, 4] });
    const h = horizonTotals({ periods: periods(), pv });
    expect(h.lossKwh).toBeCloseTo((4 + 2) * 0.25, 12);
    expect(h.pSubsKwh).toBeCloseTo(180 * 0.25, 12);
    expect(h.qSubsKvarh).toBeCloseTo(22 * 0.25, 12);
    expect(h.pvKwh).toBeCloseTo(10 * 0.25, 12);
    expect(h.pvKvarh).toBeCloseTo(8 * 0.25, 12);
    expect(h.costUsd).toBe(6.5);
    expect(h.peakKw).toBe(100);
    expect(h.battKwh).toBeCloseTo(2 * 0.25, 12); // from the periods' total when no per-battery table
    // The dtH argument is a fallback only: the column wins.
    expect(horizonTotals({ periods: periods() }, 1).lossKwh).toBeCloseTo(1.5, 12);
    // Without the column: the argument (default 1 h).
    const noDt = periods().select("t", "pSubsKw", "qSubsKvar", "lossKw", "costUsd");
    expect(horizonTotals({ periods: noDt }).lossKwh).toBe(6);
    expect(horizonTotals({ periods: noDt }, 0.5).lossKwh).toBe(3);
    // A missing value makes the total unknown, not smaller.
    const gap = horizonTotals({ periods: periods({ lossKw: [4, null], pSubsKw: [100, null] }) });
    expect(Number.isNaN(gap.lossKwh)).toBe(true);
    expect(Number.isNaN(gap.peakKw)).toBe(true);
  });
});
