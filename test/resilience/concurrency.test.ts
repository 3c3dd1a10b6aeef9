/**
 * Issue 7, item 9 (second half): 200 creates by one user, all sent at once, all land: 200 × 201,
 * 200 distinct ids, 200 rows as sent, and paging through the list shows each exactly once.
 * (The 50 parallel uploads to one task are in images-faults.test.ts.)
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Task, TaskList } from '../../shared/src/contract/index.ts';
import { signUpAndLogin, taskInput } from '../support/api-client.ts';
import { recordFigures } from '../support/resilience-figures.ts';
import { runLogDir, startTestStack, type TestStack } from '../support/resilience-stack.ts';
import { sql } from '../support/sql.ts';

const CREATES = 200;

let ts: TestStack;

beforeAll(async () => {
  ts = await startTestStack({ label: 'concurrency', withModel: false });
});

afterAll(async () => {
  await ts?.stop();
});

it(`lands ${CREATES} creates sent at once by one user, each once, with distinct ids`, async () => {
  const user = await signUpAndLogin(ts.url);
  const inputs = Array.from({ length: CREATES }, (_, i) => taskInput({ title: `parallel ${i}`, body: `body ${i} ✓`, dueDate: `2030-01-${String((i % 28) + 1).padStart(2, '0')}` }));
  const replies = await Promise.all(inputs.map((input) => user.client.post<Task>('/function/create-task', input)));

  expect(replies.filter((r) => r.status !== 201).map((r) => `${r.status} ${r.text}`)).toEqual([]);
  const ids = replies.map((r) => r.body.id);
  expect(new Set(ids).size).toBe(CREATES);
  // Each reply is the task that was sent.
  replies.forEach((r, i) => expect({ title: r.body.title, body: r.body.body, dueDate: r.body.dueDate }).toEqual(inputs[i]));

  // The database holds exactly those, as sent.
  const rows = await sql<{ id: string; title: string; body: string; due_date: string }>(
    ts.mysqlUrl,
    'SELECT id, title, body, due_date FROM tasks WHERE owner = ? ORDER BY id',
    [user.userId],
  );
  expect(rows).toHaveLength(CREATES);
  const byId = new Map(rows.map((r) => [r.id, r]));
  replies.forEach((r, i) => expect(byId.get(r.body.id)).toEqual({ id: r.body.id, title: inputs[i]!.title, body: inputs[i]!.body, due_date: inputs[i]!.dueDate }));

  // Paging through the list shows every one exactly once, newest first.
  const seen: Task[] = [];
  let cursor: string | null = null;
  do {
    const page: { status: number; body: TaskList } = await user.client.get<TaskList>(`/function/list-tasks?limit=30${cursor ? `&cursor=${cursor}` : ''}`);
    expect(page.status).toBe(200);
    seen.push(...page.body.tasks);
    cursor = page.body.nextCursor;
  } while (cursor);
  expect(seen.map((t) => t.id).sort()).toEqual([...ids].sort());
  const order = seen.map((t) => [t.createdAt, BigInt(t.id)] as const);
  for (let i = 1; i < order.length; i++) {
    const [prev, cur] = [order[i - 1]!, order[i]!];
    expect(prev[0] > cur[0] || (prev[0] === cur[0] && prev[1] > cur[1])).toBe(true);
  }
  await recordFigures(runLogDir(), { parallelCreates: CREATES, acknowledgedWrites: CREATES, acknowledgedWritesLost: CREATES - rows.length });
});
