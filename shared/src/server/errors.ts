import { ERROR_STATUS, type ErrorBody, type ErrorCode, type FieldIssue } from '../contract/index.ts';

/** An error that is a value with a code: thrown anywhere, turned into a response in one place. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly fields: FieldIssue[] | undefined;
  readonly task: unknown;
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    extra: { fields?: FieldIssue[]; task?: unknown; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'ApiError';
    this.code = code;
    this.fields = extra.fields;
    this.task = extra.task;
    this.headers = extra.headers ?? {};
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export interface ErrorReply {
  status: number;
  headers: Record<string, string>;
  body: ErrorBody;
}

/** Network and server-state errors of MySQL, S3 and HTTP clients that mean "a dependency is down". */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_QUERY_INTERRUPTED',
  'ER_CONNECTION_KILLED',
  'ER_CLIENT_INTERACTION_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

export function isUnavailableError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && /connect ECONNREFUSED|Connection lost|Pool is closed|Can't add new command when connection is in closed state|Query inactivity timeout|connect ETIMEDOUT|Queue limit reached/i.test(message)) {
      return true;
    }
  }
  return false;
}

/** The one place that turns any thrown value into the API's error shape. */
export function toErrorReply(err: unknown): ErrorReply {
  const apiError =
    err instanceof ApiError
      ? err
      : isUnavailableError(err)
        ? new ApiError('service_unavailable', 'A service this call depends on is unavailable. Try again shortly.')
        : new ApiError('internal_error', 'Something went wrong on our side.');
  const body: ErrorBody = { error: { code: apiError.code, message: apiError.message } };
  if (apiError.fields) body.error.fields = apiError.fields;
  if (apiError.task !== undefined) body.error.task = apiError.task;
  const headers: Record<string, string> = { ...apiError.headers };
  if (apiError.status === 503 && !headers['Retry-After']) headers['Retry-After'] = '5';
  return { status: apiError.status, headers, body };
}
