/**
 * Script front end: tokenizer, values (arrays, matrices, RPN, units), commands (New, Edit, More/~,
 * Set, Redirect/Compile with relative paths, Class.Name.Property=value, positional properties,
 * abbreviations, comments), and the bad-script errors with file:line.
 */
import { describe, expect, it } from "vitest";
import { OpenDSS } from "../../../validation/opendss/api.ts";
import { Line } from "../../../validation/opendss/elements/line.ts";
import type { Load } from "../../../validation/opendss/elements/load.ts";
import type { DssError } from "../../../validation/opendss/errors.ts";
import { stripComment, tokenize } from "../../../validation/opendss/lexer.ts";
import { evalRpn, toSeconds, toSymMatrix } from "../../../validation/opendss/values.ts";
import { thrown } from "./helpers.ts";

/** A read-only virtual file system rooted anywhere. */
function vfs(files: Record<string, string>): (p: string) => string {
  return (p) => {
    const t = files[p];
    if (t === undefined) throw new Error(`ENOENT ${p}`);
    return t;
  };
}

const HEAD = `Clear
New Circuit.c phases=1 bus1=a basekv=1 pu=1 R1=0 X1=0.001
`;

describe("tokenizer and values", () => {
  it("splits name=value and positional parameters with all quote styles", () => {
    const p = tokenize(`New Line.L1 bus1=a.1, bus2 = b.1 mult=[1 2, 3] name="x y" k=(12.47 3 sqrt /) {q}`);
    expect(p.map((x) => x.name)).toEqual([null, null, "bus1", "bus2", "mult", "name", "k", null]);
    expect(p[4]!.value).toEqual({ text: "1 2, 3", bracket: "[" });
    expect(p[5]!.value).toEqual({ text: "x y", bracket: '"' });
    expect(p[6]!.value.bracket).toBe("(");
    expect(p[7]!.value).toEqual({ text: "q", bracket: "{" });
  });

  it("strips ! and // comments but not inside quotes", () => {
    expect(stripComment("New Load.a kW=1 ! rated")).toBe("New Load.a kW=1 ");
    expect(stripComment("Set x=1 // note")).toBe("Set x=1 ");
    expect(stripComment(`New X.y name="a!b" ! c`)).toBe(`New X.y name="a!b" `);
  });

  it("evaluates RPN, matrices and time units", () => {
    expect(evalRpn("12.47 3 sqrt /")).toBeCloseTo(12.47 / Math.sqrt(3), 14);
    expect(evalRpn("2 3 ^ 1 -")).toBe(7);
    expect(Array.from(toSymMatrix({ text: "1 | 2 3", bracket: "[" }, 2))).toEqual([1, 2, 2, 3]);
    expect(Array.from(toSymMatrix({ text: "1 2 3", bracket: "(" }, 2))).toEqual([1, 2, 2, 3]);
    expect(toSeconds({ text: "1h", bracket: "" })).toBe(3600);
    expect(toSeconds({ text: "15m", bracket: "" })).toBe(900);
    expect(toSeconds({ text: "30", bracket: "" })).toBe(30);
  });
});

describe("commands", () => {
  it("New/Edit/More/~ with positional values, abbreviations and Class.Name.Prop=value", () => {
    const dss = new OpenDSS();
    dss.text(`${HEAD}
      New Line.L1 a.1 b.1 phases=1 r1=0.1 x1=0.2 C1=0 C0=0   ! positional bus1 bus2
      New Load.LD bus1=b.1 phases=1 kV=1
      ~ kW=10 kvar=(2 3 *)
      More mod=2
      Edit Load.ld kvar=7
      Load.LD.kW=11
      Line.l1.length=2
    `);
    const c = dss.engine.circuit!;
    const line = c.find("line", "l1") as Line;
    expect(line).toBeInstanceOf(Line);
    expect(line.busSpec).toEqual(["a.1", "b.1"]);
    expect(line.len).toBe(2);
    const load = c.find("load", "ld") as Load;
    expect(load.kWBase).toBe(11);
    // kW set after kvar switches to kW+PF (OpenDSS): kvar follows the PF of kW=10, kvar=7
    expect(load.kvarBase).toBeCloseTo(7.7, 12);
    expect(load.model).toBe(2);
    // set option abbreviations resolve like OpenDSS (first match in its option list)
    dss.text("Set toler=1e-9 maxit=33");
    expect(dss.solution.tolerance()).toBe(1e-9);
    expect(dss.text("Get maxiterations")).toBe("33");
  });

  it("Redirect resolves paths relative to the redirecting file; Compile changes the directory", () => {
    const files = {
      "/d/master.dss": `${HEAD}Redirect sub/lines.dss\nRedirect loads.dss\n/* block\nNew Bogus.x\n*/\n`,
      "/d/sub/lines.dss": "New Line.L1 phases=1 bus1=a.1 bus2=b.1 r1=0.1 x1=0.2\nRedirect more.dss\n",
      "/d/sub/more.dss": "New Line.L2 phases=1 bus1=b.1 bus2=c.1 r1=0.1 x1=0.2\n",
      "/d/loads.dss":
        "New LoadShape.s npts=3 interval=1 mult=(file=shape.csv)\nNew Load.x bus1=c.1 phases=1 kV=1 kW=3 daily=s\n",
      "/d/shape.csv": "0.5\n0.6\n0.7\n",
    };
    const dss = new OpenDSS({ cwd: "/elsewhere", readFile: vfs(files) });
    dss.text("Compile /d/master.dss");
    expect(dss.elements.names("Line")).toEqual(["l1", "l2"]);
    expect(dss.engine.cwd).toBe("/d");
    const shape = dss.engine.objects.get("loadshape")!.get("s") as unknown as { pmult: number[] };
    expect(shape.pmult).toEqual([0.5, 0.6, 0.7]);
    expect(dss.circuit.allBusNames()).toEqual([]); // not numbered before a solution/Y build
    dss.text("Set VoltageBases=[1.7320508075688772]\nCalcVoltageBases");
    expect(dss.circuit.allBusNames()).toEqual(["a", "b", "c"]);
  });

  it("daily mode advances the clock before solving and uses the load shape point of the new hour", () => {
    const dss = new OpenDSS();
    dss.text(`${HEAD}
      New LoadShape.s npts=3 interval=1 mult=[0.5 0.6 0.7]
      New Line.L1 phases=1 bus1=a.1 bus2=b.1 r1=0.01 x1=0.02 C1=0 C0=0
      New Load.x bus1=b.1 phases=1 kV=1 kW=10 kvar=0 daily=s
      Set VoltageBases=[1.7320508075688772]
      CalcVoltageBases
      Set Mode=Daily
      Set StepSize=1h Number=1 Tolerance=1e-12
      Set hour=1
      Solve
    `);
    expect(dss.solution.hour()).toBe(2);
    expect(dss.elements.powersKw("Load", "x")[0]).toBeCloseTo(6, 8);
    dss.text("Solve");
    expect(dss.elements.powersKw("Load", "x")[0]).toBeCloseTo(7, 8);
    dss.text("Solve"); // hour 4 wraps to point 1
    expect(dss.elements.powersKw("Load", "x")[0]).toBeCloseTo(5, 8);
  });
});

