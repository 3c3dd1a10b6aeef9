import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS, isErrorBody, type ErrorCode } from '../../shared/src/contract/errors.ts';
import { freePort } from '../../local/src/free-port.ts';
import { FUNCTIONS } from '../../shared/src/contract/routes.ts';
import { claimsFor, signToken, type TokenClaims } from '../../test/support/tokens.ts';
import { startFunctionHost, type FunctionRequest, type FunctionResponse } from './support/function-host.ts';
import { functionHostScript } from '../../test/support/paths.ts';
import { loadStack, repoRoot } from './support/repo.ts';

/**
 * Each built <fn>/dist as the node18 template uses it: copied alone to an empty folder (what
 * `faas-cli build` copies into the template's function/), `npm install --omit=dev` there, the
 * template's `npm test` step, then run under the local stack's node18 template host
 * (local/dist/function-host.js: Express + body-parser as template/node18/index.js, with the
 * watchdog's /_/health) in a fresh process, and called over HTTP. No database, object store or
 * model server: every address points at a closed port, so the calls that need one must answer 503
 * in the API's shape, quickly.
 */

const stack = loadStack();
/** What may stay outside the bundle (native code), per function. */
const EXTERNAL: Record<string, Record<string, string>> = { 'predict-image': { sharp: '0.34.5' } };

let work = '';
let closedPort = 0;
const installed: Record<string, string> = {};
const SECRET_VALUES: Record<string, string> = {
  'jwt-secret': 'test-only-jwt-key-for-the-dist-check-0123456789abcdef',
  'mysql-password': 'test-only',
  's3-access-key': 'test-only',
  's3-secret-key': 'test-only-key',
};

const execFileAsync = promisify(execFile);

const distReady = (fn: string) => existsSync(join(repoRoot, fn, 'dist', 'handler.js')) && existsSync(join(repoRoot, fn, 'dist', 'package.json'));

beforeAll(async () => {
  if (!FUNCTIONS.every(distReady) || !existsSync(functionHostScript)) {
    execFileSync('pnpm', ['build'], { cwd: repoRoot, stdio: 'inherit', timeout: 600_000 });
  }
  work = mkdtempSync(join(tmpdir(), 'dist-check-'));
  closedPort = await freePort();
  // The template copies the handler folder as it is; npm then installs what its package.json lists.
  await Promise.all(
    FUNCTIONS.map(async (fn) => {
      const dir = join(work, fn);
      cpSync(join(repoRoot, fn, 'dist'), dir, { recursive: true });
      try {
        await execFileAsync('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--no-package-lock'], { cwd: dir, timeout: 300_000 });
      } catch (err) {
        throw new Error(`${fn}: npm install failed: ${(err as { stderr?: string }).stderr ?? ''}`);
      }
      installed[fn] = dir;
    }),
  );
  mkdirSync(join(work, 'secrets'));
  for (const [name, value] of Object.entries(SECRET_VALUES)) writeFileSync(join(work, 'secrets', name), `${value}\n`);
  mkdirSync(join(work, 'no-secrets'));
  writeFileSync(join(work, 'labels.txt'), Array.from({ length: 1000 }, (_, i) => `class ${i}`).join('\n'));
}, 900_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The function's stack.yml environment, with every dependency moved to a closed local port. */
function envFor(fn: string, secretsDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(stack.functions[fn]!.environment ?? {})) env[k] = String(v);
  for (const k of ['MYSQL_HOST', 'MYSQL_PORT']) delete env[k];
  env.MYSQL_URL = `mysql://todo@127.0.0.1:${closedPort}/todo`;
  if (env.S3_ENDPOINT) env.S3_ENDPOINT = `http://127.0.0.1:${closedPort}`;
  if (env.MODEL_URL) env.MODEL_URL = `http://127.0.0.1:${closedPort}`;
  if (env.MODEL_LABELS) env.MODEL_LABELS = join(work, 'labels.txt');
  env.SECRETS_DIR = secretsDir;
  return env;
}

/** An HS256 token as login issues it, signed with the test secret, valid for ten minutes. */
function token(fn: string, claims: TokenClaims = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const issuer = String(stack.functions[fn]!.environment?.JWT_ISSUER ?? 'todo-openfaas');
  return signToken(claimsFor('1', 'alice', { iss: issuer, iat: now, exp: now + 600, ...claims }), SECRET_VALUES['jwt-secret']!);
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const auth = (fn: string) => ({ authorization: `Bearer ${token(fn)}` });
const credentials = JSON.stringify({ username: 'alice', password: 'long enough password' });
const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1, 0xff, 0xd9]);
const newTask = JSON.stringify({ title: 'Buy milk', body: '', dueDate: '2030-01-15' });

