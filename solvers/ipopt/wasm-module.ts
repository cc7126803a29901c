/** Loading the Emscripten-built Ipopt module (one instance per call; compiled code shared per thread). */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { ensureIpoptWasm, ipoptWasmStatus } from "./artifact.ts";

/** Callbacks the JS library (glue/library.js) forwards to; pointers are byte offsets in the wasm heap. */
export interface WasmCallbacks {
  evalF(n: number, x: number, newX: number, obj: number): number;
  evalGradF(n: number, x: number, newX: number, grad: number): number;
  evalG(n: number, x: number, newX: number, m: number, g: number): number;
  evalJac(n: number, x: number, newX: number, m: number, nnz: number, values: number): number;
  evalH(
    n: number,
    x: number,
    newX: number,
    objFactor: number,
    m: number,
    lambda: number,
    newLambda: number,
    nnz: number,
    values: number,
  ): number;
  intermediate(mode: number, iter: number, obj: number, infPr: number, infDu: number, mu: number): number;
}

/** The parts of the Emscripten module the solver uses. */
export interface IpoptWasmModule {
  HEAPF64: Float64Array;
  HEAP32: Int32Array;
  HEAPU8: Uint8Array;
  mpCallbacks: WasmCallbacks | null;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  _mp_new(): number;
  _mp_delete(session: number): void;
  _mp_option_type(session: number, name: number): number;
  _mp_set_num_option(session: number, name: number, value: number): number;
  _mp_set_int_option(session: number, name: number, value: number): number;
  _mp_set_str_option(session: number, name: number, value: number): number;
  _mp_solve(
    session: number,
    n: number,
    m: number,
    xL: number,
    xU: number,
    gL: number,
    gU: number,
    nnzJac: number,
    jacRows: number,
    jacCols: number,
    nnzHess: number,
    hessRows: number,
    hessCols: number,
    x: number,
    lambda: number,
    zL: number,
    zU: number,
    g: number,
    obj: number,
    initMultipliers: number,
  ): number;
  _mp_iterations(session: number): number;
  _mp_finalized(session: number): number;
  _mp_messages(session: number): number;
  _mp_timings(session: number, out: number): void;
  UTF8ToString(ptr: number): string;
  stringToUTF8(s: string, ptr: number, maxBytes: number): void;
  lengthBytesUTF8(s: string): number;
}

type Factory = (opts: Record<string, unknown>) => Promise<IpoptWasmModule>;

/** A compiled WebAssembly.Module (opaque here; structured-clone safe, so it can be posted to workers). */
export type CompiledWasm = object;
type WasmInstance = { exports: object };
/** The slice of the WebAssembly API used here (the project's TS lib has no DOM/WebAssembly typings). */
const WA = (
  globalThis as unknown as {
    WebAssembly: {
      Module: new (bytes: Uint8Array) => CompiledWasm;
      Instance: new (module: CompiledWasm, imports: object) => WasmInstance;
    };
  }
).WebAssembly;

let compiled: CompiledWasm | null = null;
let factory: Factory | null = null;

/** The compiled WebAssembly.Module of this thread (compiled once; can be posted to workers). */
export function compiledIpoptModule(): CompiledWasm {
  compiled ??= new WA.Module(readFileSync(ensureIpoptWasm()));
  return compiled;
}

/**
 * Instantiate a fresh Ipopt module. `precompiled` lets a worker reuse a module compiled elsewhere.
 * Ipopt's console output (print_level > 0) goes to `print` (default: process.stderr).
 */
export async function instantiateIpopt(
  opts: { precompiled?: CompiledWasm; print?: (line: string) => void } = {},
): Promise<IpoptWasmModule> {
  if (opts.precompiled) compiled = opts.precompiled;
  const mod = compiledIpoptModule();
  if (!factory) {
    const require = createRequire(import.meta.url);
    factory = require(ipoptWasmStatus().jsPath) as Factory;
  }
  // Solver output never goes to stdout: that belongs to the caller's results (e.g. `mpopf solve --json`).
  const print = opts.print ?? ((line: string) => process.stderr.write(`${line}\n`));
  const instance = await factory({
    print,
    printErr: (line: string) => process.stderr.write(`${line}\n`),
    instantiateWasm(imports: object, receive: (instance: WasmInstance, module: CompiledWasm) => void) {
      const inst = new WA.Instance(mod, imports);
      receive(inst, mod);
      return inst.exports;
    },
  });
  instance.mpCallbacks = null;
  return instance;
}
