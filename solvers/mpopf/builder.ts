/**
 * A small assembler for sparse NLPs of the form  min c·x + Σ w_i (x_i − a_i)²  s.t.  gL ≤ A x + h(x) ≤ gU.
 *
 * Constraint families add rows with constant linear coefficients (`addLinear`) and register the
 * Jacobian / Hessian positions of their nonlinear parts (`addNonlinearJac`, `addHess`). `finish()`
 * merges duplicate (row, col) entries, lays out the triplets once, and returns typed arrays plus the
 * position of every registered handle so that evaluation callbacks are plain indexed loops.
 */

/** Result of assembling the structure: triplets, constant parts and handle → position maps. */
export interface AssembledStructure {
  n: number;
  m: number;
  gL: Float64Array;
  gU: Float64Array;
  jacRows: Int32Array;
  jacCols: Int32Array;
  /** Constant (linear) part of every Jacobian entry, in triplet order. */
  jacConst: Float64Array;
  /** Linear part A in compressed-row form, for g = A x + h(x). */
  linRowPtr: Int32Array;
  linCol: Int32Array;
  linCoef: Float64Array;
  /** Jacobian position of each nonlinear-Jacobian handle. */
  nlJacPos: Int32Array;
  hessRows: Int32Array;
  hessCols: Int32Array;
  /** Hessian position of each Hessian handle. */
  hessPos: Int32Array;
  /** Linear objective c (sparse). */
  objIdx: Int32Array;
  objCoef: Float64Array;
  /** Diagonal quadratic objective terms w (x_i − a)². */
  quadIdx: Int32Array;
  quadW: Float64Array;
  quadA: Float64Array;
  /** Hessian position of each quadratic objective term's diagonal entry. */
  quadHessPos: Int32Array;
}

