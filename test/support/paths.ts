import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The real test model (read in place, never copied): `TEST_MODEL_DIR`, else ../shared/models. */
export const testModelDir = process.env.TEST_MODEL_DIR ?? resolve(repoRoot, '..', 'shared', 'models');

/** The real test photos (read in place, never copied): `TEST_IMAGES_DIR`, else ../shared/images. */
export const testImagesDir = process.env.TEST_IMAGES_DIR ?? resolve(repoRoot, '..', 'shared', 'images');

/** MariaDB/MySQL server for tests: `TEST_MYSQL_URL` without a database name. */
export const testMysqlServer = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/** The built node18 template host (`pnpm build`), which runs one function's dist/handler.js. */
export const functionHostScript = resolve(repoRoot, 'local', 'dist', 'function-host.js');
