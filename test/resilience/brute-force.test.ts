/**
 * Issue 7, item 5: 50 wrong passwords for one user in one burst (all at once, spread over both
 * login processes). The burst gets no more password checks than the limit allows, the rest are
 * 429 with Retry-After, the right password is refused while the lock lasts, and other users sign
 * in as usual meanwhile. (test/api/throttle.test.ts covers the same rules one attempt at a time.)
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isErrorBody } from '../../shared/src/contract/index.ts';
import { type ApiResponse, type TestUser, api, expectError, signUpAndLogin } from '../support/api-client.ts';
import { testPassword } from '../support/log-leaks.ts';
import { recordFigures } from '../support/resilience-figures.ts';
import { runLogDir, startTestStack, type TestStack } from '../support/resilience-stack.ts';
import { sql } from '../support/sql.ts';

const BURST = 50;
const MAX_FAILURES = 5;

let ts: TestStack;

beforeAll(async () => {
  // The production lock length (30 s, doubling): it lasts well beyond this test.
  ts = await startTestStack({ label: 'brute-force', withModel: false, functionEnv: { LOGIN_MAX_FAILURES: String(MAX_FAILURES), LOGIN_LOCK_SECONDS: '30' } });
});

afterAll(async () => {
  await ts?.stop();
});

const login = (username: string, password: string): Promise<ApiResponse> => api(ts.url).post('/function/login', { username, password });

it(`throttles a burst of ${BURST} wrong passwords, refuses the right one during the lock, and leaves other users alone`, async () => {
  const [target, ...others]: TestUser[] = await Promise.all(Array.from({ length: 4 }, () => signUpAndLogin(ts.url)));
  expect(ts.stack.functions.get('login')!.replicas.length).toBeGreaterThan(1);

  // The burst, with other users signing in at the same moment.
  const [burst, bystanders] = await Promise.all([
    Promise.all(Array.from({ length: BURST }, (_, i) => login(target!.username, testPassword(`guess${i}`)))),
    Promise.all(others.map((u) => login(u.username, u.password))),
  ]);

  const statuses = burst.reduce<Record<number, number>>((t, r) => ({ ...t, [r.status]: (t[r.status] ?? 0) + 1 }), {});
  console.log(`burst of ${BURST}: ${JSON.stringify(statuses)}`);
  for (const res of burst) {
    expect([401, 429], res.text).toContain(res.status);
    expect(isErrorBody(res.body), res.text).toBe(true);
  }
  // No more guesses were checked than the limit allows, however many came at once.
  expect(burst.filter((r) => r.status === 401).length).toBeLessThanOrEqual(MAX_FAILURES);
  const refused = burst.filter((r) => r.status === 429);
  expect(refused.length).toBeGreaterThanOrEqual(BURST - MAX_FAILURES);
  for (const res of refused) {
    expectError(res, 429, 'too_many_requests');
    expect(res.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
  }

  // Other users were not affected, during the burst or after it.
  for (const res of bystanders) expect(res.status, res.text).toBe(200);
  for (const u of others) expect((await login(u.username, u.password)).status).toBe(200);
  expectError(await login(others[0]!.username, testPassword('wrong')), 401, 'invalid_credentials');

  // The right password is refused while the lock lasts, with a wait to come back after.
  const right = await login(target!.username, target!.password);
  expectError(right, 429, 'too_many_requests');
  expect(Number(right.headers.get('retry-after'))).toBeGreaterThanOrEqual(30);
  // The user's existing session is untouched: throttling is about signing in, not about data.
  expect((await target!.client.get('/function/list-tasks')).status).toBe(200);

  const [state] = await sql<{ failures: string }>(ts.mysqlUrl, 'SELECT failures FROM login_throttle WHERE username = ?', [target!.username]);
  expect(Number(state!.failures)).toBe(BURST + 1);
  await recordFigures(runLogDir(), { bruteForceAttempts: BURST + 1 });
});
