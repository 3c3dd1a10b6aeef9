import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { logLines, type LogSink } from './log-sink.ts';

export interface ModelProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the local model server as its own process and waits for the line that gives its URL. */
export function startModelProcess(options: {
  script: string;
  modelDir: string;
  modelName: string;
  /** Default 0: any free port. */
  port?: number;
  log: LogSink;
}): Promise<ModelProcess> {
  const child = spawn(process.execPath, [options.script], {
    env: {
      ...process.env,
      MODEL_DIR: options.modelDir,
      MODEL_NAME: options.modelName,
      MODEL_PORT: String(options.port ?? 0),
      // Its "model server listening" line is how this process learns the URL: never filtered out.
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  logLines(child.stderr, options.log, { component: 'model-server', stream: 'stderr' });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the model server did not start within 60 s'));
    }, 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the model server exited with code ${code} while starting`));
    });
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        entry = { level: 'info', msg: line };
      }
      options.log({ component: 'model-server', ...entry });
      if (typeof entry.url === 'string' && entry.msg === 'model server listening') {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve({
          url: entry.url,
          child,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
              child.once('exit', () => {
                clearTimeout(kill);
                done();
              });
              child.kill('SIGTERM');
            }),
        });
      }
    });
  });
}
