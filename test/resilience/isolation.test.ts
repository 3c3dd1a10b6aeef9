/**
 * Issue 7, item 6, beyond test/api/isolation.test.ts and auth.test.ts: another user guessing
 * every id around the victim's, on every route that takes one; hand-made cursors aimed at the
 * victim's tasks; tokens forged to claim the victim's identity, on every route; and the token of
 * a deleted user, also once someone else has taken its username. All refused; nothing changes.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Task, TaskList } from '../../shared/src/contract/index.ts';
import { type ApiResponse, type TestUser, api, createTask, expectError, signUpAndLogin } from '../support/api-client.ts';
import { readTestImage } from '../support/images.ts';
import { startTestStack, type TestStack } from '../support/resilience-stack.ts';
import { listObjectKeys } from '../support/s3-objects.ts';
import { sql } from '../support/sql.ts';
import { claimsFor, signToken, withPayload } from '../support/tokens.ts';

let ts: TestStack;
let victim: TestUser;
let intruder: TestUser;
const victimTasks: Task[] = [];
const intruderTasks: Task[] = [];
let photo: Buffer;

const cursorOf = (createdAt: string, id: string) => Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');

/** Everything stored about the victim: task rows (every column) and the bytes of each object. */
async function victimState(): Promise<unknown> {
  const tasks = await sql(ts.mysqlUrl, 'SELECT * FROM tasks WHERE owner = ? ORDER BY id', [victim.userId]);
  const keys = (await listObjectKeys(ts.s3Url, ts.bucket, `${victim.userId}/`)).sort();
  const objects = await Promise.all(
    keys.map(async (k) => {
      const res = await fetch(`${ts.s3Url}/${ts.bucket}/${k}`);
      return [k, createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex')];
    }),
  );
  return { tasks, objects };
}

const totals = async () => (await sql<{ users: string; tasks: string }>(ts.mysqlUrl, 'SELECT (SELECT COUNT(*) FROM users) AS users, (SELECT COUNT(*) FROM tasks) AS tasks'))[0];

beforeAll(async () => {
  ts = await startTestStack({ label: 'isolation' });
  [victim, intruder] = await Promise.all([signUpAndLogin(ts.url), signUpAndLogin(ts.url)]);
  // Interleaved, so the intruder's ids sit between the victim's.
  for (let i = 0; i < 4; i++) {
    victimTasks.push(await createTask(victim.client, { title: `victim ${i}` }));
    intruderTasks.push(await createTask(intruder.client, { title: `intruder ${i}` }));
  }
  photo = await readTestImage('balloon.jpg');
  for (const t of [victimTasks[1]!, victimTasks[3]!]) {
    const res = await victim.client.put(`/function/predict-image/${t.id}`, photo, { 'Content-Type': 'image/jpeg' });
    expect(res.status, res.text).toBe(200);
  }
});

afterAll(async () => {
  await ts?.stop();
});

describe('an intruder guessing ids', () => {
  it('gets, for every id of the victim, the same 404 as for an id that does not exist, on every route, and changes nothing', async () => {
    const before = await victimState();
    const victimIds = victimTasks.map((t) => BigInt(t.id));
    const intruderIds = new Set(intruderTasks.map((t) => t.id));
    const lowest = victimIds.reduce((a, b) => (a < b ? a : b));
    const highest = victimIds.reduce((a, b) => (a > b ? a : b));
    const routes: Record<string, (id: string) => Promise<ApiResponse>> = {
      delete: (id) => intruder.client.delete(`/function/delete-task/${id}`),
      upload: (id) => intruder.client.put(`/function/predict-image/${id}`, photo, { 'Content-Type': 'image/jpeg' }),
      download: (id) => intruder.client.get(`/function/predict-image/${id}`),
    };
    let guesses = 0;
    for (const [route, callWith] of Object.entries(routes)) {
      const missing = expectError(await callWith('9'.repeat(15)), 404, 'not_found');
      for (let id = lowest > 3n ? lowest - 3n : 1n; id <= highest + 3n; id++) {
        if (intruderIds.has(String(id))) continue;
        const res = await callWith(String(id));
        expect(expectError(res, 404, 'not_found'), `${route} ${id}`).toEqual(missing);
        guesses++;
      }
    }
    expect(guesses).toBeGreaterThanOrEqual(3 * victimTasks.length);
    expect(await victimState()).toEqual(before);
    // The intruder's own tasks got no image from all that either.
    const own = await sql<{ n: string }>(ts.mysqlUrl, 'SELECT COUNT(*) AS n FROM tasks WHERE owner = ? AND image_key IS NOT NULL', [intruder.userId]);
    expect(Number(own[0]!.n)).toBe(0);
  });
});

describe('an intruder forging cursors', () => {
  it('pages only through their own tasks, whatever position the cursor names', async () => {
    const victimPage = await victim.client.get<TaskList>('/function/list-tasks?limit=1');
    const cursors = [
      victimPage.body.nextCursor!,
      ...victimTasks.flatMap((t) => [
        cursorOf(t.createdAt, t.id),
        cursorOf(t.createdAt, String(BigInt(t.id) + 1n)),
        cursorOf(new Date(Date.parse(t.createdAt) + 1).toISOString(), t.id),
      ]),
      cursorOf('9999-12-31T23:59:59.999Z', '99999999999999999999'),
      cursorOf('9999-12-31T23:59:59.999Z', '18446744073709551615'),
    ];
    const intruderIds = new Set(intruderTasks.map((t) => t.id));
    for (const start of cursors) {
      let cursor: string | null = start;
      let pages = 0;
      while (cursor && pages++ < 20) {
        const page: ApiResponse<TaskList> = await intruder.client.get<TaskList>(`/function/list-tasks?limit=2&cursor=${cursor}`);
        expect(page.status, page.text).toBe(200);
        for (const t of page.body.tasks) expect(intruderIds.has(t.id), `cursor ${start} listed task ${t.id}`).toBe(true);
        cursor = page.body.nextCursor;
      }
    }
  });
});

describe('tokens forged to claim the victim’s identity', () => {
  it('are refused with 401 on every route, and change nothing', async () => {
    const claims = claimsFor(victim.userId, victim.username);
    const now = Math.floor(Date.now() / 1000);
    const unsigned = (header: object) => `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;
    const forged: Record<string, string> = {
      'signed with another secret': signToken(claims, 'a-guessed-secret'),
      'alg none': signToken(claims, '', 'none'),
      'alg None': unsigned({ alg: 'None', typ: 'JWT' }),
      'alg NONE': unsigned({ alg: 'NONE', typ: 'JWT' }),
      'no alg': unsigned({ typ: 'JWT' }),
      'expired, with the real secret': signToken({ ...claims, iat: now - 7200, exp: now - 1 }, ts.jwtSecret),
      'HS512, with the real secret': signToken(claims, ts.jwtSecret, 'HS512'),
      'another issuer, with the real secret': signToken({ ...claims, iss: 'evil' }, ts.jwtSecret),
      "the intruder's token with the victim's claims": withPayload(intruder.token, claims),
      "the victim's token re-signed with another secret": signToken(claims, `${ts.jwtSecret.slice(0, -1)}x`),
      "the victim's header and claims, the intruder's signature": `${victim.token.split('.').slice(0, 2).join('.')}.${intruder.token.split('.')[2]}`,
    };
    const target = victimTasks[1]!.id;
    const routes: Record<string, (client: ReturnType<typeof api>) => Promise<ApiResponse>> = {
      list: (c) => c.get('/function/list-tasks'),
      create: (c) => c.post('/function/create-task', { title: 'forged', dueDate: '2030-01-01' }),
      delete: (c) => c.delete(`/function/delete-task/${target}`),
      upload: (c) => c.put(`/function/predict-image/${target}`, photo, { 'Content-Type': 'image/jpeg' }),
      download: (c) => c.get(`/function/predict-image/${target}`),
    };
    const before = await victimState();
    const countsBefore = await totals();
    for (const [name, token] of Object.entries(forged)) {
      for (const [route, callWith] of Object.entries(routes)) {
        const res = await callWith(api(ts.url, token));
        expect(res.status, `${name} → ${route}: ${res.text}`).toBe(401);
        expectError(res, 401, 'unauthorized');
      }
    }
    // A token anywhere but the Authorization header is no token at all.
    expectError(await api(ts.url).get(`/function/list-tasks?token=${victim.token}&access_token=${victim.token}`), 401, 'unauthorized');
    expectError(await api(ts.url).get('/function/list-tasks', { Cookie: `token=${victim.token}` }), 401, 'unauthorized');
    expect(await victimState()).toEqual(before);
    expect(await totals()).toEqual(countsBefore);
  });
});

describe('a deleted user', () => {
  it("cannot use their token anywhere, not even once a new account has their username", async () => {
    const gone = await signUpAndLogin(ts.url);
    const task = await createTask(gone.client, { title: 'soon gone' });
    await sql(ts.mysqlUrl, 'DELETE FROM users WHERE id = ?', [gone.userId]);
    const calls = (c: ReturnType<typeof api>) => [
      c.get('/function/list-tasks'),
      c.post('/function/create-task', { title: 'ghost', dueDate: '2030-01-01' }),
      c.delete(`/function/delete-task/${task.id}`),
      c.put(`/function/predict-image/${task.id}`, photo, { 'Content-Type': 'image/jpeg' }),
      c.get(`/function/predict-image/${task.id}`),
    ];
    for (const res of await Promise.all(calls(gone.client))) expectError(res, 401, 'unauthorized');

    // Someone else signs up with the freed username: the old token still names the old account.
    const heir = await signUpAndLogin(ts.url, { username: gone.username });
    expect(heir.userId).not.toBe(gone.userId);
    const heirTask = await createTask(heir.client, { title: 'the heir’s' });
    for (const res of await Promise.all(calls(gone.client))) expectError(res, 401, 'unauthorized');
    const list = await heir.client.get<TaskList>('/function/list-tasks');
    expect(list.body.tasks.map((t) => t.id)).toEqual([heirTask.id]);
    const ghosts = await sql(ts.mysqlUrl, "SELECT id FROM tasks WHERE title = 'ghost'");
    expect(ghosts).toEqual([]);
  });
});
