import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { jwtSettings } from './config.ts';
import { ApiError } from './errors.ts';

const ALGORITHM = 'HS256';

let key: { secret: Uint8Array; issuer: string; ttlSeconds: number } | undefined;

function signingKey() {
  if (key) return key;
  const s = jwtSettings();
  if (!s.secret) throw new Error('jwt-secret is not configured (file in SECRETS_DIR or JWT_SECRET)');
  key = { secret: new TextEncoder().encode(s.secret), issuer: s.issuer, ttlSeconds: s.ttlSeconds };
  return key;
}

export interface IssuedToken {
  token: string;
  expiresAt: string;
}

export interface TokenClaims {
  userId: string;
  username: string;
}

export async function issueToken(claims: TokenClaims, now = new Date()): Promise<IssuedToken> {
  const k = signingKey();
  const iat = Math.floor(now.getTime() / 1000);
  const exp = iat + k.ttlSeconds;
  const token = await new SignJWT({ name: claims.username })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(claims.userId)
    .setIssuer(k.issuer)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .sign(k.secret);
  return { token, expiresAt: new Date(exp * 1000).toISOString() };
}

/** Verifies signature (HS256 only), issuer and expiry; any failure is a 401 that says why in words. */
export async function verifyToken(token: string): Promise<TokenClaims> {
  const k = signingKey();
  try {
    const { payload } = await jwtVerify(token, k.secret, {
      algorithms: [ALGORITHM],
      issuer: k.issuer,
      requiredClaims: ['sub', 'exp', 'iat'],
    });
    if (typeof payload.sub !== 'string' || !/^[1-9]\d{0,19}$/.test(payload.sub) || typeof payload.name !== 'string') {
      throw new ApiError('unauthorized', 'The sign-in token is not valid. Please sign in again.');
    }
    return { userId: payload.sub, username: payload.name };
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (err instanceof joseErrors.JWTExpired) {
      throw new ApiError('unauthorized', 'Your session has expired. Please sign in again.');
    }
    throw new ApiError('unauthorized', 'The sign-in token is not valid. Please sign in again.');
  }
}

/** The bearer token of an Authorization header, or a 401. */
export function bearerToken(header: string | string[] | undefined): string {
  if (header === undefined) throw new ApiError('unauthorized', 'Please sign in: this call needs a sign-in token.');
  const value = Array.isArray(header) ? undefined : header;
  const match = value ? /^Bearer ([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*)$/.exec(value.trim()) : null;
  if (!match?.[1]) {
    throw new ApiError('unauthorized', 'The Authorization header must be "Bearer <token>".');
  }
  return match[1];
}
