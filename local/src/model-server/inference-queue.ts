/**
 * Runs inference jobs one at a time. The session already uses every core for one run, so running
 * requests side by side only adds memory; a bounded queue keeps that memory bounded too.
 */
import { HttpError } from './http-error.ts';

export class InferenceQueue {
  readonly #maxWaiting: number;
  #tail: Promise<void> = Promise.resolve();
  #queued = 0;

  constructor(maxWaiting: number) {
    this.#maxWaiting = maxWaiting;
  }

  /** Runs `job` after every job queued before it; refuses with 503 when too many are waiting. */
  run<T>(job: () => Promise<T>): Promise<T> {
    if (this.#queued > this.#maxWaiting) {
      // TF Serving answers a full batching queue with UNAVAILABLE, i.e. 503.
      return Promise.reject(new HttpError(503, 'The inference queue is full; retry later'));
    }
    this.#queued++;
    const result = this.#tail.then(job);
    this.#tail = result.then(
      () => {
        this.#queued--;
      },
      () => {
        this.#queued--;
      },
    );
    return result;
  }

  /** Resolves once every job queued so far has finished. */
  async idle(): Promise<void> {
    let tail: Promise<void>;
    do {
      tail = this.#tail;
      await tail;
    } while (tail !== this.#tail);
  }
}
