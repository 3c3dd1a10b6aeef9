import { ApiError, type TaskRow, defineFunction, log, noContent, removeObject, withTransaction } from '@todo/shared/server';

export default defineFunction({
  name: 'delete-task',
  needs: ['mysql', 'jwt', 's3'],
  routes: {
    async DELETE(req) {
      const id = req.taskId();
      const user = await req.user();
      // Read the image key under the row lock predict-image swaps photos under, so a photo stored
      // by an upload that finishes first is the one removed here, never left behind.
      const task = await withTransaction(async (tx) => {
        const [row] = await tx.queryRows<TaskRow>('SELECT image_key FROM tasks WHERE id = ? AND owner = ? FOR UPDATE', [id, user.id]);
        if (!row) throw new ApiError('not_found', 'There is no such task.');
        await tx.execute('DELETE FROM tasks WHERE id = ? AND owner = ?', [id, user.id]);
        return row;
      });
      if (task.image_key) {
        // The row is gone, so nothing points at the object any more: a failure here leaves an
        // unreferenced object (logged for clean-up), never a task without its image.
        await removeObject(task.image_key).catch((err: unknown) =>
          log.warn({ msg: 'image not removed', fn: 'delete-task', callId: req.callId, key: task.image_key, error: String(err) }),
        );
      }
      return noContent();
    },
  },
});
