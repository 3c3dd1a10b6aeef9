import { ERROR_STATUS, isErrorBody, taskSchema, type ErrorCode, type FieldIssue, type Task } from '@todo/shared/contract';
import { IMAGE_MAX_SIZE, IMAGE_TYPE_NAMES, formatWait } from '../lib/format.ts';

/** What went wrong, in the API's own words, plus the two failures only a client can see. */
export type ApiErrorCode = ErrorCode | 'network_error' | 'bad_response';

/**
 * One sentence per error code, written for the person using the app. The `Record` type makes
 * the compiler insist on a sentence for every code the contract defines.
 */
export const ERROR_MESSAGES: Record<ApiErrorCode, string> = {
  invalid_json: 'The app sent something the server could not read. Please reload the page and try again.',
  validation_failed: 'Some details need fixing. Please check the fields marked below.',
  invalid_cursor: 'The list could not continue from where it left off. Please reload the page.',
  invalid_id: 'That task could not be found. It may have been deleted.',
  unauthorized: 'Your session has ended. Please sign in again.',
  invalid_credentials: 'That username and password do not match. Please check them and try again.',
  not_found: 'That task no longer exists. It may have been deleted somewhere else.',
  method_not_allowed: 'The app asked the server for something it cannot do. Please reload the page.',
  username_taken: 'That username is already taken. Please choose another one.',
  payload_too_large: `That photo is too large. Please choose one under ${IMAGE_MAX_SIZE}.`,
  unsupported_media_type: `That kind of file is not supported. Please choose a ${IMAGE_TYPE_NAMES} image.`,
  unprocessable_image: 'That file could not be read as an image. It may be damaged. Please try another photo.',
  too_many_requests: 'Too many attempts in a short time. Please wait a moment and try again.',
  internal_error: 'Something went wrong on our side. Please try again in a moment.',
  bad_gateway: 'The service is having trouble right now. Please try again in a moment.',
  service_unavailable: 'The service is not available right now. Please try again in a moment.',
  recognition_unavailable: 'Your photo was saved, but we could not recognise what is in it right now.',
  network_error: 'We could not reach the server. Please check your connection and try again.',
  bad_response: 'The server sent an answer the app did not understand. Please try again.',
};

export interface ApiErrorInit {
  status: number;
  code: ApiErrorCode;
  /** The server's own message, kept for logs; never shown as-is. */
  detail?: string;
  fields?: FieldIssue[];
  retryAfterSeconds?: number;
  task?: Task;
}

/** Every failed API call ends in one of these, whatever the server or the network did. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  readonly detail: string | undefined;
  readonly fields: FieldIssue[];
  readonly retryAfterSeconds: number | undefined;
  /** On recognition failures: the task as stored (image kept, labelStatus "failed"). */
  readonly task: Task | undefined;

  constructor(init: ApiErrorInit) {
    super(ERROR_MESSAGES[init.code]);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.fields = init.fields ?? [];
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.task = init.task;
  }
}

const isKnownCode = (code: string): code is ErrorCode => Object.hasOwn(ERROR_STATUS, code);

/** The code to assume when a reply has no error body we can read (a proxy's HTML page, say). */
function codeForStatus(status: number): ApiErrorCode {
  if (status === 401) return 'unauthorized';
  if (status === 404) return 'not_found';
  if (status === 405) return 'method_not_allowed';
  if (status === 413) return 'payload_too_large';
  if (status === 415) return 'unsupported_media_type';
  if (status === 422) return 'unprocessable_image';
  if (status === 429) return 'too_many_requests';
  if (status === 502 || status === 504) return 'bad_gateway';
  if (status === 503) return 'service_unavailable';
  if (status >= 500) return 'internal_error';
  return 'bad_response';
}

/** Retry-After is either seconds or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const when = Date.parse(trimmed);
  if (Number.isNaN(when)) return undefined;
  return Math.max(0, Math.ceil((when - now) / 1000));
}

/** Turns a failed reply (status, raw body text, Retry-After) into an ApiError. */
export function errorFromResponse(status: number, bodyText: string, retryAfter?: string | null): ApiError {
  let body: unknown;
  try {
    body = bodyText ? JSON.parse(bodyText) : undefined;
  } catch {
    body = undefined;
  }
  const retryAfterSeconds = parseRetryAfter(retryAfter);
  if (isErrorBody(body) && isKnownCode(body.error.code)) {
    const parsedTask = body.error.task === undefined ? undefined : taskSchema.safeParse(body.error.task);
    return new ApiError({
      status,
      code: body.error.code,
      detail: body.error.message,
      fields: Array.isArray(body.error.fields) ? body.error.fields : [],
      retryAfterSeconds,
      task: parsedTask?.success ? parsedTask.data : undefined,
    });
  }
  return new ApiError({ status, code: codeForStatus(status), detail: bodyText.slice(0, 200), retryAfterSeconds });
}

/**
 * A 401 on an authenticated call: the client has already signed the person out (onUnauthorized),
 * so the screen that made the call should stay quiet rather than show an error of its own.
 */
export const isSessionOver = (error: unknown): boolean => error instanceof ApiError && error.status === 401;

/** Words a screen may put in place of the general ones. */
export interface ErrorWording {
  /** What was tried too often, for 429: "sign-in attempts" (default "attempts"). */
  attempts?: string;
}

/** A sentence for any error at all, for places that show one line. */
export function describeError(error: unknown, wording: ErrorWording = {}): string {
  if (error instanceof ApiError) {
    if (error.code === 'too_many_requests') {
      const wait = error.retryAfterSeconds ? formatWait(error.retryAfterSeconds) : 'a moment';
      return `Too many ${wording.attempts ?? 'attempts'} in a short time. Please wait ${wait} and try again.`;
    }
    return error.message;
  }
  return 'Something unexpected went wrong. Please try again.';
}
