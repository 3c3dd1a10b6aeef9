/**
 * Issue 7, item 8: in production mode each built function refuses to start without its secret
 * files (environment fallbacks do not count there), naming exactly the secrets stack.yml gives
 * it; with those files it starts. And no secret, password or token appears in a log line: every
 * stack of the suite is checked as it stops, and the whole run's logs once more at the end of
 * the run (see test/support/resilience-run.ts); this file checks what has been logged so far.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { describeLeaks, findLeaks, findLeaksInLogDir, SECRET_MARK, testJwtSecret } from '../support/log-leaks.ts';
import { repoRoot } from '../support/paths.ts';
import { recordFigures } from '../support/resilience-figures.ts';
import { runLogDir } from '../support/resilience-stack.ts';

const run = promisify(execFile);

interface StackYml {
  functions: Record<string, { handler: string; secrets?: string[] }>;
}

const stackYml = parse(await readFile(join(repoRoot, 'stack.yml'), 'utf8')) as StackYml;
const functions = Object.entries(stackYml.functions);

/** Values a misconfigured deployment might put in the environment instead of secret files. */
const ENV_FALLBACKS = {
  JWT_SECRET: testJwtSecret(),
  MYSQL_PASSWORD: `${SECRET_MARK}mysql-env`,
  S3_ACCESS_KEY: `${SECRET_MARK}s3-access-env`,
  S3_SECRET_KEY: `${SECRET_MARK}s3-secret-env`,
};

let secretsDir: string;

beforeAll(async () => {
  secretsDir = await mkdtemp(join(tmpdir(), 'todo-secrets-'));
});

afterAll(async () => {
  await rm(secretsDir, { recursive: true, force: true });
});

/** Loads a built handler as the node18 template does, in production mode; its exit and output. */
async function loadHandler(handler: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  const file = join(repoRoot, handler, 'handler.js');
  try {
    const { stdout, stderr } = await run(process.execPath, ['-e', `require(${JSON.stringify(file)})`], {
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...env },
      timeout: 30_000,
    });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** The secret names a start-up refusal message says are missing. */
function namedAsMissing(output: string, fn: string): string[] {
  const m = new RegExp(`${fn}: missing secrets? ([a-z0-9, -]+) in `).exec(output);
  return m ? m[1]!.split(',').map((s) => s.trim()).sort() : [];
}

describe.each(functions)('%s in production mode', (fn, spec) => {
  const needed = [...(spec.secrets ?? [])].sort();

  it('refuses to start without its secret files, naming each, whatever the environment holds', async () => {
    expect(needed.length).toBeGreaterThan(0);
    const dir = await mkdtemp(join(secretsDir, `${fn}-none-`));
    const { code, output } = await loadHandler(spec.handler, { SECRETS_DIR: dir, ...ENV_FALLBACKS });
    expect(code, output).not.toBe(0);
    expect(namedAsMissing(output, fn), output).toEqual(needed);
    expect(findLeaks(output, `${fn} start-up`, Object.values(ENV_FALLBACKS))).toEqual([]);
    await recordFigures(runLogDir(), { productionStartsRefused: 1 });
  });

  it('refuses empty secret files the same way', async () => {
    const dir = await mkdtemp(join(secretsDir, `${fn}-empty-`));
    for (const name of needed) await writeFile(join(dir, name), ' \n');
    const { code, output } = await loadHandler(spec.handler, { SECRETS_DIR: dir });
    expect(code, output).not.toBe(0);
    expect(namedAsMissing(output, fn), output).toEqual(needed);
  });

  it('starts with exactly the secret files stack.yml lists for it', async () => {
    const dir = await mkdtemp(join(secretsDir, `${fn}-all-`));
    const values = Object.fromEntries(needed.map((name) => [name, `${SECRET_MARK}${name}-file`]));
    for (const [name, value] of Object.entries(values)) await writeFile(join(dir, name), value);
    const { code, output } = await loadHandler(spec.handler, { SECRETS_DIR: dir });
    expect(code, output).toBe(0);
    expect(findLeaks(output, `${fn} start-up`, Object.values(values))).toEqual([]);
  });
});

it('no log line written so far in this run holds a secret, a password or a token', async () => {
  const { files, lines, leaks } = await findLeaksInLogDir(runLogDir());
  console.log(`scanned ${lines} log lines in ${files} files`);
  expect(leaks, describeLeaks(leaks)).toEqual([]);
});
