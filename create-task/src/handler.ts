import { newTaskSchema, type Task } from '@todo/shared/contract';
import { defineFunction, execute, json, toSqlDateTime } from '@todo/shared/server';

export default defineFunction({
  name: 'create-task',
  needs: ['mysql', 'jwt'],
  routes: {
    async POST(req) {
      const input = req.json(newTaskSchema);
      const user = await req.user();
      // The creation time is taken here, not by the database, so the reply needs no second query.
      const createdAt = new Date();
      const result = await execute(
        'INSERT INTO tasks (owner, title, body, due_date, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
        [user.id, input.title, input.body, input.dueDate, toSqlDateTime(createdAt), toSqlDateTime(createdAt)],
      );
      const task: Task = {
        id: String(result.insertId),
        title: input.title,
        body: input.body,
        dueDate: input.dueDate,
        createdAt: createdAt.toISOString(),
        hasImage: false,
        labels: [],
        labelStatus: 'none',
      };
      return json(201, task);
    },
  },
});
