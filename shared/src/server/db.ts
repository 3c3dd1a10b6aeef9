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
    queueLimit: 200,
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

/** A parameterised SELECT (server-side prepared statement). */
export async function queryRows<T extends RowDataPacket>(sql: string, params: Param[] = []): Promise<T[]> {
  const [rows] = await getPool().execute<T[]>({ sql, timeout: queryTimeoutMs }, params);
  return rows;
}

/** A parameterised INSERT, UPDATE or DELETE. */
export async function execute(sql: string, params: Param[] = []): Promise<ResultSetHeader> {
  const [result] = await getPool().execute<ResultSetHeader>({ sql, timeout: queryTimeoutMs }, params);
  return result;
}

/** Queries inside one transaction, on one connection. */
export interface Transaction {
  queryRows<T extends RowDataPacket>(sql: string, params?: Param[]): Promise<T[]>;
  execute(sql: string, params?: Param[]): Promise<ResultSetHeader>;
}

/** Runs `work` in a transaction: committed when it resolves, rolled back when it throws. */
export async function withTransaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
  const conn: PoolConnection = await getPool().getConnection();
  const tx: Transaction = {
    async queryRows<R extends RowDataPacket>(sql: string, params: Param[] = []) {
      const [rows] = await conn.execute<R[]>({ sql, timeout: queryTimeoutMs }, params);
      return rows;
    },
    async execute(sql: string, params: Param[] = []) {
      const [result] = await conn.execute<ResultSetHeader>({ sql, timeout: queryTimeoutMs }, params);
      return result;
    },
  };
  try {
    await conn.beginTransaction();
    const result = await work(tx);
    await conn.commit();
    return result;
  } catch (err) {
    await conn.rollback().catch(() => undefined);
    throw err;
  } finally {
    conn.release();
  }
}

/** Closes the pool (tests, graceful shutdown). The next query makes a new one. */
export async function closePool(): Promise<void> {
  const p = pool;
  pool = undefined;
  await p?.end();
}

/** `Date` → MySQL DATETIME(3) literal in UTC. */
export const toSqlDateTime = (d: Date): string => d.toISOString().slice(0, 23).replace('T', ' ');

/** MySQL DATETIME string in UTC → ISO-8601 with a Z. */
export const fromSqlDateTime = (s: string): string => {
  const [date, time = '00:00:00'] = s.split(' ');
  const [hms, ms = '000'] = time.split('.');
  return `${date}T${hms}.${ms.padEnd(3, '0').slice(0, 3)}Z`;
};
