/** Public API of the report layer (see reports/README.md for the input contract and the files written). */
export type {
  BatteryRow,
  BoundaryRow,
  BranchRow,
  BusRow,
  EnappHistory,
  MacroIterationRow,
  PeriodRow,
  PvRow,
  ReportInput,
  ResultSet,
} from "./contract.ts";
export { checkResultSet, checkTable, TABLE_COLUMNS } from "./contract.ts";
// figures/render.ts (vega, vega-lite, resvg) is not re-exported: buildReport loads it on demand.
export { DEFAULT_DPI, DOUBLE_COLUMN_PX, SINGLE_COLUMN_PX } from "./figures/theme.ts";
export {
  buildReport,
  REPORT_DIR,
  type ReportIndex,
  type ReportOptions,
  type ReportOutput,
} from "./report.ts";
export { ENAPP_FILES, REPORT_INPUT_FILE, RESULT_DIRS, readRunDir, runDirFiles } from "./run-files.ts";
export { type ReportTable, renderTable, type TableSpec } from "./table-render.ts";
export {
  enappIterationTable,
  FORMATS,
  horizonTotals,
  hourlyComparisonTable,
  hourlyTable,
  table2,
  table3,
  table4,
} from "./tables.ts";
