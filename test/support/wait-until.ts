/**
 * Polls `check` every `everyMs` until it gives something other than false or undefined, and
 * resolves with that. Past `timeoutMs` it throws an Error with the text `what` gives (a function
 * is called then, so the text can say what was last seen). An error `check` throws ends the wait.
 */
export async function waitUntil<T>(
  what: string | (() => string),
  check: () => T | false | undefined | Promise<T | false | undefined>,
  timeoutMs: number,
  everyMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result !== false && result !== undefined) return result;
    if (Date.now() > deadline) throw new Error(typeof what === 'string' ? what : what());
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
