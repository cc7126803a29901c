/**
 * Line constants: the series impedance and shunt admittance matrices (per metre) of a set of
 * conductors from their positions and conductor data, as OpenDSS computes them for
 * LineGeometry and LineSpacing + wires (TLineConstants, TCNLineConstants, TTSLineConstants):
 *
 * * overhead: self Z = internal impedance + jωμ0/2π·ln(1/GMR) + earth return, mutual
 *   Z = jωμ0/2π·ln(1/Dij) + earth return; the shunt admittance is the inverse of the potential
 *   coefficient matrix (conductors and their images above a perfect earth);
 * * concentric-neutral and tape-shielded cables: the neutral (strands or tape) of each of the
 *   first nphases conductors is added as an extra conductor and Kron-eliminated; the shunt
 *   admittance is the insulation's, between core and its neutral, on the diagonal only;
 * * earth return by Carson's simplified formula, the full Carson series, or Deri's complex
 *   depth (OpenDSS's default), which also uses the skin-effect internal impedance from Rdc.
 *
 * A reduction to the phase conductors (LineGeometry reduce=yes) Kron-eliminates the extra
 * conductors from Z (last first) and keeps the phase block of the nodal admittance (neutral
 * potentials zero). OpenDSS's truncated constants (2π, μ0) are used so results agree with it
 * to rounding.
 */
import { invertInPlace, kronReduce } from "./complex.ts";

/** OpenDSS's constants (truncated as in LineConstants.pas). */
export const E0 = 8.854e-12;
export const MU0 = 12.56637e-7;
export const TWOPI_LC = 6.283185307;

/** Earth return models (OpenDSS numbering: 1 Carson, 2 FullCarson, 3 Deri). */
export type EarthModel = "carson" | "fullcarson" | "deri";

/** Cable data of a concentric-neutral or tape-shielded conductor (lengths in m, R in Ω/m). */
export interface CableSpec {
  kind: "cn" | "ts";
  epsR: number;
  insLayer: number;
  diaIns: number;
  diaCable: number;
  /** Concentric neutral: strand count, strand diameter, strand GMR (m), strand resistance (Ω/m). */
  kStrand: number;
  diaStrand: number;
  gmrStrand: number;
  rStrand: number;
  /** Tape shield: diameter over the shield, tape thickness (m), lap (%). */
  diaShield: number;
  tapeLayer: number;
  tapeLap: number;
}

/** One conductor of a line-constants calculation (SI units: m, Ω/m). */
export interface ConductorSpec {
  x: number;
  y: number;
  gmr: number;
  radius: number;
  /** Radius for the capacitance (< 0: use `radius`). */
  capRadius: number;
  rdc: number;
  rac: number;
  cable: CableSpec | null;
}

/** Z (Ω/m) and Yc = jωC (S/m) matrices, interleaved complex, row-major n×n. */
export interface LineMatrices {
  n: number;
  z: Float64Array;
  yc: Float64Array;
}

type C = [number, number];

