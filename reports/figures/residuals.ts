/**
 * Residuals against iterations, one panel per distributed method (the head-to-head figure): the largest
 * boundary residuals in units of their stopping tolerances — P, Q and |V| (primal: |computed − used| for ENApp,
 * |parent's copy − child's copy| for ADMM/APP) and the dual residual (ADMM/APP) — on a log axis with the
 * stopping line at 1. Values are plotted as given.
 */
import type { TopLevelSpec } from "vega-lite";
import type { FigureDef } from "./render.ts";
import { CONFIG, DASHES, OKABE_ITO } from "./theme.ts";

/** One method's residual history: per iteration k the residuals divided by their tolerances. */
export interface ResidualSeries {
  /** Panel title, e.g. "ENApp (8 areas)". */
  method: string;
  k: number[];
  p: number[];
  q: number[];
  v: number[];
  /** Dual residual / its tolerance (empty for ENApp). */
  dual: number[];
}

const QUANTITIES = ["P", "Q", "|V|", "dual"] as const;

/** Floor of the log axis: a residual of exactly 0 is drawn here. */
const FLOOR = 1e-4;

/** The figure: one panel per method, residual / tolerance vs iteration (log y), the stopping line at 1. */
export function residualsFigure(series: ResidualSeries[], id = "fig-residuals"): FigureDef {
  const rows: Array<Record<string, unknown>> = [];
  for (const s of series) {
    s.k.forEach((k, i) => {
      const vals: Array<[string, number | undefined]> = [
        ["P", s.p[i]],
        ["Q", s.q[i]],
        ["|V|", s.v[i]],
        ["dual", s.dual[i]],
      ];
      for (const [quantity, v] of vals) {
        if (v === undefined || !Number.isFinite(v)) continue;
        rows.push({ method: s.method, k, quantity, value: Math.max(FLOOR, v) });
      }
    });
  }
  const methods = series.map((s) => s.method);
  const present = QUANTITIES.filter((q) => rows.some((r) => r.quantity === q));
  const xTitle = "Iteration k";
  const yTitle = "Residual / tolerance";
  return {
    id,
    title: "Residuals against iterations",
    caption:
      "Largest boundary residuals over boundaries and periods, in units of their stopping tolerances (P, Q, |V|: primal; dual: ADMM/APP's ρ·Δz), per method; each stops when all are at or below 1.",
    width: "double",
    columns: Math.min(3, methods.length),
    axisTitles: [xTitle, yTitle],
    spec: (w) =>
      ({
        $schema: "https://vega.github.io/schema/vega-lite/v6.json",
        config: CONFIG,
        data: { values: rows },
        facet: { field: "method", type: "nominal", sort: methods, title: null },
        columns: Math.min(3, methods.length),
        spec: {
          width: w,
          height: 110,
          layer: [
            {
              mark: { type: "line", strokeWidth: 1 },
              encoding: {
                x: { field: "k", type: "quantitative", title: xTitle, axis: { tickMinStep: 1 } },
                y: {
                  field: "value",
                  type: "quantitative",
                  title: yTitle,
                  scale: { type: "log", domainMin: FLOOR },
                  axis: { format: "~e", tickCount: 5 },
                },
                color: {
                  field: "quantity",
                  type: "nominal",
                  sort: present,
                  title: null,
                  scale: { domain: present, range: OKABE_ITO.slice(0, present.length) },
                },
                strokeDash: {
                  field: "quantity",
                  type: "nominal",
                  sort: present,
                  title: null,
                  scale: { domain: present, range: DASHES.slice(0, present.length) },
                },
              },
            },
            {
              mark: { type: "rule", color: "#555555", strokeWidth: 0.5, strokeDash: [2, 2] },
              encoding: { y: { datum: 1, type: "quantitative" } },
            },
          ],
        },
        resolve: { scale: { x: "independent" } },
      }) as TopLevelSpec,
  };
}
