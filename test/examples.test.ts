/**
 * The README's library examples run as written: every ```ts block of README.md whose first line is
 * `// example: <name>` is extracted, written into the repository (so `import … from "mpopf"` resolves by package
 * self-reference, as for a consumer) and executed with tsx; its output is checked. The README is the only copy.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildIpoptWasmIfNeeded } from "../solvers/ipopt/artifact.ts";
import { REPO_ROOT } from "./helpers/reference.ts";

/** The example blocks of a Markdown file, by name. */
function examples(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of markdown.matchAll(/```ts\n(\/\/ example: ([\w-]+)\n[\s\S]*?)```/g)) out.set(m[2]!, m[1]!);
  return out;
}

const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
const blocks = examples(readme);
const dir = join(REPO_ROOT, "test-output", "readme-examples");

/** Run one README example with tsx from the repository root. */
function run(name: string): { code: number | null; out: string; err: string } {
  const code = blocks.get(name);
  if (code === undefined) throw new Error(`README.md has no example '${name}'`);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.ts`);
  writeFileSync(file, code);
  const r = spawnSync(process.execPath, ["--import", "tsx", file], { cwd: REPO_ROOT, encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => buildIpoptWasmIfNeeded(), 300_000);

describe("README library examples (run as written)", () => {
  it("the README has the three examples, under the sections that name their imports", () => {
    expect([...blocks.keys()]).toEqual(["library", "ipopt", "opendss"]);
    expect(blocks.get("library")).toMatch(/from "mpopf";/);
    expect(blocks.get("ipopt")).toMatch(/from "mpopf\/ipopt";/);
    expect(blocks.get("opendss")).toMatch(/from "mpopf\/opendss";/);
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8"));
    expect(Object.keys(pkg.exports)).toEqual([".", "./ipopt", "./opendss", "./package.json"]);
  });

  it("mpopf: load, solve centralized and ENApp, replay, thresholds, report, run directory", () => {
    const r = run("library");
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trim().split("\n");
    expect(lines[0]).toMatch(/^MPCOPF loss \d+\.\d\d kWh, cost \$\d+\.\d\d$/);
    expect(lines[1]).toMatch(/^replay PASS: \d+ metrics checked$/);
    expect(lines[2]).toBe(
      "report: table2-mpcopf-vs-mpdopf, table4-horizon-totals, hourly-mpcopf, hourly-mpdopf",
    );
    expect(lines[3]).toMatch(/^run directory .*run: valid$/);
  }, 300_000);

  it("mpopf/ipopt: a small NLP to its known optimum", () => {
    const r = run("ipopt");
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim()).toMatch(/^solve_succeeded: f = 0\.500000 at \(0\.5000, 1\.5000\), \d+ iterations$/);
  }, 120_000);

  it("mpopf/opendss: a 3-phase feeder; the loss is 3·|I|²·R of the line", () => {
    const r = run("opendss");
    expect(r.code, r.err).toBe(0);
    const m =
      /^converged true: source ([\d.]+) kW, ([\d.]+) kvar; loss ([\d.]+) kW; lowest \|V\| ([\d.]+) pu$/.exec(
        r.out.trim(),
      );
    expect(m, r.out).not.toBeNull();
    const [p, q, loss, v] = m!.slice(1).map(Number) as [number, number, number, number];
    // Power balance: the source supplies the load (1000 kW, 300 kvar at constant PQ) plus the line's loss.
    expect(p).toBeCloseTo(1000 + loss, 1);
    // 3·|I|²·R with |I| = |S_load| / (√3 · V_load): R = 0.3 Ω/km · 2 km.
    const iA = Math.hypot(1000, 300) / (Math.sqrt(3) * 12.47 * v);
    expect(loss).toBeCloseTo((3 * iA * iA * 0.6) / 1000, 1);
    expect(q).toBeGreaterThan(300);
  }, 120_000);
});
