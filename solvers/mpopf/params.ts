/**
 * Per-unit parameters of one multi-period OPF instance, derived once from a `Scenario` (and, for an
 * ENApp area, its boundary equivalents). Everything is a flat t-major typed array.
 */
import { InputError } from "../../models/errors.ts";
import {
  busChargingPu,
  DEVICE_BANDS,
  idlingPu,
  type LoadBand,
  type LoadPiece,
  loadBandOf,
  loadCoefficients,
  loadPieceAt,
} from "../../models/fidelity.ts";
import { branchBaseA } from "../../models/topology.ts";
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
   * With element bands (`formulation.elementBands`): the piece of OpenDSS's load model each bus's loads are on,
   * per period (t-major T·nBus, models/fidelity.ts `LoadPiece`; default 0, inside the band). `solveMpopf` sets
   * them from the solution's voltages until they agree with it.
   */
  loadPieces?: Int8Array;
  /**
   * Bus-periods (t-major T·nBus, 1 = bounded) whose voltage is kept inside its load piece's range: where the
   * optimum sits on a band edge (the pieces meet there, so the model is exact either way) and the pieces
   * would otherwise alternate from solve to solve.
   */
  loadPieceBounds?: Uint8Array;
  /**
   * With idling losses (`formulation.idlingPct` > 0): whether each battery charges (−1) or discharges (+1) in
   * each period (t-major T·nBatt; default +1). OpenDSS takes a charging battery's idling loss before the charge
   * efficiency (η_c·P_idle from the store) and a discharging one's after it (P_idle/η_d); `solveMpopf` sets
   * these from the solution's net power until they agree.
   */
  battModes?: Int8Array;
  /**
   * Extra objective terms on variables of the layout, in objective units ($ for cost, kWh for loss): ENApp's
   * boundary prices (linear) and proximal terms (separable quadratic).
   */
  objectiveTerms?: ObjectiveTerms;
  /**
   * Boundary ports (distributed methods that duplicate the boundary variables, e.g. ADMM and APP): a child
   * area's draw at a bus as DECISION variables (kinds "Pp", "Qp" of the layout) instead of a fixed extra load.
   */
  ports?: BoundaryPort[];
  /**
   * The head voltage is a decision within the voltage band (a child area whose boundary voltage is agreed
   * by consensus) instead of a fixed value per period. Excludes `vHeadPu`.
   */
  headVoltageFree?: boolean;
  /**
   * Make the peak cap elastic: P_subs(t) − s(t) ≤ cap with a slack s(t) ≥ slackMinPu(t) (layout kind "sCap")
   * costing linear(t)·s + quadratic·s² (objective units). A distributed root area uses it so that it stays
   * feasible while the other areas have not yet reacted — as an exact penalty (linear = a large price, slack ≥ 0)
   * or as the method of multipliers (linear = π, quadratic = σ/2, slack ≥ −π/σ; the row's multiplier is then
   * the updated π). A solution with P_subs > cap violates the cap (the self-check says so).
   */
  elasticPeakCap?: ElasticCap;
}

/** The elastic peak cap's slack: bounds and cost per period (see `MpopfInput.elasticPeakCap`). */
export interface ElasticCap {
  /** Linear cost of the slack per pu, per period (length T). */
  linear: Float64Array;
  /** Quadratic cost weight of the slack per pu², per period (length T). */
  quadratic: Float64Array;
  /** Lower bound of the slack per period (pu, length T; ≤ 0). */
  slackMinPu: Float64Array;
  /** Aim below the cap by this much (pu ≥ 0), so that a solution within a tolerance of the aim meets the cap. */
  tightenPu: number;
}

/**
 * A child area's draw at bus `bus` as variables P_port(t), Q_port(t) (pu), entering the bus's balances like a
 * load (the power that leaves the bus into the child's boundary branch).
 */
