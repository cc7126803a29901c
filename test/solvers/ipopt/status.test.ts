import { describe, expect, it } from "vitest";
import { IPOPT_STATUS, ipoptStatus } from "../../../solvers/ipopt/index.ts";

/** Ipopt 3.11's ApplicationReturnStatus enum (IpReturnCodes_inc.h). */
const IPOPT_CODES = [0, 1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -10, -11, -12, -13, -100, -101, -102, -199];

describe("Ipopt status mapping", () => {
  it("maps every ApplicationReturnStatus to its own named status with a message", () => {
    const names = IPOPT_CODES.map((c) => ipoptStatus(c).status);
    expect(names).not.toContain("unknown");
    expect(new Set(names).size).toBe(IPOPT_CODES.length);
    for (const c of IPOPT_CODES) expect(ipoptStatus(c).message.length).toBeGreaterThan(20);
    expect(
      Object.keys(IPOPT_STATUS)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual([...IPOPT_CODES].sort((a, b) => a - b));
  });

  it("names the key statuses as the NLP interface does", () => {
    expect(ipoptStatus(0).status).toBe("solve_succeeded");
    expect(ipoptStatus(2).status).toBe("infeasible_problem_detected");
    expect(ipoptStatus(4).status).toBe("diverging_iterates");
    expect(ipoptStatus(-1).status).toBe("maximum_iterations_exceeded");
    expect(ipoptStatus(-101).status).toBe("nonipopt_exception_thrown");
  });

  it("maps unknown codes to 'unknown' with the code in the message", () => {
    expect(ipoptStatus(42)).toEqual({ status: "unknown", message: expect.stringContaining("42") });
  });
});
