/**
 * The report on the authors' decoded IEEE-123 solutions: Table II must show the totals the authors recorded
 * (design/method.md §6), and the figures must cope with the real sizes (26 batteries, 128 buses).
 */
import { XMLValidator } from "fast-xml-parser";
import { PNG } from "pngjs";
import { describe, expect, it } from "vitest";
import { pngSizeFor } from "../../reports/figures/render.ts";
import { buildReport } from "../../reports/report.ts";
import { toMarkdownTable } from "../../reports/table-render.ts";
import { table4 } from "../../reports/tables.ts";
import { referenceDir } from "../helpers/reference.ts";
import { mdRows as rows } from "./markdown.ts";
import { decodedSolution } from "./reference-input.ts";

const ref = referenceDir("authors/derived/decoded_solutions");

describe.skipIf(!ref.available)("report on the authors' IEEE-123 solutions", () => {
  it("Table II shows the recorded MPCOPF and MPDOPF totals (T = 5, 17 PV / 26 batteries)", async () => {
    const c = decodedSolution(`${ref.dir}/MPCOPF_T5_genCost_pv20_batt30`, "MPCOPF");
    const d = decodedSolution(`${ref.dir}/MPDOPF_T5_genCost_pv20_batt30`, "MPDOPF");
    const out = await buildReport({ title: "IEEE-123, T = 5", mpcopf: c, mpdopf: d });
    const t2 = rows(out.files.get("report/tables/table2-mpcopf-vs-mpdopf.md") as string);
    // method.md §6: MPCOPF 75.99 kW, 4308.28 kW, 574.18 kVAr, $576.31; MPDOPF 76.12, 4308.14, 656.24, $576.30.
    expect(t2.map((r) => r.slice(0, 4))).toEqual([
      ["Line loss", "kWh", "75.99", "76.12"],
      ["Substation P", "kWh", "4308.28", "4308.14"],
      ["Substation Q", "kVArh", "574.18", "656.24"],
      ["PV P", "kWh", "323.36", "323.36"],
      ["PV Q", "kVArh", "116.92", "76.01"],
      ["Substation cost", "$", "576.31", "576.30"],
    ]);
    const power = out.index.figures.find((f) => f.id === "fig-battery-power-mpcopf")!;
    const svg = out.files.get("report/figures/fig-battery-power-mpcopf.svg") as string;
    expect(XMLValidator.validate(svg)).toBe(true);
    for (const b of ["bus 3", "bus 50", "bus 116"]) expect(svg).toContain(`>${b}</text>`);
    const png = PNG.sync.read(
      Buffer.from(out.files.get("report/figures/fig-battery-power-mpcopf.png") as Uint8Array),
    );
    expect([png.width, png.height]).toEqual(Object.values(pngSizeFor(power.widthPx, power.heightPx, 300)));
    expect(Math.abs(power.widthPx - 516)).toBeLessThanOrEqual(3);
  });

  it("Table IV shows the paper's MPDOPF T = 12 totals", () => {
    const d = decodedSolution(`${ref.dir}/MPDOPF_T12_genCost_peakShave950_pv10_batt15`, "MPDOPF");
    const r = rows(toMarkdownTable(table4([d])));
    // method.md §6 (paper Table IV): 194.14 kW loss, 10595.10 kW, 2068.79 kVAr, $1424.54.
    expect(r[0]).toEqual(["Line loss", "kWh", "194.14"]);
    expect(r[1]).toEqual(["Substation P", "kWh", "10595.10"]);
    expect(r[2]).toEqual(["Substation Q", "kVArh", "2068.79"]);
    expect(r[7]).toEqual(["Substation cost", "$", "1424.54"]);
  });
});
