import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  LIMITS,
  bodySchema,
  credentialsSchema,
  dueDateSchema,
  isCalendarDate,
  isErrorBody,
  listQuerySchema,
  newTaskSchema,
  passwordSchema,
  taskIdSchema,
  titleSchema,
  usernameSchema,
} from '../src/contract/index.ts';

const EMOJI = '😀'; // one code point, two UTF-16 units, four UTF-8 bytes
const LONE_SURROGATE = '\ud800';

const accepts = (schema: z.ZodType, value: unknown) => expect(schema.safeParse(value).success, JSON.stringify(value)).toBe(true);
const rejects = (schema: z.ZodType, value: unknown) => expect(schema.safeParse(value).success, JSON.stringify(value)).toBe(false);
const messagesOf = (schema: z.ZodType, value: unknown): string[] => {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((i) => i.message);
};

describe('usernames', () => {
  it('takes 3 to 64 lower-case letters, digits, dot, underscore and hyphen', () => {
    for (const name of ['abc', 'a.b', 'a_b', 'a-b', '007', 'x'.repeat(LIMITS.usernameMax)]) accepts(usernameSchema, name);
  });

  it('refuses names outside 3..64 characters', () => {
    for (const name of ['', 'ab', 'x'.repeat(LIMITS.usernameMax + 1)]) rejects(usernameSchema, name);
  });

  it('refuses upper case, spaces, other symbols and non-ASCII letters', () => {
    for (const name of ['Alice', 'al ice', 'ali@ce', 'ålice', 'alice\n', ' alice', 'al/ice', `ali${EMOJI}`]) {
      rejects(usernameSchema, name);
    }
  });

  it('refuses what is not a string, and says a missing one is required', () => {
    for (const value of [123, null, true, ['alice'], { name: 'alice' }]) rejects(usernameSchema, value);
    expect(messagesOf(credentialsSchema, { password: 'long enough' })).toEqual(['is required']);
  });
});

describe('passwords', () => {
  it('takes 8 to 256 characters, any of them', () => {
    for (const pw of ['12345678', 'p'.repeat(LIMITS.passwordMax), 'pass word with spaces', `pässwörd${EMOJI}`]) {
      accepts(passwordSchema, pw);
    }
  });

  it('refuses passwords outside 8..256 characters', () => {
    for (const pw of ['', '1234567', 'p'.repeat(LIMITS.passwordMax + 1)]) rejects(passwordSchema, pw);
  });

  it('counts characters, not UTF-16 units', () => {
    rejects(passwordSchema, EMOJI.repeat(4));
    accepts(passwordSchema, EMOJI.repeat(LIMITS.passwordMin));
    accepts(passwordSchema, EMOJI.repeat(LIMITS.passwordMax));
    rejects(passwordSchema, EMOJI.repeat(LIMITS.passwordMax + 1));
  });

  it('refuses what is not valid text', () => {
    for (const value of [12345678, null, `password${LONE_SURROGATE}`]) rejects(passwordSchema, value);
  });
});

describe('titles', () => {
  it('is trimmed', () => {
    expect(titleSchema.parse('  buy milk \n')).toBe('buy milk');
  });

  it('refuses empty and whitespace-only titles', () => {
    for (const title of ['', ' ', '\t\n ', '\u00a0']) {
      expect(messagesOf(titleSchema, title)).toEqual(['is required']);
    }
  });

  it('counts 255 code points, so 255 emoji fit and 256 do not', () => {
    accepts(titleSchema, 'a'.repeat(LIMITS.titleMax));
    rejects(titleSchema, 'a'.repeat(LIMITS.titleMax + 1));
    accepts(titleSchema, EMOJI.repeat(LIMITS.titleMax));
    rejects(titleSchema, EMOJI.repeat(LIMITS.titleMax + 1));
    expect(messagesOf(titleSchema, EMOJI.repeat(256))).toEqual(['must be at most 255 characters']);
  });

  it('counts the length after trimming', () => {
    accepts(titleSchema, `  ${'a'.repeat(LIMITS.titleMax)}  `);
  });

  it('keeps SQL, HTML and emoji exactly', () => {
    for (const title of ["x'); DROP TABLE tasks; --", '<script>alert("x")</script>', `${EMOJI} é ü 中文`]) {
      expect(titleSchema.parse(title)).toBe(title);
    }
  });

  it('refuses text with a lone surrogate, which could not be stored as sent', () => {
    rejects(titleSchema, `a${LONE_SURROGATE}b`);
  });
});

