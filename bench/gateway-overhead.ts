/**
 * Benchmarks 1 and 2 of issue 6: list-tasks and create-task through the gateway (gateway →
 * function host → handler, one process per replica) against the same handler code in one plain
 * `node:http` process (bench/baseline-server.ts), at 16, 64 and 256 connections, 10 s each after
 * a warm-up. Each server's 10 s are two 5 s runs in the order gateway, baseline, baseline,
 * gateway, so that load from anything else on the machine, if it drifts, falls on both alike.
 */
import { closeSync, openSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../test/support/paths.ts';
import { stopProcess } from '../test/support/stop-process.ts';
import type { BenchStack } from './support/bench-stack.ts';
import { progress, resultsDir } from './support/bench-stack.ts';
import type { Figure } from './support/figures.ts';
import { ratioOf } from './support/figures.ts';
import type { Fixture } from './support/fixture.ts';
import { type LoadSummary, type RequestVariant, loadWarning, runLoad, summarize } from './support/load.ts';
import { spawnUntilReady } from './support/processes.ts';

const CONNECTIONS = [16, 64, 256];
/** The level the issue sets targets at. */
const TARGET_CONNECTIONS = 64;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP_SECONDS = Math.max(1, Math.round(SECONDS / 3));
const SLICE_SECONDS = SECONDS / 2;

interface Endpoint {
  group: string;
  name: string;
  expectedStatus: number;
  variants(fixture: Fixture): RequestVariant[];
  /** Extra targets beyond requests/s ≥ 0.7 × baseline. */
  latencyTargetMs?: number;
}

const ENDPOINTS: Endpoint[] = [
  {
    group: '1 list-tasks',
    name: 'list-tasks',
    expectedStatus: 200,
    latencyTargetMs: 50,
    variants: (f) =>
      f.probes.map((p) => ({ method: 'GET', path: '/function/list-tasks?limit=20', headers: { authorization: `Bearer ${p.token}` } })),
  },
  {
    group: '2 create-task',
    name: 'create-task',
    expectedStatus: 201,
    variants: (f) =>
      f.probes.map((p) => ({
        method: 'POST',
        path: '/function/create-task',
        headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Written by pnpm bench', body: 'A task for the benchmark.', dueDate: '2030-01-31' }),
      })),
  },
];

/**
 * The baseline in its own process. Its log lines go straight to a file, as a single server's
 * would; the functions' go through the stack, which collects them as the watchdog does.
 */
async function startBaseline(b: BenchStack): Promise<{ url: string; stop: () => Promise<void> }> {
  const logFd = openSync(join(resultsDir, 'baseline.log'), 'w');
  try {
    const { child, entry } = await spawnUntilReady(['--import', 'tsx', join(repoRoot, 'bench', 'baseline-server.ts')], {
      cwd: repoRoot,
      // The same settings, secrets and database as the function processes.
      env: { ...b.stack.functionEnv, BASELINE_PORT: '0' },
      log: b.log,
      stdoutFd: logFd,
      isReady: (e) => e.msg === 'baseline listening',
    });
    return { url: `http://127.0.0.1:${entry.port as number}`, stop: () => stopProcess(child) };
  } finally {
    // The child has its own copy of the descriptor.
    closeSync(logFd);
  }
}

function figures(endpoint: Endpoint, connections: number, gateway: LoadSummary, baseline: LoadSummary): Figure[] {
  // Anything else running on the machine shows here; the ratios are only as steady as this is.
  const details = { loadAverage1m: loadavg()[0]!, gatewayAnswers: gateway.total, baselineAnswers: baseline.total };
  const atTarget = connections === TARGET_CONNECTIONS;
  const warning = [loadWarning(gateway, endpoint.expectedStatus), loadWarning(baseline, endpoint.expectedStatus)]
    .map((w, i) => (w ? `${i === 0 ? 'gateway' : 'baseline'}: ${w}` : undefined))
    .filter(Boolean)
    .join('; ');
  const throughputRatio = ratioOf(gateway.requestsPerSecond, baseline.requestsPerSecond);
  const rows: Figure[] = [
    {
      group: endpoint.group,
      name: `gateway @${connections} conn, throughput`,
      unit: 'req/s',
      median: gateway.requestsPerSecond,
      baseline: { name: 'one process', median: baseline.requestsPerSecond },
      ratio: throughputRatio,
      ...(atTarget ? { target: { text: '≥ 0.70× baseline', met: (throughputRatio ?? 0) >= 0.7 && !warning } } : {}),
      ...(warning ? { warning } : {}),
      details,
    },
    {
      group: endpoint.group,
      name: `gateway @${connections} conn, latency`,
      unit: 'ms',
      median: gateway.latencyMs.median,
      p99: gateway.latencyMs.p99,
      baseline: { name: 'one process', median: baseline.latencyMs.median, p99: baseline.latencyMs.p99 },
      ratio: ratioOf(gateway.latencyMs.median, baseline.latencyMs.median),
      ...(atTarget && endpoint.latencyTargetMs !== undefined
        ? { target: { text: `p99 ≤ ${endpoint.latencyTargetMs} ms`, met: gateway.latencyMs.p99 <= endpoint.latencyTargetMs && !warning } }
        : {}),
    },
  ];
  return rows;
}

/** Runs benchmarks 1 and 2; leaves the tasks create-task added for the caller to remove. */
export async function gatewayOverhead(b: BenchStack, fixture: Fixture): Promise<Figure[]> {
  const baseline = await startBaseline(b);
  const out: Figure[] = [];
  try {
    for (const endpoint of ENDPOINTS) {
      const variants = endpoint.variants(fixture);
      progress(`${endpoint.name}: warm-up, ${WARMUP_SECONDS} s on each server`);
      await runLoad({
        tool: 'autocannon',
        connections: TARGET_CONNECTIONS,
        variants,
        runs: [b.stack.url, baseline.url].map((url) => ({ url, durationSeconds: WARMUP_SECONDS })),
      });
      for (const connections of CONNECTIONS) {
        progress(`${endpoint.name}: ${connections} connections, ${SECONDS} s on each server`);
        const order = [b.stack.url, baseline.url, baseline.url, b.stack.url];
        const runs = await runLoad({
          tool: 'autocannon',
          connections,
          variants,
          runs: order.map((url) => ({ url, durationSeconds: SLICE_SECONDS })),
        });
        const of = (url: string) => summarize(runs.filter((r) => r.url === url));
        out.push(...figures(endpoint, connections, of(b.stack.url), of(baseline.url)));
      }
    }
  } finally {
    await baseline.stop();
  }
  return out;
}
