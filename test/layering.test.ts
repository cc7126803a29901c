/**
 * The one-way pipeline of ../shared/design/architecture.md, checked on every import of every source file:
 * models → solvers → validation → reports → harness (a stage imports only from itself and the stages to its
 * left), bin/ only the harness; every top-level folder with code is classified here, so a new one fails this
 * test until it is placed. And the rules inside the stages: the OpenDSS-compatible engine knows no optimizer
 * (and nothing of the replay), the formulation never imports a solver backend, the report layer renders what
 * it is given, and CLI commands do not import each other.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./helpers/reference.ts";

/** Rank of each pipeline stage; `null` = a folder that may import anything (tests, benchmarks, scripts). */
const STAGES: Record<string, number | null> = {
  models: 0,
  solvers: 1,
  validation: 2,
  reports: 3,
  harness: 4,
  bin: 5,
  test: null,
  bench: null,
  scripts: null,
};

const SKIP = new Set(["node_modules", "build", "runs", ".git", "test-output", "docs"]);

/** Every .ts/.js/.mjs file under a folder (skipping build output and dependencies). */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (SKIP.has(e.name) || e.name.startsWith(".")) return [];
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|js|mjs|cjs)$/.test(e.name) && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

/** The relative imports of a file (static, dynamic, re-exports), resolved to repository paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) {
    out.push(relative(REPO_ROOT, resolve(dirname(file), m[1]!)));
  }
  return out;
}

const top = (rel: string) => rel.split(sep)[0]!;

/** Imports from a stage into a stage to its right, or into a free folder (tests, benchmarks, scripts). */
function upward(map: Map<string, string[]>): string[] {
  const offenders: string[] = [];
  for (const [f, deps] of map) {
    if (!f.includes(sep)) continue; // root config files
    const from = STAGES[top(f)];
    if (from === null || from === undefined) continue;
    for (const d of deps) {
      const to = STAGES[top(d)];
      if (to === undefined) continue; // package.json and the like
      if (to === null || to > from) offenders.push(`${f} → ${d}`);
    }
  }
  return offenders;
}
const all = sourceFiles(REPO_ROOT).map((f) => relative(REPO_ROOT, f));
const imports = new Map(all.map((f) => [f, importsOf(join(REPO_ROOT, f))]));

describe("the one-way pipeline models → solvers → validation → reports → harness", () => {
  it("every top-level folder with code is a stage or a free folder", () => {
    const folders = [...new Set(all.filter((f) => f.includes(sep)).map((f) => top(f)))].sort();
    expect(folders.filter((f) => !(f in STAGES))).toEqual([]);
    for (const f of ["models", "solvers", "validation", "reports", "harness"]) expect(folders).toContain(f);
    expect(all.length).toBeGreaterThan(100);
  });

  it("no stage imports a stage to its right (nor a test, benchmark or script)", () => {
    expect(upward(imports)).toEqual([]);
  });

  it("the checker reports an upward import (and only that)", () => {
    const fake = new Map([
      [join("solvers", "x.ts"), [join("validation", "replay", "y.ts"), join("models", "z.ts")]],
      [join("solvers", "a.ts"), [join("models", "b.ts"), join("test", "helpers", "c.ts")]],
      [join("harness", "h.ts"), [join("reports", "r.ts"), join("validation", "v.ts")]],
    ]);
    expect(upward(fake)).toEqual([
      `${join("solvers", "x.ts")} → ${join("validation", "replay", "y.ts")}`,
      `${join("solvers", "a.ts")} → ${join("test", "helpers", "c.ts")}`,
    ]);
  });
});

describe("rules inside the stages", () => {
  const under = (dir: string) => [...imports].filter(([f]) => f.startsWith(`${dir}${sep}`));

  it("validation/opendss knows no optimizer and nothing of the replay (only itself and models/)", () => {
    const files = under(join("validation", "opendss"));
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.flatMap(([f, deps]) =>
      deps
        .filter((d) => !d.startsWith(join("validation", "opendss")) && top(d) !== "models")
        .map((d) => `${f} → ${d}`),
    );
    expect(offenders).toEqual([]);
  });

  it("the formulation and the distributed method never import a solver backend (solvers/ipopt)", () => {
    const offenders = ["mpopf", "enapp", "nlp"].flatMap((d) =>
      under(join("solvers", d)).flatMap(([f, deps]) =>
        deps.filter((x) => x.startsWith(join("solvers", "ipopt"))).map((x) => `${f} → ${x}`),
      ),
    );
    expect(offenders).toEqual([]);
  });

  it("reports/ imports nothing from solvers/, validation/ or harness/ (plain tables in, files out)", () => {
    const files = under("reports");
    expect(files.length).toBeGreaterThan(5);
    const offenders = files.flatMap(([f, deps]) =>
      deps.filter((d) => ["solvers", "validation", "harness"].includes(top(d))).map((d) => `${f} → ${d}`),
    );
    expect(offenders).toEqual([]);
  });

  it("CLI commands do not import each other (they share harness/cli-args.ts and the library)", () => {
    const files = under(join("harness", "commands"));
    expect(files.length).toBeGreaterThanOrEqual(5);
    const offenders = files.flatMap(([f, deps]) =>
      deps.filter((d) => d.startsWith(join("harness", "commands"))).map((d) => `${f} → ${d}`),
    );
    expect(offenders).toEqual([]);
  });

  it("the library (harness/index.ts and harness/study/) does not import the CLI", () => {
    const files = [
      ...under(join("harness", "study")),
      ["harness/index.ts", imports.get("harness/index.ts")!],
    ];
    const offenders = files.flatMap(([f, deps]) =>
      (deps as string[])
        .filter((d) => d.startsWith(join("harness", "commands")) || /harness\/(cli|cli-args)\.ts$/.test(d))
        .map((d) => `${f} → ${d}`),
    );
    expect(offenders).toEqual([]);
    expect(statSync(join(REPO_ROOT, "harness/index.ts")).isFile()).toBe(true);
  });
});
