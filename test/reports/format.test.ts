import { describe, expect, it } from "vitest";
import {
  escapeHtml,
  escapeLatex,
  escapeMarkdownCell,
  fixed,
  formatHtml,
  formatLatex,
  formatPlain,
  int,
  sci,
} from "../../reports/format.ts";

describe("number formatting", () => {
  it("prints fixed decimals, never a negative zero", () => {
    expect(formatPlain(4.875, fixed(2))).toBe("4.88");
    expect(formatPlain(-3.8, fixed(4))).toBe("-3.8000");
    expect(formatPlain(-0.00001, fixed(2))).toBe("0.00");
    expect(formatPlain(-0, fixed(1))).toBe("0.0");
    expect(formatPlain(12.5, int)).toBe("13");
  });

  it("prints scientific numbers per syntax", () => {
    expect(formatPlain(3.2e-6, sci(2))).toBe("3.20e-6");
    expect(formatPlain(-0.0123, sci(1))).toBe("-1.2e-2");
    expect(formatPlain(0, sci(2))).toBe("0.00e0");
    expect(formatHtml(3.2e-6, sci(2))).toBe("3.20×10<sup>\u22126</sup>");
    expect(formatLatex(3.2e-6, sci(2))).toBe("$3.20\\times10^{-6}$");
    expect(formatLatex(-12.345, fixed(2))).toBe("$-$12.35");
    expect(formatHtml(-12.345, fixed(2))).toBe("\u221212.35");
  });

  it("refuses non-finite numbers", () => {
    expect(() => formatPlain(Number.NaN, fixed(2))).toThrow(/non-finite/);
    expect(() => formatPlain(Number.POSITIVE_INFINITY, fixed(2))).toThrow(/non-finite/);
  });
});

describe("escaping", () => {
  it("escapes LaTeX specials and maps the Unicode used in labels", () => {
    expect(escapeLatex("Cost ($) & 50% #1 a_b {x} ~^\\")).toBe(
      "Cost (\\$) \\& 50\\% \\#1 a\\_b \\{x\\} \\textasciitilde{}\\textasciicircum{}\\textbackslash{}",
    );
    expect(escapeLatex("|ΔV|")).toBe(["$|$", "$\\Delta$V$|$"].join("{}"));
    expect(escapeLatex("1→2 − x")).toBe("1$\\rightarrow$2 $-$ x");
    expect(() => escapeLatex("café")).toThrow(/no LaTeX mapping/);
  });

  it("escapes HTML and Markdown cells", () => {
    expect(escapeHtml('<a href="x">&</a>')).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
    expect(escapeMarkdownCell("|ΔV|\nnext")).toBe("\\|ΔV\\| next");
  });
});
