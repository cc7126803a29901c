/**
 * `mpopf case split`'s writer: one folder per area (solvers/distributed/area-folder.ts) under one output folder,
 * written atomically with the run-directory rules (harness/run-dir.ts: a hidden temporary sibling swapped into
 * place, a lock, only an earlier mpopf output replaced). The top holds `areas.json` (ids, the area tree and the
 * boundaries; no area data) and a README; each `area-<id>/` holds only that area's data — what one host gets.
 */
import { AREA_DATA_FILES, type AreaSplit } from "../../solvers/distributed/area-folder.ts";
import { RunDirWriter } from "../run-dir.ts";

/** Options of the writer. */
export interface WriteSplitOptions {
  /** Replace an existing empty folder mpopf did not write. */
  force?: boolean;
  /** Folders never to replace (the case folder). */
  protect?: string[];
}

function readme(split: AreaSplit): string {
  const ix = split.index;
  return `# Areas of ${ix.case} (${ix.partition}, T = ${ix.T})

Written by \`mpopf case split\`. One folder per area; each holds only that area's data (${AREA_DATA_FILES.join(
    ", ",
  )}, and area.json with their fingerprint). Give each host its own folder only, then run there

    mpopf agent --area <its folder> --nats nats://BROKER:4222 --run RUN

and, where the coordinator runs, \`mpopf solve … --transport nats://BROKER:4222 --run RUN\` with the same case,
scenario options and areas as this split. \`areas.json\` lists the areas and boundaries (no area data).

| area | parent | folder |
| ---- | ------ | ------ |
${ix.areas.map((a) => `| ${a.id} | ${a.parent ?? "-"} | ${a.folder} |`).join("\n")}
`;
}

/** Write a split into `out` atomically; returns the folder written. Throws `InputError` for a refused target. */
export function writeAreaSplit(split: AreaSplit, out: string, opts: WriteSplitOptions = {}): string {
  const w = new RunDirWriter(out, {
    kind: "areas",
    ...(opts.force !== undefined ? { force: opts.force } : {}),
    ...(opts.protect ? { protect: opts.protect } : {}),
  });
  try {
    for (const [rel, text] of split.files) w.write(rel, text);
    w.write("README.md", readme(split));
    w.commit();
  } catch (e) {
    w.abort();
    throw e;
  }
  return w.target;
}
