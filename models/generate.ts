/**
 * A seeded generator of realistic radial distribution feeders (the engineering model), for tests, benchmarks
 * and users who need a feeder of a given size: `mpopf case generate --buses N --seed S`.
 *
 * Shape: a deep three-phase trunk (336 ACSR-like positive-sequence impedance) from the substation, laterals
 * branching off it and sub-laterals off the laterals (1/0-like impedance), with schematic coordinates (the
 * trunk east–west, laterals at right angles). Loads: residential, commercial and industrial classes, each load
 * with its own profile (its class's daily shape, shifted and perturbed per load), diversified sizes and power
 * factors. DERs: PVs on a share of the load buses, batteries on another share, a few trunk capacitors. Prices: an
 * hourly time-of-use-like series. Voltage-feasible: the impedances are scaled until a power flow at every load's
 * peak with no DERs keeps every bus at or above `vMinTargetPu` with the substation at `vSubsPu`.
 * Same options and seed → the same feeder, bit for bit.
 */
import type { BatteryRow, BusRow, CapacitorRow, Feeder, LineRow, LoadRow, Profile, PvRow } from "./feeder.ts";
import { mulberry32 } from "./random.ts";

/** What to generate. */
export interface GenerateOptions {
  /** Number of buses (≥ 10), substation included. */
  buses: number;
  seed: number;
  /** Line-to-line voltage (kV), default 12.47. */
  kvLl?: number;
  /** Substation voltage (pu), default 1.03. */
  vSubsPu?: number;
  /** Lowest bus voltage at peak load with no DERs the impedances are scaled to (pu), default 0.96. */
  vMinTargetPu?: number;
  /** Hours covered by the profiles, default 24. */
  hours?: number;
  /** Profile step (minutes), default 60. */
  stepMinutes?: number;
  /** Share of load buses with a PV / a battery (0..1), defaults 0.2 / 0.1. */
  pvShare?: number;
  battShare?: number;
  /** Total peak demand (kW); default min(8 MW, 600 kW + 1.5 kW per bus). */
  peakKw?: number;
}

const CLASSES = [
  // share, mean kW weight, power factor, daily shape (24 hourly points, pu of the load's peak)
  {
    name: "res",
    share: 0.7,
    size: 1,
    pf: 0.95,
    shape: [
      0.42, 0.38, 0.36, 0.35, 0.37, 0.45, 0.6, 0.72, 0.66, 0.58, 0.55, 0.54, 0.55, 0.56, 0.58, 0.64, 0.74,
      0.88, 0.98, 1, 0.95, 0.84, 0.68, 0.52,
    ],
  },
  {
    name: "com",
    share: 0.22,
    size: 3,
    pf: 0.9,
    shape: [
      0.35, 0.33, 0.32, 0.32, 0.34, 0.4, 0.55, 0.75, 0.9, 0.97, 1, 1, 0.98, 0.99, 1, 0.97, 0.92, 0.82, 0.66,
      0.55, 0.48, 0.43, 0.4, 0.37,
    ],
  },
  {
    name: "ind",
    share: 0.08,
    size: 8,
    pf: 0.85,
    shape: [
      0.7, 0.7, 0.68, 0.68, 0.7, 0.78, 0.9, 0.97, 1, 1, 1, 0.98, 0.97, 1, 1, 0.98, 0.95, 0.88, 0.8, 0.76,
      0.74, 0.72, 0.71, 0.7,
    ],
  },
] as const;

/** Hourly price ($/kWh): off-peak, shoulder, evening peak. */
const PRICE = [
  0.045, 0.042, 0.04, 0.04, 0.042, 0.05, 0.07, 0.09, 0.1, 0.095, 0.09, 0.088, 0.088, 0.09, 0.095, 0.11, 0.14,
  0.19, 0.22, 0.2, 0.15, 0.1, 0.07, 0.055,
];

/** Irradiance at hour h (pu of Pmpp): a clear-sky bell from 6:00 to 19:00. */
const irradiance = (h: number) => (h > 6 && h < 19 ? Math.sin((Math.PI * (h - 6)) / 13) ** 1.3 : 0);

