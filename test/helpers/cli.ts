import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "./reference.ts";

/** What a CLI run printed and returned. */
export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

/** Run `mpopf ARGS...` (bin/mpopf.js with this Node) in folder `cwd`, capturing exit code, stdout and stderr. */
export function runMpopf(cwd: string, ...args: string[]): CliRun {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, "bin/mpopf.js"), ...args], {
    encoding: "utf8",
    cwd,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
