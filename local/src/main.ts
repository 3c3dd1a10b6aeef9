/** `pnpm start`: the whole application on one machine, configured from the environment. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jsonLines } from './log-sink.ts';
import { startStack } from './stack.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const env = process.env;
const log = jsonLines();

/** Settings passed through to every function process when set. */
const FUNCTION_SETTINGS = [
  'LOG_LEVEL',
  'JWT_ISSUER',
  'JWT_TTL_SECONDS',
  'LOGIN_MAX_FAILURES',
  'LOGIN_LOCK_SECONDS',
  'MODEL_TIMEOUT_MS',
  'MYSQL_POOL_SIZE',
  'MYSQL_QUERY_TIMEOUT_MS',
];

async function main(): Promise<void> {
  const dataDir = resolve(repoRoot, env.DATA_DIR ?? '.data');
  if (env.S3_ENDPOINT && !(env.S3_ACCESS_KEY && env.S3_SECRET_KEY)) {
    throw new Error('S3_ENDPOINT is set: also set S3_ACCESS_KEY and S3_SECRET_KEY');
  }
  const stack = await startStack({
    repoRoot,
    port: Number(env.PORT ?? 8080),
    host: env.HOST ?? '127.0.0.1',
    mysqlUrl: env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/todo',
    dataDir,
    jwtSecret: env.JWT_SECRET,
    s3: env.S3_ENDPOINT
      ? { endpoint: env.S3_ENDPOINT, accessKey: env.S3_ACCESS_KEY!, secretKey: env.S3_SECRET_KEY! }
      : undefined,
    s3Bucket: env.S3_BUCKET,
    modelUrl: env.MODEL_URL,
    modelDir: resolve(repoRoot, env.MODEL_DIR ?? resolve(dataDir, 'models')),
    modelName: env.MODEL_NAME,
    modelLabels: env.MODEL_LABELS,
    functionEnv: Object.fromEntries(FUNCTION_SETTINGS.filter((k) => env[k]).map((k) => [k, env[k]!])),
    log,
  });
  log({
    level: 'info',
    msg: `ready: open ${stack.url}`,
    url: stack.url,
    functions: Object.fromEntries([...stack.functions].map(([n, f]) => [n, f.replicas.length])),
    s3: stack.s3 ? 'embedded' : 'external',
    model: stack.functionEnv.MODEL_URL ? 'on' : 'off',
  });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log({ level: 'info', msg: 'stopping', signal });
    stack.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  log({ level: 'error', msg: `could not start: ${err instanceof Error ? err.message : String(err)}` });
  process.exit(1);
});