/** Linear interpolation of a 24-point hourly shape at fractional hour h (wrapping at midnight). */
function shapeAt(shape: readonly number[], h: number): number {
  const x = ((h % 24) + 24) % 24;
  const i = Math.floor(x);
  const f = x - i;
  return shape[i]! * (1 - f) + shape[(i + 1) % 24]! * f;
}

/** Generate a feeder. Throws a plain Error for options out of range (the CLI checks them first). */
export function generateFeeder(opts: GenerateOptions): Feeder {
  const N = opts.buses;
  if (!Number.isInteger(N) || N < 10 || N > 1_000_000)
    throw new Error(`buses must be a whole number in 10..1000000 (got ${N})`);
  const kv = opts.kvLl ?? 12.47;
  const vSubs = opts.vSubsPu ?? 1.03;
  const vMinTarget = opts.vMinTargetPu ?? 0.96;
  const hours = opts.hours ?? 24;
  const stepH = (opts.stepMinutes ?? 60) / 60;
  const points = Math.round(hours / stepH);
  const pvShare = opts.pvShare ?? 0.2;
  const battShare = opts.battShare ?? 0.1;
  const peakKw = opts.peakKw ?? Math.min(8000, 600 + 1.5 * N);
  const rnd = mulberry32(opts.seed);
  const uniform = (a: number, b: number) => a + (b - a) * rnd();
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());

  // Topology: a trunk of ~2√N buses, then laterals of geometric length attached to trunk (weight 3) or lateral buses.
  const trunkLen = Math.max(3, Math.min(N - 1, Math.round(2 * Math.sqrt(N))));
  const parent = new Int32Array(N).fill(-1);
  const depthKind = new Uint8Array(N); // 0 substation, 1 trunk, 2 lateral, 3 sub-lateral
  const dir = new Float64Array(N); // heading (radians) of the segment into the bus
  const x = new Float64Array(N);
  const y = new Float64Array(N);
  const segMiles = new Float64Array(N);
  let n = 1;
  for (let k = 1; k <= trunkLen && n < N; k++, n++) {
    parent[n] = n - 1;
    depthKind[n] = 1;
    dir[n] = uniform(-0.15, 0.15);
    segMiles[n] = uniform(0.08, 0.25);
  }
  const attachable: number[] = [];
  for (let b = 1; b < n; b++) for (let w = 0; w < 3; w++) attachable.push(b);
  while (n < N) {
    const at = attachable[Math.floor(rnd() * attachable.length)]!;
    const kind = depthKind[at] === 1 ? 2 : 3;
    const side = rnd() < 0.5 ? -1 : 1;
    let heading = dir[at]! + side * (Math.PI / 2) + uniform(-0.2, 0.2);
    const len = Math.max(1, Math.min(N - n, Math.round(-Math.log(1 - rnd()) * (kind === 2 ? 7 : 4))));
    let prev = at;
    for (let k = 0; k < len; k++, n++) {
      parent[n] = prev;
      depthKind[n] = kind;
      heading += uniform(-0.1, 0.1);
      dir[n] = heading;
      segMiles[n] = uniform(0.03, 0.12);
      attachable.push(n);
      prev = n;
    }
  }
  for (let b = 1; b < N; b++) {
    const p = parent[b]!;
    x[b] = x[p]! + segMiles[b]! * Math.cos(dir[b]!);
    y[b] = y[p]! + segMiles[b]! * Math.sin(dir[b]!);
  }
  const id = (b: number) => (b === 0 ? "sub" : `b${b}`);
  const buses: BusRow[] = Array.from({ length: N }, (_, b) => ({
    id: id(b),
    kvNominal: kv,
    x: Math.round(x[b]! * 1e4) / 1e4,
    y: Math.round(y[b]! * 1e4) / 1e4,
  }));

  // Loads: on ~70 % of non-trunk buses and ~30 % of trunk buses, one load each, class by share.
  const loadsAt: number[] = [];
  for (let b = 1; b < N; b++) if (rnd() < (depthKind[b] === 1 ? 0.3 : 0.7)) loadsAt.push(b);
  if (loadsAt.length === 0) loadsAt.push(N - 1);
  const classOf = loadsAt.map(() => {
    const u = rnd();
    return u < CLASSES[0].share ? 0 : u < CLASSES[0].share + CLASSES[1].share ? 1 : 2;
  });
  const weight = loadsAt.map((_, i) => CLASSES[classOf[i]!]!.size * Math.exp(0.5 * normal()));
  const wsum = weight.reduce((a, b) => a + b, 0);
  const profiles: Record<string, Profile> = {};
  const loads: LoadRow[] = loadsAt.map((b, i) => {
    const cls = CLASSES[classOf[i]!]!;
    const kw = Math.round(((peakKw * weight[i]!) / wsum) * 1000) / 1000;
    const pf = Math.min(0.99, cls.pf + uniform(-0.03, 0.03));
    const kvar = Math.round(kw * Math.tan(Math.acos(pf)) * 1000) / 1000;
    const shift = uniform(-1, 1);
    const scale = uniform(0.9, 1.1);
    const values = new Float64Array(points);
    let ar = 0;
    for (let k = 0; k < points; k++) {
      ar = 0.7 * ar + 0.05 * normal();
      values[k] =
        Math.round(
          Math.max(0.05, Math.min(1.3, scale * shapeAt(cls.shape, (k + 0.5) * stepH + shift) * (1 + ar))) *
            1e4,
        ) / 1e4;
    }
    const name = `L${b}`;
    profiles[name] = { name, stepHours: stepH, values };
    return { id: `L${b}`, bus: id(b), kw, kvar, model: "pq", profile: name };
  });
  const irr = new Float64Array(points);
  const price = new Float64Array(Math.ceil(hours));
  for (let k = 0; k < points; k++) irr[k] = Math.round(irradiance((k + 0.5) * stepH) * 1e4) / 1e4;
  for (let h = 0; h < price.length; h++) price[h] = PRICE[h % 24]!;
  profiles.irradiance = { name: "irradiance", stepHours: stepH, values: irr };
  profiles.price = { name: "price", stepHours: 1, values: price };

  // DERs on shares of the load buses, sized from the bus's load.
  const pvs: PvRow[] = [];
  const batteries: BatteryRow[] = [];
  loads.forEach((l, i) => {
    if (rnd() < pvShare) {
      const p = Math.round(l.kw * uniform(0.5, 1.5) * 1000) / 1000;
      pvs.push({ id: `PV${loadsAt[i]}`, bus: l.bus, pmppKw: p, kva: Math.round(1.1 * p * 1000) / 1000 });
    }
    if (rnd() < battShare) {
      const p = Math.round(0.5 * l.kw * 1000) / 1000;
      batteries.push({
        id: `BESS${loadsAt[i]}`,
        bus: l.bus,
        kw: p,
        kwh: 4 * p,
        kva: Math.round(1.2 * p * 1000) / 1000,
        etaCharge: 0.95,
        etaDischarge: 0.95,
        socMin: 0.2,
        socMax: 0.95,
        soc0: 0.5,
      });
    }
  });
  // Trunk capacitors: one per ~400 buses, spread along the trunk, ~30 % of the peak reactive demand in all.
  const qTot = loads.reduce((s, l) => s + l.kvar, 0);
  const nCap = Math.max(1, Math.round(N / 400));
  const capacitors: CapacitorRow[] = Array.from({ length: nCap }, (_, k) => {
    const b = Math.max(1, Math.round(((k + 1) * trunkLen) / (nCap + 1)));
    return { id: `C${b}`, bus: id(b), kvar: Math.round((0.3 * qTot) / nCap / 50) * 50 || 50 };
  });

  // Impedances (Ω per mile), scaled until the peak-load power flow keeps every bus ≥ vMinTarget.
  const ohmsPerMile = (b: number) => (depthKind[b] === 1 ? [0.306, 0.627] : [0.89, 0.69]);
  const vBaseLn = kv / Math.sqrt(3);
  const zBase = (vBaseLn * vBaseLn * 1000) / 1000; // on 1 MVA
  const peakP = new Float64Array(N);
  const peakQ = new Float64Array(N);
  loads.forEach((l, i) => {
    const m = Math.max(...profiles[l.profile!]!.values);
    peakP[loadsAt[i]!] += (l.kw * m) / 1000;
    peakQ[loadsAt[i]!] += (l.kvar * m) / 1000;
  });
  for (const c of capacitors) peakQ[Number(c.bus.slice(1))] -= c.kvar / 1000;
  let scale = 1;
  for (let pass = 0; pass < 20; pass++) {
    const vMin = sweepMinVoltage(parent, segMiles, ohmsPerMile, scale / zBase, peakP, peakQ, vSubs);
    if (vMin >= vMinTarget) break;
    // A collapsed sweep (no solution at this loading) halves the impedances; otherwise scale towards the target.
    scale *=
      Number.isFinite(vMin) && vMin > 0
        ? Math.max(0.3, Math.min(0.95, (vSubs - vMinTarget) / (vSubs - vMin)))
        : 0.5;
  }
  const lines: LineRow[] = [];
  for (let b = 1; b < N; b++) {
    const [r, xx] = ohmsPerMile(b);
    const miles = segMiles[b]! * scale;
    lines.push({
      id: `S${b}`,
      from: id(parent[b]!),
      to: id(b),
      rOhm: Math.max(1e-6, Math.round(r! * miles * 1e6) / 1e6),
      xOhm: Math.max(1e-6, Math.round(xx! * miles * 1e6) / 1e6),
      iMaxA: depthKind[b] === 1 ? 530 : 310,
    });
  }
  return {
    name: `generated-${N}-s${opts.seed}`,
    description: `Generated radial feeder: ${N} buses (trunk ${trunkLen}), ${loads.length} loads with their own profiles, ${pvs.length} PVs, ${batteries.length} batteries, ${capacitors.length} capacitors; ${kv} kV; seed ${opts.seed}`,
    sBaseKva: 1000,
    source: { bus: "sub", vPu: vSubs, kvBaseLn: vBaseLn },
    buses,
    lines,
    transformers: [],
    loads,
    capacitors,
    pvs,
    batteries,
    profiles,
    prices: {
      tou: {
        name: "tou",
        rule: "series",
        profile: "price",
        description: "Generated time-of-use-like hourly price",
      },
    },
    defaultLoadProfile: loads[0]!.profile!,
    defaultPvProfile: "irradiance",
    provenance: [`mpopf case generate --buses ${N} --seed ${opts.seed} (models/generate.ts)`],
  };
}

