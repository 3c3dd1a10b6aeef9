/**
 * The load generator, run as its own process (see load.ts). Reads a LoadSpec as JSON on stdin,
 * does its runs one after the other and prints a RunResult per run as one JSON array.
 */
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';
import type { LoadRun, LoadSpec, RequestVariant, RunResult } from './load.ts';

/** Answers, latencies and answers per whole second, from the moment the run starts. */
class Recorder {
  readonly latenciesMs: number[] = [];
  readonly statusCodes: Record<string, number> = {};
  private readonly buckets: number[] = [];
  private readonly started = performance.now();
  errors = 0;

  answer(status: number, ms: number): void {
    this.latenciesMs.push(Math.round(ms * 1000) / 1000);
    this.statusCodes[status] = (this.statusCodes[status] ?? 0) + 1;
    const second = Math.floor((performance.now() - this.started) / 1000);
    this.buckets[second] = (this.buckets[second] ?? 0) + 1;
  }

  result(url: string): RunResult {
    const seconds = (performance.now() - this.started) / 1000;
    // Whole seconds only: the last one is cut short by the end of the run.
    const perSecond = Array.from({ length: Math.floor(seconds) }, (_, i) => this.buckets[i] ?? 0);
    return { url, seconds, perSecond, latenciesMs: this.latenciesMs, errors: this.errors, statusCodes: this.statusCodes };
  }
}

async function withAutocannon(spec: LoadSpec, run: LoadRun): Promise<RunResult> {
  const recorder = new Recorder();
  const instance = autocannon({
    url: run.url,
    connections: spec.connections,
    ...(run.amount ? { amount: run.amount } : { duration: run.durationSeconds ?? 10 }),
    timeout: 30,
    requests: spec.variants.map((v) => ({ method: v.method, path: v.path, headers: v.headers, ...(v.body ? { body: v.body } : {}) })),
  });
  instance.on('response', (_client, status, _bytes, ms) => recorder.answer(status, ms));
  const result = await instance;
  recorder.errors = result.errors + result.timeouts;
  return recorder.result(run.url);
}

function timedRequest(agent: Agent, target: URL, v: RequestVariant): Promise<{ ms: number; status: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request({ agent, host: target.hostname, port: target.port, method: v.method, path: v.path, headers: v.headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(v.body);
  });
}

/** `connections` loops, each sending its next request when the last one is answered. */
async function withClosedLoop(spec: LoadSpec, run: LoadRun): Promise<RunResult> {
  const target = new URL(run.url);
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const amount = run.amount ?? 1000;
  const recorder = new Recorder();
  let next = 0;
  const loop = async () => {
    while (next < amount) {
      const v = spec.variants[next++ % spec.variants.length]!;
      try {
        const { ms, status } = await timedRequest(agent, target, v);
        recorder.answer(status, ms);
      } catch {
        recorder.errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.connections }, loop));
  agent.destroy();
  return recorder.result(run.url);
}

let input = '';
for await (const chunk of process.stdin) input += String(chunk);
const spec = JSON.parse(input) as LoadSpec;
const results: RunResult[] = [];
for (const run of spec.runs) results.push(spec.tool === 'closed-loop' ? await withClosedLoop(spec, run) : await withAutocannon(spec, run));
process.stdout.write(JSON.stringify(results));
