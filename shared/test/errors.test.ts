import { describe, expect, it } from 'vitest';
import { ERROR_STATUS, type ErrorCode } from '../src/contract/index.ts';
import { ApiError, isUnavailableError, toErrorReply } from '../src/server/errors.ts';

const GENERIC = 'Something went wrong on our side.';

describe('ApiError', () => {
  it('has the status of its code', () => {
    for (const code of Object.keys(ERROR_STATUS) as ErrorCode[]) {
      expect(new ApiError(code, 'm').status).toBe(ERROR_STATUS[code]);
    }
  });
});

describe('toErrorReply', () => {
  it('passes an ApiError through: code, message, fields, headers', () => {
    const fields = [{ field: 'title', message: 'is required' }];
    const reply = toErrorReply(new ApiError('validation_failed', 'The request is not valid.', { fields }));
    expect(reply).toEqual({
      status: 400,
      headers: {},
      body: { error: { code: 'validation_failed', message: 'The request is not valid.', fields } },
    });
    const throttled = toErrorReply(new ApiError('too_many_requests', 'Wait.', { headers: { 'Retry-After': '4' } }));
    expect(throttled.status).toBe(429);
    expect(throttled.headers).toEqual({ 'Retry-After': '4' });
  });

  it('never leaks the message of an unknown error', () => {
    const leaky = [
      new Error("ER_PARSE_ERROR: You have an error in your SQL syntax near 'DROP TABLE tasks' at mysql.todo.svc.cluster.local"),
      Object.assign(new Error('Duplicate entry for key uq_users_username'), { code: 'ER_DUP_ENTRY', sql: 'INSERT INTO users' }),
      new TypeError("Cannot read properties of undefined (reading 'password_hash')"),
      'a thrown string with /var/openfaas/secrets/jwt-secret',
      { message: 'an object', stack: 'at handler.js:1' },
      undefined,
      null,
    ];
    for (const err of leaky) {
      const reply = toErrorReply(err);
      expect(reply.status).toBe(500);
      expect(reply.body).toEqual({ error: { code: 'internal_error', message: GENERIC } });
      expect(reply.headers).toEqual({});
    }
  });

  it('turns a dependency that is down into a 503 with Retry-After, without its details', () => {
    const down = [
      Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:3306'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('Connection lost: The server closed the connection.'), { code: 'PROTOCOL_CONNECTION_LOST' }),
      Object.assign(new Error('getaddrinfo ENOTFOUND minio.todo.svc'), { code: 'ENOTFOUND' }),
      Object.assign(new Error('Too many connections'), { code: 'ER_CON_COUNT_ERROR' }),
      new Error('Pool is closed.'),
      // mysql2's pool, when more callers wait for a connection than its queue holds: overloaded.
      new Error('Queue limit reached.'),
      new Error('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) }),
    ];
    for (const err of down) {
      expect(isUnavailableError(err), String(err)).toBe(true);
      const reply = toErrorReply(err);
      expect(reply.status).toBe(503);
      expect(reply.body.error.code).toBe('service_unavailable');
      expect(reply.body.error.message).not.toMatch(/10\.0\.0\.7|minio|ECONN|ENOTFOUND|Pool/);
      expect(reply.headers['Retry-After']).toBe('5');
    }
  });

  it('keeps a Retry-After a 503 ApiError sets, and adds one when it has none', () => {
    expect(toErrorReply(new ApiError('recognition_unavailable', 'Later.', { headers: { 'Retry-After': '30' } })).headers).toEqual({
      'Retry-After': '30',
    });
    expect(toErrorReply(new ApiError('recognition_unavailable', 'Later.')).headers).toEqual({ 'Retry-After': '5' });
  });

  it('does not take an ordinary failure for a dependency being down', () => {
    expect(isUnavailableError(new Error('Unexpected token < in JSON'))).toBe(false);
    expect(isUnavailableError(Object.assign(new Error('x'), { code: 'ER_NO_SUCH_TABLE' }))).toBe(false);
  });
});
