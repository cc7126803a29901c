import { locateOracle, type Oracle } from "../../validation/opendss/testing/oracle.ts";

/**
 * The real OpenDSS engine for differential tests: located at `$MPOPF_ORACLE` or
 * ~/.cache/mpopf-oracle, built with ../shared/oracle/build.sh when missing and the script is
 * there. Under CI (`CI=true`) its absence is a failure; elsewhere tests that need it are skipped
 * with a visible message.
 */
export function oracleForTests(): { oracle: Oracle | null; available: boolean } {
  const { oracle, reason } = locateOracle(true);
  if (!oracle) {
    if (process.env.CI === "true") throw new Error(`CI=true and ${reason}`);
    process.stderr.write(`\n*** SKIPPING tests that need the real OpenDSS: ${reason} ***\n\n`);
  }
  return { oracle, available: oracle !== null };
}
