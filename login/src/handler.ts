import { credentialsSchema } from '@todo/shared/contract';
import {
  ApiError,
  defineFunction,
  issueToken,
  json,
  queryRows,
  verifyAgainstDummy,
  verifyPassword,
} from '@todo/shared/server';
import type { RowDataPacket } from 'mysql2';
import { clearFailures, countAttempt } from './throttle.ts';

interface UserRow extends RowDataPacket {
  id: string;
  password_hash: string;
}

export default defineFunction({
  name: 'login',
  needs: ['mysql', 'jwt'],
  routes: {
    async POST(req) {
      const { username, password } = req.json(credentialsSchema);
      await countAttempt(username);
      const [user] = await queryRows<UserRow>('SELECT id, password_hash FROM users WHERE username = ?', [username]);
      const valid = user ? await verifyPassword(password, user.password_hash) : await verifyAgainstDummy(password);
      // Already counted as a failure by countAttempt.
      if (!user || !valid) throw new ApiError('invalid_credentials', 'The username or password is wrong.');
      await clearFailures(username);
      const issued = await issueToken({ userId: String(user.id), username });
      req.annotate({ user: String(user.id) });
      return json(200, { token: issued.token, expiresAt: issued.expiresAt, username });
    },
  },
});
