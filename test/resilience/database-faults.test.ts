/**
 * Issue 7, item 2: the database fails in the middle of a stream of create-task calls: killed
 * (SIGKILL, twice) and frozen (SIGSTOP, its port still open). While it is down every call fails
 * fast with 503 in the API's shape; once it is back the functions recover by themselves (same
 * processes) within 5 s; and every task that got a 201 is in the database afterwards.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isErrorBody, type Task } from '../../shared/src/contract/index.ts';
import { type TestUser, signUpAndLogin } from '../support/api-client.ts';
import { CallStream, type StreamedCall } from '../support/call-stream.ts';
import { type PrivateMariadb, startPrivateMariadb } from '../support/private-mariadb.ts';
import { recordFigures } from '../support/resilience-figures.ts';
import { functionPids, healthStatus, runLogDir, startTestStack, type TestStack } from '../support/resilience-stack.ts';
import { sql } from '../support/sql.ts';

/** "Fail fast": no call may take longer than create-task's exec_timeout (10 s in stack.yml). */
const CALL_BOUND_MS = 10_000;
/** The functions must be writing again this soon after the database answers. */
const RECOVERY_MS = 5_000;

let db: PrivateMariadb | undefined;
let ts: TestStack | undefined;

beforeAll(async () => {
  db = await startPrivateMariadb();
  ts = await startTestStack({ label: 'db-faults', mysqlServer: db.url, withModel: false });
});

afterAll(async () => {
  // The database must be up for the stack's database to be dropped.
  db?.thaw();
  if (db && db.pid() === undefined) await db.start();
  await ts?.stop();
  await db?.destroy();
});

interface Outage {
  /** When the fault began. */
  downAt: number;
  /** When the repair began (restart or SIGCONT). */
  repairAt: number;
  /** When the database answered again. */
  backAt: number;
  /** When the first call started after backAt got its 201. */
  recoveredAt: number;
}

const titleOf = (n: number) => `write ${n}`;

/** Calls that started at or after `from` and ended by `to`. */
const within = (calls: readonly StreamedCall[], from: number, to = Infinity) => calls.filter((c) => c.startedAt >= from && c.endedAt <= to);

/** A stream of create-task calls by `user`, each with its own title. */
function writeStream(stack: TestStack, user: TestUser, workers: number): CallStream {
  return new CallStream(
    (n) => ({
      method: 'POST',
      url: `${stack.url}/function/create-task`,
      headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: titleOf(n), dueDate: '2030-01-01' }),
    }),
    { workers, callTimeoutMs: CALL_BOUND_MS },
  );
}

/** Runs one fault: writes flowing, `breakIt`, calls meeting the outage, `repair`, writes again. */
async function outage(stream: CallStream, server: PrivateMariadb, breakIt: () => Promise<void> | void, repair: () => Promise<void> | void, downForMs: number): Promise<Outage> {
  const since = Date.now();
  await stream.waitFor('writes to flow', (calls) => within(calls, since).filter((c) => c.status === 201).length >= 20, 30_000);
  await breakIt();
  const downAt = Date.now();
  await stream.waitFor('calls during the outage', (calls) => within(calls, downAt).length >= 5 && Date.now() - downAt >= downForMs, 60_000);
  const repairAt = Date.now();
  await repair();
  await server.untilAnswering();
  const backAt = Date.now();
  await stream.waitFor('a write after the database is back', (calls) => within(calls, backAt).some((c) => c.status === 201), 30_000);
  const recoveredAt = Math.min(...within(stream.calls, backAt).filter((c) => c.status === 201).map((c) => c.endedAt));
  return { downAt, repairAt, backAt, recoveredAt };
}

