/**
 * Photos of tasks as the tests upload and check them: the predict-image path, an upload, and what
 * was stored for a task, in the bucket and in its row.
 */
import type { ApiResponse, TestUser } from './api-client.ts';
import { listObjectKeys } from './s3-objects.ts';
import { sql } from './sql.ts';

/** Where a stack keeps photos: its S3 server and bucket, and its database. */
export interface PhotoStore {
  s3Url: string;
  bucket: string;
  mysqlUrl: string;
}

/** The photo of a task, through the gateway. */
export const photoPath = (taskId: string): string => `/function/predict-image/${taskId}`;

/** PUTs `bytes` as the task's photo, with `type` as its Content-Type (none when not given). */
export const putPhoto = (user: TestUser, taskId: string, bytes?: Uint8Array, type?: string): Promise<ApiResponse> =>
  user.client.put(photoPath(taskId), bytes, type ? { 'Content-Type': type } : {});

/** The keys in the bucket under `<owner>/` (or `<owner>/<taskId>/`), sorted. */
export async function keysOf(store: PhotoStore, owner: TestUser, taskId?: string): Promise<string[]> {
  const prefix = taskId ? `${owner.userId}/${taskId}/` : `${owner.userId}/`;
  return (await listObjectKeys(store.s3Url, store.bucket, prefix)).sort();
}

export interface StoredPhotoRow {
  image_key: string | null;
  image_type: string | null;
  labels: unknown;
  label_status: string;
}

/** The task's photo columns; labels parsed (MySQL 8 gives JSON parsed, MariaDB as text). */
export async function storedRow(store: PhotoStore, taskId: string): Promise<StoredPhotoRow> {
  const [row] = await sql<StoredPhotoRow>(store.mysqlUrl, 'SELECT image_key, image_type, labels, label_status FROM tasks WHERE id = ?', [taskId]);
  return { ...row!, labels: typeof row!.labels === 'string' ? (JSON.parse(row!.labels) as unknown) : row!.labels };
}
