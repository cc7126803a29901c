/**
 * The math of the balanced reduction: a k-phase section's phase impedance (or admittance) matrix to the one
 * series impedance of the single-phase-equivalent branch, and a shunt's reactive power at balanced voltages.
 *
 * A k-phase section (k = 1, 2, 3) carrying balanced currents (equal magnitudes, 120° apart on the phases it
 * has) has, per phase, the complex power loss |I|²·Z_k with
 *
 *     Z_k = (Σ_i Z_ii − Σ_{i<j} Z_ij) / k          (Z symmetric; Z_3 = Z1 of symmetrical components)
 *
 * In the three-phase (total power) convention the equivalent branch carries the section's total power S as if
 * split over three phases, so loss and relative voltage drop match when Z_eq = (3/k)·Z_k: a 1-phase lateral
 * becomes 3·Z_self, a 3-phase line its positive-sequence Z1. The same rule gives a 1-phase transformer its own
 * kVA with line-to-line-equivalent kV, and shunt susceptance B_eq = (Σ_i B_ii − Σ_{i<j} B_ij) / 3.
 */
import { invertInPlace } from "../opendss/complex.ts";

/** A complex number as [re, im]. */
export type Cx = [number, number];

/** The square block `rows × cols` (indices into an n×n interleaved matrix) as a new interleaved matrix. */
export function block(m: Float64Array, n: number, rows: number[], cols: number[]): Float64Array {
  const out = new Float64Array(2 * rows.length * cols.length);
  rows.forEach((r, i) => {
    cols.forEach((c, j) => {
      out[2 * (i * cols.length + j)] = m[2 * (r * n + c)]!;
      out[2 * (i * cols.length + j) + 1] = m[2 * (r * n + c) + 1]!;
    });
  });
  return out;
}

/** The inverse of an interleaved k×k complex matrix, or null when singular. */
export function inverse(m: Float64Array, k: number): Float64Array | null {
  const a = Float64Array.from(m);
  return invertInPlace(a, k) ? a : null;
}

/** Z_k = (Σ Z_ii − Σ_{i<j} (Z_ij + Z_ji)/2) / k of a k×k interleaved matrix (per phase, balanced currents). */
export function sequenceValue(z: Float64Array, k: number): Cx {
  let re = 0;
  let im = 0;
  for (let i = 0; i < k; i++) {
    re += z[2 * (i * k + i)]!;
    im += z[2 * (i * k + i) + 1]!;
    for (let j = i + 1; j < k; j++) {
      re -= (z[2 * (i * k + j)]! + z[2 * (j * k + i)]!) / 2;
      im -= (z[2 * (i * k + j) + 1]! + z[2 * (j * k + i) + 1]!) / 2;
    }
  }
  return [re / k, im / k];
}

/** The equivalent series impedance (Ω) of a k-phase section: (3/k)·Z_k three-phase, Z_11 per phase. */
export function equivalentZ(z: Float64Array, k: number, threePhase: boolean): Cx {
  const zk = sequenceValue(z, k);
  const s = threePhase ? 3 / k : 1;
  return [zk[0] * s, zk[1] * s];
}

/** Parallel combination of impedances (Ω); null when every one is zero. */
export function parallel(zs: Cx[]): Cx {
  let yr = 0;
  let yi = 0;
  for (const [r, x] of zs) {
    const d = r * r + x * x;
    if (d === 0) return [0, 0];
    yr += r / d;
    yi -= x / d;
  }
  const d = yr * yr + yi * yi;
  return [yr / d, -yi / d];
}

/** Balanced phase voltage of node p (1, 2, 3) with magnitude v: v∠−120°·(p−1); 0 for other nodes. */
export function balancedPhasor(node: number, v: number): Cx {
  if (node < 1 || node > 3) return [0, 0];
  const a = (-2 * Math.PI * (node - 1)) / 3;
  return [v * Math.cos(a), v * Math.sin(a)];
}

/**
 * Complex power (VA) into an element with primitive Y `y` (order m, interleaved) at conductor voltages `v`
 * (interleaved, length m): S = Σ V_i · conj((Y·V)_i).
 */
export function powerInto(y: Float64Array, m: number, v: Float64Array): Cx {
  let pr = 0;
  let pi = 0;
  for (let i = 0; i < m; i++) {
    let ir = 0;
    let ii = 0;
    for (let j = 0; j < m; j++) {
      const gr = y[2 * (i * m + j)]!;
      const gi = y[2 * (i * m + j) + 1]!;
      const vr = v[2 * j]!;
      const vi = v[2 * j + 1]!;
      ir += gr * vr - gi * vi;
      ii += gr * vi + gi * vr;
    }
    const vr = v[2 * i]!;
    const vi = v[2 * i + 1]!;
    pr += vr * ir + vi * ii;
    pi += vi * ir - vr * ii;
  }
  return [pr, pi];
}
