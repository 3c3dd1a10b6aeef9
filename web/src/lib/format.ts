import { IMAGE_TYPES, LIMITS } from '@todo/shared/contract';

/** A size for people: "512 bytes", "300 KB", "2.5 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** A wait for people: "1 second", "30 seconds", "2 minutes". */
export function formatWait(seconds: number): string {
  if (seconds < 60) return seconds === 1 ? '1 second' : `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** ["a", "b", "c"] → "a, b or c". */
export const orList = (items: readonly string[]): string => items.join(', ').replace(/, ([^,]*)$/, ' or $1');

const typeName = (ext: string): string => (ext === 'jpg' ? 'JPEG' : ext === 'webp' ? 'WebP' : ext.toUpperCase());

/** The image types the API accepts, in words: "JPEG, PNG, WebP, GIF, AVIF or TIFF". */
export const IMAGE_TYPE_NAMES = orList(Object.values(IMAGE_TYPES).map(typeName));

/** The largest photo the API accepts, in words. */
export const IMAGE_MAX_SIZE = formatBytes(LIMITS.imageMaxBytes);
