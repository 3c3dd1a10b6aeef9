/**
 * predict-image when what it depends on fails: the model server down (and back), the object store
 * down (and back), no model at all, and many uploads racing for one task. Each stack here is the
 * real local one; the model server is the real one on the test model, started by the test so it
 * can be stopped and started again on the same address.
 */
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ErrorBody, type Task, taskSchema } from '../../shared/src/contract/index.ts';
import { jsonLines } from '../../local/src/log-sink.ts';
import { type ModelProcess, startModelProcess } from '../../local/src/model-process.ts';
import { freePort } from '../../local/src/free-port.ts';
import { type ApiResponse, type TestUser, createTask, expectError, signUpAndLogin } from '../support/api-client.ts';
import { CLASS_PHOTOS, readTestImage } from '../support/images.ts';
import { repoRoot, testModelDir } from '../support/paths.ts';
import { type TestStack, runLogDir, startTestStack } from '../support/resilience-stack.ts';
import { keysOf, photoPath, putPhoto, storedRow } from '../support/photos.ts';
import { readObject } from '../support/s3-objects.ts';
import { sql } from '../support/sql.ts';
import { waitUntil } from '../support/wait-until.ts';

const MODEL_NAME = 'efficientnetv2-s';
/** Every column of every task the user has. */
const tasksOf = (stack: TestStack, user: TestUser): Promise<unknown[]> =>
  sql(stack.mysqlUrl, 'SELECT * FROM tasks WHERE owner = ? ORDER BY id', [user.userId]);

/** Waits until `count` statements that lock task rows are running (so: blocked) on the stack's database. */
async function untilLockWaits(stack: TestStack, count: number): Promise<void> {
  const database = new URL(stack.mysqlUrl).pathname.slice(1);
  let seen = '0';
  await waitUntil(
    () => `${count} blocked statement(s) expected, ${seen} seen`,
    async () => {
      const [row] = await sql<{ n: string }>(
        stack.mysqlUrl,
        `SELECT COUNT(*) AS n FROM information_schema.processlist
          WHERE db = ? AND command IN ('Query', 'Execute')
            AND (info LIKE 'SELECT % FROM tasks % FOR UPDATE' OR info LIKE 'DELETE FROM tasks %')`,
        [database],
      );
      seen = row!.n;
      return Number(row!.n) >= count;
    },
    15_000,
    20,
  );
}

/** The task a 503 recognition answer carries: stored with the photo, labelStatus failed. */
function expectRecognitionFailed(res: ApiResponse, taskId: string): { message: string; task: Task } {
  const error = expectError(res, 503, 'recognition_unavailable');
  expect(res.headers.get('retry-after')).toBeTruthy();
  const task = taskSchema.parse((res.body as ErrorBody).error.task);
  expect(task).toMatchObject({ id: taskId, hasImage: true, labels: [], labelStatus: 'failed' });
  return { message: error.message, task };
}

