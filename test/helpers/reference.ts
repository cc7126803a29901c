import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * Locate the shared reference data (`../shared/reference` beside the repository by default, or
 * `$MPOPF_REFERENCE`). Under CI (`CI=true`) a missing folder is a failure; elsewhere tests that
 * need it are skipped with a visible message.
 */
export function referenceDir(sub = ""): { dir: string; available: boolean } {
  const base = process.env.MPOPF_REFERENCE ?? resolve(repoRoot, "../shared/reference");
  const dir = resolve(base, sub);
  const available = existsSync(dir);
  if (!available) {
    const msg = `reference data not found at ${dir} (set MPOPF_REFERENCE to the shared/reference folder)`;
    if (process.env.CI === "true") throw new Error(`CI=true and ${msg}`);
    process.stderr.write(`\n*** SKIPPING tests that need ${msg} ***\n\n`);
  }
  return { dir, available };
}

/** Absolute path of the repository root. */
export const REPO_ROOT = repoRoot;
