import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Agent, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse, createServer, request } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import type { ErrorCode } from '@todo/shared/contract';
import type { LogSink } from './log-sink.ts';
import { GatewayMetrics } from './metrics.ts';
import type { FunctionReplicas } from './replicas.ts';

export interface GatewayOptions {
  functions: Map<string, FunctionReplicas>;
  /** The built web app, served at `/`; undefined when there is none. */
  webRoot: string | undefined;
  /** How long a function may take before the caller gets a 503. */
  upstreamTimeoutMs: number;
  log: LogSink;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

const formatBytes = (n: number): string =>
  n >= 1048576 ? `${+(n / 1048576).toFixed(1)} MB` : `${+(n / 1024).toFixed(1)} KB`;

function sendError(res: ServerResponse, status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection and are never passed on by a
 * proxy. Passing on the function's "Keep-Alive: timeout=65" made clients keep idle connections
 * far longer than this server does (5 s), so their next request on one could meet a reset.
 */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade']);

const endToEnd = (headers: IncomingHttpHeaders): IncomingHttpHeaders =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));

/** Methods the node18 template routes to the handler (HEAD as GET); any other gets its HTML 404. */
const TEMPLATE_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * What the node18 template would refuse with its own HTML error page before the handler runs:
 * a method it does not route, a path its router cannot percent-decode, a compressed body.
 * Refused here instead, in the API's error shape.
 */
function templateRefusal(req: IncomingMessage, rest: string): [number, ErrorCode, string] | undefined {
  if (!TEMPLATE_METHODS.has(req.method ?? '')) return [405, 'method_not_allowed', `${req.method} is not supported here.`];
  try {
    decodeURIComponent(rest);
  } catch {
    return [400, 'validation_failed', 'The address is not valid.'];
  }
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    return [415, 'unsupported_media_type', 'Send the body without a Content-Encoding.'];
  }
  return undefined;
}

