import { credentialsSchema } from '@todo/shared/contract';
import { ApiError, defineFunction, execute, hashPassword, json, toSqlDateTime } from '@todo/shared/server';

export default defineFunction({
  name: 'signup',
  needs: ['mysql'],
  routes: {
    async POST(req) {
      const { username, password } = req.json(credentialsSchema);
      const hash = await hashPassword(password);
      try {
        await execute('INSERT INTO users (username, password_hash, created_at) VALUES (?, ?, ?)', [
          username,
          hash,
          toSqlDateTime(new Date()),
        ]);
      } catch (err) {
        if ((err as { code?: string }).code === 'ER_DUP_ENTRY') {
          throw new ApiError('username_taken', 'That username is taken. Choose another one.');
        }
        throw err;
      }
      return json(201, { username });
    },
  },
});
