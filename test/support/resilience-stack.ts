/**
 * A private whole stack for one resilience test file: its own database, data folder, signing
 * secret and log file (in the run's log folder, see resilience-run.ts). `stop()` tears it all
 * down and fails if the stack logged a secret, password or token.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { Stack, StackOptions } from '../../local/src/stack.ts';
import { startIsolatedStack } from './isolated-stack.ts';
import { describeLeaks, findLeaks, testJwtSecret } from './log-leaks.ts';
import { repoRoot, testModelDir } from './paths.ts';

export interface TestStackOptions {
  /** Names the database and log file, e.g. "fuzz". */
  label: string;
  /** MySQL server URL without a database; the shared test server by default. */
  mysqlServer?: string;
  /** Start the local model server on the real test model (default true). */
  withModel?: boolean;
  functionEnv?: Record<string, string>;
  replicas?: number;
  /** Anything else startStack takes. */
  stackOptions?: Partial<StackOptions>;
}

export interface TestStack {
  readonly stack: Stack;
  readonly url: string;
  readonly mysqlUrl: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly jwtSecret: string;
  /** The embedded S3 server's URL. */
  readonly s3Url: string;
  readonly bucket: string;
  stop(): Promise<void>;
}

/** The folder this run's logs go to (the project's global setup provides it). */
export function runLogDir(): string {
  return inject('resilienceLogDir') ?? join(repoRoot, 'test-artifacts', 'logs');
}

export async function startTestStack(options: TestStackOptions): Promise<TestStack> {
  const jwtSecret = testJwtSecret();
  const bucket = 'todo-images';
  const logDir = runLogDir();
  const isolated = await startIsolatedStack({
    label: options.label,
    databasePrefix: 'todo_res',
    logFile: (id) => join(logDir, `stack-${id}.log`),
    mysqlServer: options.mysqlServer,
    ...(options.withModel === false ? {} : { modelDir: testModelDir }),
    stackOptions: {
      jwtSecret,
      s3Bucket: bucket,
      functionEnv: { LOG_LEVEL: 'info', ...options.functionEnv },
      ...(options.replicas ? { replicas: options.replicas } : {}),
      ...options.stackOptions,
    },
  });
  const { stack, mysqlUrl, dataDir, logFile } = isolated;

  const stop = async () => {
    await isolated.stop();
    const leaks = findLeaks(await readFile(logFile, 'utf8'), logFile, [jwtSecret]);
    if (leaks.length > 0) throw new Error(`the ${options.label} stack logged secrets:\n${describeLeaks(leaks)}`);
  };
  return { stack, url: stack.url, mysqlUrl, dataDir, logFile, jwtSecret, s3Url: stack.s3?.url ?? '', bucket, stop };
}

/** The process id of every function replica, by function: a restart changes them. */
export function functionPids(stack: Stack): Record<string, (number | undefined)[]> {
  return Object.fromEntries([...stack.functions].map(([name, fn]) => [name, fn.replicas.map((r) => r.process?.pid)]));
}

/** The gateway's /healthz status (200 when every function answers). */
export async function healthStatus(url: string): Promise<number> {
  const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  return res.status;
}
