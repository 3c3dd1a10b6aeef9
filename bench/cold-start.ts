/**
 * Benchmark 5 of issue 6: for each function, the time from spawning its process (the function
 * host with the built handler, as the local stack runs it) to the first successful answer to a
 * real request, and the process's resident memory once it is idle after that answer. Baseline:
 * a bare `node:http` server that answers "ok", measured the same way: what Node itself costs.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTIONS, type FunctionName } from '@todo/shared/contract';
import { functionHostScript as hostScript } from '../test/support/paths.ts';
import { freePort } from '../local/src/free-port.ts';
import { readStackFile } from '../local/src/stack-file.ts';
import { readTestImage } from '../test/support/images.ts';
import { repoRoot } from '../test/support/paths.ts';
import { stopProcess } from '../test/support/stop-process.ts';
import type { BenchStack } from './support/bench-stack.ts';
import { progress } from './support/bench-stack.ts';
import type { Figure } from './support/figures.ts';
import { percentiles, ratioOf } from './support/figures.ts';
import { type Fixture, createTask } from './support/fixture.ts';
import { residentMb, spawnUntilReady } from './support/processes.ts';

const TRIALS = 7;
/** How long a process sits idle after its first answer before its memory is read. */
const IDLE_MS = 1000;
/** The targets: predict-image loads sharp and holds images, so it gets more. */
const targetMs = (name: FunctionName): number => (name === 'predict-image' ? 800 : 300);
const targetMb = (name: FunctionName): number => (name === 'predict-image' ? 160 : 90);

interface FirstRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  expectedStatus: number;
}

interface Trial {
  /** Spawn → first successful answer. */
  ms: number;
  /** Spawn → listening (the rest is the first request: connections, first query…). */
  listeningMs: number;
  mb: number;
}

/** The request each function must answer successfully, made ready (task created…) before the spawn. */
async function firstRequest(name: FunctionName | 'baseline', b: BenchStack, fixture: Fixture, photo: Buffer): Promise<FirstRequest> {
  const probe = fixture.probes[0]!;
  const auth = { authorization: `Bearer ${probe.token}` };
  const jsonBody = { 'content-type': 'application/json' };
  switch (name) {
    case 'baseline':
      return { method: 'GET', path: '/', headers: {}, expectedStatus: 200 };
    case 'signup':
      return {
        method: 'POST',
        path: '/',
        headers: jsonBody,
        body: JSON.stringify({ username: `cold-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`, password: 'bench-password' }),
        expectedStatus: 201,
      };
    case 'login':
      return { method: 'POST', path: '/', headers: jsonBody, body: JSON.stringify({ username: probe.username, password: 'bench-password' }), expectedStatus: 200 };
    case 'create-task':
      return {
        method: 'POST',
        path: '/',
        headers: { ...auth, ...jsonBody },
        body: JSON.stringify({ title: 'Cold start', body: '', dueDate: '2030-01-31' }),
        expectedStatus: 201,
      };
    case 'list-tasks':
      return { method: 'GET', path: '/?limit=20', headers: auth, expectedStatus: 200 };
    case 'delete-task':
      return { method: 'DELETE', path: `/${await createTask(b, probe.token, 'Cold start')}`, headers: auth, expectedStatus: 204 };
    case 'predict-image':
      return { method: 'PUT', path: `/${await createTask(b, probe.token, 'Cold start')}`, headers: { ...auth, 'content-type': 'image/jpeg' }, body: photo, expectedStatus: 200 };
  }
}

const BARE_SERVER = `require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.env.http_port), '127.0.0.1', () => console.log(JSON.stringify({ msg: 'function listening' })));`;

