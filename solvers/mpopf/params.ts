/**
 * Per-unit parameters of one multi-period OPF instance, derived once from a `Scenario` (and, for an
 * ENApp area, its boundary equivalents). Everything is a flat t-major typed array.
 */
import { InputError } from "../../models/errors.ts";
import type { Network, Scenario } from "../../models/types.ts";
import type { InitialPointKind } from "./initial.ts";

/** A fixed extra load at a bus, per period, per unit (ENApp: the power drawn by a child area). */
export interface ExtraLoad {
  /** Bus index in the (sub-)network. */
  bus: number;
  /** Real power per period (pu of S_base), length T. */
  pPu: Float64Array;
  /** Reactive power per period (pu of S_base), length T. */
  qPu: Float64Array;
}

/**
 * What one MPOPF solve is built from: a scenario, plus the optional equivalents that turn its network
 * into an ENApp area (a per-period head voltage and fixed extra loads). Plain data, structured-clone safe.
 */
export interface MpopfInput {
  scenario: Scenario;
  /** Head-bus voltage magnitude per period (pu), length T; default: the network's constant vSubsPu. */
  vHeadPu?: Float64Array;
  /** Fixed extra loads (per period) at given buses. */
  extraLoads?: ExtraLoad[];
  /** Which built-in starting point to use (default `DEFAULT_INITIAL_POINT`). */
  initialPoint?: InitialPointKind;
  /** Explicit starting point (length n); overrides `initialPoint`. */
  x0?: Float64Array;
  /**
   * Extra objective terms on variables of the layout, in objective units ($ for cost, kWh for loss): ENApp's
   * boundary prices (linear) and proximal terms (separable quadratic).
   */
  objectiveTerms?: ObjectiveTerms;
}

/** Linear terms Σ coef[e] · x[index[e]] and separable quadratic terms Σ weight[e] · (x[index[e]] − center[e])². */
export interface ObjectiveTerms {
  linear?: { index: Int32Array; coef: Float64Array };
  quadratic?: { index: Int32Array; weight: Float64Array; center: Float64Array };
}

/** Per-unit parameter arrays of an instance. */
export interface MpopfParams {
  T: number;
  dtH: number;
  sBaseKva: number;
  head: number;
  /** Net real demand per bus and period (pu): P_L·mult + extra (t-major, T·nBus). */
  pLoad: Float64Array;
  /** Net reactive demand per bus and period (pu): Q_L·mult − Q_C + extra. */
  qLoad: Float64Array;
  /** PV real output per unit and period (pu), T·nPv. */
  pPv: Float64Array;
  /** PV reactive limit per unit and period (pu), T·nPv (|q_D| ≤ this). */
  qPvMax: Float64Array;
  pvBus: Int32Array;
  battBus: Int32Array;
  /** Battery charge/discharge limit (pu), apparent rating (pu), SOC band and B0 (pu·h). */
  battPMax: Float64Array;
  battSMax: Float64Array;
  battQMax: Float64Array;
  battBMin: Float64Array;
  battBMax: Float64Array;
  battB0: Float64Array;
  etaC: Float64Array;
  etaD: Float64Array;
  /** Squared head voltage per period (pu²). */
  vHeadSq: Float64Array;
  /** Squared voltage band (pu²). */
  vMinSq: number;
  vMaxSq: number;
  /** Branch resistance / reactance (pu). */
  r: Float64Array;
  x: Float64Array;
  /** Upper bound on l per branch (pu²), Infinity for none. */
  lMax: Float64Array;
  /** Price per period ($/kWh). */
  price: Float64Array;
  /** Head-bus real / reactive demand minus PV real output (pu), per period: the constant part of P_subs. */
  headConstP: Float64Array;
  headConstQ: Float64Array;
  /** Batteries and PVs hosted at the head bus. */
  headBatts: number[];
  headPvs: number[];
  /** Lists per bus (CSR): PVs and batteries hosted there. */
  pvAtBusPtr: Int32Array;
  pvAtBus: Int32Array;
  battAtBusPtr: Int32Array;
  battAtBus: Int32Array;
}

function csrByBus(nBus: number, hosts: Int32Array): { ptr: Int32Array; idx: Int32Array } {
  const ptr = new Int32Array(nBus + 1);
  for (const b of hosts) ptr[b + 1]++;
  for (let i = 0; i < nBus; i++) ptr[i + 1] += ptr[i];
  const idx = new Int32Array(hosts.length);
  const fill = ptr.slice();
  hosts.forEach((b, d) => {
    idx[fill[b]++] = d;
  });
  return { ptr, idx };
}

function checkSeries(a: ArrayLike<number> | undefined, T: number, element: string, field: string): void {
  if (!a || a.length !== T) {
    throw new InputError("bad-profile", `expected ${T} values (one per period), got ${a?.length ?? "none"}`, {
      element,
      field,
    });
  }
  for (let t = 0; t < T; t++) {
    if (!Number.isFinite(a[t])) {
      throw new InputError("bad-number", `expected a finite number, got ${a[t]}`, {
        element,
        field: `${field}[${t}]`,
      });
    }
  }
}

