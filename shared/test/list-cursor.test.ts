import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../list-tasks/src/list.ts';
import { ApiError } from '../src/server/errors.ts';

const position = { createdAt: '2027-03-04T05:06:07.089Z', id: '1234' };
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('list cursors', () => {
  it('decode to the position they were made from', () => {
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
    const biggest = { createdAt: '9999-12-31T23:59:59.999Z', id: '18446744073709551615' };
    expect(decodeCursor(encodeCursor(biggest))).toEqual(biggest);
  });

  it('are opaque and safe in a query string', () => {
    const cursor = encodeCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(encodeURIComponent(cursor)).toBe(cursor);
  });

  it('refuse anything forged or damaged with invalid_cursor', () => {
    const forged = [
      '',
      'not base64!',
      '%27%3B--',
      cursorOf('not json').slice(1),
      Buffer.from('not json').toString('base64url'),
      cursorOf({ createdAt: position.createdAt, id: position.id }),
      cursorOf([position.createdAt]),
      cursorOf([position.createdAt, position.id, 'extra']),
      cursorOf([position.createdAt, 1234]),
      cursorOf([Date.parse(position.createdAt), position.id]),
      cursorOf([position.createdAt, '0']),
      cursorOf([position.createdAt, '-1']),
      cursorOf([position.createdAt, '01']),
      cursorOf([position.createdAt, '1 OR 1=1']),
      cursorOf(['2027-03-04 05:06:07', position.id]),
      cursorOf(['2027-03-04T05:06:07Z', position.id]),
      cursorOf(['2027-03-04T05:06:07.089+02:00', position.id]),
      cursorOf(['2027-13-04T05:06:07.089Z', position.id]),
      cursorOf(['2027-03-04T25:06:07.089Z', position.id]),
      // Well-formed but not a real instant: would silently roll over to 2 March.
      cursorOf(['2027-02-30T05:06:07.089Z', position.id]),
    ];
    for (const cursor of forged) {
      let error: unknown;
      try {
        decodeCursor(cursor);
      } catch (err) {
        error = err;
      }
      expect(error, cursor).toBeInstanceOf(ApiError);
      expect((error as ApiError).code).toBe('invalid_cursor');
      expect((error as ApiError).status).toBe(400);
    }
  });
});