/** The local stand-in for the OpenFaaS gateway: routes, metrics, health, and the web app. */
export function createGateway(options: GatewayOptions): Server {
  const metrics = new GatewayMetrics();
  for (const [name, fn] of options.functions) metrics.trackReplicas(name, () => fn.readyCount());
  const agent = new Agent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 30_000 });

  async function healthz(res: ServerResponse): Promise<void> {
    const checks = await Promise.all(
      [...options.functions.values()].map(async (fn) => {
        const replica = fn.pick();
        if (!replica) return [fn.name, false] as const;
        try {
          const r = await fetch(`http://127.0.0.1:${replica.port}/_/health`, { signal: AbortSignal.timeout(2000) });
          return [fn.name, r.ok] as const;
        } catch {
          return [fn.name, false] as const;
        }
      }),
    );
    const healthy = checks.every(([, ok]) => ok);
    const body = JSON.stringify({ status: healthy ? 'ok' : 'unavailable', functions: Object.fromEntries(checks) });
    res.writeHead(healthy ? 200 : 503, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(body);
  }

  function proxy(req: IncomingMessage, res: ServerResponse, name: string, rest: string, search: string): void {
    const fn = options.functions.get(name);
    if (!fn) return sendError(res, 404, 'not_found', `There is no function named "${name}".`);
    const refusal = templateRefusal(req, rest);
    if (refusal) {
      req.resume();
      return sendError(res, ...refusal);
    }
    // Bodies over the function's MAX_RAW_SIZE are refused here, as the ingress does in production,
    // so the caller gets the API's error shape rather than the template's HTML page. The rest of
    // the body is read and dropped: closing on a client still sending resets the connection, and
    // the client then sees a write error (EPIPE) instead of the 413.
    const tooLarge = () =>
      sendError(res, 413, 'payload_too_large', `The request body must be at most ${formatBytes(fn.maxBodyBytes)}.`);
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > fn.maxBodyBytes) {
      req.resume();
      return tooLarge();
    }
    const replica = fn.pick();
    if (!replica) return sendError(res, 503, 'service_unavailable', `The ${name} function is not running right now. Try again shortly.`, { 'Retry-After': '2' });

    const callId = (req.headers['x-call-id'] as string | undefined) ?? randomUUID();
    const started = performance.now();
    metrics.invocationStarted(name);
    let finished = false;
    const done = (code: number) => {
      if (finished) return;
      finished = true;
      metrics.invocationDone(name, code, (performance.now() - started) / 1000);
    };
    // Once answered, the rest of the request body is read and dropped, not left unread: an unread
    // body stalls the client's connection until the keep-alive timeout resets it, and with it
    // the next request the client sends on it.
    const dropRestOfBody = () => {
      if (req.complete) return;
      req.unpipe(upstream);
      req.resume();
      upstream.destroy();
    };

    const upstream = request(
      {
        agent,
        host: '127.0.0.1',
        port: replica.port,
        method: req.method,
        path: `/${rest}${search}`,
        headers: {
          ...req.headers,
          'x-call-id': callId,
          'x-start-time': String(Date.now() * 1e6),
          'x-forwarded-for': req.socket.remoteAddress ?? '',
          'x-forwarded-host': req.headers.host ?? '',
        },
        timeout: options.upstreamTimeoutMs,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, {
          ...endToEnd(up.headers),
          'x-call-id': callId,
          'x-duration-seconds': ((performance.now() - started) / 1000).toFixed(6),
        });
        up.pipe(res);
        up.on('end', () => {
          done(up.statusCode ?? 502);
          // A function may answer before reading the whole body (e.g. a Content-Type its body parser skips).
          dropRestOfBody();
        });
        up.on('error', () => {
          done(502);
          res.destroy();
        });
      },
    );
    upstream.on('timeout', () => upstream.destroy(Object.assign(new Error('upstream timeout'), { code: 'ETIMEDOUT' })));
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      // Already answered (e.g. the 413 below, which destroys the upstream request).
      if (finished) return;
      const timedOut = err.code === 'ETIMEDOUT';
      const status = timedOut ? 503 : 502;
      done(status);
      options.log({ level: 'warn', msg: 'upstream error', fn: name, callId, error: err.message });
      dropRestOfBody();
      sendError(
        res,
        status,
        timedOut ? 'service_unavailable' : 'bad_gateway',
        timedOut ? `The ${name} function took too long to answer.` : `The ${name} function failed to answer. Try again.`,
      );
    });

    // Count the bytes actually sent, for bodies without a Content-Length (chunked).
    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > fn.maxBodyBytes && !finished) {
        done(413);
        dropRestOfBody();
        tooLarge();
      }
    });
    req.pipe(upstream);
    res.on('close', () => {
      if (res.writableFinished) return;
      // The client went away first: counted as nginx counts it (499), not as a function failure.
      done(499);
      upstream.destroy();
    });
  }

  async function serveWeb(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (!options.webRoot) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('The web app is not built. Run "pnpm build".\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, 'method_not_allowed', 'Only GET and HEAD are allowed here.', { Allow: 'GET, HEAD' });
    const root = options.webRoot;
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return sendError(res, 400, 'validation_failed', 'The address is not valid.');
    }
    const candidate = normalize(join(root, decoded));
    let file = candidate.startsWith(root + sep) || candidate === root ? candidate : join(root, 'index.html');
    let info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      // A client-side route: the single-page app handles it; a missing asset is a real 404.
      if (extname(decoded) && !decoded.endsWith('.html')) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('Not found\n');
        return;
      }
      file = join(root, 'index.html');
      info = await stat(file).catch(() => undefined);
      if (!info) {
        res.writeHead(404);
        res.end();
        return;
      }
    }
    const immutable = file.includes(`${sep}assets${sep}`);
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': info.size,
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file).pipe(res);
  }

  return createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://gateway');
    } catch {
      // e.g. "GET http://[ HTTP/1.1": a request line Node accepts but no URL parser does.
      req.resume();
      return sendError(res, 400, 'validation_failed', 'The address is not valid.');
    }
    const match = /^\/function\/([^/]+)(?:\/(.*))?$/.exec(url.pathname);
    if (match) return proxy(req, res, match[1]!, match[2] ?? '', url.search);
    if (url.pathname === '/healthz') return void healthz(res);
    if (url.pathname === '/metrics') {
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      return void res.end(metrics.render());
    }
    void serveWeb(req, res, url.pathname).catch(() => sendError(res, 500, 'internal_error', 'Something went wrong on our side.'));
  });
}
