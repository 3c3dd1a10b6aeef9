/** Every error code the API answers with, and the HTTP status that goes with it. */
export const ERROR_STATUS = {
  invalid_json: 400,
  validation_failed: 400,
  invalid_cursor: 400,
  invalid_id: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  not_found: 404,
  method_not_allowed: 405,
  username_taken: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable_image: 422,
  too_many_requests: 429,
  internal_error: 500,
  bad_gateway: 502,
  service_unavailable: 503,
  recognition_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** A problem with one input field, for forms to show beside that field. */
export interface FieldIssue {
  field: string;
  message: string;
}

/** The body of every error response: `{"error": {"code", "message"}}`. */
export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    /** Present on validation_failed: one entry per offending field. */
    fields?: FieldIssue[];
    /** Present on recognition failures: the task as stored (image kept, labelStatus "failed"). */
    task?: unknown;
  };
}

export function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const error = (value as { error?: unknown }).error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}
