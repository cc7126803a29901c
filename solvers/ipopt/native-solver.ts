/**
 * The native cross-check backend: Debian's Ipopt 3.11.9 + MUMPS (package coinor-libipopt1v5) through koffi.
 *
 * MUMPS is not thread-safe, so this backend runs only on the main thread of a process and never re-enters
 * itself: at most one native solve runs per process at any time.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { isMainThread } from "node:worker_threads";
import type { NlpProblem, NlpResult, NlpSolveOptions, NlpSolver, NlpSolverIdentity } from "../nlp/types.ts";
import { validateNlpProblem } from "../nlp/validate.ts";
import { asError, finiteBounds, IPOPT_INTEGER_OPTIONS, prepareSolve, refusedOption } from "./options.ts";
import { ipoptStatus, isSuccess } from "./status.ts";

/** Identity reported by the native backend. */
export const NATIVE_IDENTITY: NlpSolverIdentity = {
  name: "Ipopt",
  version: "3.11.9",
  linearSolver: "mumps",
  backend: "native",
};

/** Where Debian installs the library (coinor-libipopt1v5), tried in order. */
export const NATIVE_IPOPT_PATHS = ["/usr/lib/libipopt.so.1", "/usr/lib/x86_64-linux-gnu/libipopt.so.1"];

/** Path of Debian's libipopt, or null when the package is not installed. */
export function findNativeIpopt(): string | null {
  return NATIVE_IPOPT_PATHS.find((p) => existsSync(p)) ?? null;
}

// koffi's types are loose (any); keep them behind this small surface.
// biome-ignore lint/suspicious/noExplicitAny: FFI boundary
type Fn = (...args: any[]) => any;
interface NativeLib {
  create: Fn;
  free: Fn;
  addStr: Fn;
  addNum: Fn;
  addInt: Fn;
  setIntermediate: Fn;
  solve: Fn;
  view: (ptr: unknown, bytes: number) => ArrayBuffer;
  /** Run `fn` with file descriptor 1 pointing at stderr (Ipopt's C code prints to stdout). */
  toStderr: <T>(fn: () => T) => T;
  callbacks: { f: unknown; g: unknown; gradF: unknown; jac: unknown; hess: unknown; inter: unknown };
}

/** The problem being solved right now (callbacks are registered once and dispatch through this). */
interface Current {
  problem: NlpProblem;
  error: Error | null;
  iterations: number;
  views: Map<string, Float64Array | Int32Array>;
  progress?: NlpSolveOptions["progress"];
  t0: number;
}
let current: Current | null = null;
let lib: NativeLib | null = null;

function f64(ptr: unknown, len: number): Float64Array {
  const c = current!;
  const key = `d${String(ptr)}:${len}`;
  let v = c.views.get(key) as Float64Array | undefined;
  if (!v) {
    v = new Float64Array(lib!.view(ptr, len * 8));
    c.views.set(key, v);
  }
  return v;
}

function i32(ptr: unknown, len: number): Int32Array {
  return new Int32Array(lib!.view(ptr, len * 4));
}

/** Run a callback body; a thrown error is kept and Ipopt is told the evaluation failed. */
function guarded(fn: (c: Current) => void): number {
  const c = current;
  if (!c || c.error) return 0;
  try {
    fn(c);
    return 1;
  } catch (e) {
    c.error = asError(e);
    return 0;
  }
}

