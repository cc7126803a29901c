import { XMLParser, XMLValidator } from "fast-xml-parser";
import { PNG } from "pngjs";
import { beforeAll, describe, expect, it } from "vitest";
import { DOUBLE_COLUMN_PX, pngSizeFor, SINGLE_COLUMN_PX, scopeSvgIds } from "../../reports/figures/render.ts";
import { textWidthPx } from "../../reports/figures/text-metrics.ts";
import { buildReport, type ReportOutput } from "../../reports/report.ts";
import { syntheticInput } from "./synthetic.ts";

/** All text content of an SVG (every <text> node, entities decoded). */
function svgTexts(svg: string): string[] {
  const doc = new XMLParser({ ignoreAttributes: true, preserveOrder: true, trimValues: true }).parse(svg);
  const out: string[] = [];
  const walk = (nodes: unknown) => {
    if (!Array.isArray(nodes)) return;
    for (const n of nodes as Array<Record<string, unknown>>) {
      for (const [k, v] of Object.entries(n)) {
        if (k === "text" && Array.isArray(v)) {
          out.push(
            (v as Array<Record<string, unknown>>)
              .map((c) => c["#text"])
              .filter((x) => x !== undefined)
              .join(""),
          );
        } else walk(v);
      }
    }
  };
  walk(doc);
  return out;
}

let report: ReportOutput;
beforeAll(async () => {
  report = await buildReport(syntheticInput());
});

describe("figures of the synthetic report", () => {
  const expectedIds = [
    "fig2-inputs",
    "fig-battery-power-mpcopf",
    "fig-battery-power-mpdopf",
    "fig4-battery-soc",
    "fig-substation",
    "fig3-boundary",
    "fig-voltage-mpdopf",
    "fig-dv-heatmap-mpdopf",
    "fig-attribution-mpdopf",
  ];

  it("renders every figure the input allows, skipping nothing", () => {
    expect(report.index.figures.map((f) => f.id)).toEqual(expectedIds);
    expect(report.index.skipped).toEqual([]);
  });

  it("writes well-formed SVG containing every axis title, at paper column widths", () => {
    for (const f of report.index.figures) {
      const svg = report.files.get(`report/figures/${f.id}.svg`) as string;
      expect(XMLValidator.validate(svg), f.id).toBe(true);
      const texts = svgTexts(svg);
      for (const title of f.axisTitles) expect(texts, `${f.id}: axis title '${title}'`).toContain(title);
      const target = f.widthPx > 300 ? DOUBLE_COLUMN_PX : SINGLE_COLUMN_PX;
      expect(Math.abs(f.widthPx - target), `${f.id} width ${f.widthPx}`).toBeLessThanOrEqual(3);
      expect(svg).toMatch(/font-family="DejaVu Sans/);
      expect(svg).not.toMatch(/https?:\/\/(?!www\.w3\.org\/)/); // no external references
    }
  });

  it("writes PNGs that decode to the SVG size at 300 dpi", () => {
    for (const f of report.index.figures) {
      const png = PNG.sync.read(Buffer.from(report.files.get(`report/figures/${f.id}.png`) as Uint8Array));
      const want = pngSizeFor(f.widthPx, f.heightPx, 300);
      expect({ id: f.id, w: png.width, h: png.height }).toEqual({ id: f.id, w: want.width, h: want.height });
      expect([png.width, png.height]).toEqual([f.pngWidth, f.pngHeight]);
      // Text was drawn: a figure is not blank (some dark pixels exist).
      let dark = 0;
      for (let i = 0; i < png.data.length; i += 4)
        if (png.data[i]! < 80 && png.data[i + 1]! < 80 && png.data[i + 2]! < 80) dark++;
      expect(dark, f.id).toBeGreaterThan(500);
    }
  });

  it("saves the vega-lite spec with inline data beside each image", () => {
    for (const f of report.index.figures) {
      const spec = JSON.parse(report.files.get(`report/figures/${f.id}.vl.json`) as string);
      expect(spec.$schema).toMatch(/vega-lite\/v6/);
      expect(JSON.stringify(spec)).not.toMatch(/"url"\s*:/);
      expect(JSON.stringify(spec)).toContain('"values"');
    }
  });

  it("makes SVG ids unique per figure", () => {
    const ids = new Set<string>();
    for (const f of report.index.figures) {
      const svg = report.files.get(`report/figures/${f.id}.svg`) as string;
      for (const m of svg.matchAll(/\sid="([^"]+)"/g)) {
        expect(ids.has(m[1]!), m[1]).toBe(false);
        ids.add(m[1]!);
        expect(m[1]!.startsWith(`${f.id}-`)).toBe(true);
      }
    }
    expect(scopeSvgIds('<svg><clipPath id="clip7"/><g clip-path="url(#clip7)"/></svg>', "f")).toBe(
      '<svg><clipPath id="f-1"/><g clip-path="url(#f-1)"/></svg>',
    );
  });

  it("measures text with DejaVu Sans metrics", () => {
    // DejaVu Sans: 'M' is wider than 'i'; a bold string is wider than the regular one.
    expect(textWidthPx("MMMM", 10)).toBeGreaterThan(3 * textWidthPx("iiii", 10));
    expect(textWidthPx("Power (kW)", 8, true)).toBeGreaterThan(textWidthPx("Power (kW)", 8));
    expect(textWidthPx("Multiplier (pu)", 8)).toBeGreaterThan(50);
    expect(textWidthPx("Multiplier (pu)", 8)).toBeLessThan(62);
  });
});

describe("determinism", () => {
  it("gives byte-identical files when the same input is rendered again", async () => {
    const again = await buildReport(syntheticInput());
    expect([...again.files.keys()]).toEqual([...report.files.keys()]);
    for (const [k, v] of report.files) {
      const w = again.files.get(k)!;
      expect(Buffer.from(w).equals(Buffer.from(v)), k).toBe(true);
    }
  });

  it("has no timestamps in the pages", () => {
    const html = report.files.get("report.html") as string;
    expect(html).not.toMatch(/20\d\d-\d\d-\d\d/);
  });
});
