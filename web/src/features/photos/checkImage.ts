import { IMAGE_TYPES, LIMITS } from '@todo/shared/contract';
import { IMAGE_MAX_SIZE, IMAGE_TYPE_NAMES, formatBytes } from '../../lib/format.ts';

export const ACCEPT = Object.keys(IMAGE_TYPES).join(',');

/** The same type and size rules predict-image applies, checked before a byte is sent. */
export function checkImage(file: Pick<File, 'type' | 'size' | 'name'>): string | null {
  if (!Object.hasOwn(IMAGE_TYPES, file.type)) {
    return `“${file.name}” is not a photo we can use. Please choose a ${IMAGE_TYPE_NAMES} image.`;
  }
  if (file.size === 0) return `“${file.name}” is empty. Please choose another photo.`;
  if (file.size > LIMITS.imageMaxBytes) {
    return `“${file.name}” is ${formatBytes(file.size)}. Please choose a photo of at most ${IMAGE_MAX_SIZE}.`;
  }
  return null;
}
