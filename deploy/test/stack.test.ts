import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isPair, isScalar, parseDocument, type Node } from 'yaml';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../shared/src/contract/limits.ts';
import { FUNCTIONS } from '../../shared/src/contract/routes.ts';
import { cpuMillis, functionFolders, goDurationMs, loadStack, memoryBytes, readText, repoRoot } from './support/repo.ts';

type Dependency = 'mysql' | 'jwt' | 's3' | 'model';

/** What each function talks to (the lead's table; each handler's `needs:` must say the same). */
const NEEDS: Record<string, Dependency[]> = {
  signup: ['mysql'],
  login: ['mysql', 'jwt'],
  'create-task': ['mysql', 'jwt'],
  'list-tasks': ['mysql', 'jwt'],
  'delete-task': ['mysql', 'jwt', 's3'],
  'predict-image': ['mysql', 'jwt', 's3', 'model'],
};

const SECRETS_FOR: Record<Dependency, string[]> = {
  mysql: ['mysql-password'],
  jwt: ['jwt-secret'],
  s3: ['s3-access-key', 's3-secret-key'],
  model: [],
};

/** Settings read by the template and the watchdog rather than by the app. */
const TEMPLATE_ENV = ['RAW_BODY', 'MAX_RAW_SIZE', 'MAX_JSON_SIZE', 'read_timeout', 'write_timeout', 'exec_timeout', 'healthcheck_interval', 'max_inflight'];
const ENV_FOR: Record<Dependency | 'always' | 'login', { required: string[]; optional: string[] }> = {
  always: { required: ['NODE_ENV', 'RAW_BODY', 'MAX_RAW_SIZE', 'read_timeout', 'write_timeout', 'exec_timeout'], optional: ['MAX_JSON_SIZE', 'healthcheck_interval', 'max_inflight'] },
  mysql: { required: ['MYSQL_HOST', 'MYSQL_PORT', 'MYSQL_DATABASE', 'MYSQL_USER'], optional: ['MYSQL_POOL_SIZE', 'MYSQL_QUERY_TIMEOUT_MS'] },
  jwt: { required: ['JWT_ISSUER'], optional: ['JWT_TTL_SECONDS'] },
  login: { required: ['JWT_TTL_SECONDS', 'LOGIN_MAX_FAILURES', 'LOGIN_LOCK_SECONDS'], optional: [] },
  s3: { required: ['S3_ENDPOINT', 'S3_BUCKET', 'S3_REGION'], optional: [] },
  model: { required: ['MODEL_URL', 'MODEL_NAME', 'MODEL_LABELS', 'MODEL_TIMEOUT_MS'], optional: [] },
};

const stack = loadStack();
const names = Object.keys(stack.functions).sort();

function sourcesOf(dir: string): string[] {
  const out: string[] = [];
  const visit = (abs: string) => {
    for (const e of readdirSync(abs, { withFileTypes: true })) {
      if (e.isDirectory()) visit(join(abs, e.name));
      else if (/\.tsx?$/.test(e.name)) out.push(join(abs, e.name));
    }
  };
  try {
    if (statSync(dir).isDirectory()) visit(dir);
  } catch {
    // no such folder
  }
  return out;
}

