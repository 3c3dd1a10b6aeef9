import { readFile } from 'node:fs/promises';
import mysql, { type Connection } from 'mysql2/promise';

/** The database a MySQL URL names, checked to be a plain identifier. */
export function databaseName(mysqlUrl: string): string {
  const name = decodeURIComponent(new URL(mysqlUrl).pathname.replace(/^\//, '')) || 'todo';
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`database name "${name}" must be letters, digits and _`);
  return name;
}

/** A connection to the server of a MySQL URL, without selecting its database. */
function connectToServer(mysqlUrl: string): Promise<Connection> {
  const url = new URL(mysqlUrl);
  return mysql.createConnection({
    host: url.hostname,
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username) || 'root',
    password: url.password ? decodeURIComponent(url.password) : undefined,
    multipleStatements: true,
    connectTimeout: 5000,
  });
}

/** Creates the database named in `mysqlUrl` if it is missing, then applies the (idempotent) schema. */
export async function prepareDatabase(mysqlUrl: string, schemaPath: string): Promise<void> {
  const database = databaseName(mysqlUrl);
  const server = await connectToServer(mysqlUrl);
  try {
    await server.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await server.query(`USE \`${database}\``);
    await server.query(await readFile(schemaPath, 'utf8'));
  } finally {
    await server.end();
  }
}

/** Drops the database named in `mysqlUrl` (test clean-up). */
export async function dropDatabase(mysqlUrl: string): Promise<void> {
  const database = databaseName(mysqlUrl);
  const server = await connectToServer(mysqlUrl);
  try {
    await server.query(`DROP DATABASE IF EXISTS \`${database}\``);
  } finally {
    await server.end();
  }
}
