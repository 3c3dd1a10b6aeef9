import { listQuerySchema } from '@todo/shared/contract';
import { defineFunction, json } from '@todo/shared/server';
import { listTasks } from './list.ts';

export default defineFunction({
  name: 'list-tasks',
  needs: ['mysql', 'jwt'],
  routes: {
    async GET(req) {
      const { limit, cursor } = req.query(listQuerySchema);
      const user = await req.user();
      return json(200, await listTasks(user.id, limit, cursor));
    },
  },
});
