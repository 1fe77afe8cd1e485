/**
 * Draws the Teams app icons into manifest/: color.png (192×192, white shield with a keyhole on the
 * accent colour) and outline.png (32×32, white shield outline on a transparent background), as
 * Teams asks for them. Run it after changing the drawing:
 *
 *   node --import tsx scripts/make-icons.ts
 *
 * The PNG encoder uses node:zlib only (deflate + CRC-32), so regenerating needs no image tooling
 * and gives the same bytes on every machine with the same zlib.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { crc32, deflateSync } from "node:zlib";

/** The manifest's accentColor; Teams shows it around the colour icon, so they must match. */
export const ACCENT_COLOR = "#2F4F9E";

/** An RGBA image, 8 bits per channel, rows top to bottom. */
export interface RgbaImage {
  width: number;
  height: number;
  /** width × height × 4 bytes */
  pixels: Uint8Array;
}

/** A shape in glyph space: x and y in [0, 1], y downwards. */
type Shape = (x: number, y: number) => boolean;

/** Encodes an RGBA image as a PNG (colour type 6, no interlace, filter 0 on every row). */
export function encodePng(image: RgbaImage): Buffer {
  const { width, height, pixels } = image;
  if (pixels.length !== width * height * 4) {
    throw new Error(`Expected ${width * height * 4} bytes of RGBA pixels, got ${pixels.length}.`);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(6, 9); // colour type: RGBA
  // compression, filter method and interlace stay 0

  const stride = width * 4;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let row = 0; row < height; row++) {
    // Each scanline starts with its filter type; 0 (None) is plenty for flat icon art.
    raw[row * (stride + 1)] = 0;
    Buffer.from(pixels.buffer, pixels.byteOffset + row * stride, stride).copy(raw, row * (stride + 1) + 1);
  }

  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/**
 * A heater shield: flat sides down to mid-height, then a parabolic taper to a point, with the top
 * edge dipping slightly towards the middle. `inset` shrinks it to draw an outline.
 */
function shield(inset: number): Shape {
  const halfWidth = 0.4 - inset;
  const top = 0.05 + inset;
  const dip = 0.05;
  const waist = 0.5;
  const tip = 0.97 - inset * 1.8;
  return (x, y) => {
    const dx = Math.abs(x - 0.5);
    if (dx > halfWidth) return false;
    if (y < top + dip * (1 - (dx / halfWidth) ** 2)) return false;
    if (y <= waist) return true;
    if (y >= tip) return false;
    const t = (y - waist) / (tip - waist);
    return dx <= halfWidth * (1 - t * t);
  };
}

/** A keyhole: a round head over a slot that widens downwards, centred at x = 0.5. */
function keyhole(scale: number): Shape {
  const cy = 0.43;
  const r = 0.095 * scale;
  const slotTop = cy + r * 0.4;
  const slotBottom = cy + 0.24 * scale;
  return (x, y) => {
    const dx = x - 0.5;
    if (dx * dx + (y - cy) ** 2 <= r * r) return true;
    if (y < slotTop || y > slotBottom) return false;
    const t = (y - slotTop) / (slotBottom - slotTop);
    return Math.abs(dx) <= (0.04 + 0.03 * t) * scale;
  };
}

const union =
  (...shapes: Shape[]): Shape =>
  (x, y) =>
    shapes.some((s) => s(x, y));
const minus =
  (a: Shape, b: Shape): Shape =>
  (x, y) =>
    a(x, y) && !b(x, y);

/**
 * Rasterises a shape into a size×size image: the glyph fills a box of `glyphSize` pixels centred
 * in the image, each pixel's coverage comes from 8×8 supersampling (anti-aliased edges).
 */
function rasterise(
  shape: Shape,
  size: number,
  glyphSize: number,
  paint: (coverage: number) => [number, number, number, number],
): RgbaImage {
  const samples = 8;
  const offset = (size - glyphSize) / 2;
  const pixels = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let hits = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const gx = (px + (sx + 0.5) / samples - offset) / glyphSize;
          const gy = (py + (sy + 0.5) / samples - offset) / glyphSize;
          if (shape(gx, gy)) hits++;
        }
      }
      pixels.set(paint(hits / (samples * samples)), (py * size + px) * 4);
    }
  }
  return { width: size, height: size, pixels };
}

function hexToRgb(hex: string): [number, number, number] {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (match === null) throw new Error(`Not a #rrggbb colour: ${hex}`);
  return [parseInt(match[1] ?? "", 16), parseInt(match[2] ?? "", 16), parseInt(match[3] ?? "", 16)];
}

/** The 192×192 colour icon: opaque accent background, white shield, keyhole in the accent colour. */
export function colorIcon(): RgbaImage {
  const [r, g, b] = hexToRgb(ACCENT_COLOR);
  // Teams crops colour icons to a rounded square and asks for the symbol inside the central 120 px.
  return rasterise(minus(shield(0), keyhole(1)), 192, 120, (c) => [
    Math.round(r + (255 - r) * c),
    Math.round(g + (255 - g) * c),
    Math.round(b + (255 - b) * c),
    255,
  ]);
}

/** The 32×32 outline icon: white shield outline and keyhole on a transparent background. */
export function outlineIcon(): RgbaImage {
  const stroke = 0.075;
  return rasterise(union(minus(shield(0), shield(stroke)), keyhole(0.9)), 32, 30, (c) => [
    255,
    255,
    255,
    Math.round(255 * c),
  ]);
}

/** Writes manifest/color.png and manifest/outline.png. */
export function writeIcons(manifestDir: string): string[] {
  const written = [
    [path.join(manifestDir, "color.png"), colorIcon()],
    [path.join(manifestDir, "outline.png"), outlineIcon()],
  ] as const;
  for (const [file, image] of written) writeFileSync(file, encodePng(image));
  return written.map(([file]) => file);
}

if (require.main === module) {
  for (const file of writeIcons(path.resolve(__dirname, "../manifest"))) console.log(`wrote ${file}`);
}