/** What must hold for a stream that went through `outages`; returns the acknowledged writes lost. */
async function checkStream(stack: TestStack, user: TestUser, calls: readonly StreamedCall[], outages: readonly Outage[]): Promise<number> {
  const tally = calls.reduce<Record<number, number>>((t, c) => ({ ...t, [c.status]: (t[c.status] ?? 0) + 1 }), {});
  const slowest = Math.max(...calls.map((c) => c.endedAt - c.startedAt));
  console.log(
    `${calls.length} calls ${JSON.stringify(tally)}, slowest ${slowest} ms; outages ${JSON.stringify(
      outages.map((o) => ({ down: o.backAt - o.downAt, restart: o.backAt - o.repairAt, recovery: o.recoveredAt - o.backAt })),
    )}`,
  );

  // Every call was answered: a 201, or a 503 in the API's shape, and never slowly.
  const odd = calls.filter((c) => c.status !== 201 && !(c.status === 503 && isErrorBody(c.body) && c.body.error.code === 'service_unavailable'));
  expect(odd.map((c) => `${c.n}: ${c.status} ${c.error ?? JSON.stringify(c.body)}`)).toEqual([]);
  expect(calls.filter((c) => c.status === 503).every((c) => Number(c.headers?.get('retry-after')) > 0)).toBe(true);
  expect(calls.filter((c) => c.endedAt - c.startedAt > CALL_BOUND_MS).map((c) => `${c.n}: ${c.endedAt - c.startedAt} ms`)).toEqual([]);

  for (const o of outages) {
    // Calls made while the database was down all failed (none was acknowledged) …
    const during = within(calls, o.downAt, o.repairAt);
    expect(during.length).toBeGreaterThan(0);
    expect(during.filter((c) => c.status !== 503).map((c) => `${c.n}: ${c.status} from +${c.startedAt - o.downAt} to +${c.endedAt - o.downAt} ms ${JSON.stringify(c.body)}`)).toEqual([]);
    // … and the functions were writing again soon after it came back.
    expect(o.recoveredAt - o.backAt).toBeLessThanOrEqual(RECOVERY_MS);
  }

  // Every acknowledged write is in the database, as acknowledged.
  const acknowledged = calls.filter((c) => c.status === 201).map((c) => ({ id: (c.body as Task).id, title: titleOf(c.n) }));
  const rows = await sql<{ id: string; title: string }>(stack.mysqlUrl, 'SELECT id, title FROM tasks WHERE owner = ?', [user.userId]);
  const stored = new Map(rows.map((r) => [r.id, r.title]));
  const lost = acknowledged.filter((a) => stored.get(a.id) !== a.title);
  expect(lost).toEqual([]);
  await recordFigures(runLogDir(), { faultsInjected: outages.length, acknowledgedWrites: acknowledged.length, acknowledgedWritesLost: lost.length });
  return lost.length;
}

it('survives the database being killed twice during a stream of writes, losing no acknowledged write', async () => {
  const stack = ts!;
  const server = db!;
  const user = await signUpAndLogin(stack.url);
  const pidsBefore = functionPids(stack.stack);
  const stream = writeStream(stack, user, 4);
  const outages: Outage[] = [];
  try {
    for (let i = 0; i < 2; i++) outages.push(await outage(stream, server, () => server.kill(), () => server.start(), 2000));
  } finally {
    await stream.stop();
  }
  await checkStream(stack, user, stream.calls, outages);
  // The same processes throughout: they recovered by themselves.
  expect(functionPids(stack.stack)).toEqual(pidsBefore);
  expect(await healthStatus(stack.url)).toBe(200);
});

it('answers 503 within its bound while the database hangs, more calls than connections waiting', async () => {
  const stack = ts!;
  const server = db!;
  const user = await signUpAndLogin(stack.url);
  const pidsBefore = functionPids(stack.stack);
  // Twice create-task's pool of 4, so calls also queue for a connection while the server hangs.
  const stream = writeStream(stack, user, 8);
  let frozen: Outage;
  try {
    // Frozen for longer than the query timeout (5 s), so calls in flight time out too.
    frozen = await outage(stream, server, () => server.freeze(), () => server.thaw(), 7000);
  } finally {
    server.thaw();
    await stream.stop();
  }
  await checkStream(stack, user, stream.calls, [frozen]);
  expect(functionPids(stack.stack)).toEqual(pidsBefore);
  expect(await healthStatus(stack.url)).toBe(200);
});
