/**
 * Reading the user's input files safely: only regular files (not a FIFO, a device or a folder), at most
 * `maxInputBytes()` bytes, and operating-system errors turned into InputErrors naming the path and the cause.
 * Used by every reader of user input (case files, CSV tables, OpenDSS scripts and the files they name).
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { InputError, jsonErrorLocation } from "./errors.ts";

/** Default limit on the size of one input file (bytes): 256 MiB; `MPOPF_MAX_INPUT_BYTES` overrides it. */
export const DEFAULT_MAX_INPUT_BYTES = 256 * 1024 * 1024;

/** The size limit on one input file, in bytes. */
export function maxInputBytes(): number {
  const env = Number(process.env.MPOPF_MAX_INPUT_BYTES);
  return Number.isFinite(env) && env > 0 ? env : DEFAULT_MAX_INPUT_BYTES;
}

const CAUSE: Record<string, string> = {
  ENOENT: "not found",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "is a folder, not a file",
  ENOTDIR: "a part of the path is not a folder",
  ELOOP: "too many levels of symbolic links",
  ENAMETOOLONG: "name too long",
  EMFILE: "too many open files",
  EIO: "input/output error",
};

/**
 * Read a user's input file as UTF-8 text. `what` names it in errors ("case", "CSV", "OpenDSS script").
 * Throws InputError: missing-file (with the OS cause), not-a-file (folder, FIFO, device, socket),
 * too-large (beyond the limit; the file is never read past it).
 */
export function readInputFile(path: string, what: string): string {
  return readInputBytes(path, what).toString("utf8");
}

/** Like `readInputFile`, returning the raw bytes (for binary loadshape files). */
export function readInputBytes(path: string, what: string): Buffer {
  // O_NONBLOCK: opening a FIFO without a writer must not block; fstat then refuses it.
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "";
    throw new InputError("missing-file", `${what} file ${CAUSE[code] ?? `cannot be opened (${code})`}`, {
      file: path,
    });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      const kind = st.isDirectory()
        ? "a folder"
        : st.isFIFO()
          ? "a named pipe (FIFO)"
          : st.isCharacterDevice() || st.isBlockDevice()
            ? "a device"
            : st.isSocket()
              ? "a socket"
              : "not a regular file";
      throw new InputError("not-a-file", `${what} file is ${kind}, not a regular file`, { file: path });
    }
    const limit = maxInputBytes();
    if (st.size > limit) {
      throw new InputError(
        "too-large",
        `${what} file is ${st.size} bytes, above the limit of ${limit} bytes (MPOPF_MAX_INPUT_BYTES raises it)`,
        { file: path },
      );
    }
    // Read in chunks up to limit + 1: a file that grows while read (or reports size 0, like /proc files)
    // still cannot exceed the limit.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, limit + 1 - total));
      if (buf.length === 0) break;
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      chunks.push(buf.subarray(0, n));
      total += n;
      if (total > limit) {
        throw new InputError("too-large", `${what} file is larger than the limit of ${limit} bytes`, {
          file: path,
        });
      }
    }
    return Buffer.concat(chunks, total);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? "";
    throw new InputError("missing-file", `${what} file cannot be read: ${CAUSE[code] ?? code}`, {
      file: path,
    });
  } finally {
    closeSync(fd);
  }
}

/** Read and parse a JSON input file; a syntax error names the file, line and column, never the content. */
export function readJsonFile(path: string, what: string): unknown {
  const text = readInputFile(path, what);
  try {
    return JSON.parse(text);
  } catch (e) {
    const loc = jsonErrorLocation(text, e);
    throw new InputError("parse", loc.detail, { file: path, line: loc.line });
  }
}