const cmul = (a: C, b: C): C => [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
const cdiv = (a: C, b: C): C => {
  const d = b[0] * b[0] + b[1] * b[1];
  return [(a[0] * b[0] + a[1] * b[1]) / d, (a[1] * b[0] - a[0] * b[1]) / d];
};
const cabs = (a: C): number => Math.hypot(a[0], a[1]);
/** Principal square root. */
function csqrt(a: C): C {
  const m = cabs(a);
  if (m === 0) return [0, 0];
  const re = Math.sqrt((m + a[0]) / 2);
  const im = Math.sqrt((m - a[0]) / 2);
  return [re, a[1] < 0 ? -im : im];
}
const cln = (a: C): C => [Math.log(cabs(a)), Math.atan2(a[1], a[0])];

/** Modified Bessel function I0 of a complex argument (power series). */
export function besselI0(a: C): C {
  const z = cmul(a, a);
  const q: C = [z[0] * 0.25, z[1] * 0.25];
  let sum: C = [1 + q[0], q[1]];
  let term: C = q;
  for (let k = 2; k <= 1000; k++) {
    term = cmul(q, term);
    term = [term[0] / (k * k), term[1] / (k * k)];
    sum = [sum[0] + term[0], sum[1] + term[1]];
    if (term[0] * term[0] + term[1] * term[1] < 1e-20) break;
  }
  return sum;
}

/** Modified Bessel function I1 of a complex argument (power series). */
export function besselI1(x: C): C {
  let term: C = [x[0] / 2, x[1] / 2];
  let sum: C = term;
  let prev: C = term;
  for (let i = 4; i <= 1000; i += 2) {
    const next: C = [x[0] / i, x[1] / i];
    term = cmul(term, cmul(prev, next));
    sum = [sum[0] + term[0], sum[1] + term[1]];
    prev = next;
    if (term[0] * term[0] + term[1] * term[1] < 1e-20) break;
  }
  return sum;
}

/** The frequency-dependent constants of one calculation. */
interface Ctx {
  f: number;
  w: number;
  rho: number;
  /** Deri's complex inverse depth √(jωμ0/ρ). */
  me: C;
  model: EarthModel;
  conds: readonly ConductorSpec[];
}

const B1 = 1 / (3 * Math.sqrt(2));
const B2 = 1 / 16;
const B3 = B1 / 3 / 5;
const B4 = B2 / 4 / 6;
const D2 = (B2 * Math.PI) / 4;
const D4 = (B4 * Math.PI) / 4;
const C2 = 1.3659315;
const C4 = C2 + 1 / 4 + 1 / 6;

/** Earth-return impedance between conductors i and j (Ω/m). */
function earthZ(cx: Ctx, i: number, j: number): C {
  const ci = cx.conds[i]!;
  const cj = cx.conds[j]!;
  const yi = Math.abs(ci.y);
  const yj = Math.abs(cj.y);
  const { w, f, rho } = cx;
  switch (cx.model) {
    case "carson":
      return [(w * MU0) / 8, ((w * MU0) / TWOPI_LC) * Math.log(658.5 * Math.sqrt(rho / f))];
    case "fullcarson": {
      let theta = 0;
      let dij = 2 * yi;
      if (i !== j) {
        dij = Math.sqrt((yi + yj) ** 2 + (ci.x - cj.x) ** 2);
        theta = Math.acos((yi + yj) / dij);
      }
      const m = 2.8099e-3 * dij * Math.sqrt(f / rho);
      const re =
        Math.PI / 8 -
        B1 * m * Math.cos(theta) +
        B2 * m * m * (Math.log(Math.exp(C2) / m) * Math.cos(2 * theta) + theta * Math.sin(2 * theta)) +
        B3 * m * m * m * Math.cos(3 * theta) -
        D4 * m * m * m * m * Math.cos(4 * theta);
      let im =
        0.5 * Math.log(1.85138 / m) +
        B1 * m * Math.cos(theta) -
        D2 * m * m * Math.cos(2 * theta) +
        B3 * m * m * m * Math.cos(3 * theta) -
        B4 * m * m * m * m * (Math.log(Math.exp(C4) / m) * Math.cos(4 * theta) + theta * Math.sin(4 * theta));
      im += 0.5 * Math.log(dij);
      const k = (w * MU0) / Math.PI;
      return [re * k, im * k];
    }
    case "deri": {
      const inv = cdiv([1, 0], cx.me);
      const k = (w * MU0) / TWOPI_LC;
      if (i !== j) {
        const h: C = [yi + yj + 2 * inv[0], 2 * inv[1]];
        const xt = ci.x - cj.x;
        const h2 = cmul(h, h);
        const l = cln(csqrt([h2[0] + xt * xt, h2[1]]));
        return [-k * l[1], k * l[0]];
      }
      const h: C = [yi + inv[0], inv[1]];
      const l = cln([2 * h[0], 2 * h[1]]);
      return [-k * l[1], k * l[0]];
    }
  }
}

/** Internal impedance of conductor i (Ω/m); its reactance is dropped at power frequency. */
function internalZ(cx: Ctx, i: number): C {
  const c = cx.conds[i]!;
  if (cx.model !== "deri") return [c.rac, (cx.w * MU0) / (8 * Math.PI)];
  const s = Math.sqrt((cx.f * MU0) / c.rdc);
  const alpha: C = [s, s];
  const ratio: C = cabs(alpha) > 35 ? [1, 0] : cdiv(besselI0(alpha), besselI1(alpha));
  const k = Math.sqrt(c.rdc * cx.f * MU0) / 2;
  const z = cmul([1, 1], ratio);
  return [z[0] * k, z[1] * k];
}

/** Kron-eliminate the last rows/columns of a complex matrix until `order` remain. */
function kronToOrder(m: Float64Array, n: number, order: number): Float64Array {
  let a = m;
  for (let k = n; k > order; k--) a = kronReduce(a, k, k - 1);
  return a;
}

/** The leading order×order block of an n×n complex matrix. */
function leadingBlock(m: Float64Array, n: number, order: number): Float64Array {
  const out = new Float64Array(2 * order * order);
  for (let i = 0; i < order; i++) {
    for (let j = 0; j < order; j++) {
      out[2 * (i * order + j)] = m[2 * (i * n + j)]!;
      out[2 * (i * order + j) + 1] = m[2 * (i * n + j) + 1]!;
    }
  }
  return out;
}

/** A problem with the conductor layout (the caller names the object). */
export class LineConstantsError extends Error {}

/** Check that no two conductors overlap (and overhead ones are above ground). */
function checkSpace(conds: readonly ConductorSpec[], nPhases: number, cable: boolean): void {
  const n = conds.length;
  if (!cable) {
    for (let i = 0; i < n; i++) {
      if (conds[i]!.y <= 0) throw new LineConstantsError(`conductor ${i + 1} height must be > 0`);
    }
  }
  const rad = (i: number): number => {
    const c = conds[i]!;
    if (!cable || i < nPhases) return c.radius;
    return 0.5 * (c.cable?.diaCable ?? 2 * c.radius);
  };
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d = Math.hypot(conds[i]!.x - conds[j]!.x, conds[i]!.y - conds[j]!.y);
      if (d < rad(i) + rad(j))
        throw new LineConstantsError(`conductors ${i + 1} and ${j + 1} occupy the same space`);
    }
  }
}

