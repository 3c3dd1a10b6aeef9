import { IMAGE_TYPES, LIMITS } from '@todo/shared/contract';

export const ACCEPT = Object.keys(IMAGE_TYPES).join(',');

const typeNames = Object.values(IMAGE_TYPES)
  .map((ext) => (ext === 'jpg' ? 'JPEG' : ext.toUpperCase().replace('WEBP', 'WebP').replace('AVIF', 'AVIF')))
  .join(', ')
  .replace(/, ([^,]*)$/, ' or $1');

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** The same type and size rules predict-image applies, checked before a byte is sent. */
export function checkImage(file: Pick<File, 'type' | 'size' | 'name'>): string | null {
  if (!Object.hasOwn(IMAGE_TYPES, file.type)) {
    return `“${file.name}” is not a photo we can use. Please choose a ${typeNames} image.`;
  }
  if (file.size === 0) return `“${file.name}” is empty. Please choose another photo.`;
  if (file.size > LIMITS.imageMaxBytes) {
    return `“${file.name}” is ${formatBytes(file.size)}. Please choose a photo of at most ${formatBytes(LIMITS.imageMaxBytes)}.`;
  }
  return null;
}
