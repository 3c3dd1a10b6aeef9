/**
 * The one way tests and benchmarks start a whole local stack of their own: a database and a data
 * folder made for it, every log line in one file; `stop()` drops and removes them again. When the
 * stack fails to start, what was made for it is removed before the error is passed on.
 */
import { randomBytes } from 'node:crypto';
import { type WriteStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { dropDatabase } from '../../local/src/database.ts';
import { jsonLines } from '../../local/src/log-sink.ts';
import { type Stack, type StackOptions, startStack } from '../../local/src/stack.ts';
import { repoRoot, testMysqlServer } from './paths.ts';

export interface IsolatedStackOptions {
  /** Names the database and the data folder, e.g. "fuzz". */
  label: string;
  /** The database is `<databasePrefix>_<label>_<time>_<random>`, e.g. "todo_res". */
  databasePrefix: string;
  /** The log file, or how to name it from the stack's id (`<label>_<time>_<random>`). */
  logFile: string | ((id: string) => string);
  /** MySQL server URL without a database; the shared test server by default. */
  mysqlServer?: string;
  /** The model the local model server serves; none when absent. */
  modelDir?: string;
  /** Anything else startStack takes (these win over the ones above). */
  stackOptions?: Partial<StackOptions>;
}

export interface IsolatedStack {
  readonly stack: Stack;
  readonly mysqlUrl: string;
  readonly dataDir: string;
  readonly logFile: string;
  /** Where the stack logs; others may write to it too until `stop()`. */
  readonly log: WriteStream;
  /** Stops the stack, closes the log, drops the database and removes the data folder. */
  stop(): Promise<void>;
}

export async function startIsolatedStack(options: IsolatedStackOptions): Promise<IsolatedStack> {
  const label = options.label.replace(/[^a-z0-9]/gi, '_');
  const id = `${label}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const mysqlUrl = `${options.mysqlServer ?? testMysqlServer}/${options.databasePrefix}_${id}`;
  const logFile = typeof options.logFile === 'string' ? options.logFile : options.logFile(id);
  await mkdir(dirname(logFile), { recursive: true });
  const dataDir = await mkdtemp(join(tmpdir(), `${options.databasePrefix.replace(/_/g, '-')}-${options.label}-`));
  const log = createWriteStream(logFile);
  let stack: Stack;
  try {
    stack = await startStack({
      repoRoot,
      port: 0,
      mysqlUrl,
      dataDir,
      ...(options.modelDir ? { modelDir: options.modelDir } : {}),
      log: jsonLines((line) => log.write(line)),
      ...options.stackOptions,
    });
  } catch (err) {
    log.end();
    await rm(dataDir, { recursive: true, force: true });
    await dropDatabase(mysqlUrl).catch(() => undefined);
    throw err;
  }

  const stop = async () => {
    await stack.stop();
    await new Promise((r) => log.end(r));
    await dropDatabase(mysqlUrl);
    await rm(dataDir, { recursive: true, force: true });
  };
  return { stack, mysqlUrl, dataDir, logFile, log, stop };
}
