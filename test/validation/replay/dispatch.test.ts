/**
 * Set-points from result tables: every (hour, unit) read exactly once, read back from a run directory
 * (JSON as `mpopf solve --out` writes, or CSV), and bad tables are typed errors naming file, line, element
 * and field.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { MpopfTables } from "../../../solvers/mpopf/decode.ts";
import { dispatchFromTables, readSolutionTables } from "../../../validation/replay/dispatch.ts";
import { inputErrorOf } from "../../helpers/errors.ts";
import { authorsScenario, authorsTables, decoded } from "./helpers.ts";

const tmp = mkdtempSync(join(tmpdir(), "mpopf-dispatch-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function writeTables(
  dir: string,
  t: MpopfTables,
  as: "json" | "csv",
  edit?: (name: string, text: string) => string,
) {
  for (const name of ["periods", "pv", "batteries", "buses", "branches"] as const) {
    const text = as === "json" ? `${t[name].toJSON()}\n` : `${t[name].toCSV()}\n`;
    writeFileSync(join(dir, `${name}.${as}`), edit ? edit(name, text) : text);
  }
}

describe.skipIf(!decoded.available)("set-points from result tables", () => {
  const { scenario } = decoded.available ? authorsScenario() : ({} as never);
  const tables = decoded.available ? authorsTables() : (undefined as never);

  it("orders every (hour, unit) as the scenario: t-major, scenario unit order", () => {
    const d = dispatchFromTables(scenario, tables);
    const nB = scenario.batteries.length;
    expect(d.battPNetKw).toHaveLength(5 * nB);
    // Battery3, hour 3 discharges at its rating (decoded CSV); Battery116 is the last unit.
    expect(d.battPNetKw[2 * nB + 0]).toBe(4.6655);
    expect(d.battSocKwh[0]).toBe(13.364348);
    expect(scenario.batteries.at(-1)!.id).toBe("Battery116");
    expect(d.pvPKw[0]).toBe(2.33275);
    expect(d.pSubsKw[4]).toBe(962.68779);
    expect(d.vPu[0]).toBe(1.03);
  });

  it("reads the tables back from a directory, JSON or CSV, to the same set-points", () => {
    const ref = dispatchFromTables(scenario, tables);
    for (const as of ["json", "csv"] as const) {
      const dir = join(tmp, as);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      writeTables(dir, tables, as);
      const d = dispatchFromTables(scenario, readSolutionTables(dir), dir);
      expect(d.battPNetKw).toEqual(ref.battPNetKw);
      expect(d.pvQKvar).toEqual(ref.pvQKvar);
      expect(d.vPu).toEqual(ref.vPu);
    }
  });

  it("names file, line, element and field for a bad cell, a missing row, an unknown unit and a missing column", () => {
    const dir = join(tmp, "bad");
    mkdirSync(dir);
    // Line 4 of batteries.csv = Battery3, t=3 (rows sorted by battery, then t).
    writeTables(dir, tables, "csv", (name, text) =>
      name === "batteries"
        ? text
            .split("\n")
            .map((l, i) => (i === 3 ? l.replace(/,4\.6655,/, ",abc,") : l))
            .join("\n")
        : text,
    );
    const e1 = inputErrorOf(() => dispatchFromTables(scenario, readSolutionTables(dir), dir));
    expect(e1.location, e1.message).toMatchObject({
      file: `${dir}/batteries`,
      line: 4,
      element: "batteries Battery3",
    });
    expect(["pdKw", "pNetKw"]).toContain(e1.location.field);

    const noRow = {
      ...tables,
      pv: tables.pv.filter((d: { t: number; pv: string }) => !(d.t === 4 && d.pv === "PV9")),
    };
    const e2 = inputErrorOf(() => dispatchFromTables(scenario, noRow as MpopfTables, "x"));
    expect(e2.message).toMatch(/x\/pv: pv PV9: no row for t=4/);

    const other = authorsScenario();
    other.scenario.pvs = other.scenario.pvs.slice(1);
    const e3 = inputErrorOf(() => dispatchFromTables(other.scenario, tables, "y"));
    expect(e3.message).toMatch(/y\/pv:2: pv PV3: field 'pv': unknown pv 'PV3'/);

    const e4 = inputErrorOf(() =>
      dispatchFromTables(
        scenario,
        { ...tables, batteries: tables.batteries.select("t", "battery", "pcKw") },
        "z",
      ),
    );
    expect(e4.message).toMatch(/z\/batteries: field 'pdKw'/);

    const e5 = inputErrorOf(() => readSolutionTables(join(tmp, "nothing-here")));
    expect(e5.code).toBe("missing-file");
  });
});
