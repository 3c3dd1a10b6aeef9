/**
 * The benchmarks' data: 1,000 users and 1,000 tasks, held by 40 "probe" users (25 each, so a
 * page of 20 is always full), loaded in bulk with INSERT … SELECT. The probes sign in through
 * the gateway like any user; their tokens are what the load generator sends.
 */
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { hashPassword } from '@todo/shared/server';
import type { BenchStack } from './bench-stack.ts';

export const USERS = 1000;
const PROBES = 40;
const TASKS_PER_PROBE = 25;
export const FIXTURE_TASKS = PROBES * TASKS_PER_PROBE;
const PASSWORD = 'bench-password';

export interface Probe {
  username: string;
  token: string;
}

export interface Fixture {
  probes: Probe[];
  /** The highest task and user ids of the fixture: rows above them were added by a benchmark. */
  lastTaskId: string;
  lastUserId: string;
}

/** A derived table `n` of the whole numbers 0 … 10^digits − 1, made by the server itself. */
export function numbersSql(digits: number): string {
  const ten = '(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)';
  const parts = Array.from({ length: digits }, (_, i) => `${ten} t${i}`);
  const sum = Array.from({ length: digits }, (_, i) => `t${i}.d * ${10 ** i}`).join(' + ');
  return `(SELECT ${sum} AS n FROM ${parts.join(' CROSS JOIN ')})`;
}

/** Every task the benchmarks load has this shape, so a page of 20 is the same size whatever the table holds. */
export const taskValuesSql = (n: string): string =>
  `CONCAT('Task ', LPAD(${n}, 7, '0')), 'A task for the benchmark, about as long as a short note.', '2030-01-31'`;

async function signIn(baseUrl: string, username: string): Promise<string> {
  const res = await fetch(`${baseUrl}/function/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login of ${username} answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

export async function loadFixture(b: BenchStack): Promise<Fixture> {
  const hash = await hashPassword(PASSWORD);
  await b.db.query(
    `INSERT INTO users (username, password_hash, created_at)
     SELECT CONCAT('bench-', LPAD(n, 4, '0')), ?, '2020-01-01' FROM ${numbersSql(3)} s ORDER BY n`,
    [hash],
  );
  await b.db.query(
    `INSERT INTO tasks (owner, title, body, due_date, created_at, updated_at)
     SELECT u.id, ${taskValuesSql('s.n')}, TIMESTAMP('2020-01-01') + INTERVAL s.n MINUTE, '2020-01-01'
     FROM (SELECT id FROM users ORDER BY id LIMIT ${PROBES}) u CROSS JOIN ${numbersSql(2)} s
     WHERE s.n < ${TASKS_PER_PROBE} ORDER BY s.n, u.id`,
  );
  const [[last]] = await b.db.query<RowDataPacket[]>(
    'SELECT (SELECT MAX(id) FROM tasks) AS task, (SELECT COUNT(*) FROM tasks) AS tasks, (SELECT MAX(id) FROM users) AS user, (SELECT COUNT(*) FROM users) AS users',
  );
  if (Number(last?.tasks) !== FIXTURE_TASKS || Number(last?.users) !== USERS) {
    throw new Error(`fixture: expected ${USERS} users and ${FIXTURE_TASKS} tasks, found ${last?.users} and ${last?.tasks}`);
  }

  const usernames = Array.from({ length: PROBES }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
  const probes: Probe[] = [];
  // A few at a time: each sign-in is one scrypt check.
  for (let i = 0; i < usernames.length; i += 4) {
    const batch = usernames.slice(i, i + 4);
    const tokens = await Promise.all(batch.map((u) => signIn(b.stack.url, u)));
    batch.forEach((username, j) => probes.push({ username, token: tokens[j]! }));
  }
  return { probes, lastTaskId: String(last?.task), lastUserId: String(last?.user) };
}

/** A new task of the token's user, made through the gateway; its id. */
export async function createTask(b: BenchStack, token: string, title: string): Promise<string> {
  const res = await fetch(`${b.stack.url}/function/create-task`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title, body: '', dueDate: '2030-01-31' }),
  });
  if (res.status !== 201) throw new Error(`create-task answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/**
 * Deletes the tasks and users benchmarks added, so the next one starts from the fixture alone.
 * Requests cut off at the end of a load run may still be finishing in a function, so it deletes
 * again until a round finds nothing more.
 */
export async function resetData(b: BenchStack, fixture: Fixture): Promise<void> {
  for (let round = 0; round < 20; round++) {
    const [tasks] = await b.db.query<ResultSetHeader>('DELETE FROM tasks WHERE id > ?', [fixture.lastTaskId]);
    const [users] = await b.db.query<ResultSetHeader>('DELETE FROM users WHERE id > ?', [fixture.lastUserId]);
    if (round > 0 && tasks.affectedRows === 0 && users.affectedRows === 0) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('tasks kept being added after the benchmark stopped');
}
