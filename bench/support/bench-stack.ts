/**
 * The local stack the benchmarks run against: the same `startStack` as `pnpm start`, on a
 * database of its own that is dropped afterwards, with every log line in bench/results/.
 */
import { randomBytes } from 'node:crypto';
import { type WriteStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mysql, { type Connection } from 'mysql2/promise';
import { dropDatabase } from '../../local/src/database.ts';
import { jsonLines } from '../../local/src/log-sink.ts';
import { type Stack, startStack } from '../../local/src/stack.ts';
import { repoRoot, testModelDir } from '../../test/support/paths.ts';

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

/** MySQL/MariaDB server (no database name): BENCH_MYSQL_URL, else TEST_MYSQL_URL, else local root. */
const mysqlServer = (): string =>
  process.env.BENCH_MYSQL_URL ?? process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

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
  await mkdir(resultsDir, { recursive: true });
  const mysqlUrl = `${mysqlServer()}/todo_bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'todo-bench-'));
  const log = createWriteStream(join(resultsDir, 'stack.log'));
  let stack: Stack | undefined;
  let db: Connection | undefined;
  const stop = async () => {
    await db?.end().catch(() => undefined);
    await stack?.stop();
    await dropDatabase(mysqlUrl);
    await rm(dataDir, { recursive: true, force: true });
    await new Promise((r) => log.end(r));
  };
  try {
    stack = await startStack({
      repoRoot,
      port: 0,
      mysqlUrl,
      dataDir,
      modelDir: resolve(repoRoot, process.env.MODEL_DIR ?? testModelDir),
      // The per-request log line stays on, as in production (LOG_LEVEL=info).
      functionEnv: { LOG_LEVEL: 'info', ...profiling() },
      log: jsonLines((line) => log.write(line)),
    });
    db = await mysql.createConnection({ uri: mysqlUrl, dateStrings: true, timezone: 'Z' });
    return { stack, mysqlUrl, db, log, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
