/**
 * Reading one solved hour back from the engine into the optimizer's conventions (see types.ts):
 * substation P/Q = −Circuit.TotalPower (power the source delivers into the feeder, read at the source
 * terminal, never from a named line), losses = Circuit.Losses, |V| divided by the optimizer's base,
 * device outputs = −(power into the element), Storage energy as the engine integrated it, branch flows =
 * power into a line's (transformer's) first terminal, its loss = power into both terminals.
 */
import { SOURCE_NODE_SUFFIX } from "../../models/topology.ts";
import type { Network } from "../../models/types.ts";
import type { Deck, HourObservation, HourStatus, SolvedCircuit } from "./types.ts";

/** Short (lower-case) element name from a full "Class.name". */
export function shortName(fullName: string): string {
  return fullName.slice(fullName.indexOf(".") + 1).toLowerCase();
}

/**
 * The hidden fixed-voltage node behind a source impedance (models/topology.ts) is the Vsource's own EMF, not a
 * bus of the deck: its voltage is the set-point by construction.
 */
export function sourceNodeVoltage(network: Network, vPu: Float64Array): void {
  const s = network.substation;
  if (network.buses[s]!.id.endsWith(SOURCE_NODE_SUFFIX) && Number.isNaN(vPu[s]!)) vPu[s] = network.vSubsPu;
}

/** An observation with every value NaN (an hour whose commands failed). */
export function emptyObservation(
  deck: Deck,
  t: number,
  status: HourStatus,
  message: string | null,
): HourObservation {
  const e = deck.elements;
  const nan = (k: number) => new Float64Array(k).fill(Number.NaN);
  return {
    t,
    status,
    message,
    iterations: 0,
    pSubsKw: Number.NaN,
    qSubsKvar: Number.NaN,
    lossKw: Number.NaN,
    lossKvar: Number.NaN,
    vPu: nan(e.busNames.length),
    pvPKw: nan(e.pvs.length),
    pvQKvar: nan(e.pvs.length),
    battPKw: nan(e.batteries.length),
    battQKvar: nan(e.batteries.length),
    battKwh: nan(e.batteries.length),
    battState: new Int8Array(e.batteries.length),
    loadKw: Number.NaN,
    loadKvar: Number.NaN,
    capQKvar: Number.NaN,
    branchPKw: nan(e.branchElements.length),
    branchQKvar: nan(e.branchElements.length),
    branchIA: nan(e.branchElements.length),
    branchLossKw: nan(e.branchElements.length),
    solveMs: 0,
  };
}

/**
 * Read hour t from a solved circuit (solveMs is left 0 for the caller to set). Elements the engine does not
 * know read as NaN (and are reported by the comparison), so a broken deck never passes as a good replay.
 */
export function observeHour(
  deck: Deck,
  network: Network,
  circuit: SolvedCircuit,
  t: number,
): HourObservation {
  const e = deck.elements;
  const obs = emptyObservation(deck, t, circuit.converged() ? "converged" : "not-converged", null);
  obs.iterations = circuit.iterations();
  const [pTot, qTot] = circuit.totalPower();
  obs.pSubsKw = -pTot;
  obs.qSubsKvar = -qTot;
  const [lossKw, lossKvar] = circuit.losses();
  obs.lossKw = lossKw;
  obs.lossKvar = lossKvar;

  const volts = circuit.nodeVoltagesV();
  e.busNames.forEach((b, j) => {
    const v = volts.get(`${b.toLowerCase()}.1`);
    obs.vPu[j] = v === undefined ? Number.NaN : v / (1000 * deck.vBaseKvLn[j]!);
  });
  sourceNodeVoltage(network, obs.vPu);

  const power = (name: string): [number, number] => circuit.elementPower(name) ?? [Number.NaN, Number.NaN];
  e.pvs.forEach((el, d) => {
    const [p, q] = power(el.fullName);
    obs.pvPKw[d] = -p;
    obs.pvQKvar[d] = -q;
  });
  e.batteries.forEach((el, k) => {
    const [p, q] = power(el.fullName);
    obs.battPKw[k] = -p;
    obs.battQKvar[k] = -q;
    const st = circuit.storage(shortName(el.fullName));
    obs.battKwh[k] = st ? st.kwhStored : Number.NaN;
    obs.battState[k] = st ? Math.sign(st.state) : 0;
  });
  let lp = 0;
  let lq = 0;
  for (const el of e.loads) {
    const [p, q] = power(el.fullName);
    lp += p;
    lq += q;
  }
  obs.loadKw = lp;
  obs.loadKvar = lq;
  let cq = 0;
  for (const el of e.capacitors) cq -= power(el.fullName)[1];
  obs.capQKvar = cq;
  // Branch flows (when the engine reports them): sent into terminal 1, loss = power into both terminals.
  if (circuit.branchFlow) {
    e.branchElements.forEach((el, k) => {
      const f = el === null ? undefined : circuit.branchFlow!(el);
      if (!f) return;
      obs.branchPKw[k] = f.p1Kw;
      obs.branchQKvar[k] = f.q1Kvar;
      obs.branchIA[k] = f.i2A;
      obs.branchLossKw[k] = f.p1Kw + f.p2Kw;
    });
  }
  return obs;
}
