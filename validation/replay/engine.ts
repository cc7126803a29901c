/**
 * The default engine of the replay: the project's OpenDSS-compatible engine (validation/opendss),
 * seen through the narrow `ReplayEngine` interface (validation/replay/opendss-engine.ts). It is loaded
 * lazily so that deck writing, comparisons and thresholds work without it.
 */
import type { ReplayEngine } from "./types.ts";

/** Raised when no power-flow engine is available to run a replay. */
export class EngineUnavailableError extends Error {
  constructor(detail: string) {
    super(`no OpenDSS-compatible engine available for the replay: ${detail}`);
    this.name = "EngineUnavailableError";
  }
}

/** Create a fresh instance of the project's engine wrapped as a `ReplayEngine`. */
export async function createDefaultEngine(): Promise<ReplayEngine> {
  let mod: typeof import("./opendss-engine.ts");
  try {
    mod = await import("./opendss-engine.ts");
  } catch (e) {
    throw new EngineUnavailableError(`cannot load validation/opendss (${(e as Error).message})`);
  }
  return new mod.OpenDssReplayEngine();
}

/** True when the default engine can be created (for tests and the CLI to say why a replay cannot run). */
export async function defaultEngineAvailable(): Promise<{ available: boolean; reason: string }> {
  try {
    await createDefaultEngine();
    return { available: true, reason: "" };
  } catch (e) {
    return { available: false, reason: (e as Error).message };
  }
}
