/**
 * Photos through the real gateway: PUT stores and recognises with the real model, GET returns the
 * stored bytes, replacing and deleting clean up the bucket, and every bad upload is refused with
 * nothing stored, as checked in the embedded S3 server and the database.
 */
import { LIMITS, type Task, taskSchema } from '../../shared/src/contract/index.ts';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  type ApiResponse,
  type TestUser,
  api,
  createTask,
  expectError,
  expectNoChange,
  signUpAndLogin,
} from '../support/api-client.ts';
import {
  CLASS_PHOTOS,
  LAKE_PIER_TOP5,
  cmykJpeg,
  exifRotatedLakePier,
  png16,
  pngBomb,
  readTestImage,
  transparentPng,
} from '../support/images.ts';
import { type PhotoStore, keysOf, photoPath, putPhoto, storedRow } from '../support/photos.ts';
import { readObject } from '../support/s3-objects.ts';

const baseUrl = inject('baseUrl');
const s3Url = inject('s3Url');
const BUCKET = 'todo-images';
const store: PhotoStore = { s3Url, bucket: BUCKET, mysqlUrl: inject('mysqlUrl') };

/** A 200 answer with a valid Task: labelled, at most ten labels, sorted, scores summing to ≤ 1. */
function expectLabelled(res: ApiResponse, taskId: string): Task {
  expect(res.status, res.text).toBe(200);
  const task = taskSchema.parse(res.body);
  expect(task.id).toBe(taskId);
  expect(task.hasImage).toBe(true);
  expect(task.labelStatus).toBe('ready');
  expect(task.labels).toHaveLength(LIMITS.labelsMax);
  for (let i = 1; i < task.labels.length; i++) expect(task.labels[i]!.score).toBeLessThanOrEqual(task.labels[i - 1]!.score);
  expect(task.labels.reduce((sum, l) => sum + l.score, 0)).toBeLessThanOrEqual(1);
  return task;
}

/**
 * Runs a call that must be refused: it answers the API error `status`/`code`, and neither the
 * database (users, tasks, every column) nor the bucket (the objects of `users`) changes.
 */
async function expectRefused(
  users: TestUser[],
  call: () => Promise<ApiResponse>,
  status: number,
  code: Parameters<typeof expectError>[2],
): Promise<string> {
  const before = await Promise.all(users.map((u) => keysOf(store, u)));
  const res = await expectNoChange(
    users.map((u) => u.username),
    call,
  );
  const error = expectError(res, status, code);
  expect(await Promise.all(users.map((u) => keysOf(store, u)))).toEqual(before);
  return error.message;
}

let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  [alice, bob] = await Promise.all([signUpAndLogin(baseUrl), signUpAndLogin(baseUrl)]);
});

describe('recognition of the class photos', () => {
  it.each(Object.entries(CLASS_PHOTOS))('%s is labelled with "%s" among the top ten', async (file, label) => {
    const task = await createTask(alice.client, { title: file });
    const labelled = expectLabelled(await putPhoto(alice, task.id, await readTestImage(file), 'image/jpeg'), task.id);
    expect(labelled.labels.map((l) => l.name)).toContain(label);
    // What list-tasks shows is what was saved.
    const listed = await alice.client.get<{ tasks: Task[] }>('/function/list-tasks?limit=100');
    expect(listed.body.tasks.find((t) => t.id === task.id)).toEqual(labelled);
  });
});

