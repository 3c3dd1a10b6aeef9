/**
 * Issue 7, item 3: a function process is killed (SIGKILL) under load. Calls in flight to it get
 * 502/503 in the API's shape, the local gateway starts a new process, and the other functions
 * answer as usual throughout.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isErrorBody, type Task } from '../../shared/src/contract/index.ts';
import { type TestUser, createTask, signUpAndLogin } from '../support/api-client.ts';
import { CallStream, type StreamedCall } from '../support/call-stream.ts';
import { recordFigures } from '../support/resilience-figures.ts';
import { functionPids, healthStatus, runLogDir, startTestStack, type TestStack } from '../support/resilience-stack.ts';
import { sql } from '../support/sql.ts';

let ts: TestStack;
let user: TestUser;
let task: Task;

beforeAll(async () => {
  ts = await startTestStack({ label: 'fn-crash', withModel: false });
  user = await signUpAndLogin(ts.url);
  task = await createTask(user.client, { title: 'kept' });
});

afterAll(async () => {
  await ts?.stop();
});

const auth = () => ({ authorization: `Bearer ${user.token}` });

/** Calls to every function but `except`, round-robin, each with the answer it must get. */
function otherFunctionsStream(except: string): { stream: CallStream; expected: (n: number) => number } {
  const calls = [
    { fn: 'list-tasks', method: 'GET', path: '/function/list-tasks?limit=5', status: 200 },
    { fn: 'delete-task', method: 'DELETE', path: '/function/delete-task/999999999', status: 404 },
    { fn: 'predict-image', method: 'GET', path: `/function/predict-image/${task.id}`, status: 404 },
    { fn: 'create-task', method: 'POST', path: '/function/create-task', body: JSON.stringify({ title: 'other', dueDate: '2030-01-01' }), status: 201 },
    { fn: 'signup', method: 'POST', path: '/function/signup', body: JSON.stringify({ username: 'x', password: 'short' }), status: 400 },
    { fn: 'login', method: 'POST', path: '/function/login', body: JSON.stringify({ username: 'x', password: 'short' }), status: 400 },
  ].filter((c) => c.fn !== except);
  const stream = new CallStream(
    (n) => {
      const c = calls[n % calls.length]!;
      return { method: c.method, url: `${ts.url}${c.path}`, headers: { ...auth(), 'content-type': 'application/json' }, ...(c.body ? { body: c.body } : {}) };
    },
    { workers: 2, callTimeoutMs: 30_000 },
  );
  return { stream, expected: (n) => calls[n % calls.length]!.status };
}

/** A call to `path` that sends half its body and waits: in flight at the function until it is answered. */
function callLeftInFlight(path: string): Promise<{ status: number; body: unknown }> {
  const { hostname, port } = new URL(ts.url);
  const body = Buffer.from(JSON.stringify({ title: 'in flight', dueDate: '2030-01-01' }));
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method: 'POST', path, headers: { ...auth(), 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') });
        req.destroy();
      });
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
    req.write(body.subarray(0, body.length / 2));
  });
}

const failedAsUnavailable = (c: { status: number; body: unknown }) =>
  (c.status === 502 || c.status === 503) && isErrorBody(c.body) && ['bad_gateway', 'service_unavailable'].includes(c.body.error.code);

