import type { Task } from '@todo/shared/contract';
import type { ServerResponse } from 'node:http';
import { json, startServer, type Recorded } from './server.ts';

type Override = (req: Recorded, res: ServerResponse) => boolean | Promise<boolean>;

/**
 * An in-memory stand-in for the functions, on a real HTTP server, so component tests go
 * through the real API client. `override` lets a test answer one call its own way.
 */
export function createFakeBackend() {
  const users = new Map<string, string>();
  const tasks: Task[] = [];
  let nextId = 1;
  let override: Override | null = null;
  const token = (u: string) => `token-${u}`;

  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  const running = () => {
    if (!server) throw new Error('The fake backend has not been started');
    return server;
  };

  const handle = async (req: Recorded, res: ServerResponse): Promise<void> => {
    if (override && (await override(req, res))) return;
    const url = new URL(req.url, 'http://x');
    const path = url.pathname;
    const body = () => JSON.parse(req.body.toString() || '{}') as Record<string, string>;
    const authed = /^Bearer token-/.test(req.headers.authorization ?? '');
    if (path === '/function/signup') {
      const { username, password } = body();
      if (!username || !password) return json(res, 400, { error: { code: 'validation_failed', message: 'x' } });
      if (users.has(username)) return json(res, 409, { error: { code: 'username_taken', message: 'taken' } });
      users.set(username, password);
      return json(res, 201, { username });
    }
    if (path === '/function/login') {
      const { username, password } = body();
      if (!username || users.get(username) !== password) {
        return json(res, 401, { error: { code: 'invalid_credentials', message: 'bad' } });
      }
      return json(res, 200, { token: token(username), expiresAt: new Date(Date.now() + 3_600_000).toISOString(), username });
    }
    if (!authed) return json(res, 401, { error: { code: 'unauthorized', message: 'no token' } });
    if (path === '/function/list-tasks') {
      const limit = Number(url.searchParams.get('limit') ?? 20);
      const start = Number(url.searchParams.get('cursor') ?? 0);
      const page = tasks.slice(start, start + limit);
      const next = start + limit < tasks.length ? String(start + limit) : null;
      return json(res, 200, { tasks: page, nextCursor: next });
    }
    if (path === '/function/create-task') {
      const { title, body: text, dueDate } = body();
      const task: Task = {
        id: String(nextId++),
        title: String(title),
        body: String(text ?? ''),
        dueDate: String(dueDate),
        createdAt: new Date().toISOString(),
        hasImage: false,
        labels: [],
        labelStatus: 'none',
      };
      tasks.unshift(task);
      return json(res, 201, task);
    }
    const del = /^\/function\/delete-task\/(\d+)$/.exec(path);
    if (del && req.method === 'DELETE') {
      const i = tasks.findIndex((t) => t.id === del[1]);
      if (i < 0) return json(res, 404, { error: { code: 'not_found', message: 'x' } });
      tasks.splice(i, 1);
      res.writeHead(204).end();
      return;
    }
    const img = /^\/function\/predict-image\/(\d+)$/.exec(path);
    if (img) {
      const task = tasks.find((t) => t.id === img[1]);
      if (!task) return json(res, 404, { error: { code: 'not_found', message: 'x' } });
      if (req.method === 'GET') {
        res.writeHead(200, { 'Content-Type': 'image/png' });
        res.end(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
        return;
      }
      task.hasImage = true;
      task.labelStatus = 'ready';
      task.labels = [
        { name: 'zebra', score: 0.93 },
        { name: 'hartebeest', score: 0.04 },
      ];
      return json(res, 200, task);
    }
    return json(res, 404, { error: { code: 'not_found', message: 'x' } });
  };

  return {
    async start() {
      server = await startServer(handle);
    },
    close: () => running().close(),
    get url() {
      return running().url;
    },
    get requests() {
      return running().requests;
    },
    /** Forgets everything one test did, ready for the next. */
    reset() {
      override = null;
      users.clear();
      tasks.length = 0;
      running().requests.length = 0;
    },
    users,
    tasks,
    setOverride(fn: Override | null) {
      override = fn;
    },
    /** A ready signed-in session for `username` (created if needed). */
    sessionFor(username: string) {
      users.set(username, users.get(username) ?? 'password-1');
      return { token: token(username), expiresAt: new Date(Date.now() + 3_600_000).toISOString(), username };
    },
    addTask(partial: Partial<Task> & { title: string }) {
      const task: Task = {
        id: String(nextId++),
        body: '',
        dueDate: '2030-01-01',
        createdAt: new Date().toISOString(),
        hasImage: false,
        labels: [],
        labelStatus: 'none',
        ...partial,
      };
      tasks.unshift(task);
      return task;
    },
  };
}

/** A promise with its resolve handle, to hold a reply until the test lets it go. */
export function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}
