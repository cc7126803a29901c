/**
 * Build entry point for Ipopt in WebAssembly:  `node --import tsx solvers/ipopt/build.ts [--force] [--with-native]`
 *
 * Idempotent: if build/ipopt/dist holds an artifact whose key (hash of the own C/C++ sources, the JS glue
 * and all build flags) matches, it is reused. Otherwise it
 *   1. installs the Debian packages it needs when they are absent (emscripten, dpkg-dev; with
 *      --with-native also coinor-libipopt1v5 for the native cross-check backend) — root only;
 *   2. fetches Ipopt 3.11.9 and SuiteSparse (for AMD) with `apt-get source` into build/ipopt/src,
 *      adding a deb-src entry for the machine's Debian mirror first if there is none (root only);
 *   3. compiles Ipopt, AMD and the own sources with em++ (upstream objects are cached per flag set);
 *   4. links build/ipopt/dist/ipopt.cjs + ipopt.wasm and writes stamp.json.
 * Prints each step; exits non-zero with a clear message on failure. Concurrent runs serialise on a lock.
 */
import { execFileSync, spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { readStamp, type WasmStamp } from "./artifact.ts";
import {
  amdUnits,
  artifactKey,
  buildDir,
  cFlags,
  commonFlags,
  csrcDir,
  cxxFlags,
  distDir,
  flagsKey,
  glueLibrary,
  ipoptIncludeDirs,
  ipoptSource,
  ipoptUnits,
  linkFlags,
  srcDir,
  suitesparseSource,
} from "./build-config.ts";

/** A build failure with a message meant for the person running the build. */
export class IpoptBuildError extends Error {
  override name = "IpoptBuildError";
}

function log(msg: string): void {
  process.stdout.write(`[ipopt-wasm] ${msg}\n`);
}

function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

function hasCommand(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

function run(cmd: string, args: string[], opts: { cwd?: string; show?: string } = {}): void {
  log(`$ ${opts.show ?? `${cmd} ${args.join(" ")}`}${opts.cwd ? `   (in ${opts.cwd})` : ""}`);
  const r = spawnSync(cmd, args, { cwd: opts.cwd, stdio: "inherit", env: toolEnv() });
  if (r.error) throw new IpoptBuildError(`could not run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new IpoptBuildError(`${cmd} ${args.join(" ")} exited with status ${r.status}`);
}

/** Environment for emscripten: Debian's emcc needs NODE_PATH for acorn; its cache is frozen (no EM_CACHE). */
function toolEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_PATH: "/usr/share/nodejs" };
  delete env.EM_CACHE;
  return env;
}

function dpkgInstalled(pkg: string): boolean {
  const r = spawnSync("dpkg-query", ["-W", `-f=\${Status}`, pkg], { encoding: "utf8" });
  return r.status === 0 && r.stdout.includes("install ok installed");
}

let aptUpdated = false;
function aptInstall(pkgs: string[], why: string): void {
  if (!isRoot()) {
    throw new IpoptBuildError(
      `${why} needs the Debian package(s) ${pkgs.join(", ")}, which are not installed, and this build is not ` +
        `running as root. Install them with:  sudo apt-get install -y ${pkgs.join(" ")}`,
    );
  }
  if (!aptUpdated) {
    run("apt-get", ["update"]);
    aptUpdated = true;
  }
  run("apt-get", ["install", "-y", ...pkgs]);
}

/** Step 1: build tools (and optionally the native Ipopt library). */
function ensurePackages(withNative: boolean): void {
  const missing: string[] = [];
  if (!hasCommand("em++")) missing.push("emscripten");
  if (!hasCommand("dpkg-source")) missing.push("dpkg-dev");
  if (missing.length > 0) aptInstall(missing, "Building Ipopt for WebAssembly");
  else log("emscripten and dpkg-dev are installed");
  if (withNative) {
    if (!dpkgInstalled("coinor-libipopt1v5")) aptInstall(["coinor-libipopt1v5"], "The native Ipopt backend");
    else log("coinor-libipopt1v5 is installed");
  }
}

function hasDebSrc(): boolean {
  const files: string[] = [];
  if (existsSync("/etc/apt/sources.list")) files.push("/etc/apt/sources.list");
  if (existsSync("/etc/apt/sources.list.d"))
    for (const f of readdirSync("/etc/apt/sources.list.d"))
      if (f.endsWith(".list") || f.endsWith(".sources")) files.push(join("/etc/apt/sources.list.d", f));
  return files.some((f) => {
    const text = readFileSync(f, "utf8");
    return /^\s*deb-src\s/m.test(text) || /^\s*Types:.*\bdeb-src\b/m.test(text);
  });
}

/** Add deb-src entries mirroring the machine's Debian deb entries (deb822 or one-line format). */
function addDebSrc(): void {
  const target = "/etc/apt/sources.list.d/mpopf-deb-src.sources";
  const stanzas: string[] = [];
  const d = "/etc/apt/sources.list.d";
  for (const f of existsSync(d) ? readdirSync(d).filter((x) => x.endsWith(".sources")) : []) {
    for (const st of readFileSync(join(d, f), "utf8").split(/\n\s*\n/)) {
      if (/^\s*Types:.*\bdeb\b/m.test(st) && /debian/.test(st) && !/^\s*Enabled:\s*no/im.test(st))
        stanzas.push(
          st
            .split("\n")
            .filter((l) => !l.trimStart().startsWith("#"))
            .map((l) => (/^\s*Types:/.test(l) ? "Types: deb-src" : l))
            .join("\n")
            .trim(),
        );
    }
  }
  if (stanzas.length === 0 && existsSync("/etc/apt/sources.list")) {
    for (const l of readFileSync("/etc/apt/sources.list", "utf8").split("\n")) {
      const m = /^\s*deb\s+(\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s+(.+)$/.exec(l);
      if (m && /debian/.test(m[2]!))
        stanzas.push(`Types: deb-src\nURIs: ${m[2]}\nSuites: ${m[3]}\nComponents: ${m[4]!.trim()}`);
    }
  }
  if (stanzas.length === 0)
    throw new IpoptBuildError(
      "no Debian 'deb' entry found in /etc/apt to derive a deb-src entry from; add a deb-src line for bookworm by hand",
    );
  log(`adding deb-src entries to ${target}`);
  writeFileSync(target, `${stanzas.join("\n\n")}\n`);
  run("apt-get", ["update"]);
  aptUpdated = true;
}

/** Step 2: upstream sources via apt-get source. */
function ensureSources(): void {
  const ipoptDir = join(srcDir, ipoptSource.dir);
  const ssDir = join(srcDir, suitesparseSource.dir);
  const want: string[] = [];
  if (!existsSync(join(ipoptDir, "Ipopt", "src", "Interfaces", "IpIpoptApplication.cpp")))
    want.push(`${ipoptSource.pkg}/${ipoptSource.suite}`);
  if (!existsSync(join(ssDir, "AMD", "Source", "amd_order.c")))
    want.push(`${suitesparseSource.pkg}/${suitesparseSource.suite}`);
  if (want.length === 0) {
    log(`sources present in ${srcDir}`);
    return;
  }
  if (!hasDebSrc()) {
    if (!isRoot())
      throw new IpoptBuildError(
        "apt has no deb-src entry, so `apt-get source` cannot fetch Ipopt/SuiteSparse. As root, add one for your " +
          "Debian mirror (e.g. a copy of /etc/apt/sources.list.d/debian.sources with 'Types: deb-src'), run " +
          "apt-get update, and rerun this build.",
      );
    addDebSrc();
  }
  mkdirSync(srcDir, { recursive: true });
  for (const w of want) {
    const dir = w.startsWith(ipoptSource.pkg) ? ipoptDir : ssDir;
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    try {
      run("apt-get", ["source", w], { cwd: srcDir });
    } catch (e) {
      if (!aptUpdated && isRoot()) {
        run("apt-get", ["update"]);
        aptUpdated = true;
        run("apt-get", ["source", w], { cwd: srcDir });
      } else throw e;
    }
  }
  if (!existsSync(join(ipoptDir, "Ipopt", "src", "Interfaces", "IpIpoptApplication.cpp")))
    throw new IpoptBuildError(
      `apt-get source did not produce ${ipoptDir} (expected Ipopt ${ipoptSource.version})`,
    );
  if (!existsSync(join(ssDir, "AMD", "Source", "amd_order.c")))
    throw new IpoptBuildError(`apt-get source did not produce ${ssDir}`);
}

interface CompileTask {
  src: string;
  obj: string;
  args: string[];
}

/** Compile tasks for the artifact with key `key` (own objects go to obj/own-<key>, the directory link() keeps). */
function compileTasks(key: string): { tasks: CompileTask[]; objects: string[] } {
  const ipoptSrc = join(srcDir, ipoptSource.dir, "Ipopt", "src");
  const ssRoot = join(srcDir, suitesparseSource.dir);
  const includes = [
    `-I${csrcDir}`,
    ...ipoptIncludeDirs.map((d) => `-I${join(ipoptSrc, d)}`),
    `-I${join(ssRoot, "AMD", "Include")}`,
    `-I${join(ssRoot, "SuiteSparse_config")}`,
  ];
  const upstreamObj = join(buildDir, "obj", `upstream-${flagsKey()}`);
  const ownObj = join(buildDir, "obj", `own-${key}`);
  const tasks: CompileTask[] = [];
  const objects: string[] = [];
  const add = (src: string, obj: string, cxx: boolean) => {
    objects.push(obj);
    if (existsSync(obj)) return;
    tasks.push({
      src,
      obj,
      args: [...commonFlags, ...(cxx ? cxxFlags : cFlags), ...includes, "-c", src, "-o", obj],
    });
  };
  for (const u of ipoptUnits)
    add(join(ipoptSrc, u), join(upstreamObj, `ipopt_${u.replace(/[/.]/g, "_")}.o`), true);
  for (const u of amdUnits) add(join(ssRoot, u), join(upstreamObj, `ss_${u.replace(/[/.]/g, "_")}.o`), false);
  for (const f of readdirSync(csrcDir).sort()) {
    if (f.endsWith(".cpp")) add(join(csrcDir, f), join(ownObj, `${f}.o`), true);
    else if (f.endsWith(".c")) add(join(csrcDir, f), join(ownObj, `${f}.o`), false);
  }
  return { tasks, objects };
}

function compileOne(t: CompileTask): Promise<void> {
  mkdirSync(dirname(t.obj), { recursive: true });
  const tmp = `${t.obj}.tmp-${process.pid}`;
  const args = [...t.args.slice(0, -1), tmp];
  const compiler = t.src.endsWith(".c") ? "emcc" : "em++";
  return new Promise((resolvePromise, reject) => {
    const child = spawn(compiler, args, { stdio: ["ignore", "inherit", "pipe"], env: toolEnv() });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", (e) => reject(new IpoptBuildError(`could not run ${compiler}: ${e.message}`)));
    child.on("close", (code) => {
      if (code === 0) {
        renameSync(tmp, t.obj);
        resolvePromise();
      } else {
        rmSync(tmp, { force: true });
        reject(new IpoptBuildError(`${compiler} failed on ${t.src} (status ${code}):\n${stderr}`));
      }
    });
  });
}

/** Step 3: compile (in parallel, one job per CPU). */
async function compileAll(tasks: CompileTask[]): Promise<void> {
  if (tasks.length === 0) {
    log("all objects up to date");
    return;
  }
  const jobs = Math.max(1, availableParallelism());
  log(`compiling ${tasks.length} translation unit(s) with ${jobs} job(s)`);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const t = tasks[next++]!;
      await compileOne(t);
      done++;
      if (done % 20 === 0 || done === tasks.length) log(`  compiled ${done}/${tasks.length}`);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
}

function emccVersion(): string {
  try {
    return execFileSync("emcc", ["--version"], { encoding: "utf8", env: toolEnv() }).split("\n")[0]!.trim();
  } catch {
    return "unknown";
  }
}

/** Step 4: link into a temp dir, then move ipopt.cjs / ipopt.wasm / stamp.json into dist. */
function link(objects: string[], key: string): WasmStamp {
  const tmp = join(buildDir, `link-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const args = [
    ...commonFlags,
    ...objects,
    "--js-library",
    glueLibrary,
    ...linkFlags,
    "-o",
    join(tmp, "ipopt.js"),
  ];
  run("em++", args, {
    show: `em++ ${commonFlags.join(" ")} <${objects.length} objects> ${linkFlags.join(" ")}`,
  });
  mkdirSync(distDir, { recursive: true });
  const stamp: WasmStamp = {
    key,
    ipoptVersion: ipoptSource.version,
    emcc: emccVersion(),
    builtAt: new Date().toISOString(),
    wasmBytes: statSync(join(tmp, "ipopt.wasm")).size,
  };
  rmSync(join(distDir, "stamp.json"), { force: true });
  renameSync(join(tmp, "ipopt.wasm"), join(distDir, "ipopt.wasm"));
  renameSync(join(tmp, "ipopt.js"), join(distDir, "ipopt.cjs"));
  writeFileSync(join(distDir, "stamp.json"), `${JSON.stringify(stamp, null, 2)}\n`);
  rmSync(tmp, { recursive: true, force: true });
  // Objects of earlier own-source versions are never reused: drop them.
  const objRoot = join(buildDir, "obj");
  for (const d of readdirSync(objRoot))
    if (d.startsWith("own-") && d !== `own-${key}`)
      rmSync(join(objRoot, d), { recursive: true, force: true });
  return stamp;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Serialise concurrent builds (e.g. parallel test files) on a lock directory. */
async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = join(buildDir, ".lock");
  mkdirSync(buildDir, { recursive: true });
  const started = Date.now();
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      break;
    } catch {
      let holder = Number.NaN;
      try {
        holder = Number(readFileSync(join(lock, "pid"), "utf8"));
      } catch {
        // lock just created or just released: retry below
      }
      if (Number.isFinite(holder) && !pidAlive(holder)) {
        log(`removing stale build lock of process ${holder}`);
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() - started > 30 * 60_000)
        throw new IpoptBuildError(`timed out waiting for build lock ${lock}`);
      if (!announced) {
        log(`another build (pid ${holder}) is running; waiting for it`);
        announced = true;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** Build (or reuse) the artifact. Returns the stamp of the artifact in build/ipopt/dist. */
export async function buildIpoptWasm(
  opts: { force?: boolean; withNative?: boolean } = {},
): Promise<WasmStamp> {
  const key = artifactKey();
  const current = readStamp();
  if (!opts.force && current?.key === key) {
    log(`artifact up to date (key ${key}) in ${distDir}`);
    if (opts.withNative) ensurePackages(true);
    return current;
  }
  return withLock(async () => {
    const again = readStamp();
    if (!opts.force && again?.key === key) {
      log(`artifact was built by another process (key ${key})`);
      if (opts.withNative) ensurePackages(true);
      return again;
    }
    log(
      opts.force
        ? `forced rebuild (key ${key}); cached objects are reused: delete ${buildDir} to start from scratch`
        : current
          ? `artifact key changed (${current.key} -> ${key}); rebuilding`
          : `no artifact yet; building (key ${key})`,
    );
    const t0 = Date.now();
    ensurePackages(opts.withNative ?? false);
    ensureSources();
    const { tasks, objects } = compileTasks(key);
    await compileAll(tasks);
    log("linking");
    const stamp = link(objects, key);
    log(
      `built ${distDir}/ipopt.wasm (${(stamp.wasmBytes / 1e6).toFixed(2)} MB) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
    return stamp;
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== "--force" && a !== "--with-native");
  if (unknown.length > 0) {
    process.stderr.write(`usage: node --import tsx solvers/ipopt/build.ts [--force] [--with-native]\n`);
    process.exit(2);
  }
  try {
    await buildIpoptWasm({ force: args.includes("--force"), withNative: args.includes("--with-native") });
  } catch (e) {
    process.stderr.write(`[ipopt-wasm] build failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