/**
 * Z and Yc (per metre) of `conds` at frequency `f` (Hz), earth resistivity `rho` (Ω·m), with the
 * first `nPhases` conductors the phases. `kind` is the conductor family of the whole set:
 * "oh" (bare wires), "cn" or "ts" (the first nPhases are cables of that kind). With `reduce`
 * the result has order nPhases.
 */
export function computeLineConstants(
  conds: readonly ConductorSpec[],
  nPhases: number,
  kind: "oh" | "cn" | "ts",
  f: number,
  rho: number,
  model: EarthModel,
  reduce: boolean,
): LineMatrices {
  const n = conds.length;
  const w = TWOPI_LC * f;
  const cx: Ctx = { f, w, rho, me: csqrt([0, (w * MU0) / rho]), model, conds };
  checkSpace(conds, nPhases, kind !== "oh");
  const powerFreq = f < 1000 && f > 40;
  const lf = (w * MU0) / TWOPI_LC;
  const extra = kind === "oh" ? 0 : nPhases;
  const N = n + extra;
  const zm = new Float64Array(2 * N * N);
  const set = (i: number, j: number, v: C): void => {
    zm[2 * (i * N + j)] = v[0];
    zm[2 * (i * N + j) + 1] = v[1];
    zm[2 * (j * N + i)] = v[0];
    zm[2 * (j * N + i) + 1] = v[1];
  };
  const dist = (i: number, j: number): number =>
    Math.hypot(conds[i]!.x - conds[j]!.x, conds[i]!.y - conds[j]!.y);
  for (let i = 0; i < n; i++) {
    const zi = internalZ(cx, i);
    let spacing: number;
    if (powerFreq) {
      zi[1] = 0;
      spacing = lf * Math.log(1 / conds[i]!.gmr);
    } else spacing = lf * Math.log(1 / conds[i]!.radius);
    const ze = earthZ(cx, i, i);
    set(i, i, [zi[0] + ze[0], zi[1] + spacing + ze[1]]);
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const ze = earthZ(cx, i, j);
      set(i, j, [ze[0], lf * Math.log(1 / dist(i, j)) + ze[1]]);
    }
  }
  for (let i = 0; i < extra; i++) {
    const cab = conds[i]!.cable;
    if (!cab || cab.kind !== kind)
      throw new LineConstantsError(
        `conductor ${i + 1} must be a ${kind === "cn" ? "CNData" : "TSData"} cable`,
      );
    const ii = n + i;
    let rN: number;
    let gmrN: number;
    let radN: number;
    if (kind === "cn") {
      rN = cab.rStrand / cab.kStrand;
      radN = 0.5 * (cab.diaCable - cab.diaStrand);
      gmrN = (cab.gmrStrand * cab.kStrand * radN ** (cab.kStrand - 1)) ** (1 / cab.kStrand);
    } else {
      rN = (0.3183 * 2.3718e-8) / (cab.diaShield * cab.tapeLayer * Math.sqrt(50 / (100 - cab.tapeLap)));
      gmrN = 0.5 * (cab.diaShield - cab.tapeLayer);
      radN = gmrN;
    }
    const ze = earthZ(cx, i, i);
    set(ii, ii, [rN + ze[0], lf * Math.log(1 / gmrN) + ze[1]]);
    for (let j = 0; j < i; j++) {
      const zej = earthZ(cx, i, j);
      set(ii, n + j, [zej[0], lf * Math.log(1 / dist(i, j)) + zej[1]]);
    }
    for (let j = 0; j < n; j++) {
      let d: number;
      if (i === j) d = radN;
      else {
        d = dist(i, j);
        if (kind === "cn") d = (d ** cab.kStrand - radN ** cab.kStrand) ** (1 / cab.kStrand);
      }
      const zej = earthZ(cx, i, j);
      set(ii, j, [zej[0], lf * Math.log(1 / d) + zej[1]]);
    }
  }
  const z = extra > 0 ? kronToOrder(zm, N, n) : zm;
  let yc = new Float64Array(2 * n * n);
  if (kind === "oh") {
    const pf = -1 / TWOPI_LC / E0 / w;
    for (let i = 0; i < n; i++) {
      const c = conds[i]!;
      const r = c.capRadius < 0 ? c.radius : c.capRadius;
      yc[2 * (i * n + i) + 1] = pf * Math.log((2 * c.y) / r);
      for (let j = 0; j < i; j++) {
        const dp = Math.hypot(c.x - conds[j]!.x, c.y + conds[j]!.y);
        const v = pf * Math.log(dp / dist(i, j));
        yc[2 * (i * n + j) + 1] = v;
        yc[2 * (j * n + i) + 1] = v;
      }
    }
    if (!invertInPlace(yc, n)) throw new LineConstantsError("singular potential coefficient matrix");
  } else {
    for (let i = 0; i < nPhases; i++) {
      const cab = conds[i]!.cable!;
      const yf = TWOPI_LC * E0 * cab.epsR * w;
      const rOut = 0.5 * cab.diaIns;
      const rIn = rOut - cab.insLayer;
      yc[2 * (i * n + i) + 1] = yf / Math.log(rOut / rIn);
    }
  }
  if (reduce && nPhases < n) {
    return { n: nPhases, z: kronToOrder(z, n, nPhases), yc: leadingBlock(yc, n, nPhases) };
  }
  yc = yc.slice();
  return { n, z, yc };
}
