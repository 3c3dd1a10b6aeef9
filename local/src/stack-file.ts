import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

export interface StackFunction {
  name: string;
  /** Folder of the built handler, relative to the repository root. */
  handler: string;
  /** The template's own settings (RAW_BODY, MAX_RAW_SIZE, MAX_JSON_SIZE, timeouts) from `environment`. */
  templateEnv: Record<string, string>;
  /** `com.openfaas.scale.min`: processes to run. */
  minReplicas: number;
}

/** Settings of the node18 template and watchdog; production connection settings are not taken. */
const TEMPLATE_KEYS = ['RAW_BODY', 'MAX_RAW_SIZE', 'MAX_JSON_SIZE', 'exec_timeout', 'read_timeout', 'write_timeout'];

/** The functions of stack.yml, as the local stack runs them. */
export async function readStackFile(path: string): Promise<StackFunction[]> {
  const doc = parse(await readFile(path, 'utf8')) as {
    functions?: Record<string, { handler?: string; environment?: Record<string, unknown>; labels?: Record<string, unknown> }>;
  };
  return Object.entries(doc.functions ?? {}).map(([name, fn]) => {
    const env = fn.environment ?? {};
    const templateEnv: Record<string, string> = {};
    for (const key of TEMPLATE_KEYS) if (env[key] !== undefined) templateEnv[key] = String(env[key]);
    const min = Number(fn.labels?.['com.openfaas.scale.min'] ?? 1);
    return {
      name,
      handler: fn.handler ?? `./${name}/dist`,
      templateEnv,
      minReplicas: Number.isInteger(min) && min > 0 ? min : 1,
    };
  });
}

/** A watchdog duration ("30s", "2m", "1m30s", or plain seconds) in milliseconds. */
export function durationMs(value: string | undefined, fallbackMs: number): number {
  if (!value) return fallbackMs;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let matched = '';
  for (let m = re.exec(value); m; m = re.exec(value)) {
    matched += m[0];
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  }
  return matched === value ? total : fallbackMs;
}

/** A body-parser size ("100kb", "12mb", "1048576") in bytes; the template's default is 100kb. */
export function byteSize(value: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(value?.trim() ?? '100kb');
  if (!m) throw new Error(`not a size: "${value}"`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb' | 'gb'];
  return Math.floor(Number(m[1]) * unit);
}
