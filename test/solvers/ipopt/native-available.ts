/** Whether the native Ipopt (coinor-libipopt1v5) is installed; in CI its absence is an error, not a skip. */
import { findNativeIpopt } from "../../../solvers/ipopt/index.ts";

/** True when Debian's libipopt is installed. Loud when it is not; throws under CI=true. */
export function nativeIpoptAvailable(): boolean {
  if (findNativeIpopt()) return true;
  const msg =
    "Debian's native Ipopt (coinor-libipopt1v5) is not installed: native-backend tests are SKIPPED. " +
    "Install it with `apt-get install -y coinor-libipopt1v5` or `node --import tsx solvers/ipopt/build.ts --with-native`.";
  if (process.env.CI === "true") throw new Error(msg);
  console.warn(`\n*** ${msg}\n`);
  return false;
}
