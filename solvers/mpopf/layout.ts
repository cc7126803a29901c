/**
 * Time-major variable layout of the multi-period OPF. For every period t the block is
 *
 *   [ P (nBr) | Q (nBr) | l (nBr) | v (nBus) | q_D (nPv) | P_c (nBatt) | P_d (nBatt) | q_B (nBatt) | B (nBatt)
 *     | P_port (nPort) | Q_port (nPort) | s_cap (nSlack) ]
 *
 * (boundary ports exist only in the areas of the distributed methods that duplicate boundary variables; the
 * peak-cap slack only with an elastic cap, one per period)
 * with branch, bus, PV and battery indices as in the `Network` / `Scenario` arrays. All values per unit
 * (P, Q in pu of S_base; l = |I|² and v = |V|² in pu²; B in pu·h).
 */

/** Sizes and offsets of the time-major layout. */
export interface MpopfLayout {
  T: number;
  nBus: number;
  nBr: number;
  nPv: number;
  nBatt: number;
  /** Boundary ports (0 outside ADMM/APP areas). */
  nPort: number;
  /** Peak-cap slacks per period (1 with an elastic cap, else 0). */
  nSlack: number;
  /** Variables per period. */
  perT: number;
  /** Total number of variables. */
  n: number;
  offP: number;
  offQ: number;
  offL: number;
  offV: number;
  offQd: number;
  offPc: number;
  offPd: number;
  offQb: number;
  offB: number;
  offPp: number;
  offQp: number;
  offS: number;
}

/** Variable kinds, in block order. */
export const VARIABLE_KINDS = ["P", "Q", "l", "v", "qD", "Pc", "Pd", "qB", "B", "Pp", "Qp", "sCap"] as const;
/** One of the variable kinds. */
export type VariableKind = (typeof VARIABLE_KINDS)[number];

/** Build the layout for a horizon of T periods. */
export function makeLayout(
  T: number,
  nBus: number,
  nBr: number,
  nPv: number,
  nBatt: number,
  nPort = 0,
  nSlack = 0,
): MpopfLayout {
  const offP = 0;
  const offQ = nBr;
  const offL = 2 * nBr;
  const offV = 3 * nBr;
  const offQd = offV + nBus;
  const offPc = offQd + nPv;
  const offPd = offPc + nBatt;
  const offQb = offPd + nBatt;
  const offB = offQb + nBatt;
  const offPp = offB + nBatt;
  const offQp = offPp + nPort;
  const offS = offQp + nPort;
  const perT = offS + nSlack;
  return {
    T,
    nBus,
    nBr,
    nPv,
    nBatt,
    nPort,
    nSlack,
    perT,
    n: perT * T,
    offP,
    offQ,
    offL,
    offV,
    offQd,
    offPc,
    offPd,
    offQb,
    offB,
    offPp,
    offQp,
    offS,
  };
}

/** Offset of a variable kind inside a period block. */
export function kindOffset(L: MpopfLayout, kind: VariableKind): number {
  switch (kind) {
    case "P":
      return L.offP;
    case "Q":
      return L.offQ;
    case "l":
      return L.offL;
    case "v":
      return L.offV;
    case "qD":
      return L.offQd;
    case "Pc":
      return L.offPc;
    case "Pd":
      return L.offPd;
    case "qB":
      return L.offQb;
    case "B":
      return L.offB;
    case "Pp":
      return L.offPp;
    case "Qp":
      return L.offQp;
    case "sCap":
      return L.offS;
  }
}

/** Index of variable `kind` for element `k` (branch, bus, PV or battery index) in period t (0-based). */
export function varIndex(L: MpopfLayout, kind: VariableKind, t: number, k: number): number {
  return t * L.perT + kindOffset(L, kind) + k;
}

/** Count of elements of a kind per period. */
export function kindCount(L: MpopfLayout, kind: VariableKind): number {
  switch (kind) {
    case "P":
    case "Q":
    case "l":
      return L.nBr;
    case "v":
      return L.nBus;
    case "qD":
      return L.nPv;
    case "Pp":
    case "Qp":
      return L.nPort;
    case "sCap":
      return L.nSlack;
    default:
      return L.nBatt;
  }
}

/** Inverse of `varIndex`: which kind, period and element a variable index refers to. */
export function describeVar(L: MpopfLayout, i: number): { kind: VariableKind; t: number; k: number } {
  const t = Math.floor(i / L.perT);
  const r = i - t * L.perT;
  for (let q = VARIABLE_KINDS.length - 1; q >= 0; q--) {
    const kind = VARIABLE_KINDS[q]!;
    const off = kindOffset(L, kind);
    if (r >= off && kindCount(L, kind) > 0) return { kind, t, k: r - off };
  }
  return { kind: "P", t, k: r };
}

/** Copy one kind's values for all periods out of x into a t-major array of length T · count. */
export function extractKind(L: MpopfLayout, x: Float64Array, kind: VariableKind): Float64Array {
  const cnt = kindCount(L, kind);
  const off = kindOffset(L, kind);
  const out = new Float64Array(L.T * cnt);
  for (let t = 0; t < L.T; t++) out.set(x.subarray(t * L.perT + off, t * L.perT + off + cnt), t * cnt);
  return out;
}
