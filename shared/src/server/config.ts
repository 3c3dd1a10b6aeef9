import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The OpenFaaS secrets each part of the server needs. */
export type SecretName = 'jwt-secret' | 'mysql-password' | 's3-access-key' | 's3-secret-key';

/** What a function uses; decides which secrets it must have to start in production. */
export type Dependency = 'mysql' | 'jwt' | 's3' | 'model';

const SECRETS_FOR: Record<Dependency, SecretName[]> = {
  mysql: ['mysql-password'],
  jwt: ['jwt-secret'],
  s3: ['s3-access-key', 's3-secret-key'],
  model: [],
};

export const isProduction = (): boolean => process.env.NODE_ENV === 'production';

const secretsDir = (): string => process.env.SECRETS_DIR ?? '/var/openfaas/secrets';

/** `jwt-secret` → `JWT_SECRET`: the environment fallback used outside production. */
const envNameOf = (name: SecretName): string => name.toUpperCase().replace(/-/g, '_');

/**
 * A secret from its OpenFaaS file, or (outside production only) from its environment variable.
 * Undefined when neither is there.
 */
export function readSecret(name: SecretName): string | undefined {
  try {
    const value = readFileSync(join(secretsDir(), name), 'utf8').trim();
    if (value) return value;
  } catch {
    // not mounted: fall through
  }
  if (isProduction()) return undefined;
  const value = process.env[envNameOf(name)];
  return value === undefined ? undefined : value;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** In production, stop at start with a clear message when a needed secret file is missing. */
export function assertSecretsPresent(functionName: string, needs: readonly Dependency[]): void {
  if (!isProduction()) return;
  const missing = needs.flatMap((d) => SECRETS_FOR[d]).filter((s) => readSecret(s) === undefined);
  if (missing.length > 0) {
    throw new ConfigError(
      `${functionName}: missing secret${missing.length > 1 ? 's' : ''} ${missing.join(', ')} in ${secretsDir()}. ` +
        `Create ${missing.length > 1 ? 'them' : 'it'} with "faas-cli secret create" and list ${missing.length > 1 ? 'them' : 'it'} under "secrets:" in stack.yml.`,
    );
  }
}

function intFrom(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

export interface MysqlSettings {
  host: string;
  port: number;
  user: string;
  password: string | undefined;
  database: string;
  poolSize: number;
  queryTimeoutMs: number;
}

export function mysqlSettings(): MysqlSettings {
  const poolSize = intFrom('MYSQL_POOL_SIZE', 4, 1, 100);
  const queryTimeoutMs = intFrom('MYSQL_QUERY_TIMEOUT_MS', 5000, 100, 600_000);
  const secretPassword = readSecret('mysql-password');
  const url = process.env.MYSQL_URL;
  if (url) {
    const u = new URL(url);
    return {
      host: u.hostname,
      port: u.port ? Number(u.port) : 3306,
      user: decodeURIComponent(u.username) || 'root',
      password: secretPassword ?? (u.password ? decodeURIComponent(u.password) : undefined),
      database: decodeURIComponent(u.pathname.replace(/^\//, '')) || 'todo',
      poolSize,
      queryTimeoutMs,
    };
  }
  return {
    host: process.env.MYSQL_HOST ?? '127.0.0.1',
    port: intFrom('MYSQL_PORT', 3306, 1, 65535),
    user: process.env.MYSQL_USER ?? 'root',
    password: secretPassword,
    database: process.env.MYSQL_DATABASE ?? 'todo',
    poolSize,
    queryTimeoutMs,
  };
}

export interface JwtSettings {
  secret: string | undefined;
  issuer: string;
  ttlSeconds: number;
}

export function jwtSettings(): JwtSettings {
  return {
    secret: readSecret('jwt-secret'),
    issuer: process.env.JWT_ISSUER ?? 'todo-openfaas',
    ttlSeconds: intFrom('JWT_TTL_SECONDS', 12 * 3600, 60, 30 * 24 * 3600),
  };
}

export interface LoginThrottleSettings {
  maxFailures: number;
  lockSeconds: number;
}

export function loginThrottleSettings(): LoginThrottleSettings {
  return {
    maxFailures: intFrom('LOGIN_MAX_FAILURES', 5, 1, 1000),
    lockSeconds: intFrom('LOGIN_LOCK_SECONDS', 30, 1, 86_400),
  };
}

export interface S3Settings {
  endpoint: URL | undefined;
  bucket: string;
  region: string;
  accessKey: string | undefined;
  secretKey: string | undefined;
}

export function s3Settings(): S3Settings {
  const endpoint = process.env.S3_ENDPOINT;
  return {
    endpoint: endpoint ? new URL(endpoint) : undefined,
    bucket: process.env.S3_BUCKET ?? 'todo-images',
    region: process.env.S3_REGION ?? 'us-east-1',
    accessKey: readSecret('s3-access-key'),
    secretKey: readSecret('s3-secret-key'),
  };
}

export interface ModelSettings {
  url: string | undefined;
  name: string;
  labels: string | undefined;
  timeoutMs: number;
}

export function modelSettings(): ModelSettings {
  return {
    url: process.env.MODEL_URL || undefined,
    name: process.env.MODEL_NAME ?? 'efficientnetv2-s',
    labels: process.env.MODEL_LABELS || undefined,
    timeoutMs: intFrom('MODEL_TIMEOUT_MS', 10_000, 100, 600_000),
  };
}
