import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadCase } from "../../models/case.ts";
import { buildScenario } from "../../models/scenario.ts";
import { inputErrorOf } from "../helpers/errors.ts";

const SRC = join(import.meta.dirname, "../../models/ieee123");
const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A copy of the IEEE-123 case with one file edited. */
function mutated(file: string, edit: (text: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), "mpopf-case-"));
  made.push(dir);
  cpSync(SRC, dir, { recursive: true });
  const p = join(dir, file);
  writeFileSync(p, edit(readFileSync(p, "utf8")));
  return dir;
}

/** Replace line `n` (1-based) of a text. */
const setLine = (n: number, line: string) => (text: string) => {
  const lines = text.split("\n");
  lines[n - 1] = line;
  return lines.join("\n");
};

describe("bad input gives a clear error naming file, line, element and field", () => {
  it("unknown bus in a branch", () => {
    const dir = mutated("branches.csv", setLine(4, "3,3,999,0.0441,0.0447"));
    const e = inputErrorOf(() => loadCase(dir));
    expect(e.code).toBe("unknown-bus");
    expect(e.message).toMatch(
      /branches\.csv:4: branch 3 \(3→999\): field 'to_bus': bus '999' is not defined/,
    );
  });

  it("duplicate bus", () => {
    const dir = mutated("buses.csv", setLine(11, "5,1,1,0"));
    const e = inputErrorOf(() => loadCase(dir));
    expect(e.code).toBe("duplicate-bus");
    expect(e.message).toMatch(
      /buses\.csv:11: bus 5: field 'bus': bus '5' is defined twice \(first at line 6\)/,
    );
  });

  it("a cycle", () => {
    const dir = mutated("branches.csv", (t) => `${t.trimEnd()}\n128,4,5,0.01,0.01\n`);
    const e = inputErrorOf(() => loadCase(dir));
    expect(e.code).toBe("cycle");
    expect(e.message).toMatch(/branches\.csv:129: branch 128 \(4→5\): branch closes a loop/);
  });

  it("a bus not connected to the substation", () => {
    const dir = mutated("buses.csv", (t) => `${t.trimEnd()}\n129,1,1,0\n`);
    const e = inputErrorOf(() => loadCase(dir));
    expect(e.code).toBe("disconnected");
    expect(e.message).toMatch(
      /buses\.csv:130: bus 129: 1 bus\(es\) not connected to the substation '1': 129/,
    );
  });

  it("non-numeric impedance", () => {
    const dir = mutated("branches.csv", setLine(5, "4,3,5,abc,0.0638"));
    const e = inputErrorOf(() => loadCase(dir));
    expect(e.code).toBe("schema");
    expect(e.message).toMatch(
      /branches\.csv:5: branch 4 \(3→5\): field 'r_ohm': expected a number \(got 'abc'\)/,
    );
  });

  it("negative impedance", () => {
    const dir = mutated("branches.csv", setLine(5, "4,3,5,0.0629,-0.0638"));
    const e = inputErrorOf(() => loadCase(dir));
    expect(e.message).toMatch(
      /branches\.csv:5: branch 4 \(3→5\): field 'x_ohm': must not be negative \(got '-0\.0638'\)/,
    );
  });

  it("NaN in a profile", () => {
    const dir = mutated("profiles-24h.csv", setLine(8, "6,NaN,0.1,0.06778575,0.024"));
    const e = inputErrorOf(() => loadCase(dir));
    expect(e.code).toBe("bad-profile");
    expect(e.message).toMatch(
      /profiles-24h\.csv:8: hour 6: field 'load_mult': expected a finite number \(got 'NaN'\)/,
    );
  });

  it("horizon outside 1..24 for 24-point shapes", () => {
    const c = loadCase("ieee123");
    for (const T of [0, 25, 2.5]) {
      const e = inputErrorOf(() => buildScenario(c, { horizon: T }));
      expect(e.code).toBe("bad-horizon");
      expect(e.message).toMatch(
        new RegExp(`field 'horizon': horizon must be an integer in 1\\.\\.24 .*\\(got ${T}\\)`),
      );
    }
  });

  it("a partition that leaves a bus out", () => {
    const dir = mutated("areas-4.csv", setLine(42, ""));
    const e = inputErrorOf(() => loadCase(dir));
    expect(e.code).toBe("bad-partition");
    expect(e.message).toMatch(
      /areas-4\.csv: bus 41: field 'area': partition 'ieee123-4' leaves 1 bus\(es\) out: 41/,
    );
  });

  it("a partition that is not a tree of areas (an area in two pieces)", () => {
    // bus 90 (deep inside area 4) assigned to area 2: area 2 is then entered at two places
    const dir = mutated("areas-4.csv", setLine(91, "90,2"));
    const e = inputErrorOf(() => loadCase(dir));
    expect(e.code).toBe("bad-partition");
    expect(e.message).toMatch(
      /areas-4\.csv:91: area 2: field 'area': area 2 is not connected .* entered from outside at buses 54, 90/,
    );
  });

  it("a partition naming an unknown bus", () => {
    const dir = mutated("areas-4.csv", (t) => `${t.trimEnd()}\n200,4\n`);
    const e = inputErrorOf(() => loadCase(dir));
    expect(e.message).toMatch(
      /areas-4\.csv:130: bus 200: field 'bus': bus '200' is not a bus of network 'ieee123'/,
    );
  });

  it("PV / battery percentages outside 0..100 (request and case file)", () => {
    const c = loadCase("ieee123");
    expect(inputErrorOf(() => buildScenario(c, { pvPercent: 120 })).message).toMatch(
      /scenario: field 'pvPercent': must be a percentage in 0\.\.100 \(got 120\)/,
    );
    expect(inputErrorOf(() => buildScenario(c, { battPercent: -5 })).code).toBe("bad-percentage");
    const dir = mutated("case.json", (t) => t.replace('"battPercent": 30', '"battPercent": 130'));
    const e = inputErrorOf(() => loadCase(dir));
    expect(e.code).toBe("bad-percentage");
    expect(e.message).toMatch(/case\.json: case: field 'der\.battPercent': must be in 0\.\.100/);
  });

  it("negative or non-numeric objective weights", () => {
    const c = loadCase("ieee123");
    expect(inputErrorOf(() => buildScenario(c, { terminalGamma: -1 })).message).toBe(
      "scenario: field 'terminalGamma': weight must be a finite number >= 0 (got -1)",
    );
    expect(inputErrorOf(() => buildScenario(c, { alphaScd: Number.NaN })).code).toBe("bad-option");
  });

  it("a missing file and invalid JSON", () => {
    const dir = mutated("case.json", (t) => t.replace('"branches.csv"', '"nope.csv"'));
    expect(inputErrorOf(() => loadCase(dir)).message).toMatch(/nope\.csv: CSV file not found/);
    const dir2 = mutated("case.json", (t) => t.replace("{", "{,"));
    expect(inputErrorOf(() => loadCase(dir2)).message).toMatch(/case\.json:1: invalid JSON at column 2/);
    expect(inputErrorOf(() => loadCase("/no/such/case")).message).toMatch(/no study case '\/no\/such\/case'/);
  });
});
