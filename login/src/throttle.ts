import { ApiError, execute, loginThrottleSettings, queryRows } from '@todo/shared/server';
import type { RowDataPacket } from 'mysql2';

/** Failures older than this no longer count towards a lock. */
const FORGET_AFTER_SECONDS = 3600;
/** The longest a lock lasts, however many failures. */
const MAX_LOCK_SECONDS = 900;

interface LockRow extends RowDataPacket {
  wait_ms: string | number | null;
}

/** Milliseconds until `username` may try again; 0 when it is not locked. */
async function lockRemainingMs(username: string): Promise<number> {
  const rows = await queryRows<LockRow>(
    'SELECT TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(3), locked_until) DIV 1000 AS wait_ms FROM login_throttle WHERE username = ?',
    [username],
  );
  return Math.max(0, Number(rows[0]?.wait_ms ?? 0));
}

function tooMany(waitMs: number): ApiError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new ApiError('too_many_requests', `Too many failed sign-ins. Try again in ${seconds} seconds.`, {
    headers: { 'Retry-After': String(seconds) },
  });
}

/**
 * Counts one failure. From the configured number of failures on, the username is locked for
 * lockSeconds · 2^(failures − max), capped: every further attempt makes the wait longer.
 */
async function recordFailure(username: string): Promise<number> {
  const { maxFailures, lockSeconds } = loginThrottleSettings();
  // In ON DUPLICATE KEY UPDATE, assignments run left to right: `failures` below is already the new count.
  await execute(
    `INSERT INTO login_throttle (username, failures, locked_until, updated_at)
     VALUES (?, 1, IF(1 >= ?, UTC_TIMESTAMP(3) + INTERVAL ? SECOND, NULL), UTC_TIMESTAMP(3))
     ON DUPLICATE KEY UPDATE
       failures = IF(updated_at < UTC_TIMESTAMP(3) - INTERVAL ${FORGET_AFTER_SECONDS} SECOND, 1, failures + 1),
       locked_until = IF(failures >= ?,
         UTC_TIMESTAMP(3) + INTERVAL LEAST(? * POW(2, failures - ?), ${MAX_LOCK_SECONDS}) SECOND,
         NULL),
       updated_at = UTC_TIMESTAMP(3)`,
    [username, maxFailures, lockSeconds, maxFailures, lockSeconds, maxFailures],
  );
  return lockRemainingMs(username);
}

/** Refuses (429) a sign-in for a locked username before any password is checked; the attempt counts. */
export async function refuseIfLocked(username: string): Promise<void> {
  if ((await lockRemainingMs(username)) > 0) throw tooMany(await recordFailure(username));
}

/** After a wrong password: counts it and, if that locks the username, says so. */
export async function failedAttempt(username: string): Promise<void> {
  await recordFailure(username);
}

export async function clearFailures(username: string): Promise<void> {
  await execute('DELETE FROM login_throttle WHERE username = ?', [username]);
}