describe('storing and returning the photo', () => {
  it('stores the exact bytes under <owner>/<taskId>/<uuid>.jpg and GET returns them with their type', async () => {
    const bytes = await readTestImage('zebra.jpg');
    const task = await createTask(alice.client);
    expectLabelled(await putPhoto(alice, task.id, bytes, 'image/jpeg'), task.id);

    const keys = await keysOf(store, alice, task.id);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(new RegExp(`^${alice.userId}/${task.id}/[0-9a-f-]{36}\\.jpg$`));
    const { image_key, image_type, label_status } = await storedRow(store, task.id);
    expect({ image_key, image_type, label_status }).toEqual({ image_key: keys[0], image_type: 'image/jpeg', label_status: 'ready' });
    const stored = await readObject(s3Url, BUCKET, keys[0]!);
    expect(stored!.contentType).toBe('image/jpeg');
    expect(stored!.bytes.equals(bytes)).toBe(true);

    const got = await alice.client.get(photoPath(task.id));
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/jpeg');
    expect(got.bytes.equals(bytes)).toBe(true);
  });

  it('replacing the photo leaves only the new object, with the new labels', async () => {
    const zebra = await readTestImage('zebra.jpg');
    const pizza = await readTestImage('pizza.jpg');
    const task = await createTask(alice.client);
    expectLabelled(await putPhoto(alice, task.id, zebra, 'image/jpeg'), task.id);
    const [firstKey] = await keysOf(store, alice, task.id);

    const replaced = expectLabelled(await putPhoto(alice, task.id, pizza, 'image/jpeg'), task.id);
    expect(replaced.labels.map((l) => l.name)).toContain('pizza');
    const keys = await keysOf(store, alice, task.id);
    expect(keys).toHaveLength(1);
    expect(keys[0]).not.toBe(firstKey);
    expect(await readObject(s3Url, BUCKET, firstKey!)).toBeUndefined();
    expect((await readObject(s3Url, BUCKET, keys[0]!))!.bytes.equals(pizza)).toBe(true);
    expect((await alice.client.get(photoPath(task.id))).bytes.equals(pizza)).toBe(true);
  });

  it('delete-task removes the photo from the bucket', async () => {
    const task = await createTask(alice.client);
    expectLabelled(await putPhoto(alice, task.id, await readTestImage('balloon.jpg'), 'image/jpeg'), task.id);
    const [key] = await keysOf(store, alice, task.id);
    expect(key).toBeDefined();

    expect((await alice.client.delete(`/function/delete-task/${task.id}`)).status).toBe(204);
    expect(await keysOf(store, alice, task.id)).toEqual([]);
    expect(await readObject(s3Url, BUCKET, key!)).toBeUndefined();
    expectError(await alice.client.get(photoPath(task.id)), 404, 'not_found');
  });

  it('GET of a task without a photo is 404', async () => {
    const task = await createTask(alice.client);
    expectError(await alice.client.get(photoPath(task.id)), 404, 'not_found');
  });
});

describe('awkward but valid photos', () => {
  it('an EXIF-rotated photo is recognised upright', async () => {
    const task = await createTask(alice.client);
    const bytes = await exifRotatedLakePier();
    const labelled = expectLabelled(await putPhoto(alice, task.id, bytes, 'image/jpeg'), task.id);
    expect(labelled.labels.slice(0, 5).map((l) => l.name)).toEqual(expect.arrayContaining(LAKE_PIER_TOP5));
    // The original is what is kept (rotation is for recognition only).
    expect((await alice.client.get(photoPath(task.id))).bytes.equals(bytes)).toBe(true);
  });

  it.each([
    ['a PNG with transparency', transparentPng, 'image/png', 'png'],
    ['a CMYK JPEG', cmykJpeg, 'image/jpeg', 'jpg'],
    ['a 16-bit PNG', png16, 'image/png', 'png'],
  ] as const)('%s is stored as sent and labelled', async (_what, make, type, ext) => {
    const bytes = await make();
    const task = await createTask(alice.client);
    expectLabelled(await putPhoto(alice, task.id, bytes, type), task.id);
    const keys = await keysOf(store, alice, task.id);
    expect(keys).toHaveLength(1);
    expect(keys[0]!.endsWith(`.${ext}`)).toBe(true);
    const got = await alice.client.get(photoPath(task.id));
    expect(got.headers.get('content-type')).toBe(type);
    expect(got.bytes.equals(bytes)).toBe(true);
  });
});

