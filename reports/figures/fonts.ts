/** The font files figures are measured and rasterized with (DejaVu Sans from the `dejavu-fonts-ttf` package). */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const dir = join(dirname(require.resolve("dejavu-fonts-ttf/package.json")), "ttf");

/** Absolute paths of the DejaVu Sans faces used by the figures. */
export const FONT_FILES = {
  regular: join(dir, "DejaVuSans.ttf"),
  bold: join(dir, "DejaVuSans-Bold.ttf"),
  oblique: join(dir, "DejaVuSans-Oblique.ttf"),
} as const;
