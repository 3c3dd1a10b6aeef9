/**
 * `pnpm build`: each function into `<fn>/dist/` (what `faas-cli build` copies into the node18
 * template), the local stack into `local/dist/`, and the web app into `web/dist/`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { FUNCTIONS } from '../shared/src/contract/routes.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  /** Dependencies left out of the bundle (native code) and installed by the template instead. */
  bundleExternal?: string[];
}

const readPackage = async (dir: string) => JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as PackageJson;

async function buildFunction(name: string): Promise<void> {
  const dir = join(root, name);
  const pkg = await readPackage(dir);
  const external = pkg.bundleExternal ?? [];
  const out = join(dir, 'dist');
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  await build({
    // The template does `require('./function/handler')` and calls what it exports. The entry is
    // ESM so that esbuild can tree-shake (a require() here kept all of shared/server, minio
    // included, in every bundle: 3.3 MB instead of 2.1, ~45 ms more at each cold start);
    // the footer then makes the default export the module itself.
    stdin: { contents: "export { default } from './src/handler.ts';", resolveDir: dir, loader: 'js' },
    footer: { js: 'module.exports = module.exports.default;' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    // Runs on the node18, node20 and node22 templates.
    target: 'node18',
    outfile: join(out, 'handler.js'),
    external,
    minifySyntax: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const dependencies = Object.fromEntries(external.map((dep) => [dep, pkg.dependencies?.[dep] ?? '*']));
  const distPackage = {
    name: `todo-${name}`,
    version: pkg.version,
    private: true,
    main: 'handler.js',
    // The template's Dockerfile runs `npm test` in this folder: check that the handler loads there
    // (on the template's Node, with its native dependencies installed).
    scripts: { test: `node -e "if (typeof require('./handler.js') !== 'function') process.exit(1)"` },
    dependencies,
  };
  await writeFile(join(out, 'package.json'), `${JSON.stringify(distPackage, null, 2)}\n`);
}

async function buildLocal(): Promise<void> {
  const dir = join(root, 'local');
  const pkg = await readPackage(dir);
  const external = Object.keys(pkg.dependencies ?? {}).filter((d) => !d.startsWith('@todo/'));
  const entries = {
    main: 'src/main.ts',
    'function-host': 'src/function-host.ts',
    'model-server': 'src/model-server/main.ts',
  };
  await build({
    entryPoints: Object.fromEntries(
      Object.entries(entries)
        .filter(([, file]) => existsSync(join(dir, file)))
        .map(([out, file]) => [out, join(dir, file)]),
    ),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outdir: join(dir, 'dist'),
    external,
    logLevel: 'warning',
  });
}

function buildWeb(): void {
  const dir = join(root, 'web');
  if (!existsSync(join(dir, 'vite.config.ts'))) return;
  execFileSync(process.execPath, [join(dir, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: dir,
    stdio: 'inherit',
  });
}

const started = performance.now();
await Promise.all([...FUNCTIONS.map(buildFunction), buildLocal()]);
buildWeb();
console.log(`built ${FUNCTIONS.length} functions, the local stack and the web app in ${Math.round(performance.now() - started)} ms`);