/** Lowest bus voltage (pu) of a backward/forward sweep on the generated tree (per-unit loads on 1 MVA). */
function sweepMinVoltage(
  parent: Int32Array,
  miles: Float64Array,
  ohmsPerMile: (b: number) => number[],
  perOhmPu: number,
  p: Float64Array,
  q: Float64Array,
  vSubs: number,
): number {
  const N = parent.length;
  const v = new Float64Array(N).fill(vSubs * vSubs);
  const P = new Float64Array(N);
  const Q = new Float64Array(N);
  const l = new Float64Array(N);
  for (let it = 0; it < 30; it++) {
    P.set(p);
    Q.set(q);
    // Buses are numbered parents first: the reverse order is leaves first.
    for (let b = N - 1; b >= 1; b--) {
      const [r0, x0] = ohmsPerMile(b);
      const r = r0! * miles[b]! * perOhmPu;
      const x = x0! * miles[b]! * perOhmPu;
      const lb = (P[b]! ** 2 + Q[b]! ** 2) / Math.max(v[parent[b]!]!, 1e-6);
      l[b] = lb;
      P[parent[b]!] += P[b]! + r * lb;
      Q[parent[b]!] += Q[b]! + x * lb;
    }
    for (let b = 1; b < N; b++) {
      const [r0, x0] = ohmsPerMile(b);
      const r = r0! * miles[b]! * perOhmPu;
      const x = x0! * miles[b]! * perOhmPu;
      v[b] =
        v[parent[b]!]! - 2 * (r * (P[b]! + r * l[b]!) + x * (Q[b]! + x * l[b]!)) + (r * r + x * x) * l[b]!;
    }
  }
  let m = Infinity;
  for (let b = 0; b < N; b++) {
    const vb = v[b]!;
    if (!(vb > 0)) return 0; // collapsed (or NaN): no power-flow solution at this loading
    m = Math.min(m, Math.sqrt(vb));
  }
  return m;
}
