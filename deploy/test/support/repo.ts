import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { repoRoot } from '../../../test/support/paths.ts';

export { repoRoot };
export const deployDir = join(repoRoot, 'deploy');

export const readText = (path: string): string => readFileSync(join(repoRoot, path), 'utf8');

const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', '.data', 'coverage', 'test-artifacts']);

/** Files under `dir` (repository-relative), skipping dependencies and build output. */
function walk(dir: string): string[] {
  const out: string[] = [];
  const visit = (abs: string) => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIP_DIRS.has(entry.name)) visit(join(abs, entry.name));
      } else if (entry.isFile()) {
        out.push(relative(repoRoot, join(abs, entry.name)));
      }
    }
  };
  visit(join(repoRoot, dir));
  return out.sort();
}

/**
 * The files git would commit: tracked plus untracked-but-not-ignored (so local secrets in
 * deploy/secrets/ and build output are left out, as they never reach the repository).
 */
export function repoFiles(): string[] {
  try {
    const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
      cwd: repoRoot,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    return out
      .split('\0')
      .filter(Boolean)
      .filter((f) => existsSync(join(repoRoot, f)) && statSync(join(repoRoot, f)).isFile())
      .sort();
  } catch {
    // Not a git checkout (an exported tree): every file but the usual output folders.
    return walk('.').filter((f) => !f.startsWith('deploy/secrets/') || f.endsWith('generate.sh') || f.endsWith('.gitignore'));
  }
}

export const isYamlFile = (f: string): boolean => /\.ya?ml$/i.test(f);

export function parseYamlDocs(path: string): unknown[] {
  const docs = parseAllDocuments(readText(path), { prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const d of list) {
    if (d.errors.length > 0) throw new Error(`${path}: ${d.errors.map((e) => e.message).join('; ')}`);
  }
  return list.map((d) => d.toJS()).filter((d) => d !== null && d !== undefined);
}

export interface StackFunction {
  lang: string;
  handler: string;
  image: string;
  environment?: Record<string, unknown>;
  secrets?: string[];
  labels?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
  requests?: { memory?: string; cpu?: string };
  limits?: { memory?: string; cpu?: string };
  readonly_root_filesystem?: boolean;
  [key: string]: unknown;
}

export interface Stack {
  version: unknown;
  provider: { name: string; gateway?: string };
  configuration?: { templates?: { name: string; source?: string }[]; copy?: string[] };
  functions: Record<string, StackFunction>;
}

export const loadStack = (): Stack => parse(readText('stack.yml')) as Stack;

/** Folders at the repository root that hold a function: `<name>/src/handler.ts`. */
export function functionFolders(): string[] {
  return readdirSync(repoRoot, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules')
    .filter((e) => existsSync(join(repoRoot, e.name, 'src', 'handler.ts')))
    .map((e) => e.name)
    .sort();
}

/** Go's time.ParseDuration for the simple forms the watchdog takes ("10s", "1m30s", "500ms"). */
export function goDurationMs(value: string): number {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  for (let m = re.exec(value); m; m = re.exec(value)) {
    total += Number(m[1]) * units[m[2]!]!;
    matched = re.lastIndex;
  }
  if (matched === 0 || matched !== value.length) throw new Error(`not a Go duration: "${value}"`);
  return total;
}

/** Kubernetes memory quantities ("96Mi", "1Gi", "512M") in bytes. */
export function memoryBytes(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(q);
  if (!m) throw new Error(`not a memory quantity: ${q}`);
  const mult: Record<string, number> = { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Number(m[1]) * mult[m[2] ?? '']!;
}

/** Kubernetes CPU quantities ("250m", "2", "0.5") in millicores. */
export function cpuMillis(q: string | number): number {
  const s = String(q);
  const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(s);
  if (!m) throw new Error(`not a CPU quantity: ${s}`);
  return m[2] ? Number(m[1]) : Number(m[1]) * 1000;
}
