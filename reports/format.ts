/**
 * Number formatting for report tables: one deliberate format per column (or per row, for tables whose
 * rows are metrics), rendered for plain text (CSV, Markdown), HTML and LaTeX. Deterministic: no locale,
 * no grouping separators, negative zero printed as zero.
 */

/** How a number is printed: fixed decimals, scientific with `digits` decimals in the mantissa, or integer. */
export type NumberFormat =
  | { kind: "fixed"; decimals: number }
  | { kind: "sci"; digits: number }
  | { kind: "int" };

/** Fixed-point format with `decimals` digits after the point. */
export const fixed = (decimals: number): NumberFormat => ({ kind: "fixed", decimals });
/** Scientific format with `digits` digits after the mantissa's point (e.g. 1.23e-6 for digits = 2). */
export const sci = (digits: number): NumberFormat => ({ kind: "sci", digits });
/** Integer format (rounded to the nearest integer). */
export const int: NumberFormat = { kind: "int" };

/** A formatted number split into parts so each output syntax can typeset sign and exponent its own way. */
export interface NumberParts {
  negative: boolean;
  /** Digits of the (absolute) value or mantissa, e.g. "12.34" or "1.23". */
  mantissa: string;
  /** Power of ten for scientific format (undefined for fixed/int). */
  exponent?: number;
}

/** Split a finite number into sign, mantissa and exponent according to a format. */
export function numberParts(value: number, f: NumberFormat): NumberParts {
  if (!Number.isFinite(value)) throw new RangeError(`cannot format non-finite number ${value}`);
  if (f.kind === "int") {
    const r = Math.round(value);
    return { negative: r < 0, mantissa: String(Math.abs(r)) };
  }
  if (f.kind === "fixed") {
    const s = Math.abs(value).toFixed(f.decimals);
    // A value that rounds to zero is printed without a sign ("0.00", never "-0.00").
    const isZero = /^[0.]*$/.test(s);
    return { negative: value < 0 && !isZero, mantissa: s };
  }
  if (value === 0) return { negative: false, mantissa: (0).toFixed(f.digits), exponent: 0 };
  const [m, e] = Math.abs(value).toExponential(f.digits).split("e");
  return { negative: value < 0, mantissa: m!, exponent: Number(e) };
}

/** Plain-text rendering (CSV, Markdown): "-12.34", "1.23e-6". */
export function formatPlain(value: number, f: NumberFormat): string {
  const p = numberParts(value, f);
  const exp = p.exponent === undefined ? "" : `e${p.exponent}`;
  return `${p.negative ? "-" : ""}${p.mantissa}${exp}`;
}

/** HTML rendering: Unicode minus and a superscript exponent ("−12.34", "1.23×10<sup>−6</sup>"). */
export function formatHtml(value: number, f: NumberFormat): string {
  const p = numberParts(value, f);
  const minus = (n: number) => (n < 0 ? `\u2212${-n}` : String(n));
  const exp = p.exponent === undefined ? "" : `\u00d710<sup>${minus(p.exponent)}</sup>`;
  return `${p.negative ? "\u2212" : ""}${p.mantissa}${exp}`;
}

/** LaTeX rendering (text mode, no packages): "$-$12.34", "$1.23\times10^{-6}$". */
export function formatLatex(value: number, f: NumberFormat): string {
  const p = numberParts(value, f);
  if (p.exponent === undefined) return `${p.negative ? "$-$" : ""}${p.mantissa}`;
  return `$${p.negative ? "-" : ""}${p.mantissa}\\times10^{${p.exponent}}$`;
}

const LATEX_SPECIAL: Record<string, string> = {
  "\\": "\\textbackslash{}",
  "&": "\\&",
  "%": "\\%",
  $: "\\$",
  "#": "\\#",
  _: "\\_",
  "{": "\\{",
  "}": "\\}",
  "~": "\\textasciitilde{}",
  "^": "\\textasciicircum{}",
  "|": "$|$",
  "<": "$<$",
  ">": "$>$",
  // Unicode used in labels, mapped to commands that need no extra package.
  "\u0394": "$\\Delta$", // Δ
  "\u03a3": "$\\Sigma$", // Σ
  "\u2212": "$-$", // minus sign
  "\u2013": "--", // en dash
  "\u2014": "---", // em dash
  "\u2192": "$\\rightarrow$", // →
  "\u221d": "$\\propto$", // ∝
  "\u2264": "$\\leq$", // ≤
  "\u2265": "$\\geq$", // ≥
  "\u00b7": "$\\cdot$", // ·
  "\u00d7": "$\\times$", // ×
  "\u00b2": "$^2$", // ²
  "\u00b0": "$^\\circ$", // °
  "\u03b7": "$\\eta$", // η
  "\u00a0": "~", // no-break space
};

/** Escape text for LaTeX (pdfLaTeX-safe); throws on a non-ASCII character it has no mapping for. */
export function escapeLatex(text: string): string {
  let out = "";
  for (const ch of text) {
    const m = LATEX_SPECIAL[ch];
    if (m !== undefined) out += m;
    else if (ch.charCodeAt(0) < 128) out += ch;
    else
      throw new RangeError(
        `no LaTeX mapping for character '${ch}' (U+${ch.codePointAt(0)!.toString(16)}) in "${text}"`,
      );
  }
  // Adjacent math fragments ("$\Delta$" + "$|$") would form "$$" (display math): separate them with "{}".
  return out.split("$$").join("$" + "{}" + "$");
}

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Escape text for a Markdown table cell (pipes and line breaks). */
export function escapeMarkdownCell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}
