/** Name and version of the project's OpenDSS-compatible engine: the one source for reports and manifests. */
export const ENGINE_IDENTITY = { name: "mpopf OpenDSS-compatible engine", version: "0.1.0" } as const;

/** The engine string of `mpopf dss --json` (the reference's `engine` field): identity plus the semantics it follows. */
export const ENGINE_NAME = `${ENGINE_IDENTITY.name} ${ENGINE_IDENTITY.version} (TypeScript; OpenDSS 9.8 / DSS C-API 0.14 semantics)`;
