/**
 * The real OpenDSS (the oracle's libdss_capi.so) loaded into this process through koffi, for
 * benchmarks that time it side by side with our engine: same machine, same process, no
 * subprocess or JSON in the timings. A handful of DSS C-API calls are bound (text commands and
 * a few solution counters). For benchmarks and tests only.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import type { Oracle } from "./oracle.ts";

// biome-ignore lint/suspicious/noExplicitAny: FFI boundary (koffi functions are untyped)
type Fn = (...args: any[]) => any;

/** The bound library. */
export interface OracleLib {
  /** Run one command; throws with OpenDSS's message when it reports an error. Returns the result text. */
  command(cmd: string): string;
  /** Solution.Iterations of the last solve. */
  iterations(): number;
  converged(): boolean;
  numNodes(): number;
  /** The DSS C-API version string. */
  version(): string;
}

let loaded: OracleLib | null = null;

/** Load the oracle's library into this process (once). */
export function loadOracleLib(oracle: Oracle): OracleLib {
  if (loaded) return loaded;
  if (!existsSync(oracle.library)) throw new Error(`no library at ${oracle.library}`);
  const require = createRequire(import.meta.url);
  const koffi = require("koffi");
  const lib = koffi.load(oracle.library);
  const f = (decl: string): Fn => lib.func(decl);
  const start: Fn = f("uint16 DSS_Start(int32 flags)");
  const allowForms: Fn = f("void DSS_Set_AllowForms(uint16 value)");
  const setCommand: Fn = f("void Text_Set_Command(const char *cmd)");
  const getResult: Fn = f("const char *Text_Get_Result()");
  const errNumber: Fn = f("int32 Error_Get_Number()");
  const errDescription: Fn = f("const char *Error_Get_Description()");
  const iterations: Fn = f("int32 Solution_Get_Iterations()");
  const converged: Fn = f("uint16 Solution_Get_Converged()");
  const numNodes: Fn = f("int32 Circuit_Get_NumNodes()");
  const version: Fn = f("const char *DSS_Get_Version()");
  start(0);
  allowForms(0);
  loaded = {
    command(cmd: string): string {
      setCommand(cmd);
      const n = errNumber() as number;
      if (n !== 0) throw new Error(`OpenDSS error ${n} in '${cmd}': ${errDescription() as string}`);
      return (getResult() as string | null) ?? "";
    },
    iterations: () => iterations() as number,
    converged: () => (converged() as number) !== 0,
    numNodes: () => numNodes() as number,
    version: () => (version() as string | null) ?? "",
  };
  return loaded;
}
