/**
 * Complex sparse LU for the nodal admittance matrix.
 *
 * The system Y of a network is structurally symmetric, so the factorisation works on an
 * undirected pattern: a minimum-degree ordering (explicit elimination graph with degree buckets,
 * near-linear on power networks) is computed once per topology, and with it the fill pattern
 * and an update plan, and each numeric
 * factorisation is a flat loop over typed arrays with no allocation. Pivots are taken on the
 * diagonal in that order (nodal admittance matrices of power networks are safe for this); a
 * pivot below 1e-12 of its row's largest entry is reported as singular.
 *
 * Storage of the factors, in one interleaved complex array `val`: the diagonal D (n entries),
 * then the strictly-upper entries U(k, j) and the strictly-lower multipliers L(j, k) for each
 * pivot k and each later index j in pattern(k) (same positions for U and L).
 */

/** A zero or vanishing pivot: `node` is the 0-based original index of the offending row. */
export class SingularMatrixError extends Error {
  constructor(readonly node: number) {
    super(`singular admittance matrix at node index ${node}`);
  }
}

/**
 * Minimum-degree ordering of an undirected graph given in compressed form (neighbours of node i
 * in adj[xadj[i]..xadj[i+1]), no self loops needed). The elimination graph is kept explicitly:
 * eliminating a node joins its neighbours into a clique, and the degrees are kept in bucket
 * lists, so each step costs about the square of the eliminated node's degree (power networks
 * are near-trees with small cliques, so the whole ordering is near-linear). Returns the order
 * (new → original) and, for step k, the neighbours the eliminated node still had (its pattern in
 * the factors, original indices) in patIdx[patPtr[k]..patPtr[k+1]).
 */
export function minimumDegreeOrder(
  n: number,
  xadj: Int32Array,
  adj: Int32Array,
): { perm: Int32Array; patPtr: Int32Array; patIdx: Int32Array } {
  const g: number[][] = new Array(n);
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    for (let p = xadj[i]!; p < xadj[i + 1]!; p++) if (adj[p] !== i) row.push(adj[p]!);
    g[i] = row;
  }
  // degree buckets (doubly linked)
  const head = new Int32Array(n + 1).fill(-1);
  const next = new Int32Array(n).fill(-1);
  const prev = new Int32Array(n).fill(-1);
  const deg = new Int32Array(n);
  const insert = (v: number, d: number): void => {
    deg[v] = d;
    prev[v] = -1;
    next[v] = head[d]!;
    if (head[d]! >= 0) prev[head[d]!] = v;
    head[d] = v;
  };
  const remove = (v: number): void => {
    const d = deg[v]!;
    if (prev[v]! >= 0) next[prev[v]!] = next[v]!;
    else head[d] = next[v]!;
    if (next[v]! >= 0) prev[next[v]!] = prev[v]!;
  };
  for (let i = n - 1; i >= 0; i--) insert(i, Math.min(g[i]!.length, n));
  const mark = new Int32Array(n);
  let stamp = 0;
  let minDeg = 0;
  const perm = new Int32Array(n);
  const patPtr = new Int32Array(n + 1);
  let patIdx = new Int32Array(Math.max(16, 2 * xadj[n]!));
  for (let k = 0; k < n; k++) {
    while (head[minDeg]! < 0) minDeg++;
    const v = head[minDeg]!;
    remove(v);
    perm[k] = v;
    const nb = g[v]!;
    const p0 = patPtr[k]!;
    if (p0 + nb.length > patIdx.length) {
      const bigger = new Int32Array(2 * (p0 + nb.length));
      bigger.set(patIdx);
      patIdx = bigger;
    }
    for (let i = 0; i < nb.length; i++) patIdx[p0 + i] = nb[i]!;
    patPtr[k + 1] = p0 + nb.length;
    // drop v from its neighbours' lists
    for (const a of nb) {
      const ra = g[a]!;
      const i = ra.indexOf(v);
      ra[i] = ra[ra.length - 1]!;
      ra.pop();
    }
    // the neighbours become a clique
    for (const a of nb) {
      const ra = g[a]!;
      stamp++;
      mark[a] = stamp;
      for (const b of ra) mark[b] = stamp;
      for (const b of nb) {
        if (mark[b] !== stamp) {
          mark[b] = stamp;
          ra.push(b);
        }
      }
      remove(a);
      const d = ra.length;
      insert(a, d);
      if (d < minDeg) minDeg = d;
    }
    g[v] = [];
  }
  return { perm, patPtr, patIdx: patIdx.subarray(0, patPtr[n]!) };
}