function checkFinite(v: number, element: string, field: string, min = -Infinity): void {
  if (!Number.isFinite(v) || v < min) {
    throw new InputError(
      "bad-number",
      `expected a finite number${min > -Infinity ? ` >= ${min}` : ""}, got ${v}`,
      {
        element,
        field,
      },
    );
  }
}

/** Validate an instance's input and derive its per-unit parameters. Throws `InputError` for bad input. */
export function makeParams(input: MpopfInput): MpopfParams {
  const sc = input.scenario;
  const net: Network = sc.network;
  const T = sc.T;
  if (!Number.isInteger(T) || T < 1) {
    throw new InputError("bad-horizon", `horizon must be a positive integer, got ${T}`, {
      element: `scenario ${sc.name}`,
      field: "T",
    });
  }
  checkFinite(sc.dtH, `scenario ${sc.name}`, "dtH", 0);
  if (!(sc.dtH > 0))
    throw new InputError("bad-number", "period length must be positive", {
      element: `scenario ${sc.name}`,
      field: "dtH",
    });
  const el = `scenario ${sc.name}`;
  checkSeries(sc.loadMult, T, el, "loadMult");
  checkSeries(sc.pvMult, T, el, "pvMult");
  checkSeries(sc.priceUsdPerKwh, T, el, "priceUsdPerKwh");
  const o = sc.options;
  if (!(o.vMinPu > 0) || !(o.vMaxPu >= o.vMinPu)) {
    throw new InputError(
      "bad-option",
      `voltage band must satisfy 0 < vMin <= vMax (got ${o.vMinPu}..${o.vMaxPu})`,
      {
        element: el,
        field: "options.vMinPu",
      },
    );
  }
  if (o.peakCapKw !== null && !Number.isFinite(o.peakCapKw)) {
    throw new InputError("bad-option", `peak cap must be a finite number of kW or null, got ${o.peakCapKw}`, {
      element: el,
      field: "options.peakCapKw",
    });
  }
  if (o.terminal === "soft") checkFinite(o.terminalGamma, el, "options.terminalGamma", 0);
  checkFinite(sc.objective.alphaScd, el, "objective.alphaScd", 0);
  checkFinite(sc.objective.weight, el, "objective.weight", 0);

  const nBus = net.buses.length;
  const nBr = net.branches.length;
  const S = net.sBaseKva;
  const head = net.substation;

  const pLoad = new Float64Array(T * nBus);
  const qLoad = new Float64Array(T * nBus);
  for (let t = 0; t < T; t++) {
    const mult = sc.loadMult[t];
    for (let j = 0; j < nBus; j++) {
      const b = net.buses[j];
      pLoad[t * nBus + j] = (b.pLoadKw * mult) / S;
      qLoad[t * nBus + j] = (b.qLoadKvar * mult - b.qCapKvar) / S;
    }
  }
  for (const [e, ld] of (input.extraLoads ?? []).entries()) {
    const where = `extra load ${e + 1}`;
    if (!Number.isInteger(ld.bus) || ld.bus < 0 || ld.bus >= nBus) {
      throw new InputError("unknown-bus", `bus index ${ld.bus} is not in the network (0..${nBus - 1})`, {
        element: where,
        field: "bus",
      });
    }
    checkSeries(ld.pPu, T, where, "pPu");
    checkSeries(ld.qPu, T, where, "qPu");
    for (let t = 0; t < T; t++) {
      pLoad[t * nBus + ld.bus] += ld.pPu[t];
      qLoad[t * nBus + ld.bus] += ld.qPu[t];
    }
  }

  const nPv = sc.pvs.length;
  const pvBus = new Int32Array(nPv);
  const pPv = new Float64Array(T * nPv);
  const qPvMax = new Float64Array(T * nPv);
  sc.pvs.forEach((pv, d) => {
    const where = `pv ${pv.id}`;
    if (!Number.isInteger(pv.bus) || pv.bus < 0 || pv.bus >= nBus)
      throw new InputError("unknown-bus", `bus index ${pv.bus} is not in the network`, {
        element: where,
        field: "bus",
      });
    checkFinite(pv.pRatedKw, where, "pRatedKw", 0);
    checkFinite(pv.sRatedKva, where, "sRatedKva", 0);
    pvBus[d] = pv.bus;
    const sPu = pv.sRatedKva / S;
    const pRatedPu = pv.pRatedKw / S;
    for (let t = 0; t < T; t++) {
      const p = pRatedPu * sc.pvMult[t];
      pPv[t * nPv + d] = p;
      const pLim = o.limits === "available" ? p : pRatedPu;
      qPvMax[t * nPv + d] = Math.sqrt(Math.max(0, sPu * sPu - pLim * pLim));
    }
  });

  const nBatt = sc.batteries.length;
  const battBus = new Int32Array(nBatt);
  const battPMax = new Float64Array(nBatt);
  const battSMax = new Float64Array(nBatt);
  const battQMax = new Float64Array(nBatt);
  const battBMin = new Float64Array(nBatt);
  const battBMax = new Float64Array(nBatt);
  const battB0 = new Float64Array(nBatt);
  const etaC = new Float64Array(nBatt);
  const etaD = new Float64Array(nBatt);
  sc.batteries.forEach((b, k) => {
    const where = `battery ${b.id}`;
    if (!Number.isInteger(b.bus) || b.bus < 0 || b.bus >= nBus)
      throw new InputError("unknown-bus", `bus index ${b.bus} is not in the network`, {
        element: where,
        field: "bus",
      });
    for (const f of ["pRatedKw", "sRatedKva", "eRatedKwh", "b0Kwh"] as const) checkFinite(b[f], where, f, 0);
    for (const f of ["etaCharge", "etaDischarge"] as const) {
      if (!(b[f] > 0 && b[f] <= 1))
        throw new InputError("bad-number", `efficiency must be in (0, 1], got ${b[f]}`, {
          element: where,
          field: f,
        });
    }
    if (!(b.socMin >= 0 && b.socMin <= b.socMax && b.socMax <= 1)) {
      throw new InputError(
        "bad-number",
        `SOC band must satisfy 0 <= socMin <= socMax <= 1 (got ${b.socMin}..${b.socMax})`,
        {
          element: where,
          field: "socMin",
        },
      );
    }
    battBus[k] = b.bus;
    battPMax[k] = b.pRatedKw / S;
    battSMax[k] = b.sRatedKva / S;
    battQMax[k] =
      o.limits === "available" ? battSMax[k] : Math.sqrt(Math.max(0, battSMax[k] ** 2 - battPMax[k] ** 2));
    battBMin[k] = (b.socMin * b.eRatedKwh) / S;
    battBMax[k] = (b.socMax * b.eRatedKwh) / S;
    battB0[k] = b.b0Kwh / S;
    etaC[k] = b.etaCharge;
    etaD[k] = b.etaDischarge;
  });

  const vHeadSq = new Float64Array(T);
  if (input.vHeadPu) {
    checkSeries(input.vHeadPu, T, "head voltage", "vHeadPu");
    for (let t = 0; t < T; t++) {
      if (!(input.vHeadPu[t] > 0))
        throw new InputError("bad-number", `head voltage must be positive, got ${input.vHeadPu[t]}`, {
          element: "head voltage",
          field: `vHeadPu[${t}]`,
        });
      vHeadSq[t] = input.vHeadPu[t] ** 2;
    }
  } else {
    checkFinite(net.vSubsPu, `network ${net.name}`, "vSubsPu", 0);
    vHeadSq.fill(net.vSubsPu ** 2);
  }

  const r = new Float64Array(nBr);
  const x = new Float64Array(nBr);
  const lMax = new Float64Array(nBr).fill(Infinity);
  net.branches.forEach((br, k) => {
    r[k] = br.rPu;
    x[k] = br.xPu;
    if (o.lineLimits && br.iMaxA !== undefined) lMax[k] = (br.iMaxA / net.iBaseA) ** 2;
  });

  const pv = csrByBus(nBus, pvBus);
  const bt = csrByBus(nBus, battBus);
  const headConstP = new Float64Array(T);
  const headConstQ = new Float64Array(T);
  const headPvs = Array.from(pv.idx.subarray(pv.ptr[head], pv.ptr[head + 1]));
  const headBatts = Array.from(bt.idx.subarray(bt.ptr[head], bt.ptr[head + 1]));
  for (let t = 0; t < T; t++) {
    headConstP[t] = pLoad[t * nBus + head];
    headConstQ[t] = qLoad[t * nBus + head];
    for (const d of headPvs) headConstP[t] -= pPv[t * nPv + d];
  }

  return {
    T,
    dtH: sc.dtH,
    sBaseKva: S,
    head,
    pLoad,
    qLoad,
    pPv,
    qPvMax,
    pvBus,
    battBus,
    battPMax,
    battSMax,
    battQMax,
    battBMin,
    battBMax,
    battB0,
    etaC,
    etaD,
    vHeadSq,
    vMinSq: o.vMinPu ** 2,
    vMaxSq: o.vMaxPu ** 2,
    r,
    x,
    lMax,
    price: Float64Array.from(sc.priceUsdPerKwh),
    headConstP,
    headConstQ,
    headBatts,
    headPvs,
    pvAtBusPtr: pv.ptr,
    pvAtBus: pv.idx,
    battAtBusPtr: bt.ptr,
    battAtBus: bt.idx,
  };
}
