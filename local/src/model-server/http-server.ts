/** The HTTP side: routing, bounded body reading, and TF Serving's `{"error": ...}` answers. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { adaptBatch } from './adapt-input.ts';
import { HttpError } from './http-error.ts';
import { InferenceQueue } from './inference-queue.ts';
import type { LoadedModel } from './load-model.ts';
import { describeError, log } from '@todo/shared/server';
import { parsePredictBody } from './parse-predict-request.ts';
import { checkServable, matchRoute } from './routes.ts';
import { runModel } from './run-model.ts';
import { errorBody, metadataBody, statusBody } from './tf-serving-bodies.ts';

export interface HttpServerOptions {
  modelName: string;
  /** Largest accepted request body in bytes; bigger ones get 413. */
  maxBodyBytes: number;
  /** Predict requests allowed to wait for the model behind the running one; more get 503. */
  maxQueuedRequests: number;
}

export interface ModelHttpServer {
  server: Server;
  /** Resolves when no request is being handled and no inference is queued. */
  drain(): Promise<void>;
  /** Resolves when no inference is running or queued. */
  inferenceDone(): Promise<void>;
}

export function createModelHttpServer(model: LoadedModel, options: HttpServerOptions): ModelHttpServer {
  const queue = new InferenceQueue(options.maxQueuedRequests);
  let active = 0;
  let onIdle: (() => void) | undefined;

  const server = createServer((req, res) => {
    active++;
    res.on('close', () => {
      active--;
      if (active === 0) onIdle?.();
    });
    handle(req, res).catch((err: unknown) => answerError(res, err, req));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const { pathname } = new URL(req.url ?? '/', 'http://model-server');
    const route = matchRoute(method, pathname);
    checkServable(route, options.modelName);
    if (route.kind === 'status') return sendJson(res, 200, statusBody());
    if (route.kind === 'metadata') return sendJson(res, 200, metadataBody(options.modelName, model));

    const { format, input, count } = modelInput(await readBody(req, options.maxBodyBytes));
    const rows = await queue.run(() => runModel(model, input, count));
    sendJson(res, 200, format === 'row' ? { predictions: rows } : { outputs: rows });
  }

  /** Parsed and adapted in one step, so only the (small) model input waits in the queue. */
  function modelInput(body: Buffer) {
    const { format, batch } = parsePredictBody(body, model.inputName);
    return { format, input: adaptBatch(batch, model), count: batch.count };
  }

  async function drain(): Promise<void> {
    await queue.idle();
    if (active > 0) await new Promise<void>((resolve) => (onIdle = resolve));
  }

  return { server, drain, inferenceDone: () => queue.idle() };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const json = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(json),
  });
  res.end(json);
}

function answerError(res: ServerResponse, err: unknown, req: IncomingMessage): void {
  if (err instanceof HttpError) {
    sendJson(res, err.status, errorBody(err.message), err.headers);
    return;
  }
  log.error({ msg: 'model server request failed', method: req.method, path: req.url, ...describeError(err) });
  const message = err instanceof Error ? err.message : String(err);
  sendJson(res, 500, errorBody(`Internal error: ${message.slice(0, 500)}`));
}

/**
 * The body's bytes, refused with 413 when it passes `limit` bytes. An oversized body is still read
 * (and dropped) before the answer, so the client sees the 413 rather than a reset connection; a
 * client that keeps sending far beyond the limit is cut off.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let refused = Number(req.headers['content-length']) > limit;
    let ended = false;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit * 4) req.destroy();
      if (refused) return;
      if (size > limit) {
        refused = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      ended = true;
      if (refused) reject(new HttpError(413, `Request body is larger than ${limit} bytes`, { Connection: 'close' }));
      else resolve(Buffer.concat(chunks));
    });
    const incomplete = () => {
      if (!ended) reject(new HttpError(400, 'The request body was not received completely'));
    };
    req.on('error', incomplete);
    req.on('close', incomplete);
  });
}
