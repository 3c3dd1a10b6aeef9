/**
 * Benchmark 3 of issue 6: list-tasks latency with 1,000 rows in `tasks` against 1,000,000 rows
 * for the same 1,000 users. The 999,000 extra rows are made by the database itself
 * (INSERT … SELECT over a generated number table, ~10 s), interleaved across owners and newer
 * than the fixture's, so each page of 20 is read from rows scattered through the big table.
 * Prints the EXPLAIN of both list queries (first page and a cursor page).
 */
import type { RowDataPacket } from 'mysql2/promise';
import { TASK_COLUMNS } from '@todo/shared/server';
import type { BenchStack } from './support/bench-stack.ts';
import { progress } from './support/bench-stack.ts';
import type { Figure } from './support/figures.ts';
import { ratioOf } from './support/figures.ts';
import { FIXTURE_TASKS, type Fixture, USERS, numbersSql, taskValuesSql } from './support/fixture.ts';
import { type LoadSummary, type RequestVariant, loadWarning, runLoad, summarize } from './support/load.ts';

const TARGET_RATIO = 1.3;
const BIG_TABLE = 1_000_000;
/** Sub-millisecond latencies need many samples for a steady median. */
const WARMUP_REQUESTS = 500;
const MEASURED_REQUESTS = 3000;
/** One request at a time: the latency of the call itself, without queueing behind others. */
const CONNECTIONS = 1;

export interface Explain {
  rows: number;
  firstPage: Record<string, unknown>[];
  cursorPage: Record<string, unknown>[];
}

async function tableRows(b: BenchStack): Promise<number> {
  const [[row]] = await b.db.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM tasks');
  return Number(row?.n);
}

/** EXPLAIN of the two queries list-tasks runs, for one probe user, with its real parameters. */
async function explain(b: BenchStack, username: string): Promise<Explain> {
  const [[user]] = await b.db.query<RowDataPacket[]>('SELECT id FROM users WHERE username = ?', [username]);
  const owner = String(user?.id);
  const [page] = await b.db.query<RowDataPacket[]>(
    'SELECT created_at, id FROM tasks WHERE owner = ? ORDER BY created_at DESC, id DESC LIMIT 5',
    [owner],
  );
  const last = page[4]!;
  const [firstPage] = await b.db.query<RowDataPacket[]>(
    `EXPLAIN SELECT ${TASK_COLUMNS} FROM tasks WHERE owner = ? ORDER BY created_at DESC, id DESC LIMIT 21`,
    [owner],
  );
  const [cursorPage] = await b.db.query<RowDataPacket[]>(
    `EXPLAIN SELECT ${TASK_COLUMNS} FROM tasks
     WHERE owner = ? AND (created_at < ? OR (created_at = ? AND id < ?))
     ORDER BY created_at DESC, id DESC LIMIT 21`,
    [owner, last.created_at, last.created_at, last.id],
  );
  return { rows: await tableRows(b), firstPage, cursorPage };
}

function formatExplain(e: Explain): string {
  const table = (rows: Record<string, unknown>[]) => {
    const keys = ['select_type', 'table', 'type', 'key', 'key_len', 'ref', 'rows', 'Extra'];
    return rows.map((r) => `    ${keys.map((k) => `${k}=${String(r[k] ?? 'NULL')}`).join('  ')}`).join('\n');
  };
  return [
    `EXPLAIN of the list-tasks queries with ${e.rows.toLocaleString('en')} rows in tasks:`,
    '  first page (WHERE owner = ? ORDER BY created_at DESC, id DESC LIMIT 21):',
    table(e.firstPage),
    '  next page (… AND (created_at, id) before the cursor … LIMIT 21):',
    table(e.cursorPage),
  ].join('\n');
}

/**
 * Each probe's first page and a cursor page (after its 5th task, so it is a full 20 with the
 * fixture's 25 tasks too), in turn; the cursor comes from the API itself.
 */