/** The symbolic part (ordering, fill pattern, update plan); shared by several numeric matrices. */
export class SparseSymbolic {
  readonly n: number;
  /** New (pivot) index → original index. */
  readonly perm: Int32Array;
  /** Original index → new index. */
  readonly iperm: Int32Array;
  /** Pattern of pivot k: later pivots idx[ptr[k]..ptr[k+1]) (new indices, ascending). */
  readonly ptr: Int32Array;
  readonly idx: Int32Array;
  /** Number of off-diagonal slots per triangle. */
  readonly nOff: number;
  /** For each pivot k and each (a, b) in pattern(k)²: target slot of the update. */
  readonly planPtr: Int32Array;
  readonly plan: Int32Array;

  /**
   * Build from the number of nodes and the undirected off-diagonal connections: pairs of
   * 0-based original indices, as a flat Int32Array [i0, j0, i1, j1, …] or an iterable of pairs
   * (duplicates and self-pairs are ignored).
   */
  constructor(n: number, edges: Iterable<readonly [number, number]> | Int32Array) {
    this.n = n;
    let flat: Int32Array;
    if (edges instanceof Int32Array) flat = edges;
    else {
      const list: number[] = [];
      for (const [a, b] of edges) list.push(a, b);
      flat = Int32Array.from(list);
    }
    // compressed adjacency (both directions)
    const count = new Int32Array(n + 1);
    for (let e = 0; e < flat.length; e += 2) {
      const a = flat[e]!;
      const b = flat[e + 1]!;
      if (a === b) continue;
      count[a + 1]!++;
      count[b + 1]!++;
    }
    for (let i = 0; i < n; i++) count[i + 1]! += count[i]!;
    const xadj = Int32Array.from(count);
    const adj = new Int32Array(count[n]!);
    const fill = count.subarray(0, n).slice();
    for (let e = 0; e < flat.length; e += 2) {
      const a = flat[e]!;
      const b = flat[e + 1]!;
      if (a === b) continue;
      adj[fill[a]!++] = b;
      adj[fill[b]!++] = a;
    }
    // duplicates are harmless for the ordering except in degree counts: remove them
    const mark = new Int32Array(n).fill(-1);
    const xd = new Int32Array(n + 1);
    const ad = new Int32Array(adj.length);
    let q = 0;
    for (let i = 0; i < n; i++) {
      xd[i] = q;
      for (let p = xadj[i]!; p < xadj[i + 1]!; p++) {
        const j = adj[p]!;
        if (mark[j] !== i) {
          mark[j] = i;
          ad[q++] = j;
        }
      }
    }
    xd[n] = q;
    const { perm, patPtr, patIdx } = minimumDegreeOrder(n, xd, ad.subarray(0, q));
    const iperm = new Int32Array(n);
    for (let k = 0; k < n; k++) iperm[perm[k]!] = k;
    this.perm = perm;
    this.iperm = iperm;
    const ptr = patPtr;
    const idx = patIdx;
    for (let k = 0; k < n; k++) {
      for (let p = ptr[k]!; p < ptr[k + 1]!; p++) idx[p] = iperm[idx[p]!]!;
      idx.subarray(ptr[k]!, ptr[k + 1]!).sort();
    }
    this.ptr = ptr;
    this.idx = idx;
    this.nOff = ptr[n]!;
    // update plan: slot indices in the unified layout [D | U | L]
    let planLen = 0;
    for (let k = 0; k < n; k++) {
      const m = ptr[k + 1]! - ptr[k]!;
      planLen += m * m;
    }
    const plan = new Int32Array(planLen);
    const planPtr = new Int32Array(n + 1);
    let c = 0;
    for (let k = 0; k < n; k++) {
      planPtr[k] = c;
      for (let pa = ptr[k]!; pa < ptr[k + 1]!; pa++) {
        const a = idx[pa]!;
        for (let pb = ptr[k]!; pb < ptr[k + 1]!; pb++) plan[c++] = this.slotNew(a, idx[pb]!);
      }
    }
    planPtr[n] = c;
    this.planPtr = planPtr;
    this.plan = plan;
  }

