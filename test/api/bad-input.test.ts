/**
 * Issue 2's "bad input" list, call by call through the gateway: each gets its 4xx in the error
 * shape and changes nothing in the database.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { ErrorCode, Task } from '../../shared/src/contract/index.ts';
import {
  type RequestBody,
  type TestUser,
  api,
  countRows,
  createTask,
  expectError,
  expectNoChange,
  signUpAndLogin,
  uniqueUsername,
} from '../support/api-client.ts';

const baseUrl = inject('baseUrl');

interface BadBody {
  name: string;
  body?: RequestBody;
  contentType?: string;
  status?: number;
  code?: ErrorCode;
  /** The fields a validation_failed answer must name. */
  fields?: string[];
}

const invalidJson = (name: string, body: string | undefined): BadBody => ({ name, body, code: 'invalid_json' });
const invalid = (name: string, body: object, fields: string[]): BadBody => ({ name, body, code: 'validation_failed', fields });

/** Bodies no JSON endpoint takes. */
const NOT_JSON_OBJECTS: BadBody[] = [
  invalidJson('malformed JSON', '{"username": "someone", "password": '),
  invalidJson('JSON with trailing garbage', '{"title": "x"} and more'),
  invalidJson('single quotes', "{'title': 'x'}"),
  invalidJson('an array', '[]'),
  invalidJson('a string', '"text"'),
  invalidJson('a number', '42'),
  invalidJson('null', 'null'),
  invalidJson('an empty body', ''),
  invalidJson('no body at all', undefined),
  { name: 'an HTML body', body: '<p>hi</p>', contentType: 'text/html', status: 415, code: 'unsupported_media_type' },
  { name: 'a form body', body: 'a=b&c=d', contentType: 'application/x-www-form-urlencoded', status: 415, code: 'unsupported_media_type' },
  { name: 'a JSON body over 256 KB', body: { padding: 'x'.repeat(300 * 1024) }, status: 413, code: 'payload_too_large' },
];

async function send(client: ReturnType<typeof api>, path: string, c: BadBody) {
  return client.request('POST', path, c.body, c.contentType ? { 'Content-Type': c.contentType } : {});
}

function expectRefusal(res: Awaited<ReturnType<typeof send>>, c: BadBody) {
  const error = expectError(res, c.status ?? 400, c.code ?? 'validation_failed');
  if (c.fields) expect(error.fields?.map((f) => f.field).sort()).toEqual([...c.fields].sort());
}

let user: TestUser;
let existing: Task;

beforeAll(async () => {
  user = await signUpAndLogin(baseUrl);
  existing = await createTask(user.client, { title: 'Existing task' });
});

describe('signup', () => {
  const name = 'new-user-name';
  const cases: BadBody[] = [
    ...NOT_JSON_OBJECTS,
    invalid('wrong types', { username: 42, password: ['a', 'b'] }, ['username', 'password']),
    invalid('nulls', { username: null, password: null }, ['username', 'password']),
    invalid('missing fields', {}, ['username', 'password']),
    invalid('missing password', { username: name }, ['password']),
    invalid('missing username', { password: 'long enough' }, ['username']),
    invalid('a username of 2 characters', { username: 'ab', password: 'long enough' }, ['username']),
    invalid('a username of 65 characters', { username: 'a'.repeat(65), password: 'long enough' }, ['username']),
    invalid('a username with upper case', { username: 'Alice', password: 'long enough' }, ['username']),
    invalid('a username with a space', { username: 'al ice', password: 'long enough' }, ['username']),
    invalid('a username with other letters', { username: 'émile', password: 'long enough' }, ['username']),
    invalid('a username with HTML', { username: '<b>x</b>', password: 'long enough' }, ['username']),
    invalid('a password of 7 characters', { username: name, password: '1234567' }, ['password']),
    invalid('a password of 257 characters', { username: name, password: 'p'.repeat(257) }, ['password']),
  ];

  it.each(cases)('$name', async (c) => {
    const res = await expectNoChange([user.username, name], () => send(api(baseUrl), '/function/signup', c));
    expectRefusal(res, c);
    expect(await countRows('users', 'username = ?', [name])).toBe(0);
  });

  it('a taken username: 409, and the account is untouched', async () => {
    const res = await expectNoChange([user.username], () =>
      api(baseUrl).post('/function/signup', { username: user.username, password: 'another password' }),
    );
    expectError(res, 409, 'username_taken');
    await expect(api(baseUrl).post('/function/login', { username: user.username, password: user.password })).resolves.toMatchObject({
      status: 200,
    });
  });

  it('the same new username five times at once: one account, four 409s', async () => {
    const username = uniqueUsername('race');
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => api(baseUrl).post('/function/signup', { username, password: `password number ${i}` })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    for (const res of results.filter((r) => r.status === 409)) expectError(res, 409, 'username_taken');
    expect(await countRows('users', 'username = ?', [username])).toBe(1);
  });
});

