/**
 * A MariaDB server of the test's own, on its own port and data folder, that the test may kill
 * (SIGKILL, as a crash or an OOM kill would) and start again on the same port and data.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { freePort } from '../../local/src/free-port.ts';
import { stopProcess } from './stop-process.ts';
import { waitUntil } from './wait-until.ts';

const SERVER_BINARIES = ['/usr/sbin/mariadbd', '/usr/sbin/mysqld', '/usr/bin/mariadbd'];
const INSTALLERS = ['mariadb-install-db', 'mysql_install_db'];

export interface PrivateMariadb {
  /** `mysql://root@127.0.0.1:<port>`, without a database. */
  readonly url: string;
  readonly port: number;
  /** The server's process id while it runs. */
  pid(): number | undefined;
  /** Starts the server (again) and resolves once it answers a query. */
  start(): Promise<void>;
  /** SIGKILL: no shutdown, no flush beyond what InnoDB has already made durable. */
  kill(): Promise<void>;
  /** SIGSTOP: the server hangs, its port still open (as on a stalled disk or a frozen VM). Resolves once every thread has stopped. */
  freeze(): Promise<void>;
  /** SIGCONT after freeze(). */
  thaw(): void;
  /** Resolves once the server answers a query. */
  untilAnswering(): Promise<void>;
  /** Stops the server and removes its data. */
  destroy(): Promise<void>;
}

const run = promisify(execFile);

/** Waits until a connection to `url` can run a query; throws after `timeoutMs`. */
async function untilAnswering(url: string, server: ChildProcess, timeoutMs: number): Promise<void> {
  await waitUntil(
    `mariadbd did not answer within ${timeoutMs} ms`,
    async () => {
      if (server.exitCode !== null) throw new Error(`mariadbd exited with code ${server.exitCode} while starting`);
      try {
        const conn = await mysql.createConnection({ uri: url, connectTimeout: 1000 });
        await conn.query('SELECT 1');
        await conn.end();
        return true;
      } catch {
        return false;
      }
    },
    timeoutMs,
    50,
  );
}

/**
 * Waits until every thread of `pid` is stopped: a stop signal takes effect when each thread is
 * next scheduled, which on a busy machine can be tens of milliseconds after kill() returns.
 */
async function untilStopped(pid: number): Promise<void> {
  let states: string[] = [];
  await waitUntil(
    () => `mariadbd ${pid} did not stop within 10 s (thread states ${states.join('')})`,
    async () => {
      const threads = await readdir(`/proc/${pid}/task`);
      // The state is the first field after the parenthesised command name.
      states = await Promise.all(threads.map(async (t) => (await readFile(`/proc/${pid}/task/${t}/stat`, 'utf8')).replace(/^.*\) /s, '')[0]!));
      return states.every((s) => s === 'T' || s === 't');
    },
    10_000,
    5,
  );
}

/** Makes a fresh data folder and starts a server on a free port. */
export async function startPrivateMariadb(): Promise<PrivateMariadb> {
  const binary = SERVER_BINARIES.find((b) => existsSync(b));
  if (!binary) throw new Error(`no MariaDB server binary (looked for ${SERVER_BINARIES.join(', ')})`);
  const home = await mkdtemp(join(tmpdir(), 'todo-mariadb-'));
  const dataDir = join(home, 'data');
  let installed = false;
  for (const installer of INSTALLERS) {
    try {
      // --no-defaults: the machine's my.cnf (user=mysql, log paths) must not apply to this server.
      await run(installer, ['--no-defaults', `--datadir=${dataDir}`, '--user=root', '--auth-root-authentication-method=normal', '--skip-test-db'], { timeout: 60_000 });
      installed = true;
      break;
    } catch {
      // try the next name
    }
  }
  if (!installed) {
    await rm(home, { recursive: true, force: true });
    throw new Error(`could not create a MariaDB data folder with ${INSTALLERS.join(' or ')}`);
  }
  const port = await freePort();
  const url = `mysql://root@127.0.0.1:${port}`;
  let server: ChildProcess | undefined;

  const start = async () => {
    server = spawn(
      binary,
      [
        '--no-defaults',
        `--datadir=${dataDir}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--socket=${join(home, 'mysqld.sock')}`,
        `--pid-file=${join(home, 'mysqld.pid')}`,
        `--log-error=${join(home, 'error.log')}`,
        '--user=root',
        '--skip-grant-tables',
        '--skip-name-resolve',
        '--innodb-buffer-pool-size=32M',
        // Durable commits, as in production: a write acknowledged is on disk before the kill.
        '--innodb-flush-log-at-trx-commit=1',
      ],
      { stdio: 'ignore' },
    );
    await untilAnswering(url, server, 60_000);
  };

  // A clean shutdown that takes too long ends as a kill.
  const stopWith = (signal: NodeJS.Signals): Promise<void> => (server ? stopProcess(server, 20_000, signal) : Promise.resolve());

  await start();
  return {
    url,
    port,
    pid: () => (server && server.exitCode === null && server.signalCode === null ? server.pid : undefined),
    start,
    kill: () => stopWith('SIGKILL'),
    async freeze() {
      if (!server?.pid) throw new Error('mariadbd is not running');
      server.kill('SIGSTOP');
      await untilStopped(server.pid);
    },
    thaw: () => void server?.kill('SIGCONT'),
    untilAnswering: () => untilAnswering(url, server!, 60_000),
    async destroy() {
      server?.kill('SIGCONT');
      await stopWith('SIGTERM');
      await rm(home, { recursive: true, force: true });
    },
  };
}
