/**
 * Preloaded (NODE_OPTIONS=--import) into each function process when BENCH_CPU_PROF is set, since
 * Node 20 refuses --cpu-prof in NODE_OPTIONS: profiles the whole process with the inspector and
 * writes a .cpuprofile into BENCH_CPU_PROF_DIR when it exits.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_CPU_PROF_DIR ?? '.';
const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.start');
process.on('exit', () => {
  // On the main thread the session answers synchronously, so this runs to the end before exit.
  session.post('Profiler.stop', (err, result) => {
    if (err) return;
    mkdirSync(dir, { recursive: true });
    const name = `${process.env.FUNCTION_NAME ?? 'node'}-${process.pid}.cpuprofile`;
    writeFileSync(join(dir, name), JSON.stringify(result.profile));
  });
});