describe('with a model server that goes down and comes back', () => {
  let stack: TestStack;
  let model: ModelProcess | undefined;
  let modelPort: number;
  let alice: TestUser;
  const modelLog = createWriteStream(join(runLogDir(), `model-images-faults-${Date.now().toString(36)}.log`));

  // The local model server in its own process, as the stack runs it, but always on one port.
  const startModel = async () => {
    model = await startModelProcess({
      script: join(repoRoot, 'local', 'dist', 'model-server.js'),
      modelDir: testModelDir,
      modelName: MODEL_NAME,
      port: modelPort,
      log: jsonLines((line) => modelLog.write(line)),
    });
  };
  const stopModel = async () => {
    await model?.stop();
    model = undefined;
  };

  beforeAll(async () => {
    modelPort = await freePort();
    await startModel();
    stack = await startTestStack({
      label: 'images-faults',
      withModel: false,
      replicas: 1,
      stackOptions: { modelUrl: model!.url, modelName: MODEL_NAME, modelLabels: join(testModelDir, 'imagenet-labels.txt') },
    });
    alice = await signUpAndLogin(stack.url);
  });

  afterAll(async () => {
    await stack?.stop();
    await stopModel();
    await new Promise((r) => modelLog.end(r));
  });

  it('model server down: 503, the photo kept with labelStatus failed; a later PUT labels it', async () => {
    const zebra = await readTestImage('zebra.jpg');
    const task = await createTask(alice.client);
    let keys: string[];
    await stopModel();
    try {
      const { message } = expectRecognitionFailed(await putPhoto(alice, task.id, zebra, 'image/jpeg'), task.id);
      expect(message).toMatch(/unavailable/);
      keys = await keysOf(stack, alice, task.id);
      expect(keys).toHaveLength(1);
      const { image_key, labels, label_status } = await storedRow(stack, task.id);
      expect({ image_key, labels, label_status }).toEqual({ image_key: keys[0], labels: [], label_status: 'failed' });
      const got = await alice.client.get(photoPath(task.id));
      expect(got.status).toBe(200);
      expect(got.bytes.equals(zebra)).toBe(true);
      const listed = await alice.client.get<{ tasks: Task[] }>('/function/list-tasks');
      expect(listed.body.tasks.find((t) => t.id === task.id)).toMatchObject({ hasImage: true, labelStatus: 'failed', labels: [] });
    } finally {
      await startModel();
    }

    const res = await putPhoto(alice, task.id, zebra, 'image/jpeg');
    expect(res.status, res.text).toBe(200);
    const labelled = taskSchema.parse(res.body);
    expect(labelled.labelStatus).toBe('ready');
    expect(labelled.labels[0]!.name).toBe('zebra');
    // The earlier object was replaced, not left behind.
    const after = await keysOf(stack, alice, task.id);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(keys[0]);
    expect((await storedRow(stack, task.id)).label_status).toBe('ready');
  });

  it('object store down: 503 and the task unchanged; uploads work once it is back', async () => {
    const teddy = await readTestImage('teddy.jpg');
    const pizza = await readTestImage('pizza.jpg');
    const task = await createTask(alice.client);
    expect((await putPhoto(alice, task.id, teddy, 'image/jpeg')).status).toBe(200);
    const [teddyKey] = await keysOf(stack, alice, task.id);
    const before = await tasksOf(stack, alice);

    await stack.stack.s3!.close();
    try {
      expectError(await putPhoto(alice, task.id, pizza, 'image/jpeg'), 503, 'service_unavailable');
      expect(await tasksOf(stack, alice)).toEqual(before);
      expectError(await alice.client.get(photoPath(task.id)), 503, 'service_unavailable');
    } finally {
      await stack.stack.s3!.restart();
    }

    // Nothing was written while it was down: the old photo is the task's only object.
    expect(await keysOf(stack, alice, task.id)).toEqual([teddyKey]);
    const res = await putPhoto(alice, task.id, pizza, 'image/jpeg');
    expect(res.status, res.text).toBe(200);
    expect(taskSchema.parse(res.body).labels.map((l) => l.name)).toContain('pizza');
    const keys = await keysOf(stack, alice, task.id);
    expect(keys).toHaveLength(1);
    expect((await readObject(stack.s3Url, stack.bucket, keys[0]!))!.bytes.equals(pizza)).toBe(true);
  });

  it.each([
    ['the upload', [200, 204]],
    ['the delete', [404, 204]],
  ] as const)('delete-task racing an upload leaves no object behind (%s takes the row first)', async (first, statuses) => {
    const task = await createTask(alice.client);
    expect((await putPhoto(alice, task.id, await readTestImage('teddy.jpg'), 'image/jpeg')).status).toBe(200);
    const zebra = await readTestImage('zebra.jpg');
    const upload = () => putPhoto(alice, task.id, zebra, 'image/jpeg');
    const deletion = () => alice.client.delete(`/function/delete-task/${task.id}`);
    // Hold the task's row, so that both calls queue up for it in a known order.
    const conn = await mysql.createConnection({ uri: stack.mysqlUrl });
    let answers: ApiResponse[];
    try {
      await conn.beginTransaction();
      await conn.query('SELECT id FROM tasks WHERE id = ? FOR UPDATE', [task.id]);
      const [one, two] = first === 'the upload' ? [upload, deletion] : [deletion, upload];
      const pending = [one()];
      await untilLockWaits(stack, 1);
      pending.push(two());
      await untilLockWaits(stack, 2);
      await conn.commit();
      answers = await Promise.all(pending);
    } finally {
      await conn.end();
    }
    const [uploadAnswer, deleteAnswer] = first === 'the upload' ? answers : [answers[1]!, answers[0]!];
    expect([uploadAnswer!.status, deleteAnswer!.status], uploadAnswer!.text).toEqual(statuses);
    // Whichever came first, the task is gone and so is every photo it ever had.
    expect(await keysOf(stack, alice, task.id)).toEqual([]);
    expect(await sql(stack.mysqlUrl, 'SELECT id FROM tasks WHERE id = ?', [task.id])).toEqual([]);
  });

  it('50 parallel uploads to one task leave exactly one object, and the labels are that photo’s', async () => {
    const task = await createTask(alice.client);
    // 50 different files: the class photos, each re-encoded at a few qualities.
    const photos = Object.keys(CLASS_PHOTOS);
    const uploads = await Promise.all(
      Array.from({ length: 50 }, async (_, i) =>
        sharp(await readTestImage(photos[i % photos.length]!))
          .jpeg({ quality: 70 + Math.floor(i / photos.length) * 5 })
          .toBuffer(),
      ),
    );
    expect(new Set(uploads.map((b) => b.toString('base64'))).size).toBe(50);

    const answers = await Promise.all(uploads.map((bytes) => putPhoto(alice, task.id, bytes, 'image/jpeg')));
    // Each upload either was labelled or was stored with recognition failed (model server busy).
    const tasks = answers.map((res) => {
      if (res.status === 200) return taskSchema.parse(res.body);
      return expectRecognitionFailed(res, task.id).task;
    });

    const keys = await keysOf(stack, alice, task.id);
    expect(keys).toHaveLength(1);
    const stored = await readObject(stack.s3Url, stack.bucket, keys[0]!);
    const winner = uploads.findIndex((b) => b.equals(stored!.bytes));
    expect(winner).toBeGreaterThanOrEqual(0);
    // The task's labels are the ones that upload computed from that very photo.
    const row = await storedRow(stack, task.id);
    expect({ labels: row.labels, labelStatus: row.label_status }).toEqual({
      labels: tasks[winner]!.labels,
      labelStatus: tasks[winner]!.labelStatus,
    });
    const listed = await alice.client.get<{ tasks: Task[] }>('/function/list-tasks');
    expect(listed.body.tasks.find((t) => t.id === task.id)).toEqual(tasks[winner]);
    expect((await alice.client.get(photoPath(task.id))).bytes.equals(uploads[winner]!)).toBe(true);
  });
});

describe('with no model at all', () => {
  let stack: TestStack;
  let alice: TestUser;

  beforeAll(async () => {
    stack = await startTestStack({ label: 'images-no-model', withModel: false, replicas: 1 });
    alice = await signUpAndLogin(stack.url);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('says recognition is unavailable (503) and keeps the photo', async () => {
    const zebra = await readTestImage('zebra.jpg');
    const task = await createTask(alice.client);
    const { message } = expectRecognitionFailed(await putPhoto(alice, task.id, zebra, 'image/jpeg'), task.id);
    expect(message).toMatch(/recognition is not available/i);
    const keys = await keysOf(stack, alice, task.id);
    expect(keys).toHaveLength(1);
    expect((await storedRow(stack, task.id)).label_status).toBe('failed');
    expect((await alice.client.get(photoPath(task.id))).bytes.equals(zebra)).toBe(true);
  });
});
