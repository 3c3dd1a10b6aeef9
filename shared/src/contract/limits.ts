/** Limits shared by the functions (enforced) and the web app (checked before sending). */
export const LIMITS = {
  usernameMin: 3,
  usernameMax: 64,
  /** Lower-case letters, digits, dot, underscore and hyphen. */
  usernamePattern: /^[a-z0-9._-]+$/,
  passwordMin: 8,
  passwordMax: 256,
  /** Counted in Unicode code points, as MySQL counts VARCHAR(255) in utf8mb4. */
  titleMax: 255,
  /** Counted in UTF-8 bytes. */
  bodyMaxBytes: 64 * 1024,
  /** Largest JSON request body any function accepts, in bytes. */
  jsonBodyMaxBytes: 256 * 1024,
  /** Largest image upload, in bytes. */
  imageMaxBytes: 10 * 1024 * 1024,
  /** Largest decoded image, in pixels (width × height): guards against decompression bombs. */
  imageMaxPixels: 50_000_000,
  listLimitDefault: 20,
  listLimitMax: 100,
  labelsMax: 10,
} as const;

/** Image types predict-image accepts, with the file extension used for the stored object. */
export const IMAGE_TYPES: Readonly<Record<string, string>> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/avif': 'avif',
  'image/tiff': 'tiff',
};