/** Per function: calls that must be answered without any dependency, and the error code each gets. */
const CALLS: Record<string, [string, FunctionRequest | ((fn: string) => FunctionRequest), ErrorCode][]> = {
  signup: [
    ['malformed JSON', { method: 'POST', path: '/', headers: JSON_HEADERS, body: '{"username": "alice",' }, 'invalid_json'],
    ['wrong method', { method: 'GET', path: '/' }, 'method_not_allowed'],
    ['database down', { method: 'POST', path: '/', headers: JSON_HEADERS, body: credentials }, 'service_unavailable'],
  ],
  login: [
    ['malformed JSON', { method: 'POST', path: '/', headers: JSON_HEADERS, body: '{bad json' }, 'invalid_json'],
    ['wrong method', { method: 'GET', path: '/' }, 'method_not_allowed'],
    ['database down', { method: 'POST', path: '/', headers: JSON_HEADERS, body: credentials }, 'service_unavailable'],
  ],
  'create-task': [
    ['no token', { method: 'POST', path: '/', headers: JSON_HEADERS, body: newTask }, 'unauthorized'],
    ['a bad token', { method: 'POST', path: '/', headers: { ...JSON_HEADERS, authorization: 'Bearer abc.def.ghi' }, body: newTask }, 'unauthorized'],
    ['an expired token', (fn) => ({ method: 'POST', path: '/', headers: { ...JSON_HEADERS, authorization: `Bearer ${token(fn, { exp: 1000, iat: 900 })}` }, body: newTask }), 'unauthorized'],
    ['database down', (fn) => ({ method: 'POST', path: '/', headers: { ...JSON_HEADERS, ...auth(fn) }, body: newTask }), 'service_unavailable'],
  ],
  'list-tasks': [
    ['no token', { method: 'GET', path: '/', query: 'limit=5' }, 'unauthorized'],
    ['wrong method', { method: 'POST', path: '/', headers: JSON_HEADERS, body: '{}' }, 'method_not_allowed'],
    ['database down', (fn) => ({ method: 'GET', path: '/', query: 'limit=5', headers: auth(fn) }), 'service_unavailable'],
  ],
  'delete-task': [
    ['no token', { method: 'DELETE', path: '/12' }, 'unauthorized'],
    ['a token of another issuer', (fn) => ({ method: 'DELETE', path: '/12', headers: { authorization: `Bearer ${token(fn, { iss: 'someone-else' })}` } }), 'unauthorized'],
    ['database down', (fn) => ({ method: 'DELETE', path: '/12', headers: auth(fn) }), 'service_unavailable'],
  ],
  'predict-image': [
    ['no token (upload)', { method: 'PUT', path: '/12', headers: { 'content-type': 'image/jpeg' }, body: jpeg }, 'unauthorized'],
    ['no token (download)', { method: 'GET', path: '/12' }, 'unauthorized'],
    ['database down', (fn) => ({ method: 'PUT', path: '/12', headers: { 'content-type': 'image/jpeg', ...auth(fn) }, body: jpeg }), 'service_unavailable'],
  ],
};

/** The needs of each function decide which secrets it refuses to start without. */
const REQUIRED_SECRETS: Record<string, string[]> = {
  signup: ['mysql-password'],
  login: ['mysql-password', 'jwt-secret'],
  'create-task': ['mysql-password', 'jwt-secret'],
  'list-tasks': ['mysql-password', 'jwt-secret'],
  'delete-task': ['mysql-password', 'jwt-secret', 's3-access-key', 's3-secret-key'],
  'predict-image': ['mysql-password', 'jwt-secret', 's3-access-key', 's3-secret-key'],
};

/** Express's own error page: the template answered without the handler (a body-parser refusal, a synchronous throw). */
const isExpressErrorPage = (res: FunctionResponse) =>
  /^text\/html/.test(res.headers['content-type'] ?? '') && /<title>Error<\/title>/.test(res.body.toString('utf8'));

function expectApiError(res: FunctionResponse, code: ErrorCode, what: string, hostOutput: () => string): void {
  expect(res.timedOut, `${what}: no answer within the time limit`).toBeFalsy();
  expect(res.error, `${what}: no answer: ${res.error}\n${hostOutput()}`).toBeUndefined();
  expect(isExpressErrorPage(res), `${what}: answered by the template before or without the handler (body-parser refusal or a synchronous throw): ${res.status} ${res.body.toString('utf8')}\n${hostOutput()}`).toBe(false);
  // One answer per call: a second succeed()/fail() or send is "headers already sent" in Express.
  expect(res.secondAnswers, `${what}: answered twice`).toEqual([]);
  expect(res.hostAlive, `${what}: the function process died\n${hostOutput()}`).toBe(true);
  expect(res.status, `${what}: status`).toBe(ERROR_STATUS[code]);
  expect(res.headers['content-type'], `${what}: content type`).toMatch(/^application\/json/);
  const text = res.body.toString('utf8');
  const body = JSON.parse(text) as unknown;
  expect(isErrorBody(body), `${what}: ${text}`).toBe(true);
  expect((body as { error: { code: string } }).error.code, `${what}: ${text}`).toBe(code);
  // No internals in answers.
  expect(text, what).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|\bat .*\.js:\d+|mysql:\/\/|SELECT |INSERT |svc\.cluster\.local/);
}

