/**
 * `npm run bench`: runs every `bench/*.bench.ts` module (or those named on the command line) and
 * prints one table per benchmark. Each module exports `run(): Promise<BenchTable[]>`.
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

import { type BenchTable, printTable } from "./lib.ts";

export type { BenchTable };

async function mainBench(): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const wanted = process.argv.slice(2);
  const files = readdirSync(here)
    .filter((f) => f.endsWith(".bench.ts"))
    .filter((f) => wanted.length === 0 || wanted.some((w) => f.includes(w)))
    .sort();
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(here, f)).href)) as { run: () => Promise<BenchTable[]> };
    for (const t of await mod.run()) printTable(t);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await mainBench();
