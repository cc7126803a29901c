/**
 * Where the Ipopt WebAssembly artifact lives and whether it is there and current.
 * The artifact is built by `node --import tsx solvers/ipopt/build.ts` into build/ipopt/dist.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { artifactKey, distDir, projectRoot } from "./build-config.ts";

/** Contents of build/ipopt/dist/stamp.json. */
export interface WasmStamp {
  /** Artifact key (hash of own sources, glue and flags) the artifact was built from. */
  key: string;
  ipoptVersion: string;
  emcc: string;
  builtAt: string;
  /** Size of ipopt.wasm in bytes. */
  wasmBytes: number;
}

/** State of the artifact on disk. */
export interface IpoptWasmStatus {
  /** True when ipopt.cjs, ipopt.wasm and stamp.json all exist. */
  exists: boolean;
  /** True when it exists and was built from the current sources and flags. */
  upToDate: boolean;
  /** Absolute path of the Emscripten loader (ipopt.cjs). */
  jsPath: string;
  /** Absolute path of ipopt.wasm. */
  wasmPath: string;
  stamp: WasmStamp | null;
}

/** The command that builds the artifact (printed in error messages). */
export const buildCommand = "node --import tsx solvers/ipopt/build.ts";

/** Read stamp.json of the artifact, or null. */
export function readStamp(): WasmStamp | null {
  const f = join(distDir, "stamp.json");
  if (!existsSync(f)) return null;
  try {
    return JSON.parse(readFileSync(f, "utf8")) as WasmStamp;
  } catch {
    return null;
  }
}

/** Whether the artifact exists, where, and whether it matches the current sources. */
export function ipoptWasmStatus(): IpoptWasmStatus {
  const jsPath = join(distDir, "ipopt.cjs");
  const wasmPath = join(distDir, "ipopt.wasm");
  const stamp = readStamp();
  const exists = stamp !== null && existsSync(jsPath) && existsSync(wasmPath);
  return { exists, upToDate: exists && stamp.key === artifactKey(), jsPath, wasmPath, stamp };
}

/** Path of ipopt.wasm; throws with the build command when the artifact has not been built. */
export function ensureIpoptWasm(): string {
  const st = ipoptWasmStatus();
  if (!st.exists)
    throw new Error(
      `Ipopt WebAssembly artifact not found in ${distDir}. Build it with \`${buildCommand}\` (from ${projectRoot}).`,
    );
  return st.wasmPath;
}

/**
 * Build the artifact if it is missing or stale, in a child process (so a build in progress elsewhere is
 * awaited through the build lock). Used by tests and benchmarks; throws if the build fails.
 */
export function buildIpoptWasmIfNeeded(): IpoptWasmStatus {
  const st = ipoptWasmStatus();
  if (st.upToDate) return st;
  const r = spawnSync(process.execPath, ["--import", "tsx", join("solvers", "ipopt", "build.ts")], {
    cwd: projectRoot,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (r.status !== 0)
    throw new Error(`Ipopt WebAssembly build failed (\`${buildCommand}\` exited with ${r.status})`);
  const after = ipoptWasmStatus();
  if (!after.upToDate)
    throw new Error("Ipopt WebAssembly build finished but the artifact is still missing or stale");
  return after;
}
