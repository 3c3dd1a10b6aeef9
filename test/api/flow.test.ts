/** The happy path through the gateway, and text that must come back exactly as it went in. */
import { describe, expect, inject, it } from 'vitest';
import { type Session, type Task, type TaskList, sessionSchema, taskSchema } from '../../shared/src/contract/index.ts';
import {
  type ApiResponse,
  api,
  countRows,
  createTask,
  dbRows,
  expectError,
  signUpAndLogin,
  taskInput,
  uniqueUsername,
} from '../support/api-client.ts';
import { testPassword } from '../support/log-leaks.ts';

const baseUrl = inject('baseUrl');

describe('signup → login → create 3 → list 2 + cursor → delete → list', () => {
  it('works end to end', async () => {
    const username = uniqueUsername('flow');
    const password = testPassword();
    const anonymous = api(baseUrl);

    const signup = await anonymous.post('/function/signup', { username, password });
    expect(signup.status).toBe(201);
    expect(signup.body).toEqual({ username });

    const login = await anonymous.post<Session>('/function/login', { username, password });
    expect(login.status).toBe(200);
    const session = sessionSchema.strict().parse(login.body);
    expect(session.username).toBe(username);
    expect(Date.parse(session.expiresAt)).toBeGreaterThan(Date.now() + 11 * 3600 * 1000);
    const client = api(baseUrl, session.token);
    const [owner] = await dbRows<{ id: string }>('SELECT id FROM users WHERE username = ?', [username]);

    const created: Task[] = [];
    for (const [i, dueDate] of ['2027-01-10', '2028-02-29', '2026-12-31'].entries()) {
      const res = await client.post<Task>('/function/create-task', { title: `Task ${i + 1}`, body: `Body ${i + 1}`, dueDate });
      expect(res.status, res.text).toBe(201);
      const task = taskSchema.strict().parse(res.body);
      expect(task).toMatchObject({ title: `Task ${i + 1}`, body: `Body ${i + 1}`, dueDate, hasImage: false, labels: [], labelStatus: 'none' });
      expect(task.id).toMatch(/^[1-9]\d*$/);
      expect(new Date(task.createdAt).toISOString()).toBe(task.createdAt);
      created.push(task);
    }
    expect(await countRows('tasks', 'owner = ?', [owner!.id])).toBe(3);
    const [first, second, third] = created as [Task, Task, Task];

    const page1 = await client.get<TaskList>('/function/list-tasks?limit=2');
    expect(page1.status).toBe(200);
    expect(page1.body.tasks).toEqual([third, second]);
    expect(page1.body.nextCursor).toEqual(expect.any(String));

    const page2 = await client.get<TaskList>(`/function/list-tasks?limit=2&cursor=${encodeURIComponent(page1.body.nextCursor!)}`);
    expect(page2.status).toBe(200);
    expect(page2.body).toEqual({ tasks: [first], nextCursor: null });

    const deleted = await client.delete(`/function/delete-task/${second.id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect(await countRows('tasks', 'owner = ?', [owner!.id])).toBe(2);

    const after = await client.get<TaskList>('/function/list-tasks');
    expect(after.status).toBe(200);
    expect(after.body).toEqual({ tasks: [third, first], nextCursor: null });

    expectError(await client.delete(`/function/delete-task/${second.id}`), 404, 'not_found');
  });

  it('pages through every task exactly once, newest first', async () => {
    const user = await signUpAndLogin(baseUrl);
    const created: Task[] = [];
    for (let i = 0; i < 7; i++) created.push(await createTask(user.client, { title: `Page task ${i}` }));
    const seen: Task[] = [];
    let cursor: string | null = null;
    do {
      const res: ApiResponse<TaskList> = await user.client.get<TaskList>(`/function/list-tasks?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.tasks.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.tasks);
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(created.reverse());

    const all = await user.client.get<TaskList>('/function/list-tasks?limit=100');
    expect(all.body).toEqual({ tasks: seen, nextCursor: null });
  });

  it('lists nothing, with no cursor, for a new user', async () => {
    const user = await signUpAndLogin(baseUrl);
    const res = await user.client.get<TaskList>('/function/list-tasks');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ tasks: [], nextCursor: null });
  });
});

