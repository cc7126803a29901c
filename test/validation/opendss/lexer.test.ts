/**
 * The tokenizer and value conversions follow OpenDSS's parser rule by rule (ParserDel.pas,
 * RPN.pas): quotes do not nest and a missing closing quote runs to the end of the line, a quote
 * character inside a token is ordinary, an empty value ends the parameter list, and any quoted
 * scalar is RPN on a 10-register stack whose result is X.
 */
import { describe, expect, it } from "vitest";
import { tokenize } from "../../../validation/opendss/lexer.ts";
import { evalRpn, toInt, toNumber } from "../../../validation/opendss/values.ts";

// biome-ignore lint/suspicious/noApproximativeNumericConstant: OpenDSS's RPN calculator uses this rounded π
const DSS_PI = 3.14159265359;

const vals = (line: string): [string | null, string, string][] =>
  tokenize(line).map((p) => [p.name, p.value.text, p.value.bracket]);

describe("OpenDSS tokenizer rules", () => {
  it("quotes do not nest: the first closing character ends the value", () => {
    expect(vals("a=(1 (2) 3) b=4")).toEqual([
      ["a", "1 (2", "("],
      [null, "3)", ""],
      ["b", "4", ""],
    ]);
  });

  it("a missing closing quote runs to the end of the line; a quote inside a token is ordinary", () => {
    expect(vals("x=[1 2 3")).toEqual([["x", "1 2 3", "["]]);
    expect(vals("bus1=a(1) name=it's")).toEqual([
      ["bus1", "a(1)", ""],
      ["name", "it's", ""],
    ]);
  });

  it("blanks around '=', commas as separators, a quoted name", () => {
    expect(vals('kW = 5 , kvar=2,"pf"=0.9')).toEqual([
      ["kW", "5", ""],
      ["kvar", "2", ""],
      ["pf", "0.9", ""],
    ]);
  });

  it("an empty value ends the list; comments end the line outside quotes only", () => {
    expect(vals("a=1, , b=2")).toEqual([["a", "1", ""]]);
    expect(vals("a= ")).toEqual([]);
    expect(vals('a="x ! y" b=2 ! c=3')).toEqual([
      ["a", "x ! y", '"'],
      ["b", "2", ""],
    ]);
    expect(vals("a=1//b=2")).toEqual([["a", "1", ""]]);
    expect(vals("a=(1)!c")).toEqual([["a", "1", "("]]);
  });
});

describe("OpenDSS in-line RPN", () => {
  it("any quote style is RPN for a scalar; the result is the X register", () => {
    expect(toNumber({ text: "202 1.25 *", bracket: "{" })).toBe(252.5);
    expect(toNumber({ text: "580 1.25 *", bracket: "[" })).toBe(725);
    expect(toNumber({ text: "1 2 +", bracket: '"' })).toBe(3);
    expect(evalRpn("1 2 3")).toBe(3);
    expect(() => toNumber({ text: "1 2 +", bracket: "" })).toThrow(/not a number/);
  });

  it("a 10-register stack that starts at zeros, HP-style swap/roll, degrees with π ≈ 3.14159265359", () => {
    expect(evalRpn("2 *")).toBe(0);
    expect(evalRpn("2 3 swap -")).toBe(1);
    expect(evalRpn("3 4 atan2")).toBeCloseTo((Math.atan2(3, 4) * 180) / DSS_PI, 13);
    expect(evalRpn("45 tan")).toBe(Math.tan(45 * (DSS_PI / 180)));
    expect(evalRpn("5 rollup")).toBe(5); // RollUp copies the registers up and leaves X
    expect(evalRpn("5 6 rolldn")).toBe(5);
    expect(() => evalRpn("2 foo")).toThrow(/invalid in-line math entry 'foo'/);
  });

  it("integers are rounded half to even, as Pascal's Round", () => {
    expect(toInt({ text: "3.0", bracket: "" })).toBe(3);
    expect(toInt({ text: "2.5", bracket: "" })).toBe(2);
    expect(toInt({ text: "7 2 /", bracket: "(" })).toBe(4);
  });
});
