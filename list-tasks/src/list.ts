import { LIMITS, type TaskList } from '@todo/shared/contract';
import { ApiError, TASK_COLUMNS, type TaskRow, queryRows, taskFromRow, toSqlDateTime } from '@todo/shared/server';

interface Position {
  createdAt: string;
  id: string;
}

/** The cursor is opaque to clients: base64url of the last task's (createdAt, id). */
export function encodeCursor(p: Position): string {
  return Buffer.from(JSON.stringify([p.createdAt, p.id])).toString('base64url');
}

export function decodeCursor(cursor: string): Position {
  const invalid = () => new ApiError('invalid_cursor', 'The cursor is not valid; start again from the first page.');
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(value) || value.length !== 2) throw invalid();
  const [createdAt, id] = value as unknown[];
  if (
    typeof createdAt !== 'string' ||
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(createdAt) ||
    // Round-trips only for a real instant: 2027-02-30 would otherwise roll over to 2 March.
    Number.isNaN(Date.parse(createdAt)) ||
    new Date(createdAt).toISOString() !== createdAt ||
    typeof id !== 'string' ||
    !/^[1-9]\d{0,19}$/.test(id)
  ) {
    throw invalid();
  }
  return { createdAt, id };
}

/** One page of the owner's tasks, newest first; keyset pagination so the cost stays flat as data grows. */
export async function listTasks(owner: string, limit: number = LIMITS.listLimitDefault, cursor?: string): Promise<TaskList> {
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  // One row more than asked tells whether there is a next page.
  const fetch = String(limit + 1);
  const rows = after
    ? await queryRows<TaskRow>(
        `SELECT ${TASK_COLUMNS} FROM tasks
         WHERE owner = ? AND (created_at < ? OR (created_at = ? AND id < ?))
         ORDER BY created_at DESC, id DESC LIMIT ?`,
        [owner, toSqlDateTime(new Date(after.createdAt)), toSqlDateTime(new Date(after.createdAt)), after.id, fetch],
      )
    : await queryRows<TaskRow>(
        `SELECT ${TASK_COLUMNS} FROM tasks WHERE owner = ? ORDER BY created_at DESC, id DESC LIMIT ?`,
        [owner, fetch],
      );
  const page = rows.slice(0, limit).map(taskFromRow);
  const last = page[page.length - 1];
  return {
    tasks: page,
    nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
  };
}
