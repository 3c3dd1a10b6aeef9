/** What the gateway and the function template add: methods, body limits, health and metrics. */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { FUNCTIONS, type Task } from '../../shared/src/contract/index.ts';
import {
  type TestUser,
  api,
  countRows,
  createTask,
  expectError,
  expectNoChange,
  signUpAndLogin,
  taskInput,
} from '../support/api-client.ts';

const baseUrl = inject('baseUrl');

let user: TestUser;
let task: Task;

beforeAll(async () => {
  user = await signUpAndLogin(baseUrl);
  task = await createTask(user.client, { title: 'Gateway test task' });
});

describe('wrong methods', () => {
  const cases: [method: string, path: () => string, allow: string][] = [
    ['GET', () => '/function/signup', 'POST'],
    ['PUT', () => '/function/login', 'POST'],
    ['GET', () => '/function/create-task', 'POST'],
    ['PUT', () => '/function/create-task', 'POST'],
    ['POST', () => '/function/list-tasks', 'GET'],
    ['DELETE', () => '/function/list-tasks', 'GET'],
    ['GET', () => `/function/delete-task/${task.id}`, 'DELETE'],
    ['POST', () => `/function/delete-task/${task.id}`, 'DELETE'],
    ['PATCH', () => `/function/delete-task/${task.id}`, 'DELETE'],
    ['DELETE', () => `/function/predict-image/${task.id}`, 'PUT, GET'],
  ];

  it.each(cases)('%s %s is 405 with Allow: %s, and does nothing', async (method, path, allow) => {
    const res = await expectNoChange([user.username], () => user.client.request(method, path(), method === 'GET' ? undefined : taskInput()));
    expectError(res, 405, 'method_not_allowed');
    expect(res.headers.get('allow')).toBe(allow);
  });
});

describe('bodies over the limit', () => {
  const sizes: [name: string, bytes: number][] = [
    ['2 MB (over the function’s MAX_RAW_SIZE)', 2 * 1024 * 1024],
    ['13 MB (over any function’s limit)', 13 * 1024 * 1024],
  ];

  it.each(sizes)('%s: 413 in the error shape, nothing created', async (_name, bytes) => {
    const body = JSON.stringify({ ...taskInput({ title: 'Too large' }), body: 'x'.repeat(bytes) });
    const res = await expectNoChange([user.username], () => user.client.post('/function/create-task', body));
    expectError(res, 413, 'payload_too_large');
  });

  it('a large body sent without a Content-Length (chunked): 413 in the error shape', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 2 * 1024 * 1024) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const res = await expectNoChange([user.username], async () => {
      const response = await fetch(`${baseUrl}/function/create-task`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${user.token}`, 'Content-Type': 'application/json' },
        body: stream,
        duplex: 'half',
      } as RequestInit);
      const text = await response.text();
      return { status: response.status, headers: response.headers, text, bytes: Buffer.from(text), body: JSON.parse(text) as unknown };
    });
    expectError(res, 413, 'payload_too_large');
  });

  it('the connection stays usable after a refused body', async () => {
    for (let i = 0; i < 3; i++) {
      const big = JSON.stringify({ ...taskInput(), body: 'y'.repeat(3 * 1024 * 1024) });
      expectError(await user.client.post('/function/create-task', big), 413, 'payload_too_large');
      expect((await user.client.get('/function/list-tasks?limit=1')).status).toBe(200);
    }
    expect(await countRows('tasks', 'owner = ?', [user.userId])).toBe(1);
  });
});

describe('routing', () => {
  it('an unknown function is 404 in the error shape', async () => {
    expectError(await api(baseUrl).get('/function/no-such-function'), 404, 'not_found');
  });
});

describe('/healthz', () => {
  it('is 200 and names every function as up', async () => {
    const res = await api(baseUrl).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', functions: Object.fromEntries(FUNCTIONS.map((f) => [f, true])) });
  });
});

describe('/metrics', () => {
  const scrape = async () => {
    const res = await fetch(`${baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    return res.text();
  };

  /** Every sample of `name` as [labels, value]. */
  const samples = (text: string, name: string): [Record<string, string>, number][] =>
    [...text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm'))].map((m) => [
      Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!])),
      Number(m[2]),
    ]);

  const total = (text: string, fn: string, code: string) =>
    samples(text, 'gateway_function_invocation_total').find(([l]) => l.function_name === `${fn}.openfaas-fn` && l.code === code)?.[1] ?? 0;

  it('shows gateway_function_invocation_total and gateway_functions_seconds for every function called', async () => {
    // One call to each function.
    const caller = await signUpAndLogin(baseUrl);
    const created = await createTask(caller.client);
    expect((await caller.client.get('/function/list-tasks')).status).toBe(200);
    expect((await caller.client.delete(`/function/delete-task/${created.id}`)).status).toBe(204);
    expect((await caller.client.get(`/function/predict-image/${created.id}`)).status).toBe(404);

    const text = await scrape();
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) {
      expect(line).toMatch(/^[a-z_]+\{([a-z_]+="[^"]*",?)+\} \d+(\.\d+)?(e[-+]\d+)?$/);
    }
    for (const fn of FUNCTIONS) {
      const label = `${fn}.openfaas-fn`;
      const invocations = samples(text, 'gateway_function_invocation_total').filter(([l]) => l.function_name === label);
      expect(invocations.length, fn).toBeGreaterThan(0);
      for (const [labels, count] of invocations) {
        expect(labels.code).toMatch(/^\d{3}$/);
        const series = (name: string) =>
          samples(text, name).filter(([l]) => l.function_name === label && l.code === labels.code);
        // The histogram counts the same calls as the counter, in the same scrape.
        expect(series('gateway_functions_seconds_count')).toEqual([[labels, count]]);
        expect(series('gateway_functions_seconds_sum')).toHaveLength(1);
        const buckets = series('gateway_functions_seconds_bucket');
        expect(buckets.find(([l]) => l.le === '+Inf')?.[1]).toBe(count);
        const counts = buckets.map(([, v]) => v);
        expect(counts).toEqual([...counts].sort((a, b) => a - b));
      }
      expect(samples(text, 'gateway_service_count').find(([l]) => l.function_name === label)?.[1], fn).toBeGreaterThanOrEqual(1);
    }
  });

  it('counts each call under its status code', async () => {
    const before = await scrape();
    await createTask(user.client, { title: 'Counted' });
    expectError(await user.client.post('/function/create-task', '{'), 400, 'invalid_json');
    const after = await scrape();
    // At least: other test files call the same function at the same time.
    expect(total(after, 'create-task', '201')).toBeGreaterThanOrEqual(total(before, 'create-task', '201') + 1);
    expect(total(after, 'create-task', '400')).toBeGreaterThanOrEqual(total(before, 'create-task', '400') + 1);
  });
});