async function untilRestarted(fn: string, index: number, oldPid: number): Promise<number> {
  const replica = ts.stack.functions.get(fn)!.replicas[index]!;
  const deadline = Date.now() + 30_000;
  while (!(replica.ready && replica.process?.pid && replica.process.pid !== oldPid)) {
    if (Date.now() > deadline) throw new Error(`${fn} was not restarted within 30 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return replica.process.pid;
}

function expectOthersUnaffected(calls: readonly StreamedCall[], expected: (n: number) => number): void {
  expect(calls.length).toBeGreaterThan(0);
  expect(calls.filter((c) => c.status !== expected(c.n)).map((c) => `${c.n}: ${c.status} ${c.error ?? JSON.stringify(c.body)}`)).toEqual([]);
}

it('restarts a killed single-process function; its in-flight calls get 502/503 and no acknowledged write is lost', async () => {
  const pidsBefore = functionPids(ts.stack);
  const replica = ts.stack.functions.get('create-task')!.replicas[0]!;
  const oldPid = replica.process!.pid!;
  const writes = new CallStream(
    (n) => ({ method: 'POST', url: `${ts.url}/function/create-task`, headers: { ...auth(), 'content-type': 'application/json' }, body: JSON.stringify({ title: `crash ${n}`, dueDate: '2030-01-01' }) }),
    { workers: 4, callTimeoutMs: 30_000 },
  );
  const others = otherFunctionsStream('create-task');
  let inFlight: { status: number; body: unknown };
  let newPid: number;
  try {
    await writes.waitFor('writes to flow', (calls) => calls.filter((c) => c.status === 201).length >= 20, 30_000);
    const pending = callLeftInFlight('/function/create-task');
    // Long enough for the gateway to have passed the headers and half the body to the process.
    await new Promise((r) => setTimeout(r, 300));
    replica.process!.kill('SIGKILL');
    const killedAt = Date.now();
    inFlight = await pending;
    newPid = await untilRestarted('create-task', 0, oldPid);
    const restartedAt = Date.now();
    await writes.waitFor('writes after the restart', (calls) => calls.filter((c) => c.startedAt > restartedAt && c.status === 201).length >= 10, 30_000);
    console.log(`create-task ${oldPid} killed, ${newPid} ready after ${restartedAt - killedAt} ms`);
  } finally {
    await writes.stop();
    await others.stream.stop();
  }

  // The call in flight when the process died: a 502/503 in the API's shape.
  expect(failedAsUnavailable(inFlight), JSON.stringify(inFlight)).toBe(true);
  // Every write either succeeded or failed as unavailable; some met the outage.
  const calls = writes.calls;
  expect(calls.filter((c) => c.status !== 201 && !failedAsUnavailable(c)).map((c) => `${c.n}: ${c.status} ${c.error ?? JSON.stringify(c.body)}`)).toEqual([]);
  console.log(`writes: ${calls.filter((c) => c.status === 201).length} acknowledged, ${calls.filter((c) => c.status !== 201).length} refused while create-task was down`);
  // Every acknowledged write is stored.
  const ids = calls.filter((c) => c.status === 201).map((c) => (c.body as Task).id);
  const rows = await sql<{ id: string }>(ts.mysqlUrl, 'SELECT id FROM tasks WHERE owner = ?', [user.userId]);
  const stored = new Set(rows.map((r) => r.id));
  const lost = ids.filter((id) => !stored.has(id));
  expect(lost).toEqual([]);

  // A new process for create-task; every other function kept its processes and its answers.
  expect(newPid).not.toBe(oldPid);
  const pidsAfter = functionPids(ts.stack);
  expect({ ...pidsAfter, 'create-task': undefined }).toEqual({ ...pidsBefore, 'create-task': undefined });
  expectOthersUnaffected(others.stream.calls, others.expected);
  expect(await healthStatus(ts.url)).toBe(200);
  await recordFigures(runLogDir(), { faultsInjected: 1, functionKills: 1, acknowledgedWrites: ids.length, acknowledgedWritesLost: lost.length });
});

it('keeps serving from the other process when one of two is killed', async () => {
  const fn = ts.stack.functions.get('list-tasks')!;
  expect(fn.replicas).toHaveLength(2);
  const pidsBefore = functionPids(ts.stack);
  const oldPid = fn.replicas[0]!.process!.pid!;
  const reads = new CallStream((_n) => ({ method: 'GET', url: `${ts.url}/function/list-tasks?limit=5`, headers: auth() }), { workers: 4, callTimeoutMs: 30_000 });
  const others = otherFunctionsStream('list-tasks');
  let newPid: number;
  try {
    await reads.waitFor('reads to flow', (calls) => calls.filter((c) => c.status === 200).length >= 20, 30_000);
    fn.replicas[0]!.process!.kill('SIGKILL');
    const killedAt = Date.now();
    // While it is down, the other process answers.
    await reads.waitFor('reads while one process is down', (calls) => calls.filter((c) => c.startedAt > killedAt && c.status === 200).length >= 10, 30_000);
    newPid = await untilRestarted('list-tasks', 0, oldPid);
    const restartedAt = Date.now();
    await reads.waitFor('reads after the restart', (calls) => calls.filter((c) => c.startedAt > restartedAt && c.status === 200).length >= 10, 30_000);
  } finally {
    await reads.stop();
    await others.stream.stop();
  }
  // At most the calls that were on their way to the dead process failed, and as 502/503.
  const failed = reads.calls.filter((c) => c.status !== 200);
  expect(failed.filter((c) => !failedAsUnavailable(c)).map((c) => `${c.n}: ${c.status} ${c.error ?? JSON.stringify(c.body)}`)).toEqual([]);
  console.log(`reads: ${reads.calls.length - failed.length} answered, ${failed.length} failed as unavailable`);
  expect(newPid).not.toBe(oldPid);
  expect(functionPids(ts.stack)['list-tasks']![1]).toBe(pidsBefore['list-tasks']![1]);
  expectOthersUnaffected(others.stream.calls, others.expected);
  expect(await healthStatus(ts.url)).toBe(200);
  await recordFigures(runLogDir(), { faultsInjected: 1, functionKills: 1 });
});
