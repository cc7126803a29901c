/** BusCoords: coordinates are kept for maps (they never change a solution); an unreadable file is a warning. */
import { describe, expect, it } from "vitest";
import { DssEngine } from "../../../validation/opendss/engine.ts";

const files: Record<string, string> = {
  "/deck/xy.csv": "! comment\nsourcebus, 0, 0\nb2 10 5\nnot a coordinate line\n",
};
const engine = () =>
  new DssEngine({
    cwd: "/deck",
    readFile: (p) => {
      const t = files[p];
      if (t === undefined) throw new Error("ENOENT");
      return t;
    },
  });

describe("BusCoords", () => {
  it("reads 'bus, x, y' lines (commas or blanks), skips others with a warning that quotes no text", () => {
    const e = engine();
    e.text("New Circuit.c basekv=12.47\nNew Line.l1 bus1=sourcebus bus2=b2\nBusCoords xy.csv");
    expect(e.busCoords.get("sourcebus")).toEqual([0, 0]);
    expect(e.busCoords.get("b2")).toEqual([10, 5]);
    expect(e.warnings.some((w) => /1 line\(s\) are not 'bus, x, y'/.test(w))).toBe(true);
    expect(e.warnings.join("\n")).not.toMatch(/not a coordinate line/);
  });
  it("a missing coordinates file does not fail the compile", () => {
    const e = engine();
    e.text("New Circuit.c basekv=12.47\nBusCoords nowhere.csv");
    expect(e.busCoords.size).toBe(0);
    expect(e.warnings.some((w) => /BusCoords file 'nowhere\.csv' not read/.test(w))).toBe(true);
  });
});
