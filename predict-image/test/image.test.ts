/** predict-image's checks before decoding, and the decode to the model's input, on real images. */
import { LIMITS } from '@todo/shared/contract';
import { ApiError, MODEL_INPUT_SIZE } from '@todo/shared/server';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  cmykJpeg,
  exifRotatedJpeg,
  exifRotatedLakePier,
  png16,
  pngBomb,
  readTestImage,
  transparentPng,
  truncated,
} from '../../test/support/images.ts';
import { checkUpload, modelInput, sniffImageType } from '../src/image.ts';

const SIZE = MODEL_INPUT_SIZE;

/** A small photo-like image in each format sharp can write. */
async function encoded(format: 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'avif'): Promise<Buffer> {
  return sharp(await readTestImage('zebra.jpg'))
    .resize(96, 64)
    .toFormat(format)
    .toBuffer();
}

async function apiErrorOf(work: Promise<unknown> | (() => unknown)): Promise<ApiError> {
  let err: unknown;
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

/** The RGB value at (x, y) of the model input. */
const pixelAt = (rgb: Uint8Array, x: number, y: number): number[] => {
  const i = (y * SIZE + x) * 3;
  return [rgb[i]!, rgb[i + 1]!, rgb[i + 2]!];
};

const meanAbsDiff = (a: Uint8Array, b: Uint8Array): number => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
};

describe('sniffImageType', () => {
  it.each([
    ['jpeg', 'image/jpeg'],
    ['png', 'image/png'],
    ['gif', 'image/gif'],
    ['webp', 'image/webp'],
    ['tiff', 'image/tiff'],
    ['avif', 'image/avif'],
  ] as const)('knows %s by its signature', async (format, type) => {
    expect(sniffImageType(await encoded(format))).toBe(type);
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['text', Buffer.from('hello, this is not a photo')],
    ['half a JPEG signature', Buffer.from([0xff, 0xd8])],
    ['BMP', Buffer.from('BM\u0036\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0036\u0000\u0000\u0000', 'latin1')],
    ['PDF', Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj')],
    ['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')],
    ['HTML', Buffer.from('<!doctype html><img src=x onerror=alert(1)>')],
  ])('knows nothing else: %s', (_what, bytes) => {
    expect(sniffImageType(bytes)).toBeUndefined();
  });
});

describe('checkUpload', () => {
  let jpeg: Buffer;
  beforeAll(async () => {
    jpeg = await readTestImage('zebra.jpg');
  });

  it('accepts a supported type, parameters and case aside, and names the stored extension', () => {
    expect(checkUpload('image/jpeg', jpeg)).toEqual({ type: 'image/jpeg', ext: 'jpg' });
    expect(checkUpload('IMAGE/JPEG; charset=binary', jpeg)).toEqual({ type: 'image/jpeg', ext: 'jpg' });
  });

  it('stores what the bytes are, not what the client called them', async () => {
    expect(checkUpload('image/jpeg', await encoded('png'))).toEqual({ type: 'image/png', ext: 'png' });
    expect(checkUpload('image/webp', jpeg)).toEqual({ type: 'image/jpeg', ext: 'jpg' });
  });

  it.each([
    ['no Content-Type', undefined],
    ['text/plain', 'text/plain'],
    ['image/bmp', 'image/bmp'],
    ['application/pdf', 'application/pdf'],
    ['image/svg+xml', 'image/svg+xml'],
    ['application/octet-stream', 'application/octet-stream'],
  ])('refuses an unsupported declared type (415): %s', async (_what, type) => {
    const err = await apiErrorOf(() => checkUpload(type, jpeg));
    expect(err.code).toBe('unsupported_media_type');
    expect(err.status).toBe(415);
    expect(err.message).toMatch(/image\/jpeg/);
  });

  it('refuses an empty body (400)', async () => {
    const err = await apiErrorOf(() => checkUpload('image/jpeg', Buffer.alloc(0)));
    expect(err.code).toBe('validation_failed');
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/no photo/);
  });

  it.each([
    ['text', Buffer.from('just some text, sent as a photo')],
    ['a PDF', Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n')],
    ['a BMP', Buffer.from('BM6\u0000\u0000\u0000\u0000\u0000\u0000\u00006\u0000\u0000\u0000', 'latin1')],
  ])('refuses %s sent as image/jpeg (415)', async (_what, bytes) => {
    const err = await apiErrorOf(() => checkUpload('image/jpeg', bytes));
    expect(err.code).toBe('unsupported_media_type');
    expect(err.status).toBe(415);
  });

  it('refuses more than the size limit (413) without looking at the bytes', async () => {
    const tooBig = Buffer.alloc(LIMITS.imageMaxBytes + 1);
    jpeg.copy(tooBig);
    const err = await apiErrorOf(() => checkUpload('image/jpeg', tooBig));
    expect(err.code).toBe('payload_too_large');
    expect(err.status).toBe(413);
    expect(err.message).toMatch(/10 MB/);
    // Not even an image: the size is still what is reported.
    expect((await apiErrorOf(() => checkUpload('image/jpeg', Buffer.alloc(LIMITS.imageMaxBytes + 1)))).code).toBe(
      'payload_too_large',
    );
  });

  it('accepts exactly the size limit', () => {
    const atLimit = Buffer.alloc(LIMITS.imageMaxBytes);
    jpeg.copy(atLimit);
    expect(checkUpload('image/jpeg', atLimit).type).toBe('image/jpeg');
  });
});

