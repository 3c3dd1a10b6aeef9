/**
 * Vitest global setup: the whole local stack on a free port, with its own database and data
 * folder, dropped and removed afterwards. Tests reach it through `inject('baseUrl')`.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { dropDatabase } from '../../local/src/database.ts';
import { jsonLines } from '../../local/src/log-sink.ts';
import { startStack } from '../../local/src/stack.ts';
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

/** MariaDB/MySQL server for tests: `TEST_MYSQL_URL` without a database name. */
export const testMysqlServer = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const id = `${project.name}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const mysqlUrl = `${testMysqlServer}/todo_test_${id}`;
  const dataDir = await mkdtemp(join(tmpdir(), `todo-${project.name}-`));
  const logDir = join(repoRoot, 'test-artifacts', 'logs');
  await mkdir(logDir, { recursive: true });
  const logFile = join(logDir, `stack-${id}.log`);
  const logStream = createWriteStream(logFile);
  const stack = await startStack({
    repoRoot,
    port: 0,
    mysqlUrl,
    dataDir,
    modelDir: testModelDir,
    // Short locks keep the throttling tests quick; the rule is the same.
    functionEnv: { LOGIN_LOCK_SECONDS: '2', LOG_LEVEL: 'info' },
    log: jsonLines((line) => logStream.write(line)),
  });
  project.provide('baseUrl', stack.url);
  project.provide('mysqlUrl', mysqlUrl);
  project.provide('dataDir', dataDir);
  project.provide('logFile', logFile);
  project.provide('s3Url', stack.s3?.url ?? '');
  return async () => {
    await stack.stop();
    await dropDatabase(mysqlUrl);
    await rm(dataDir, { recursive: true, force: true });
    await new Promise((r) => logStream.end(r));
  };
}
