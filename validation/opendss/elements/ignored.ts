/**
 * Objects of OpenDSS classes that have no effect on a power-flow solution (monitors, protection
 * devices, harmonic spectra, curves used only by those): accepted so that real decks compile,
 * their property assignments recorded as given, and listed as ignored in the run's warnings.
 */
import type { Param } from "../lexer.ts";
import { DssObject, type PropDef } from "./base.ts";

/**
 * OpenDSS classes accepted and ignored, in OpenDSS's spelling. A Fault is not here: it changes
 * the solution and is modelled (elements/fault.ts).
 */
export const IGNORED_CLASSES = [
  "Monitor",
  "Relay",
  "Recloser",
  "Fuse",
  "Sensor",
  "Spectrum",
  "TCC_Curve",
  "XYcurve",
  "TShape",
  "GrowthShape",
  "PriceShape",
] as const;

const NO_PROPS: readonly PropDef<DssObject>[] = [];

/** An object of an ignored class: it keeps the parameters it was given, and nothing else. */
export class IgnoredObject extends DssObject {
  readonly className: string;
  /** Parameters as given, in order (`name=value` or positional). */
  readonly params: Param[] = [];

  constructor(className: string, name: string) {
    super(name);
    this.className = className;
  }

  get propDefs(): readonly PropDef<DssObject>[] {
    return NO_PROPS;
  }
}
