import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/reference.ts";

/** Every .ts file under a folder. */
function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

describe("reports/ layering", () => {
  it("imports nothing from solvers/, validation/ or harness/ (plain tables in, files out)", () => {
    const files = tsFiles(join(REPO_ROOT, "reports"));
    expect(files.length).toBeGreaterThan(5);
    const offenders: string[] = [];
    for (const f of files) {
      for (const m of readFileSync(f, "utf8").matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)) {
        if (/(^|\/)(solvers|validation|harness)\//.test(m[1]!))
          offenders.push(`${relative(REPO_ROOT, f)}: ${m[1]}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
