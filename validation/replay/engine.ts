/**
 * The default engine of the replay: the project's OpenDSS-compatible engine (validation/opendss),
 * seen through the narrow `ReplayEngine` interface. The engine is loaded lazily so that deck writing,
 * comparisons and thresholds work (and are tested) without it.
 */
import type { ReplayEngine } from "./types.ts";

/** Raised when no power-flow engine is available to run a replay. */
export class EngineUnavailableError extends Error {
  constructor(detail: string) {
    super(`no OpenDSS-compatible engine available for the replay: ${detail}`);
    this.name = "EngineUnavailableError";
  }
}

/** Module path of the project's engine, relative to this file. */
const ENGINE_MODULE = "../opendss/index.ts";

/**
 * Create the project's engine wrapped as a `ReplayEngine`. Throws `EngineUnavailableError` while the
 * engine module does not exist or does not expose what the replay needs.
 */
export async function createDefaultEngine(): Promise<ReplayEngine> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(new URL(ENGINE_MODULE, import.meta.url).href)) as Record<string, unknown>;
  } catch (e) {
    throw new EngineUnavailableError(`cannot load validation/opendss (${(e as Error).message})`);
  }
  const factory = mod.createReplayEngine;
  if (typeof factory !== "function") {
    throw new EngineUnavailableError("validation/opendss does not export createReplayEngine()");
  }
  return (await factory()) as ReplayEngine;
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
