/**
 * Runs one built function the way OpenFaaS's node18 template does (Express + body-parser behind
 * the of-watchdog): same body parsing per RAW_BODY / MAX_RAW_SIZE / MAX_JSON_SIZE, same `event`
 * and `context`, same way of sending results and errors. Plus what the watchdog adds: a
 * `/_/health` endpoint and a graceful drain on SIGTERM.
 */
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';

type Callback = (err: unknown, value?: unknown) => void;

class FunctionEvent {
  body: unknown;
  headers: Request['headers'];
  method: string;
  query: Request['query'];
  path: string;
  constructor(req: Request) {
    this.body = req.body;
    this.headers = req.headers;
    this.method = req.method;
    this.query = req.query;
    this.path = req.path;
  }
}

class FunctionContext {
  statusCode = 200;
  headerValues: Record<string, string> = {};
  cbCalled = 0;
  constructor(private readonly cb: Callback) {}
  status(statusCode?: number): number | this {
    if (!statusCode) return this.statusCode;
    this.statusCode = statusCode;
    return this;
  }
  headers(value?: Record<string, string>): Record<string, string> | this {
    if (!value) return this.headerValues;
    this.headerValues = value;
    return this;
  }
  succeed(value: unknown): void {
    this.cbCalled++;
    this.cb(undefined, value);
  }
  fail(value: unknown): void {
    if (this.statusCode === 200) this.statusCode = 500;
    this.cbCalled++;
    this.cb(value);
  }
}

const isPlainObject = (a: unknown): boolean => !!a && (a as object).constructor === Object;

function logLine(fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...fields })}\n`);
}

const handlerPath = process.env.HANDLER_PATH;
const functionName = process.env.FUNCTION_NAME ?? 'function';
if (!handlerPath) {
  logLine({ level: 'error', msg: 'HANDLER_PATH is not set', fn: functionName });
  process.exit(2);
}
const handler = createRequire(import.meta.url)(handlerPath) as (
  event: FunctionEvent,
  context: FunctionContext,
  cb: Callback,
) => unknown;

const app = express();
app.disable('x-powered-by');
const defaultMaxSize = '100kb';
const rawLimit = process.env.MAX_RAW_SIZE || defaultMaxSize;
const jsonLimit = process.env.MAX_JSON_SIZE || defaultMaxSize;

// The watchdog's own health endpoint, answered before the function is involved.
app.get('/_/health', (_req, res) => {
  res.status(200).send('OK');
});

app.use((req, _res, next) => {
  // As in the template: no content type means text/plain, so the body is never left undefined.
  if (!req.headers['content-type']) req.headers['content-type'] = 'text/plain';
  next();
});
if (process.env.RAW_BODY === 'true') {
  app.use(express.raw({ type: '*/*', limit: rawLimit }));
} else {
  app.use(express.text({ type: 'text/*' }));
  app.use(express.json({ limit: jsonLimit }));
  app.use(express.urlencoded({ extended: true }));
}

let inFlight = 0;

function middleware(req: Request, res: Response): void {
  inFlight++;
  res.on('close', () => inFlight--);
  const cb: Callback = (err, result) => {
    if (err) {
      console.error(err);
      res.status(fnContext.status() as number).send(String(err));
      return;
    }
    const headers = fnContext.headers() as Record<string, string>;
    if (Array.isArray(result) || isPlainObject(result)) {
      res.set(headers).status(fnContext.status() as number).send(JSON.stringify(result));
    } else {
      res.set(headers).status(fnContext.status() as number).send(result);
    }
  };
  const fnEvent = new FunctionEvent(req);
  const fnContext = new FunctionContext(cb);
  Promise.resolve(handler(fnEvent, fnContext, cb))
    .then((value) => {
      if (!fnContext.cbCalled) fnContext.succeed(value);
    })
    .catch((e: unknown) => cb(e));
}

for (const method of ['post', 'get', 'patch', 'put', 'delete', 'options'] as const) {
  app[method]('/*', middleware);
}

const port = Number(process.env.http_port ?? 3000);
const server: Server = app.listen(port, '127.0.0.1', () => {
  const actual = (server.address() as AddressInfo).port;
  logLine({ level: 'info', msg: 'function listening', fn: functionName, port: actual, pid: process.pid });
  // With http_port=0 the parent (the local stack) learns the port from this message.
  process.send?.({ type: 'listening', port: actual });
});
server.keepAliveTimeout = 65_000;

function drain(signal: string): void {
  logLine({ level: 'info', msg: 'draining', fn: functionName, signal, inFlight });
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), Number(process.env.DRAIN_TIMEOUT_MS ?? 10_000)).unref();
}
process.on('SIGTERM', () => drain('SIGTERM'));
process.on('SIGINT', () => drain('SIGINT'));
