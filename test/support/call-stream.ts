/**
 * A steady stream of API calls from a few workers, each answer recorded with its timing, while a
 * test breaks something underneath. A call that gets no answer within `callTimeoutMs` is recorded
 * with status 0: a hang is a finding, never a stuck test.
 */
import { waitUntil } from './wait-until.ts';

export interface StreamedCall {
  /** The call's number in the stream (0, 1, 2 …). */
  n: number;
  startedAt: number;
  endedAt: number;
  /** 0 when there was no HTTP answer (see `error`). */
  status: number;
  headers: Headers | undefined;
  body: unknown;
  error?: string;
}

export interface StreamRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface CallStreamOptions {
  workers: number;
  /** How long one call may take before it is recorded as hung. */
  callTimeoutMs: number;
  /** Pause after an error answer, so an outage does not turn into a busy loop. */
  pauseAfterErrorMs?: number;
}

export class CallStream {
  readonly calls: StreamedCall[] = [];
  private running = true;
  private next = 0;
  private readonly done: Promise<void[]>;

  constructor(
    private readonly request: (n: number) => StreamRequest,
    private readonly options: CallStreamOptions,
  ) {
    this.done = Promise.all(Array.from({ length: options.workers }, () => this.work()));
  }

  private async work(): Promise<void> {
    while (this.running) {
      const n = this.next++;
      const req = this.request(n);
      const startedAt = Date.now();
      let call: StreamedCall;
      try {
        const res = await fetch(req.url, {
          method: req.method,
          headers: req.headers,
          body: req.body,
          signal: AbortSignal.timeout(this.options.callTimeoutMs),
        });
        const text = await res.text();
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: kept as text
        }
        call = { n, startedAt, endedAt: Date.now(), status: res.status, headers: res.headers, body };
      } catch (err) {
        call = { n, startedAt, endedAt: Date.now(), status: 0, headers: undefined, body: undefined, error: String(err) };
      }
      this.calls.push(call);
      if (call.status === 0 || call.status >= 400) await new Promise((r) => setTimeout(r, this.options.pauseAfterErrorMs ?? 50));
    }
  }

  /** Resolves once `condition` holds for the calls so far; throws after `timeoutMs`. */
  async waitFor(what: string, condition: (calls: readonly StreamedCall[]) => boolean, timeoutMs: number): Promise<void> {
    await waitUntil(`timed out after ${timeoutMs} ms waiting for ${what}`, () => condition(this.calls), timeoutMs, 20);
  }

  /** Stops sending and waits for the calls in flight to end. */
  async stop(): Promise<readonly StreamedCall[]> {
    this.running = false;
    await this.done;
    return this.calls;
  }
}
