/**
 * Finding secrets in logs. Every password and signing secret the suites make carries a mark no
 * log line has any reason to contain, so a scan finds them without being told each one; tokens
 * are found by their shape (a JWT's header always starts "eyJ", base64url of `{"`).
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Upper case and "~", so it can never be part of a valid username. */
export const SECRET_MARK = 'Sekr1t~';

/** A password for a test user; `label` makes related ones (e.g. wrong guesses) readable. */
export const testPassword = (label = 'pw'): string => `${SECRET_MARK}${label}-${randomBytes(6).toString('hex')}`;

/** A JWT signing secret for a test stack. */
export const testJwtSecret = (): string => `${SECRET_MARK}jwt-${randomBytes(24).toString('hex')}`;

const TOKEN_SHAPE = /eyJ[A-Za-z0-9_-]{4,}/;

export interface Leak {
  file: string;
  line: number;
  text: string;
}

/** Lines of `text` that hold a marked secret, a token, or one of the `known` secret values. */
export function findLeaks(text: string, file: string, known: readonly string[] = []): Leak[] {
  const leaks: Leak[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.includes(SECRET_MARK) || TOKEN_SHAPE.test(line) || known.some((s) => s && line.includes(s))) {
      leaks.push({ file, line: i + 1, text: line.slice(0, 300) });
    }
  });
  return leaks;
}

/** Every leak in the `.log` files of `dir`. */
export async function findLeaksInLogDir(dir: string, known: readonly string[] = []): Promise<{ files: number; lines: number; leaks: Leak[] }> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.log'));
  let lines = 0;
  const leaks: Leak[] = [];
  for (const name of names) {
    const text = await readFile(join(dir, name), 'utf8');
    lines += text.split('\n').filter(Boolean).length;
    leaks.push(...findLeaks(text, name, known));
  }
  return { files: names.length, lines, leaks };
}

export const describeLeaks = (leaks: readonly Leak[]): string =>
  leaks.slice(0, 10).map((l) => `${l.file}:${l.line}: ${l.text}`).join('\n');