describe('bodies', () => {
  it('counts 64 KB in UTF-8 bytes', () => {
    accepts(bodySchema, 'a'.repeat(LIMITS.bodyMaxBytes));
    rejects(bodySchema, 'a'.repeat(LIMITS.bodyMaxBytes + 1));
    // 16,384 emoji are 65,536 bytes but only 32,768 UTF-16 units.
    accepts(bodySchema, EMOJI.repeat(LIMITS.bodyMaxBytes / 4));
    rejects(bodySchema, `${EMOJI.repeat(LIMITS.bodyMaxBytes / 4)}a`);
    // "é" is two bytes: 32,769 of them are over the limit though far fewer characters.
    rejects(bodySchema, 'é'.repeat(LIMITS.bodyMaxBytes / 2 + 1));
  });

  it('is kept exactly as sent, whitespace included', () => {
    expect(bodySchema.parse('  line 1\n\tline 2  ')).toBe('  line 1\n\tline 2  ');
  });

  it('refuses non-strings', () => {
    for (const value of [5, null, ['x'], { text: 'x' }]) rejects(bodySchema, value);
  });
});

describe('due dates', () => {
  it('takes real calendar dates written as YYYY-MM-DD', () => {
    for (const date of ['2028-02-29', '2000-02-29', '2027-12-31', '2027-01-01', '1000-01-01', '9999-12-31']) {
      expect(isCalendarDate(date), date).toBe(true);
      accepts(dueDateSchema, date);
    }
  });

  it('refuses dates that do not exist', () => {
    for (const date of ['2027-02-30', '2027-02-29', '2100-02-29', '2027-04-31', '2027-13-01', '2027-00-10', '2027-01-00', '2027-01-32']) {
      expect(isCalendarDate(date), date).toBe(false);
      expect(messagesOf(dueDateSchema, date)).toEqual(['must be a real date written as YYYY-MM-DD']);
    }
  });

  it('refuses other spellings and years MySQL cannot store', () => {
    for (const date of ['', '2027-2-3', '27-02-03', '2027/02/03', '03.02.2027', '2027-02-03T00:00:00Z', ' 2027-02-03', '0999-12-31', '12027-01-01']) {
      rejects(dueDateSchema, date);
    }
  });

  it('refuses non-strings and says a missing one is required', () => {
    for (const value of [20270203, null, true, { y: 2027 }]) rejects(dueDateSchema, value);
    expect(messagesOf(dueDateSchema, undefined)).toEqual(['is required']);
  });
});

describe('new tasks', () => {
  it('defaults the body to empty and drops unknown fields', () => {
    const parsed = newTaskSchema.parse({ title: 'a', dueDate: '2027-01-01', owner: '1', id: 99, admin: true });
    expect(parsed).toEqual({ title: 'a', body: '', dueDate: '2027-01-01' });
  });

  it('names every field that is wrong', () => {
    const result = newTaskSchema.safeParse({ title: 7, body: 5, dueDate: '2027-02-30' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['body', 'dueDate', 'title']);
  });

  it('refuses missing fields', () => {
    for (const value of [{}, { title: 'a' }, { dueDate: '2027-01-01' }]) rejects(newTaskSchema, value);
  });
});

describe('the list query', () => {
  it('takes no limit, or a whole number from 1 to 100', () => {
    expect(listQuerySchema.parse({})).toEqual({});
    expect(listQuerySchema.parse({ limit: '1' })).toEqual({ limit: 1 });
    expect(listQuerySchema.parse({ limit: '100', cursor: 'abc' })).toEqual({ limit: 100, cursor: 'abc' });
  });

  it('refuses other limits', () => {
    for (const limit of ['0', '101', '-1', '1.5', '1e2', 'ten', '', ' 5', '1000', ['1', '2'], { a: '1' }]) {
      rejects(listQuerySchema, { limit });
    }
  });

  it('refuses cursors that are not one short string', () => {
    for (const cursor of [['a', 'b'], { a: 'b' }, 'c'.repeat(201)]) rejects(listQuerySchema, { cursor });
  });
});

describe('task ids', () => {
  it('takes positive whole numbers up to 16 digits', () => {
    for (const id of ['1', '42', '9'.repeat(16)]) accepts(taskIdSchema, id);
  });

  it('refuses anything else', () => {
    for (const id of ['', '0', '-1', '01', '1.0', '1e3', 'abc', ' 1', '1 ', '0x10', '9'.repeat(17)]) rejects(taskIdSchema, id);
  });
});

describe('the error shape', () => {
  it('is recognised only with a string code and message', () => {
    expect(isErrorBody({ error: { code: 'not_found', message: 'There is no such task.' } })).toBe(true);
    for (const value of [null, 'error', {}, { error: null }, { error: { code: 'x' } }, { error: { code: 1, message: 'm' } }]) {
      expect(isErrorBody(value), JSON.stringify(value)).toBe(false);
    }
  });
});
