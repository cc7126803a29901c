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
export { DEFAULT_DPI, DOUBLE_COLUMN_PX, renderFigure, SINGLE_COLUMN_PX } from "./figures/render.ts";
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
