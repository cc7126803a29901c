/**
 * `--dss PATH` wherever `--case` is accepted: the command-line options of an OpenDSS deck import
 * (validation/dss-import) and their mapping to the library's import options; `studyCaseOf` gives a command its
 * case (harness/study/case-source.ts `loadStudyCase`: a built-in case or folder, or a deck).
 */
import type { Argv } from "yargs";
import { readProfileFile } from "../models/case.ts";
import type { Profile } from "../models/feeder.ts";
import type { DssImportOptions } from "../validation/dss-import/import.ts";
import { numberOption, textOption } from "./options.ts";
import { type LoadedCase, loadStudyCase } from "./study/case-source.ts";

/** The import options on the command line. */
export interface DssCliArgs {
  case?: string;
  dss?: string;
  profiles?: string;
  profilesStep?: number;
  loadProfile?: string;
  pvProfile?: string;
  price?: string;
  priceRule?: "series" | "on-off-peak";
  solveControls?: boolean;
  overrideShapes?: boolean;
  socMax?: number;
  sBase?: number;
}

/** Add the `--dss` options (the deck and what it needs from outside: profiles, prices). */
export function dssCliOptions<T>(y: Argv<T>) {
  return y
    .option(
      "dss",
      textOption("dss", "an OpenDSS deck's master file, read by the project's engine (instead of --case)"),
    )
    .option(
      "profiles",
      textOption(
        "profiles",
        "--dss: a CSV of profiles (a time column and named columns) for loads and PVs without shapes, and prices",
      ),
    )
    .option(
      "profiles-step",
      numberOption("profiles-step", "--dss: step of the --profiles file in minutes (default 60)", {
        min: 1,
        max: 1440,
      }),
    )
    .option(
      "load-profile",
      textOption(
        "load-profile",
        "--dss: profile of loads without a shape: a column of --profiles or a LoadShape of the deck (default: a 'load' column)",
      ),
    )
    .option(
      "pv-profile",
      textOption(
        "pv-profile",
        "--dss: irradiance of PVs without a shape and of placed PVs (default: a 'pv' column)",
      ),
    )
    .option("price-rule", {
      choices: ["series", "on-off-peak"] as const,
      describe:
        "--dss: the --price profile is the price per period (series), or the authors' on/off-peak rule",
    })
    .option("override-shapes", {
      type: "boolean",
      describe: "--dss: every load follows --load-profile, whatever shape the deck gives it",
    })
    .option("solve-controls", {
      type: "boolean",
      describe: "--dss: solve the deck once with its own controls before reading taps and capacitor states",
    })
    .option(
      "soc-max",
      numberOption("soc-max", "--dss: upper SOC of the deck's Storage elements (default 1)", {
        min: 0,
        max: 1,
      }),
    )
    .option(
      "s-base",
      numberOption("s-base", "--dss: power base in kVA (default 1000)", { min: 1, max: 1e6 }),
    );
}

const pick = (
  have: Record<string, Profile>,
  given: string | undefined,
  names: string[],
): string | undefined => given ?? names.find((n) => n in have);

/** The import options a command line describes. */
export function importOptions(a: DssCliArgs): DssImportOptions {
  const profiles = a.profiles ? readProfileFile(a.profiles, (a.profilesStep ?? 60) / 60) : undefined;
  const have = profiles ?? {};
  const loadProfile = pick(have, a.loadProfile, ["load", "load_mult"]);
  const pvProfile = pick(have, a.pvProfile, ["pv", "pv_mult"]);
  const price = pick(have, a.price, ["price", "price_usd_per_kwh"]);
  return {
    ...(profiles ? { profiles } : {}),
    ...(loadProfile ? { loadProfile } : {}),
    ...(pvProfile ? { pvProfile } : {}),
    ...(price ? { price: { profile: price, name: price, rule: a.priceRule ?? "series" } } : {}),
    ...(a.solveControls ? { solveControls: true } : {}),
    ...(a.overrideShapes ? { overrideLoadShapes: true } : {}),
    ...(a.socMax !== undefined ? { storageSocMax: a.socMax } : {}),
    ...(a.sBase !== undefined ? { sBaseKva: a.sBase } : {}),
  };
}

/** The study case a command line names (`--dss` or `--case`). */
export function studyCaseOf(a: DssCliArgs): LoadedCase {
  return loadStudyCase({
    ...(a.case !== undefined ? { case: a.case } : {}),
    ...(a.dss !== undefined ? { dss: a.dss, importOptions: importOptions(a) } : {}),
  });
}
