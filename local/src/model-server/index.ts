/**
 * The local stand-in for TensorFlow Serving: the REST subset the app uses (model status, metadata,
 * predict) answered from an ONNX model with onnxruntime-node.
 */
import type { AddressInfo } from 'node:net';
import { createModelHttpServer } from './http-server.ts';
import { loadModel, type LoadedModel } from './load-model.ts';

export { adaptBatch, type ImageBatch, type InputSpec } from './adapt-input.ts';
export { loadModel, readLabels, type LoadedModel } from './load-model.ts';
export { readModelBundle, validateModelJson, type Layout, type ModelJson } from './model-bundle.ts';
export { DEFAULT_NORMALISATION, type Normalisation, type Scale } from './normalisation.ts';
export { runModel } from './run-model.ts';
export { SERVED_IMAGE_SIZE, SERVED_VERSION } from './tf-serving-bodies.ts';

export const DEFAULT_MODEL_NAME = 'efficientnetv2-s';
/** A 384×384 instance is 3–5 MB of JSON; this leaves room for batches and stops runaway bodies. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_QUEUED_REQUESTS = 16;
const SHUTDOWN_GRACE_MS = 5000;

export interface ModelServerOptions {
  /** Folder with one `.onnx` model, its labels `.txt` and an optional `model.json`. */
  modelDir: string;
  /** The name clients use in `/v1/models/<name>`; default `efficientnetv2-s`. */
  modelName?: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Default 64 MiB. */
  maxBodyBytes?: number;
  /** Predict requests that may wait behind the running one; default 16. */
  maxQueuedRequests?: number;
}

export interface ModelServer {
  /** e.g. `http://127.0.0.1:38211`, without a trailing slash. */
  url: string;
  modelName: string;
  model: LoadedModel;
  /** Stops accepting requests, lets running ones finish, then frees the model. */
  close(): Promise<void>;
}

export async function startModelServer(options: ModelServerOptions): Promise<ModelServer> {
  const modelName = options.modelName ?? DEFAULT_MODEL_NAME;
  const host = options.host ?? '127.0.0.1';
  const model = await loadModel(options.modelDir);
  const { server, drain, inferenceDone } = createModelHttpServer(model, {
    modelName,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    maxQueuedRequests: options.maxQueuedRequests ?? DEFAULT_MAX_QUEUED_REQUESTS,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await model.session.release();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Running requests may finish; a client still trickling a body in is not waited for long.
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([drain(), new Promise((resolve) => (grace = setTimeout(resolve, SHUTDOWN_GRACE_MS)))]);
      clearTimeout(grace);
      server.closeAllConnections();
      await closed;
      // The session must outlive every run already queued.
      await inferenceDone();
      await model.session.release();
    })());

  return { url, modelName, model, close };
}
