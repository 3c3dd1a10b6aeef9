import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Client } from 'minio';
import { s3Settings } from './config.ts';
import { ApiError } from './errors.ts';
import { describeError, log } from './log.ts';

/** How long one object-store call may take before the caller gets a 503. */
const CALL_TIMEOUT_MS = 15_000;

const unavailable = (cause?: unknown) =>
  new ApiError('service_unavailable', 'Image storage is unavailable right now. Try again shortly.', { cause });

interface Store {
  client: Client;
  bucket: string;
  region: string;
  ready: Promise<void> | undefined;
}

let store: Promise<Store> | undefined;

/**
 * The client, made on first use. minio (a third of a bundle) is loaded only then, so a function
 * process that never touches an image starts ~50 ms sooner.
 */
function getStore(): Promise<Store> {
  store ??= makeStore().catch((err: unknown) => {
    store = undefined;
    throw err;
  });
  return store;
}

async function makeStore(): Promise<Store> {
  const s = s3Settings();
  if (!s.endpoint || !s.accessKey || !s.secretKey) {
    throw new ApiError('service_unavailable', 'Image storage is not configured on this server.');
  }
  const { Client } = await import('minio');
  const useSSL = s.endpoint.protocol === 'https:';
  const client = new Client({
    endPoint: s.endpoint.hostname,
    port: s.endpoint.port ? Number(s.endpoint.port) : useSSL ? 443 : 80,
    useSSL,
    accessKey: s.accessKey,
    secretKey: s.secretKey,
    region: s.region,
    pathStyle: true,
    transportAgent: useSSL ? new HttpsAgent({ keepAlive: true, maxSockets: 16 }) : new Agent({ keepAlive: true, maxSockets: 16 }),
  });
  return { client, bucket: s.bucket, region: s.region, ready: undefined };
}

async function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(unavailable(new Error('object store call timed out'))), CALL_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, timeout]);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw unavailable(err);
  } finally {
    clearTimeout(timer);
  }
}

/** Makes the bucket once per process if it is missing; retried on the next call after a failure. */
function ensureBucket(s: Store): Promise<void> {
  s.ready ??= (async () => {
    if (!(await s.client.bucketExists(s.bucket))) {
      try {
        await s.client.makeBucket(s.bucket, s.region);
      } catch (err) {
        // Another replica made it first.
        const code = (err as { code?: string }).code;
        if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw err;
      }
    }
  })().catch((err: unknown) => {
    s.ready = undefined;
    throw err;
  });
  return s.ready;
}

function isMissing(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'NoSuchKey' || code === 'NotFound' || code === 'NoSuchBucket';
}

/** Stores `bytes` under `key` with its content type. */
export async function putObject(key: string, bytes: Buffer, contentType: string): Promise<void> {
  const s = await getStore();
  await withTimeout(
    (async () => {
      await ensureBucket(s);
      await s.client.putObject(s.bucket, key, bytes, bytes.length, { 'Content-Type': contentType });
    })(),
  );
}

/** The object's bytes, or undefined when there is no such object. */
export async function getObject(key: string): Promise<Buffer | undefined> {
  const s = await getStore();
  return withTimeout(
    (async () => {
      try {
        const stream = await s.client.getObject(s.bucket, key);
        const chunks: Buffer[] = [];
        for await (const chunk of stream) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks);
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw err;
      }
    })(),
  );
}

/** Removes the object; one that is already gone is not an error. */
export async function removeObject(key: string): Promise<void> {
  const s = await getStore();
  await withTimeout(
    (async () => {
      try {
        await s.client.removeObject(s.bucket, key);
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
    })(),
  );
}

/**
 * Removes an object that no task refers to any more. A failure is logged (the object is left for
 * clean-up) and never thrown: the caller's answer does not depend on it.
 */
export async function discardObject(key: string, context: Record<string, unknown>): Promise<void> {
  await removeObject(key).catch((err: unknown) =>
    log.warn({ msg: 'unreferenced image not removed', key, ...context, ...describeError(err) }),
  );
}
