/**
 * Script writer: serialises the objects of an engine back to OpenDSS script text, so that
 * write → parse gives the same circuit (same elements, buses, property values, solution
 * options). Each object is written as one `New` command with its property assignments in the
 * order they were last made (which preserves OpenDSS's order-dependent side effects, e.g.
 * kWhrated before %stored). Simulation state (stored energy after daily steps) is not a
 * property and is not written.
 */
import type { DssObject } from "./elements/base.ts";
import type { DssEngine } from "./engine.ts";
import type { ValueToken } from "./lexer.ts";
import { formatDssNumber } from "./values.ts";

const CLOSE: Record<string, string> = { '"': '"', "'": "'", "(": ")", "[": "]", "{": "}" };

/** A value as it can be re-read by the parser. */
export function formatValue(v: ValueToken): string {
  if (v.bracket !== "") return `${v.bracket}${v.text}${CLOSE[v.bracket]}`;
  if (v.text === "" || /[\s,=]/.test(v.text)) return `"${v.text}"`;
  return v.text;
}

/** `name=value ...` for an object's recorded property assignments. */
export function formatAssignments(obj: DssObject): string {
  // classes with winding-scoped or resolved properties write their state instead of the history
  const own = (obj as { writeAssignments?: () => string }).writeAssignments;
  if (typeof own === "function") return own.call(obj);
  const defs = obj.propDefs;
  return obj.history.map((a) => `${defs[a.index]!.name}=${formatValue(a.value)}`).join(" ");
}

function newLine(cls: string, obj: DssObject): string {
  const props = formatAssignments(obj);
  return props === "" ? `New ${cls}.${obj.name}` : `New ${cls}.${obj.name} ${props}`;
}

/** Options of writeScript. */
export interface WriteOptions {
  /** Header comment lines (without the leading "!"). */
  header?: string[];
  /** Append "CalcVoltageBases" after the voltage bases (default true). */
  calcVoltageBases?: boolean;
  /** Write the solution options (mode, tolerance, ...) (default true). */
  solutionOptions?: boolean;
}

/** Serialise the engine's circuit and general objects as one OpenDSS script. */
export function writeScript(engine: DssEngine, options: WriteOptions = {}): string {
  const out: string[] = [];
  for (const h of options.header ?? []) out.push(`! ${h}`);
  out.push("Clear");
  out.push(`Set DefaultBaseFrequency=${formatDssNumber(engine.defaultBaseFrequency)}`);
  const c = engine.circuit;
  if (!c) return `${out.join("\n")}\n`;
  const source = c.elements[0]!;
  const srcProps = formatAssignments(source);
  out.push(srcProps === "" ? `New Circuit.${c.name}` : `New Circuit.${c.name} ${srcProps}`);
  for (const [, objs] of engine.objects) {
    for (const [, obj] of objs) out.push(newLine(obj.className, obj));
  }
  for (const el of c.elements) {
    if (el === source) continue;
    out.push(newLine(el.className, el));
  }
  out.push(`Set VoltageBases=[${c.legalVoltageBases.map(formatDssNumber).join(" ")}]`);
  if (options.calcVoltageBases ?? true) out.push("CalcVoltageBases");
  const sol = engine.solution;
  if (sol && (options.solutionOptions ?? true)) {
    out.push(`Set Tolerance=${formatDssNumber(sol.tolerance)} MaxIterations=${sol.maxIterations}`);
    if (sol.minIterations !== 2) out.push(`Set MinIterations=${sol.minIterations}`);
    if (sol.loadMult !== 1) out.push(`Set LoadMult=${formatDssNumber(sol.loadMult)}`);
    if (sol.controlMode !== "static") out.push(`Set ControlMode=${sol.controlMode}`);
    if (sol.maxControlIterations !== 10) out.push(`Set MaxControlIter=${sol.maxControlIterations}`);
    if (sol.mode === "daily") {
      out.push("Set Mode=Daily");
      out.push(`Set StepSize=${formatDssNumber(sol.h)}s Number=${sol.number}`);
      out.push(`Set Hour=${sol.intHour} Sec=${formatDssNumber(sol.t)}`);
    } else if (sol.mode === "direct") out.push("Set Mode=Direct");
  }
  return `${out.join("\n")}\n`;
}
