import type { RowDataPacket } from 'mysql2';
import type { Label, LabelStatus, Task } from '../contract/index.ts';
import { type Transaction, fromSqlDateTime, queryRows } from './db.ts';
import { ApiError } from './errors.ts';

/** The columns every task query selects, in the shape `taskFromRow` reads. */
export const TASK_COLUMNS =
  'id, title, body, due_date, created_at, image_key, image_type, labels, label_status';

export interface TaskRow extends RowDataPacket {
  id: string;
  title: string;
  body: string;
  due_date: string;
  created_at: string;
  image_key: string | null;
  image_type: string | null;
  labels: string | Label[] | null;
  label_status: LabelStatus;
}

function parseLabels(value: TaskRow['labels']): Label[] {
  if (value === null) return [];
  // MySQL 8 hands JSON columns back parsed; MariaDB stores JSON as text.
  return typeof value === 'string' ? (JSON.parse(value) as Label[]) : value;
}

export function taskFromRow(row: TaskRow): Task {
  return {
    id: String(row.id),
    title: row.title,
    body: row.body,
    dueDate: row.due_date,
    createdAt: fromSqlDateTime(row.created_at),
    hasImage: row.image_key !== null,
    labels: parseLabels(row.labels),
    labelStatus: row.label_status,
  };
}

/**
 * One of the owner's tasks, or 404 when it does not exist or belongs to someone else. Inside a
 * transaction the row is locked (FOR UPDATE) until it ends: photo swaps and deletes go through it.
 */
export async function getOwnedTask(owner: string, id: string, tx?: Transaction): Promise<TaskRow> {
  const sql = `SELECT ${TASK_COLUMNS} FROM tasks WHERE id = ? AND owner = ?`;
  const rows = tx
    ? await tx.queryRows<TaskRow>(`${sql} FOR UPDATE`, [id, owner])
    : await queryRows<TaskRow>(sql, [id, owner]);
  const row = rows[0];
  if (!row) throw new ApiError('not_found', 'There is no such task.');
  return row;
}
