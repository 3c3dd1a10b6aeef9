/** The CLI entry as the local stack runs it: env in, one JSON "listening" line out, clean stop on SIGTERM. */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { repoRoot, testModelDir } from '../../test/support/paths.ts';
import { call } from './model-server-support.ts';

const MAIN = fileURLToPath(new URL('../src/model-server/main.ts', import.meta.url));

function startCli(env: Record<string, string>): { child: ChildProcess; lines: AsyncIterator<string>; exited: Promise<unknown[]> } {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return { child, lines, exited };
}

describe('model server CLI', () => {
  it('prints where it listens, serves, and exits 0 on SIGTERM', async () => {
    const { child, lines, exited } = startCli({ MODEL_DIR: testModelDir, MODEL_NAME: 'test-model', MODEL_PORT: '0', MODEL_HOST: '127.0.0.1' });
    try {
      const first = await lines.next();
      const line = JSON.parse(first.value as string) as Record<string, unknown>;
      expect(line).toMatchObject({ level: 'info', msg: 'model server listening', model: 'test-model' });
      expect(line.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await call(`${line.url as string}/v1/models/test-model`)).status).toBe(200);

      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('exits 1 with a JSON error line when MODEL_DIR holds no model', async () => {
    const { child, lines, exited } = startCli({ MODEL_DIR: fileURLToPath(new URL('.', import.meta.url)) });
    try {
      const line = JSON.parse((await lines.next()).value as string) as Record<string, unknown>;
      expect(line).toMatchObject({ level: 'error', msg: 'model server failed to start' });
      expect(line.error).toMatch(/no \.onnx model/);
      const [code] = await exited;
      expect(code).toBe(1);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
