/**
 * XfmrCode: a named transformer definition (phases, windings and their connections, kV, kVA,
 * taps, resistances, pair reactances, losses) that `Transformer.XfmrCode=` copies, as OpenDSS's
 * XfmrCode class. Its properties are the Transformer's winding and impedance properties with the
 * same meanings (wdg-scoped ones address the active winding); it keeps them on a template
 * transformer, which FetchXfmrCode copies (elements/transformer.ts `fetchXfmrCode`).
 */
import { toNumber } from "../values.ts";
import { DssObject, type PropContext, type PropDef, prop } from "./base.ts";
import { Transformer } from "./transformer.ts";

/** XfmrCode properties in OpenDSS order (names of the Transformer properties they mirror). */
const NAMES = [
  "phases",
  "windings",
  "wdg",
  "conn",
  "kV",
  "kVA",
  "tap",
  "%R",
  "Rneut",
  "Xneut",
  "conns",
  "kVs",
  "kVAs",
  "taps",
  "Xhl",
  "Xht",
  "Xlt",
  "Xscarray",
  "thermal",
  "n",
  "m",
  "flrise",
  "hsrise",
  "%loadloss",
  "%noloadloss",
  "normhkVA",
  "emerghkVA",
  "MaxTap",
  "MinTap",
  "NumTaps",
  "%imag",
  "ppm_antifloat",
  "%Rs",
  "X12",
  "X13",
  "X23",
  "RdcOhms",
  "Seasons",
  "Ratings",
];

/** A transformer code. */
export class XfmrCode extends DssObject {
  readonly className = "XfmrCode";
  /** The definition, held as a transformer that is never part of a circuit. */
  readonly template: Transformer;

  constructor(name: string, baseFrequency: number) {
    super(name);
    this.template = new Transformer(`xfmrcode_${name}`, baseFrequency);
  }

  get propDefs(): readonly PropDef<DssObject>[] {
    return XFMRCODE_PROPS as PropDef<DssObject>[];
  }

  /** OpenDSS XfmrCode EndEdit: pair reactances given in this edit go into the XSC array. */
  override endEdit(_cx: PropContext): void {
    this.template.recalc();
  }
}

/**
 * A pair reactance in percent: unlike the Transformer's, 0 is kept (XfmrCode has no zero trap).
 */
function pairReactance(name: string, pair: "xhl" | "xht" | "xlt"): PropDef<XfmrCode> {
  return prop<XfmrCode>(name, (o, v) => {
    const x = toNumber(v) * 0.01;
    o.template[pair] = x;
    o.template.xhlChanged = true;
  });
}

const PAIRS: Record<string, "xhl" | "xht" | "xlt"> = {
  xhl: "xhl",
  xht: "xht",
  xlt: "xlt",
  x12: "xhl",
  x13: "xht",
  x23: "xlt",
};

function build(): PropDef<XfmrCode>[] {
  const probe = new Transformer("probe", 60);
  const defs = probe.propDefs as readonly PropDef<Transformer>[];
  return NAMES.map((name) => {
    const pair = PAIRS[name.toLowerCase()];
    if (pair) return pairReactance(name, pair);
    const idx = probe.findProp(name);
    const def = defs[idx]!;
    return prop<XfmrCode>(name, (o, v, cx) => def.set(o.template, v, cx));
  });
}

const XFMRCODE_PROPS: PropDef<XfmrCode>[] = build();
