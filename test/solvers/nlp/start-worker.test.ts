import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { startWorker } from "../../../solvers/nlp/start-worker.ts";

describe("startWorker", () => {
  it("runs a TypeScript worker with workerData and argv passed through unchanged", async () => {
    const w = startWorker(new URL("./fixtures/echo-worker.ts", import.meta.url), {
      workerData: { a: 1, list: [1, 2] },
      argv: ["--flag", "x"],
    });
    const [msg] = await once(w, "message");
    await w.terminate();
    expect(msg).toEqual({ data: { a: 1, list: [1, 2] }, argv: ["--flag", "x"] });
  });

  it("surfaces an import failure of the worker module as a worker error", async () => {
    const w = startWorker(new URL("./fixtures/does-not-exist.ts", import.meta.url));
    const [err] = await once(w, "error");
    expect(String((err as Error).message)).toMatch(/does-not-exist/);
  });
});
