/**
 * Logs: one JSON line per request carrying the caller's X-Call-Id, and never a password or a
 * token (`inject('logFile')` holds every stack and function line of this run).
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, inject, it, vi } from 'vitest';
import { type ApiResponse, api, expectError, signUpAndLogin, uniqueUsername } from '../support/api-client.ts';
import { describeLeaks, findLeaks, testPassword } from '../support/log-leaks.ts';
import { readLogLines, requestLines } from '../support/stack-log.ts';

const baseUrl = inject('baseUrl');
const logFile = inject('logFile');

describe('request logs', () => {
  it('every request writes one JSON line with the X-Call-Id the client sent', async () => {
    const user = await signUpAndLogin(baseUrl);
    const calls: [fn: string, method: string, send: (headers: Record<string, string>) => Promise<ApiResponse>][] = [
      ['signup', 'POST', (h) => api(baseUrl).post('/function/signup', { username: uniqueUsername('log'), password: testPassword() }, h)],
      ['signup', 'POST', (h) => api(baseUrl).post('/function/signup', '{broken', h)],
      ['login', 'POST', (h) => api(baseUrl).post('/function/login', { username: user.username, password: user.password }, h)],
      ['login', 'POST', (h) => api(baseUrl).post('/function/login', { username: user.username, password: testPassword('wrong') }, h)],
      ['create-task', 'POST', (h) => user.client.post('/function/create-task', { title: 'Logged', dueDate: '2030-01-01' }, h)],
      ['list-tasks', 'GET', (h) => user.client.get('/function/list-tasks', h)],
      ['list-tasks', 'GET', (h) => api(baseUrl).get('/function/list-tasks', h)],
      ['delete-task', 'DELETE', (h) => user.client.delete(`/function/delete-task/${'9'.repeat(12)}`, h)],
      ['predict-image', 'GET', (h) => user.client.get('/function/predict-image/abc', h)],
    ];

    const sent: { callId: string; fn: string; method: string; status: number }[] = [];
    for (const [fn, method, send] of calls) {
      const callId = `test-${randomUUID()}`;
      const res = await send({ 'X-Call-Id': callId });
      expect(res.headers.get('x-call-id')).toBe(callId);
      sent.push({ callId, fn, method, status: res.status });
    }

    // The log file is written by the test runner's stack as lines arrive: wait until all are there.
    await vi.waitFor(
      async () => {
        for (const { callId } of sent) expect(await requestLines(logFile, callId), callId).not.toHaveLength(0);
      },
      { timeout: 10_000, interval: 100 },
    );
    for (const { callId, fn, method, status } of sent) {
      const lines = await requestLines(logFile, callId);
      expect(lines, callId).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 'info', msg: 'request', fn, callId, method, status });
      expect(new Date(lines[0]!.time as string).toISOString()).toBe(lines[0]!.time);
      expect(lines[0]!.ms).toEqual(expect.any(Number));
    }
  });

  it('every line of the log file is one JSON object', async () => {
    const lines = await readLogLines(logFile);
    expect(lines.length).toBeGreaterThan(0);
  });

  it('holds no password and no token', async () => {
    const user = await signUpAndLogin(baseUrl);
    const wrong = testPassword('wrong');
    expectError(await api(baseUrl).post('/function/login', { username: user.username, password: wrong }), 401, 'invalid_credentials');
    // A password that fails validation, and one in a body that is not valid JSON.
    const tooLong = `${testPassword('long')}${'x'.repeat(300)}`;
    expectError(await api(baseUrl).post('/function/login', { username: user.username, password: tooLong }), 400, 'validation_failed');
    const inBrokenJson = testPassword('broken');
    expectError(await api(baseUrl).post('/function/signup', `{"username":"x","password":"${inBrokenJson}"`), 400, 'invalid_json');
    expectError(await user.client.get('/function/list-tasks?cursor=bad!'), 400, 'invalid_cursor');

    const marker = `test-${randomUUID()}`;
    await user.client.get('/function/list-tasks', { 'X-Call-Id': marker });
    await vi.waitFor(async () => expect(await requestLines(logFile, marker)).toHaveLength(1), { timeout: 10_000, interval: 100 });

    const text = await readFile(logFile, 'utf8');
    const leaks = findLeaks(text, logFile, [user.password, user.token, wrong, tooLong, inBrokenJson]);
    expect(leaks, describeLeaks(leaks)).toEqual([]);
  });
});
