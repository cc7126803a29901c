/**
 * Seeded random decks against the real OpenDSS (issue 15): a few dozen generated feeders
 * (validation/opendss/testing/generator.ts: radial and lightly meshed, 1–3 phases, wye and
 * delta, unbalanced loads of every model, regulators, capacitors, service and centre-tapped
 * transformers, DERs in daily mode) and every regression deck kept in
 * test/fixtures/opendss-random/ (decks a fuzz run once found to differ) are solved by our engine
 * and by the real one and compared node by node. The ≥ 1,000-deck run is
 * `npx tsx scripts/opendss-fuzz.ts --count 1000`.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { OpenDSS } from "../../../validation/opendss/api.ts";
import { type FuzzOutcome, runDecks, writeDeck } from "../../../validation/opendss/testing/fuzz.ts";
import { type GeneratedDeck, generateDeck } from "../../../validation/opendss/testing/generator.ts";
import { oracleForTests } from "../../helpers/oracle.ts";
import { REPO_ROOT } from "../../helpers/reference.ts";
import { thrown } from "./helpers.ts";

/** Seeds run in the suite (a different slice of the seed space than the fuzz script's default start). */
const SEEDS = Array.from({ length: 30 }, (_, k) => 100_001 + k);

const FIXTURES = join(REPO_ROOT, "test/fixtures/opendss-random");

/** Regression decks: one folder per deck with Master.dss (+ data files) and commands.txt. */
function regressionDecks(): { deck: GeneratedDeck; dir: string }[] {
  if (!existsSync(FIXTURES)) return [];
  return readdirSync(FIXTURES, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => {
      const dir = join(FIXTURES, e.name);
      const commands = readFileSync(join(dir, "commands.txt"), "utf8")
        .split(/\r?\n/)
        .filter((l) => l.trim() !== "");
      const seed = Number(/(\d+)/.exec(e.name)?.[1] ?? 0);
      return { deck: { seed, files: {}, commands, summary: `regression deck ${e.name}` }, dir };
    });
}

describe("regressions the fuzzer found without the oracle's numbers", () => {
  it("a source whose single-phase short-circuit level is too high is refused, as the real engine refuses it (seed 79, v4)", () => {
    const e = thrown(() =>
      new OpenDSS().text(
        "Clear\nNew Circuit.c basekv=12.47 pu=1.001 phases=3 bus1=src angle=30 MVAsc3=211 MVAsc1=4823",
      ),
    );
    expect(e.message).toContain("cannot calculate a real-valued R0");
    expect(e.message).toContain("Vsource.source");
  });
});

const ora = oracleForTests();

describe.skipIf(!ora.available)("random decks against the real OpenDSS", () => {
  let outcomes: FuzzOutcome[];
  let regressions: FuzzOutcome[];
  beforeAll(() => {
    const work = mkdtempSync(join(tmpdir(), "mpopf-random-decks-"));
    const decks = SEEDS.map((seed) => {
      const deck = generateDeck(seed);
      const dir = join(work, `seed-${seed}`);
      writeDeck(deck, dir);
      return { deck, dir };
    });
    const reg = regressionDecks();
    const all = runDecks(ora.oracle!, [...decks, ...reg]);
    outcomes = all.slice(0, decks.length);
    regressions = all.slice(decks.length);
  });

  it("the generator is deterministic and varied", () => {
    expect(generateDeck(7).files["Master.dss"]).toBe(generateDeck(7).files["Master.dss"]);
    expect(generateDeck(7).files["Master.dss"]).not.toBe(generateDeck(8).files["Master.dss"]);
    const text = SEEDS.map((s) => generateDeck(s).files["Master.dss"]).join("\n");
    for (const what of [
      "RegControl",
      "conn=delta",
      "windings=3",
      "PVSystem",
      "LineCode",
      "Capacitor",
      "daily=",
    ])
      expect(text, what).toContain(what);
    expect(outcomes.some((o) => o.summary.includes("daily"))).toBe(true);
    expect(outcomes.some((o) => o.summary.includes("snapshot"))).toBe(true);
  });

  it(`${SEEDS.length} generated decks match node by node`, () => {
    // both engines failing to converge is agreement (their diverging iterates are not compared)
    const bad = outcomes.filter((o) => o.status !== "match" && o.status !== "both-diverged");
    expect(outcomes.filter((o) => o.status === "match").length).toBeGreaterThanOrEqual(0.8 * outcomes.length);
    const worst = outcomes.reduce((m, o) => Math.max(m, o.comparison?.worstVPu.value ?? 0), 0);
    process.stdout.write(
      `[random-decks] ${outcomes.length - bad.length}/${outcomes.length} match; worst |ΔV| ${worst.toExponential(2)} pu\n`,
    );
    expect(
      bad.map(
        (o) => `${o.summary}: ${o.status} ${o.error ?? o.comparison!.mismatches.slice(0, 3).join(" | ")}`,
      ),
    ).toEqual([]);
  });

  it("every regression deck matches", () => {
    expect(
      regressions
        .filter((o) => o.status !== "match")
        .map(
          (o) => `${o.summary}: ${o.status} ${o.error ?? o.comparison!.mismatches.slice(0, 3).join(" | ")}`,
        ),
    ).toEqual([]);
  });
});
