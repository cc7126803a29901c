/**
 * The real OpenDSS engine (DSS C-API 0.14.5, built from ../shared/oracle) as a differential-test
 * oracle: locate it, build it when its build script is at hand, and run decks through it.
 * For tests, benchmarks and scripts only: nothing in the engine depends on it.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
/** Repository root (this file is validation/opendss/testing/oracle.ts). */
const REPO_ROOT = resolve(HERE, "../../..");

/** Where the oracle lives: `$MPOPF_ORACLE`, else ~/.cache/mpopf-oracle. */
export function oracleDir(): string {
  return process.env.MPOPF_ORACLE ?? join(homedir(), ".cache", "mpopf-oracle");
}

/** The oracle's build script beside the repository (`../shared/oracle/build.sh`), when present. */
export function oracleBuildScript(): string | null {
  const base = process.env.MPOPF_SHARED ?? resolve(REPO_ROOT, "../shared");
  const p = join(base, "oracle", "build.sh");
  return existsSync(p) ? p : null;
}

/** A usable oracle: its folder, its `dss-run` runner and its library. */
export interface Oracle {
  dir: string;
  dssRun: string;
  library: string;
}

function found(dir: string): Oracle | null {
  const dssRun = join(dir, "dss-run");
  const library = join(dir, "lib", "libdss_capi.so");
  return existsSync(dssRun) && existsSync(library) ? { dir, dssRun, library } : null;
}

/**
 * Locate the oracle; when it is missing and `build` is true and the build script exists, build it
 * (about 30 s, once). Returns the oracle, or the reason it is not available.
 */
export function locateOracle(build = true): { oracle: Oracle | null; reason: string } {
  const dir = oracleDir();
  const have = found(dir);
  if (have) return { oracle: have, reason: "" };
  const script = oracleBuildScript();
  if (!build || script === null) {
    return {
      oracle: null,
      reason: `the OpenDSS oracle is not built at ${dir} and its build script (../shared/oracle/build.sh) is not available`,
    };
  }
  const r = spawnSync("bash", [script, dir], { stdio: ["ignore", "inherit", "inherit"] });
  const built = found(dir);
  if (built) return { oracle: built, reason: "" };
  return {
    oracle: null,
    reason: `building the OpenDSS oracle with ${script} failed (exit ${r.status ?? r.signal})`,
  };
}

/** One deck for the oracle. */
export interface OracleJob {
  /** Absolute path of the deck (compiled after a Clear). */
  deck: string;
  /** Commands run after compiling, one per entry. */
  commands?: string[];
  /** Issue one Solve after the commands (default true). */
  solve?: boolean;
  /** Element details ("full" by default). */
  detail?: "full" | "summary";
  /** Commands run after the solve whose text results are returned (e.g. `? Load.a.kW`). */
  queries?: string[];
}

/** What the oracle returns for one job: a snapshot in the expected.json layout, and DSS errors. */
export interface OracleResult {
  engine: string;
  // biome-ignore lint/suspicious/noExplicitAny: the oracle's JSON (expected.json layout)
  result: any;
  errors: { command: string; number: number; description: string; where: string }[];
  /** Text result of each query. */
  answers: string[];
}

/**
 * Run jobs through the oracle in one Python process (`oracle_batch.py`, which reuses dss-run's
 * binding and snapshot code). Throws when the process fails.
 */
export function runOracle(oracle: Oracle, jobs: OracleJob[]): OracleResult[] {
  if (jobs.length === 0) return [];
  const r = spawnSync("python3", [join(HERE, "oracle_batch.py"), oracle.dssRun], {
    input: JSON.stringify(jobs),
    encoding: "utf8",
    maxBuffer: 1 << 30,
    env: { ...process.env, ORACLE: oracle.dir },
  });
  if (r.status !== 0) {
    throw new Error(`oracle batch failed (exit ${r.status ?? r.signal}): ${(r.stderr ?? "").slice(-2000)}`);
  }
  return JSON.parse(r.stdout) as OracleResult[];
}
