import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { functionHostScript } from '../../../test/support/paths.ts';

/**
 * The node18 template emulation the local stack runs every function under (local/src/function-host.ts,
 * after openfaas/templates template/node18/index.js: Express + body-parser behind the watchdog),
 * as `pnpm build` leaves it.
 */

/** One request as the gateway forwards it: `path` is what follows /function/<name>. */
export interface FunctionRequest {
  method: string;
  path?: string;
  query?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  timeoutMs?: number;
}

export interface FunctionResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  ms: number;
  /** No answer within the request's time limit. */
  timedOut?: boolean;
  /** The request failed without an answer (connection reset, ...). */
  error?: string;
  /**
   * Lines of the host's output during the call that show a second answer to one request:
   * Express's "Cannot set headers after they are sent" (ERR_HTTP_HEADERS_SENT).
   */
  secondAnswers: string[];
  /** Whether the host process still ran just after the answer. */
  hostAlive: boolean;
}

export type HostStart =
  | { started: true; host: FunctionHost; ms: number }
  | { started: false; code: number | null; signal: NodeJS.Signals | null; output: string; ms: number };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** One running `node local/dist/function-host.js` with a function's handler.js. */
export class FunctionHost {
  constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly log: { text: string },
  ) {}

  /** Everything the host (and the function) wrote to stdout and stderr so far. */
  get output(): string {
    return this.log.text;
  }

  async call(req: FunctionRequest): Promise<FunctionResponse> {
    const url = `http://127.0.0.1:${this.port}${req.path ?? '/'}${req.query ? `?${req.query}` : ''}`;
    const before = this.log.text.length;
    const started = Date.now();
    let result: Omit<FunctionResponse, 'secondAnswers' | 'hostAlive'>;
    try {
      const res = await fetch(url, {
        method: req.method,
        headers: req.headers,
        body: req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : new Uint8Array(req.body),
        signal: AbortSignal.timeout(req.timeoutMs ?? 15_000),
      });
      const body = Buffer.from(await res.arrayBuffer());
      result = { status: res.status, headers: Object.fromEntries(res.headers), body, ms: Date.now() - started };
    } catch (err) {
      const e = err as Error;
      result = {
        status: 0,
        headers: {},
        body: Buffer.alloc(0),
        ms: Date.now() - started,
        ...(e.name === 'TimeoutError' ? { timedOut: true } : { error: `${e.name}: ${e.message}${e.cause ? ` (${String(e.cause)})` : ''}` }),
      };
    }
    // Give a second callback or send a moment to show up, as it would in the container.
    await sleep(50);
    const secondAnswers = this.log.text
      .slice(before)
      .split('\n')
      .filter((l) => /ERR_HTTP_HEADERS_SENT|Cannot set headers after they are sent/.test(l));
    return { ...result, secondAnswers, hostAlive: !exited(this.child) };
  }

  /** SIGTERM (the host drains and exits), then SIGKILL if it is still there after 5 s. */
  async stop(): Promise<void> {
    if (exited(this.child)) return;
    const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(timer);
  }
}

/**
 * Starts `node local/dist/function-host.js` for the handler.js in `dir`, on a free loopback port,
 * with `env` (and PATH) as the function's whole environment, and waits until `GET /_/health`
 * answers 200. When the process exits first (require() of handler.js threw), returns its exit
 * and output instead.
 */
export async function startFunctionHost(options: {
  dir: string;
  name: string;
  env: Record<string, string>;
  startTimeoutMs?: number;
}): Promise<HostStart> {
  if (!existsSync(functionHostScript)) throw new Error(`${functionHostScript} is missing: run "pnpm build"`);
  const started = Date.now();
  {
    const log = { text: '' };
    const child = spawn(process.execPath, [functionHostScript], {
      cwd: options.dir,
      env: {
        PATH: process.env.PATH ?? '',
        ...options.env,
        HANDLER_PATH: join(options.dir, 'handler.js'),
        // The host binds a free port itself and reports it over IPC, so no other process can
        // take the port between picking and listening.
        http_port: '0',
        FUNCTION_NAME: options.name,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let port = 0;
    child.on('message', (m: { type?: string; port?: number }) => {
      if (m.type === 'listening' && typeof m.port === 'number') port = m.port;
    });
    const collect = (chunk: Buffer) => {
      if (log.text.length < 200_000) log.text += chunk.toString('utf8');
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    // 'close': the process has exited and its output is all read.
    const exit = new Promise<void>((r) => child.once('close', () => r()));

    const deadline = started + (options.startTimeoutMs ?? 60_000);
    while (!exited(child) && Date.now() < deadline) {
      if (!port) {
        await sleep(20);
        continue;
      }
      try {
        const res = await fetch(`http://127.0.0.1:${port}/_/health`, { signal: AbortSignal.timeout(1000) });
        if (res.status === 200 && (await res.text()) === 'OK') return { started: true, host: new FunctionHost(child, port, log), ms: Date.now() - started };
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    if (!exited(child)) {
      child.kill('SIGKILL');
      await exit;
      return { started: false, code: null, signal: null, output: `${log.text}\n(no 200 from /_/health within the time limit)`, ms: Date.now() - started };
    }
    await exit;
    return { started: false, code: child.exitCode, signal: child.signalCode, output: log.text, ms: Date.now() - started };
  }
}