describe('refused uploads store nothing and change nothing', () => {
  let task: Task;
  let photo: Buffer;

  // The task already has a photo, so a refused upload must also leave that one in place.
  beforeAll(async () => {
    photo = await readTestImage('teddy.jpg');
    task = await createTask(alice.client, { title: 'has a photo' });
    expectLabelled(await putPhoto(alice, task.id, photo, 'image/jpeg'), task.id);
  });

  const expectPhotoKept = async () => {
    expect(await keysOf(store, alice, task.id)).toHaveLength(1);
    expect((await alice.client.get(photoPath(task.id))).bytes.equals(photo)).toBe(true);
  };

  it('no body and no Content-Type: 415', async () => {
    await expectRefused([alice], () => putPhoto(alice, task.id), 415, 'unsupported_media_type');
    await expectPhotoKept();
  });

  it('0 bytes as image/jpeg: 400', async () => {
    const message = await expectRefused([alice], () => putPhoto(alice, task.id, new Uint8Array(0), 'image/jpeg'), 400, 'validation_failed');
    expect(message).toMatch(/no photo/);
    await expectPhotoKept();
  });

  it('text sent as image/jpeg: 415', async () => {
    await expectRefused([alice], () => putPhoto(alice, task.id, Buffer.from('not a photo at all'), 'image/jpeg'), 415, 'unsupported_media_type');
    await expectPhotoKept();
  });

  it.each([
    ['image/bmp', Buffer.from('BM6\u0000\u0000\u0000\u0000\u0000\u0000\u00006\u0000\u0000\u0000(\u0000\u0000\u0000', 'latin1')],
    ['application/pdf', Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n')],
    ['image/svg+xml', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')],
  ])('an unsupported type, %s: 415', async (type, bytes) => {
    await expectRefused([alice], () => putPhoto(alice, task.id, bytes, type), 415, 'unsupported_media_type');
    await expectPhotoKept();
  });

  it('truncated.jpg: 422', async () => {
    const message = await expectRefused(
      [alice],
      async () => putPhoto(alice, task.id, await readTestImage('truncated.jpg'), 'image/jpeg'),
      422,
      'unprocessable_image',
    );
    expect(message).toMatch(/damaged or cut off/);
    await expectPhotoKept();
  });

  it('a 20000×20000 PNG bomb: 422, refused from its header', async () => {
    const message = await expectRefused([alice], async () => putPhoto(alice, task.id, await pngBomb(), 'image/png'), 422, 'unprocessable_image');
    expect(message).toMatch(/too large in pixels/);
    await expectPhotoKept();
  });

  it('over 10 MB: 413 before any decoding (a padded bomb is refused for its size)', async () => {
    const bomb = await pngBomb();
    const padded = Buffer.alloc(LIMITS.imageMaxBytes + 1);
    bomb.copy(padded);
    const message = await expectRefused([alice], () => putPhoto(alice, task.id, padded, 'image/png'), 413, 'payload_too_large');
    expect(message).toMatch(/10 MB/);
    await expectPhotoKept();
  });

  it('over the gateway limit (13 MB): 413', async () => {
    const huge = Buffer.alloc(13 * 1024 * 1024);
    photo.copy(huge);
    await expectRefused([alice], () => putPhoto(alice, task.id, huge, 'image/jpeg'), 413, 'payload_too_large');
    await expectPhotoKept();
  });

  it("another user's task: 404 for PUT and GET, nothing stored or returned", async () => {
    const zebra = await readTestImage('zebra.jpg');
    await expectRefused([alice, bob], () => putPhoto(bob, task.id, zebra, 'image/jpeg'), 404, 'not_found');
    await expectRefused([alice, bob], () => bob.client.get(photoPath(task.id)), 404, 'not_found');
    await expectPhotoKept();
  });

  it('a task that does not exist: 404; an id that is not one: 400', async () => {
    await expectRefused([alice], () => putPhoto(alice, '999999999', photo, 'image/jpeg'), 404, 'not_found');
    await expectRefused([alice], () => putPhoto(alice, 'abc', photo, 'image/jpeg'), 400, 'invalid_id');
    await expectRefused([alice], () => putPhoto(alice, '', photo, 'image/jpeg'), 400, 'invalid_id');
  });

  it('no token: 401', async () => {
    const anonymous = { ...alice, client: api(baseUrl) };
    await expectRefused([alice], () => putPhoto(anonymous, task.id, photo, 'image/jpeg'), 401, 'unauthorized');
    await expectRefused([alice], () => anonymous.client.get(photoPath(task.id)), 401, 'unauthorized');
    await expectPhotoKept();
  });
});
