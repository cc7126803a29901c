import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

/**
 * Writes a run directory atomically: files go to a hidden temporary sibling folder, and `commit()`
 * swaps it into place with renames. If the run fails before `commit()`, `abort()` removes the
 * temporary folder and any previous run directory at the same path is left untouched.
 */
export class RunDirWriter {
  readonly target: string;
  readonly tmp: string;
  private done = false;

  constructor(target: string) {
    this.target = resolve(target);
    mkdirSync(dirname(this.target), { recursive: true });
    this.tmp = mkdtempSync(join(dirname(this.target), `.${basename(this.target)}.tmp-`));
    chmodSync(this.tmp, 0o755);
  }

  /** Absolute path of a file inside the (temporary) run directory; parent folders are created. */
  path(rel: string): string {
    const p = join(this.tmp, rel);
    mkdirSync(dirname(p), { recursive: true });
    return p;
  }

  /** Write a text or binary file into the run directory. */
  write(rel: string, data: string | Uint8Array): void {
    writeFileSync(this.path(rel), data);
  }

  /** Write a JSON file (2-space indented, trailing newline). */
  writeJson(rel: string, value: unknown): void {
    this.write(rel, `${JSON.stringify(value, null, 2)}\n`);
  }

  /** Move the finished run into place, replacing any previous run at the target path. */
  commit(): void {
    if (this.done) return;
    const old = existsSync(this.target) ? `${this.tmp}.old` : null;
    if (old) renameSync(this.target, old);
    renameSync(this.tmp, this.target);
    if (old) rmSync(old, { recursive: true, force: true });
    this.done = true;
  }

  /** Discard the temporary folder (after a failure). */
  abort(): void {
    if (this.done) return;
    rmSync(this.tmp, { recursive: true, force: true });
    this.done = true;
  }
}
