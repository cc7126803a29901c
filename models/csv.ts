import { parse } from "csv-parse/sync";
import { type ZodType, z } from "zod";
import { InputError, showToken } from "./errors.ts";
import { readInputFile } from "./files.ts";

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

/** A numeric CSV cell within a documented range (`signed`: the range bounds the absolute value). */
export function rangedCell(range: readonly [number, number], unit: string, signed = false) {
  const [lo, hi] = range;
  const mag = (v: number) => (signed ? Math.abs(v) : v);
  return numberCell
    .refine((v) => mag(v) >= lo, {
      message:
        lo === 0 && !signed
          ? "must not be negative"
          : `${signed ? "|value| " : ""}must be at least ${lo} ${unit}`,
    })
    .refine((v) => mag(v) <= hi, { message: `${signed ? "|value| " : ""}must be at most ${hi} ${unit}` });
}

/** An optional cell: absent or empty is undefined, anything else must pass `inner`. */
export function optionalCell<T>(inner: ZodType<T, string>) {
  return z
    .string()
    .optional()
    .transform((s, ctx): T | undefined => {
      if (s === undefined || s.trim() === "") return undefined;
      const r = inner.safeParse(s);
      if (!r.success) {
        ctx.addIssue({ code: "custom", message: r.error.issues[0]?.message ?? "invalid value" });
        return z.NEVER;
      }
      return r.data;
    });
}

/** A non-empty id cell (bus, area, element names). */
export const idCell = z
  .string()
  .trim()
  .min(1, { message: "must not be empty" })
  .refine((s) => !/[\s,]/.test(s), { message: "must not contain spaces or commas" });

/**
 * Refuse unknown columns of a fixed-column table (a misspelt optional column would otherwise be dropped
 * silently) and name missing required ones. Tables with free columns (a record schema) are not checked.
 */
function checkColumns(path: string, schema: ZodType, first: Record<string, string> | undefined): void {
  if (!(schema instanceof z.ZodObject) || first === undefined) return;
  const shape = schema.shape as Record<string, ZodType>;
  const known = Object.keys(shape);
  const header = Object.keys(first);
  const unknown = header.filter((h) => !known.includes(h));
  if (unknown.length > 0) {
    throw new InputError(
      "unknown-field",
      `unknown column${unknown.length > 1 ? "s" : ""} ${unknown.map(showToken).join(", ")} (misspelt? the columns of this table are ${known.join(", ")})`,
      {
        file: path,
        line: 1,
        field: unknown.length === 1 && showToken(unknown[0]!).startsWith("'") ? unknown[0] : undefined,
      },
    );
  }
  const missing = known.filter((k) => !header.includes(k) && !shape[k]!.safeParse(undefined).success);
  if (missing.length > 0) {
    throw new InputError("schema", `missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`, {
      file: path,
      line: 1,
      field: missing[0],
    });
  }
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
  const text = readInputFile(path, "CSV");
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
    // csv-parse's messages can quote the offending text: report its code and line only.
    const err = e as Error & { lines?: number; code?: string };
    const what = (err.code ?? "CSV_PARSE_ERROR").replace(/^CSV_/, "").toLowerCase().replace(/_/g, " ");
    throw new InputError("parse", `cannot parse CSV (${what})`, { file: path, line: err.lines });
  }
  checkColumns(path, schema, records[0]?.record);
  const out: Array<Located<z.output<S>>> = [];
  for (const { record, info } of records) {
    const line = info.lines;
    const res = schema.safeParse(record);
    if (!res.success) {
      const issue = res.error.issues[0]!;
      const field = issue.path.map(String).join(".");
      const raw = field in record ? ` (got ${showToken(String(record[field]))})` : "";
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
