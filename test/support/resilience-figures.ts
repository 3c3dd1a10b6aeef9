/**
 * The suite's figures (requests fuzzed, faults injected, acknowledged writes lost, …): each test
 * adds what it did to `figures.jsonl` in the run's log folder; the run's teardown sums them.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export type Figures = Record<string, number>;

const file = (logDir: string): string => join(logDir, 'figures.jsonl');

export async function recordFigures(logDir: string, figures: Figures): Promise<void> {
  await appendFile(file(logDir), `${JSON.stringify(figures)}\n`);
}

/** Every figure recorded in the run, summed by name. */
export async function sumFigures(logDir: string): Promise<Figures> {
  const text = await readFile(file(logDir), 'utf8').catch(() => '');
  const sums: Figures = {};
  for (const line of text.split('\n').filter(Boolean)) {
    for (const [name, value] of Object.entries(JSON.parse(line) as Figures)) sums[name] = (sums[name] ?? 0) + value;
  }
  return sums;
}
