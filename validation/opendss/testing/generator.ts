/**
 * Seeded random OpenDSS decks for differential testing against the real engine. Each seed gives
 * one deck (the same text on every machine): a radial feeder — a 3-phase trunk with 1-, 2- and
 * 3-phase laterals, sometimes made lightly meshed by tie lines — with lines given by sequence
 * impedances, sequence or matrix line codes in various units; an optional substation transformer
 * (Δ–Y or Y–Y); wye and delta, balanced and unbalanced loads of every common model (constant PQ,
 * Z, I, CVR, ZIP), with load shapes; capacitors; a voltage-regulator bank under RegControl;
 * single-phase and split-phase (centre-tapped) service transformers with 120/240 V loads; and
 * DERs (PVSystem, Generator, Storage) following daily shapes. Half of the decks solve a
 * snapshot, half a few hours in daily mode. The generator only writes; runners compile the deck
 * with our engine and with the real OpenDSS and compare (scripts/opendss-fuzz.ts and
 * test/validation/opendss/random-decks.test.ts).
 */

/** Version of the generator: changes whenever the same seed would give a different deck. */
export const GENERATOR_VERSION = 9;

/** A generated deck: its files (the master is Master.dss) and the commands run after compiling. */
export interface GeneratedDeck {
  seed: number;
  files: Record<string, string>;
  /** Commands after compiling, before the final Solve (tolerance, mode, hours). */
  commands: string[];
  /** One line describing what the deck contains. */
  summary: string;
}

/** mulberry32: a small, fast, seeded 32-bit generator. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random helpers over one stream. */
class Dice {
  private readonly r: () => number;
  constructor(seed: number) {
    this.r = rng(seed);
  }
  next(): number {
    return this.r();
  }
  chance(p: number): boolean {
    return this.r() < p;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.r() * (hi - lo + 1));
  }
  uniform(lo: number, hi: number, digits = 4): number {
    return Number((lo + this.r() * (hi - lo)).toFixed(digits));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.r() * items.length)]!;
  }
  /** A random non-empty subset of `items` with `k` entries, in their order. */
  subset<T>(items: readonly T[], k: number): T[] {
    const idx = items.map((_, i) => i);
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(this.r() * (i + 1));
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    return idx
      .slice(0, k)
      .sort((a, b) => a - b)
      .map((i) => items[i]!);
  }
}

const SQRT3 = Math.sqrt(3);

/** A bus of the generated feeder and the phases it carries. */
interface GenBus {
  name: string;
  phases: number[];
  /** Line-to-line kV of the bus. */
  kvLL: number;
}

const fmt = (x: number, digits = 6): string => String(Number(x.toFixed(digits)));
const nodes = (phases: number[]): string => phases.map((p) => `.${p}`).join("");