function loadLibrary(path: string): NativeLib {
  const require = createRequire(import.meta.url);
  const koffi = require("koffi");
  const ipopt = koffi.load(path);
  const EvalF = koffi.proto("int mpopf_eval_f(int n, double *x, int new_x, double *obj, void *ud)");
  const EvalGradF = koffi.proto("int mpopf_eval_grad_f(int n, double *x, int new_x, double *grad, void *ud)");
  const EvalG = koffi.proto("int mpopf_eval_g(int n, double *x, int new_x, int m, double *g, void *ud)");
  const EvalJac = koffi.proto(
    "int mpopf_eval_jac(int n, double *x, int new_x, int m, int nele, int *iRow, int *jCol, double *values, void *ud)",
  );
  const EvalH = koffi.proto(
    "int mpopf_eval_h(int n, double *x, int new_x, double obj_factor, int m, double *lambda, int new_lambda, int nele, int *iRow, int *jCol, double *values, void *ud)",
  );
  const Inter = koffi.proto(
    "int mpopf_intermediate(int alg_mod, int iter, double obj, double inf_pr, double inf_du, double mu, double d_norm, double reg, double alpha_du, double alpha_pr, int ls_trials, void *ud)",
  );
  const Problem = koffi.pointer("mpopf_IpoptProblem", koffi.opaque());
  const create = ipopt.func("CreateIpoptProblem", Problem, [
    "int",
    "double *",
    "double *",
    "int",
    "double *",
    "double *",
    "int",
    "int",
    "int",
    koffi.pointer(EvalF),
    koffi.pointer(EvalG),
    koffi.pointer(EvalGradF),
    koffi.pointer(EvalJac),
    koffi.pointer(EvalH),
  ]);
  const callbacks = {
    f: koffi.register(
      (n: number, x: unknown, _nx: number, obj: unknown) =>
        guarded((c) => {
          f64(obj, 1)[0] = c.problem.evalF(f64(x, n));
        }),
      koffi.pointer(EvalF),
    ),
    gradF: koffi.register(
      (n: number, x: unknown, _nx: number, grad: unknown) =>
        guarded((c) => c.problem.evalGradF(f64(x, n), f64(grad, n))),
      koffi.pointer(EvalGradF),
    ),
    g: koffi.register(
      (n: number, x: unknown, _nx: number, m: number, g: unknown) =>
        guarded((c) => c.problem.evalG(f64(x, n), f64(g, m))),
      koffi.pointer(EvalG),
    ),
    jac: koffi.register(
      (
        n: number,
        x: unknown,
        _nx: number,
        _m: number,
        nele: number,
        iRow: unknown,
        jCol: unknown,
        values: unknown,
      ) =>
        guarded((c) => {
          if (values === null) {
            i32(iRow, nele).set(c.problem.jacRows);
            i32(jCol, nele).set(c.problem.jacCols);
          } else c.problem.evalJac(f64(x, n), f64(values, nele));
        }),
      koffi.pointer(EvalJac),
    ),
    hess: koffi.register(
      (
        n: number,
        x: unknown,
        _nx: number,
        objFactor: number,
        m: number,
        lambda: unknown,
        _nl: number,
        nele: number,
        iRow: unknown,
        jCol: unknown,
        values: unknown,
      ) =>
        guarded((c) => {
          if (values === null) {
            i32(iRow, nele).set(c.problem.hessRows);
            i32(jCol, nele).set(c.problem.hessCols);
          } else c.problem.evalHess(f64(x, n), objFactor, f64(lambda, m), f64(values, nele));
        }),
      koffi.pointer(EvalH),
    ),
    inter: koffi.register(
      (mode: number, iter: number, obj: number, infPr: number, infDu: number, mu: number) => {
        const c = current;
        if (!c) return 0;
        c.iterations = iter;
        if (c.progress && !c.error) {
          const p = c.progress;
          guarded(() =>
            p({
              iteration: iter,
              objective: obj,
              primalInfeasibility: infPr,
              dualInfeasibility: infDu,
              mu,
              restoration: mode === 1,
              elapsedSeconds: (performance.now() - c.t0) / 1000,
            }),
          );
        }
        return c.error ? 0 : 1;
      },
      koffi.pointer(Inter),
    ),
  };
  const libc = koffi.load("libc.so.6");
  const dup = libc.func("int dup(int)");
  const dup2 = libc.func("int dup2(int, int)");
  const close = libc.func("int close(int)");
  const fflush = libc.func("int fflush(void *)");
  const toStderr = <T>(fn: () => T): T => {
    fflush(null);
    const saved = dup(1);
    if (saved < 0) return fn();
    dup2(2, 1);
    try {
      return fn();
    } finally {
      fflush(null);
      dup2(saved, 1);
      close(saved);
    }
  };
  return {
    toStderr,
    create,
    free: ipopt.func("void FreeIpoptProblem(mpopf_IpoptProblem *p)"),
    addStr: ipopt.func("int AddIpoptStrOption(mpopf_IpoptProblem *p, const char *k, const char *v)"),
    addNum: ipopt.func("int AddIpoptNumOption(mpopf_IpoptProblem *p, const char *k, double v)"),
    addInt: ipopt.func("int AddIpoptIntOption(mpopf_IpoptProblem *p, const char *k, int v)"),
    setIntermediate: ipopt.func("SetIntermediateCallback", "int", [Problem, koffi.pointer(Inter)]),
    solve: ipopt.func(
      "int IpoptSolve(mpopf_IpoptProblem *p, _Inout_ double *x, _Inout_ double *g, _Inout_ double *obj, _Inout_ double *mult_g, _Inout_ double *mult_x_L, _Inout_ double *mult_x_U, void *ud)",
    ),
    view: koffi.view,
    callbacks,
  };
}

