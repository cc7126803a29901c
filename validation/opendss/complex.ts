/**
 * Complex matrix helpers. Complex vectors and matrices are stored interleaved in
 * Float64Array (re, im, re, im, ...); matrices are row-major, so element (i, j) of an n×n
 * matrix sits at 2*(i*n + j).
 */

/**
 * Invert an n×n complex matrix in place (Gauss-Jordan with partial pivoting).
 * Returns false (matrix left in an undefined state) when it is singular.
 */
export function invertInPlace(a: Float64Array, n: number): boolean {
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let k = 0; k < n; k++) {
    // pivot search in column k
    let p = k;
    let best = -1;
    for (let i = k; i < n; i++) {
      const re = a[2 * (i * n + k)]!;
      const im = a[2 * (i * n + k) + 1]!;
      const m = re * re + im * im;
      if (m > best) {
        best = m;
        p = i;
      }
    }
    if (!(best > 0)) return false;
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const x = 2 * (k * n + j);
        const y = 2 * (p * n + j);
        const tr = a[x]!;
        const ti = a[x + 1]!;
        a[x] = a[y]!;
        a[x + 1] = a[y + 1]!;
        a[y] = tr;
        a[y + 1] = ti;
      }
      const t = perm[k]!;
      perm[k] = perm[p]!;
      perm[p] = t;
    }
    const kk = 2 * (k * n + k);
    const dr = a[kk]!;
    const di = a[kk + 1]!;
    const dd = dr * dr + di * di;
    const ir = dr / dd;
    const ii = -di / dd;
    a[kk] = 1;
    a[kk + 1] = 0;
    for (let j = 0; j < n; j++) {
      const x = 2 * (k * n + j);
      const r = a[x]!;
      const m = a[x + 1]!;
      a[x] = r * ir - m * ii;
      a[x + 1] = r * ii + m * ir;
    }
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const ik = 2 * (i * n + k);
      const fr = a[ik]!;
      const fi = a[ik + 1]!;
      if (fr === 0 && fi === 0) continue;
      a[ik] = 0;
      a[ik + 1] = 0;
      for (let j = 0; j < n; j++) {
        const x = 2 * (i * n + j);
        const y = 2 * (k * n + j);
        const kr = a[y]!;
        const ki = a[y + 1]!;
        a[x] = a[x]! - (fr * kr - fi * ki);
        a[x + 1] = a[x + 1]! - (fr * ki + fi * kr);
      }
    }
  }
  // undo the row permutation as a column permutation of the inverse
  const tmp = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      tmp[2 * perm[j]!] = a[2 * (i * n + j)]!;
      tmp[2 * perm[j]! + 1] = a[2 * (i * n + j) + 1]!;
    }
    for (let j = 0; j < n; j++) {
      a[2 * (i * n + j)] = tmp[2 * j]!;
      a[2 * (i * n + j) + 1] = tmp[2 * j + 1]!;
    }
  }
  return true;
}

/** Kron-reduce a complex n×n matrix by eliminating row/column k (0-based). */
export function kronReduce(m: Float64Array, n: number, k: number): Float64Array {
  const out = new Float64Array(2 * (n - 1) * (n - 1));
  const kr = m[2 * (k * n + k)]!;
  const ki = m[2 * (k * n + k) + 1]!;
  const d = kr * kr + ki * ki;
  const ir = kr / d;
  const ii = -ki / d;
  let r2 = 0;
  for (let i = 0; i < n; i++) {
    if (i === k) continue;
    let c2 = 0;
    for (let j = 0; j < n; j++) {
      if (j === k) continue;
      const ar = m[2 * (i * n + k)]!;
      const ai = m[2 * (i * n + k) + 1]!;
      const br = m[2 * (k * n + j)]!;
      const bi = m[2 * (k * n + j) + 1]!;
      // a * inv(kk) * b
      const tr = ar * ir - ai * ii;
      const ti = ar * ii + ai * ir;
      const pr = tr * br - ti * bi;
      const pi = tr * bi + ti * br;
      out[2 * (r2 * (n - 1) + c2)] = m[2 * (i * n + j)]! - pr;
      out[2 * (r2 * (n - 1) + c2) + 1] = m[2 * (i * n + j) + 1]! - pi;
      c2++;
    }
    r2++;
  }
  return out;
}
