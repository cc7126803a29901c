// Entry of TypeScript worker threads started by start-worker.ts: registers tsx's ESM hooks in this worker,
// then imports the module whose URL start-worker.ts put first in the worker's argv (and removes it again).
import { register } from "tsx/esm/api";

const target = process.argv.splice(2, 1)[0];
register();
await import(target);
