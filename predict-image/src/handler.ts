import { randomUUID } from 'node:crypto';
import {
  ApiError,
  type Reply,
  type Request,
  type TaskRow,
  classify,
  defineFunction,
  getObject,
  getOwnedTask,
  json,
  putObject,
  discardObject,
  taskFromRow,
  toSqlDateTime,
  withTransaction,
} from '@todo/shared/server';
import type { Label } from '@todo/shared/contract';
import { checkUpload, modelInput } from './image.ts';

/** Milliseconds since `start`, to a tenth, for the log line. */
const msSince = (start: number): number => Math.round((performance.now() - start) * 10) / 10;

/**
 * Stores a photo for the task and labels it, in DESIGN's steps, except that storing and
 * recognising (which need nothing from each other) run side by side.
 */
async function upload(req: Request): Promise<Reply> {
  const id = req.taskId();
  const user = await req.user();
  await getOwnedTask(user.id, id);
  const bytes = req.bytes();
  const { type, ext } = checkUpload(req.headers['content-type'] as string | undefined, bytes);
  const phases: Record<string, number> = {};
  const decodeStart = performance.now();
  const pixels = await modelInput(bytes);
  phases.decode = msSince(decodeStart);

  const key = `${user.id}/${id}/${randomUUID()}.${ext}`;
  const start = performance.now();
  const [stored, recognised] = await Promise.allSettled([
    putObject(key, bytes, type).finally(() => (phases.store = msSince(start))),
    classify(pixels).finally(() => (phases.recognise = msSince(start))),
  ]);
  // Not stored: 503 and the task stays as it was, whatever recognition gave.
  if (stored.status === 'rejected') throw stored.reason;

  let labels: Label[] = [];
  let recognitionError: ApiError | undefined;
  if (recognised.status === 'fulfilled') {
    labels = recognised.value;
  } else if (recognised.reason instanceof ApiError) {
    recognitionError = recognised.reason;
    req.annotate({ recognition: recognitionError.code });
  } else {
    await discardObject(key, { fn: 'predict-image', callId: req.callId });
    throw recognised.reason;
  }
  const saveStart = performance.now();

  // Swap the task's image under a row lock, so that of concurrent uploads exactly one object
  // stays referenced and every replaced one is known to the upload that replaced it.
  let swap: { previousKey: string | null; row: TaskRow };
  try {
    swap = await withTransaction(async (tx) => {
      const current = await getOwnedTask(user.id, id, tx);
      await tx.execute(
        'UPDATE tasks SET image_key = ?, image_type = ?, labels = ?, label_status = ?, updated_at = ? WHERE id = ? AND owner = ?',
        [key, type, JSON.stringify(labels), recognitionError ? 'failed' : 'ready', toSqlDateTime(new Date()), id, user.id],
      );
      const row: TaskRow = {
        ...current,
        image_key: key,
        image_type: type,
        labels,
        label_status: recognitionError ? 'failed' : 'ready',
      };
      return { previousKey: current.image_key, row };
    });
  } catch (err) {
    // The new object is referenced by nothing: remove it so no orphan is left.
    await discardObject(key, { fn: 'predict-image', callId: req.callId });
    throw err;
  }
  if (swap.previousKey && swap.previousKey !== key) {
    await discardObject(swap.previousKey, { fn: 'predict-image', callId: req.callId });
  }
  phases.save = msSince(saveStart);
  req.annotate({ phases });
  const task = taskFromRow(swap.row);
  if (recognitionError) {
    throw new ApiError(recognitionError.code, `${recognitionError.message} The photo was saved; upload it again to retry.`, {
      task,
    });
  }
  return json(200, task);
}

/** The stored photo's bytes with their content type. */
async function download(req: Request): Promise<Reply> {
  const id = req.taskId();
  const user = await req.user();
  const task = await getOwnedTask(user.id, id);
  if (!task.image_key) throw new ApiError('not_found', 'This task has no photo.');
  const bytes = await getObject(task.image_key);
  if (!bytes) throw new ApiError('not_found', 'This task has no photo.');
  return {
    status: 200,
    body: bytes,
    headers: {
      'Content-Type': task.image_type ?? 'application/octet-stream',
      'Cache-Control': 'private, no-cache',
      'X-Content-Type-Options': 'nosniff',
      'Content-Disposition': 'inline',
    },
  };
}

export default defineFunction({
  name: 'predict-image',
  needs: ['mysql', 'jwt', 's3', 'model'],
  routes: { PUT: upload, GET: download },
});
