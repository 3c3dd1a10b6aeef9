/**
 * The local stack the benchmarks run against: the same `startStack` as `pnpm start`, on a
 * database of its own that is dropped afterwards, with every log line in bench/results/.
 */
import type { WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import mysql, { type Connection } from 'mysql2/promise';
import type { Stack } from '../../local/src/stack.ts';
import { startIsolatedStack } from '../../test/support/isolated-stack.ts';
import { repoRoot, testMysqlServer, testModelDir } from '../../test/support/paths.ts';

export const resultsDir = join(repoRoot, 'bench', 'results');

export interface BenchStack {
  stack: Stack;
  mysqlUrl: string;
  /** One connection for setting up data and asking the database about itself. */
  db: Connection;
  /** Where the stack, its functions and the benchmarks' own processes log. */
  log: WriteStream;
  stop(): Promise<void>;
}

/** A progress line on stderr, so that stdout carries only the results. */
export const progress = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);

/** MySQL/MariaDB server (no database name): BENCH_MYSQL_URL, else the tests' (TEST_MYSQL_URL, else local root). */
const mysqlServer = (): string => process.env.BENCH_MYSQL_URL ?? testMysqlServer;

/** The model folder the bench stack serves: MODEL_DIR (from the repository's root), else the test model. */
export const benchModelDir = resolve(repoRoot, process.env.MODEL_DIR ?? testModelDir);

/**
 * BENCH_CPU_PROF=1: every function process writes a V8 CPU profile into bench/results/profiles
 * when it stops (run the bench itself with `node --cpu-prof` for the gateway's).
 */
function profiling(): Record<string, string> {
  if (!process.env.BENCH_CPU_PROF) return {};
  return {
    NODE_OPTIONS: `--import tsx --import ${join(repoRoot, 'bench', 'support', 'cpu-profile.ts')}`,
    BENCH_CPU_PROF_DIR: join(resultsDir, 'profiles'),
  };
}

export async function startBenchStack(): Promise<BenchStack> {
  const isolated = await startIsolatedStack({
    label: 'bench',
    databasePrefix: 'todo',
    logFile: join(resultsDir, 'stack.log'),
    mysqlServer: mysqlServer(),
    modelDir: benchModelDir,
    // The per-request log line stays on, as in production (LOG_LEVEL=info).
    stackOptions: { functionEnv: { LOG_LEVEL: 'info', ...profiling() } },
  });
  let db: Connection | undefined;
  const stop = async () => {
    await db?.end().catch(() => undefined);
    await isolated.stop();
  };
  try {
    db = await mysql.createConnection({ uri: isolated.mysqlUrl, dateStrings: true, timezone: 'Z' });
    return { stack: isolated.stack, mysqlUrl: isolated.mysqlUrl, db, log: isolated.log, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
