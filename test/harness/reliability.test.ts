/**
 * Nothing lost, nothing leaked: each defect of the reliability issue, tried as a careless user or script
 * would (the numbered groups follow the issue). Runs the CLI on the small 6-bus user feeder, copied into a
 * temporary folder and mutated per test.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkRunDir, RUN_MARKER, RunDirWriter } from "../../harness/run-dir.ts";
import { loadCase } from "../../models/case.ts";
import { buildIpoptWasmIfNeeded } from "../../solvers/ipopt/artifact.ts";
import { runMpopf } from "../helpers/cli.ts";
import { inputErrorOf } from "../helpers/errors.ts";
import { REPO_ROOT } from "../helpers/reference.ts";

const tmp = mkdtempSync(join(tmpdir(), "mpopf-reliability-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const mpopf = (...args: string[]) => runMpopf(tmp, ...args);
const FIXTURE = join(REPO_ROOT, "test/fixtures/feeder-6bus");

let n = 0;
/** A fresh copy of the 6-bus case, with `edit` applied to its files (name → text → text). */
function caseCopy(edit: Record<string, (text: string) => string> = {}): string {
  const dir = join(tmp, `case-${++n}`);
  cpSync(FIXTURE, dir, { recursive: true });
  for (const [f, fn] of Object.entries(edit))
    writeFileSync(join(dir, f), fn(readFileSync(join(dir, f), "utf8")));
  return dir;
}

