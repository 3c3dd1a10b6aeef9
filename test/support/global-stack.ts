/**
 * Vitest global setup: the whole local stack on a free port, with its own database and data
 * folder, dropped and removed afterwards. Tests reach it through `inject('baseUrl')`.
 */
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startIsolatedStack } from './isolated-stack.ts';
import { repoRoot, testModelDir } from './paths.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    mysqlUrl: string;
    dataDir: string;
    logFile: string;
    s3Url: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // `inject` does not work here, so the log file is named in full.
  const { stack, mysqlUrl, dataDir, logFile, stop } = await startIsolatedStack({
    label: project.name,
    databasePrefix: 'todo_test',
    logFile: (id) => join(repoRoot, 'test-artifacts', 'logs', `stack-${id}.log`),
    modelDir: testModelDir,
    // Short locks keep the throttling tests quick; the rule is the same.
    stackOptions: { functionEnv: { LOGIN_LOCK_SECONDS: '2', LOG_LEVEL: 'info' } },
  });
  project.provide('baseUrl', stack.url);
  project.provide('mysqlUrl', mysqlUrl);
  project.provide('dataDir', dataDir);
  project.provide('logFile', logFile);
  project.provide('s3Url', stack.s3?.url ?? '');
  return stop;
}
