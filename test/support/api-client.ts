/**
 * Helpers for tests that call the API through the real gateway: a small HTTP client, fresh
 * signed-in users, tasks, the API's error shape asserted in one place, and direct reads of the
 * test database to prove what a call changed, or that it changed nothing.
 */
import { randomBytes } from 'node:crypto';
import { expect, inject } from 'vitest';
import {
  ERROR_STATUS,
  type ErrorBody,
  type ErrorCode,
  type NewTask,
  type Session,
  type Task,
  isErrorBody,
} from '../../shared/src/contract/index.ts';
import { testPassword } from './log-leaks.ts';
import { sql } from './sql.ts';

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** The body as JSON when the response says it is JSON, else undefined. */
  body: T;
  bytes: Buffer;
  text: string;
}

/**
 * A request body: an object is sent as JSON; a string is sent as it is, as JSON unless the
 * headers give another Content-Type; bytes are sent as they are with the headers' Content-Type.
 */
export type RequestBody = object | string | Uint8Array;

export type HeaderMap = Record<string, string>;

export interface ApiClient {
  request<T = unknown>(method: string, path: string, body?: RequestBody, headers?: HeaderMap): Promise<ApiResponse<T>>;
  get<T = unknown>(path: string, headers?: HeaderMap): Promise<ApiResponse<T>>;
  post<T = unknown>(path: string, body?: RequestBody, headers?: HeaderMap): Promise<ApiResponse<T>>;
  put<T = unknown>(path: string, body?: RequestBody, headers?: HeaderMap): Promise<ApiResponse<T>>;
  delete<T = unknown>(path: string, headers?: HeaderMap): Promise<ApiResponse<T>>;
}

const hasHeader = (headers: HeaderMap, name: string) => Object.keys(headers).some((k) => k.toLowerCase() === name);

/** A client for the gateway at `baseUrl`, sending `Authorization: Bearer <token>` when given one. */
export function api(baseUrl: string, token?: string): ApiClient {
  async function request<T>(method: string, path: string, body?: RequestBody, extra: HeaderMap = {}): Promise<ApiResponse<T>> {
    const headers: HeaderMap = { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...extra };
    let payload: string | Uint8Array | undefined;
    if (typeof body === 'string' || body instanceof Uint8Array) payload = body;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined && !(payload instanceof Uint8Array) && !hasHeader(headers, 'content-type')) {
      headers['Content-Type'] = 'application/json';
    }
    const response = await fetch(`${baseUrl}${path}`, { method, headers, body: payload });
    const bytes = Buffer.from(await response.arrayBuffer());
    const text = bytes.toString('utf8');
    const isJson = /^application\/(.+\+)?json/.test(response.headers.get('content-type') ?? '');
    return { status: response.status, headers: response.headers, body: (isJson ? JSON.parse(text) : undefined) as T, bytes, text };
  }
  return {
    request,
    get: (path, headers) => request('GET', path, undefined, headers),
    post: (path, body, headers) => request('POST', path, body, headers),
    put: (path, body, headers) => request('PUT', path, body, headers),
    delete: (path, headers) => request('DELETE', path, undefined, headers),
  };
}

/** A username no other test uses: `<prefix>-<8 hex digits>`. */
export const uniqueUsername = (prefix = 'user'): string => `${prefix}-${randomBytes(4).toString('hex')}`;

export interface TestUser {
  username: string;
  password: string;
  userId: string;
  token: string;
  /** A client that sends this user's token. */
  client: ApiClient;
}

async function signUp(baseUrl: string, username: string, password: string): Promise<void> {
  const res = await api(baseUrl).post('/function/signup', { username, password });
  expect(res.status, res.text).toBe(201);
}

async function logIn(baseUrl: string, username: string, password: string): Promise<Session> {
  const res = await api(baseUrl).post<Session>('/function/login', { username, password });
  expect(res.status, res.text).toBe(200);
  return res.body;
}

/** A new account, signed in. */
export async function signUpAndLogin(
  baseUrl: string,
  options: { username?: string; password?: string } = {},
): Promise<TestUser> {
  const username = options.username ?? uniqueUsername();
  const password = options.password ?? testPassword();
  await signUp(baseUrl, username, password);
  const { token } = await logIn(baseUrl, username, password);
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { sub: string };
  return { username, password, userId: claims.sub, token, client: api(baseUrl, token) };
}

/** A valid new task, with any fields overridden. */
export const taskInput = (overrides: Partial<NewTask> = {}): NewTask => ({
  title: 'A task',
  body: '',
  dueDate: '2030-06-15',
  ...overrides,
});

export async function createTask(client: ApiClient, overrides: Partial<NewTask> = {}): Promise<Task> {
  const res = await client.post<Task>('/function/create-task', taskInput(overrides));
  expect(res.status, res.text).toBe(201);
  return res.body;
}

/**
 * Asserts a response is the API's error: the status, the code, `{"error": {"code", "message"}}`
 * as JSON with nothing else at the top, and no internals (stack traces, SQL, hosts) in it.
 */
export function expectError(res: ApiResponse, status: number, code: ErrorCode): ErrorBody['error'] {
  expect(res.status, res.text).toBe(status);
  expect(ERROR_STATUS[code]).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(isErrorBody(res.body), res.text).toBe(true);
  expect(Object.keys(res.body as object)).toEqual(['error']);
  const { error } = res.body as ErrorBody;
  expect(error.code).toBe(code);
  expect(error.message.trim().length).toBeGreaterThan(0);
  for (const key of Object.keys(error)) expect(['code', 'message', 'fields', 'task']).toContain(key);
  expect(res.text).not.toMatch(/\bat .+:\d+:\d+|node_modules|\bSELECT\b|\bINSERT\b|sqlMessage|ER_[A-Z_]+|\.svc\.cluster|127\.0\.0\.1/);
  return error;
}

/** Rows from the test stack's database (`inject('mysqlUrl')`). */
export const dbRows = <T = Record<string, unknown>>(statement: string, params: unknown[] = []): Promise<T[]> =>
  sql<T>(inject('mysqlUrl'), statement, params);

export async function countRows(table: 'users' | 'tasks' | 'login_throttle', where = '1 = 1', params: unknown[] = []): Promise<number> {
  const [row] = await dbRows<{ n: string }>(`SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`, params);
  return Number(row!.n);
}

/**
 * Everything the database holds about some usernames: their user rows, all their tasks (every
 * column) and their login-throttle state. Equal before and after a call = the call changed nothing.
 */
async function userState(usernames: string[]): Promise<unknown> {
  const users = await dbRows('SELECT * FROM users WHERE username IN (?) ORDER BY id', [usernames]);
  const tasks = await dbRows(
    'SELECT t.* FROM tasks t JOIN users u ON u.id = t.owner WHERE u.username IN (?) ORDER BY t.id',
    [usernames],
  );
  const throttle = await dbRows('SELECT * FROM login_throttle WHERE username IN (?) ORDER BY username', [usernames]);
  return { users, tasks, throttle };
}

/** Runs `call` and asserts it changed nothing the database holds about `usernames`. */
export async function expectNoChange<T>(usernames: string[], call: () => Promise<T>): Promise<T> {
  const before = await userState(usernames);
  const result = await call();
  expect(await userState(usernames)).toEqual(before);
  return result;
}
