/**
 * Strict command-line values: yargs would read `--horizon 0x2` as 2, `--horizon 1e400` as Infinity and a bare
 * `--horizon` as nothing at all. Every numeric option goes through `numberOption`, which demands a value,
 * accepts only plain decimal numbers and checks the range; a bad value is a usage error (exit 2).
 */
import type { Options } from "yargs";

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Range and kind of a numeric option. */
export interface NumberRule {
  integer?: boolean;
  min?: number;
  max?: number;
  /** The lower bound is exclusive. */
  minExclusive?: boolean;
}

/** Parse one command-line number strictly; throws an Error naming the option (yargs turns it into exit 2). */
export function parseNumberArg(name: string, raw: unknown, rule: NumberRule = {}): number {
  const s = String(raw).trim();
  const v = Number(s);
  if (!DECIMAL.test(s) || !Number.isFinite(v)) {
    throw new Error(`--${name}: expected a decimal number, got '${String(raw).slice(0, 40)}'`);
  }
  if (rule.integer && !Number.isInteger(v)) throw new Error(`--${name}: expected a whole number, got ${s}`);
  const { min, max } = rule;
  if (min !== undefined && (rule.minExclusive ? v <= min : v < min)) {
    throw new Error(`--${name}: must be ${rule.minExclusive ? ">" : ">="} ${min}, got ${s}`);
  }
  if (max !== undefined && v > max) throw new Error(`--${name}: must be <= ${max}, got ${s}`);
  return v;
}

/** A numeric option that requires a strictly parsed value in range. */
export function numberOption(name: string, describe: string, rule: NumberRule = {}) {
  return {
    type: "string",
    requiresArg: true,
    describe,
    coerce: (raw: unknown): number => {
      if (Array.isArray(raw)) throw new Error(`--${name}: given more than once`);
      return parseNumberArg(name, raw, rule);
    },
  } as const satisfies Options;
}

/** A text option that requires a non-empty value. */
export function textOption(name: string, describe: string) {
  return {
    type: "string",
    requiresArg: true,
    describe,
    coerce: (raw: unknown): string => {
      if (Array.isArray(raw)) throw new Error(`--${name}: given more than once`);
      const s = String(raw);
      if (s.trim() === "") throw new Error(`--${name}: empty value (an unset variable?)`);
      return s;
    },
  } as const satisfies Options;
}

/** `--force` of every command that writes an output folder: the one exception to the rules of harness/run-dir.ts. */
export const FORCE_OUT_OPTION = {
  type: "boolean",
  default: false,
  describe: "allow --out to be an existing empty folder that mpopf did not write",
} as const satisfies Options;

/** `--areas` of the commands that solve or split a case by areas. */
export function areasOption() {
  return textOption(
    "areas",
    "areas of the distributed methods: auto:K (K balanced connected areas), a partition of the case, or a bus,area CSV file (default: the case's first partition)",
  );
}
