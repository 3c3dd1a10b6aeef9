/** Direct database access for tests: to look behind the API (and to change things it cannot). */
import mysql from 'mysql2/promise';

/** Runs one statement on its own connection; ids and dates come back as strings. */
export async function sql<T = Record<string, unknown>>(mysqlUrl: string, statement: string, params: unknown[] = []): Promise<T[]> {
  const conn = await mysql.createConnection({
    uri: mysqlUrl,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    connectTimeout: 5000,
  });
  try {
    const [rows] = await conn.query(statement, params);
    return rows as T[];
  } finally {
    await conn.end();
  }
}
