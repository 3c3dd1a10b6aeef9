import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  assertSecretsPresent,
  jwtSettings,
  loginThrottleSettings,
  mysqlSettings,
  readSecret,
} from '../src/server/config.ts';
import { defineFunction } from '../src/server/function.ts';

const ENV_KEYS = [
  'NODE_ENV',
  'SECRETS_DIR',
  'JWT_SECRET',
  'MYSQL_PASSWORD',
  'S3_ACCESS_KEY',
  'S3_SECRET_KEY',
  'MYSQL_URL',
  'MYSQL_HOST',
  'MYSQL_DATABASE',
  'JWT_TTL_SECONDS',
  'LOGIN_LOCK_SECONDS',
];
let savedEnv: Record<string, string | undefined>;
let secretsDir: string;

const writeSecret = (name: string, value: string) => writeFileSync(join(secretsDir, name), value);

beforeEach(() => {
  savedEnv = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  for (const k of ENV_KEYS) delete process.env[k];
  secretsDir = mkdtempSync(join(tmpdir(), 'todo-secrets-'));
  process.env.SECRETS_DIR = secretsDir;
});

afterEach(() => {
  for (const [k, v] of Object.entries(savedEnv)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(secretsDir, { recursive: true, force: true });
});

describe('secrets', () => {
  it('are read from their OpenFaaS file, without the trailing newline', () => {
    writeSecret('jwt-secret', 'from-the-file\n');
    expect(readSecret('jwt-secret')).toBe('from-the-file');
  });

  it('prefer the file over the environment', () => {
    writeSecret('mysql-password', 'file-password');
    process.env.MYSQL_PASSWORD = 'env-password';
    expect(readSecret('mysql-password')).toBe('file-password');
  });

  it('fall back to the environment outside production', () => {
    process.env.S3_ACCESS_KEY = 'env-access-key';
    expect(readSecret('s3-access-key')).toBe('env-access-key');
    writeSecret('s3-secret-key', '  \n');
    process.env.S3_SECRET_KEY = 'env-secret-key';
    expect(readSecret('s3-secret-key')).toBe('env-secret-key');
  });

  it('are undefined when there is neither a file nor a variable', () => {
    expect(readSecret('jwt-secret')).toBeUndefined();
  });

  it('ignore the environment in production', () => {
    process.env.NODE_ENV = 'production';
    process.env.JWT_SECRET = 'env-secret';
    expect(readSecret('jwt-secret')).toBeUndefined();
    writeSecret('jwt-secret', 'file-secret');
    expect(readSecret('jwt-secret')).toBe('file-secret');
  });

  it('feed the settings that use them', () => {
    writeSecret('jwt-secret', 'signing-key');
    writeSecret('mysql-password', 'db-password');
    process.env.MYSQL_URL = 'mysql://todo:url-password@db.example:3307/tasks';
    expect(jwtSettings().secret).toBe('signing-key');
    expect(mysqlSettings()).toMatchObject({ host: 'db.example', port: 3307, user: 'todo', password: 'db-password', database: 'tasks' });
  });
});

describe('production start', () => {
  beforeEach(() => {
    process.env.NODE_ENV = 'production';
  });

  it('refuses to start without its secrets, naming every missing one and where it looked', () => {
    process.env.JWT_SECRET = 'env fallbacks do not count in production';
    writeSecret('s3-access-key', 'present');
    let error: unknown;
    try {
      assertSecretsPresent('delete-task', ['mysql', 'jwt', 's3']);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('delete-task');
    expect(message).toContain('mysql-password, jwt-secret, s3-secret-key');
    expect(message).not.toContain('s3-access-key');
    expect(message).toContain(secretsDir);
    expect(message).toContain('faas-cli secret create');
  });

  it('starts when every secret it needs is there', () => {
    writeSecret('mysql-password', 'x');
    writeSecret('jwt-secret', 'y');
    expect(() => assertSecretsPresent('login', ['mysql', 'jwt'])).not.toThrow();
    expect(() => assertSecretsPresent('model-only', ['model'])).not.toThrow();
  });

  it('is checked when a function is defined, before any request', () => {
    writeSecret('mysql-password', 'x');
    expect(() => defineFunction({ name: 'login', needs: ['mysql', 'jwt'], routes: {} })).toThrow(
      /login: missing secret jwt-secret in /,
    );
  });

  it('is not required outside production', () => {
    process.env.NODE_ENV = 'development';
    expect(() => assertSecretsPresent('login', ['mysql', 'jwt', 's3'])).not.toThrow();
  });
});

describe('plain settings', () => {
  it('have defaults', () => {
    expect(jwtSettings()).toMatchObject({ issuer: 'todo-openfaas', ttlSeconds: 12 * 3600 });
    expect(loginThrottleSettings()).toEqual({ maxFailures: 5, lockSeconds: 30 });
    expect(mysqlSettings()).toMatchObject({ host: '127.0.0.1', port: 3306, user: 'root', database: 'todo' });
  });

  it('refuse numbers out of range with a message naming the variable', () => {
    for (const value of ['0', '-5', '1.5', 'soon', '999999999']) {
      process.env.LOGIN_LOCK_SECONDS = value;
      expect(() => loginThrottleSettings(), value).toThrow(ConfigError);
      expect(() => loginThrottleSettings(), value).toThrow(/LOGIN_LOCK_SECONDS/);
    }
  });
});
