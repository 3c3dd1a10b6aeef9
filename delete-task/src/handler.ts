import { defineFunction, execute, getOwnedTask, log, noContent, removeObject } from '@todo/shared/server';

export default defineFunction({
  name: 'delete-task',
  needs: ['mysql', 'jwt', 's3'],
  routes: {
    async DELETE(req) {
      const id = req.taskId();
      const user = await req.user();
      const task = await getOwnedTask(user.id, id);
      await execute('DELETE FROM tasks WHERE id = ? AND owner = ?', [id, user.id]);
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