export interface BoundaryPort {
  /** Bus index in the (sub-)network. */
  bus: number;
  /** Lower bound on P_port (pu): 0 forbids reverse flow out of the child; default no bound. */
  pMinPu?: number;
  /** The boundary branch's half shunt susceptance at this end (pu, line charging): reactive generation b/2·v. */
  bHalfPu?: number;
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
  /**
   * Demand per bus and period at 1 pu voltage (pu, t-major T·nBus): every load's P (or Q) plus the fixed extra
   * loads. With voltage-dependent loads the demand at voltage v is pConst + pZ·v + pI·√v (v = |V|²).
   */
  pLoad: Float64Array;
  qLoad: Float64Array;
  /** Constant-power part of the demand (pu), extra loads included. */
  pConst: Float64Array;
  qConst: Float64Array;
  /** Constant-impedance part (coefficient of v) and constant-current part (coefficient of √v), pu. */
  pZ: Float64Array;
  qZ: Float64Array;
  pI: Float64Array;
  qI: Float64Array;
  /** The load band modelled (null: none) and whether a bus's loads switch pieces (a non-constant-Z load there). */
  loadBand: LoadBand | null;
  loadSwitches: Uint8Array;
  /** The load piece per period and bus (t-major T·nBus), all 0 without a band. */
  loadPieces: Int8Array;
  /** Squared-voltage bounds per period and bus (t-major T·nBus): the voltage band ∩ device bands ∩ the load piece's range. */
  vLoSq: Float64Array;
  vHiSq: Float64Array;
  /** Whether any load has a constant-current part (then the balances carry a √v term). */
  hasCurrentLoads: boolean;
  /** Capacitor output modelled as constant (pu per bus, capacitors "constant"). */
  qCapConst: Float64Array;
  /**
   * Reactive generation proportional to v per bus (pu): capacitors "voltage" (Q_C·v) plus line charging
   * (half of each incident line's susceptance).
   */
  qShuntV: Float64Array;
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
  /** Energy drawn from each battery's store by its idling losses per period (pu·h, t-major T·nBatt). */
  battIdleDrain: Float64Array;
  /** The charging (−1) / discharging (+1) mode of each battery and period used for the idling losses. */
  battModes: Int8Array;
  /** Quadratic throughput cost weight per battery ($ per pu² of charge or discharge power, per period). */
  battThroughput: Float64Array;
  /** Squared head voltage per period (pu²). */
  vHeadSq: Float64Array;
  /** Squared voltage band (pu²). */
  vMinSq: number;
  vMaxSq: number;
  /** Branch resistance / reactance (pu). */
  r: Float64Array;
  x: Float64Array;
  /** Squared off-nominal ratio τ² per branch (1 for lines). */
  tapSq: Float64Array;
  /** Upper bound on l per branch (pu²), Infinity for none. */
  lMax: Float64Array;
  /** Price per period ($/kWh). */
  price: Float64Array;
  /** The head bus's own net demand (pu) at its fixed voltage, minus its PVs' real output, per period: the
   * constant part of P_subs (and of Q_subs). */
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
  /** Boundary ports: bus, lower bound on P (pu), per-bus CSR lists and the ports at the head bus. */
  portBus: Int32Array;
  portPMin: Float64Array;
  portAtBusPtr: Int32Array;
  portAtBus: Int32Array;
  headPorts: number[];
  /** The head voltage is a decision within the band (`MpopfInput.headVoltageFree`). */
  headVoltageFree: boolean;
  /** The elastic peak cap's slack (bounds and cost); null: the cap (if any) is hard. */
  elasticCap: ElasticCap | null;
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

function checkBus(bus: number, nBus: number, element: string): void {
  if (!Number.isInteger(bus) || bus < 0 || bus >= nBus) {
    throw new InputError("unknown-bus", `bus index ${bus} is not in the network (0..${nBus - 1})`, {
      element,
      field: "bus",
    });
  }
}

/** Validate an instance's input and derive its per-unit parameters. Throws `InputError` for bad input. */
export function makeParams(input: MpopfInput): MpopfParams {
  const sc = input.scenario;
  const net: Network = sc.network;
  const T = sc.T;
  const el = `scenario ${sc.name}`;
  if (!Number.isInteger(T) || T < 1) {
    throw new InputError("bad-horizon", `horizon must be a positive integer, got ${T}`, {
      element: el,
      field: "T",
    });
  }
  checkFinite(sc.dtH, el, "dtH", 0);
  if (!(sc.dtH > 0))
    throw new InputError("bad-number", "period length must be positive", { element: el, field: "dtH" });
  checkSeries(sc.priceUsdPerKwh, T, el, "priceUsdPerKwh");
  const o = sc.options;
  const form = o.formulation;
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

  const N = T * nBus;
  const pLoad = new Float64Array(N);
  const qLoad = new Float64Array(N);
  const pConst = new Float64Array(N);
  const qConst = new Float64Array(N);
  const pZ = new Float64Array(N);
  const qZ = new Float64Array(N);
  const pI = new Float64Array(N);
  const qI = new Float64Array(N);
  let hasCurrentLoads = false;
  const voltageLoads = form.loads === "case";
  const band = loadBandOf(form.elementBands);
  const loadSwitches = new Uint8Array(nBus);
  if (band) {
    for (const ld of sc.loads) {
      const c = loadCoefficients(ld.model, voltageLoads, band, 1);
      const c0 = loadCoefficients(ld.model, voltageLoads, band, 0);
      if (c.p.z !== c0.p.z || c.q.z !== c0.q.z) loadSwitches[ld.bus] = 1;
    }
  }
  const loadPieces = new Int8Array(N);
  if (input.loadPieces) {
    if (input.loadPieces.length !== N) {
      throw new InputError(
        "bad-option",
        `expected ${N} load pieces (T × buses), got ${input.loadPieces.length}`,
        {
          element: el,
          field: "loadPieces",
        },
      );
    }
    for (let i = 0; i < N; i++) {
      const pc = input.loadPieces[i]!;
      if (!(pc >= -2 && pc <= 1)) {
        throw new InputError("bad-option", `load piece must be -2, -1, 0 or 1 (got ${pc})`, {
          element: el,
          field: `loadPieces[${i}]`,
        });
      }
      if (band && loadSwitches[i % nBus]) loadPieces[i] = pc;
    }
  }
  // The head bus's voltage is given: its piece follows from it.
  const headV = (t: number) => (input.vHeadPu ? input.vHeadPu[t]! : net.vSubsPu);
  if (band && loadSwitches[head])
    for (let t = 0; t < T; t++) loadPieces[t * nBus + head] = loadPieceAt(band, headV(t));
  for (const ld of sc.loads) {
    const where = `load ${ld.id}`;
    checkBus(ld.bus, nBus, where);
    checkFinite(ld.pRatedPu, where, "pRatedPu");
    checkFinite(ld.qRatedPu, where, "qRatedPu");
    checkSeries(ld.mult, T, where, "mult");
    for (let t = 0; t < T; t++) {
      const i = t * nBus + ld.bus;
      const k = loadCoefficients(ld.model, voltageLoads, band, loadPieces[i] as LoadPiece);
      if (k.p.i !== 0 || k.q.i !== 0) hasCurrentLoads = true;
      const P = ld.pRatedPu * ld.mult[t];
      const Q = ld.qRatedPu * ld.mult[t];
      pLoad[i] += P;
      qLoad[i] += Q;
      pConst[i] += k.p.c * P;
      qConst[i] += k.q.c * Q;
      pZ[i] += k.p.z * P;
      qZ[i] += k.q.z * Q;
      pI[i] += k.p.i * P;
      qI[i] += k.q.i * Q;
    }
  }
  for (const [e, ld] of (input.extraLoads ?? []).entries()) {
    const where = `extra load ${e + 1}`;
    checkBus(ld.bus, nBus, where);
    checkSeries(ld.pPu, T, where, "pPu");
    checkSeries(ld.qPu, T, where, "qPu");
    for (let t = 0; t < T; t++) {
      const i = t * nBus + ld.bus;
      pLoad[i] += ld.pPu[t];
      qLoad[i] += ld.qPu[t];
      pConst[i] += ld.pPu[t];
      qConst[i] += ld.qPu[t];
    }
  }
  const qCapConst = new Float64Array(nBus);
  const qShuntV = new Float64Array(nBus);
  const ports = input.ports ?? [];
  const portBus = new Int32Array(ports.length);
  const portPMin = new Float64Array(ports.length).fill(-Infinity);
  ports.forEach((pt, e) => {
    const where = `boundary port ${e + 1}`;
    checkBus(pt.bus, nBus, where);
    portBus[e] = pt.bus;
    if (pt.pMinPu !== undefined) {
      if (!(pt.pMinPu === -Infinity || Number.isFinite(pt.pMinPu)))
        throw new InputError("bad-number", `expected a number, got ${pt.pMinPu}`, {
          element: where,
          field: "pMinPu",
        });
      portPMin[e] = pt.pMinPu;
    }
    if (pt.bHalfPu !== undefined) {
      checkFinite(pt.bHalfPu, where, "bHalfPu", 0);
      qShuntV[pt.bus] += pt.bHalfPu;
    }
  });
  for (const c of sc.capacitors) {
    checkBus(c.bus, nBus, `capacitor ${c.id}`);
    checkFinite(c.qPu, `capacitor ${c.id}`, "qPu");
    if (form.capacitors === "voltage") qShuntV[c.bus] += c.qPu;
    else qCapConst[c.bus] += c.qPu;
  }
  const charging = busChargingPu(net, form.lineCharging);
  for (let j = 0; j < nBus; j++) qShuntV[j] += charging[j]!;

  const nPv = sc.pvs.length;
  const pvBus = new Int32Array(nPv);
  const pPv = new Float64Array(T * nPv);
  const qPvMax = new Float64Array(T * nPv);
  sc.pvs.forEach((pv, d) => {
    const where = `pv ${pv.id}`;
    checkBus(pv.bus, nBus, where);
    checkFinite(pv.pRatedPu, where, "pRatedPu", 0);
    checkFinite(pv.sRatedPu, where, "sRatedPu", 0);
    checkSeries(pv.pAvailPu, T, where, "pAvailPu");
    pvBus[d] = pv.bus;
    const sPu = pv.sRatedPu;
    for (let t = 0; t < T; t++) {
      const p = pv.pAvailPu[t];
      pPv[t * nPv + d] = p;
      const pLim = o.limits === "available" ? p : pv.pRatedPu;
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
  const battThroughput = new Float64Array(nBatt);
  sc.batteries.forEach((b, k) => {
    const where = `battery ${b.id}`;
    checkBus(b.bus, nBus, where);
    for (const f of ["pRatedPu", "sRatedPu", "eRatedPuH", "b0PuH", "throughputCostUsdPerKwh"] as const)
      checkFinite(b[f], where, f, 0);
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
    battPMax[k] = b.pRatedPu;
    battSMax[k] = b.sRatedPu;
    battQMax[k] =
      o.limits === "available" ? battSMax[k] : Math.sqrt(Math.max(0, battSMax[k] ** 2 - battPMax[k] ** 2));
    battBMin[k] = b.socMin * b.eRatedPuH;
    battBMax[k] = b.socMax * b.eRatedPuH;
    battB0[k] = b.b0PuH;
    etaC[k] = b.etaCharge;
    etaD[k] = b.etaDischarge;
    // c [$/kWh] · (P_c² + P_d²)·Δt / P_rated in kW → per unit: c · S · Δt / P_rated,pu per pu².
    battThroughput[k] =
      b.throughputCostUsdPerKwh > 0 && b.pRatedPu > 0
        ? (b.throughputCostUsdPerKwh * S * sc.dtH) / b.pRatedPu
        : 0;
  });

  // Idling losses: drawn from the store, before the charge efficiency when charging, after the discharge
  // efficiency when discharging (OpenDSS Storage).
  const battIdleDrain = new Float64Array(T * nBatt);
  const battModes = new Int8Array(T * nBatt).fill(1);
  if (input.battModes) {
    if (input.battModes.length !== T * nBatt) {
      throw new InputError(
        "bad-option",
        `expected ${T * nBatt} battery modes (T × batteries), got ${input.battModes.length}`,
        {
          element: el,
          field: "battModes",
        },
      );
    }
    input.battModes.forEach((m, i) => {
      battModes[i] = m < 0 ? -1 : 1;
    });
  }
  if (form.idlingPct > 0) {
    sc.batteries.forEach((b, k) => {
      const idle = idlingPu(b.pRatedPu, form.idlingPct);
      for (let t = 0; t < T; t++) {
        const i = t * nBatt + k;
        battIdleDrain[i] = sc.dtH * idle * (battModes[i]! < 0 ? b.etaCharge : 1 / b.etaDischarge);
      }
    });
  }

  const vHeadSq = new Float64Array(T);
  if (input.elasticPeakCap) {
    const ec = input.elasticPeakCap;
    checkSeries(ec.linear, T, "elastic peak cap", "linear");
    checkSeries(ec.slackMinPu, T, "elastic peak cap", "slackMinPu");
    checkSeries(ec.quadratic, T, "elastic peak cap", "quadratic");
    checkFinite(ec.tightenPu, "elastic peak cap", "tightenPu", 0);
  }
  if (input.headVoltageFree && input.vHeadPu) {
    throw new InputError("bad-option", "a head voltage cannot be both given and free", {
      element: "head voltage",
      field: "headVoltageFree",
    });
  }
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
  const tapSq = new Float64Array(nBr);
  const lMax = new Float64Array(nBr).fill(Infinity);
  net.branches.forEach((br, k) => {
    r[k] = br.rPu;
    x[k] = br.xPu;
    tapSq[k] = br.tap * br.tap;
    if (o.lineLimits && br.iMaxA !== undefined) lMax[k] = (br.iMaxA / branchBaseA(net, k)) ** 2;
  });

  // Voltage bounds per bus and period: the band, the device bands (element bands "opendss") and the range of
  // each bus's load piece.
  const vLoSq = new Float64Array(N).fill(o.vMinPu ** 2);
  const vHiSq = new Float64Array(N).fill(o.vMaxPu ** 2);
  if (form.elementBands === "opendss") {
    const dev = (bus: number, [lo, hi]: readonly [number, number]) => {
      for (let t = 0; t < T; t++) {
        const i = t * nBus + bus;
        vLoSq[i] = Math.max(vLoSq[i]!, lo * lo);
        vHiSq[i] = Math.min(vHiSq[i]!, hi * hi);
      }
    };
    for (const b of pvBus) dev(b, DEVICE_BANDS.pv);
    for (const b of battBus) dev(b, DEVICE_BANDS.storage);
    if (form.capacitors === "constant") for (const c of sc.capacitors) dev(c.bus, DEVICE_BANDS.generator);
    if (band && input.loadPieceBounds) {
      for (let i = 0; i < N; i++) {
        if (!loadSwitches[i % nBus] || !input.loadPieceBounds[i]) continue;
        const [lo, hi] = pieceRangeSq(band, loadPieces[i] as LoadPiece);
        vLoSq[i] = Math.max(vLoSq[i]!, lo);
        vHiSq[i] = Math.min(vHiSq[i]!, hi);
      }
    }
    for (let i = 0; i < N; i++) {
      const j = i % nBus;
      if (j !== head && !(vLoSq[i]! <= vHiSq[i]!)) {
        throw new InputError(
          "bad-option",
          `no voltage satisfies the band ${o.vMinPu}–${o.vMaxPu} pu, the device bands and load piece ${loadPieces[i]} at once`,
          { element: `bus ${net.buses[j]!.id}`, field: `t=${Math.floor(i / nBus) + 1}` },
        );
      }
    }
  }

  const pv = csrByBus(nBus, pvBus);
  const bt = csrByBus(nBus, battBus);
  const pt = csrByBus(nBus, portBus);
  const headPorts = Array.from(pt.idx.subarray(pt.ptr[head], pt.ptr[head + 1]));
  const headConstP = new Float64Array(T);
  const headConstQ = new Float64Array(T);
  const headPvs = Array.from(pv.idx.subarray(pv.ptr[head], pv.ptr[head + 1]));
  const headBatts = Array.from(bt.idx.subarray(bt.ptr[head], bt.ptr[head + 1]));
  for (let t = 0; t < T; t++) {
    const i = t * nBus + head;
    const vh = vHeadSq[t];
    headConstP[t] = pConst[i] + pZ[i] * vh + pI[i] * Math.sqrt(vh);
    headConstQ[t] = qConst[i] - qCapConst[head] + qZ[i] * vh + qI[i] * Math.sqrt(vh) - qShuntV[head] * vh;
    for (const d of headPvs) headConstP[t] -= pPv[t * nPv + d];
  }

  return {
    T,
    dtH: sc.dtH,
    sBaseKva: S,
    head,
    pLoad,
    qLoad,
    pConst,
    qConst,
    pZ,
    qZ,
    pI,
    qI,
    loadBand: band,
    loadSwitches,
    loadPieces,
    vLoSq,
    vHiSq,
    hasCurrentLoads,
    qCapConst,
    qShuntV,
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
    battIdleDrain,
    battModes,
    battThroughput,
    vHeadSq,
    vMinSq: o.vMinPu ** 2,
    vMaxSq: o.vMaxPu ** 2,
    r,
    x,
    tapSq,
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
    portBus,
    portPMin,
    portAtBusPtr: pt.ptr,
    portAtBus: pt.idx,
    headPorts,
    headVoltageFree: input.headVoltageFree === true,
    elasticCap: o.peakCapKw !== null && input.elasticPeakCap ? input.elasticPeakCap : null,
  };
}

/** The range of squared voltages (pu²) of a load piece. */
export function pieceRangeSq(band: LoadBand, piece: LoadPiece): [number, number] {
  switch (piece) {
    case 1:
      return [band.vMaxPu ** 2, Infinity];
    case -1:
      return [band.vLowPu ** 2, band.vMinPu ** 2];
    case -2:
      return [0, band.vLowPu ** 2];
    default:
      return [band.vMinPu ** 2, band.vMaxPu ** 2];
  }
}

/** Real and reactive demand of bus j in period t at squared voltage v (pu): constant + Z·v + I·√v. */
export function demandAt(
  p: MpopfParams,
  t: number,
  j: number,
  v: number,
  nBus: number,
): { p: number; q: number } {
  const i = t * nBus + j;
  const s = Math.sqrt(Math.max(v, 0));
  return { p: p.pConst[i] + p.pZ[i] * v + p.pI[i] * s, q: p.qConst[i] + p.qZ[i] * v + p.qI[i] * s };
}