describe('text is stored and returned exactly', () => {
  const cases: Record<string, { title: string; body: string }> = {
    'SQL': { title: "x'); DROP TABLE tasks; --", body: "'; DELETE FROM users WHERE '1'='1'; -- \\ \\' \" `" },
    'HTML': { title: '<script>alert("x")</script>', body: '<img src=x onerror="alert(1)"><b>bold</b> &amp; &lt;' },
    'emoji': { title: '🎉 Party 👨‍👩‍👧‍👦 🇳🇴', body: '😀'.repeat(100) },
    'other scripts and spellings': { title: 'Ünïcödé 中文 العربية e\u0301 é', body: 'line 1\r\nline 2\n\tindented  \u0000 nul' },
  };

  for (const [name, input] of Object.entries(cases)) {
    it(name, async () => {
      const user = await signUpAndLogin(baseUrl);
      const task = await createTask(user.client, input);
      expect(task).toMatchObject(input);
      const listed = await user.client.get<TaskList>('/function/list-tasks');
      expect(listed.body.tasks).toEqual([task]);
      const [row] = await dbRows<{ title: string; body: string }>('SELECT title, body FROM tasks WHERE id = ?', [task.id]);
      expect(row).toEqual(input);
    });
  }

  it('a title of 255 emoji and a body of 64 KB in 4-byte characters', async () => {
    const user = await signUpAndLogin(baseUrl);
    const input = { title: '😀'.repeat(255), body: '🎉'.repeat(16 * 1024) };
    const task = await createTask(user.client, input);
    // Compared as booleans: a failure should not print 64 KB of emoji.
    expect(task.title === input.title && task.body === input.body).toBe(true);
    const [row] = await dbRows<{ chars: number; bytes: number; body: string }>(
      'SELECT CHAR_LENGTH(title) AS chars, LENGTH(body) AS bytes, body FROM tasks WHERE id = ?',
      [task.id],
    );
    expect([Number(row!.chars), Number(row!.bytes)]).toEqual([255, 64 * 1024]);
    expect(row!.body === input.body).toBe(true);
  });

  it('a title is trimmed; a body is not', async () => {
    const user = await signUpAndLogin(baseUrl);
    const task = await createTask(user.client, { title: '  padded \t', body: '  kept  \n' });
    expect(task).toMatchObject({ title: 'padded', body: '  kept  \n' });
  });
});

describe('unknown fields are ignored', () => {
  it('in signup and login', async () => {
    const username = uniqueUsername('extra');
    const password = testPassword();
    const signup = await api(baseUrl).post('/function/signup', { username, password, isAdmin: true, id: 1 });
    expect(signup.status).toBe(201);
    expect(signup.body).toEqual({ username });
    const login = await api(baseUrl).post('/function/login', { username, password, remember: 'forever' });
    expect(login.status).toBe(200);
  });

  it('in create-task, including ones that try to set what the server decides', async () => {
    const owner = await signUpAndLogin(baseUrl);
    const other = await signUpAndLogin(baseUrl);
    const res = await owner.client.post<Task>('/function/create-task', {
      ...taskInput({ title: 'Mine' }),
      owner: other.userId,
      id: '1',
      createdAt: '2000-01-01T00:00:00.000Z',
      hasImage: true,
      labels: [{ name: 'forged', score: 1 }],
      labelStatus: 'ready',
      imageKey: `${other.userId}/1/x.jpg`,
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({ title: 'Mine', hasImage: false, labels: [], labelStatus: 'none' });
    expect(res.body.id).not.toBe('1');
    expect(res.body.createdAt).not.toBe('2000-01-01T00:00:00.000Z');
    const [row] = await dbRows<{ owner: string; image_key: string | null }>('SELECT owner, image_key FROM tasks WHERE id = ?', [res.body.id]);
    expect(row).toEqual({ owner: owner.userId, image_key: null });
    expect(await countRows('tasks', 'owner = ?', [other.userId])).toBe(0);
  });
});