describe('modelInput', () => {
  it('gives 384×384 RGB bytes for a real photo', async () => {
    const rgb = await modelInput(await readTestImage('zebra.jpg'));
    expect(rgb).toBeInstanceOf(Uint8Array);
    expect(rgb.length).toBe(SIZE * SIZE * 3);
  });

  it.each(['png', 'gif', 'webp', 'tiff', 'avif'] as const)('decodes %s to the same input as the JPEG', async (format) => {
    const fromJpeg = await modelInput(await encoded('jpeg'));
    const rgb = await modelInput(await encoded(format));
    expect(rgb.length).toBe(SIZE * SIZE * 3);
    // Same picture, different codecs (GIF's 256 colours is the coarsest).
    expect(meanAbsDiff(rgb, fromJpeg)).toBeLessThan(12);
  });

  it('applies EXIF rotation: a photo stored sideways comes out upright', async () => {
    const rgb = await modelInput(await exifRotatedJpeg());
    // Stored: red left, blue right. Upright (orientation 6): red on top, blue below.
    for (const x of [5, SIZE / 2, SIZE - 5]) {
      expect(pixelAt(rgb, x, 5)).toEqual([expect.closeTo(255, -1.5), expect.closeTo(0, -1.5), expect.closeTo(0, -1.5)]);
      expect(pixelAt(rgb, x, SIZE - 5)).toEqual([expect.closeTo(0, -1.5), expect.closeTo(0, -1.5), expect.closeTo(255, -1.5)]);
    }
  });

  it('turns the real EXIF-rotated photo back: it matches the photo stored upright', async () => {
    const upright = await modelInput(await readTestImage('lake-pier.jpg'));
    const rotated = await modelInput(await exifRotatedLakePier());
    expect(meanAbsDiff(rotated, upright)).toBeLessThan(3);
    // Read without its EXIF rotation the picture would be a different one altogether.
    const sideways = await sharp(await exifRotatedLakePier()).resize(SIZE, SIZE, { fit: 'fill' }).raw().toBuffer();
    expect(meanAbsDiff(new Uint8Array(sideways), upright)).toBeGreaterThan(20);
  });

  it('converts a CMYK JPEG to sRGB', async () => {
    expect((await sharp(await cmykJpeg()).metadata()).space).toBe('cmyk');
    const [r, g, b] = pixelAt(await modelInput(await cmykJpeg()), SIZE / 2, SIZE / 2);
    expect(r).toBeGreaterThan(200);
    expect(g).toBeLessThan(50);
    expect(b).toBeLessThan(60);
  });

  it('flattens transparency onto white and drops the alpha channel', async () => {
    const rgb = await modelInput(await transparentPng());
    expect(rgb.length).toBe(SIZE * SIZE * 3);
    expect(rgb.every((v) => v === 255)).toBe(true);
  });

  it('reads a 16-bit PNG as 8-bit values', async () => {
    expect((await sharp(await png16()).metadata()).depth).toBe('ushort');
    const rgb = await modelInput(await png16());
    expect(rgb.length).toBe(SIZE * SIZE * 3);
    expect(pixelAt(rgb, 10, 10)).toEqual([255, expect.closeTo(128, 0), 0]);
  });

  it('gives three equal channels for a greyscale photo', async () => {
    const grey = await sharp(await readTestImage('zebra.jpg')).toColourspace('b-w').jpeg().toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    const rgb = await modelInput(grey);
    expect(rgb.length).toBe(SIZE * SIZE * 3);
    const [r, g, b] = pixelAt(rgb, 100, 100);
    expect(g).toBe(r);
    expect(b).toBe(r);
  });

  it('refuses a decompression bomb from its header, naming the pixel limit (422)', async () => {
    const bomb = await pngBomb();
    expect(bomb.length).toBeLessThan(LIMITS.imageMaxBytes);
    const meta = await sharp(bomb, { limitInputPixels: false }).metadata();
    expect(meta.width! * meta.height!).toBe(400_000_000);
    const err = await apiErrorOf(modelInput(bomb));
    expect(err.code).toBe('unprocessable_image');
    expect(err.status).toBe(422);
    expect(err.message).toMatch(/too large in pixels \(at most 50 megapixels\)/);
  });

  it('refuses the truncated JPEG (422)', async () => {
    const err = await apiErrorOf(modelInput(await readTestImage('truncated.jpg')));
    expect(err.code).toBe('unprocessable_image');
    expect(err.message).toMatch(/damaged or cut off/);
  });

  it.each([
    ['a cut-off PNG', async () => truncated(await encoded('png'), 400)],
    ['a JPEG header alone', async () => truncated(await readTestImage('zebra.jpg'), 300)],
    ['a PNG signature and noise', async () => Buffer.concat([(await encoded('png')).subarray(0, 8), Buffer.alloc(2000, 7)])],
    ['a JPEG signature and noise', async () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(2000, 7)])],
  ])('refuses %s (422)', async (_what, make) => {
    const err = await apiErrorOf(modelInput(await make()));
    expect(err.code).toBe('unprocessable_image');
    expect(err.status).toBe(422);
  });
});
