import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { desc, table } from "arquero";
import { describe, expect, it } from "vitest";
import { InputError } from "../../models/errors.ts";
import { checkTable } from "../../reports/contract.ts";
import { renderTable, toCsvTable, toMarkdownTable } from "../../reports/table-render.ts";
import {
  attributionReportTable,
  enappIterationTable,
  horizonTotals,
  hourlyComparisonTable,
  hourlyTable,
  table2,
  table3,
  table4,
} from "../../reports/tables.ts";
import { mdHeader, mdRows } from "./markdown.ts";
import { attribution, enapp, mpcopf, mpdopf, replayMpdopf } from "./synthetic.ts";

describe("Table II (MPCOPF vs MPDOPF)", () => {
  const t = table2(mpcopf(), mpdopf());
  const md = toMarkdownTable(t);

  it("has the paper's rows in order with units and per-metric decimals", () => {
    expect(mdHeader(md)).toEqual([
      "Quantity",
      "Unit",
      "MPCOPF",
      "MPDOPF",
      "MPDOPF − MPCOPF",
      "Difference (%)",
    ]);
    expect(mdRows(md)).toEqual([
      ["Line loss", "kWh", "4.88", "4.94", "0.06", "1.282"],
      ["Substation P", "kWh", "355.25", "355.75", "0.50", "0.141"],
      ["Substation Q", "kVArh", "86.00", "86.50", "0.50", "0.581"],
      ["PV P", "kWh", "19.20", "19.20", "0.00", "0.000"],
      ["PV Q", "kVArh", "4.00", "4.40", "0.40", "10.000"],
      ["Substation cost", "$", "59.03", "59.05", "0.02", "0.041"],
    ]);
  });

  it("renders the same cells in CSV, LaTeX and HTML", () => {
    const r = renderTable(t);
    expect(r.csv.split("\n")[0]).toBe("Quantity,Unit,MPCOPF,MPDOPF,MPDOPF − MPCOPF,Difference (%)");
    expect(r.csv.split("\n")[1]).toBe("Line loss,kWh,4.88,4.94,0.06,1.282");
    expect(r.tex).toContain(
      "\\toprule\nQuantity & Unit & MPCOPF & MPDOPF & MPDOPF $-$ MPCOPF & Difference (\\%) \\\\\n\\midrule",
    );
    expect(r.tex).toContain("Substation cost & \\$ & 59.03 & 59.05 & 0.02 & 0.041 \\\\");
    expect(r.tex).toMatch(/\\begin\{tabular\}\{llrrrr\}/);
    expect(r.html).toContain('<th scope="col" class="num">Difference <span class="unit">(%)</span></th>');
    expect(r.html).toContain('<td>PV Q</td><td>kVArh</td><td class="num">4.00</td><td class="num">4.40</td>');
  });
});

describe("Table III (optimizer vs power flow)", () => {
  const md = toMarkdownTable(table3(mpdopf(), replayMpdopf()));
  const rows = mdRows(md);

  it("shows horizon totals and differences with more decimals", () => {
    expect(mdHeader(md)).toEqual(["Quantity", "Unit", "MPDOPF", "OpenDSS", "Difference", "Where"]);
    expect(rows.slice(0, 4)).toEqual([
      ["Line loss", "kWh", "4.94", "4.94", "0.0040", "horizon"],
      ["Substation P", "kWh", "355.75", "355.75", "0.0030", "horizon"],
      ["Substation Q", "kVArh", "86.50", "82.70", "-3.8000", "horizon"],
      ["Substation cost", "$", "59.05", "59.05", "-0.0001", "horizon"],
    ]);
  });

  it("locates the largest discrepancies (bus, battery, period)", () => {
    expect(rows[4]).toEqual(["Max |ΔV|", "pu", "–", "–", "3.20e-6", "bus 4, t = 3"]);
    expect(rows[5]).toEqual(["Max |Δ line loss|", "kW", "–", "–", "0.0030", "t = 4"]);
    expect(rows[6]).toEqual(["Max |ΔP substation|", "kW", "–", "–", "0.0040", "t = 2"]);
    expect(rows[7]!.slice(0, 5)).toEqual(["Max |ΔQ substation|", "kVAr", "–", "–", "0.9500"]);
    expect(rows[8]).toEqual(["Max |ΔSOC|", "kWh", "–", "–", "0.0007", "battery B4, t = 3"]);
    expect(rows).toHaveLength(9);
  });

  it("reports hours without a power-flow solution instead of using them", () => {
    const pf = replayMpdopf();
    const periods = pf.periods.derive({ pSubsKw: "d.t === 2 ? null : d.pSubsKw" });
    const t = table3(mpdopf(), { ...pf, periods });
    const r = mdRows(toMarkdownTable(t));
    expect(r[1]).toEqual(["Substation P", "kWh", "355.75", "–", "–", "horizon"]);
    // Without t = 2 the largest |ΔP| is the −0.001 kW of t = 3.
    expect(r[6]).toEqual(["Max |ΔP substation|", "kW", "–", "–", "0.0010", "t = 3"]);
    expect(t.spec.notes!.join(" ")).toContain("No power-flow solution for t = 2");
  });

  it("refuses a power flow that lacks a bus the optimizer has", () => {
    const pf = replayMpdopf();
    expect(() => table3(mpdopf(), { ...pf, buses: pf.buses!.filter("d.bus !== '5'") })).toThrow(
      /no power-flow row for bus 5 at t = 1/,
    );
  });
});

