import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../src/server/errors.ts';
import { bearerToken, issueToken, verifyToken } from '../src/server/jwt.ts';

const SECRET = 'unit-test-signing-secret-0123456789';
const ISSUER = 'todo-openfaas';
const claims = { userId: '42', username: 'alice' };
let secretsDir: string;
let savedSecretsDir: string | undefined;

// jwt.ts reads its key once per process, from the secret file as OpenFaaS mounts it.
beforeAll(() => {
  savedSecretsDir = process.env.SECRETS_DIR;
  secretsDir = mkdtempSync(join(tmpdir(), 'todo-jwt-'));
  writeFileSync(join(secretsDir, 'jwt-secret'), SECRET);
  process.env.SECRETS_DIR = secretsDir;
});

afterAll(() => {
  if (savedSecretsDir === undefined) delete process.env.SECRETS_DIR;
  else process.env.SECRETS_DIR = savedSecretsDir;
  rmSync(secretsDir, { recursive: true, force: true });
});

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A token signed with jose directly, so each test can vary exactly one thing. */
function sign(options: { alg?: string; secret?: string; payload?: Record<string, unknown>; sub?: string | null; iss?: string; exp?: number }) {
  const jwt = new SignJWT({ name: 'alice', ...options.payload })
    .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
    .setIssuer(options.iss ?? ISSUER)
    .setIssuedAt()
    .setExpirationTime(options.exp ?? nowSeconds() + 3600);
  if (options.sub !== null) jwt.setSubject(options.sub ?? '42');
  return jwt.sign(new TextEncoder().encode(options.secret ?? SECRET));
}

async function refusal(token: string): Promise<ApiError> {
  const err = await verifyToken(token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  expect((err as ApiError).code).toBe('unauthorized');
  expect((err as ApiError).status).toBe(401);
  return err as ApiError;
}

describe('issued tokens', () => {
  it('verify back to the same user', async () => {
    const { token } = await issueToken(claims);
    expect(await verifyToken(token)).toEqual(claims);
  });

  it('are HS256, carry the issuer and the user id as subject, and expire in 12 hours', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const { token, expiresAt } = await issueToken(claims, now);
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { alg: string };
    expect(header.alg).toBe('HS256');
    const payload = decodeJwt(token);
    expect(payload).toMatchObject({ sub: '42', name: 'alice', iss: ISSUER, iat: now.getTime() / 1000 });
    expect(payload.exp).toBe(now.getTime() / 1000 + 12 * 3600);
    expect(expiresAt).toBe('2030-01-01T12:00:00.000Z');
  });

  it('are refused once expired, saying so', async () => {
    const { token } = await issueToken(claims, new Date(Date.now() - 13 * 3600 * 1000));
    expect((await refusal(token)).message).toMatch(/expired/);
  });
});

describe('refused tokens', () => {
  it('a tampered payload', async () => {
    const { token } = await issueToken(claims);
    const [header, , signature] = token.split('.');
    const forged = b64url({ ...decodeJwt(token), sub: '1' });
    await refusal(`${header}.${forged}.${signature}`);
  });

  it('a tampered signature', async () => {
    const { token } = await issueToken(claims);
    // A character in the middle: the last one carries unused bits and may decode the same.
    const i = token.lastIndexOf('.') + 10;
    await refusal(token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1));
  });

  it('one signed with another secret', async () => {
    await refusal(await sign({ secret: 'some-other-secret-0123456789abcdef' }));
  });

  it('alg: none', async () => {
    const payload = { sub: '42', name: 'alice', iss: ISSUER, iat: nowSeconds(), exp: nowSeconds() + 3600 };
    await refusal(`${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`);
  });

  it('HS512, even with the right secret: the algorithm is pinned', async () => {
    await refusal(await sign({ alg: 'HS512' }));
  });

  it('a missing or malformed subject', async () => {
    await refusal(await sign({ sub: null }));
    await refusal(await sign({ sub: 'alice' }));
    await refusal(await sign({ sub: '0' }));
  });

  it('a missing name', async () => {
    await refusal(await sign({ payload: { name: undefined } }));
  });

  it('another issuer', async () => {
    await refusal(await sign({ iss: 'someone-else' }));
  });

  it('an expired one signed with the right secret', async () => {
    await refusal(await sign({ exp: nowSeconds() - 60 }));
  });

  it('garbage', async () => {
    for (const token of ['', 'garbage', 'a.b.c', 'eyJhbGciOiJIUzI1NiJ9..']) await refusal(token);
  });

  it('a well-signed token with the right claims is accepted: the refusals above are for their one difference', async () => {
    expect(await verifyToken(await sign({}))).toEqual(claims);
  });
});

describe('the Authorization header', () => {
  it('gives the token of "Bearer <token>"', () => {
    expect(bearerToken('Bearer aaa.bbb.ccc')).toBe('aaa.bbb.ccc');
  });

  it('is a 401 when missing, repeated or in another form', () => {
    for (const header of [undefined, '', 'aaa.bbb.ccc', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer not-a-jwt', 'Bearer a.b.c d', ['Bearer a.b.c', 'Bearer a.b.c']]) {
      let error: unknown;
      try {
        bearerToken(header);
      } catch (err) {
        error = err;
      }
      expect(error, JSON.stringify(header)).toBeInstanceOf(ApiError);
      expect((error as ApiError).code).toBe('unauthorized');
    }
  });
});
