/**
 * Run directories: where `mpopf run`, `mpopf solve --out` and `mpopf report` write, and the rules that keep
 * a user's files safe.
 *
 * * A run directory is recognised by its marker file `.mpopf-run.json` (written last, holding the tool, the
 *   kind of run and an inventory of every file with its size and SHA-256), or — for runs written before the
 *   marker existed — by a `manifest.json` whose `tool.name` is `mpopf`.
 * * `--out X` replaces X only when X is such a run directory. An empty folder is replaced only with `force`;
 *   anything else (a project folder, a file, a non-empty folder) is refused with a named error. The working
 *   directory, its parents, the case folder and its parents are always refused. A symlink keeps its link:
 *   the run is written where it points.
 * * Files go to a hidden temporary sibling (`.X.tmp-*`); `commit()` swaps it with the old run in one atomic
 *   exchange (Linux `renameat2(RENAME_EXCHANGE)`; elsewhere two renames with recovery at the next start),
 *   so at every instant either the old or the new run is at X. A killed run leaves only a hidden sibling,
 *   removed by the next writer once its process is gone.
 * * A lock file `.X.lock` (holding the writer's pid) makes a second concurrent writer to X fail at once.
 * * The checks and the lock happen in the constructor, before any solving: an unwritable or forbidden target
 *   fails before work is done.
 */
