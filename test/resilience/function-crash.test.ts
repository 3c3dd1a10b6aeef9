/**
 * Issue 7, item 3: a function process is killed (SIGKILL) under load. Calls in flight to it get
 * 502/503 in the API's shape, the local gateway starts a new process, and the other functions
 * answer as usual throughout.
 */
import { randomUUID } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readFile } from 'node:fs/promises';
import { ClientRequest, type IncomingMessage, request } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isErrorBody, type Task } from '../../shared/src/contract/index.ts';
import { type TestUser, createTask, signUpAndLogin } from '../support/api-client.ts';
import { CallStream, type StreamedCall } from '../support/call-stream.ts';
import { recordFigures } from '../support/resilience-figures.ts';
import { functionPids, healthStatus, runLogDir, startTestStack, type TestStack } from '../support/resilience-stack.ts';
import { sql } from '../support/sql.ts';
import { waitUntil } from '../support/wait-until.ts';

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

interface CallLeftInFlight {
  /** Its answer, once the gateway gives one. */
  answer: Promise<{ status: number; body: unknown }>;
  /**
   * Resolves once the call has reached the function process: the gateway passed on all the call
   * has sent and the process has read it. Throws when that does not happen within 10 s.
   */
  untilAtProcess(replicaPort: number): Promise<void>;
  /** Throws, saying so, unless the gateway's call to the function is open and unanswered. */
  expectInFlight(): void;
}

/** `/proc/net/tcp`'s IPv4 connections on 127.0.0.1: ports, state and kernel queues. */
async function loopbackConnections(): Promise<{ local: number; remote: number; established: boolean; txQueue: number; rxQueue: number }[]> {
  const lines = (await readFile('/proc/net/tcp', 'utf8')).trim().split('\n').slice(1);
  return lines
    .map((line) => line.trim().split(/\s+/))
    .filter(([, local, remote]) => local!.startsWith('0100007F:') && remote!.startsWith('0100007F:'))
    .map(([, local, remote, state, queues]) => {
      const [tx, rx] = queues!.split(':');
      return {
        local: parseInt(local!.split(':')[1]!, 16),
        remote: parseInt(remote!.split(':')[1]!, 16),
        established: state === '01',
        txQueue: parseInt(tx!, 16),
        rxQueue: parseInt(rx!, 16),
      };
    });
}

/**
 * A call to `path` that sends half its body and waits: in flight at the function until it is
 * answered. The gateway runs in this process, so Node's HTTP diagnostics channel shows its side of
 * the call (found by the call's x-call-id), and through it the gateway's call to the function.
 */
function callLeftInFlight(path: string): CallLeftInFlight {
  const { hostname, port } = new URL(ts.url);
  const callId = `in-flight-${randomUUID()}`;
  const body = Buffer.from(JSON.stringify({ title: 'in flight', dueDate: '2030-01-01' }));
  let atGateway: IncomingMessage | undefined;
  let toFunction: ClientRequest | undefined;
  let functionAnswered = false;
  const onServerRequest = (m: unknown) => {
    const { request: r } = m as { request: IncomingMessage };
    if (r.headers['x-call-id'] !== callId) return;
    atGateway = r;
    // The gateway pipes the call's body into its call to the function: the pipe's destination.
    const pipe = r.pipe.bind(r);
    r.pipe = <T extends NodeJS.WritableStream>(destination: T, options?: { end?: boolean }): T => {
      if (destination instanceof ClientRequest) {
        toFunction = destination;
        destination.once('response', () => (functionAnswered = true));
      }
      return pipe(destination, options);
    };
  };
  // Published before the gateway's handler runs, so the call's pipe is seen.
  subscribe('http.server.request.start', onServerRequest);
  const unsubscribeAll = () => unsubscribe('http.server.request.start', onServerRequest);

  // A connection of its own (agent: false), so the gateway's side of it carries this call alone.
  const req = request({
    host: hostname,
    port,
    agent: false,
    method: 'POST',
    path,
    headers: { ...auth(), 'content-type': 'application/json', 'content-length': body.length, 'x-call-id': callId },
  });
  const answer = new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') });
        req.destroy();
      });
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
  }).finally(unsubscribeAll);
  req.write(body.subarray(0, body.length / 2));

  const untilAtProcess = async (replicaPort: number) => {
    let seen = 'the gateway has not received the call';
    await waitUntil(
      () => `the call was not in flight at the function process within 10 s (${seen}), so killing it would not test a call in flight`,
      async () => {
        const sent = req.socket;
        if (!sent || sent.connecting || req.writableLength > 0) return false;
        // The gateway has read every byte this call sent and has none of them left to pass on.
        if (!atGateway || atGateway.socket.bytesRead < sent.bytesWritten || atGateway.readableLength > 0) return false;
        seen = 'the gateway has not called the function';
        const upstream = toFunction?.socket;
        if (!toFunction) return false;
        seen = 'the gateway has no connection to the function yet';
        if (!upstream || upstream.connecting) return false;
        seen = `the gateway has not passed all of the call on (${toFunction.writableLength} bytes left)`;
        if (toFunction.writableLength > 0) return false;
        seen = `the gateway called port ${upstream.remotePort}, not the replica's ${replicaPort}`;
        if (upstream.remotePort !== replicaPort) return false;
        // The kernel: the connection is up, every byte sent was taken in, and the process read it all.
        seen = `the function process has not read the call yet (connection ${upstream.localPort} → ${replicaPort})`;
        const connections = await loopbackConnections();
        const out = connections.find((c) => c.local === upstream.localPort && c.remote === replicaPort);
        const into = connections.find((c) => c.local === replicaPort && c.remote === upstream.localPort);
        return out?.established && out.txQueue === 0 && into?.established && into.rxQueue === 0;
      },
      10_000,
      10,
    ).catch((err: unknown) => {
      // The call is given up: its answer is no longer awaited.
      answer.catch(() => undefined);
      req.destroy();
      throw err;
    });
  };

  const expectInFlight = () => {
    if (!toFunction || toFunction.destroyed || functionAnswered || req.destroyed) {
      throw new Error(`the call was not in flight at the function when it was killed (${toFunction ? 'the function had answered or the call had ended' : 'the gateway had not called the function'})`);
    }
  };
  return { answer, untilAtProcess, expectInFlight };
}

const failedAsUnavailable = (c: { status: number; body: unknown }) =>
  (c.status === 502 || c.status === 503) && isErrorBody(c.body) && ['bad_gateway', 'service_unavailable'].includes(c.body.error.code);

async function untilRestarted(fn: string, index: number, oldPid: number): Promise<number> {
  const replica = ts.stack.functions.get(fn)!.replicas[index]!;
  return waitUntil(
    `${fn} was not restarted within 30 s`,
    () => replica.ready && replica.process?.pid && replica.process.pid !== oldPid && replica.process.pid,
    30_000,
    20,
  );
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
    // The headers and half the body have reached the process, which waits for the rest.
    await pending.untilAtProcess(replica.port);
    pending.expectInFlight();
    replica.process!.kill('SIGKILL');
    const killedAt = Date.now();
    inFlight = await pending.answer;
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
