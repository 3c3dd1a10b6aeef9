/**
 * Vitest global setup of the resilience project: one log folder per run, which every stack the
 * suite starts writes to, and a last check over all of it once every file has run: no secret,
 * password or token in any log line.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { describeLeaks, findLeaksInLogDir } from './log-leaks.ts';
import { repoRoot } from './paths.ts';
import { sumFigures } from './resilience-figures.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    resilienceLogDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(2).toString('hex')}`;
  const logDir = join(repoRoot, 'test-artifacts', 'logs', `resilience-${runId}`);
  await mkdir(logDir, { recursive: true });
  project.provide('resilienceLogDir', logDir);
  return async () => {
    const { files, lines, leaks } = await findLeaksInLogDir(logDir);
    if (leaks.length > 0) {
      // Vitest only prints an error thrown here: the exit code is what makes the run fail.
      process.exitCode = 1;
      throw new Error(`${leaks.length} log line(s) in ${logDir} hold a secret, password or token:\n${describeLeaks(leaks)}`);
    }
    console.log(`resilience: ${lines} log lines in ${files} files under ${logDir}: no secret, password or token`);
    console.log(`resilience figures: ${JSON.stringify(await sumFigures(logDir))}`);
  };
}
