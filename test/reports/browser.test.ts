/**
 * Opens the synthetic report.html from disk in Debian's headless Chromium (driven by playwright-core), finds
 * every table and figure listed in report/index.json, checks for console errors and for any request that is
 * not file: or data:, and saves a full-page screenshot to test-output/reports/report.png (git-ignored).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { PNG } from "pngjs";
import { afterAll, describe, expect, it } from "vitest";
import { writeReportFiles } from "../../harness/study/report.ts";
import { buildReport } from "../../reports/report.ts";
import { readRunDir } from "../../reports/run-files.ts";
import { REPO_ROOT } from "../helpers/reference.ts";
import { writeSyntheticRunDir } from "./synthetic.ts";

const CHROMIUM = process.env.MPOPF_CHROMIUM ?? "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
if (!available) {
  const msg = `test/reports/browser.test.ts: Chromium not found at ${CHROMIUM} (apt-get install chromium, or set MPOPF_CHROMIUM)`;
  if (process.env.CI === "true") throw new Error(msg);
  console.warn(`\n*** ${msg} — the browser test is SKIPPED. ***\n`);
}

const OUT = join(REPO_ROOT, "test-output", "reports");
const profile = mkdtempSync(join(tmpdir(), "mpopf-chromium-"));
afterAll(() => rmSync(profile, { recursive: true, force: true }));

describe.skipIf(!available)("report.html in headless Chromium", () => {
  it("shows every table and figure, with no console errors and no external requests", async () => {
    const run = join(OUT, "synthetic-run");
    rmSync(run, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    writeSyntheticRunDir(run);
    const report = await buildReport(readRunDir(run));
    writeReportFiles(run, report);

    const ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1280, height: 900 },
    });
    try {
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      const problems: string[] = [];
      const requests: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
      page.on("request", (r) => requests.push(r.url()));
      const url = pathToFileURL(join(run, "report.html")).href;
      await page.goto(url, { waitUntil: "load" });

      const tableIds = await page.$$eval("table.report-table", (ts) =>
        ts.map((t) => t.getAttribute("data-table")),
      );
      expect(tableIds).toEqual(report.index.tables.map((t) => t.id));
      const rowCounts = await page.$$eval("table.report-table", (ts) =>
        ts.map((t) => t.querySelectorAll("tbody tr").length),
      );
      for (const n of rowCounts) expect(n).toBeGreaterThan(0);

      const figs = await page.$$eval("figure[data-figure]", (fs) =>
        fs.map((f) => {
          const svg = f.querySelector("svg");
          const box = svg?.getBoundingClientRect();
          return {
            id: f.getAttribute("data-figure"),
            w: box?.width ?? 0,
            h: box?.height ?? 0,
            texts: svg
              ? Array.from(
                  svg.querySelectorAll("text") as ArrayLike<{ textContent: string | null }>,
                  (t) => t.textContent ?? "",
                )
              : [],
          };
        }),
      );
      expect(figs.map((f) => f.id)).toEqual(report.index.figures.map((f) => f.id));
      for (const f of figs) {
        expect(f.w, f.id!).toBeGreaterThan(200);
        expect(f.h, f.id!).toBeGreaterThan(50);
        const want = report.index.figures.find((x) => x.id === f.id)!;
        for (const title of want.axisTitles) expect(f.texts, `${f.id}: ${title}`).toContain(title);
      }

      mkdirSync(OUT, { recursive: true });
      const shot = join(OUT, "report.png");
      await page.screenshot({ path: shot, fullPage: true });
      await page.screenshot({ path: join(OUT, "report-top.png") });
      const png = PNG.sync.read(readFileSync(shot));
      expect(png.width).toBe(1280);
      expect(png.height).toBeGreaterThan(2000);

      expect(problems).toEqual([]);
      const external = requests.filter((u) => !u.startsWith("file:") && !u.startsWith("data:"));
      expect(external).toEqual([]);
    } finally {
      await ctx.close();
    }
  });
});
