/** Complex sparse LU and small dense complex inversion. */
import { describe, expect, it } from "vitest";
import { invertInPlace } from "../../../validation/opendss/complex.ts";
import {
  minimumDegreeOrder,
  SingularMatrixError,
  SparseLU,
  SparseSymbolic,
} from "../../../validation/opendss/sparse.ts";

/** Deterministic pseudo-random numbers (LCG) so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** Dense complex solve by Gaussian elimination with partial pivoting (reference). */
function denseSolve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const m = new Float64Array(a);
  const x = new Float64Array(b);
  if (!invertInPlace(m, n)) throw new Error("singular");
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    let sr = 0;
    let si = 0;
    for (let j = 0; j < n; j++) {
      const ar = m[2 * (i * n + j)]!;
      const ai = m[2 * (i * n + j) + 1]!;
      sr += ar * x[2 * j]! - ai * x[2 * j + 1]!;
      si += ar * x[2 * j + 1]! + ai * x[2 * j]!;
    }
    out[2 * i] = sr;
    out[2 * i + 1] = si;
  }
  return out;
}

describe("sparse LU", () => {
  it("solves random structurally symmetric complex systems like a dense solver", () => {
    const r = rng(7);
    for (const n of [1, 2, 5, 30, 80]) {
      const dense = new Float64Array(2 * n * n);
      const edges: [number, number][] = [];
      for (let i = 1; i < n; i++) {
        const j = Math.floor((r() + 0.5) * i); // a tree, plus some meshes
        edges.push([i, j]);
        if (i > 3 && r() > 0.6) edges.push([i, Math.floor((r() + 0.5) * (i - 1))]);
      }
      for (const [i, j] of edges) {
        const yr = 1 + r();
        const yi = -3 + r();
        for (const [p, q, s] of [
          [i, i, 1],
          [j, j, 1],
          [i, j, -1],
          [j, i, -1],
        ] as const) {
          dense[2 * (p * n + q)] = dense[2 * (p * n + q)]! + s * yr;
          dense[2 * (p * n + q) + 1] = dense[2 * (p * n + q) + 1]! + s * yi;
        }
      }
      for (let i = 0; i < n; i++) dense[2 * (i * n + i)] = dense[2 * (i * n + i)]! + 0.5 + r(); // shunts
      const sym = new SparseSymbolic(n, edges);
      const lu = new SparseLU(sym);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const re = dense[2 * (i * n + j)]!;
          const im = dense[2 * (i * n + j) + 1]!;
          if (re !== 0 || im !== 0) lu.add(sym.slot(i, j), re, im);
        }
      }
      lu.factor();
      const b = new Float64Array(2 * n).map(() => r() * 100);
      const x = new Float64Array(2 * n);
      lu.solve(b, x);
      const ref = denseSolve(dense, b, n);
      for (let k = 0; k < 2 * n; k++)
        expect(Math.abs(x[k]! - ref[k]!)).toBeLessThan(1e-10 * (1 + Math.abs(ref[k]!)));
    }
  });

  it("reports a singular matrix with the offending node", () => {
    const sym = new SparseSymbolic(2, [[0, 1]]);
    const lu = new SparseLU(sym);
    // [[1, -1], [-1, 1]]: singular (floating network)
    lu.add(sym.slot(0, 0), 1, 0);
    lu.add(sym.slot(1, 1), 1, 0);
    lu.add(sym.slot(0, 1), -1, 0);
    lu.add(sym.slot(1, 0), -1, 0);
    expect(() => lu.factor()).toThrow(SingularMatrixError);
  });

  it("inverts small dense complex matrices", () => {
    const a = new Float64Array([1, 1, 2, 0, 0, -1, 3, 2]); // [[1+j, 2], [-j, 3+2j]]
    const inv = new Float64Array(a);
    expect(invertInPlace(inv, 2)).toBe(true);
    // a · inv = I
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        let sr = 0;
        let si = 0;
        for (let k = 0; k < 2; k++) {
          const ar = a[2 * (i * 2 + k)]!;
          const ai = a[2 * (i * 2 + k) + 1]!;
          const br = inv[2 * (k * 2 + j)]!;
          const bi = inv[2 * (k * 2 + j) + 1]!;
          sr += ar * br - ai * bi;
          si += ar * bi + ai * br;
        }
        expect(sr).toBeCloseTo(i === j ? 1 : 0, 14);
        expect(si).toBeCloseTo(0, 14);
      }
    }
    expect(invertInPlace(new Float64Array([1, 0, 2, 0, 2, 0, 4, 0]), 2)).toBe(false);
  });

  it("orders a tree (a radial feeder) without fill, and a grid with little", () => {
    // a random tree of 2000 nodes: minimum degree eliminates leaves first, so no fill at all
    const r = rng(11);
    const n = 2000;
    const edges: number[] = [];
    for (let i = 1; i < n; i++) edges.push(i, Math.floor((r() + 0.5) * i));
    const tree = new SparseSymbolic(n, Int32Array.from(edges));
    expect(tree.nOff).toBe(n - 1);
    // a 30×30 grid (a meshed network): fill stays within a small multiple of the edges
    const g = 30;
    const ge: number[] = [];
    for (let i = 0; i < g; i++)
      for (let j = 0; j < g; j++) {
        if (i + 1 < g) ge.push(i * g + j, (i + 1) * g + j);
        if (j + 1 < g) ge.push(i * g + j, i * g + j + 1);
      }
    const grid = new SparseSymbolic(g * g, Int32Array.from(ge));
    const edgesCount = ge.length / 2;
    expect(grid.nOff).toBeGreaterThan(edgesCount);
    expect(grid.nOff).toBeLessThan(6 * edgesCount);
    // the ordering is a permutation and each pattern holds only later pivots
    const seen = new Uint8Array(g * g);
    for (const v of grid.perm) seen[v] = 1;
    expect(seen.every((x) => x === 1)).toBe(true);
    for (let k = 0; k < g * g; k++)
      for (let p = grid.ptr[k]!; p < grid.ptr[k + 1]!; p++) expect(grid.idx[p]!).toBeGreaterThan(k);
  });

  it("minimum degree picks a least-connected node first and reports its neighbours", () => {
    // star: centre 0 with 5 leaves, plus an edge 1–2; leaves 3, 4, 5 have degree 1
    const xadj = Int32Array.from([0, 5, 7, 9, 10, 11, 12]);
    const adj = Int32Array.from([1, 2, 3, 4, 5, 0, 2, 0, 1, 0, 0, 0]);
    const { perm, patPtr, patIdx } = minimumDegreeOrder(6, xadj, adj);
    expect([3, 4, 5]).toContain(perm[0]);
    expect(Array.from(patIdx.subarray(patPtr[0]!, patPtr[1]!))).toEqual([0]);
    expect(new Set(perm).size).toBe(6);
  });
});
