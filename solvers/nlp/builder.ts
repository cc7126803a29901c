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

  /** Merge duplicates and produce the final typed arrays (linear time: counting sort + column markers). */
  finish(): AssembledStructure {
    const n = this.n;
    const m = this.m;
    const nLin = this.linRow.length;
    const nNl = this.nlRow.length;
    const total = nLin + nNl;
    const eRow = new Int32Array(total);
    const eCol = new Int32Array(total);
    for (let e = 0; e < nLin; e++) {
      eRow[e] = this.linRow.data[e];
      eCol[e] = this.linColL.data[e];
    }
    for (let e = 0; e < nNl; e++) {
      eRow[nLin + e] = this.nlRow.data[e];
      eCol[nLin + e] = this.nlCol.data[e];
    }
    for (let e = 0; e < total; e++) {
      if (eRow[e] < 0 || eRow[e] >= m || eCol[e] < 0 || eCol[e] >= n) {
        throw new Error(`Jacobian entry (${eRow[e]}, ${eCol[e]}) out of range`);
      }
    }
    // Group entries by row (stable counting sort), then merge equal columns inside a row.
    const ptr = new Int32Array(m + 1);
    for (let e = 0; e < total; e++) ptr[eRow[e] + 1]++;
    for (let r = 0; r < m; r++) ptr[r + 1] += ptr[r];
    const order = new Int32Array(total);
    const fill = ptr.slice(0, m);
    for (let e = 0; e < total; e++) order[fill[eRow[e]]++] = e;
    const markRow = new Int32Array(n).fill(-1);
    const markPos = new Int32Array(n);
    const jr = new Int32Array(total);
    const jc = new Int32Array(total);
    const jv = new Float64Array(total);
    const hasLin = new Uint8Array(total);
    const nlJacPos = new Int32Array(nNl);
    const linRowPtr = new Int32Array(m + 1);
    let nnz = 0;
    for (let r = 0; r < m; r++) {
      for (let q = ptr[r]; q < ptr[r + 1]; q++) {
        const e = order[q];
        const c = eCol[e];
        let pos: number;
        if (markRow[c] === r) pos = markPos[c];
        else {
          pos = nnz++;
          markRow[c] = r;
          markPos[c] = pos;
          jr[pos] = r;
          jc[pos] = c;
        }
        if (e < nLin) {
          jv[pos] += this.linCoefL.data[e];
          hasLin[pos] = 1;
        } else nlJacPos[e - nLin] = pos;
      }
    }
    // Linear part A in CSR: the Jacobian entries that have a linear contribution.
    let nnzLin = 0;
    for (let pos = 0; pos < nnz; pos++) if (hasLin[pos]) nnzLin++;
    const linCol = new Int32Array(nnzLin);
    const linCoef = new Float64Array(nnzLin);
    let w = 0;
    for (let pos = 0; pos < nnz; pos++) {
      if (!hasLin[pos]) continue;
      linRowPtr[jr[pos] + 1]++;
      linCol[w] = jc[pos];
      linCoef[w++] = jv[pos];
    }
    for (let r = 0; r < m; r++) linRowPtr[r + 1] += linRowPtr[r];

    // Hessian: registered entries and quadratic objective diagonals, merged by (row, col).
    const nH = this.hRow.length;
    const nQ = this.qIdx.length;
    const hTot = nH + nQ;
    const hRowOf = (e: number) => (e < nH ? this.hRow.data[e] : this.qIdx.data[e - nH]);
    const hColOf = (e: number) => (e < nH ? this.hCol.data[e] : this.qIdx.data[e - nH]);
    const hptr = new Int32Array(n + 1);
    for (let e = 0; e < hTot; e++) hptr[hRowOf(e) + 1]++;
    for (let i = 0; i < n; i++) hptr[i + 1] += hptr[i];
    const horder = new Int32Array(hTot);
    const hfill = hptr.slice(0, n);
    for (let e = 0; e < hTot; e++) horder[hfill[hRowOf(e)]++] = e;
    markRow.fill(-1);
    const hr = new Int32Array(hTot);
    const hc = new Int32Array(hTot);
    const hessPos = new Int32Array(nH);
    const quadHessPos = new Int32Array(nQ);
    let hnz = 0;
    for (let i = 0; i < n; i++) {
      for (let q = hptr[i]; q < hptr[i + 1]; q++) {
        const e = horder[q];
        const c = hColOf(e);
        let pos: number;
        if (markRow[c] === i) pos = markPos[c];
        else {
          pos = hnz++;
          markRow[c] = i;
          markPos[c] = pos;
          hr[pos] = i;
          hc[pos] = c;
        }
        if (e < nH) hessPos[e] = pos;
        else quadHessPos[e - nH] = pos;
      }
    }

    const objKeys = Int32Array.from(this.obj.keys()).sort();
    return {
      n,
      m,
      gL: this.rowLo.toArray(),
      gU: this.rowHi.toArray(),
      jacRows: jr.slice(0, nnz),
      jacCols: jc.slice(0, nnz),
      jacConst: jv.slice(0, nnz),
      linRowPtr,
      linCol,
      linCoef,
      nlJacPos,
      hessRows: hr.slice(0, hnz),
      hessCols: hc.slice(0, hnz),
      hessPos,
      objIdx: objKeys,
      objCoef: Float64Array.from(objKeys, (k) => this.obj.get(k)!),
      quadIdx: Int32Array.from(this.qIdx.toArray()),
      quadW: this.qW.toArray(),
      quadA: this.qA.toArray(),
      quadHessPos,
    };
  }
}
