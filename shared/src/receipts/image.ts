/**
 * Photo preparation shared by both OCR engines: decode once (sharp, libvips), apply the EXIF
 * orientation, and shrink huge photos before anything else touches them. A phone original of
 * 8160×6120 is 50 megapixels: a naive pipeline that turns it into JS arrays crashes V8, and
 * ImageMagick needs over 30 s for it here. sharp shrinks JPEGs while decoding, so the same photo
 * is ready in well under a second. WhatsApp itself sends about 1600 px, which is what we keep.
 *
 * Quarter-turn rotation of the decoded pixels lives here too: the engine decides *whether* a
 * receipt lies sideways or upside down (paddle.ts), this file only turns the pixels.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { getConfig } from '../config.ts';

const run = promisify(execFile);

/** The photo could not be decoded as an image at all. */
export class UnreadableImageError extends Error {
  override name = 'UnreadableImageError';
}

/** Packed 8-bit RGB pixels, row by row. */
export type RgbImage = { data: Uint8Array; width: number; height: number };

/** Longest side kept: what WhatsApp sends, and enough for 1–2 mm receipt print. */
export const PHOTO_MAX_SIDE = 1600;
/** Bigger than any phone camera: a decompression bomb is refused rather than decoded. */
const MAX_INPUT_PIXELS = 120_000_000;

async function decodeWithSharp(input: Uint8Array | string, maxSide: number): Promise<RgbImage> {
  const { data, info } = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'none' })
    .rotate() // no angle: apply the EXIF orientation, as a phone's gallery shows the photo
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' }) // a transparent PNG screenshot reads as on white paper
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}

/** Formats libvips does not read (a PDF page, an old BMP): ImageMagick's first frame as PNG. */
async function convertWithImageMagick(input: Uint8Array | string): Promise<Buffer> {
  const source = typeof input === 'string' ? `${input}[0]` : '-[0]';
  const child = run(
    getConfig().IMAGEMAGICK_CONVERT,
    [source, '-auto-orient', '-resize', '4000x4000>', 'png:-'],
    {
      timeout: 30_000,
      encoding: 'buffer',
      maxBuffer: 128 * 1024 * 1024,
    },
  );
  if (typeof input !== 'string') child.child.stdin?.end(input);
  return (await child).stdout;
}

/**
 * Decodes a photo (bytes or a path) upright per EXIF and no larger than `maxSide`.
 * Throws UnreadableImageError when neither libvips nor ImageMagick can read it.
 */
export async function loadPhoto(input: Uint8Array | string, maxSide = PHOTO_MAX_SIDE): Promise<RgbImage> {
  try {
    return await decodeWithSharp(input, maxSide);
  } catch (sharpError) {
    try {
      return await decodeWithSharp(await convertWithImageMagick(input), maxSide);
    } catch {
      throw new UnreadableImageError('the photo could not be decoded', { cause: sharpError });
    }
  }
}

/** Turns the pixels clockwise by `quarterTurns` × 90°. */
export function rotateQuarterTurns(image: RgbImage, quarterTurns: number): RgbImage {
  const turns = ((quarterTurns % 4) + 4) % 4;
  if (turns === 0) return image;
  const { data, width, height } = image;
  const outWidth = turns === 2 ? width : height;
  const outHeight = turns === 2 ? height : width;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      let nx: number;
      let ny: number;
      if (turns === 1) {
        nx = height - 1 - y;
        ny = x;
      } else if (turns === 2) {
        nx = width - 1 - x;
        ny = height - 1 - y;
      } else {
        nx = y;
        ny = width - 1 - x;
      }
      const from = (y * width + x) * 3;
      const to = (ny * outWidth + nx) * 3;
      out[to] = data[from] as number;
      out[to + 1] = data[from + 1] as number;
      out[to + 2] = data[from + 2] as number;
    }
  }
  return { data: out, width: outWidth, height: outHeight };
}

/** Resizes to exactly width × height (libvips; used for the detector's input). */
export async function resizeRgb(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  if (image.width === width && image.height === height) return image;
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize({ width, height, fit: 'fill' })
    .raw()
    .toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height };
}

/** PNG bytes of prepared pixels, for Tesseract (it reads files). */
export async function encodePng(image: RgbImage): Promise<Buffer> {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
}