describe('login', () => {
  // A bad request is not a sign-in attempt: it must not count towards the user's lock either.
  const cases = (): BadBody[] => [
    ...NOT_JSON_OBJECTS,
    invalid('wrong types', { username: user.username, password: 12345678 }, ['password']),
    invalid('missing password', { username: user.username }, ['password']),
    invalid('missing username', { password: user.password }, ['username']),
    invalid('a username of 2 characters', { username: 'ab', password: user.password }, ['username']),
    invalid('a username of 65 characters', { username: 'a'.repeat(65), password: user.password }, ['username']),
    invalid('a username with upper case', { username: user.username.toUpperCase(), password: user.password }, ['username']),
    invalid('a password of 7 characters', { username: user.username, password: '1234567' }, ['password']),
    invalid('a password of 257 characters', { username: user.username, password: 'p'.repeat(257) }, ['password']),
  ];

  it('refuses each bad body and counts none of them as a failed sign-in', async () => {
    for (const c of cases()) {
      const res = await expectNoChange([user.username], () => send(api(baseUrl), '/function/login', c));
      expectRefusal(res, c);
    }
    expect(await countRows('login_throttle', 'username = ?', [user.username])).toBe(0);
  });

  it('says the same for an unknown user as for a wrong password', async () => {
    const ghost = uniqueUsername('ghost');
    const unknown = expectError(await api(baseUrl).post('/function/login', { username: ghost, password: 'whatever1' }), 401, 'invalid_credentials');
    const other = await signUpAndLogin(baseUrl);
    const wrong = expectError(
      await api(baseUrl).post('/function/login', { username: other.username, password: 'not the password' }),
      401,
      'invalid_credentials',
    );
    expect(unknown).toEqual(wrong);
    expect(await countRows('users', 'username = ?', [ghost])).toBe(0);
  });
});

describe('create-task', () => {
  const cases: BadBody[] = [
    ...NOT_JSON_OBJECTS,
    invalid('wrong types', { title: 5, body: ['x'], dueDate: 20270101 }, ['title', 'body', 'dueDate']),
    invalid('nulls', { title: null, body: null, dueDate: null }, ['title', 'body', 'dueDate']),
    invalid('missing fields', {}, ['title', 'dueDate']),
    invalid('missing title', { dueDate: '2027-01-01' }, ['title']),
    invalid('missing due date', { title: 'x' }, ['dueDate']),
    invalid('an empty title', { title: '', dueDate: '2027-01-01' }, ['title']),
    invalid('a whitespace title', { title: ' \t\n\u00a0 ', dueDate: '2027-01-01' }, ['title']),
    invalid('a title of 256 characters', { title: 'a'.repeat(256), dueDate: '2027-01-01' }, ['title']),
    invalid('a title of 256 emoji', { title: '😀'.repeat(256), dueDate: '2027-01-01' }, ['title']),
    { name: 'a title with a lone surrogate', body: '{"title": "a\\ud800b", "dueDate": "2027-01-01"}', code: 'validation_failed', fields: ['title'] },
    invalid('a body of 64 KB + 1 byte', { title: 'x', body: 'b'.repeat(64 * 1024 + 1), dueDate: '2027-01-01' }, ['body']),
    invalid('a body of 64 KB + 1 byte in emoji', { title: 'x', body: `${'🎉'.repeat(16 * 1024)}b`, dueDate: '2027-01-01' }, ['body']),
    ...['2027-02-30', '2027-02-29', '2100-02-29', '2027-04-31', '2027-13-01', '2027-00-10', '2027-1-1', '27-01-01', '2027-01-01T00:00:00Z', '0999-12-31', 'tomorrow', ''].map(
      (dueDate) => invalid(`due date "${dueDate}"`, { title: 'x', dueDate }, ['dueDate']),
    ),
  ];

  it.each(cases)('$name', async (c) => {
    const res = await expectNoChange([user.username], () => send(user.client, '/function/create-task', c));
    expectRefusal(res, c);
  });
});

describe('list-tasks', () => {
  const forgedCursor = Buffer.from(JSON.stringify(['2027-02-30T00:00:00.000Z', '1'])).toString('base64url');
  const cases: { query: string; code: ErrorCode }[] = [
    ...['0', '101', '-1', 'abc', '1.5', '', '1e2', '%201'].map((limit) => ({ query: `limit=${limit}`, code: 'validation_failed' as const })),
    { query: 'limit=1&limit=2', code: 'validation_failed' },
    { query: 'cursor[a]=b', code: 'validation_failed' },
    { query: `cursor=${'c'.repeat(201)}`, code: 'validation_failed' },
    { query: 'cursor=', code: 'invalid_cursor' },
    { query: 'cursor=not-a-cursor', code: 'invalid_cursor' },
    { query: "cursor=')%20OR%201=1%20--", code: 'invalid_cursor' },
    { query: `cursor=${forgedCursor}`, code: 'invalid_cursor' },
  ];

  it.each(cases)('?$query', async ({ query, code }) => {
    const res = await expectNoChange([user.username], () => user.client.get(`/function/list-tasks?${query}`));
    expectError(res, 400, code);
  });
});

describe('delete-task', () => {
  const ids = ['abc', '-1', '0', '01', '1.5', '1e3', '0x10', '%20', `${'9'.repeat(17)}`, '9'.repeat(40), '18446744073709551616'];

  it.each(ids)('id "%s" is 400 and deletes nothing', async (id) => {
    const res = await expectNoChange([user.username], () => user.client.delete(`/function/delete-task/${id}`));
    expectError(res, 400, 'invalid_id');
  });

  it('no id is 400', async () => {
    const res = await expectNoChange([user.username], () => user.client.delete('/function/delete-task'));
    expectError(res, 400, 'invalid_id');
  });

  it('an id with a suffix is 400, not a delete of the number in front', async () => {
    const res = await expectNoChange([user.username], () => user.client.delete(`/function/delete-task/${existing.id}abc`));
    expectError(res, 400, 'invalid_id');
  });

  it('a path beyond the id is 404', async () => {
    const res = await expectNoChange([user.username], () => user.client.delete(`/function/delete-task/${existing.id}/extra`));
    expectError(res, 404, 'not_found');
  });

  it('a task that does not exist is 404', async () => {
    const res = await expectNoChange([user.username], () => user.client.delete(`/function/delete-task/${'9'.repeat(16)}`));
    expectError(res, 404, 'not_found');
  });

  it('the task those calls aimed at is still there', async () => {
    expect(await countRows('tasks', 'id = ? AND owner = ?', [existing.id, user.userId])).toBe(1);
  });
});
