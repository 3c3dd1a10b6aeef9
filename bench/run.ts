/**
 * `pnpm bench`: every benchmark of issue 6 against one local stack on a database of its own,
 * one table on stdout (progress on stderr), the same figures in bench/results/latest.json.
 * `pnpm bench <name>…` runs only the named ones. Settings: BENCH_MYSQL_URL (server, no database
 * name), MODEL_DIR (default ../shared/models), BENCH_SECONDS (per load level, default 10),
 * BENCH_CPU_PROF=1 (a CPU profile of every function process in bench/results/profiles).
 */
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { coldStart } from './cold-start.ts';
import { dataGrowth } from './data-growth.ts';
import { gatewayOverhead } from './gateway-overhead.ts';
import { predictImage } from './predict-image.ts';
import { type BenchStack, progress, resultsDir, startBenchStack } from './support/bench-stack.ts';
import { type Figure, formatTable } from './support/figures.ts';
import { type Fixture, loadFixture, resetData } from './support/fixture.ts';

interface Benchmark {
  name: string;
  run(b: BenchStack, fixture: Fixture, details: Record<string, unknown>): Promise<Figure[]>;
}

/** In the order they run; growth is last, as it leaves a million rows behind. */
const BENCHMARKS: Benchmark[] = [
  { name: 'gateway', run: gatewayOverhead },
  { name: 'cold-start', run: coldStart },
  {
    name: 'predict-image',
    // Numbered like the others' groups: it is item 4 of the issue.
    run: async (b, fixture) => (await predictImage(b, fixture)).map((f) => ({ ...f, group: `4 ${f.group}` })),
  },
  {
    name: 'growth',
    async run(b, fixture, details) {
      const growth = await dataGrowth(b, fixture);
      details.explain = growth.explain;
      return growth.figures;
    },
  },
];
/** The table follows the issue: 1 and 2 (gateway), 3 (growth), 4 (predict-image), 5 (cold start). */
const TABLE_ORDER = ['gateway', 'growth', 'predict-image', 'cold-start'];

const asked = process.argv.slice(2).filter((a) => a !== '--');
const unknown = asked.filter((a) => !BENCHMARKS.some((bm) => bm.name === a));
if (unknown.length > 0) {
  process.stderr.write(`unknown benchmark ${unknown.join(', ')}; choose from ${BENCHMARKS.map((bm) => bm.name).join(', ')}\n`);
  process.exit(2);
}
const selected = BENCHMARKS.filter((bm) => asked.length === 0 || asked.includes(bm.name));

const startedAt = new Date();
const started = performance.now();
const loadBefore = loadavg();
const results = new Map<string, Figure[]>();
const details: Record<string, unknown> = {};

progress('starting the local stack on a database of its own');
const bench = await startBenchStack();
process.once('SIGINT', () => {
  progress('interrupted: stopping the stack and dropping its database');
  void bench.stop().finally(() => process.exit(130));
});
let databaseVersion = '';
try {
  const [[version]] = await bench.db.query<RowDataPacket[]>('SELECT VERSION() AS v');
  databaseVersion = String(version?.v);
  progress('loading 1,000 users and 1,000 tasks');
  const fixture = await loadFixture(bench);
  for (const benchmark of selected) {
    results.set(benchmark.name, await benchmark.run(bench, fixture, details));
    await resetData(bench, fixture);
  }
} finally {
  progress('stopping the stack and dropping its database');
  await bench.stop();
}

const figures = TABLE_ORDER.flatMap((name) => results.get(name) ?? []);
const seconds = (performance.now() - started) / 1000;
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  database: databaseVersion,
  loadAverageBefore: loadBefore,
  loadAverageAfter: loadavg(),
};
const targets = figures.filter((f) => f.target);
const met = targets.filter((f) => f.target!.met).length;

process.stdout.write(`${formatTable(figures)}\n\n`);
process.stdout.write(
  `${met} of ${targets.length} targets met · ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}, ` +
    `${machine.database} · load average ${loadBefore[0]!.toFixed(2)} before, ${machine.loadAverageAfter[0]!.toFixed(2)} after · ${seconds.toFixed(0)} s\n`,
);
const file = join(resultsDir, 'latest.json');
await writeFile(file, `${JSON.stringify({ startedAt, seconds, machine, figures, ...details }, null, 2)}\n`);
process.stderr.write(`[bench] figures written to ${file}\n`);
