/** An error that carries the process exit code to use (e.g. a solver's non-success status). */
export class ExitError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = "ExitError";
    this.exitCode = exitCode;
  }
}
