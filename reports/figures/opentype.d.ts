// Minimal typings for the parts of opentype.js the report layer uses (the package ships none).
declare module "opentype.js" {
  /** A glyph with its advance width in font units. */
  export interface Glyph {
    advanceWidth?: number;
  }
  /** A parsed font. */
  export interface Font {
    unitsPerEm: number;
    charToGlyph(ch: string): Glyph;
    getKerningValue(left: Glyph, right: Glyph): number;
  }
  /** Parse a font file. */
  export function parse(buffer: ArrayBuffer): Font;
  const opentype: { parse: typeof parse };
  export default opentype;
}