/** Generate the deck of one seed. */
export function generateDeck(seed: number): GeneratedDeck {
  const d = new Dice(seed * 2654435761 + GENERATOR_VERSION);
  const lines: string[] = [];
  const files: Record<string, string> = {};
  const counts: Record<string, number> = {};
  const count = (k: string, n = 1): void => {
    counts[k] = (counts[k] ?? 0) + n;
  };
  const freq = d.chance(0.15) ? 50 : 60;
  const kv = d.pick([12.47, 13.2, 4.16, 24.9, 11]);
  const kvBases = new Set<number>([kv]);
  const daily = d.chance(0.5);
  lines.push("Clear", `Set DefaultBaseFrequency=${freq}`);

  // ---- source and optional substation transformer
  const sub = d.chance(0.35);
  const srcKv = sub ? d.pick([69, 115, 34.5]) : kv;
  const pu = d.uniform(0.98, 1.06, 3);
  const srcZ = d.chance(0.5)
    ? ((mva: number) => `MVAsc3=${mva} MVAsc1=${Math.round(mva * d.uniform(0.5, 1.1, 3))}`)(d.int(200, 5000))
    : `R1=${d.uniform(0.01, 1)} X1=${d.uniform(0.1, 4)} R0=${d.uniform(0.01, 2)} X0=${d.uniform(0.1, 8)}`;
  lines.push(
    `New Circuit.rand${seed} basekv=${srcKv} pu=${pu} phases=3 bus1=src angle=${d.pick([0, 0, 30, -15])} ${srcZ}`,
  );
  let head = "src";
  if (sub) {
    kvBases.add(srcKv);
    const conns = d.pick([
      ["delta", "wye"],
      ["wye", "wye"],
      ["delta", "wye"],
    ]);
    const kva = d.pick([5000, 10000, 20000]);
    if (d.chance(0.25)) {
      // a three-winding substation transformer with a loaded delta tertiary (grounded through its wye load)
      lines.push(
        `New Transformer.sub phases=3 windings=3 buses=[src subbus tert] conns=[${conns.join(" ")} delta] kVs=[${srcKv} ${kv} 4.16] kVAs=[${kva} ${kva} ${kva / 4}]` +
          ` XHL=${d.uniform(5, 10, 2)} XHT=${d.uniform(12, 30, 2)} XLT=${d.uniform(8, 20, 2)} %Rs=[0.3 0.4 0.6]${d.chance(0.5) ? " LeadLag=lead" : ""}`,
        `New Load.tert phases=3 bus1=tert kV=4.16 kW=${d.int(100, 800)} pf=0.9`,
      );
      kvBases.add(4.16);
      count("tertiary");
    } else
      lines.push(
        `New Transformer.sub phases=3 windings=2 buses=[src, subbus] conns=[${conns.join(" ")}] kVs=[${srcKv} ${kv}] kVAs=[${kva} ${kva}]` +
          ` XHL=${d.uniform(5, 10, 2)} %Rs=[${d.uniform(0.2, 1, 3)} ${d.uniform(0.2, 1, 3)}]${d.chance(0.5) ? " sub=yes" : ""}` +
          `${d.chance(0.3) ? ` %noloadloss=${d.uniform(0.05, 0.3, 3)} %imag=${d.uniform(0.1, 1, 3)}` : ""}` +
          `${d.chance(0.3) ? ` taps=[1 ${d.pick([0.975, 0.9875, 1.0125, 1.025])}]` : ""}` +
          `${d.chance(0.2) ? " XRConst=yes" : ""}${d.chance(0.2) ? " LeadLag=lead" : ""}`,
      );
    head = "subbus";
    count("substation");
  }

  // ---- line codes
  const units = ["mi", "kft", "km", "ft", "m"] as const;
  const codes: { name: string; nphases: number; sequence: boolean }[] = [];
  const nCodes = d.int(0, 4);
  for (let i = 0; i < nCodes; i++) {
    const name = `lc${i}`;
    const u = d.pick(units);
    const perKm = u === "mi" ? 1.609 : u === "kft" ? 0.3048 : u === "km" ? 1 : u === "ft" ? 0.0003048 : 0.001;
    if (d.chance(0.5)) {
      const r1 = 0.2 * perKm * d.uniform(0.5, 2);
      const x1 = 0.4 * perKm * d.uniform(0.5, 2);
      lines.push(
        `New LineCode.${name} nphases=3 units=${u} r1=${fmt(r1, 9)} x1=${fmt(x1, 9)} r0=${fmt(r1 * d.uniform(2, 4), 9)} x0=${fmt(x1 * d.uniform(2, 4), 9)}` +
          ` c1=${fmt(3 * perKm * d.uniform(0, 4), 9)} c0=${fmt(1.5 * perKm * d.uniform(0, 4), 9)}`,
      );
      codes.push({ name, nphases: 3, sequence: true });
    } else {
      const n = d.int(1, 3);
      const tri = (diag: number, off: number, digits = 9): string => {
        const rows: string[] = [];
        for (let a = 0; a < n; a++) {
          const row: string[] = [];
          for (let b = 0; b < a; b++) row.push(fmt(off * d.uniform(0.8, 1.2), digits));
          row.push(fmt(diag * d.uniform(0.9, 1.1), digits));
          rows.push(row.join(" "));
        }
        return rows.join(" | ");
      };
      const withC = d.chance(0.6);
      lines.push(
        `New LineCode.${name} nphases=${n} units=${u} rmatrix=[${tri(0.3 * perKm, 0.1 * perKm)}] xmatrix=(${tri(0.8 * perKm, 0.35 * perKm)})` +
          (withC ? ` cmatrix=[${tri(12 * perKm, -3 * perKm)}]` : ""),
      );
      codes.push({ name, nphases: n, sequence: false });
    }
  }

  // ---- overhead line geometries (WireData + LineGeometry, 3 phases and a neutral)
  const geometries: string[] = [];
  if (d.chance(0.3)) {
    if (d.chance(0.5)) lines.push(`Set EarthModel=${d.pick(["Carson", "FullCarson", "Deri"])}`);
    lines.push(
      `New WireData.ph Runits=mi Rac=${d.uniform(0.1, 0.6)} GMRunits=ft GMRac=${d.uniform(0.01, 0.04)} Radunits=in Diam=${d.uniform(0.4, 1.1)}`,
      `New WireData.nt Runits=mi Rac=${d.uniform(0.3, 1)} GMRunits=ft GMRac=${d.uniform(0.005, 0.02)} Radunits=in Diam=${d.uniform(0.3, 0.7)}`,
      `New LineGeometry.g3 nconds=4 nphases=3 reduce=yes`,
      `~ cond=1 wire=ph units=ft x=${d.uniform(-5, -3, 2)} h=${d.uniform(26, 32, 1)}`,
      `~ cond=2 wire=ph units=ft x=${d.uniform(-1.5, 0, 2)} h=${d.uniform(26, 32, 1)}`,
      `~ cond=3 wire=ph units=ft x=${d.uniform(2, 4, 2)} h=${d.uniform(26, 32, 1)}`,
      `~ cond=4 wire=nt units=ft x=0 h=${d.uniform(22, 25, 1)}`,
    );
    geometries.push("g3");
  }

  /** A line definition between two buses with `nph` phases. */
  let nLines = 0;
  const line = (from: GenBus, to: GenBus, phases: number[], short = false): void => {
    const name = `ln${nLines++}`;
    const bus1 = `${from.name}${nodes(phases)}`;
    const bus2 = `${to.name}${nodes(phases)}`;
    const nph = phases.length;
    const u = d.pick(units);
    const toKm = u === "mi" ? 1.609 : u === "kft" ? 0.3048 : u === "km" ? 1 : u === "ft" ? 0.0003048 : 0.001;
    const km = short ? d.uniform(0.01, 0.08) : d.uniform(0.05, 0.8);
    const len = fmt(km / toKm, 5);
    // a sequence code can serve fewer phases (OpenDSS rebuilds its matrices); a matrix code cannot
    const matching = codes.filter((c) => c.nphases === nph || (c.sequence && nph < 3 && d.chance(0.5)));
    if (nph === 3 && geometries.length > 0 && d.chance(0.4)) {
      lines.push(
        `New Line.${name} phases=3 bus1=${bus1} bus2=${bus2} geometry=${d.pick(geometries)} length=${len} units=${u}`,
      );
    } else if (matching.length > 0 && d.chance(0.6)) {
      // a line code sets the line's phases, so phases comes after it (a 3-phase code on a
      // 1-phase line, as the EPRI feeders write it)
      const c = d.pick(matching);
      lines.push(
        `New Line.${name} bus1=${bus1} bus2=${bus2} linecode=${c.name} length=${len} units=${u} phases=${nph}`,
      );
    } else {
      const r1 = d.uniform(0.1, 0.6);
      const x1 = d.uniform(0.2, 0.9);
      const extra =
        nph > 1 || d.chance(0.5)
          ? ` r0=${fmt(r1 * d.uniform(1.5, 4))} x0=${fmt(x1 * d.uniform(2, 4))} c1=${d.uniform(0, 12, 3)} c0=${d.uniform(0, 6, 3)}`
          : "";
      if (d.chance(0.15))
        // positional buses and abbreviated names, as hand-written decks do
        lines.push(
          `New Line.${name} ${bus1} ${bus2} phas=${nph} r1=${r1} x1=${x1}${extra} len=${fmt(km, 5)} un=km`,
        );
      else
        lines.push(
          `New Line.${name} phases=${nph} bus1=${bus1} bus2=${bus2} r1=${r1} x1=${x1}${extra} length=${fmt(km, 5)} units=km`,
        );
    }
    count("line");
  };

  // ---- trunk, with an optional regulator bank
  const trunk: GenBus[] = [{ name: head, phases: [1, 2, 3], kvLL: kv }];
  const nTrunk = d.int(2, 10);
  const regAt = d.chance(0.35) ? d.int(1, nTrunk - 1) : -1;
  for (let i = 1; i <= nTrunk; i++) {
    const prev = trunk[trunk.length - 1]!;
    const b: GenBus = { name: `t${i}`, phases: [1, 2, 3], kvLL: kv };
    if (i === regAt) {
      const rin: GenBus = { name: `r${i}in`, phases: [1, 2, 3], kvLL: kv };
      line(prev, rin, [1, 2, 3]);
      const kvln = fmt(kv / SQRT3, 6);
      const kva = d.pick([1666, 2000, 3000]);
      const vreg = d.uniform(118, 126, 1);
      const band = d.pick([1, 2, 3]);
      const pt = fmt((kv * 1000) / SQRT3 / 120, 4);
      const bank = d.chance(0.5);
      for (const p of bank ? [1, 2, 3] : [1]) {
        lines.push(
          bank
            ? `New Transformer.reg${p} phases=1 bank=reg XHL=0.01 kVAs=[${kva} ${kva}] buses=[${rin.name}.${p} ${b.name}.${p}] kVs=[${kvln} ${kvln}] %LoadLoss=0.01`
            : `New Transformer.reg${p} phases=3 XHL=0.01 kVAs=[${kva * 3} ${kva * 3}] buses=[${rin.name} ${b.name}] kVs=[${kv} ${kv}] %LoadLoss=0.01`,
        );
        lines.push(
          `New RegControl.creg${p} transformer=reg${p} winding=2 vreg=${vreg} band=${band} ptratio=${pt}` +
            (d.chance(0.4)
              ? ` CTprim=${d.pick([300, 600, 700])} R=${d.uniform(0, 6, 1)} X=${d.uniform(0, 12, 1)}`
              : "") +
            (!bank && d.chance(0.5) ? ` PTphase=${d.pick(["1", "2", "3", "max", "min"])}` : ""),
        );
        count("regulator");
      }
    } else line(prev, b, [1, 2, 3]);
    trunk.push(b);
  }

  // ---- laterals
  const all: GenBus[] = [...trunk];
  const nLat = d.int(0, 6);
  for (let k = 0; k < nLat; k++) {
    let at = d.pick(all.filter((b) => b.kvLL === kv));
    const nph = d.pick([1, 1, 2, 3]);
    const phases = nph >= at.phases.length ? [...at.phases] : d.subset(at.phases, nph);
    const depth = d.int(1, 4);
    for (let j = 0; j < depth; j++) {
      const b: GenBus = { name: `l${k}_${j}`, phases, kvLL: kv };
      line(at, b, phases);
      all.push(b);
      at = b;
    }
  }

  // ---- tie lines (light meshing between 3-phase buses)
  if (d.chance(0.3)) {
    const three = all.filter((b) => b.phases.length === 3 && b.kvLL === kv && b.name !== head);
    for (let i = 0; i < d.int(1, 2) && three.length >= 3; i++) {
      const [a, b] = d.subset(three, 2);
      line(a!, b!, [1, 2, 3]);
      count("tie");
    }
  }

  // ---- load shapes (daily)
  const shapes: string[] = [];
  if (daily) {
    for (let s = 0; s < 3; s++) {
      const mult = Array.from({ length: 24 }, (_, h) =>
        fmt(0.4 + 0.5 * Math.max(0, Math.sin(((h - 6) / 24) * 2 * Math.PI)) + d.uniform(0, 0.2), 4),
      );
      if (s === 2 && d.chance(0.5)) {
        // read from a data file (one value per line, sometimes a header and a second column)
        const header = d.chance(0.5);
        files[`shape${s}.csv`] =
          (header ? "hour,mult\n" : "") +
          mult.map((m, h) => (header ? `${h + 1},${m}` : m)).join("\n") +
          "\n";
        lines.push(
          `New LoadShape.shape${s} npts=24 interval=1 mult=(file=shape${s}.csv${header ? " column=2 header=yes" : ""})`,
        );
      } else if (s === 1 && d.chance(0.4)) {
        // quarter-hour points, given as minutes or seconds
        const q = Array.from({ length: 96 }, (_, k) => mult[Math.floor(k / 4)]!);
        lines.push(
          `New LoadShape.shape${s} npts=96 ${d.chance(0.5) ? "minterval=15" : "sinterval=900"} mult=[${q.join(" ")}]`,
        );
      } else lines.push(`New LoadShape.shape${s} npts=24 interval=1 mult=[${mult.join(" ")}]`);
      shapes.push(`shape${s}`);
    }
    const solar = Array.from({ length: 24 }, (_, h) =>
      fmt(Math.max(0, Math.sin(((h - 6) / 12) * Math.PI)), 4),
    );
    lines.push(`New LoadShape.solar npts=24 interval=1 mult=[${solar.join(" ")}]`);
    const store = Array.from({ length: 24 }, (_, h) => (h < 6 ? -0.5 : h >= 17 && h < 21 ? 0.8 : 0));
    lines.push(`New LoadShape.storeshape npts=24 interval=1 mult=[${store.join(" ")}]`);
  }
  const shapeRef = (): string => (daily && d.chance(0.7) ? ` daily=${d.pick(shapes)}` : "");

  // ---- loads
  const loadBudgetKw = kv < 5 ? 1500 : 4000;
  const loadBuses = all.filter((b) => b.name !== "src" && b.name !== head);
  const nLoads = Math.max(1, d.int(1, Math.min(14, loadBuses.length * 2)));
  const perLoad = loadBudgetKw / nLoads;
  let nLoad = 0;
  const loadModel = (): string => {
    const m = d.pick([1, 1, 1, 2, 5, 4, 8, 3, 6, 7]);
    if (m === 4) return ` model=4 CVRwatts=${d.uniform(0.5, 1.5, 2)} CVRvars=${d.uniform(1, 3, 2)}`;
    if (m === 8) return " model=8 ZIPV=[0.3 0.3 0.4 0.2 0.2 0.6 0.8]";
    return ` model=${m}`;
  };
  for (let i = 0; i < nLoads && loadBuses.length > 0; i++) {
    const b = d.pick(loadBuses);
    // single-phase laterals carry less (a whole feeder's load on one phase collapses the voltage)
    const kw = d.uniform(0.2, 1, 3) * perLoad * (b.phases.length === 3 ? 1 : 0.5);
    const q = d.chance(0.5) ? ` pf=${d.uniform(0.8, 1, 3)}` : ` kvar=${fmt(kw * d.uniform(0, 0.6, 3), 3)}`;
    const kind =
      b.phases.length === 3
        ? d.pick(["wye3", "delta3", "wye1", "delta1"])
        : b.phases.length === 2
          ? d.pick(["wye1", "delta1"])
          : "wye1";
    let spec: string;
    if (kind === "wye3") spec = `phases=3 bus1=${b.name} kV=${kv} conn=wye`;
    else if (kind === "delta3") spec = `phases=3 bus1=${b.name} kV=${kv} conn=delta`;
    else if (kind === "delta1")
      spec = `phases=1 bus1=${b.name}${nodes(d.subset(b.phases, 2))} kV=${kv} conn=delta`;
    else spec = `phases=1 bus1=${b.name}.${d.pick(b.phases)} kV=${fmt(kv / SQRT3, 6)}`;
    const kwText = d.chance(0.15) ? `(${fmt(kw / 2, 3)} 2 *)` : fmt(kw, 3);
    const vmin =
      (d.chance(0.2) ? ` vminpu=${d.pick([0.85, 0.9, 0.7])}` : "") +
      (d.chance(0.1) ? " status=fixed" : "") +
      (d.chance(0.1) ? ` Vlowpu=${d.pick([0.5, 0.6])}` : "");
    lines.push(`New Load.ld${nLoad++} ${spec} kW=${kwText}${q}${loadModel()}${shapeRef()}${vmin}`);
    count("load");
  }

  // ---- capacitors
  for (let i = 0; i < d.int(0, 2); i++) {
    const b = d.pick(loadBuses.length > 0 ? loadBuses : trunk);
    if (b.phases.length === 3 && d.chance(0.7)) {
      lines.push(
        `New Capacitor.cap${i} phases=3 bus1=${b.name} kV=${kv} kvar=${d.pick([150, 300, 600, 900])} conn=${d.pick(["wye", "delta"])}`,
      );
      if (d.chance(0.4)) {
        // a voltage-controlled bank switching around the present voltage (on below, off above)
        const pt = fmt((kv * 1000) / SQRT3 / 120, 4);
        const on = d.uniform(117, 124, 1);
        lines.push(
          `New CapControl.cc${i} Capacitor=cap${i} element=Capacitor.cap${i} terminal=1 type=voltage PTratio=${pt} ONsetting=${on} OFFsetting=${fmt(on + d.uniform(2, 5, 1), 3)} Delay=${d.pick([15, 30, 60])}`,
        );
        if (d.chance(0.5)) lines.push(`Capacitor.cap${i}.states=[0]`);
        count("capcontrol");
      }
    } else {
      lines.push(
        `New Capacitor.cap${i} phases=1 bus1=${b.name}.${d.pick(b.phases)} kV=${fmt(kv / SQRT3, 6)} kvar=${d.pick([50, 100, 200])}`,
      );
    }
    count("capacitor");
  }

  // ---- service transformers (1-phase and centre-tapped)
  const ends = all.filter((b) => b.name !== "src" && b.name !== head);
  const nSvc = d.int(0, 3);
  for (let i = 0; i < nSvc && ends.length > 0; i++) {
    const b = d.pick(ends);
    const p = d.pick(b.phases);
    const kva = d.pick([15, 25, 37.5, 50, 75]);
    const s = `sec${i}`;
    kvBases.add(0.24);
    if (d.chance(0.5)) {
      lines.push(
        `New Transformer.svc${i} phases=1 windings=3 buses=[${b.name}.${p}.0 ${s}.1.0 ${s}.0.2] conns=[wye wye wye] kVs=[${fmt(kv / SQRT3, 6)} 0.12 0.12]` +
          ` kVAs=[${kva} ${kva} ${kva}] %Rs=[${d.uniform(0.4, 1, 3)} ${d.uniform(0.8, 2, 3)} ${d.uniform(0.8, 2, 3)}] XHL=2.04 XHT=2.04 XLT=1.36${d.chance(0.4) ? " %noloadloss=0.2" : ""}`,
      );
      const h = `h${i}`;
      if (d.chance(0.6)) {
        lines.push(
          `New Line.tpx${i} phases=2 bus1=${s}.1.2 bus2=${h}.1.2 r1=${d.uniform(0.1, 0.5)} x1=${d.uniform(0.05, 0.2)} r0=${d.uniform(0.2, 0.8)} x0=${d.uniform(0.1, 0.4)} length=${d.int(10, 60)} units=m`,
        );
        count("line");
      } else lines.push(`New Line.tpx${i} phases=2 bus1=${s}.1.2 bus2=${h}.1.2 switch=y`);
      lines.push(
        `New Load.hh${i} phases=1 bus1=${h}.1.2 kV=0.24 kW=${fmt(kva * d.uniform(0.2, 0.8), 3)} pf=${d.uniform(0.85, 1, 3)}${shapeRef()}`,
      );
      lines.push(
        `New Load.ha${i} phases=1 bus1=${h}.1 kV=0.12 kW=${fmt(kva * d.uniform(0.02, 0.1), 3)} pf=0.95${loadModel()}`,
      );
      lines.push(
        `New Load.hb${i} phases=1 bus1=${h}.2 kV=0.12 kW=${fmt(kva * d.uniform(0.02, 0.1), 3)} pf=0.9`,
      );
      count("centre-tap");
      count("load", 3);
    } else {
      lines.push(
        `New Transformer.svc${i} phases=1 windings=2 buses=[${b.name}.${p} ${s}.1] kVs=[${fmt(kv / SQRT3, 6)} 0.24] kVA=${kva} XHL=${d.uniform(1.5, 3, 3)} %loadloss=${d.uniform(0.5, 1.5, 3)}`,
      );
      lines.push(
        `New Load.hs${i} phases=1 bus1=${s}.1 kV=0.24 kW=${fmt(kva * d.uniform(0.2, 0.8), 3)} pf=${d.uniform(0.85, 1, 3)}${shapeRef()}`,
      );
      count("service");
      count("load");
    }
  }

  // ---- a 3-phase service transformer (Δ–Y or Y–Y grounded) to 480 or 208 V, sometimes from an XfmrCode
  if (d.chance(0.3)) {
    const b = d.pick(all.filter((x) => x.phases.length === 3 && x.kvLL === kv));
    const lv = d.pick([0.48, 0.208]);
    kvBases.add(lv);
    const conns = d.pick(["delta wye", "wye wye"]);
    const kva = d.pick([150, 300, 500]);
    const def = `phases=3 windings=2 conns=[${conns}] kVs=[${kv} ${lv}] kVAs=[${kva} ${kva}] XHL=${d.uniform(3, 6, 2)} %loadloss=${d.uniform(0.6, 1.5, 3)}`;
    if (d.chance(0.5)) {
      lines.push(`New XfmrCode.x3 ${def}`, `New Transformer.svc3 XfmrCode=x3 buses=[${b.name} lv3]`);
    } else lines.push(`New Transformer.svc3 ${def} buses=[${b.name} lv3]`);
    lines.push(
      `New Load.lv3 phases=3 bus1=lv3 kV=${lv} kW=${fmt(kva * d.uniform(0.3, 0.8), 3)} pf=${d.uniform(0.85, 0.98, 3)} conn=${d.pick(["wye", "delta"])}${loadModel()}`,
    );
    count("3-phase service");
    count("load");
  }
  if (d.chance(0.15)) {
    const b = d.pick(loadBuses.length > 0 ? loadBuses : trunk);
    if (b.phases.length === 3)
      lines.push(
        `New Reactor.shr phases=3 bus1=${b.name} kV=${kv} kvar=${d.pick([100, 300])} conn=${d.pick(["wye", "delta"])}`,
      );
    else
      lines.push(
        `New Reactor.shr phases=1 bus1=${b.name}.${d.pick(b.phases)} kV=${fmt(kv / SQRT3, 6)} kvar=50`,
      );
    count("reactor");
  }

  // ---- DERs
  if (daily || d.chance(0.3)) {
    for (let i = 0; i < d.int(0, 3); i++) {
      const b = d.pick(loadBuses.length > 0 ? loadBuses : trunk);
      const three = b.phases.length === 3 && d.chance(0.5);
      const bus = three ? b.name : `${b.name}.${d.pick(b.phases)}`;
      const kvEl = three ? kv : fmt(kv / SQRT3, 6);
      const ph = three ? 3 : 1;
      const kind = d.pick(["pv", "pv", "gen", "storage"]);
      if (kind === "pv") {
        const pmpp = d.pick([50, 100, 250, 500]);
        lines.push(
          `New PVSystem.pv${i} phases=${ph} bus1=${bus} kV=${kvEl} kVA=${fmt(pmpp * 1.1, 3)} Pmpp=${pmpp} irradiance=${d.uniform(0.6, 1, 3)}` +
            `${daily ? " daily=solar" : ""} %cutin=0.1 %cutout=0.1${d.chance(0.4) ? ` pf=${d.pick([0.95, -0.95, 0.98])}` : d.chance(0.3) ? ` kvar=${d.pick([-20, 10, 30])}` : ""}`,
        );
        count("pv");
      } else if (kind === "gen") {
        lines.push(
          `New Generator.g${i} phases=${ph} bus1=${bus} kV=${kvEl} kW=${d.pick([100, 200, 400])} pf=${d.pick([0.9, 0.95, 1])} model=${d.pick([1, 1, 2, 4, 5])}${shapeRef()}`,
        );
        count("generator");
      } else {
        const kwr = d.pick([50, 100, 250]);
        lines.push(
          `New Storage.st${i} phases=${ph} bus1=${bus} kV=${kvEl} kWrated=${kwr} kWhrated=${kwr * 4} kVA=${fmt(kwr * 1.2, 3)} %stored=${d.int(30, 80)}` +
            (daily && d.chance(0.4)
              ? ` %reserve=20 DispMode=Follow daily=storeshape`
              : ` %reserve=20 DispMode=External kW=${fmt(kwr * d.uniform(-0.8, 0.8, 3), 3)} kvar=${fmt(kwr * d.uniform(-0.3, 0.3, 3), 3)}`),
        );
        count("storage");
      }
    }
  }

  if (nLoad > 2 && d.chance(0.2)) lines.push(`BatchEdit Load.ld[0-9]*[13579]$ vminpu=${d.pick([0.85, 0.9])}`);
  if (nLoad > 3 && d.chance(0.15)) lines.push(`Disable Load.ld${d.int(0, nLoad - 1)}`);
  if (nLoad > 1 && d.chance(0.15)) {
    const from = d.int(0, nLoad - 1);
    const b = d.pick(loadBuses.filter((x) => x.phases.length === 3));
    if (b) {
      lines.push(
        `New Load.cp${from} like=ld${from} phases=3 bus1=${b.name} kV=${kv} conn=wye kW=${d.int(20, 200)}`,
      );
      count("load");
    }
  }
  lines.push(`Set VoltageBases=[${[...kvBases].sort((a, b) => b - a).join(" ")}]`, "CalcVoltageBases");
  // slowly converging decks (a loaded delta tertiary) need more than the reference decks' 100 iterations
  const commands = ["Set Tolerance=1e-10", "Set MaxIterations=400"];
  if (d.chance(0.2)) commands.push(`Set LoadMult=${d.uniform(0.5, 1.3, 2)}`);
  if (d.chance(0.1)) commands.push("Set ControlMode=OFF");
  if (daily) {
    const start = d.int(0, 12);
    if (d.chance(0.3))
      commands.push(`Set Mode=Daily StepSize=${d.pick(["15m", "900s", "0.25h"])} Number=${d.int(1, 8)}`);
    else commands.push(`Set Mode=Daily StepSize=1h Number=${d.int(1, 4)}`);
    if (start > 0) commands.push(`Set Hour=${start}`);
  }
  const summary =
    `seed ${seed}: ${daily ? "daily" : "snapshot"}, ${kv} kV, ` +
    Object.entries(counts)
      .map(([k, n]) => `${n} ${k}`)
      .join(", ");
  files["Master.dss"] = `${lines.join("\n")}\n`;
  return { seed, files, commands, summary };
}
