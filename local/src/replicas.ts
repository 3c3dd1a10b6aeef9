import { type ChildProcess, spawn } from 'node:child_process';
import { logLines, type LogSink } from './log-sink.ts';

export interface Replica {
  port: number;
  process: ChildProcess | undefined;
  ready: boolean;
}

export interface ReplicaOptions {
  name: string;
  count: number;
  hostScript: string;
  handlerPath: string;
  /** The template's body limit (MAX_RAW_SIZE or MAX_JSON_SIZE) in bytes. */
  maxBodyBytes: number;
  env: Record<string, string>;
  log: LogSink;
}

async function answersHealth(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/_/health`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * The processes of one function: `count` hosts, each restarted when it dies (as Kubernetes
 * would restart a crashed pod), picked round-robin among those that are ready.
 */
export class FunctionReplicas {
  readonly name: string;
  readonly maxBodyBytes: number;
  readonly replicas: Replica[] = [];
  private next = 0;
  private stopping = false;

  constructor(private readonly options: ReplicaOptions) {
    this.name = options.name;
    this.maxBodyBytes = options.maxBodyBytes;
  }

  async start(): Promise<void> {
    for (let i = 0; i < this.options.count; i++) {
      const replica: Replica = { port: 0, process: undefined, ready: false };
      this.replicas.push(replica);
    }
    await Promise.all(this.replicas.map((r) => this.launch(r)));
  }

  readyCount(): number {
    return this.replicas.filter((r) => r.ready).length;
  }

  /** The next ready replica, round-robin; undefined when none is ready. */
  pick(): Replica | undefined {
    for (let i = 0; i < this.replicas.length; i++) {
      const r = this.replicas[(this.next + i) % this.replicas.length]!;
      if (r.ready) {
        this.next = (this.next + i + 1) % this.replicas.length;
        return r;
      }
    }
    return undefined;
  }

  private launch(replica: Replica, attempt = 0): Promise<void> {
    const child = spawn(process.execPath, [this.options.hostScript], {
      env: {
        ...this.options.env,
        FUNCTION_NAME: this.name,
        HANDLER_PATH: this.options.handlerPath,
        // Each process takes a free port itself and reports it: ports picked here and bound
        // later could be taken meanwhile by another process, even another stack's.
        http_port: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    replica.process = child;
    replica.ready = false;
    let port = 0;
    child.on('message', (message: { type?: string; port?: number }) => {
      if (message.type === 'listening' && typeof message.port === 'number') port = message.port;
    });
    logLines(child.stdout!, this.options.log, { fn: this.name });
    logLines(child.stderr!, this.options.log, { fn: this.name, stream: 'stderr' });
    const started = Date.now();
    child.once('exit', (code, signal) => {
      replica.ready = false;
      replica.process = undefined;
      if (this.stopping) return;
      this.options.log({ level: 'warn', msg: 'function process exited; restarting', fn: this.name, code, signal });
      // Back off when it dies straight after starting (a crash loop), as Kubernetes does.
      const quick = Date.now() - started < 5000;
      const delay = quick ? Math.min(10_000, 250 * 2 ** attempt) : 0;
      setTimeout(() => {
        if (!this.stopping) void this.launch(replica, quick ? attempt + 1 : 0).catch(() => undefined);
      }, delay);
    });
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + 30_000;
      const poll = async () => {
        if (replica.process !== child) return reject(new Error(`${this.name} exited while starting`));
        if (port && (await answersHealth(port))) {
          replica.port = port;
          replica.ready = true;
          return resolve();
        }
        if (Date.now() > deadline) return reject(new Error(`${this.name} did not start within 30 s`));
        setTimeout(poll, 25);
      };
      void poll();
    });
  }

  /** SIGTERM to every process (they drain), SIGKILL to any still running after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.replicas.map(
        (r) =>
          new Promise<void>((resolve) => {
            const child = r.process;
            r.ready = false;
            if (!child || child.exitCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
            child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  }
}