/** Pass options to an Ipopt problem (types from IPOPT_INTEGER_OPTIONS); the first rejected one, or null. */
function applyOptions(
  L: NativeLib,
  handle: unknown,
  options: Record<string, number | string>,
): string | null {
  for (const [k, v] of Object.entries(options)) {
    const refused = refusedOption(k);
    if (refused) return refused;
    const ok =
      typeof v === "string"
        ? L.addStr(handle, k, v)
        : IPOPT_INTEGER_OPTIONS.has(k)
          ? L.addInt(handle, k, v)
          : L.addNum(handle, k, v);
    if (!ok) return `option ${k}: Ipopt rejected ${JSON.stringify(v)} (unknown option or bad value)`;
  }
  return null;
}

class NativeIpoptSolver implements NlpSolver {
  readonly identity = NATIVE_IDENTITY;

  checkOptions(options: Record<string, number | string>): string | null {
    const L = lib!;
    const one = new Float64Array([0]);
    const handle = L.create(
      1,
      one,
      one,
      0,
      null,
      null,
      0,
      0,
      0,
      L.callbacks.f,
      L.callbacks.g,
      L.callbacks.gradF,
      L.callbacks.jac,
      L.callbacks.hess,
    );
    if (!handle) return "CreateIpoptProblem failed";
    try {
      return L.toStderr(() => applyOptions(L, handle, options));
    } finally {
      L.free(handle);
    }
  }

  solve(problem: NlpProblem, options: NlpSolveOptions = {}): NlpResult {
    if (current)
      throw new Error("a native Ipopt solve is already running in this process (MUMPS is not re-entrant)");
    validateNlpProblem(problem);
    const prep = prepareSolve(problem, options);
    const L = lib!;
    const { n, m } = problem;
    const handle = L.create(
      n,
      finiteBounds(problem.xL),
      finiteBounds(problem.xU),
      m,
      finiteBounds(problem.gL),
      finiteBounds(problem.gU),
      problem.jacRows.length,
      problem.hessRows.length,
      0,
      L.callbacks.f,
      L.callbacks.g,
      L.callbacks.gradF,
      L.callbacks.jac,
      L.callbacks.hess,
    );
    if (!handle) throw new Error("CreateIpoptProblem failed (invalid sizes)");
    try {
      const optionError = prep.optionError ?? L.toStderr(() => applyOptions(L, handle, prep.options));
      L.setIntermediate(handle, L.callbacks.inter);
      const x = Float64Array.from(prep.x0);
      const g = new Float64Array(m);
      const obj = new Float64Array([Number.NaN]);
      const lambda = prep.multipliers ? Float64Array.from(prep.multipliers.lambda) : new Float64Array(m);
      const zL = prep.multipliers ? Float64Array.from(prep.multipliers.zL) : new Float64Array(n);
      const zU = prep.multipliers ? Float64Array.from(prep.multipliers.zU) : new Float64Array(n);
      if (optionError) {
        const info = ipoptStatus(-12);
        return {
          ...info,
          statusCode: -12,
          success: false,
          message: `${info.message} ${optionError}`,
          x,
          objective: Number.NaN,
          g: g.fill(Number.NaN),
          lambda,
          zL,
          zU,
          iterations: 0,
          solveSeconds: 0,
          solver: NATIVE_IDENTITY,
          options: { ...prep.options },
        };
      }
      const ctx: Current = {
        problem,
        error: null,
        iterations: 0,
        views: new Map(),
        progress: options.progress,
        t0: performance.now(),
      };
      current = ctx;
      const t0 = performance.now();
      let code: number;
      try {
        code = L.toStderr(() => L.solve(handle, x, g, obj, lambda, zL, zU, null));
      } finally {
        current = null;
      }
      if (ctx.error) throw ctx.error;
      const solveSeconds = (performance.now() - t0) / 1000;
      const iterations = ctx.iterations;
      const info = ipoptStatus(code);
      return {
        status: info.status,
        statusCode: code,
        success: isSuccess(info.status),
        message: info.message,
        x,
        objective: obj[0]!,
        g,
        lambda,
        zL,
        zU,
        iterations,
        solveSeconds,
        solver: NATIVE_IDENTITY,
        options: { ...prep.options },
      };
    } finally {
      L.free(handle);
    }
  }
}

/** The native Ipopt+MUMPS backend (main thread only); throws a clear error when the library is absent. */
export function createNativeIpoptSolver(): NlpSolver {
  if (!isMainThread)
    throw new Error("the native Ipopt backend runs only on the main thread (MUMPS is not thread-safe)");
  const path = findNativeIpopt();
  if (!path)
    throw new Error(
      `Debian's native Ipopt is not installed (looked for ${NATIVE_IPOPT_PATHS.join(", ")}). Install it with ` +
        "`apt-get install -y coinor-libipopt1v5` (or run `node --import tsx solvers/ipopt/build.ts --with-native` as root).",
    );
  lib ??= loadLibrary(path);
  return new NativeIpoptSolver();
}
