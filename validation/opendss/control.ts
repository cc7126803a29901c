/**
 * Control devices and OpenDSS's control queue.
 *
 * After each converged power flow of a snapshot (or daily step) the solution samples every
 * enabled control device in creation order; a device that wants to act pushes an action onto
 * the queue at (hour, seconds + its delay). In STATIC control mode the solution then executes
 * every queued action whose time equals the earliest queued time (time itself does not advance),
 * rebuilds the system Y and solves again; control is done when a sample leaves the queue empty
 * or after MaxControlIter passes (OpenDSS SolveSnap / CheckControls / DoNearestActions).
 */
import { DetachedElement, type ElementRole } from "./elements/base.ts";

/** What a control device sees when it samples or acts. */
export interface ControlContext {
  /** Node voltages (V), interleaved, index = node (0 = ground). */
  readonly V: Float64Array;
  readonly intHour: number;
  /** Seconds past the hour. */
  readonly t: number;
  readonly queue: ControlQueue;
  /** System nodes of a bus specification "bus.n1.n2" (node 0 = ground; default node 1). */
  nodesOf(spec: string): number[];
}

interface Action {
  /** Action time (s since hour 0). */
  time: number;
  code: number;
  handle: number;
  owner: ControlElement;
}

/** OpenDSS TControlQueue: actions sorted by time; an equal time goes before the existing ones. */
export class ControlQueue {
  private actions: Action[] = [];
  private lastHandle = 0;

  /** Queue an action of `owner` at `hour` h + `sec` s; returns its handle. */
  push(hour: number, sec: number, code: number, owner: ControlElement): number {
    this.lastHandle++;
    let h = hour;
    let s = sec;
    if (s > 3600) {
      do {
        h++;
        s -= 3600;
      } while (s >= 3600);
    }
    const time = h * 3600 + s;
    const a: Action = { time, code, handle: this.lastHandle, owner };
    const i = this.actions.findIndex((x) => time <= x.time);
    if (i < 0) this.actions.push(a);
    else this.actions.splice(i, 0, a);
    return this.lastHandle;
  }

  /** Remove the action with this handle (no-op when it is gone). */
  delete(handle: number): void {
    const i = this.actions.findIndex((x) => x.handle === handle);
    if (i >= 0) this.actions.splice(i, 1);
  }

  isEmpty(): boolean {
    return this.actions.length === 0;
  }

  get size(): number {
    return this.actions.length;
  }

  clear(): void {
    this.actions = [];
  }

  /**
   * Execute (in queue order) every action whose time is not after the earliest queued time;
   * returns whether anything was done.
   */
  doNearestActions(cx: ControlContext): boolean {
    if (this.actions.length === 0) return false;
    const t = this.actions[0]!.time;
    let done = false;
    for (;;) {
      const i = this.actions.findIndex((x) => x.time <= t);
      if (i < 0) break;
      const a = this.actions[i]!;
      this.actions.splice(i, 1);
      a.owner.doPendingAction(a.code, cx);
      done = true;
    }
    return done;
  }
}

/**
 * A control device: a circuit element with no terminals in the system Y (it only reads
 * voltages and currents of the elements it watches and changes their settings).
 */
export abstract class ControlElement extends DetachedElement {
  readonly role: ElementRole = "control";

  /** Look at the present solution and queue an action if one is needed. */
  abstract sample(cx: ControlContext): void;

  /** Carry out a queued action. */
  abstract doPendingAction(code: number, cx: ControlContext): void;

  /** Forget pending actions (OpenDSS Reset). */
  reset(): void {}
}

/** Pascal's Round: to nearest, ties to even, as an integer (used where OpenDSS rounds tap positions). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  if (Math.abs(x % 1) === 0.5 && r % 2 !== 0) return r - 1;
  return r + 0; // an integer, never −0
}
