/**
 * Issue 7, item 1: thousands of generated requests across every route, from a seeded generator
 * (the seed is printed; FUZZ_SEED=<n> replays the same requests). Nothing may answer 5xx, every
 * error must be in the API's shape with nothing internal in it, no process may die, no forged
 * token may get anything, and the data afterwards is exactly what the accepted calls made.
 */
import { Agent } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Task, isErrorBody } from '../../shared/src/contract/index.ts';
import { type TestUser, createTask, signUpAndLogin, uniqueUsername } from '../support/api-client.ts';
import { type FuzzRequest, type FuzzTargets, fuzzRequest } from '../support/fuzz-requests.ts';
import { readTestImage } from '../support/images.ts';
import { type RawResponse, sendRaw } from '../support/raw-http.ts';
import { recordFigures } from '../support/resilience-figures.ts';
import { functionPids, healthStatus, runLogDir, startTestStack, type TestStack } from '../support/resilience-stack.ts';
import { listObjectKeys } from '../support/s3-objects.ts';
import { SeededRandom, seedFrom } from '../support/seeded-random.ts';
import { sql } from '../support/sql.ts';
import { claimsFor, signToken, withPayload } from '../support/tokens.ts';

const REQUESTS = 5000;
const CONCURRENCY = 8;
/** Functions that act only for a verified user. */
const NEEDS_SIGN_IN = new Set(['create-task', 'list-tasks', 'delete-task', 'predict-image']);
/** What must never show in an error: stack frames, source paths, SQL, driver codes, hosts. */
const INTERNALS = /\bat \S+ \(|:\d+:\d+\)|node_modules|\/work\/|\bER_[A-Z_]+|sqlMessage|\bSELECT\b|\bINSERT INTO\b|ECONN|127\.0\.0\.1|todo_res_/;

interface TaskRow {
  id: string;
  owner: string;
  title: string;
  body: string;
  due_date: string;
  image_key: string | null;
  labels: string | null;
  label_status: string;
  updated_at: string;
}

let ts: TestStack;

beforeAll(async () => {
  ts = await startTestStack({ label: 'fuzz' });
});

afterAll(async () => {
  await ts?.stop();
});

const taskRows = (mysqlUrl: string) =>
  sql<TaskRow>(mysqlUrl, 'SELECT id, owner, title, body, due_date, image_key, labels, label_status, updated_at FROM tasks ORDER BY id');