describe.each([...FUNCTIONS])('%s/dist under the node18 template host', (fn) => {
  it('is a CommonJS handler.js and a package.json with only unbundleable dependencies', () => {
    // The copy taken before `npm install` (one snapshot, whatever rebuilds happen meanwhile).
    const dist = installed[fn]!;
    const listed = readdirSync(dist).filter((f) => !f.endsWith('.map') && f !== 'node_modules' && f !== 'package-lock.json');
    expect(listed.sort()).toEqual(['handler.js', 'package.json']);
    const pkg = JSON.parse(readFileSync(join(dist, 'package.json'), 'utf8')) as {
      type?: string;
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    // "type": "module" would make the template's require('./function/handler') fail.
    expect(pkg.type ?? 'commonjs').toBe('commonjs');
    expect(pkg.dependencies ?? {}).toEqual(EXTERNAL[fn] ?? {});
    for (const v of Object.values({ ...pkg.dependencies, ...pkg.devDependencies })) expect(v).not.toMatch(/^(workspace|file|link):/);
    // The bundle requires only Node's own modules and the listed dependencies (optional ones a
    // library tries inside try/catch, and require(...) in message strings, do not count).
    const bundle = readFileSync(join(dist, 'handler.js'), 'utf8');
    const allowed = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`), ...Object.keys(pkg.dependencies ?? {})]);
    for (const m of bundle.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)) {
      const name = m[1]!;
      if (allowed.has(name) || allowed.has(name.split('/')[0]!)) continue;
      const line = bundle.slice(bundle.lastIndexOf('\n', m.index) + 1, m.index);
      const inString = ['"', "'", '`'].some((q) => (line.match(new RegExp(`(?<!\\\\)\\${q}`, 'g')) ?? []).length % 2 === 1);
      const inTry = /try\s*\{[^{}]*$/.test(bundle.slice(Math.max(0, m.index - 120), m.index));
      expect(inString || inTry, `handler.js requires "${name}", which is not installed in the template`).toBe(true);
    }
  });

  it('passes the template\'s `npm test` build step', () => {
    // template/node18/Dockerfile runs `npm test` in the function folder: a package.json without a
    // test script fails `faas-cli build` there ("Missing script: test").
    expect(() => execFileSync('npm', ['test', '--silent'], { cwd: installed[fn]!, stdio: 'pipe', timeout: 60_000 })).not.toThrow();
  });

  it('exports the handler function itself (the template calls module.exports)', () => {
    // In a fresh process with the function's environment and secrets, as the template's require().
    const out = execFileSync(
      process.execPath,
      ['-e', "const h = require(process.argv[1]); console.log(typeof h); process.exit(0)", join(installed[fn]!, 'handler.js')],
      { cwd: installed[fn]!, env: { PATH: process.env.PATH ?? '', ...envFor(fn, join(work, 'secrets')) }, encoding: 'utf8', timeout: 60_000 },
    );
    expect(out.trim().split('\n').at(-1)).toBe('function');
  });

  it('answers in the API error shape, with the right status, without any dependency', async () => {
    const calls = CALLS[fn]!;
    const start = await startFunctionHost({ dir: installed[fn]!, name: fn, env: envFor(fn, join(work, 'secrets')) });
    expect(start.started, start.started ? '' : `exit ${start.code ?? start.signal}: ${start.output}`).toBe(true);
    if (!start.started) return;
    const { host } = start;
    try {
      const began = Date.now();
      for (const [what, r, code] of calls) {
        const res = await host.call({ timeoutMs: 20_000, ...(typeof r === 'function' ? r(fn) : r) });
        expectApiError(res, code, `${fn}: ${what}`, () => host.output.slice(-4000));
      }
      // A dead dependency is noticed at once, not after a long hang.
      expect(Date.now() - began).toBeLessThan(30_000);
    } finally {
      await host.stop();
    }
  });

  it('refuses to start in production without its secrets, naming them', async () => {
    const env = envFor(fn, join(work, 'no-secrets'));
    expect(env.NODE_ENV, 'stack.yml runs the function in production').toBe('production');
    const start = await startFunctionHost({ dir: installed[fn]!, name: fn, env });
    if (start.started) await start.host.stop();
    expect(start.started, 'the function answered /_/health without its secrets').toBe(false);
    if (start.started) return;
    expect(start.code, start.output).not.toBe(0);
    for (const secret of REQUIRED_SECRETS[fn]!) expect(start.output).toContain(secret);
    expect(start.output).toContain('faas-cli secret create');
  });
});
