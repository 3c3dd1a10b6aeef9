import { IMAGE_TYPES, LIMITS } from '@todo/shared/contract';
import { ApiError, MODEL_INPUT_SIZE } from '@todo/shared/server';
import sharp from 'sharp';

// One decode at a time per process keeps memory bounded (function replicas give the parallelism).
sharp.concurrency(1);
sharp.cache(false);

/** The format the bytes really are, from their signature; undefined for anything else. */
export function sniffImageType(bytes: Buffer): string | undefined {
  const ascii = (start: number, end: number) => bytes.subarray(start, end).toString('latin1');
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return 'image/gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'image/webp';
  if (ascii(0, 4) === 'II*\u0000' || ascii(0, 4) === 'MM\u0000*') return 'image/tiff';
  if (ascii(4, 8) === 'ftyp' && ['avif', 'avis'].includes(ascii(8, 12))) return 'image/avif';
  return undefined;
}

/** Checks type and size before any decoding: 400 empty, 413 too large, 415 not a supported image. */
export function checkUpload(contentType: string | undefined, bytes: Buffer): { type: string; ext: string } {
  const declared = contentType?.split(';')[0]!.trim().toLowerCase();
  const supported = Object.keys(IMAGE_TYPES).join(', ');
  if (!declared || !IMAGE_TYPES[declared]) {
    throw new ApiError('unsupported_media_type', `Send the photo as the body with its type as Content-Type (${supported}).`);
  }
  if (bytes.length === 0) throw new ApiError('validation_failed', 'The request has no photo in its body.');
  if (bytes.length > LIMITS.imageMaxBytes) {
    throw new ApiError('payload_too_large', `The photo must be at most ${LIMITS.imageMaxBytes / 1048576} MB.`);
  }
  const actual = sniffImageType(bytes);
  if (!actual) throw new ApiError('unsupported_media_type', `The body is not an image of a supported type (${supported}).`);
  return { type: actual, ext: IMAGE_TYPES[actual]! };
}

const unprocessable = (cause?: unknown) =>
  new ApiError('unprocessable_image', 'The photo could not be read: it may be damaged or cut off. Try another file.', { cause });

/**
 * Decodes the photo (upright per EXIF, sRGB, transparency flattened onto white) and resizes it to
 * the model's square input: 384×384×3 bytes, row-major RGB.
 */
export async function modelInput(bytes: Buffer): Promise<Uint8Array> {
  const options = { limitInputPixels: LIMITS.imageMaxPixels, failOn: 'error' as const, sequentialRead: true };
  let meta: sharp.Metadata;
  try {
    // Header only, without the pixel limit, so that a bomb gets the message that names it below.
    meta = await sharp(bytes, { ...options, limitInputPixels: false }).metadata();
  } catch (err) {
    throw unprocessable(err);
  }
  // The header alone tells a decompression bomb: refuse it before decoding a single pixel.
  if (!meta.width || !meta.height || meta.width * meta.height > LIMITS.imageMaxPixels) {
    throw new ApiError(
      'unprocessable_image',
      `The photo is too large in pixels (at most ${Math.round(LIMITS.imageMaxPixels / 1e6)} megapixels).`,
    );
  }
  try {
    const { data, info } = await sharp(bytes, options)
      .rotate()
      .toColourspace('srgb')
      .flatten({ background: '#ffffff' })
      .resize(MODEL_INPUT_SIZE, MODEL_INPUT_SIZE, { fit: 'fill', fastShrinkOnLoad: true })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== MODEL_INPUT_SIZE * MODEL_INPUT_SIZE * 3) throw new Error('unexpected pixel layout');
    return new Uint8Array(data.buffer, data.byteOffset, data.length);
  } catch (err) {
    throw unprocessable(err);
  }
}