async function pageRequests(b: BenchStack, fixture: Fixture): Promise<RequestVariant[]> {
  const variants: RequestVariant[] = [];
  for (const p of fixture.probes) {
    const headers = { authorization: `Bearer ${p.token}` };
    const five = (await (await fetch(`${b.stack.url}/function/list-tasks?limit=5`, { headers })).json()) as { nextCursor: string | null };
    if (!five.nextCursor) throw new Error(`${p.username} has too few tasks`);
    variants.push({ method: 'GET', path: '/function/list-tasks?limit=20', headers });
    variants.push({ method: 'GET', path: `/function/list-tasks?limit=20&cursor=${five.nextCursor}`, headers });
  }
  return variants;
}

async function measure(b: BenchStack, fixture: Fixture, label: string): Promise<LoadSummary> {
  const variants = await pageRequests(b, fixture);
  progress(`list-tasks latency with ${label}: ${WARMUP_REQUESTS} warm-up + ${MEASURED_REQUESTS} requests, one at a time`);
  const [, measured] = await runLoad({
    tool: 'closed-loop',
    connections: CONNECTIONS,
    variants,
    runs: [
      { url: b.stack.url, amount: WARMUP_REQUESTS },
      { url: b.stack.url, amount: MEASURED_REQUESTS },
    ],
  });
  return summarize([measured!]);
}

/** 999,000 more tasks, 999 per fixture user, newer than the fixture's and interleaved across owners. */
async function growTable(b: BenchStack, fixture: Fixture): Promise<void> {
  const perUser = (BIG_TABLE - FIXTURE_TASKS) / USERS;
  progress(`loading ${(perUser * USERS).toLocaleString('en')} rows into tasks`);
  const started = performance.now();
  // Safe: every owner is an existing user's id; it saves a lookup per row of the million.
  await b.db.query('SET SESSION foreign_key_checks = 0, SESSION unique_checks = 0');
  try {
    await b.db.query(
      `INSERT INTO tasks (owner, title, body, due_date, created_at, updated_at)
       SELECT u.id, ${taskValuesSql('s.n')}, TIMESTAMP('2021-01-01') + INTERVAL s.n MINUTE + INTERVAL u.id * 1000 MICROSECOND, '2021-01-01'
       FROM users u CROSS JOIN ${numbersSql(3)} s WHERE u.id <= ? AND s.n < ? ORDER BY s.n, u.id`,
      [fixture.lastUserId, perUser],
    );
  } finally {
    await b.db.query('SET SESSION foreign_key_checks = 1, SESSION unique_checks = 1');
  }
  // The statistics a server keeps up to date by itself after such a change, made now.
  await b.db.query('ANALYZE TABLE tasks');
  progress(`loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

export interface DataGrowthResult {
  figures: Figure[];
  explain: Explain[];
}

export async function dataGrowth(b: BenchStack, fixture: Fixture): Promise<DataGrowthResult> {
  const smallRows = await tableRows(b);
  if (smallRows !== FIXTURE_TASKS) throw new Error(`expected the fixture's ${FIXTURE_TASKS} rows in tasks, found ${smallRows}`);
  const small = await measure(b, fixture, '1,000 rows');
  const plans = [await explain(b, fixture.probes[0]!.username)];
  await growTable(b, fixture);
  const bigRows = await tableRows(b);
  if (bigRows !== BIG_TABLE) throw new Error(`expected ${BIG_TABLE} rows in tasks, found ${bigRows}`);
  const big = await measure(b, fixture, '1,000,000 rows');
  plans.push(await explain(b, fixture.probes[0]!.username));
  for (const plan of plans) process.stdout.write(`${formatExplain(plan)}\n\n`);
  const ratio = ratioOf(big.latencyMs.median, small.latencyMs.median);
  const warning = [loadWarning(small, 200), loadWarning(big, 200)].filter(Boolean).join('; ');
  return {
    explain: plans,
    figures: [
      {
        group: '3 data growth',
        name: `list-tasks, ${bigRows.toLocaleString('en')} rows`,
        unit: 'ms',
        median: big.latencyMs.median,
        p99: big.latencyMs.p99,
        baseline: { name: `${smallRows.toLocaleString('en')} rows`, median: small.latencyMs.median, p99: small.latencyMs.p99 },
        ratio,
        target: { text: `p50 ≤ ${TARGET_RATIO}× baseline`, met: (ratio ?? Infinity) <= TARGET_RATIO && !warning },
        ...(warning ? { warning } : {}),
      },
    ],
  };
}
