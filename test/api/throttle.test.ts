/**
 * Login throttling through the gateway (LOGIN_LOCK_SECONDS=2 in the test stack): 5 failures
 * lock the username, every further attempt makes the wait longer, and the right password is
 * refused until the lock is over. Both login replicas see the same state (it is in MySQL).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, inject, it } from 'vitest';
import { api, dbRows, expectError, signUpAndLogin, uniqueUsername } from '../support/api-client.ts';

const baseUrl = inject('baseUrl');
const login = (username: string, password: string) => api(baseUrl).post('/function/login', { username, password });

function retryAfter(res: { headers: Headers }): number {
  const value = res.headers.get('retry-after');
  expect(value).toMatch(/^[1-9]\d*$/);
  return Number(value);
}

describe('login throttling', () => {
  it('locks after 5 failures, grows the wait, refuses the right password, leaves others alone, then lets the right password in', async () => {
    const [user, bystander] = await Promise.all([signUpAndLogin(baseUrl), signUpAndLogin(baseUrl)]);

    for (let i = 1; i <= 5; i++) {
      expectError(await login(user.username, `wrong-password-${i}`), 401, 'invalid_credentials');
    }

    // The 6th attempt is refused before the password is looked at, even the right one.
    const sixth = await login(user.username, user.password);
    expectError(sixth, 429, 'too_many_requests');
    const firstWait = retryAfter(sixth);

    const seventh = await login(user.username, 'wrong-password-7');
    expectError(seventh, 429, 'too_many_requests');
    const secondWait = retryAfter(seventh);
    expect(secondWait).toBeGreaterThan(firstWait);

    // Another username is not affected, nor one that does not exist.
    expect((await login(bystander.username, bystander.password)).status).toBe(200);
    expectError(await login(`${bystander.username}x`, 'whatever-password'), 401, 'invalid_credentials');

    const [state] = await dbRows<{ failures: number }>('SELECT failures FROM login_throttle WHERE username = ?', [user.username]);
    expect(Number(state!.failures)).toBe(7);

    // Waiting as long as Retry-After says ends the lock (no attempt in between: each would extend it).
    await sleep(secondWait * 1000 + 250);
    const after = await login(user.username, user.password);
    expect(after.status, after.text).toBe(200);
    expect(await dbRows('SELECT * FROM login_throttle WHERE username = ?', [user.username])).toEqual([]);

    // The counter starts again from zero: one wrong password is a plain 401, not a lock.
    expectError(await login(user.username, 'wrong-again'), 401, 'invalid_credentials');
    expect((await login(user.username, user.password)).status).toBe(200);
  });

  it('also locks a username that has no account, the same way', async () => {
    const ghost = uniqueUsername('ghost');
    for (let i = 1; i <= 5; i++) expectError(await login(ghost, `guess-number-${i}`), 401, 'invalid_credentials');
    const locked = await login(ghost, 'guess-number-6');
    expectError(locked, 429, 'too_many_requests');
    retryAfter(locked);
  });
});
