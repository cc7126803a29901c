/**
 * Differential fuzzing of the OpenDSS engine: generate N seeded random decks
 * (validation/opendss/testing/generator.ts), solve each with our engine and with the real OpenDSS
 * (the oracle, ../shared/oracle), compare every node, total, element power, iteration count and
 * control state (issue-15 limits), and print a summary. Mismatching decks are kept in the output
 * folder with their comparison, ready to become regression decks
 * (test/fixtures/opendss-random/).
 *
 *   npx tsx scripts/opendss-fuzz.ts [--count 1000] [--start 1] [--batch 50] [--out /tmp/opendss-fuzz]
 *
 * Exit code 0 when every deck matches, 1 otherwise.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type FuzzOutcome, runDecks, writeDeck } from "../validation/opendss/testing/fuzz.ts";
import { GENERATOR_VERSION, generateDeck } from "../validation/opendss/testing/generator.ts";
import { locateOracle } from "../validation/opendss/testing/oracle.ts";

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : def;
}

const count = Number(arg("count", "1000"));
const start = Number(arg("start", "1"));
const batch = Number(arg("batch", "50"));
const out = resolve(arg("out", join(tmpdir(), "opendss-fuzz")));
if (!(count > 0 && Number.isInteger(start) && batch > 0)) {
  process.stderr.write("usage: opendss-fuzz.ts [--count N] [--start SEED] [--batch B] [--out DIR]\n");
  process.exit(2);
}
const { oracle, reason } = locateOracle(true);
if (!oracle) {
  process.stderr.write(`opendss-fuzz: ${reason}\n`);
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), "opendss-fuzz-work-"));
const t0 = performance.now();
const outcomes: FuzzOutcome[] = [];
for (let s = start; s < start + count; s += batch) {
  const seeds = Array.from({ length: Math.min(batch, start + count - s) }, (_, k) => s + k);
  const decks = seeds.map((seed) => {
    const deck = generateDeck(seed);
    const dir = join(work, `seed-${seed}`);
    writeDeck(deck, dir);
    return { deck, dir };
  });
  for (const o of runDecks(oracle, decks)) {
    outcomes.push(o);
    if (o.status !== "match" && o.status !== "both-diverged" && o.status !== "both-rejected") {
      const keep = join(out, `seed-${o.seed}`);
      writeDeck(decks.find((x) => x.deck.seed === o.seed)!.deck, keep);
      writeFileSync(
        join(keep, "outcome.txt"),
        `${o.summary}\nstatus: ${o.status}\n${o.error ?? o.comparison!.mismatches.join("\n")}\n`,
      );
      process.stdout.write(
        `seed ${o.seed}: ${o.status} — ${o.error ?? o.comparison!.mismatches.slice(0, 3).join(" | ")}\n`,
      );
    }
  }
  process.stderr.write(`  ${outcomes.length}/${count} decks\r`);
}
rmSync(work, { recursive: true, force: true });

const by = (st: FuzzOutcome["status"]): FuzzOutcome[] => outcomes.filter((o) => o.status === st);
const ok = by("match").length + by("both-diverged").length + by("both-rejected").length;
const compared = outcomes.filter((o) => o.comparison && o.status !== "both-diverged");
const worst = (f: (o: FuzzOutcome) => number): number => compared.reduce((m, o) => Math.max(m, f(o)), 0);
const kinds: Record<string, number> = {};
for (const o of compared)
  for (const [k, n] of Object.entries(o.comparison!.counts)) kinds[k] = (kinds[k] ?? 0) + n;
const ms = outcomes.map((o) => o.oursMs).sort((a, b) => a - b);
const daily = outcomes.filter((o) => o.summary.includes("daily")).length;
process.stdout.write(
  [
    `opendss-fuzz: generator v${GENERATOR_VERSION}, seeds ${start}..${start + count - 1} (${daily} daily, ${count - daily} snapshot)`,
    `  match ${by("match").length}, mismatch ${by("mismatch").length}, both engines diverged (not compared) ${by("both-diverged").length}, ` +
      `both rejected the deck ${by("both-rejected").length}, ` +
      `our engine failed ${by("ours-error").length}, real engine reported errors ${by("oracle-error").length}`,
    `  worst over matched and mismatched decks: |ΔV| ${worst((o) => o.comparison!.worstVPu.value).toExponential(2)} pu, ` +
      `Δangle ${worst((o) => o.comparison!.worstAngleDeg.value).toExponential(2)}°, ` +
      `totals ${worst((o) => o.comparison!.worstTotalsRel.value).toExponential(2)} relative, ` +
      `element P/Q ${worst((o) => o.comparison!.worstElement.value).toExponential(2)} × limit`,
    `  seeds where both diverged: ${
      by("both-diverged")
        .map((o) => o.seed)
        .join(" ") || "none"
    }`,
    `  mismatch kinds: ${Object.keys(kinds).length === 0 ? "none" : JSON.stringify(kinds)}`,
    `  our engine per deck: median ${ms[Math.floor(ms.length / 2)]!.toFixed(1)} ms, max ${ms[ms.length - 1]!.toFixed(1)} ms; ` +
      `total wall ${((performance.now() - t0) / 1000).toFixed(1)} s (load average ${loadavg()[0]!.toFixed(2)})`,
    ok === count ? "  no mismatch" : `  kept the other decks in ${out}`,
  ].join("\n") + "\n",
);
process.exit(ok === count ? 0 : 1);
