import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';

export interface Started {
  child: ChildProcess;
  /** The JSON line that said the process is ready. */
  entry: Record<string, unknown>;
}

export interface SpawnOptions {
  env: Record<string, string>;
  cwd?: string;
  /** Where the process's output goes, line by line through this process. */
  log: Writable;
  /** The JSON line that says it is ready. */
  isReady: (entry: Record<string, unknown>) => boolean;
  /**
   * A file descriptor for stdout, written by the child directly with no relay through this
   * process; the ready line is then looked for on stderr.
   */
  stdoutFd?: number;
  timeoutMs?: number;
}

/** Spawns a Node process and resolves once it prints a JSON line that `isReady` accepts. */
export function spawnUntilReady(args: string[], options: SpawnOptions): Promise<Started> {
  const child = spawn(process.execPath, args, {
    env: options.env,
    cwd: options.cwd,
    stdio: ['ignore', options.stdoutFd ?? 'pipe', 'pipe'],
  });
  const watched = options.stdoutFd === undefined ? child.stdout! : child.stderr!;
  if (options.stdoutFd === undefined) child.stderr!.pipe(options.log, { end: false });
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} was not ready within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`${args.join(' ')} exited with ${code} before it was ready`));
    });
    createInterface({ input: watched, crlfDelay: Infinity }).on('line', (line) => {
      options.log.write(`${line}\n`);
      if (ready || !line.startsWith('{')) return;
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (!options.isReady(entry)) return;
      ready = true;
      clearTimeout(timer);
      resolve({ child, entry });
    });
  });
}

/** Resident memory of a process in MB (1,048,576 bytes). */
export function residentMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    if (kb) return Number(kb) / 1024;
  } catch {
    // not Linux: ask ps
  }
  return Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' }).trim()) / 1024;
}
