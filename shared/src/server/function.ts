import { randomUUID } from 'node:crypto';
import type { RowDataPacket } from 'mysql2';
import type { z } from 'zod';
import { LIMITS, taskIdSchema } from '../contract/index.ts';
import { assertSecretsPresent, type Dependency } from './config.ts';
import { queryRows } from './db.ts';
import { ApiError, toErrorReply } from './errors.ts';
import { bearerToken, verifyToken } from './jwt.ts';
import { describeError, log } from './log.ts';

/** What the node18 template passes as `event`. */
export interface FunctionEvent {
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  method: string;
  query: Record<string, unknown>;
  path: string;
}

/** What the node18 template passes as `context`. */
export interface FunctionContext {
  status(code?: number): unknown;
  headers(values?: Record<string, string>): unknown;
  succeed(value: unknown): void;
  fail(err: unknown): void;
}

export type TemplateHandler = (event: FunctionEvent, context: FunctionContext) => Promise<void>;

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface User {
  id: string;
  username: string;
}

export interface Request {
  readonly method: string;
  readonly path: string;
  readonly headers: FunctionEvent['headers'];
  readonly callId: string;
  /** The raw body as bytes (empty when there is none). */
  bytes(): Buffer;
  /** The JSON body validated against a contract schema: 400/413/415 when it is not acceptable. */
  json<S extends z.ZodType>(schema: S): z.infer<S>;
  /** The query string validated against a contract schema. */
  query<S extends z.ZodType>(schema: S): z.infer<S>;
  /** The task id from the path (`/<id>`): 400 when it is missing or not a positive whole number. */
  taskId(): string;
  /** The signed-in user, from a verified token whose account still exists; 401 otherwise. */
  user(): Promise<User>;
  /** Extra fields for this request's log line. */
  annotate(fields: Record<string, unknown>): void;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

export interface FunctionSpec {
  name: string;
  /** What it talks to: decides the secrets it refuses to start without in production. */
  needs: readonly Dependency[];
  routes: Partial<Record<Method, (req: Request) => Promise<Reply>>>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  body,
  headers,
});

export const noContent = (): Reply => ({ status: 204 });

function header(headers: FunctionEvent['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function bodyBytes(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  // RAW_BODY=false with a JSON content type: the template already parsed it.
  if (body && typeof body === 'object' && Object.keys(body).length > 0) return Buffer.from(JSON.stringify(body));
  return Buffer.alloc(0);
}

function fieldIssues(error: z.ZodError): { field: string; message: string }[] {
  return error.issues.map((i) => ({ field: i.path.map(String).join('.') || '(body)', message: i.message }));
}

function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = fieldIssues(result.error);
  const summary = fields.map((f) => `${f.field} ${f.message}`).join('; ');
  throw new ApiError('validation_failed', `The ${what} is not valid: ${summary}.`, { fields });
}

/** Content types a JSON endpoint takes: JSON, or none (which the template turns into text/plain). */
function isJsonContentType(value: string | undefined): boolean {
  if (!value) return true;
  const type = value.split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || type === 'text/plain' || type.endsWith('+json');
}

function makeRequest(event: FunctionEvent, callId: string, logFields: Record<string, unknown>): Request {
  let user: Promise<User> | undefined;
  return {
    method: event.method,
    path: event.path,
    headers: event.headers,
    callId,
    bytes: () => bodyBytes(event.body),
    json(schema) {
      if (!isJsonContentType(header(event.headers, 'content-type'))) {
        throw new ApiError('unsupported_media_type', 'Send the body as JSON with "Content-Type: application/json".');
      }
      const bytes = bodyBytes(event.body);
      if (bytes.length > LIMITS.jsonBodyMaxBytes) {
        throw new ApiError('payload_too_large', `The request body must be at most ${LIMITS.jsonBodyMaxBytes / 1024} KB.`);
      }
      if (bytes.length === 0) throw new ApiError('invalid_json', 'The request body must be a JSON object.');
      let value: unknown;
      try {
        value = JSON.parse(bytes.toString('utf8'));
      } catch {
        throw new ApiError('invalid_json', 'The request body is not valid JSON.');
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new ApiError('invalid_json', 'The request body must be a JSON object.');
      }
      return validate(schema, value, 'request');
    },
    query(schema) {
      return validate(schema, event.query ?? {}, 'query');
    },
    taskId() {
      const parts = event.path.split('/').filter(Boolean);
      if (parts.length > 1) throw new ApiError('not_found', 'There is nothing at this address.');
      const segment = parts[0];
      if (segment === undefined) throw new ApiError('invalid_id', 'Give the task id in the path, e.g. /123.');
      if (!taskIdSchema.safeParse(segment).success) {
        throw new ApiError('invalid_id', 'The task id must be a positive whole number.');
      }
      return segment;
    },
    user() {
      user ??= (async () => {
        const claims = await verifyToken(bearerToken(event.headers.authorization));
        const rows = await queryRows<RowDataPacket>(
          'SELECT id FROM users WHERE id = ?',
          [claims.userId],
        );
        if (rows.length === 0) throw new ApiError('unauthorized', 'This account no longer exists. Please sign in again.');
        logFields.user = claims.userId;
        return { id: claims.userId, username: claims.username };
      })();
      return user;
    },
    annotate(fields) {
      Object.assign(logFields, fields);
    },
  };
}

/**
 * A function on the node18 template contract: routes by method, turns every outcome (value or
 * thrown error) into a response, and writes one log line per request.
 */
export function defineFunction(spec: FunctionSpec): TemplateHandler {
  assertSecretsPresent(spec.name, spec.needs);
  const allowed = Object.keys(spec.routes).join(', ');
  return async (event, context) => {
    const started = performance.now();
    const callId = header(event.headers, 'x-call-id') ?? randomUUID();
    const logFields: Record<string, unknown> = {};
    let reply: Reply;
    try {
      const route = spec.routes[event.method as Method];
      if (!route) {
        throw new ApiError('method_not_allowed', `${event.method} is not supported here; use ${allowed}.`, {
          headers: { Allow: allowed },
        });
      }
      reply = await route(makeRequest(event, callId, logFields));
    } catch (err) {
      const r = toErrorReply(err);
      if (r.status >= 500) logFields.err = describeError(err);
      logFields.code = r.body.error.code;
      reply = r;
    }
    const headers: Record<string, string> = { ...reply.headers };
    if (reply.body !== undefined && !Buffer.isBuffer(reply.body)) headers['Content-Type'] ??= JSON_TYPE;
    log.info({
      msg: 'request',
      fn: spec.name,
      callId,
      method: event.method,
      path: event.path.slice(0, 200),
      status: reply.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
      ...logFields,
    });
    context.status(reply.status);
    context.headers(headers);
    // Serialised here rather than by the template, so the bytes do not depend on its version.
    const body = reply.body === undefined ? '' : Buffer.isBuffer(reply.body) ? reply.body : JSON.stringify(reply.body);
    context.succeed(body);
  };
}