async function trial(b: BenchStack, args: string[], env: Record<string, string>, request: FirstRequest): Promise<Trial> {
  const port = await freePort();
  const started = performance.now();
  const { child } = await spawnUntilReady(args, {
    env: { ...env, http_port: String(port) },
    log: b.log,
    isReady: (e) => e.msg === 'function listening',
  });
  const listeningMs = performance.now() - started;
  try {
    const res = await fetch(`http://127.0.0.1:${port}${request.path}`, {
      method: request.method,
      headers: request.headers,
      ...(request.body ? { body: request.body } : {}),
    });
    await res.arrayBuffer();
    const ms = performance.now() - started;
    if (res.status !== request.expectedStatus) throw new Error(`${args.at(-1)}: first answer ${res.status}, expected ${request.expectedStatus}`);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    return { ms, listeningMs, mb: residentMb(child.pid!) };
  } finally {
    await stopProcess(child);
  }
}

/** Files a spawn needs; `pnpm build` deletes and rewrites them, so a run may meet them missing. */
async function whenPresent(files: string[]): Promise<void> {
  for (let waited = 0; files.some((f) => !existsSync(f)); waited += 250) {
    if (waited > 60_000) throw new Error(`${files.filter((f) => !existsSync(f)).join(', ')} missing: run "pnpm build"`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function trials(b: BenchStack, fixture: Fixture, photo: Buffer, name: FunctionName | 'baseline', args: string[], env: Record<string, string>): Promise<Trial[]> {
  const files = [...args.filter((a) => a.endsWith('.js')), ...(env.HANDLER_PATH ? [env.HANDLER_PATH] : [])];
  const out: Trial[] = [];
  for (let i = 0; i < TRIALS; i++) {
    const request = await firstRequest(name, b, fixture, photo);
    await whenPresent(files);
    try {
      out.push(await trial(b, args, env, request));
    } catch (err) {
      // Only a rebuild that removed the files in the meantime is worth a second try.
      if (files.every((f) => existsSync(f))) throw err;
      await whenPresent(files);
      out.push(await trial(b, args, env, request));
    }
  }
  return out;
}

export async function coldStart(b: BenchStack, fixture: Fixture): Promise<Figure[]> {
  const photo = await readTestImage('granny-smith.jpg');
  const stackFunctions = new Map((await readStackFile(join(repoRoot, 'stack.yml'))).map((f) => [f.name, f]));

  progress(`cold start: bare Node server, ${TRIALS} spawns`);
  const base = await trials(b, fixture, photo, 'baseline', ['-e', BARE_SERVER], { PATH: process.env.PATH ?? '' });
  const baseMs = percentiles(base.map((t) => t.ms));
  const baseMb = percentiles(base.map((t) => t.mb));

  const times: Figure[] = [];
  const memory: Figure[] = [];
  for (const name of FUNCTIONS) {
    const fn = stackFunctions.get(name);
    if (!fn) throw new Error(`${name} is not in stack.yml`);
    progress(`cold start: ${name}, ${TRIALS} spawns`);
    const env = {
      ...b.stack.functionEnv,
      ...fn.templateEnv,
      FUNCTION_NAME: name,
      HANDLER_PATH: join(repoRoot, fn.handler, 'handler.js'),
    };
    const runs = await trials(b, fixture, photo, name, [hostScript], env);
    const ms = percentiles(runs.map((t) => t.ms));
    const listening = percentiles(runs.map((t) => t.listeningMs));
    const mb = percentiles(runs.map((t) => t.mb));
    times.push({
      group: '5 cold start',
      name: `${name}: spawn → first answer`,
      unit: 'ms',
      ...ms,
      baseline: { name: 'bare node', ...baseMs },
      ratio: ratioOf(ms.median, baseMs.median),
      target: { text: `≤ ${targetMs(name)} ms`, met: ms.median <= targetMs(name) },
      details: { spawnToListeningMedianMs: listening.median, samples: runs.map((t) => t.ms.toFixed(1)).join(' ') },
    });
    memory.push({
      group: '5 memory',
      name: `${name}: idle RSS`,
      unit: 'MB',
      ...mb,
      baseline: { name: 'bare node', ...baseMb },
      ratio: ratioOf(mb.median, baseMb.median),
      target: { text: `≤ ${targetMb(name)} MB`, met: mb.median <= targetMb(name) },
    });
  }
  return [...times, ...memory];
}
