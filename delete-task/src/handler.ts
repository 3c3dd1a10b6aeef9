import { defineFunction, discardObject, getOwnedTask, noContent, withTransaction } from '@todo/shared/server';

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
        const row = await getOwnedTask(user.id, id, tx);
        await tx.execute('DELETE FROM tasks WHERE id = ? AND owner = ?', [id, user.id]);
        return row;
      });
      // The row is gone, so nothing points at the object any more: a failure here leaves an
      // unreferenced object, never a task without its image.
      if (task.image_key) await discardObject(task.image_key, { fn: 'delete-task', callId: req.callId });
      return noContent();
    },
  },
});
