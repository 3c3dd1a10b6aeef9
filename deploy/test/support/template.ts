import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const harness = join(dirname(fileURLToPath(import.meta.url)), 'node18-template.cjs');

/** One request as the gateway forwards it: `path` is what follows /function/<name>. */
export interface TemplateRequest {
  method: string;
  path?: string;
  query?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  timeoutMs?: number;
}

export interface TemplateResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** How many times the function called succeed()/fail(): the template answers on the first. */
  callbacks: number;
  /** res.send() calls: more than one is "headers already sent" in Express. */
  sends?: number;
  rejectedByTemplate?: string;
  hang?: boolean;
  timedOut?: boolean;
  error?: string;
}

export type TemplateRun =
  | { loaded: true; results: TemplateResponse[]; stderr: string; ms: number }
  | { loaded: false; error: string; stderr: string; ms: number };

/**
 * Loads `dir`/handler.js in a fresh Node process the way the node18 template does, sends the
 * requests one after another, and returns what the template would have answered.
 */
export async function runTemplate(
  dir: string,
  requests: TemplateRequest[],
  env: Record<string, string>,
  timeoutMs = 90_000,
): Promise<TemplateRun> {
  const work = mkdtempSync(join(tmpdir(), 'node18-run-'));
  try {
    const requestsFile = join(work, 'requests.json');
    const resultsFile = join(work, 'results.json');
    writeFileSync(
      requestsFile,
      JSON.stringify(
        requests.map((r) => ({
          ...r,
          body: r.body === undefined ? undefined : Buffer.from(r.body).toString('base64'),
        })),
      ),
    );
    const started = Date.now();
    const child = spawn(process.execPath, [harness, dir, requestsFile, resultsFile], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < 20_000) stderr += chunk.toString('utf8');
    });
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    const ms = Date.now() - started;
    let raw: string;
    try {
      raw = readFileSync(resultsFile, 'utf8');
    } catch {
      return { loaded: false, error: `the function process exited with ${code} before answering`, stderr, ms };
    }
    const parsed = JSON.parse(raw) as
      | { loaded: true; results: (Omit<TemplateResponse, 'body'> & { body: string })[] }
      | { loaded: false; error: string };
    if (!parsed.loaded) return { loaded: false, error: parsed.error, stderr, ms };
    return {
      loaded: true,
      results: parsed.results.map((r) => ({ ...r, body: Buffer.from(r.body, 'base64') })),
      stderr,
      ms,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
