import { existsSync, readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { type ZodType, z } from "zod";
import { InputError } from "./errors.ts";

/** A parsed CSV row with the 1-based line it came from. */
export type Located<T> = T & { line: number };

/** A CSV cell that must be a finite number (rejects "", "abc", "NaN", "Infinity"). */
export const numberCell = z
  .string()
  .trim()
  .refine((s) => /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s), {
    message: "expected a number",
  })
  .transform(Number);

/** A non-negative numeric CSV cell. */
export const nonNegativeCell = numberCell.refine((v) => v >= 0, { message: "must not be negative" });

/** A non-empty id cell (bus, area, element names). */
export const idCell = z
  .string()
  .trim()
  .min(1, { message: "must not be empty" })
  .refine((s) => !/[\s,]/.test(s), { message: "must not contain spaces or commas" });

/** Read a UTF-8 file, or throw an InputError naming it. */
export function readTextFile(path: string, what: string): string {
  if (!existsSync(path)) throw new InputError("missing-file", `${what} file not found`, { file: path });
  return readFileSync(path, "utf8");
}

/**
 * Read a CSV file with a header row, validating every row against `schema` (an object schema
 * keyed by column name). Errors name the file, line, the row's element label and the field.
 */
export function readCsv<S extends ZodType<Record<string, unknown>>>(
  path: string,
  schema: S,
  label: (raw: Record<string, string>) => string,
): Array<Located<z.output<S>>> {
  const text = readTextFile(path, "CSV");
  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    records = parse(text, {
      columns: (header: string[]) => header.map((h) => h.trim()),
      skip_empty_lines: true,
      comment: "#",
      bom: true,
      info: true,
      trim: true,
    }) as Array<{ record: Record<string, string>; info: { lines: number } }>;
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new InputError("parse", `cannot parse CSV: ${err.message}`, { file: path, line: err.lines });
  }
  const out: Array<Located<z.output<S>>> = [];
  for (const { record, info } of records) {
    const line = info.lines;
    const res = schema.safeParse(record);
    if (!res.success) {
      const issue = res.error.issues[0]!;
      const field = issue.path.map(String).join(".");
      const raw = field in record ? ` (got '${record[field]}')` : "";
      throw new InputError("schema", `${issue.message}${raw}`, {
        file: path,
        line,
        element: label(record),
        field: field || undefined,
      });
    }
    out.push({ ...(res.data as z.output<S>), line });
  }
  return out;
}
