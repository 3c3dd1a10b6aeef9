/** Two users never see, delete or learn about each other's tasks. */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Task, TaskList } from '../../shared/src/contract/index.ts';
import {
  type TestUser,
  countRows,
  createTask,
  expectError,
  expectNoChange,
  signUpAndLogin,
} from '../support/api-client.ts';

const baseUrl = inject('baseUrl');

let alice: TestUser;
let bob: TestUser;
const aliceTasks: Task[] = [];
const bobTasks: Task[] = [];

const list = async (user: TestUser, query = '') => {
  const res = await user.client.get<TaskList>(`/function/list-tasks${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body;
};

beforeAll(async () => {
  [alice, bob] = await Promise.all([signUpAndLogin(baseUrl), signUpAndLogin(baseUrl)]);
  // Interleaved, so that by time and by id each user's tasks sit between the other's.
  for (let i = 0; i < 3; i++) {
    aliceTasks.push(await createTask(alice.client, { title: `Alice ${i}` }));
    bobTasks.push(await createTask(bob.client, { title: `Bob ${i}` }));
  }
});

describe('two users', () => {
  it('each list only their own tasks', async () => {
    expect((await list(alice)).tasks).toEqual([...aliceTasks].reverse());
    expect((await list(bob)).tasks).toEqual([...bobTasks].reverse());
  });

  it("one's cursor pages only through the other's own tasks", async () => {
    const alicePage = await list(alice, '?limit=1');
    expect(alicePage.nextCursor).not.toBeNull();
    const bobWithAliceCursor = await list(bob, `?limit=100&cursor=${alicePage.nextCursor}`);
    const bobIds = new Set(bobTasks.map((t) => t.id));
    expect(bobWithAliceCursor.tasks.every((t) => bobIds.has(t.id))).toBe(true);
    // Alice's cursor points after her newest task, which came after Bob's first two.
    expect(bobWithAliceCursor.tasks.map((t) => t.title)).toEqual(['Bob 1', 'Bob 0']);
  });

  it("cannot delete the other's task: 404 exactly as for a task that does not exist, and it stays", async () => {
    const target = aliceTasks[0]!;
    const res = await expectNoChange([alice.username, bob.username], () => bob.client.delete(`/function/delete-task/${target.id}`));
    const notYours = expectError(res, 404, 'not_found');
    const missing = expectError(await bob.client.delete(`/function/delete-task/${'9'.repeat(15)}`), 404, 'not_found');
    expect(notYours).toEqual(missing);
    expect(await countRows('tasks', 'id = ? AND owner = ?', [target.id, alice.userId])).toBe(1);
    expect((await list(alice)).tasks).toEqual([...aliceTasks].reverse());
  });

  it("cannot see the other's task's photo either", async () => {
    const res = await bob.client.get(`/function/predict-image/${aliceTasks[1]!.id}`);
    const missing = await bob.client.get(`/function/predict-image/${'9'.repeat(15)}`);
    expect(expectError(res, 404, 'not_found')).toEqual(expectError(missing, 404, 'not_found'));
  });

  it('deleting their own task leaves the other’s untouched', async () => {
    const mine = bobTasks.pop()!;
    const res = await expectNoChange([alice.username], () => bob.client.delete(`/function/delete-task/${mine.id}`));
    expect(res.status).toBe(204);
    expect((await list(bob)).tasks).toEqual([...bobTasks].reverse());
    expect((await list(alice)).tasks).toEqual([...aliceTasks].reverse());
  });
});