/** Function names the web app calls: functionPath('x'…), '/function/x', or a bare 'x' literal. */
function webRoutes(): { strict: Set<string>; loose: Set<string>; files: number } {
  const files = sourcesOf(join(repoRoot, 'web', 'src')).filter((f) => !/\.test\.tsx?$/.test(f));
  const strict = new Set<string>();
  const loose = new Set<string>();
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/functionPath\(\s*['"`]([a-z0-9-]+)['"`]/g)) strict.add(m[1]!);
    for (const m of text.matchAll(/\/function\/([a-z][a-z0-9-]*)/g)) strict.add(m[1]!);
    for (const name of FUNCTIONS) if (new RegExp(`['"\`]${name}['"\`/]`).test(text)) loose.add(name);
  }
  return { strict, loose, files: files.length };
}

describe('stack.yml functions', () => {
  it('are the function folders, FUNCTIONS in the contract, and what the web app calls', () => {
    expect(names).toEqual([...FUNCTIONS].sort());
    expect(functionFolders()).toEqual([...FUNCTIONS].sort());
    const web = webRoutes();
    expect(web.files, 'web/src has no source files yet').toBeGreaterThan(0);
    // Every route the web app names exists...
    for (const name of web.strict) expect(FUNCTIONS as readonly string[], `web/src calls /function/${name}`).toContain(name);
    // ...and every function is called by the web app.
    expect([...new Set([...web.strict, ...web.loose])].sort()).toEqual([...FUNCTIONS].sort());
  });

  it('has the provider and pulls the node18 template', () => {
    expect(stack.provider.name).toBe('openfaas');
    expect(stack.configuration?.templates?.map((t) => t.name)).toContain('node18');
  });

  it.each(names)('%s: node18, its built dist folder, a registry-prefixed image', (name) => {
    const fn = stack.functions[name]!;
    expect(fn.lang).toBe('node18');
    expect(fn.handler).toBe(`./${name}/dist`);
    expect(fn.image).toMatch(new RegExp(`^\\$\\{REGISTRY(:-[^}]+)?\\}/todo-${name}:\\$\\{TAG(:-[^}]+)?\\}$`));
    // Function names are DNS labels (RFC 1035), as OpenFaaS requires.
    expect(name).toMatch(/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/);
  });

  it.each(names)('%s: secrets are exactly the ones it needs', (name) => {
    const expected = NEEDS[name]!.flatMap((d) => SECRETS_FOR[d]).sort();
    expect([...(stack.functions[name]!.secrets ?? [])].sort()).toEqual(expected);
  });

  it.each(names)("%s: needs in its handler match the table", (name) => {
    const source = readText(`${name}/src/handler.ts`);
    const m = /needs:\s*\[([^\]]*)\]/.exec(source);
    expect(m, `${name}/src/handler.ts declares no needs`).toBeTruthy();
    const declared = [...m![1]!.matchAll(/'([a-z0-9]+)'/g)].map((x) => x[1]).sort();
    expect(declared).toEqual([...NEEDS[name]!].sort());
  });

  it.each(names)('%s: environment has what it reads and nothing it does not', (name) => {
    const env = stack.functions[name]!.environment ?? {};
    const groups: (keyof typeof ENV_FOR)[] = ['always', ...NEEDS[name]!, ...(name === 'login' ? ['login' as const] : [])];
    const required = groups.flatMap((g) => ENV_FOR[g].required);
    const allowed = new Set(groups.flatMap((g) => [...ENV_FOR[g].required, ...ENV_FOR[g].optional]));
    for (const key of required) expect(env, `${name} lacks ${key}`).toHaveProperty(key);
    for (const key of Object.keys(env)) expect(allowed.has(key), `${name}: unexpected ${key}`).toBe(true);
    // All values are strings: faas-cli and Kubernetes take environment values as text.
    for (const [key, value] of Object.entries(env)) expect(typeof value, `${name}.${key}`).toBe('string');
    expect(env.NODE_ENV).toBe('production');
    expect(env.RAW_BODY).toBe('true');
    expect(env.MAX_RAW_SIZE).toBe(name === 'predict-image' ? '12mb' : '1mb');
    // Nothing secret in plain settings.
    for (const key of Object.keys(env)) expect(key).not.toMatch(/PASSWORD|SECRET|TOKEN|ACCESS_KEY|PRIVATE/i);
  });

  it('names only settings the code reads', () => {
    const code = [
      ...sourcesOf(join(repoRoot, 'shared', 'src')),
      ...names.flatMap((n) => sourcesOf(join(repoRoot, n, 'src'))),
    ].map((f) => readFileSync(f, 'utf8')).join('\n');
    const keys = new Set(names.flatMap((n) => Object.keys(stack.functions[n]!.environment ?? {})));
    for (const key of keys) {
      if (TEMPLATE_ENV.includes(key) || key === 'NODE_ENV') continue;
      expect(code.includes(`'${key}'`) || code.includes(`env.${key}`), `nothing reads ${key}`).toBe(true);
    }
  });

  it.each(names)('%s: watchdog timeouts are Go durations in a sane order', (name) => {
    const env = stack.functions[name]!.environment as Record<string, string>;
    const read = goDurationMs(env.read_timeout!);
    const write = goDurationMs(env.write_timeout!);
    const exec = goDurationMs(env.exec_timeout!);
    expect(exec).toBeGreaterThan(0);
    // The response must be writable for at least as long as the function may run.
    expect(write).toBeGreaterThanOrEqual(exec);
    expect(read).toBeGreaterThan(0);
    if (env.MODEL_TIMEOUT_MS) expect(Number(env.MODEL_TIMEOUT_MS)).toBeLessThan(exec);
  });

  it('gives predict-image the longest timeouts', () => {
    const exec = (n: string) => goDurationMs((stack.functions[n]!.environment as Record<string, string>).exec_timeout!);
    for (const n of names) expect(exec('predict-image')).toBeGreaterThanOrEqual(exec(n));
  });

  it('sizes bodies above the app limits, so the API answers 413 itself', () => {
    const bytes = (s: string) => Number(/^(\d+)mb$/.exec(s)![1]) * 1024 * 1024;
    for (const n of names) {
      const max = bytes((stack.functions[n]!.environment as Record<string, string>).MAX_RAW_SIZE!);
      expect(max).toBeGreaterThan(n === 'predict-image' ? LIMITS.imageMaxBytes : LIMITS.jsonBodyMaxBytes);
    }
  });

  it.each(names)('%s: requests and limits, limits above requests', (name) => {
    const fn = stack.functions[name]!;
    for (const part of ['requests', 'limits'] as const) {
      expect(fn[part]?.memory, `${name} ${part}.memory`).toMatch(/^\d+(Mi|Gi)$/);
      expect(fn[part]?.cpu, `${name} ${part}.cpu`).toBeDefined();
    }
    expect(memoryBytes(fn.limits!.memory!)).toBeGreaterThanOrEqual(memoryBytes(fn.requests!.memory!));
    expect(cpuMillis(fn.limits!.cpu!)).toBeGreaterThanOrEqual(cpuMillis(fn.requests!.cpu!));
  });

  it('gives predict-image far more memory than any JSON function', () => {
    const mem = (n: string) => memoryBytes(stack.functions[n]!.limits!.memory!);
    for (const n of names.filter((x) => x !== 'predict-image')) {
      expect(mem('predict-image')).toBeGreaterThanOrEqual(4 * mem(n));
    }
    // A 12 MP photo decoded to RGBA is ~48 MB; sharp's pixel limit allows far bigger.
    expect(mem('predict-image')).toBeGreaterThanOrEqual(LIMITS.imageMaxPixels * 4 * 1.5);
  });

  const doc = parseDocument(readText('stack.yml'));
  it.each(names)('%s: autoscaling labels, explained in a comment', (name) => {
    const labels = stack.functions[name]!.labels ?? {};
    for (const key of ['min', 'max', 'target', 'type']) {
      expect(typeof labels[`com.openfaas.scale.${key}`], `${name} com.openfaas.scale.${key} (a string)`).toBe('string');
    }
    const min = Number(labels['com.openfaas.scale.min']);
    const max = Number(labels['com.openfaas.scale.max']);
    const target = Number(labels['com.openfaas.scale.target']);
    expect(Number.isInteger(min) && min >= 1).toBe(true);
    expect(Number.isInteger(max) && max >= min).toBe(true);
    expect(Number.isInteger(target) && target > 0).toBe(true);
    expect(['rps', 'capacity', 'cpu']).toContain(labels['com.openfaas.scale.type']);
    // Kubernetes label values: at most 63 characters, alphanumeric at both ends.
    for (const v of Object.values(labels)) expect(String(v)).toMatch(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/);

    const node = doc.getIn(['functions', name, 'labels'], true) as Node | undefined;
    const comments: string[] = [];
    if (node && isMap(node)) {
      if (node.commentBefore) comments.push(node.commentBefore);
      if (node.comment) comments.push(node.comment);
      for (const item of node.items) {
        if (!isPair(item)) continue;
        for (const part of [item.key, item.value]) {
          if (isScalar(part) && (part.commentBefore || part.comment)) comments.push(`${part.commentBefore ?? ''}${part.comment ?? ''}`);
        }
      }
    }
    expect(comments.join(' ').trim().length, `${name}: say why in a comment on its labels`).toBeGreaterThan(30);
  });

  it('keeps every function process read-only outside /tmp', () => {
    for (const n of names) expect(stack.functions[n]!.readonly_root_filesystem, n).toBe(true);
  });
});