import { createHash } from "node:crypto";
import {
  chmodSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { hostname } from "node:os";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { InputError } from "../models/errors.ts";

/** Name of the marker file that makes a folder an mpopf run directory. */
export const RUN_MARKER = ".mpopf-run.json";
/** Written into a temporary folder while it is being filled (pid and host of the writer). */
const WRITING_FILE = ".mpopf-writing.json";

/** Contents of the marker file. */
export interface RunMarker {
  tool: "mpopf";
  version: string;
  /** What wrote the run: the main job, or a solve's `--out`. */
  kind: string;
  /** ISO time of the commit. */
  written: string;
  /** Every file of the run (relative path, forward slashes) with its size and SHA-256. */
  files: Record<string, { bytes: number; sha256: string }>;
}

/** The package version (package.json), recorded in markers and manifests. */
export const PACKAGE_VERSION: string = JSON.parse(
  readFileSync(new URL("../package.json", import.meta.url), "utf8"),
).version;

/** Options of a run-directory writer. */
export interface RunDirOptions {
  /** Kind recorded in the marker (e.g. "run", "solve"). */
  kind: string;
  /** Replace an existing empty folder that is not a run directory. */
  force?: boolean;
  /** Folders that must never be replaced, nor any of their parents (e.g. the case folder). */
  protect?: string[];
  /** Command-line field named in errors (default "out"). */
  field?: string;
}

const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

function err(detail: string, file: string, field: string): InputError {
  return new InputError("bad-output", detail, { file, element: `--${field}` });
}

/** Is `inner` equal to `outer` or inside it? (both absolute, real paths) */
function within(inner: string, outer: string): boolean {
  const rel = relative(outer, inner);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

/** Real path of an existing path, or of its nearest existing parent joined with the rest. */
function realish(p: string): string {
  const abs = resolve(p);
  if (existsSync(abs)) return realpathSync(abs);
  const parent = dirname(abs);
  return parent === abs ? abs : join(realish(parent), basename(abs));
}

/** Read a run directory's marker, or null when the folder has none (or it is not valid). */
export function readRunMarker(dir: string): RunMarker | null {
  const f = join(dir, RUN_MARKER);
  if (!existsSync(f)) return null;
  try {
    const m = JSON.parse(readFileSync(f, "utf8")) as RunMarker;
    return m && m.tool === "mpopf" && typeof m.files === "object" && m.files !== null ? m : null;
  } catch {
    return null;
  }
}

/** Whether a folder is a run directory written by mpopf (marker, or a legacy mpopf manifest). */
export function isRunDir(dir: string): boolean {
  if (readRunMarker(dir)) return true;
  try {
    const m = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
    return m?.tool?.name === "mpopf";
  } catch {
    return false;
  }
}

/**
 * Check that `dir` is a complete mpopf run directory: the marker is there and every file of its inventory
 * exists (files matching `skip` are not checked; contents are checked by their readers, so a table edited by
 * hand is allowed). Throws an InputError naming the first problem; returns the marker.
 */
export function checkRunDir(dir: string, skip: (rel: string) => boolean = () => false): RunMarker {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new InputError("missing-file", "not a run directory (no such folder)", { file: dir });
  }
  const m = readRunMarker(dir);
  if (!m) {
    throw new InputError(
      "bad-run-dir",
      `not a complete mpopf run directory (no valid ${RUN_MARKER}: written last by mpopf run / solve --out; a run that was interrupted or a folder of other files has none)`,
      { file: dir },
    );
  }
  for (const rel of Object.keys(m.files)) {
    if (skip(rel)) continue;
    if (!existsSync(join(dir, rel))) {
      throw new InputError("bad-run-dir", `incomplete run directory: '${rel}' is missing`, { file: dir });
    }
  }
  return m;
}

/** Is a process with this pid alive on this host? */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

interface Owner {
  pid: number;
  host: string;
}

function readOwner(file: string): Owner | null {
  try {
    const o = JSON.parse(readFileSync(file, "utf8")) as Owner;
    return typeof o.pid === "number" && typeof o.host === "string" ? o : null;
  } catch {
    return null;
  }
}

/** Is this owner record a live process (another host's owner counts as alive: it cannot be checked)? */
function ownerAlive(o: Owner | null): boolean {
  return o !== null && (o.host !== hostname() || alive(o.pid));
}

// --- atomic exchange ------------------------------------------------------------------------------------

type Exchange = (a: string, b: string) => boolean;
let exchangeImpl: Exchange | null | undefined;

/** `renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)` through koffi on Linux, or null when unavailable. */
function atomicExchange(): Exchange | null {
  if (exchangeImpl !== undefined) return exchangeImpl;
  exchangeImpl = null;
  if (process.platform !== "linux" || process.env.MPOPF_NO_RENAME_EXCHANGE === "1") return null;
  try {
    const koffi = createRequire(import.meta.url)("koffi");
    const libc = koffi.load("libc.so.6");
    const fn = libc.func("int renameat2(int, const char *, int, const char *, unsigned int)");
    const AT_FDCWD = -100;
    const RENAME_EXCHANGE = 2;
    exchangeImpl = (a, b) => fn(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) === 0;
  } catch {
    exchangeImpl = null;
  }
  return exchangeImpl;
}

/**
 * A folder written atomically: files go to a hidden temporary sibling, `commit()` puts it in place of the
 * target (exchanging it with what was there), `abort()` removes it. No policy: `RunDirWriter` decides what
 * may be replaced; this class is also used for a run directory's own `report/` folder.
 */
export class AtomicDir {
  readonly target: string;
  readonly tmp: string;
  protected done = false;
  private readonly written = new Map<string, { bytes: number; sha256: string }>();

  constructor(target: string) {
    this.target = target;
    const parent = dirname(target);
    mkdirSync(parent, { recursive: true });
    cleanStale(parent, basename(target));
    this.tmp = mkdtempSync(join(parent, `.${basename(target)}.tmp-`));
    writeFileSync(join(this.tmp, WRITING_FILE), JSON.stringify({ pid: process.pid, host: hostname() }));
    chmodSync(this.tmp, 0o755);
  }

  /** Absolute path of a file inside the (temporary) folder; parent folders are created. */
  path(rel: string): string {
    const p = join(this.tmp, rel);
    if (!within(p, this.tmp) || p === this.tmp) throw new Error(`path '${rel}' leaves the run directory`);
    mkdirSync(dirname(p), { recursive: true });
    return p;
  }

  /** Write a text or binary file into the folder. */
  write(rel: string, data: string | Uint8Array): void {
    writeFileSync(this.path(rel), data);
    const bytes = typeof data === "string" ? Buffer.byteLength(data) : data.length;
    this.written.set(rel.split(sep).join("/"), { bytes, sha256: sha256(data) });
  }

  /** Write a JSON file (2-space indented, trailing newline). */
  writeJson(rel: string, value: unknown): void {
    this.write(rel, `${JSON.stringify(value, null, 2)}\n`);
  }

  /** Every file written so far, with size and SHA-256. */
  inventory(): Record<string, { bytes: number; sha256: string }> {
    return Object.fromEntries([...this.written].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** Put the folder in place of the target, atomically where the platform allows. */
  commit(): void {
    if (this.done) return;
    rmSync(join(this.tmp, WRITING_FILE), { force: true });
    swapIntoPlace(this.tmp, this.target);
    this.done = true;
  }

  /** Discard the temporary folder (after a failure). */
  abort(): void {
    if (this.done) return;
    rmSync(this.tmp, { recursive: true, force: true });
    this.done = true;
  }
}

/** Move `tmp` to `target`, replacing what is there; the old content is removed afterwards. */
function swapIntoPlace(tmp: string, target: string): void {
  if (!existsSync(target)) {
    renameSync(tmp, target);
    return;
  }
  const exchange = atomicExchange();
  if (exchange?.(tmp, target)) {
    rmSync(tmp, { recursive: true, force: true }); // tmp now holds the old run
    return;
  }
  // Two renames; a crash between them leaves `.X.old-*` beside a missing X, restored by cleanStale().
  const old = `${tmp.replace(/\.tmp-([^/]*)$/, ".old-$1")}`;
  renameSync(target, old);
  renameSync(tmp, target);
  rmSync(old, { recursive: true, force: true });
}

/**
 * Remove the hidden siblings (`.X.tmp-*`) that killed writers of `X` left behind, and put back an old run
 * (`.X.old-*`) whose swap was interrupted (fallback path without atomic exchange).
 */
function cleanStale(parent: string, base: string): void {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return;
  }
  const target = join(parent, base);
  for (const n of names) {
    const p = join(parent, n);
    if (n.startsWith(`.${base}.tmp-`)) {
      const owner = readOwner(join(p, WRITING_FILE));
      if (owner ? !ownerAlive(owner) : ageSeconds(p) > 5) rmSync(p, { recursive: true, force: true });
    } else if (n.startsWith(`.${base}.old-`)) {
      if (!existsSync(target)) renameSync(p, target);
      else rmSync(p, { recursive: true, force: true });
    }
  }
}

function ageSeconds(p: string): number {
  try {
    return (Date.now() - statSync(p).mtimeMs) / 1000;
  } catch {
    return 0;
  }
}

// --- the run-directory writer ---------------------------------------------------------------------------

/**
 * Writes a run directory atomically and safely (see the module comment): the constructor checks the target
 * against the rules, takes the lock and creates the temporary sibling; `commit()` writes the marker last and
 * swaps the run into place; `abort()` discards it. Either way the lock is released.
 */
export class RunDirWriter extends AtomicDir {
  /** The path the user named (a symlink stays a symlink; the run is written where it points). */
  readonly requested: string;
  private readonly kind: string;
  private readonly lock: string;

  constructor(target: string, opts: RunDirOptions) {
    const field = opts.field ?? "out";
    const real = checkTarget(target, opts, field);
    const lock = takeLock(real, field);
    try {
      super(real);
    } catch (e) {
      rmSync(lock, { force: true });
      throw writeError(e, real, field);
    }
    this.requested = resolve(target);
    this.kind = opts.kind;
    this.lock = lock;
    active.add(this);
  }

  override commit(): void {
    if (this.done) return;
    const marker: RunMarker = {
      tool: "mpopf",
      version: PACKAGE_VERSION,
      kind: this.kind,
      written: new Date().toISOString(),
      files: this.inventory(),
    };
    writeFileSync(join(this.tmp, RUN_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
    try {
      super.commit();
    } finally {
      this.release();
    }
  }

  override abort(): void {
    try {
      super.abort();
    } finally {
      this.release();
    }
  }

  private release(): void {
    rmSync(this.lock, { force: true });
    active.delete(this);
  }
}

/** Writers not yet committed or aborted (aborted when the process is interrupted). */
const active = new Set<RunDirWriter>();

/** Abort every unfinished run-directory writer (on SIGINT / SIGTERM). */
export function abortActiveWriters(): void {
  for (const w of [...active]) w.abort();
}

function writeError(e: unknown, path: string, field: string): Error {
  const ne = e as NodeJS.ErrnoException;
  if (typeof ne?.code === "string") return err(`cannot write here: ${osCause(ne)}`, path, field);
  return e as Error;
}

/** A short cause for an operating-system error (EACCES → "permission denied"). */
export function osCause(e: NodeJS.ErrnoException): string {
  const causes: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    EROFS: "read-only file system",
    ENOSPC: "no space left on the device",
    EDQUOT: "disk quota exceeded",
    ENOTDIR: "a part of the path is not a folder",
    EISDIR: "is a folder, not a file",
    ENOENT: "no such file or folder",
    EEXIST: "already exists",
    ENAMETOOLONG: "name too long",
    ELOOP: "too many levels of symbolic links",
    EMFILE: "too many open files",
    EBUSY: "resource busy",
    EXDEV: "cross-device link",
    EIO: "input/output error",
  };
  return causes[e.code ?? ""] ?? `${e.code ?? "error"}`;
}

/** Apply the replacement rules; returns the real path to write (symlinks followed). */
function checkTarget(target: string, opts: RunDirOptions, field: string): string {
  if (target.trim() === "") throw err("empty path (an unset variable?)", "''", field);
  const requested = resolve(target);
  let real = realish(requested);
  try {
    if (lstatSync(requested).isSymbolicLink() && !existsSync(requested)) {
      real = resolve(dirname(requested), readlinkSync(requested)); // dangling link: write where it points
    }
  } catch {
    // does not exist: fine
  }
  const cwd = realish(process.cwd());
  if (within(cwd, real)) {
    throw err(
      real === cwd
        ? "is the working directory: choose a new folder for the run"
        : "is a parent of the working directory: choose a new folder for the run",
      target,
      field,
    );
  }
  for (const p of opts.protect ?? []) {
    const rp = realish(p);
    if (within(rp, real)) {
      throw err(
        `${real === rp ? "is" : "contains"} the case folder ${p}: the run would replace the input`,
        target,
        field,
      );
    }
  }
  if (!existsSync(real)) {
    const parent = dirname(real);
    if (existsSync(parent) && !statSync(parent).isDirectory()) {
      throw err(`cannot create it: ${parent} is a file, not a folder`, target, field);
    }
    return real;
  }
  const st = statSync(real);
  if (!st.isDirectory()) {
    throw err("exists and is a file, not a run directory: refusing to replace it", target, field);
  }
  if (isRunDir(real)) return real;
  const empty = readdirSync(real).length === 0;
  if (empty && opts.force) return real;
  throw err(
    empty
      ? "is an existing empty folder that mpopf did not write: pass --force to use it"
      : `is a folder that mpopf did not write (no ${RUN_MARKER}): refusing to replace it; choose a new folder`,
    target,
    field,
  );
}

/** Take `.X.lock` beside the target (replacing a stale one); throws when another live writer holds it. */
function takeLock(real: string, field: string): string {
  const parent = dirname(real);
  try {
    mkdirSync(parent, { recursive: true });
  } catch (e) {
    throw writeError(e, parent, field);
  }
  const lock = join(parent, `.${basename(real)}.lock`);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, "wx");
      writeFileSync(fd, JSON.stringify({ pid: process.pid, host: hostname() }));
      closeSync(fd);
      return lock;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw writeError(e, parent, field);
      const owner = readOwner(lock);
      if (ownerAlive(owner) || (owner === null && ageSeconds(lock) < 5)) {
        throw err(
          `another mpopf process${owner ? ` (pid ${owner.pid}${owner.host !== hostname() ? ` on ${owner.host}` : ""})` : ""} is writing this run directory; wait for it or choose another folder`,
          real,
          field,
        );
      }
      rmSync(lock, { force: true }); // stale: its writer is gone
    }
  }
  throw err("cannot take the lock", real, field);
}

/**
 * Refresh the marker's inventory after files inside a committed run directory were rewritten (e.g. by
 * `mpopf report`): entries for `changed` paths are recomputed from disk, atomically (temp file + rename).
 */
export function updateRunMarker(dir: string, changed: (rel: string) => boolean, present: string[]): void {
  const m = readRunMarker(dir);
  if (!m) return;
  const files: RunMarker["files"] = {};
  for (const [rel, v] of Object.entries(m.files)) if (!changed(rel)) files[rel] = v;
  for (const rel of present) {
    const data = readFileSync(join(dir, rel));
    files[rel] = { bytes: data.length, sha256: sha256(data) };
  }
  m.files = Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const tmp = join(dir, `${RUN_MARKER}.tmp-${process.pid}`);
  writeFileSync(tmp, `${JSON.stringify(m, null, 2)}\n`);
  renameSync(tmp, join(dir, RUN_MARKER));
}