/** Growable list of numbers (avoids repeated typed-array reallocation while assembling). */
class NumList {
  data: Float64Array;
  length = 0;
  constructor(cap = 1024) {
    this.data = new Float64Array(cap);
  }
  push(v: number): number {
    if (this.length === this.data.length) {
      const d = new Float64Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length] = v;
    return this.length++;
  }
  toArray(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

/** Incrementally assembles the structure of a sparse NLP. */
export class NlpBuilder {
  readonly n: number;
  private readonly rowLo = new NumList();
  private readonly rowHi = new NumList();
  private readonly linRow = new NumList();
  private readonly linColL = new NumList();
  private readonly linCoefL = new NumList();
  private readonly nlRow = new NumList();
  private readonly nlCol = new NumList();
  private readonly hRow = new NumList();
  private readonly hCol = new NumList();
  private readonly obj = new Map<number, number>();
  private readonly qIdx = new NumList();
  private readonly qW = new NumList();
  private readonly qA = new NumList();

  constructor(n: number) {
    this.n = n;
  }

  /** Number of rows added so far (the index the next row will get). */
  get m(): number {
    return this.rowLo.length;
  }

  /** Add a constraint row with bounds lo ≤ g ≤ hi; returns its index. */
  addRow(lo: number, hi: number): number {
    this.rowHi.push(hi);
    return this.rowLo.push(lo);
  }

  /** Add a constant coefficient to row `row`, column `col`. */
  addLinear(row: number, col: number, coef: number): void {
    this.linRow.push(row);
    this.linColL.push(col);
    this.linCoefL.push(coef);
  }

  /** Register a nonlinear Jacobian entry; returns a handle (index into `nlJacPos`). */
  addNonlinearJac(row: number, col: number): number {
    this.nlCol.push(col);
    return this.nlRow.push(row);
  }

  /** Register a Hessian entry (either triangle; stored in the lower one); returns a handle. */
  addHess(r: number, c: number): number {
    this.hCol.push(Math.min(r, c));
    return this.hRow.push(Math.max(r, c));
  }

  /** Add c·x_col to the objective. */
  addObjectiveLinear(col: number, coef: number): void {
    this.obj.set(col, (this.obj.get(col) ?? 0) + coef);
  }

  /** Add w (x_col − a)² to the objective. */
  addObjectiveQuadratic(col: number, w: number, a: number): void {
    this.qIdx.push(col);
    this.qW.push(w);
    this.qA.push(a);
  }

  /** Merge duplicates and produce the final typed arrays. */
  finish(): AssembledStructure {
    const n = this.n;
    const m = this.m;
    // Jacobian: linear entries first, then nonlinear, merged by (row, col), ordered by row then first appearance.
    const nLin = this.linRow.length;
    const nNl = this.nlRow.length;
    const keyToPos = new Map<number, number>();
    const jr: number[] = [];
    const jc: number[] = [];
    const jv: number[] = [];
    // Order entries by row (stable) so the triplets are row-grouped.
    const total = nLin + nNl;
    const rowOf = (e: number) => (e < nLin ? this.linRow.data[e] : this.nlRow.data[e - nLin]);
    const colOf = (e: number) => (e < nLin ? this.linColL.data[e] : this.nlCol.data[e - nLin]);
    const counts = new Int32Array(m + 1);
    for (let e = 0; e < total; e++) counts[rowOf(e) + 1]++;
    for (let r = 0; r < m; r++) counts[r + 1] += counts[r];
    const order = new Int32Array(total);
    const fill = counts.slice();
    for (let e = 0; e < total; e++) order[fill[rowOf(e)]++] = e;
    const nlJacPos = new Int32Array(nNl);
    for (let q = 0; q < total; q++) {
      const e = order[q];
      const r = rowOf(e);
      const c = colOf(e);
      if (r < 0 || r >= m || c < 0 || c >= n) throw new Error(`Jacobian entry (${r}, ${c}) out of range`);
      const key = r * n + c;
      let pos = keyToPos.get(key);
      if (pos === undefined) {
        pos = jr.length;
        keyToPos.set(key, pos);
        jr.push(r);
        jc.push(c);
        jv.push(0);
      }
      if (e < nLin) jv[pos] += this.linCoefL.data[e];
      else nlJacPos[e - nLin] = pos;
    }
    // Linear part in CSR (duplicates merged).
    const linPtr = new Int32Array(m + 1);
    const linEntries: Array<[number, number, number]> = [];
    {
      const merged = new Map<number, number>();
      for (let e = 0; e < nLin; e++) {
        const key = this.linRow.data[e] * n + this.linColL.data[e];
        merged.set(key, (merged.get(key) ?? 0) + this.linCoefL.data[e]);
      }
      for (const [key, v] of merged) linEntries.push([Math.floor(key / n), key % n, v]);
      linEntries.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      for (const [r] of linEntries) linPtr[r + 1]++;
      for (let r = 0; r < m; r++) linPtr[r + 1] += linPtr[r];
    }
    // Hessian: objective quadratic diagonals + registered entries, merged.
    const hKey = new Map<number, number>();
    const hr: number[] = [];
    const hc: number[] = [];
    const hpos = (r: number, c: number): number => {
      const key = r * n + c;
      let p = hKey.get(key);
      if (p === undefined) {
        p = hr.length;
        hKey.set(key, p);
        hr.push(r);
        hc.push(c);
      }
      return p;
    };
    const hessPos = new Int32Array(this.hRow.length);
    for (let e = 0; e < this.hRow.length; e++) hessPos[e] = hpos(this.hRow.data[e], this.hCol.data[e]);
    const quadHessPos = new Int32Array(this.qIdx.length);
    for (let e = 0; e < this.qIdx.length; e++) quadHessPos[e] = hpos(this.qIdx.data[e], this.qIdx.data[e]);

    const objKeys = [...this.obj.keys()].sort((a, b) => a - b);
    return {
      n,
      m,
      gL: this.rowLo.toArray(),
      gU: this.rowHi.toArray(),
      jacRows: Int32Array.from(jr),
      jacCols: Int32Array.from(jc),
      jacConst: Float64Array.from(jv),
      linRowPtr: linPtr,
      linCol: Int32Array.from(linEntries, (e) => e[1]),
      linCoef: Float64Array.from(linEntries, (e) => e[2]),
      nlJacPos,
      hessRows: Int32Array.from(hr),
      hessCols: Int32Array.from(hc),
      hessPos,
      objIdx: Int32Array.from(objKeys),
      objCoef: Float64Array.from(objKeys, (k) => this.obj.get(k)!),
      quadIdx: Int32Array.from(this.qIdx.toArray()),
      quadW: this.qW.toArray(),
      quadA: this.qA.toArray(),
      quadHessPos,
    };
  }
}