/** Every file under a folder with its bytes (to prove it untouched). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p, `${rel}${e.name}/`);
      else out[`${rel}${e.name}`] = readFileSync(p, "latin1");
    }
  };
  walk(dir, "");
  return out;
}

const hidden = (dir: string) => readdirSync(dir).filter((f) => f.includes(".tmp-") || f.endsWith(".lock"));

/** A pid that is not running (for stale lock / temp-folder owners). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
    encoding: "utf8",
  });
  return Number(r.stdout);
}

beforeAll(() => buildIpoptWasmIfNeeded(), 300_000);

describe("1. --out replaces only an earlier mpopf run", () => {
  const solve = (out: string, ...more: string[]) =>
    mpopf("solve", "--case", FIXTURE, "--horizon", "2", "--quiet", "--out", out, ...more);

  it("refuses a project folder, a file, '.', '..' and an empty value, and leaves them as they were", () => {
    const proj = join(tmp, "project");
    mkdirSync(join(proj, "src"), { recursive: true });
    writeFileSync(join(proj, "src/main.c"), "int main(){}\n");
    const file = join(tmp, "notes.txt");
    writeFileSync(file, "my notes\n");
    const before = snapshot(proj);
    for (const [target, msg] of [
      [proj, /is a folder that mpopf did not write .*refusing to replace it/],
      [file, /exists and is a file, not a run directory/],
      [".", /is the working directory/],
      ["..", /is a parent of the working directory/],
    ] as const) {
      const r = solve(target);
      expect(r.code, `${target}: ${r.err}`).toBe(1);
      expect(r.err).toMatch(msg);
      expect(r.err).not.toMatch(/building and solving|internal error/);
    }
    expect(snapshot(proj)).toEqual(before);
    expect(readFileSync(file, "utf8")).toBe("my notes\n");
    const empty = solve("");
    expect(empty.code).toBe(2);
    expect(empty.err).toMatch(/--out: empty value/);
    expect(hidden(tmp)).toEqual([]);
  });

  it("refuses the case folder and its parents", () => {
    const c = caseCopy();
    const before = snapshot(c);
    const r = mpopf("solve", "--case", c, "--horizon", "1", "--quiet", "--out", c);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/is the case folder/);
    const inner = join(tmp, "outer");
    mkdirSync(inner);
    const c2 = join(inner, "case");
    cpSync(FIXTURE, c2, { recursive: true });
    writeFileSync(join(inner, RUN_MARKER), JSON.stringify({ tool: "mpopf", files: {} })); // even if it looks like a run
    const r2 = mpopf("solve", "--case", c2, "--horizon", "1", "--quiet", "--out", inner);
    expect(r2.code).toBe(1);
    expect(r2.err).toMatch(/contains the case folder/);
    expect(snapshot(c)).toEqual(before);
  });

  it("an empty folder needs --force; a run directory is replaced; a symlink keeps its link", () => {
    const empty = join(tmp, "empty");
    mkdirSync(empty);
    expect(solve(empty).err).toMatch(/empty folder that mpopf did not write: pass --force/);
    const ok = solve(empty, "--force");
    expect(ok.code, ok.err).toBe(0);
    expect(checkRunDir(empty).kind).toBe("solve");
    // a second solve replaces the first (a run directory), with different content
    const first = readFileSync(join(empty, "tables/mpcopf/periods.csv"), "utf8");
    const again = mpopf("solve", "--case", FIXTURE, "--horizon", "3", "--quiet", "--out", empty);
    expect(again.code, again.err).toBe(0);
    expect(readFileSync(join(empty, "tables/mpcopf/periods.csv"), "utf8")).not.toBe(first);
    // symlink: the run is written where it points and the link stays a link
    const real = join(tmp, "real-target");
    mkdirSync(real);
    const link = join(tmp, "link-to-run");
    symlinkSync(real, link);
    expect(solve(link, "--force").code).toBe(0);
    expect(statSync(link, { throwIfNoEntry: false })).toBeTruthy();
    expect(readdirSync(tmp)).toContain("link-to-run");
    expect(existsSync(join(real, "tables/mpcopf/periods.csv"))).toBe(true);
    expect(solve(link).code).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(hidden(tmp)).toEqual([]);
  });

  it("checks writability before solving (--out below a file)", () => {
    const file = join(tmp, "a-file");
    writeFileSync(file, "x");
    const r = mpopf("solve", "--case", FIXTURE, "--horizon", "1", "--out", join(file, "sub"));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/a-file is a file, not a folder/);
    expect(r.err).not.toMatch(/building and solving/);
    expect(
      r.err
        .trim()
        .split("\n")
        .filter((l) => l.startsWith("mpopf:")),
    ).toHaveLength(1);
  });

  it("cleans the hidden temporary folder a killed run left; keeps one whose writer is alive", () => {
    const target = join(tmp, "killed");
    const dead = join(tmp, ".killed.tmp-dead01");
    const live = join(tmp, ".killed.tmp-live01");
    for (const [d, pid] of [
      [dead, deadPid()],
      [live, process.pid],
    ] as const) {
      mkdirSync(d);
      writeFileSync(join(d, ".mpopf-writing.json"), JSON.stringify({ pid, host: hostname() }));
      writeFileSync(join(d, "periods.csv"), "t\n1\n");
    }
    expect(solve(target).code).toBe(0);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    rmSync(live, { recursive: true });
  });

  it("the swap never leaves the target without a run (atomic exchange; the fallback restores an interrupted swap)", () => {
    const target = join(tmp, "swap");
    for (const noExchange of ["0", "1"]) {
      process.env.MPOPF_NO_RENAME_EXCHANGE = noExchange;
      try {
        const a = new RunDirWriter(target, { kind: "test" });
        a.write("v.txt", "1");
        a.commit();
        const b = new RunDirWriter(target, { kind: "test" });
        b.write("v.txt", "2");
        b.commit();
        expect(readFileSync(join(target, "v.txt"), "utf8")).toBe("2");
        expect(hidden(tmp).filter((f) => f.startsWith(".swap"))).toEqual([]);
      } finally {
        delete process.env.MPOPF_NO_RENAME_EXCHANGE;
      }
    }
    // A crash between the two renames of the fallback leaves the old run as .swap.old-*: the next writer puts it back.
    renameSync(target, join(tmp, ".swap.old-crash1"));
    const c = new RunDirWriter(target, { kind: "test" });
    expect(readFileSync(join(target, "v.txt"), "utf8")).toBe("2");
    c.abort();
    expect(readFileSync(join(target, "v.txt"), "utf8")).toBe("2");
  });

  it("a second writer to the same --out is refused while the first holds the lock; a stale lock is taken over", () => {
    const target = join(tmp, "locked");
    const a = new RunDirWriter(target, { kind: "test" });
    const e = inputErrorOf(() => new RunDirWriter(target, { kind: "test" }));
    expect(e.message).toMatch(new RegExp(`another mpopf process \\(pid ${process.pid}\\) is writing`));
    // the CLI too: exit 1, before solving, naming the pid
    const r = solve(target);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/another mpopf process \(pid \d+\) is writing this run directory/);
    a.abort();
    writeFileSync(join(tmp, ".locked.lock"), JSON.stringify({ pid: deadPid(), host: hostname() }));
    const b = new RunDirWriter(target, { kind: "test" });
    b.write("x", "y");
    b.commit();
    expect(existsSync(join(tmp, ".locked.lock"))).toBe(false);
  });

  it("two concurrent runs into one --out: one succeeds, the other is refused", async () => {
    const target = join(tmp, "concurrent");
    const start = () =>
      new Promise<number | null>((res) => {
        const p = spawn(
          process.execPath,
          [
            join(REPO_ROOT, "bin/mpopf.js"),
            "run",
            "--case",
            FIXTURE,
            "--horizon",
            "2",
            "--method",
            "central",
            "--no-report",
            "--out",
            target,
          ],
          { cwd: tmp, stdio: "ignore" },
        );
        p.on("exit", (code) => res(code));
      });
    const codes = await Promise.all([start(), start()]);
    expect(codes.sort()).toEqual([0, 1]);
    expect(checkRunDir(target).kind).toBe("run");
  }, 120_000);
});

describe("the main job against a broken case: exit 1, the older run directory untouched", () => {
  it("bad data, then an infeasible solve: both exit 1 and leave the earlier run byte for byte", () => {
    const out = join(tmp, "main-run");
    const good = mpopf("run", "--case", FIXTURE, "--horizon", "2", "--no-report", "--out", out);
    expect(good.code, good.err).toBe(0);
    const before = snapshot(out);
    const broken = caseCopy({ "branches.csv": (t) => t.replace("L3,n2,n3,0.6,0.9,", "L3,n2,n3,abc,0.9,") });
    const r1 = mpopf("run", "--case", broken, "--horizon", "2", "--out", out);
    expect(r1.code).toBe(1);
    expect(r1.err).toMatch(/branches\.csv:4: branch L3 \(n2→n3\): field 'r_ohm'/);
    const r2 = mpopf("run", "--case", FIXTURE, "--horizon", "2", "--v-min", "1.08", "--out", out);
    expect(r2.code).toBe(1);
    expect(r2.err).toMatch(/did not produce a valid result .*left as it was/);
    expect(snapshot(out)).toEqual(before);
    expect(hidden(tmp).filter((f) => f.startsWith(".main-run"))).toEqual([]);
  }, 120_000);
});

describe("2-3-5. report, run and validate on run directories", () => {
  const out = join(tmp, "full-run");
  beforeAll(() => {
    const r = mpopf("run", "--case", FIXTURE, "--horizon", "2", "--out", out);
    expect(r.code, r.err).toBe(0);
  }, 120_000);

  it("2. report refuses a folder that is not a run directory, and an incomplete run", () => {
    const other = join(tmp, "other");
    mkdirSync(join(other, "report"), { recursive: true });
    writeFileSync(join(other, "report/keep.txt"), "mine");
    const r = mpopf("report", other);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/not a complete mpopf run directory/);
    expect(readFileSync(join(other, "report/keep.txt"), "utf8")).toBe("mine");
    const copy = join(tmp, "full-run-copy");
    cpSync(out, copy, { recursive: true });
    const html = readFileSync(join(copy, "report.html"), "utf8");
    rmSync(join(copy, "tables/mpdopf/periods.csv"));
    const r2 = mpopf("report", copy);
    expect(r2.code).toBe(1);
    expect(r2.err).toMatch(/incomplete run directory: 'tables\/mpdopf\/periods\.csv' is missing/);
    expect(readFileSync(join(copy, "report.html"), "utf8")).toBe(html);
    // a complete run re-renders, and stays a complete run afterwards
    const r3 = mpopf("report", out);
    expect(r3.code, r3.err).toBe(0);
    expect(() => checkRunDir(out)).not.toThrow();
  }, 60_000);

  it("3. run exits 1 when its thresholds FAIL (and validate agrees); the run directory is written", () => {
    const tight = join(tmp, "tight.json");
    writeFileSync(tight, JSON.stringify({ flavours: { "model-consistent": { voltagePu: { abs: 1e-15 } } } }));
    const dir = join(tmp, "tight-run");
    const r = mpopf(
      "run",
      "--case",
      FIXTURE,
      "--horizon",
      "2",
      "--no-report",
      "--thresholds",
      tight,
      "--out",
      dir,
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/regression: \d+ threshold\(s\) broken/);
    expect(r.err).toMatch(/thresholds mpcopf-model-consistent: FAIL/);
    expect(checkRunDir(dir).kind).toBe("run");
    expect(mpopf("validate", dir).code).toBe(1);
  }, 120_000);

  it("5. validate fails on deleted replays, an empty manifest, a short comparison, a cut row and a temp folder", () => {
    const variant = (name: string, edit: (d: string) => void) => {
      const d = join(tmp, `validate-${name}`);
      cpSync(out, d, { recursive: true });
      edit(d);
      const r = mpopf("validate", d);
      expect(r.err, name).not.toMatch(/internal error|\n\s+at /);
      return r;
    };
    expect(mpopf("validate", out).code).toBe(0);
    const gone = variant("deleted", (d) => rmSync(join(d, "replay/mpdopf-paper-style"), { recursive: true }));
    expect(gone.code).toBe(1);
    expect(gone.err).toMatch(/mpdopf-paper-style/);
    const empty = variant("empty-manifest", (d) => writeFileSync(join(d, "manifest.json"), ""));
    expect(empty.code).toBe(1);
    expect(empty.err).toMatch(/manifest\.json.*invalid JSON/);
    const cmpFile = (d: string) => join(d, "replay/mpcopf-model-consistent/comparison.json");
    const shortT = variant("short", (d) => {
      const c = JSON.parse(readFileSync(cmpFile(d), "utf8"));
      c.T = 5;
      writeFileSync(cmpFile(d), JSON.stringify(c));
    });
    expect(shortT.code).toBe(1);
    expect(shortT.err).toMatch(/expected 5 periods \(T\), found 2/);
    const cut = variant("cut-row", (d) => {
      const c = JSON.parse(readFileSync(cmpFile(d), "utf8"));
      c.powerFlow.vPu[1] = c.powerFlow.vPu[1].slice(0, 3);
      writeFileSync(cmpFile(d), JSON.stringify(c));
    });
    expect(cut.code).toBe(1);
    expect(cut.err).toMatch(
      /field 'powerFlow\.vPu\[1\]': incomplete replay comparison: expected 6 values \(one per bus\), found 3/,
    );
    const tmpDir = join(tmp, ".full-run.tmp-abc");
    cpSync(out, tmpDir, { recursive: true });
    rmSync(join(tmpDir, RUN_MARKER));
    const t = mpopf("validate", tmpDir);
    expect(t.code).toBe(1);
    expect(t.err).toMatch(/not a complete mpopf run directory/);
  }, 60_000);
});

describe("4. an invalid solve prints a status, never numbers", () => {
  const infeasible = ["--case", FIXTURE, "--horizon", "2", "--v-min", "1.08", "--quiet"];

  it("human summary and --json", () => {
    const h = mpopf("solve", ...infeasible);
    expect(h.code).toBe(1);
    expect(h.out).toMatch(/NOT a valid result/);
    expect(h.out).toMatch(/result\s+withheld/);
    expect(h.out).not.toMatch(/cost\s+\$|line loss|substation\s+\d|objective\s+\w+ =/);
    const j = mpopf("solve", ...infeasible, "--json");
    const s = JSON.parse(j.out);
    expect(s.valid).toBe(false);
    for (const k of ["costUsd", "lossKwh", "pSubsKwh", "qSubsKvarh", "peakKw", "objective"])
      expect(s[k], k).toBeNull();
    expect(s.result).toMatch(/withheld/);
  });

  it("--method both shows no Table II of invalid solutions; run's progress shows no cost", () => {
    const b = mpopf("solve", ...infeasible, "--method", "both");
    expect(b.code).toBe(1);
    expect(b.out).not.toMatch(/^\|/m);
    expect(b.out).toMatch(/Table II not shown/);
    const jb = JSON.parse(mpopf("solve", ...infeasible, "--method", "both", "--json").out);
    expect(jb.mpcopf.costUsd).toBeNull();
    const r = mpopf(
      "run",
      "--case",
      FIXTURE,
      "--horizon",
      "2",
      "--v-min",
      "1.08",
      "--out",
      join(tmp, "never"),
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/MPCOPF: \w+, \d+ iterations, .*\(not a valid result\)/);
    expect(r.err).not.toMatch(/cost \$/);
    expect(existsSync(join(tmp, "never"))).toBe(false);
  }, 60_000);
});

describe("6. files: only regular files, within a size limit, never quoted", () => {
  it("Redirect /dev/zero and a profile that is a device are refused at once", () => {
    const deck = join(tmp, "zero.dss");
    writeFileSync(deck, "Redirect /dev/zero\n");
    const r = mpopf("dss", deck);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot read file '\/dev\/zero'.*a device, not a regular file/);
    const c = caseCopy();
    rmSync(join(c, "profiles.csv"));
    symlinkSync("/dev/zero", join(c, "profiles.csv"));
    expect(inputErrorOf(() => loadCase(c)).message).toMatch(
      /profiles\.csv: CSV file is a device, not a regular file/,
    );
  });

  it("a file above the size limit is refused without reading it whole", () => {
    const deck = join(tmp, "big.dss");
    writeFileSync(deck, `! ${"x".repeat(10000)}\n`);
    const r = spawnSync(process.execPath, [join(REPO_ROOT, "bin/mpopf.js"), "dss", deck], {
      encoding: "utf8",
      env: { ...process.env, MPOPF_MAX_INPUT_BYTES: "8192" },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/10003 bytes, above the limit of 8192 bytes \(MPOPF_MAX_INPUT_BYTES/);
  });

  it("a FIFO as a case CSV is refused, not waited on", () => {
    const c = caseCopy();
    rmSync(join(c, "buses.csv"));
    expect(spawnSync("mkfifo", [join(c, "buses.csv")]).status).toBe(0);
    const t0 = Date.now();
    const r = mpopf("case", "show", c);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/buses\.csv: CSV file is a named pipe \(FIFO\), not a regular file/);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it("the content of a file that could not be parsed is never echoed", () => {
    const secret = "SECRET_TOKEN=hunter2-abcdef";
    const env = join(tmp, ".env");
    writeFileSync(env, `${secret}\n`);
    const deck = join(tmp, "leak.dss");
    writeFileSync(deck, `Redirect /etc/passwd\n`);
    const p = mpopf("dss", deck);
    expect(p.code).toBe(1);
    expect(p.err).not.toMatch(/root:|\/bin\/(ba)?sh/);
    expect(p.err).toMatch(/\/etc\/passwd:1: unknown command \(text not shown\)/);
    const d2 = join(tmp, "leak2.dss");
    writeFileSync(d2, `Redirect ${env}\n`);
    const e = mpopf("dss", d2);
    expect(e.code).toBe(1);
    expect(e.err).not.toMatch(/hunter2/);
    // the same file as a case table or case.json
    const c = caseCopy();
    cpSync(env, join(c, "buses.csv"));
    const r = mpopf("case", "show", c);
    expect(r.code).toBe(1);
    expect(r.err).not.toMatch(/hunter2/);
    const c2 = caseCopy();
    cpSync("/etc/passwd", join(c2, "case.json"));
    const r2 = mpopf("case", "show", c2);
    expect(r2.code).toBe(1);
    expect(r2.err).toMatch(/case\.json: invalid JSON/);
    expect(r2.err).not.toMatch(/root/);
  });

  it("case.json files.* stay inside the case folder", () => {
    for (const bad of ["../../etc/passwd", "/etc/passwd"]) {
      const c = caseCopy({
        "case.json": (t) => t.replace('"profiles": "profiles.csv"', `"profiles": "${bad}"`),
      });
      expect(inputErrorOf(() => loadCase(c)).message).toMatch(
        /case\.json: case: field 'files\.profiles': must name a file inside the case folder/,
      );
    }
  });
});

describe("7. Ipopt options are checked before any work", () => {
  it("a file-writing option is refused (exit 2) and creates nothing, for both backends", () => {
    const f = join(tmp, "ipopt-out.txt");
    for (const backend of ["wasm", "native"]) {
      if (
        backend === "native" &&
        !existsSync("/usr/lib/libipopt.so.1") &&
        !existsSync("/usr/lib/x86_64-linux-gnu/libipopt.so.1")
      )
        continue;
      const r = mpopf("solve", "--case", FIXTURE, "--solver", backend, "--ipopt", `output_file=${f}`);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--ipopt: option output_file is not accepted/);
      expect(existsSync(f)).toBe(false);
    }
  });

  it("an unknown option or a bad value is a usage error before solving", () => {
    for (const [opt, msg] of [
      ["no_such_option=1", /unknown Ipopt option "no_such_option"/],
      ["tol=-1", /option tol: Ipopt rejected the value -1/],
      ["mu_strategy=sideways", /mu_strategy/],
      ["max_iter=2.5", /max_iter: Ipopt expects an integer/],
    ] as const) {
      const r = mpopf("solve", "--case", FIXTURE, "--ipopt", opt);
      expect(r.code, opt).toBe(2);
      expect(r.err).toMatch(msg);
      expect(r.err).not.toMatch(/building and solving|cost/);
    }
  });

  it("print_level > 0 keeps --json one object on stdout (solver output goes to stderr)", () => {
    const r = mpopf(
      "solve",
      "--case",
      FIXTURE,
      "--horizon",
      "2",
      "--json",
      "--quiet",
      "--ipopt",
      "print_level=5",
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim().split("\n")).toHaveLength(1);
    expect(JSON.parse(r.out).valid).toBe(true);
    expect(r.err).toMatch(/iter\s+objective/);
  });
});

describe("8-9-10-11-12. workers, OS errors, unknown keys, physical ranges, CLI values", () => {
  it("8. --workers is capped at the number of areas and CPUs", () => {
    const r = mpopf(
      "solve",
      "--case",
      FIXTURE,
      "--method",
      "enapp",
      "--horizon",
      "2",
      "--workers",
      "100",
      "--json",
    );
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/--workers 100 capped at [12] \(2 areas, \d+ CPUs\)/);
    expect(JSON.parse(r.out).workers).toBeLessThanOrEqual(2);
  });

  it("9. operating-system errors are one line naming the path and the cause", () => {
    const c = caseCopy();
    rmSync(join(c, "branches.csv"));
    mkdirSync(join(c, "branches.csv"));
    const r = mpopf("case", "show", c);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/branches\.csv: CSV file is a folder, not a regular file/);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    const c2 = caseCopy();
    rmSync(join(c2, "case.json"));
    mkdirSync(join(c2, "case.json"));
    const r2 = mpopf("case", "show", c2);
    expect(r2.code).toBe(1);
    expect(r2.err.trim().split("\n")).toHaveLength(1);
    expect(r2.err).toMatch(/case\.json: case file is a folder/);
  });

  it("10. misspelt keys and columns are refused, and --line-limits without ampacities", () => {
    const k = caseCopy({ "case.json": (t) => t.replace('"etaCharge"', '"etaCharg"') });
    expect(inputErrorOf(() => loadCase(k)).message).toMatch(
      /field 'der\.battery\.etaCharg': unknown key 'etaCharg' \(misspelt\? it would be ignored\)/,
    );
    const col = caseCopy({ "branches.csv": (t) => t.replace("i_max_a", "i_max_aa") });
    expect(inputErrorOf(() => loadCase(col)).message).toMatch(
      /branches\.csv:1: field 'i_max_aa': unknown column 'i_max_aa' \(misspelt\? the columns of this table are branch, from_bus, to_bus, r_ohm, x_ohm, b_us, i_max_a, closed\)/,
    );
    const none = caseCopy({ "branches.csv": (t) => t.replace(",60", ",") });
    const r = mpopf("solve", "--case", none, "--line-limits", "--horizon", "1");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/no branch of the case has an ampacity/);
  });

  it("11. values outside physical ranges are named at load time", () => {
    const cases: Array<[string, (t: string) => string, RegExp]> = [
      [
        "case.json",
        (t) => t.replace('"soc0": 0.5', '"soc0": 0.1'),
        /field 'der\.battery\.soc0': battery SOCs must satisfy/,
      ],
      [
        "case.json",
        (t) => t.replace('"vPu": 1.02', '"vPu": 1e308'),
        /field 'substation\.vPu': must be in 0\.5\.\.1\.5 pu/,
      ],
      [
        "case.json",
        (t) => t.replace('"sBaseKva": 100', '"sBaseKva": 1e-300'),
        /field 'bases\.sBaseKva': must be in 1\.\.1000000 kVA/,
      ],
      ["case.json", (t) => t.replace('"stepHours": 1', '"stepHours": 1e-9'), /field 'profiles\.stepHours'/],
      [
        "case.json",
        (t) => t.replace('"etaCharge": 0.9', '"etaCharge": 1e-9'),
        /field 'der\.battery\.etaCharge'/,
      ],
      [
        "branches.csv",
        (t) => t.replace("L2,n2,n1,0.4", "L2,n2,n1,1e308"),
        /branch L2 \(n2→n1\): field 'r_ohm': must be at most 10000 Ω/,
      ],
      [
        "branches.csv",
        (t) => t.replace("L4,n1,n4,0.3,0.5", "L4,n1,n4,0,0"),
        /branch L4 \(n1→n4\): field 'r_ohm': zero impedance/,
      ],
      [
        "buses.csv",
        (t) => t.replace("n3,30,12,0", "n3,1e9,12,0"),
        /bus n3: field 'p_load_kw': \|value\| must be at most 100000 kW/,
      ],
      [
        "profiles.csv",
        (t) => t.replace("2,1.0,1.0,0.12", "2,1e6,1.0,0.12"),
        /field 'load': must be in 0\.\.100/,
      ],
    ];
    for (const [file, edit, msg] of cases) {
      const c = caseCopy({ [file]: edit });
      expect(inputErrorOf(() => loadCase(c)).message, String(msg)).toMatch(msg);
    }
  });

  it("12. --horizon: no value, hexadecimal, beyond the profile: usage errors (exit 2) naming the option", () => {
    const none = mpopf("solve", "--case", FIXTURE, "--horizon");
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/horizon/);
    const hex = mpopf("solve", "--case", FIXTURE, "--horizon", "0x2");
    expect(hex.code).toBe(2);
    expect(hex.err).toMatch(/--horizon: expected a decimal number, got '0x2'/);
    const far = mpopf("solve", "--case", FIXTURE, "--horizon", "9");
    expect(far.code).toBe(2);
    expect(far.err).toMatch(
      /--horizon: must be at most 5 \(the number of profile points of case 'feeder-6bus'\), got 9/,
    );
    expect(far.err).not.toMatch(/profiles\.csv/);
    const half = mpopf("solve", "--case", FIXTURE, "--horizon", "2.5");
    expect(half.code).toBe(2);
  });
});