  /** Position of later pivot b in pattern(a) (binary search), or -1. */
  private find(a: number, b: number): number {
    let lo = this.ptr[a]!;
    let hi = this.ptr[a + 1]! - 1;
    const idx = this.idx;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = idx[mid]!;
      if (v === b) return mid;
      if (v < b) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Slot (in [D | U | L] layout) of entry (a, b), new indices; throws if not in the pattern. */
  private slotNew(a: number, b: number): number {
    if (a === b) return a;
    if (a < b) {
      const p = this.find(a, b);
      if (p < 0) throw new Error(`entry (${a},${b}) outside the symbolic pattern`);
      return this.n + p;
    }
    const p = this.find(b, a);
    if (p < 0) throw new Error(`entry (${a},${b}) outside the symbolic pattern`);
    return this.n + this.nOff + p;
  }

  /** Slot of entry (row i, column j) given in original 0-based indices. */
  slot(i: number, j: number): number {
    return this.slotNew(this.iperm[i]!, this.iperm[j]!);
  }

  /** Number of complex slots in a numeric matrix over this pattern. */
  get size(): number {
    return this.n + 2 * this.nOff;
  }
}

/** A numeric matrix (and, after factor(), its LU factors) over a symbolic pattern. */
export class SparseLU {
  readonly sym: SparseSymbolic;
  /** Interleaved complex values in [D | U | L] layout. */
  readonly val: Float64Array;
  /** 1/D after factorisation (interleaved). */
  private readonly invD: Float64Array;
  private readonly work: Float64Array;
  /** Largest entry of each original row (singularity threshold). */
  private readonly diag0: Float64Array;
  factored = false;

  constructor(sym: SparseSymbolic) {
    this.sym = sym;
    this.val = new Float64Array(2 * sym.size);
    this.invD = new Float64Array(2 * sym.n);
    this.work = new Float64Array(2 * sym.n);
    this.diag0 = new Float64Array(sym.n);
  }

  /** Zero all values (before assembling a new matrix). */
  clear(): void {
    this.val.fill(0);
    this.factored = false;
  }

  /** Add (re, im) to the entry at `slot` (see SparseSymbolic.slot). */
  add(slot: number, re: number, im: number): void {
    this.val[2 * slot] = this.val[2 * slot]! + re;
    this.val[2 * slot + 1] = this.val[2 * slot + 1]! + im;
  }

