/**
 * Hand-made JWTs for the 401 tests: signed with node:crypto (not the code under test), so each
 * can differ from a good token in exactly one way.
 */
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

const b64url = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export interface TokenClaims {
  sub?: string;
  name?: string;
  iss?: string;
  iat?: number;
  exp?: number;
  [claim: string]: unknown;
}

/** A JWT signed with HMAC (`HS256` or `HS512`), or unsigned with `alg: none`. */
export function signToken(claims: TokenClaims, secret: string, alg: 'HS256' | 'HS512' | 'none' = 'HS256'): string {
  const unsigned = `${b64url({ alg, typ: 'JWT' })}.${b64url(claims)}`;
  if (alg === 'none') return `${unsigned}.`;
  const hmac = createHmac(alg === 'HS256' ? 'sha256' : 'sha512', secret);
  return `${unsigned}.${hmac.update(unsigned).digest('base64url')}`;
}

/** Claims like the login function's, for `userId`/`username`, valid for an hour from now. */
export function claimsFor(userId: string, username: string, overrides: TokenClaims = {}): TokenClaims {
  const now = Math.floor(Date.now() / 1000);
  return { name: username, sub: userId, iss: 'todo-openfaas', iat: now, exp: now + 3600, ...overrides };
}

/** The token with its payload replaced (same header and signature). */
export function withPayload(token: string, claims: TokenClaims): string {
  const [header, , signature] = token.split('.');
  return `${header}.${b64url(claims)}.${signature}`;
}

/** The JWT signing secret a local stack keeps in `<dataDir>/secrets/jwt-secret`. */
export const stackJwtSecret = async (dataDir: string): Promise<string> =>
  (await readFile(join(dataDir, 'secrets', 'jwt-secret'), 'utf8')).trim();