/** The function a request reaches once the gateway has read its path, and the rest of the path. */
function routeOf(path: string): { fn: string; rest: string } | undefined {
  let pathname: string;
  try {
    pathname = new URL(path, 'http://gateway').pathname;
  } catch {
    return undefined;
  }
  const m = /^\/function\/([^/]+)(?:\/(.*))?$/.exec(pathname);
  return m ? { fn: m[1]!, rest: m[2] ?? '' } : undefined;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Why the answer is wrong, or undefined when it is acceptable. */
function problemWith(req: FuzzRequest, res: RawResponse, targets: FuzzTargets): string | undefined {
  if (res.status >= 500) return `status ${res.status}`;
  const route = routeOf(req.path);
  if (!route) {
    // The web app's files: whatever the path trick, nothing from outside its folder.
    const text = res.body.toString('latin1');
    if (text.includes('root:x:0:0') || text.includes('"packageManager"')) return 'served a file from outside the web root';
    return undefined;
  }
  const body = parseJson(res.body);
  if (res.status >= 400) {
    if (!String(res.headers['content-type']).startsWith('application/json')) return `error ${res.status} is ${res.headers['content-type']}`;
    if (req.method === 'HEAD') return undefined;
    if (!isErrorBody(body)) return `error ${res.status} not in the API's shape: ${res.body.toString('utf8').slice(0, 200)}`;
    if (INTERNALS.test(JSON.stringify(body))) return `error ${res.status} shows internals: ${JSON.stringify(body).slice(0, 300)}`;
    return undefined;
  }
  // A conditional GET (If-None-Match: *) may rightly be answered "not modified".
  const conditional = req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined;
  if (res.status === 304 && conditional && (req.method === 'GET' || req.method === 'HEAD')) return undefined;
  if (res.status < 200 || res.status >= 300) return `unexpected status ${res.status}`;
  if (NEEDS_SIGN_IN.has(route.fn)) {
    const auth = req.headers.authorization;
    const first = Array.isArray(auth) ? auth[0] : auth;
    if (first !== `Bearer ${targets.ownToken}`) return `${res.status} for a call without the valid token (${String(first).slice(0, 60)})`;
    const otherIds = new Set(targets.otherTaskIds);
    if (route.fn === 'list-tasks' && (body as { tasks?: Task[] }).tasks?.some((t) => otherIds.has(t.id))) return 'listed another user’s task';
    if (otherIds.has(route.rest)) return `${res.status} on another user's task`;
  }
  return undefined;
}

const describeFailure = (index: number, req: FuzzRequest, problem: string): string =>
  `#${index} ${req.method} ${req.path.slice(0, 120)} [${req.target}] headers=${JSON.stringify(req.headers).slice(0, 200)} body=${req.body?.subarray(0, 80).toString('latin1') ?? ''}…: ${problem}`;

it(`answers ${REQUESTS} generated requests without a 5xx or a crash, and keeps exactly what it accepted`, { timeout: 420_000 }, async () => {
  const seed = seedFrom('FUZZ_SEED');
  console.log(`fuzz seed ${seed}: replay with FUZZ_SEED=${seed}`);
  const url = ts.url;

  // Who and what the requests aim at.
  const [owner, victim, deleted]: TestUser[] = await Promise.all(
    ['fz-owner', 'fz-victim', 'fz-gone'].map((prefix) => signUpAndLogin(url, { username: uniqueUsername(prefix) })),
  ) as [TestUser, TestUser, TestUser];
  const ownTasks = await Promise.all(Array.from({ length: 30 }, (_, i) => createTask(owner.client, { title: `own ${i}` })));
  const otherTasks = await Promise.all(Array.from({ length: 6 }, (_, i) => createTask(victim.client, { title: `victim ${i}` })));
  const photo = await readTestImage('pizza.jpg');
  const upload = await victim.client.put(`/function/predict-image/${otherTasks[0]!.id}`, photo, { 'Content-Type': 'image/jpeg' });
  expect(upload.status, upload.text).toBe(200);
  const cursors: string[] = [];
  for (const [user, limit] of [[owner, 5], [victim, 2]] as const) {
    const page = await user.client.get<{ nextCursor: string }>(`/function/list-tasks?limit=${limit}`);
    cursors.push(page.body.nextCursor);
  }
  await sql(ts.mysqlUrl, 'DELETE FROM users WHERE id = ?', [deleted.userId]);
  const now = Math.floor(Date.now() / 1000);
  const victimClaims = claimsFor(victim.userId, victim.username);
  const targets: FuzzTargets = {
    ownToken: owner.token,
    refusedTokens: [
      signToken(victimClaims, 'another-secret-entirely'),
      signToken(victimClaims, '', 'none'),
      signToken(claimsFor(victim.userId, victim.username, { iat: now - 7200, exp: now - 60 }), ts.jwtSecret),
      signToken(victimClaims, ts.jwtSecret, 'HS512'),
      signToken(claimsFor(victim.userId, victim.username, { iss: 'someone-else' }), ts.jwtSecret),
      signToken({ sub: victim.userId, name: victim.username }, ts.jwtSecret),
      withPayload(owner.token, victimClaims),
      deleted.token,
    ],
    ownTaskIds: ownTasks.map((t) => t.id),
    otherTaskIds: otherTasks.map((t) => t.id),
    cursors,
    photo,
  };

  const usersBefore = await sql<{ username: string }>(ts.mysqlUrl, 'SELECT username FROM users');
  const tasksBefore = await taskRows(ts.mysqlUrl);
  const pidsBefore = functionPids(ts.stack);

  // The requests: generated in order from the seed, sent by a few workers at once.
  const rng = new SeededRandom(seed);
  // A timeout, so that the agent honours the gateway's "Keep-Alive: timeout=5" and drops idle connections first.
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, timeout: 60_000 });
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  const accepted = { users: new Set<string>(), tasks: new Set<string>(), deleted: new Set<string>(), imaged: new Set<string>() };
  let next = 0;
  const worker = async () => {
    while (next < REQUESTS) {
      const index = next++;
      const req = fuzzRequest(rng, targets);
      let res: RawResponse;
      try {
        res = await sendRaw(url, req, { agent, timeoutMs: 60_000 });
      } catch (err) {
        failures.push(describeFailure(index, req, `no answer: ${(err as Error).message}`));
        continue;
      }
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const problem = problemWith(req, res, targets);
      if (problem) failures.push(describeFailure(index, req, problem));
      // What the accepted calls changed, to compare with the database afterwards.
      const route = routeOf(req.path);
      const body = parseJson(res.body);
      if (route?.fn === 'signup' && res.status === 201) accepted.users.add((body as { username: string }).username);
      if (route?.fn === 'create-task' && res.status === 201) accepted.tasks.add((body as Task).id);
      // The id as delete-task reads it: the one path segment after its name.
      const segments = route?.rest.split('/').filter(Boolean) ?? [];
      if (route?.fn === 'delete-task' && res.status === 204 && segments.length === 1) accepted.deleted.add(segments[0]!);
      if (route?.fn === 'predict-image' && req.method === 'PUT') {
        const task = res.status === 200 ? (body as Task) : isErrorBody(body) ? (body.error.task as Task | undefined) : undefined;
        if (task?.id) accepted.imaged.add(task.id);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  agent.destroy();
  console.log(`fuzz: ${REQUESTS} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);
  expect(failures.slice(0, 20), `${failures.length} bad answers (seed ${seed})`).toEqual([]);

  // Every process is the one that was there before, and all answer.
  expect(functionPids(ts.stack)).toEqual(pidsBefore);
  expect(await healthStatus(url)).toBe(200);

  // The users are those there were plus those whose sign-up was accepted: no refused call made one.
  const usersAfter = await sql<{ username: string }>(ts.mysqlUrl, 'SELECT username FROM users');
  expect(new Set(usersAfter.map((u) => u.username))).toEqual(new Set([...usersBefore.map((u) => u.username), ...accepted.users]));

  // The tasks are those there were, plus the accepted creates, minus the accepted deletes.
  const tasksAfter = await taskRows(ts.mysqlUrl);
  const expectedIds = new Set([...tasksBefore.map((t) => t.id), ...accepted.tasks].filter((id) => !accepted.deleted.has(id)));
  expect(new Set(tasksAfter.map((t) => t.id))).toEqual(expectedIds);
  // Tasks no accepted call touched are exactly as they were: the victim's above all.
  const after = new Map(tasksAfter.map((t) => [t.id, t]));
  const untouched = tasksBefore.filter((t) => !accepted.deleted.has(t.id) && !accepted.imaged.has(t.id));
  expect(untouched.map((t) => after.get(t.id))).toEqual(untouched);
  expect(otherTasks.every((t) => !accepted.deleted.has(t.id) && !accepted.imaged.has(t.id))).toBe(true);
  expect(tasksAfter.filter((t) => t.owner === victim.userId)).toHaveLength(otherTasks.length);

  // The stored objects are exactly the images tasks point at: none from a refused upload.
  const keys = await listObjectKeys(ts.s3Url, ts.bucket);
  expect(new Set(keys)).toEqual(new Set(tasksAfter.flatMap((t) => (t.image_key ? [t.image_key] : []))));

  await recordFigures(runLogDir(), {
    requestsFuzzed: REQUESTS,
    fuzzAccepted: [...statuses].filter(([s]) => s < 400).reduce((n, [, c]) => n + c, 0),
  });
});