describe("Table IV (combined horizon totals)", () => {
  it("has one column per source and the ten quantities in order", () => {
    const md = toMarkdownTable(table4([mpcopf(), mpdopf(), replayMpdopf()]));
    expect(mdHeader(md)).toEqual(["Quantity", "Unit", "MPCOPF", "MPDOPF", "OpenDSS"]);
    expect(mdRows(md)).toEqual([
      ["Line loss", "kWh", "4.88", "4.94", "4.94"],
      ["Substation P", "kWh", "355.25", "355.75", "355.75"],
      ["Substation Q", "kVArh", "86.00", "86.50", "82.70"],
      ["PV P", "kWh", "19.20", "19.20", "19.20"],
      ["PV Q", "kVArh", "4.00", "4.40", "4.40"],
      ["Battery P (discharge − charge)", "kWh", "-1.00", "-1.00", "-1.00"],
      ["Battery Q", "kVArh", "6.00", "6.00", "6.00"],
      ["Substation cost", "$", "59.03", "59.05", "59.05"],
      ["Demand P", "kWh", "497.75", "497.75", "497.75"],
      ["Demand Q", "kVArh", "249.00", "249.00", "249.00"],
    ]);
  });

  it("scales energies by the period length and marks missing inputs", () => {
    const c = mpcopf();
    const half = horizonTotals(
      { ...c, periods: c.periods.select("t", "pSubsKw", "qSubsKvar", "lossKw", "costUsd") },
      0.5,
    );
    expect(half.pSubsKwh).toBeCloseTo(355.25 / 2, 12);
    expect(half.costUsd).toBeCloseTo(59.03045, 12); // cost is already $ per period
    expect(Number.isNaN(half.loadKvarh)).toBe(true);
    expect(() => table4([c, { ...mpdopf(), label: "MPCOPF" }])).toThrow(/duplicate source labels/);
  });
});

describe("per-hour and ENApp tables", () => {
  it("orders rows by t whatever the input order, with units in the headers", () => {
    const c = mpcopf();
    const shuffled = { ...c, periods: c.periods.orderby(desc("t")), pv: c.pv!.orderby(desc("t")) };
    const md = toMarkdownTable(hourlyTable(shuffled, "hourly-mpcopf"));
    expect(mdHeader(md)).toEqual([
      "t",
      "Hour",
      "Load mult. (pu)",
      "PV mult. (pu)",
      "Price ($/kWh)",
      "P subs (kW)",
      "Q subs (kVAr)",
      "Loss (kW)",
      "Cost ($)",
      "PV P (kW)",
      "Battery P (kW)",
    ]);
    expect(mdRows(md)).toEqual([
      ["1", "10", "0.750", "0.500", "0.0482", "100.00", "20.00", "1.50", "4.82", "3.00", "-2.00"],
      ["2", "11", "0.777", "0.800", "0.0482", "90.00", "21.00", "1.25", "4.34", "4.80", "-1.00"],
      ["3", "12", "0.787", "0.900", "0.3018", "80.00", "22.00", "1.00", "24.14", "5.40", "1.50"],
      ["4", "13", "0.796", "1.000", "0.3018", "85.25", "23.00", "1.13", "25.73", "6.00", "0.50"],
    ]);
  });

  it("compares optimizer and power flow per hour", () => {
    const rows = mdRows(toMarkdownTable(hourlyComparisonTable(mpdopf(), replayMpdopf(), "cmp")));
    expect(rows.map((r) => r[0])).toEqual(["1", "2", "3", "4"]);
    expect(rows[0]).toEqual([
      "1",
      "1.50",
      "1.50",
      "0.0010",
      "100.50",
      "100.50",
      "0.0000",
      "20.00",
      "19.05",
      "-0.9500",
      "1.50e-6",
      "6",
    ]);
    expect(rows[2]!.slice(-2)).toEqual(["3.20e-6", "4"]);
  });

  it("shows the ENApp history by macro-iteration with the columns present", () => {
    const it = enapp().iterations;
    const md = toMarkdownTable(
      enappIterationTable(it.orderby(desc("k")).select("k", "resVPu", "resPKw", "seconds")),
    );
    expect(mdHeader(md)).toEqual([
      "Macro-iteration",
      "Max V residual (pu)",
      "Max P residual (kW)",
      "Wall time (s)",
    ]);
    expect(mdRows(md)).toEqual([
      ["1", "1.23e-2", "51.2000", "0.42"],
      ["2", "4.50e-4", "1.6000", "0.31"],
      ["3", "2.10e-6", "0.0042", "0.29"],
    ]);
  });

  it("shows an attribution as given: shares over many decades, exact zeros as 0, the changes as notes", () => {
    const md = toMarkdownTable(attributionReportTable(attribution(), "MPDOPF", "attribution-mpdopf"));
    expect(mdHeader(md).slice(0, 6)).toEqual([
      "Difference",
      "Status",
      "ΔP subs (kWh)",
      "ΔQ subs (kVArh)",
      "Δ loss (kWh)",
      "max |ΔV| (pu)",
    ]);
    const rows = mdRows(md);
    expect(rows.map((r) => r[0])).toEqual([
      "line charging",
      "capacitors (Q ∝ V²)",
      "load model and band",
      "unexplained",
      "optimizer feasibility tolerance",
      "observed (total)",
    ]);
    expect(rows[0]!.slice(1, 6)).toEqual(["measured", "-0.0040", "-3.8000", "-0.0040", "4.50e-5"]);
    expect(rows[1]!.slice(2, 6)).toEqual(["0", "0", "0", "0"]);
    expect(rows[3]!.slice(2, 6)).toEqual(["2.00e-7", "-1.00e-7", "1.00e-8", "1.00e-10"]);
    expect(rows[5]!.slice(2, 4)).toEqual(["-0.0043", "-3.7998"]);
    expect(md).toContain("line charging: opendss → none.");
    expect(renderTable(attributionReportTable(attribution(), "MPDOPF", "a")).tex).toContain("$\\propto$");
  });

  it("quotes CSV cells that need it", () => {
    const t = {
      spec: { id: "x", title: "X", caption: "c", columns: [{ key: "a", label: "A, b" }] },
      data: table({ a: ['say "hi", ok'] }),
    };
    expect(toCsvTable(t)).toBe('"A, b"\n"say ""hi"", ok"\n');
  });
});

