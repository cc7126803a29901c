/** Structural checks of an NlpProblem before it is handed to a solver. */
import { InputError } from "../../models/errors.ts";
import type { NlpProblem, NlpWarmStart } from "./types.ts";

const element = "NlpProblem";

function checkLength(name: string, a: ArrayLike<number>, len: number): void {
  if (a.length !== len)
    throw new InputError("schema", `length ${a.length}, expected ${len}`, { element, field: name });
}

function checkNotNaN(name: string, a: Float64Array): void {
  for (let i = 0; i < a.length; i++)
    if (Number.isNaN(a[i]!)) throw new InputError("bad-number", "NaN", { element, field: `${name}[${i}]` });
}

/**
 * Check sizes, bound arrays, the starting point and the sparsity triplets (in range; Hessian entries in the
 * lower triangle, row >= col). Throws InputError naming the offending field and index.
 */
export function validateNlpProblem(p: NlpProblem): void {
  if (!Number.isInteger(p.n) || p.n < 1)
    throw new InputError("schema", `must be a positive integer, got ${p.n}`, { element, field: "n" });
  if (!Number.isInteger(p.m) || p.m < 0)
    throw new InputError("schema", `must be a non-negative integer, got ${p.m}`, { element, field: "m" });
  checkLength("xL", p.xL, p.n);
  checkLength("xU", p.xU, p.n);
  checkLength("gL", p.gL, p.m);
  checkLength("gU", p.gU, p.m);
  checkLength("x0", p.x0, p.n);
  checkNotNaN("xL", p.xL);
  checkNotNaN("xU", p.xU);
  checkNotNaN("gL", p.gL);
  checkNotNaN("gU", p.gU);
  for (let i = 0; i < p.n; i++)
    if (!Number.isFinite(p.x0[i]!))
      throw new InputError("bad-number", `not finite (${p.x0[i]})`, { element, field: `x0[${i}]` });
  checkLength("jacCols", p.jacCols, p.jacRows.length);
  checkLength("hessCols", p.hessCols, p.hessRows.length);
  for (let k = 0; k < p.jacRows.length; k++) {
    const r = p.jacRows[k]!;
    const c = p.jacCols[k]!;
    if (r < 0 || r >= p.m)
      throw new InputError("schema", `row ${r} out of range [0, ${p.m})`, {
        element,
        field: `jacRows[${k}]`,
      });
    if (c < 0 || c >= p.n)
      throw new InputError("schema", `column ${c} out of range [0, ${p.n})`, {
        element,
        field: `jacCols[${k}]`,
      });
  }
  for (let k = 0; k < p.hessRows.length; k++) {
    const r = p.hessRows[k]!;
    const c = p.hessCols[k]!;
    if (r < 0 || r >= p.n)
      throw new InputError("schema", `row ${r} out of range [0, ${p.n})`, {
        element,
        field: `hessRows[${k}]`,
      });
    if (c < 0 || c > r)
      throw new InputError("schema", `column ${c} not in the lower triangle (row ${r})`, {
        element,
        field: `hessCols[${k}]`,
      });
  }
}

/** Check a warm start against the problem sizes. */
export function validateWarmStart(p: NlpProblem, w: NlpWarmStart): void {
  const el = "NlpWarmStart";
  const len = (name: string, a: Float64Array | undefined, n: number) => {
    if (a && a.length !== n)
      throw new InputError("schema", `length ${a.length}, expected ${n}`, { element: el, field: name });
  };
  len("x", w.x, p.n);
  len("lambda", w.lambda, p.m);
  len("zL", w.zL, p.n);
  len("zU", w.zU, p.n);
  for (let i = 0; i < p.n; i++)
    if (!Number.isFinite(w.x[i]!))
      throw new InputError("bad-number", `not finite (${w.x[i]})`, { element: el, field: `x[${i}]` });
}
