/** Reading GitHub-flavoured Markdown tables back into cells, for the report tests. */

/** Cells of one Markdown table line ("| a | b \| c |" → ["a", "b | c"]). */
function cells(line: string): string[] {
  return line
    .slice(2, -2)
    .split(/ (?<!\\)\| /)
    .map((c) => c.replace(/\\\|/g, "|"));
}

/** Header cells of the first Markdown table in `md`. */
export function mdHeader(md: string): string[] {
  return cells(md.split("\n").find((l) => l.startsWith("| "))!);
}

/** Body rows of the Markdown table in `md` as arrays of cell strings (header and separator dropped). */
export function mdRows(md: string): string[][] {
  return md
    .split("\n")
    .filter((l) => l.startsWith("| "))
    .slice(1)
    .map(cells);
}