describe("bad scripts give errors with file:line", () => {
  const files = (body: string): Record<string, string> => ({ "/b/bad.dss": `${HEAD}${body}` });
  const run = (body: string): DssError => {
    const dss = new OpenDSS({ readFile: vfs(files(body)) });
    return thrown(() => dss.text("Compile /b/bad.dss"));
  };

  it("unknown property", () => {
    const e = run("New Line.L1 bus1=a bus2=b foo=1\n");
    expect(e.kind).toBe("unknown-property");
    expect(e.message).toContain("/b/bad.dss:3");
    expect(e.message).toContain("foo");
    expect(e.location.element).toBe("Line.l1");
  });

  it("bad number", () => {
    const e = run("New Line.L1 bus1=a bus2=b r1=0.1x\n");
    expect(e.kind).toBe("bad-number");
    expect(e.message).toMatch(/\/b\/bad\.dss:3: .*r1=0\.1x/);
    expect(e.location.field).toBe("r1");
  });

  it("unknown command, class and option", () => {
    expect(run("Frobnicate now\n").kind).toBe("unknown-command");
    expect(run("New Widget.w\n").kind).toBe("unknown-class");
    // Monitor is accepted and ignored (issue 15); a class that changes a power flow and is not modelled is refused
    expect(run("New InvControl.m\n").kind).toBe("unsupported");
    const e = run("Set nosuchoption=1\n");
    expect(e.kind).toBe("unknown-option");
    expect(e.message).toContain("/b/bad.dss:3");
  });

  it("missing redirect file", () => {
    const e = run("\nRedirect nothere.dss\n");
    expect(e.kind).toBe("missing-file");
    expect(e.message).toContain("/b/bad.dss:4");
    expect(e.message).toContain("nothere.dss");
  });

  it("Edit of a missing element", () => {
    const e = run("Edit Load.ghost kW=1\n");
    expect(e.kind).toBe("missing-element");
    expect(e.message).toContain("/b/bad.dss:3");
    expect(e.message).toContain("Load.ghost");
  });

  it("bus with no voltage base", () => {
    const e = run("New Line.L1 phases=1 bus1=a.1 bus2=b.1 r1=0.1 x1=0.1\nSolve\n");
    expect(e.kind).toBe("no-voltage-base");
    expect(e.message).toContain("/b/bad.dss:4");
    expect(e.message).toContain("'a'");
  });

  it("island: buses with no path to a source", () => {
    const e = run(
      "New Line.L1 phases=1 bus1=a.1 bus2=b.1 r1=0.1 x1=0.1\nNew Line.L2 phases=1 bus1=x.1 bus2=y.1 r1=0.1 x1=0.1\n" +
        "New Load.y bus1=y.1 phases=1 kV=1 kW=1\nSet VoltageBases=[1.7320508075688772]\nCalcVoltageBases\n",
    );
    expect(e.kind).toBe("island");
    expect(e.message).toContain("/b/bad.dss:7");
    expect(e.message).toMatch(/x, y|y, x/);
  });

  it("singular Y matrix", () => {
    // parallel resonance: source (j0.001 Ω) + line (j1 Ω) in parallel with a capacitor of
    // B = 1 − 1/1001 S at b makes det(Y) = 0
    const e = run(
      "New Line.L1 phases=1 bus1=a.1 bus2=b.1 r1=0 x1=1 C1=0 C0=0\n" +
        `New Capacitor.c bus1=b.1 phases=1 kv=1 kvar=${1000 - 1000 / 1001}\n` +
        "Set VoltageBases=[1.7320508075688772]\nSetkVBase bus=a kvln=1\nSetkVBase bus=b kvln=1\nSolve\n",
    );
    expect(e.kind).toBe("singular");
    expect(e.message).toContain("/b/bad.dss:8");
    expect(e.message).toMatch(/node [ab]\.1/);
  });
});
