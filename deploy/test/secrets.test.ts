import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { repoFiles, repoRoot } from './support/repo.ts';

/**
 * Nothing in the repository may look like a real credential. Scanned: every file git would commit
 * (deploy/secrets/ is ignored, so an operator's real files there are never read). Source-code test
 * fixtures (*.ts) may hold throwaway passwords for test users and are only checked for key
 * material and cloud tokens.
 */
const files = repoFiles().filter((f) => !/(^|\/)pnpm-lock\.yaml$|\.(png|jpe?g|gif|webp|avif|ico|onnx|woff2?|ttf|pdf|zip|gz)$/i.test(f));
const text = (f: string): string => readFileSync(join(repoRoot, f), 'utf8');

/** Configuration and documentation: where a literal password would be a deployment default. */
const isConfig = (f: string): boolean =>
  /\.(ya?ml|json|env|conf|cfg|ini|toml|properties|sh|md|sql|txt)$|(^|\/)(Dockerfile[^/]*|\.env[^/]*|run)$/i.test(f);

const PLACEHOLDER = /^(\$|<.*>$|\{\{|\*+$)|REPLACE|CHANGE[_-]?ME|EXAMPLE|PLACEHOLDER|YOUR[_-]|^x{3,}$|^(true|false|null|~|none|""|'')$/i;

/** Shannon entropy in bits per character. */
function entropy(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

/** A generated credential: long, mixed case with digits (or long hex), high entropy; not a flag or a date. */
const looksRandom = (s: string): boolean =>
  s.length >= 20 &&
  /^[A-Za-z0-9+/=_][A-Za-z0-9+/=_-]+$/.test(s) &&
  ((/[A-Z]/.test(s) && /[a-z]/.test(s) && (s.match(/\d/g) ?? []).length >= 3) || /^[0-9a-f]{32,}$/.test(s)) &&
  entropy(s) > 3.5;

describe('no secrets in the repository', () => {
  it('scans the repository', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(files).toContain('stack.yml');
    expect(files.some((f) => f.startsWith('deploy/secrets/') && !/generate\.sh$|\.gitignore$/.test(f))).toBe(false);
  });

  it('holds no private keys or cloud tokens', () => {
    const found: string[] = [];
    for (const f of files) {
      const t = text(f);
      if (/-----BEGIN ([A-Z]+ )*PRIVATE KEY( BLOCK)?-----/.test(t)) found.push(`${f}: private key`);
      if (/\bAKIA[0-9A-Z]{16}\b/.test(t)) found.push(`${f}: AWS access key id`);
      if (/\bgh[pousr]_[A-Za-z0-9]{36}\b/.test(t)) found.push(`${f}: GitHub token`);
      if (/\bxox[abprs]-[A-Za-z0-9-]{10,}/.test(t)) found.push(`${f}: Slack token`);
      if (/\bsk-[A-Za-z0-9]{32,}\b/.test(t)) found.push(`${f}: API key`);
    }
    expect(found).toEqual([]);
  });

  it('has no Kubernetes Secret with a real value', () => {
    const found: string[] = [];
    for (const f of files.filter((x) => /\.ya?ml$/i.test(x))) {
      for (const doc of parseAllDocuments(text(f))) {
        const o = doc.toJS() as { kind?: string; data?: Record<string, string>; stringData?: Record<string, string> } | null;
        if (o?.kind !== 'Secret') continue;
        for (const [k, v] of Object.entries({ ...(o.data ?? {}), ...(o.stringData ?? {}) })) {
          const value = o.data && k in o.data ? Buffer.from(String(v), 'base64').toString('utf8') : String(v);
          if (value && !PLACEHOLDER.test(value)) found.push(`${f}: Secret key ${k} has a value`);
        }
      }
    }
    expect(found).toEqual([]);
  });

  it('writes no literal passwords, secrets or keys in configuration and docs', () => {
    const found: string[] = [];
    const assignment = /\b([A-Za-z0-9_.-]*(?:password|passwd|secret|secret[_-]?key|access[_-]?key|api[_-]?key|token))\b["']?\s*[:=]\s*["']?([^\s"'#,;)}]+)/gi;
    for (const f of files.filter(isConfig)) {
      for (const [i, line] of text(f).split('\n').entries()) {
        // A request body in a curl example is a demo user's input, not a deployment setting.
        const example = /\bcurl\b/.test(line) && /\s-d\s|--data/.test(line);
        for (const m of example ? [] : line.matchAll(assignment)) {
          const value = m[2]!;
          // References, paths, secret and key names, and flags are not values.
          if (PLACEHOLDER.test(value) || value.includes('/') || /^--?[a-z]/.test(value) || /^[a-z0-9]+(-[a-z0-9]+)+$/.test(value)) continue;
          if (/^[A-Z0-9_]+$/.test(value) && /[A-Z]/.test(value)) continue; // an environment variable's name
          if (value.length < 6) continue; // a word, not a credential
          found.push(`${f}:${i + 1}: ${m[1]}=${value}`);
        }
        for (const token of line.match(/[A-Za-z0-9+/=_-]{20,}/g) ?? []) {
          if (looksRandom(token) && !/sha256|sha512|integrity/i.test(line) && !token.includes('/')) found.push(`${f}:${i + 1}: random-looking ${token.slice(0, 8)}…`);
        }
      }
    }
    expect(found).toEqual([]);
  });
});

/**
 * The project's test data (../shared: the model, its labels, the photos) is read in place by the
 * tests and fetched by the deployment (deploy/model/fetch-model.sh); it is never copied into the
 * repository, under any name.
 */
describe('no copies of the project\'s test data in the repository', () => {
  const shared = resolve(repoRoot, '..', 'shared');
  const dirs = [process.env.TEST_MODEL_DIR ?? join(shared, 'models'), process.env.TEST_IMAGES_DIR ?? join(shared, 'images')];

  it('holds no file with the content of one in the test model or image folders', () => {
    const present = dirs.filter((d) => existsSync(d));
    const data = new Map<number, Map<string, string>>();
    for (const dir of present) {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (!statSync(path).isFile() || name === 'README.md') continue;
        const bytes = readFileSync(path);
        const bySize = data.get(bytes.length) ?? new Map<string, string>();
        bySize.set(createHash('sha256').update(bytes).digest('hex'), path);
        data.set(bytes.length, bySize);
      }
    }
    const found: string[] = [];
    for (const f of repoFiles()) {
      const bySize = data.get(statSync(join(repoRoot, f)).size);
      const copyOf = bySize?.get(createHash('sha256').update(readFileSync(join(repoRoot, f))).digest('hex'));
      if (copyOf) found.push(`${f} is a copy of ${copyOf}`);
    }
    expect(found).toEqual([]);
  });

  it('keeps no ImageNet class list of its own (the labels come from TensorFlow at deploy time)', () => {
    const found = files.filter((f) => {
      if (!/\.(txt|json|csv)$/i.test(f) || f.startsWith('deploy/test/')) return false;
      const t = text(f);
      return /^tench\r?\n(goldfish|Carassius auratus)/m.test(t);
    });
    expect(found).toEqual([]);
  });
});
