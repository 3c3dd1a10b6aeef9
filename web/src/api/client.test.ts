import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { json, sampleTask, startServer, type Handler } from '../test/server.ts';
import { createApiClient } from './client.ts';
import { ApiError, ERROR_MESSAGES, describeError } from './errors.ts';

let handler: Handler = (_req, res) => json(res, 500, {});
let server: Awaited<ReturnType<typeof startServer>>;

beforeAll(async () => {
  server = await startServer((req, res) => handler(req, res));
});
afterAll(() => server.close());
afterEach(() => {
  server.requests.length = 0;
});

const client = (token: string | null = 'tok', onUnauthorized = vi.fn()) =>
  createApiClient({ baseUrl: server.url, getToken: () => token, onUnauthorized });

describe('API client', () => {
  it('logs in without a token and parses the session', async () => {
    handler = (_req, res) => json(res, 200, { token: 'jwt', expiresAt: '2030-01-01T00:00:00Z', username: 'ann' });
    const session = await client(null).login({ username: 'ann', password: 'secret-pass' });
    expect(session).toEqual({ token: 'jwt', expiresAt: '2030-01-01T00:00:00Z', username: 'ann' });
    const [req] = server.requests;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/function/login');
    expect(req?.headers.authorization).toBeUndefined();
    expect(req?.headers['content-type']).toContain('application/json');
    expect(JSON.parse(req?.body.toString() ?? '')).toEqual({ username: 'ann', password: 'secret-pass' });
  });

  it('sends the bearer token and the cursor when listing tasks', async () => {
    handler = (_req, res) => json(res, 200, { tasks: [sampleTask()], nextCursor: 'abc' });
    const list = await client('tok-1').listTasks({ limit: 5, cursor: 'x/y=' });
    expect(list.tasks[0]?.title).toBe('Buy milk');
    expect(list.nextCursor).toBe('abc');
    const [req] = server.requests;
    expect(req?.url).toBe('/function/list-tasks?limit=5&cursor=x%2Fy%3D');
    expect(req?.headers.authorization).toBe('Bearer tok-1');
  });

  it('creates and deletes tasks', async () => {
    handler = (req, res) => {
      if (req.method === 'POST') json(res, 201, sampleTask({ id: '7', title: 'New' }));
      else res.writeHead(204).end();
    };
    const api = client();
    const task = await api.createTask({ title: 'New', body: '', dueDate: '2025-06-10' });
    expect(task.id).toBe('7');
    await expect(api.deleteTask('7')).resolves.toBeUndefined();
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /function/create-task', 'DELETE /function/delete-task/7']);
  });

  it('turns the error shape into a typed error with field issues', async () => {
    handler = (_req, res) =>
      json(res, 400, {
        error: { code: 'validation_failed', message: 'Invalid input', fields: [{ field: 'title', message: 'is required' }] },
      });
    const error = await client().createTask({ title: '', body: '', dueDate: '2025-06-10' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: 'validation_failed', fields: [{ field: 'title', message: 'is required' }] });
    expect((error as ApiError).message).toBe(ERROR_MESSAGES.validation_failed);
  });

  it('reports a 401 on an authenticated call as the end of the session', async () => {
    handler = (_req, res) => json(res, 401, { error: { code: 'unauthorized', message: 'token expired' } });
    const onUnauthorized = vi.fn();
    const error = await client('old', onUnauthorized).listTasks().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unauthorized', status: 401 });
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it('does not end a session for wrong credentials at login', async () => {
    handler = (_req, res) => json(res, 401, { error: { code: 'invalid_credentials', message: 'no' } });
    const onUnauthorized = vi.fn();
    const error = await client(null, onUnauthorized).login({ username: 'ann', password: 'wrong-pass' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'invalid_credentials' });
    expect(describeError(error)).toMatch(/do not match/);
    expect(onUnauthorized).not.toHaveBeenCalled();
  });

  it('reads Retry-After on 429', async () => {
    handler = (_req, res) => json(res, 429, { error: { code: 'too_many_requests', message: 'slow down' } }, { 'Retry-After': '30' });
    const error = await client(null).login({ username: 'ann', password: 'whatever1' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'too_many_requests', retryAfterSeconds: 30 });
    expect(describeError(error)).toBe('Too many attempts in a short time. Please wait 30 seconds and try again.');
  });

  it('copes with a reply that is not the error shape (a proxy page)', async () => {
    handler = (_req, res) => {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end('<html><body>Bad Gateway</body></html>');
    };
    const error = await client().listTasks().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502, code: 'bad_gateway' });
    expect(describeError(error)).not.toContain('<html>');
  });

  it('rejects a success reply that does not match the contract', async () => {
    handler = (_req, res) => json(res, 200, { tasks: [{ id: 1 }] });
    await expect(client().listTasks()).rejects.toMatchObject({ code: 'bad_response' });
  });

  it('says the server cannot be reached when the connection fails', async () => {
    const api = createApiClient({ baseUrl: 'http://127.0.0.1:1' });
    await expect(api.listTasks()).rejects.toMatchObject({ code: 'network_error', status: 0 });
  });

  it('fetches a stored image as a blob with the token', async () => {
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    handler = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'image/jpeg' });
      res.end(bytes);
    };
    const blob = await client('img-tok').getImage('3');
    expect(blob.size).toBe(bytes.length);
    expect(server.requests[0]?.url).toBe('/function/predict-image/3');
    expect(server.requests[0]?.headers.authorization).toBe('Bearer img-tok');
  });

  it('uploads raw image bytes with XMLHttpRequest and reports progress', async () => {
    handler = (req, res) => json(res, 200, sampleTask({ id: '3', hasImage: true, labelStatus: 'ready', labels: [{ name: 'zebra', score: 0.9 }], size: req.body.length }));
    const image = new Blob([new Uint8Array(50_000).fill(7)], { type: 'image/png' });
    const progress: Array<[number, number]> = [];
    const onSent = vi.fn();
    const task = await client('up-tok').uploadImage('3', image, { onProgress: (s, t) => progress.push([s, t]), onSent });
    expect(task.labels[0]?.name).toBe('zebra');
    const [req] = server.requests;
    expect(req?.method).toBe('PUT');
    expect(req?.url).toBe('/function/predict-image/3');
    expect(req?.headers['content-type']).toBe('image/png');
    expect(req?.headers.authorization).toBe('Bearer up-tok');
    expect(req?.body.length).toBe(50_000);
    expect(progress.at(-1)).toEqual([50_000, 50_000]);
    expect(onSent).toHaveBeenCalledOnce();
  });

  it('gives back the stored task when recognition is unavailable', async () => {
    handler = (_req, res) =>
      json(res, 503, {
        error: { code: 'recognition_unavailable', message: 'model down', task: sampleTask({ id: '3', hasImage: true, labelStatus: 'failed' }) },
      });
    const error = await client().uploadImage('3', new Blob(['x'], { type: 'image/jpeg' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('recognition_unavailable');
    expect((error as ApiError).task).toMatchObject({ id: '3', hasImage: true, labelStatus: 'failed' });
  });

  it('maps upload errors such as 415 to sentences', async () => {
    handler = (_req, res) => json(res, 415, { error: { code: 'unsupported_media_type', message: 'nope' } });
    const error = await client().uploadImage('3', new Blob(['x'], { type: 'image/bmp' })).catch((e: unknown) => e);
    expect(describeError(error)).toMatch(/not supported/);
  });

  it('has a sentence for every error code', () => {
    for (const message of Object.values(ERROR_MESSAGES)) expect(message).toMatch(/^[A-Z].*\.$/);
  });
});
