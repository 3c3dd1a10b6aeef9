/**
 * Images for the upload and recognition tests and the bench: the real photos in testImagesDir
 * (read in place) and the awkward ones the tests make themselves with sharp.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { testImagesDir } from './paths.ts';

/** The twelve class photos and the exact ImageNet label each shows (see the images README). */
export const CLASS_PHOTOS: Readonly<Record<string, string>> = {
  'african-elephant.jpg': 'African elephant',
  'analog-clock.jpg': 'analog clock',
  'balloon.jpg': 'balloon',
  'granny-smith.jpg': 'Granny Smith',
  'pizza.jpg': 'pizza',
  'school-bus.jpg': 'school bus',
  'sports-car.jpg': 'sports car',
  'tabby.jpg': 'tabby',
  'teddy.jpg': 'teddy',
  'traffic-light.jpg': 'traffic light',
  'volcano.jpg': 'volcano',
  'zebra.jpg': 'zebra',
};

/**
 * Labels the test model puts among lake-pier.jpg's top five when the photo is upright (turned on
 * its side it sees a dam and a submarine instead).
 */
export const LAKE_PIER_TOP5 = ['pier', 'dock'];

export const readTestImage = (file: string): Promise<Buffer> => readFile(join(testImagesDir, file));

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

/** A one-colour PNG of 20000×20000 pixels: small on disk (~0.4 MB), 1.2 GB once decoded. */
export const pngBomb = once(() =>
  sharp({ create: { width: 20_000, height: 20_000, channels: 3, background: '#000000' }, limitInputPixels: false })
    .extractChannel(0)
    .toColourspace('b-w')
    .png({ compressionLevel: 9, adaptiveFiltering: false })
    .toBuffer(),
);

/** Solid red (as RGB) 64×48, saved as a CMYK JPEG. */
export const cmykJpeg = once(() =>
  sharp({ create: { width: 64, height: 48, channels: 3, background: '#ff0000' } }).toColourspace('cmyk').jpeg().toBuffer(),
);

/** 64×48 PNG whose every pixel is red at zero opacity: flattened onto white it is all white. */
export const transparentPng = once(() =>
  sharp({ create: { width: 64, height: 48, channels: 4, background: { r: 255, g: 0, b: 0, alpha: 0 } } }).png().toBuffer(),
);

/** 64×48 orange (#ff8000) PNG with 16 bits per channel. */
export const png16 = once(() =>
  sharp({ create: { width: 64, height: 48, channels: 3, background: '#ff8000' } }).toColourspace('rgb16').png().toBuffer(),
);

/**
 * A JPEG stored 300×200 with its left half red and right half blue, and EXIF orientation 6
 * ("rotate 90° clockwise to view"): upright it is 200×300, red on top and blue below.
 */
export const exifRotatedJpeg = once(() => {
  const width = 300;
  const height = 200;
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      if (x < width / 2) raw[i] = 255;
      else raw[i + 2] = 255;
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
});

/**
 * lake-pier.jpg stored turned a quarter to the left, with EXIF orientation 6 to turn it back:
 * a real photo that shows correctly only when its EXIF rotation is applied.
 */
export const exifRotatedLakePier = once(async () =>
  sharp(await readTestImage('lake-pier.jpg'))
    .rotate(-90)
    .jpeg({ quality: 92 })
    .withMetadata({ orientation: 6 })
    .toBuffer(),
);

/** `bytes` cut to `length`: a broken upload. */
export const truncated = (bytes: Buffer, length: number): Buffer => Buffer.from(bytes.subarray(0, length));

/**
 * A 12-megapixel (4000×3000) photo-like JPEG: a real photo scaled up, with pixel noise so the
 * encoder cannot flatten it. `seed` varies the noise, so each call gives different bytes.
 */
export async function photo12mp(file = 'lake-pier.jpg', seed = 0): Promise<Buffer> {
  const width = 4000;
  const height = 3000;
  const pixels = await sharp(await readTestImage(file)).rotate().resize(width, height, { fit: 'cover' }).removeAlpha().raw().toBuffer();
  const noise = randomBytes(pixels.length);
  for (let i = 0; i < pixels.length; i++) {
    const v = pixels[i]! + (((noise[i]! + seed) & 15) - 8);
    pixels[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
}