describe("input contract", () => {
  it("names the file, line and field of a bad value", () => {
    const bad = table({
      t: [1, 2],
      pSubsKw: [1, Number.NaN],
      qSubsKvar: [0, 0],
      lossKw: [0, 0],
      costUsd: [0, 0],
    });
    let err: unknown;
    try {
      checkTable(bad, "periods", "run/tables/mpcopf/periods.csv", { csvLines: true });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toBe(
      "run/tables/mpcopf/periods.csv:3: row 2: field 'pSubsKw': expected a finite number, got 'NaN'",
    );
    expect(() => checkTable(bad.select("t", "qSubsKvar"), "periods", "p.csv")).toThrow(
      /p.csv: field 'pSubsKw': missing column/,
    );
    expect(() => checkTable(bad, "periods", "p.csv", { allowEmpty: true })).not.toThrow();
    const badT = table({ t: [1, 1.5], pSubsKw: [1, 1], qSubsKvar: [0, 0], lossKw: [0, 0], costUsd: [0, 0] });
    expect(() => checkTable(badT, "periods", "p.csv", { allowEmpty: true })).toThrow(
      /field 't': expected a positive integer/,
    );
  });
});

/** A TeX engine on PATH, if any (never installed by the tests). */
function texEngine(): string | null {
  for (const e of ["pdflatex", "lualatex", "xelatex"]) {
    if (spawnSync("sh", ["-c", `command -v ${e}`]).status === 0) return e;
  }
  return null;
}
const tex = texEngine();
if (!tex) {
  console.warn(
    "\n*** test/reports/tables.test.ts: NO TeX ENGINE (pdflatex/lualatex/xelatex) ON PATH — the LaTeX compile test is SKIPPED. ***\n",
  );
}

describe.skipIf(!tex)("LaTeX output compiles", () => {
  it("every table compiles inside a booktabs document", () => {
    const dir = mkdtempSync(join(tmpdir(), "mpopf-tex-"));
    const tables = [
      table2(mpcopf(), mpdopf()),
      table3(mpdopf(), replayMpdopf()),
      table4([mpcopf(), mpdopf(), replayMpdopf()]),
      hourlyTable(mpcopf(), "hourly"),
      hourlyComparisonTable(mpdopf(), replayMpdopf(), "cmp"),
      enappIterationTable(enapp().iterations),
    ];
    const inputs = tables.map((t, i) => {
      writeFileSync(join(dir, `t${i}.tex`), renderTable(t).tex);
      return `\\begin{table*}\\centering\\small\\input{t${i}.tex}\\end{table*}`;
    });
    writeFileSync(
      join(dir, "doc.tex"),
      `\\documentclass{article}\n\\usepackage[margin=1cm,landscape]{geometry}\n\\usepackage{booktabs}\n\\begin{document}\n${inputs.join("\n")}\n\\end{document}\n`,
    );
    execFileSync(tex!, ["-interaction=nonstopmode", "-halt-on-error", "doc.tex"], {
      cwd: dir,
      stdio: "pipe",
    });
  });
});
