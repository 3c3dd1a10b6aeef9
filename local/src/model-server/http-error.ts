/** An error that becomes a TF Serving style `{"error": message}` answer with this HTTP status. */
export class HttpError extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.headers = headers;
  }
}

/** 400, TF Serving's answer to INVALID_ARGUMENT. */
export const badRequest = (message: string) => new HttpError(400, message);
