/**
 * `--dss PATH` wherever `--case` is accepted: the command-line options of an OpenDSS deck import
 * (validation/dss-import) and the one function every command uses to get its study case — a built-in case or
 * case folder (`--case`), or a deck read by the project's engine (`--dss`). A case folder written by
 * `mpopf case import` keeps the deck's record (`dss-import.json`), so it is replayed in its original deck too.
 */
import { existsSync } from "node:fs";
import type { Argv } from "yargs";
import { caseFromFeeder, loadCase, readProfileFile, type StudyCase } from "../../models/case.ts";
import { InputError } from "../../models/errors.ts";
import type { Profile } from "../../models/feeder.ts";
import {
  type DssDeckInfo,
  type DssImport,
  importDss,
  readDeckInfo,
} from "../../validation/dss-import/import.ts";
import { numberOption, textOption } from "../options.ts";

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

/** A study case and, when it came from a deck, the deck's record (for the original-deck replay). */
export interface LoadedCase {
  case: StudyCase;
  deck: DssDeckInfo | null;
  /** The import itself (deck cases only): defaults, timings. */
  imported?: DssImport;
}

const pick = (
  have: Record<string, Profile>,
  given: string | undefined,
  names: string[],
): string | undefined => given ?? names.find((n) => n in have);

/** The import options a command line describes. */
export function importOptions(a: DssCliArgs): Parameters<typeof importDss>[1] {
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

/** Import a deck as a study case. */
export function importCase(path: string, a: DssCliArgs): LoadedCase {
  if (!existsSync(path)) {
    throw new InputError("missing-file", "no such OpenDSS master file", { file: path, element: "--dss" });
  }
  const imported = importDss(path, importOptions(a));
  return {
    case: caseFromFeeder(imported.feeder, { defaults: imported.defaults }),
    deck: imported.deck,
    imported,
  };
}

/** The study case of a command: `--dss PATH` (an import) or `--case NAME|DIR` (with its deck record, if any). */
export function loadStudyCase(a: DssCliArgs): LoadedCase {
  if (a.dss) return importCase(a.dss, a);
  const c = loadCase(a.case ?? "ieee123");
  return { case: c, deck: c.dir ? readDeckInfo(c.dir) : null };
}
