/**
 * Text widths for vega's layout from the real DejaVu Sans metrics (advance widths and kerning read with
 * opentype.js), instead of vega's rough estimate (0.8 · font size per character) or a canvas that
 * would depend on the machine. Axis titles, legends and label limits then match what resvg and
 * browsers draw, and layout stays deterministic. Vega documents `textMetrics.width` as replaceable.
 */
/// <reference path="./opentype.d.ts" />
// (the reference makes the typings visible to packages that type-check mpopf's sources as a dependency)
import { readFileSync } from "node:fs";
import opentype, { type Font } from "opentype.js";
import * as vega from "vega";
import { FONT_FILES } from "./fonts.ts";

/** A text item as vega passes it (only the fields used here). */
interface TextItem {
  fontSize?: number | string;
  fontWeight?: string | number;
  fontStyle?: string;
  limit?: number;
  ellipsis?: string;
}

function load(file: string): Font {
  const b = readFileSync(file);
  return opentype.parse(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
}

/** Parsed faces, each loaded on first use (figures use only the regular face; parsing one takes ~0.15 s). */
const faces: Partial<Record<keyof typeof FONT_FILES, Font>> = {};
function face(name: keyof typeof FONT_FILES): Font {
  faces[name] ??= load(FONT_FILES[name]);
  return faces[name];
}

const cache = new Map<string, number>();

/** Width (px) of a string in DejaVu Sans at a size, with kerning; bold/oblique variants by weight/style. */
export function textWidthPx(text: string, fontSize: number, bold = false, oblique = false): number {
  const key = `${bold ? "b" : ""}${oblique ? "i" : ""}${fontSize}\u0000${text}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const font = face(bold ? "bold" : oblique ? "oblique" : "regular");
  let units = 0;
  let prev: ReturnType<Font["charToGlyph"]> | null = null;
  for (const ch of text) {
    const g = font.charToGlyph(ch);
    units += g.advanceWidth ?? font.unitsPerEm * 0.6;
    if (prev) units += font.getKerningValue(prev, g);
    prev = g;
  }
  const w = (units * fontSize) / font.unitsPerEm;
  cache.set(key, w);
  return w;
}

function itemWidth(item: TextItem, text: unknown): number {
  const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
  const bold = item.fontWeight === "bold" || Number(item.fontWeight) >= 600;
  const oblique = item.fontStyle === "italic" || item.fontStyle === "oblique";
  let s = text == null ? "" : String(text).trim();
  const measure = (x: string) => textWidthPx(x, size, bold, oblique);
  // Vega truncates labels longer than `limit` with an ellipsis; measure what it will draw.
  if (item.limit && item.limit > 0 && s && measure(s) > item.limit) {
    const ell = item.ellipsis ?? "\u2026";
    while (s.length > 0 && measure(s + ell) > item.limit) s = s.slice(0, -1);
    s += ell;
  }
  return size <= 0 ? 0 : measure(s);
}

let installed = false;

/** Make vega measure text with DejaVu Sans metrics (idempotent; process-wide). */
export function installTextMetrics(): void {
  if (installed) return;
  const tm = (vega as unknown as { textMetrics?: { width: (item: TextItem, text: unknown) => number } })
    .textMetrics;
  if (!tm) throw new Error("vega does not export textMetrics: cannot install font metrics");
  tm.width = itemWidth;
  installed = true;
}
