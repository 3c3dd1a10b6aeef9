import { randomBytes, scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashPassword, verifyAgainstDummy, verifyPassword } from '../src/server/password.ts';

describe('password hashing', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('stores scrypt with its parameters and a per-hash salt', async () => {
    const stored = await hashPassword('same password');
    const [scheme, n, r, p, salt, key] = stored.split('$');
    expect([scheme, n, r, p]).toEqual(['scrypt', '16384', '8', '1']);
    expect(Buffer.from(salt!, 'base64')).toHaveLength(16);
    expect(Buffer.from(key!, 'base64')).toHaveLength(32);
    expect(stored).not.toContain('same password');
    const again = await hashPassword('same password');
    expect(again).not.toBe(stored);
    expect(again.split('$')[4]).not.toBe(salt);
  });

  it('verifies with the parameters stored with the hash, not the current ones', async () => {
    const salt = randomBytes(16);
    const key = scryptSync('older password', salt, 24, { N: 1024, r: 4, p: 2 });
    const stored = ['scrypt', 1024, 4, 2, salt.toString('base64'), key.toString('base64')].join('$');
    expect(await verifyPassword('older password', stored)).toBe(true);
    expect(await verifyPassword('other password', stored)).toBe(false);
  });

  it('treats the composed and decomposed spellings of a password as the same', async () => {
    const stored = await hashPassword('caf\u00e9-latte');
    expect(await verifyPassword('cafe\u0301-latte', stored)).toBe(true);
  });

  it('answers false, never throws, for a malformed stored hash', async () => {
    const good = await hashPassword('password1');
    const [, , , , salt, key] = good.split('$');
    const malformed = [
      '',
      'not a hash',
      good.replace('scrypt$', 'bcrypt$'),
      good.split('$').slice(0, 5).join('$'),
      `${good}$extra`,
      `scrypt$x$8$1$${salt}$${key}`,
      `scrypt$16384$8$1$$${key}`,
      `scrypt$16384$8$1$${salt}$`,
      // Parameters scrypt itself refuses: N not a power of two, negative, or far beyond the memory cap.
      `scrypt$1000$8$1$${salt}$${key}`,
      `scrypt$-16384$8$1$${salt}$${key}`,
      `scrypt$1048576$64$1$${salt}$${key}`,
    ];
    for (const stored of malformed) {
      await expect(verifyPassword('password1', stored), stored).resolves.toBe(false);
    }
  });

  it('spends a real check on unknown users and always refuses', async () => {
    expect(await verifyAgainstDummy('not-a-real-password')).toBe(false);
  });
});
