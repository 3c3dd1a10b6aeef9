import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../test/support/paths.ts';
import { percentiles } from './figures.ts';

/** One request the load generator sends; several are sent in turn (e.g. one per user). */
export interface RequestVariant {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** One stretch of load against one server: for a time, or for a number of requests. */
export interface LoadRun {
  /** Origin of the server, e.g. http://127.0.0.1:8080. */
  url: string;
  durationSeconds?: number;
  amount?: number;
}

export interface LoadSpec {
  /** autocannon for throughput; closed-loop (one request after another per connection) for latency alone. */
  tool: 'autocannon' | 'closed-loop';
  connections: number;
  variants: RequestVariant[];
  /** Run one after the other by the same load generator process. */
  runs: LoadRun[];
}

/** What one run measured: every answer's latency, kept whole so runs can be merged exactly. */
export interface RunResult {
  url: string;
  seconds: number;
  /** Answers in each full second of the run. */
  perSecond: number[];
  latenciesMs: number[];
  /** Connection errors and timeouts. */
  errors: number;
  statusCodes: Record<string, number>;
}

export interface LoadSummary {
  /** Median of the answers per second over every full second of the runs. */
  requestsPerSecond: number;
  latencyMs: { median: number; p99: number };
  total: number;
  errors: number;
  statusCodes: Record<string, number>;
}

const WORKER = join(repoRoot, 'bench', 'support', 'load-worker.ts');

/** Runs the load generator in its own process, so its CPU is not taken from the server measured. */
export function runLoad(spec: LoadSpec): Promise<RunResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited with ${code}: ${err.trim().slice(0, 2000)}`));
      try {
        resolve(JSON.parse(out) as RunResult[]);
      } catch {
        reject(new Error(`load generator printed no result: ${out.slice(0, 500)} ${err.slice(0, 500)}`));
      }
    });
    child.stdin.end(JSON.stringify(spec));
  });
}

/** The runs against one server taken together. */
export function summarize(runs: RunResult[]): LoadSummary {
  const statusCodes: Record<string, number> = {};
  for (const r of runs) for (const [code, n] of Object.entries(r.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  const latencies = runs.flatMap((r) => r.latenciesMs);
  const perSecond = runs.flatMap((r) => r.perSecond);
  const seconds = runs.reduce((s, r) => s + r.seconds, 0);
  const latency = latencies.length > 0 ? percentiles(latencies) : { median: Number.NaN, p99: Number.NaN };
  return {
    requestsPerSecond: perSecond.length > 0 ? percentiles(perSecond).median : latencies.length / seconds,
    latencyMs: latency,
    total: latencies.length,
    errors: runs.reduce((s, r) => s + r.errors, 0),
    statusCodes,
  };
}

/** What went wrong, for the table: connection errors and answers other than `expected`. */
export function loadWarning(summary: LoadSummary, expected: number): string | undefined {
  const wrong = Object.entries(summary.statusCodes)
    .filter(([code]) => Number(code) !== expected)
    .map(([code, n]) => `${n}× ${code}`);
  if (summary.errors > 0) wrong.push(`${summary.errors} errors`);
  return wrong.length > 0 ? wrong.join(', ') : undefined;
}