  /** Factorise in place. Throws SingularMatrixError on a zero or vanishing pivot. */
  factor(): void {
    const { n, ptr, plan, planPtr } = this.sym;
    const v = this.val;
    const offU = n;
    const offL = n + this.sym.nOff;
    // scale of each original row: its largest entry (a pivot far below it is singular)
    for (let k = 0; k < n; k++) this.diag0[k] = Math.hypot(v[2 * k]!, v[2 * k + 1]!);
    for (let k = 0; k < n; k++) {
      for (let p = ptr[k]!; p < ptr[k + 1]!; p++) {
        const j = this.sym.idx[p]!;
        const u = Math.hypot(v[2 * (offU + p)]!, v[2 * (offU + p) + 1]!);
        const l = Math.hypot(v[2 * (offL + p)]!, v[2 * (offL + p) + 1]!);
        if (u > this.diag0[k]!) this.diag0[k] = u;
        if (l > this.diag0[j]!) this.diag0[j] = l;
      }
    }
    for (let k = 0; k < n; k++) {
      const dr = v[2 * k]!;
      const di = v[2 * k + 1]!;
      const dd = dr * dr + di * di;
      const mag = Math.sqrt(dd);
      if (!(mag > 1e-12 * this.diag0[k]!) || !Number.isFinite(mag)) {
        throw new SingularMatrixError(this.sym.perm[k]!);
      }
      const ir = dr / dd;
      const ii = -di / dd;
      this.invD[2 * k] = ir;
      this.invD[2 * k + 1] = ii;
      const p0 = ptr[k]!;
      const p1 = ptr[k + 1]!;
      // scale the column into multipliers
      for (let p = p0; p < p1; p++) {
        const s = 2 * (offL + p);
        const lr = v[s]!;
        const li = v[s + 1]!;
        v[s] = lr * ir - li * ii;
        v[s + 1] = lr * ii + li * ir;
      }
      // rank-1 update of the trailing matrix restricted to the pattern
      let c = planPtr[k]!;
      for (let pa = p0; pa < p1; pa++) {
        const sl = 2 * (offL + pa);
        const lr = v[sl]!;
        const li = v[sl + 1]!;
        for (let pb = p0; pb < p1; pb++) {
          const su = 2 * (offU + pb);
          const ur = v[su]!;
          const ui = v[su + 1]!;
          const t = 2 * plan[c++]!;
          v[t] = v[t]! - (lr * ur - li * ui);
          v[t + 1] = v[t + 1]! - (lr * ui + li * ur);
        }
      }
    }
    this.factored = true;
  }

  /**
   * Solve A x = b. `b` and `x` are interleaved complex vectors indexed by original node index
   * (length 2n each; they may be the same array).
   */
  solve(b: Float64Array, x: Float64Array): void {
    const { n, ptr, idx, perm } = this.sym;
    const v = this.val;
    const y = this.work;
    const offU = n;
    const offL = n + this.sym.nOff;
    for (let k = 0; k < n; k++) {
      const o = perm[k]!;
      y[2 * k] = b[2 * o]!;
      y[2 * k + 1] = b[2 * o + 1]!;
    }
    for (let k = 0; k < n; k++) {
      const yr = y[2 * k]!;
      const yi = y[2 * k + 1]!;
      if (yr === 0 && yi === 0) continue;
      for (let p = ptr[k]!; p < ptr[k + 1]!; p++) {
        const s = 2 * (offL + p);
        const lr = v[s]!;
        const li = v[s + 1]!;
        const j = 2 * idx[p]!;
        y[j] = y[j]! - (lr * yr - li * yi);
        y[j + 1] = y[j + 1]! - (lr * yi + li * yr);
      }
    }
    for (let k = n - 1; k >= 0; k--) {
      let sr = y[2 * k]!;
      let si = y[2 * k + 1]!;
      for (let p = ptr[k]!; p < ptr[k + 1]!; p++) {
        const s = 2 * (offU + p);
        const ur = v[s]!;
        const ui = v[s + 1]!;
        const j = 2 * idx[p]!;
        const xr = y[j]!;
        const xi = y[j + 1]!;
        sr -= ur * xr - ui * xi;
        si -= ur * xi + ui * xr;
      }
      const ir = this.invD[2 * k]!;
      const ii = this.invD[2 * k + 1]!;
      y[2 * k] = sr * ir - si * ii;
      y[2 * k + 1] = sr * ii + si * ir;
    }
    for (let k = 0; k < n; k++) {
      const o = perm[k]!;
      x[2 * o] = y[2 * k]!;
      x[2 * o + 1] = y[2 * k + 1]!;
    }
  }
}
