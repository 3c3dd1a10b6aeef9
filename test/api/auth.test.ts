/**
 * Every call that needs a sign-in refuses a missing or bad token with 401, and does nothing:
 * garbage, expired, tampered, signed with another secret, `alg: none`, HS512.
 */
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Task } from '../../shared/src/contract/index.ts';
import {
  type ApiResponse,
  type TestUser,
  api,
  countRows,
  createTask,
  dbRows,
  expectError,
  expectNoChange,
  signUpAndLogin,
  taskInput,
} from '../support/api-client.ts';
import { claimsFor, signToken, stackJwtSecret, withPayload } from '../support/tokens.ts';

const baseUrl = inject('baseUrl');

let owner: TestUser;
let victim: TestUser;
let ownTask: Task;
let victimTask: Task;
let secret: string;

beforeAll(async () => {
  [owner, victim] = await Promise.all([signUpAndLogin(baseUrl), signUpAndLogin(baseUrl)]);
  ownTask = await createTask(owner.client, { title: 'Owner task' });
  victimTask = await createTask(victim.client, { title: 'Victim task' });
  secret = await stackJwtSecret(inject('dataDir'));
});

/** Authorization header values that must all be refused, built once the users exist. */
function badAuthorizations(): Record<string, string | undefined> {
  const now = Math.floor(Date.now() / 1000);
  const good = claimsFor(owner.userId, owner.username);
  return {
    'no Authorization header': undefined,
    'an empty header': '',
    'garbage': 'Bearer garbage',
    'three garbage parts': 'Bearer aaa.bbb.ccc',
    'another scheme': `Basic ${Buffer.from(`${owner.username}:${owner.password}`).toString('base64')}`,
    'the token without "Bearer"': owner.token,
    'an expired token': `Bearer ${signToken({ ...good, iat: now - 7200, exp: now - 3600 }, secret)}`,
    'a tampered payload (another user id)': `Bearer ${withPayload(owner.token, claimsFor(victim.userId, victim.username))}`,
    'a tampered signature': `Bearer ${owner.token.slice(0, -6)}${owner.token.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA'}`,
    'a token signed with another secret': `Bearer ${signToken(good, 'not-the-stack-secret-0123456789abcdef')}`,
    'alg: none': `Bearer ${signToken(good, '', 'none')}`,
    'HS512 with the right secret': `Bearer ${signToken(good, secret, 'HS512')}`,
    'another issuer': `Bearer ${signToken({ ...good, iss: 'someone-else' }, secret)}`,
    'no subject': `Bearer ${signToken({ ...good, sub: undefined }, secret)}`,
    'a user that does not exist': `Bearer ${signToken(claimsFor('999999999', 'nobody'), secret)}`,
  };
}

const headers = (authorization: string | undefined): Record<string, string> =>
  authorization === undefined ? {} : { Authorization: authorization };

/** The title of the task the refused create-task calls send: this run's own, as the api files share one database. */
const refusedTitle = `Should not exist ${randomBytes(4).toString('hex')}`;

const calls: Record<string, (authorization: string | undefined) => Promise<ApiResponse>> = {
  'create-task': (a) => api(baseUrl).post('/function/create-task', taskInput({ title: refusedTitle }), headers(a)),
  'list-tasks': (a) => api(baseUrl).get('/function/list-tasks', headers(a)),
  'delete-task (own task)': (a) => api(baseUrl).delete(`/function/delete-task/${ownTask.id}`, headers(a)),
  'delete-task (another user’s task)': (a) => api(baseUrl).delete(`/function/delete-task/${victimTask.id}`, headers(a)),
};

describe.each(Object.keys(calls))('%s', (call) => {
  it('refuses every bad token with 401 and changes nothing', async () => {
    for (const [name, authorization] of Object.entries(badAuthorizations())) {
      const res = await expectNoChange([owner.username, victim.username], () => calls[call]!(authorization));
      expect(res.status, `${name}: ${res.text}`).toBe(401);
      expectError(res, 401, 'unauthorized');
    }
  });
});

describe('a good token', () => {
  it('signed by the test with the stack secret is accepted: the refusals above differ only where they say', async () => {
    const res = await api(baseUrl).get('/function/list-tasks', { Authorization: `Bearer ${signToken(claimsFor(owner.userId, owner.username), secret)}` });
    expect(res.status).toBe(200);
  });

  it('stops working once its user is gone', async () => {
    const gone = await signUpAndLogin(baseUrl);
    await dbRows('DELETE FROM users WHERE id = ?', [gone.userId]);
    expectError(await gone.client.get('/function/list-tasks'), 401, 'unauthorized');
  });

  it('nothing was created or deleted by the refused calls', async () => {
    expect(await countRows('tasks', 'owner IN (?, ?)', [owner.userId, victim.userId])).toBe(2);
    expect(await countRows('tasks', 'title = ?', [refusedTitle])).toBe(0);
  });
});
