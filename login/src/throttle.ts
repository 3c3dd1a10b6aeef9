import { ApiError, type Transaction, execute, loginThrottleSettings, withTransaction } from '@todo/shared/server';
import type { RowDataPacket } from 'mysql2';

/** Failures older than this no longer count towards a lock. */
const FORGET_AFTER_SECONDS = 3600;
/** The longest a lock lasts, however many failures. */
const MAX_LOCK_SECONDS = 900;

interface LockRow extends RowDataPacket {
  wait_ms: string | number | null;
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
async function recordFailure(tx: Transaction, username: string): Promise<void> {
  const { maxFailures, lockSeconds } = loginThrottleSettings();
  // In ON DUPLICATE KEY UPDATE, assignments run left to right: `failures` below is already the new count.
  await tx.execute(
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
}

/**
 * Counts a sign-in attempt as a failure before its password is checked (a right password clears
 * it again), and refuses it (429) when the username was already locked. Counting first, with the
 * row locked, is what limits attempts sent all at once to as many password checks as attempts
 * sent one after another: checking the lock and counting only after the (slow) password check
 * would let every attempt of a burst through before the first one was counted.
 */
export async function countAttempt(username: string): Promise<void> {
  // The row must exist before it is locked: locking a missing row locks a gap, which concurrent
  // first attempts would deadlock on.
  await execute(
    'INSERT IGNORE INTO login_throttle (username, failures, locked_until, updated_at) VALUES (?, 0, NULL, UTC_TIMESTAMP(3))',
    [username],
  );
  const waitMs = await withTransaction(async (tx) => {
    const [before] = await tx.queryRows<LockRow>(
      'SELECT TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(3), locked_until) DIV 1000 AS wait_ms FROM login_throttle WHERE username = ? FOR UPDATE',
      [username],
    );
    const wasLocked = Number(before?.wait_ms ?? 0) > 0;
    await recordFailure(tx, username);
    if (!wasLocked) return 0;
    const [after] = await tx.queryRows<LockRow>(
      'SELECT TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(3), locked_until) DIV 1000 AS wait_ms FROM login_throttle WHERE username = ?',
      [username],
    );
    return Math.max(1, Number(after?.wait_ms ?? 0));
  });
  if (waitMs > 0) throw tooMany(waitMs);
}

export async function clearFailures(username: string): Promise<void> {
  await execute('DELETE FROM login_throttle WHERE username = ?', [username]);
}
