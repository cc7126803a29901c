/**
 * `--dss` wherever `--case` is accepted, and `mpopf case import`: the IEEE 13 deck shown (with what the balanced
 * model leaves out), imported into a case folder that loads back as the same case, solved, and run end to end —
 * the run directory has the original-deck replay with its per-phase tables, and the report shows them.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runMpopf } from "../helpers/cli.ts";
import { REPO_ROOT, referenceDir } from "../helpers/reference.ts";

const ref = referenceDir("opendss/ieee13");
const tmp = mkdtempSync(join(tmpdir(), "mpopf-cli-dss-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const deck = join(ref.dir, "IEEE13Nodeckt.dss");
const PROFILES = ["--profiles", join(REPO_ROOT, "models/ieee123/profiles-24h.csv")];
const COLUMNS = ["--load-profile", "load_mult", "--pv-profile", "pv_mult", "--price", "lmp16avg_usd_per_kwh"];

describe.skipIf(!ref.available)("OpenDSS decks on the command line", () => {
  it("case show --dss prints the balanced model and what it leaves out", () => {
    const r = runMpopf(tmp, "case", "show", "--dss", deck, ...PROFILES, ...COLUMNS, "--batt", "30");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/phase model\s+three-phase total power/);
    expect(r.out).toMatch(/what the balanced model leaves out:\n {2}- /);
    expect(r.out).toMatch(/regulator controls left out/);
    const j = runMpopf(tmp, "case", "show", "--dss", deck, ...PROFILES, ...COLUMNS, "--json");
    expect(JSON.parse(j.out)).toMatchObject({ buses: 16, loads: 15, phaseModel: "three-phase" });
  });

  it("a load without a shape and no --profiles: a one-line error naming file, line and element", () => {
    const r = runMpopf(tmp, "case", "show", "--dss", deck);
    expect(r.code).toBe(1);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toMatch(
      /IEEE13Nodeckt\.dss:\d+: Load\.671: field 'daily': the load has no daily or yearly shape/,
    );
  });

  it("case import writes a case folder (with the deck's record) that loads back", () => {
    const out = join(tmp, "ieee13-case");
    const r = runMpopf(tmp, "case", "import", deck, ...PROFILES, ...COLUMNS, "--out", out);
    expect(r.code, r.err).toBe(0);
    for (const f of [
      "case.json",
      "buses.csv",
      "branches.csv",
      "transformers.csv",
      "loads.csv",
      "dss-import.json",
    ])
      expect(existsSync(join(out, f)), f).toBe(true);
    expect(readFileSync(join(out, "branches.csv"), "utf8").split("\n")[0]).toMatch(
      /^# lines: imported from the OpenDSS deck/,
    );
    const spec = JSON.parse(readFileSync(join(out, "case.json"), "utf8"));
    expect(spec.bases.phaseModel).toBe("three-phase");
    expect(spec.approximations.length).toBeGreaterThan(3);
    const a = JSON.parse(runMpopf(tmp, "case", "show", out, "--json").out);
    const b = JSON.parse(runMpopf(tmp, "case", "show", "--dss", deck, ...PROFILES, ...COLUMNS, "--json").out);
    for (const k of [
      "buses",
      "branches",
      "loads",
      "totalLoadKw",
      "capacitorsKvar",
      "zones",
      "zBaseOhm",
    ] as const)
      expect(a[k], k).toBeCloseTo(b[k], 9);
  });

  it("solve --dss and run --dss: the original-deck replay and its tables", () => {
    const s = runMpopf(
      tmp,
      "solve",
      "--dss",
      deck,
      ...PROFILES,
      ...COLUMNS,
      "--horizon",
      "6",
      "--batt",
      "30",
      "--json",
    );
    expect(s.code, s.err).toBe(0);
    expect(JSON.parse(s.out)).toMatchObject({ result: "valid" });
    const out = join(tmp, "run13");
    const r = runMpopf(
      tmp,
      "run",
      "--dss",
      deck,
      ...PROFILES,
      ...COLUMNS,
      "--horizon",
      "6",
      "--batt",
      "30",
      "--method",
      "central",
      "--out",
      out,
    );
    expect(r.code, r.err).toBe(0);
    for (const f of [
      "comparison.json",
      "phases.csv",
      "unbalance.csv",
      "deck/Run.dss",
      "deck/IEEE13Nodeckt.dss",
    ])
      expect(existsSync(join(out, "replay/mpcopf-original-deck", f)), f).toBe(true);
    const md = readFileSync(join(out, "report.md"), "utf8");
    expect(md).toMatch(/MPCOPF in the original deck: per-phase voltages/);
    expect(md).toMatch(/What the balanced model leaves out/);
    const m = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    expect(m.powerFlow.flavours).toEqual(["model-consistent", "paper-style", "original-deck"]);
    expect(runMpopf(tmp, "validate", out).code).toBe(0);
    // Re-rendering the report keeps the original-deck tables (rebuilt from the recorded comparison and manifest),
    // and the deck's BusCoords give the report a feeder map.
    expect(runMpopf(tmp, "report", out).code).toBe(0);
    expect(readFileSync(join(out, "report.md"), "utf8")).toBe(md);
    expect(md).toMatch(/Feeder map/);
  }, 300_000);
});
