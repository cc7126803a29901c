/** `mpopf case areas` and `--areas auto:K`: automatic areas from the command line, saved and read back. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runMpopf } from "../../helpers/cli.ts";

const tmp = mkdtempSync(join(tmpdir(), "mpopf-case-areas-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("mpopf case areas", () => {
  it("splits IEEE-123 into auto:4, prints the quality, saves a CSV that --areas reads back", () => {
    const csv = join(tmp, "a4.csv");
    const r = runMpopf(tmp, "case", "areas", "ieee123", "--areas", "auto:4", "--out", csv);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^areas auto:4: 4 areas, 3 boundary branches, area-tree depth \d/);
    expect(r.out).toMatch(/largest \/ mean 1\.\d{3}/);
    const lines = readFileSync(csv, "utf8").trim().split("\n");
    expect(lines[1]).toBe("bus,area");
    expect(lines).toHaveLength(2 + 128);
    // Read back as a partition file: the same areas.
    const back = runMpopf(tmp, "case", "areas", "ieee123", "--areas", csv, "--json");
    expect(back.code, back.err).toBe(0);
    const q = JSON.parse(back.out);
    expect(q.areas).toBe(4);
    expect(r.out).toContain(
      `boundaries: ${q.boundaries.map((b: { id: string; branch: string }) => `${b.id} (${b.branch})`).join(", ")}`,
    );
    // --out never overwrites without --force.
    const again = runMpopf(tmp, "case", "areas", "ieee123", "--areas", "auto:3", "--out", csv);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/EEXIST|exists/);
    expect(runMpopf(tmp, "case", "areas", "ieee123", "--areas", "auto:3", "--out", csv, "--force").code).toBe(
      0,
    );
  });

  it("bad area specs are named errors", () => {
    const r = runMpopf(tmp, "case", "areas", "ieee123", "--areas", "auto:0");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/auto:K with a whole number K/);
    const u = runMpopf(tmp, "case", "areas", "ieee123", "--areas", "nope");
    expect(u.code).toBe(1);
    expect(u.err).toMatch(/has no partition 'nope'/);
  });
});
