import mysql, { type Pool, type PoolConnection, type ResultSetHeader, type RowDataPacket } from 'mysql2/promise';
import { mysqlSettings } from './config.ts';

let pool: Pool | undefined;
let queryTimeoutMs = 5000;

/** The process's one MySQL pool: made on first use, reused across invocations. */
export function getPool(): Pool {
  if (pool) return pool;
  const s = mysqlSettings();
  queryTimeoutMs = s.queryTimeoutMs;
  pool = mysql.createPool({
    host: s.host,
    port: s.port,
    user: s.user,
    password: s.password,
    database: s.database,
    connectionLimit: s.poolSize,
    maxIdle: s.poolSize,
    idleTimeout: 60_000,
    // Fail fast when the database is down instead of queueing callers forever.
    connectTimeout: 3000,
    // Callers waiting for a connection: enough for a few hundred concurrent requests on one
    // process (each waits ~1 ms per query ahead of it); beyond that, a 503.
    queueLimit: 1000,
    enableKeepAlive: true,
    // DATE as 'YYYY-MM-DD' and DATETIME as written: never shifted by a time zone.
    dateStrings: true,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
    charset: 'utf8mb4_bin',
  });
  return pool;
}

export type Param = string | number | null | Buffer;

const timeoutError = (): Error =>
  Object.assign(new Error('Query inactivity timeout'), { code: 'PROTOCOL_SEQUENCE_TIMEOUT' });

/**
 * `work`, or a timeout error once the query timeout has passed (then `onTimeout` runs). The
 * driver's own `timeout` is not enough: it starts only once a statement is sent, so neither the
 * wait for a connection nor the prepare step is bounded, and a connection it gives up on is still
 * handed to the next caller, whose statement then waits behind the stuck one.
 */
async function withinTimeout<T>(work: Promise<T>, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(timeoutError());
    }, queryTimeoutMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** A pooled connection, waited for at most the query timeout; one that comes later goes back. */
function acquire(): Promise<PoolConnection> {
  const pending = getPool().getConnection();
  return withinTimeout(pending, () => {
    pending.then((late) => late.release(), () => undefined);
  });
}

/** One statement on `conn`; on timeout the connection is destroyed, never reused. */
function onConnection<T>(conn: PoolConnection, statement: () => Promise<T>): Promise<T> {
  return withinTimeout(statement(), () => conn.destroy());
}

/** One prepared statement on a pooled connection, returned to the pool afterwards. */
async function pooled<T>(sql: string, params: Param[]): Promise<T> {
  const conn = await acquire();
  try {
    const [result] = await onConnection(conn, () => conn.execute(sql, params));
    return result as T;
  } finally {
    conn.release();
  }
}

/** A parameterised SELECT (server-side prepared statement). */
export const queryRows = <T extends RowDataPacket>(sql: string, params: Param[] = []): Promise<T[]> =>
  pooled<T[]>(sql, params);

/** A parameterised INSERT, UPDATE or DELETE. */
export const execute = (sql: string, params: Param[] = []): Promise<ResultSetHeader> =>
  pooled<ResultSetHeader>(sql, params);

/** Queries inside one transaction, on one connection. */
export interface Transaction {
  queryRows<T extends RowDataPacket>(sql: string, params?: Param[]): Promise<T[]>;
  execute(sql: string, params?: Param[]): Promise<ResultSetHeader>;
}

/** Runs `work` in a transaction: committed when it resolves, rolled back when it throws. */
export async function withTransaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
  const conn = await acquire();
  const run = async <R>(sql: string, params: Param[] = []): Promise<R> => {
    const [result] = await onConnection(conn, () => conn.execute(sql, params));
    return result as R;
  };
  const tx: Transaction = {
    queryRows: <R extends RowDataPacket>(sql: string, params?: Param[]) => run<R[]>(sql, params),
    execute: (sql: string, params?: Param[]) => run<ResultSetHeader>(sql, params),
  };
  try {
    await onConnection(conn, () => conn.beginTransaction());
    const result = await work(tx);
    await onConnection(conn, () => conn.commit());
    return result;
  } catch (err) {
    await onConnection(conn, () => conn.rollback()).catch(() => undefined);
    throw err;
  } finally {
    // After a destroy this is a no-op.
    conn.release();
  }
}

/** `Date` → MySQL DATETIME(3) literal in UTC. */
export const toSqlDateTime = (d: Date): string => d.toISOString().slice(0, 23).replace('T', ' ');

/** MySQL DATETIME string in UTC → ISO-8601 with a Z. */
export const fromSqlDateTime = (s: string): string => {
  const [date, time = '00:00:00'] = s.split(' ');
  const [hms, ms = '000'] = time.split('.');
  return `${date}T${hms}.${ms.padEnd(3, '0').slice(0, 3)}Z`;
};
