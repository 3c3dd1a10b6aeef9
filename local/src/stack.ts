import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { createGateway } from './gateway.ts';
import { jsonLines, type LogSink } from './log-sink.ts';
import { type ModelProcess, startModelProcess } from './model-process.ts';
import { prepareDatabase } from './database.ts';
import { FunctionReplicas } from './replicas.ts';
import { EMBEDDED_S3_KEYS, type EmbeddedS3, startEmbeddedS3 } from './s3-server.ts';
import { byteSize, durationMs, readStackFile } from './stack-file.ts';

export interface StackOptions {
  repoRoot: string;
  /** Gateway port; 0 picks a free one. */
  port: number;
  host?: string;
  mysqlUrl: string;
  /** Local data: secrets, the embedded S3 server's objects. */
  dataDir: string;
  /** The JWT signing secret; by default one made once and kept in `<dataDir>/secrets`. */
  jwtSecret?: string;
  /** An S3 server to use instead of the embedded one (e.g. a MinIO). */
  s3?: { endpoint: string; accessKey: string; secretKey: string };
  s3Bucket?: string;
  /** A TensorFlow Serving to use instead of the local model server. */
  modelUrl?: string;
  /** Where the local model server finds its model, when there is no modelUrl. */
  modelDir?: string;
  modelName?: string;
  /** The labels file; by default the .txt in modelDir. */
  modelLabels?: string;
  /** More environment for every function process (LOG_LEVEL, timeouts, throttling…). */
  functionEnv?: Record<string, string>;
  /** Processes per function, instead of stack.yml's com.openfaas.scale.min. */
  replicas?: number;
  log?: LogSink;
}

export interface Stack {
  url: string;
  port: number;
  functions: Map<string, FunctionReplicas>;
  s3: EmbeddedS3 | undefined;
  model: ModelProcess | undefined;
  /** Environment the function processes run with (tests use it to reach the same services). */
  functionEnv: Record<string, string>;
  stop(): Promise<void>;
}

/** A secret kept in `<dataDir>/secrets/<name>`, made once, so sessions survive restarts. */
async function localSecret(dir: string, name: string, make: () => string): Promise<void> {
  const file = join(dir, name);
  if (existsSync(file)) return;
  await writeFile(file, make(), { mode: 0o600 });
}

async function findModelFiles(modelDir: string | undefined): Promise<{ dir: string; labels: string | undefined } | undefined> {
  if (!modelDir || !existsSync(modelDir)) return undefined;
  const files = await readdir(modelDir);
  if (!files.some((f) => f.endsWith('.onnx'))) return undefined;
  const labels = files.find((f) => f.endsWith('.txt'));
  return { dir: modelDir, labels: labels ? join(modelDir, labels) : undefined };
}

/** Brings up the whole application on one machine: database, S3, model server, functions, gateway. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const log = options.log ?? jsonLines();
  const root = options.repoRoot;
  const dataDir = resolve(options.dataDir);
  const secretsDir = join(dataDir, 'secrets');
  await mkdir(secretsDir, { recursive: true, mode: 0o700 });
  await chmod(secretsDir, 0o700);

  await prepareDatabase(options.mysqlUrl, join(root, 'schema.sql'));

  let s3: EmbeddedS3 | undefined;
  let model: ModelProcess | undefined;
  const started: FunctionReplicas[] = [];
  let gateway: Server | undefined;

  const stop = async () => {
    await new Promise<void>((r) => (gateway ? gateway.close(() => r()) : r()));
    gateway?.closeAllConnections();
    await Promise.all(started.map((f) => f.stop()));
    await model?.stop();
    await s3?.close();
  };

  try {
    // Secrets go to files, read by the functions exactly as OpenFaaS mounts them in production.
    if (options.jwtSecret) await writeFile(join(secretsDir, 'jwt-secret'), options.jwtSecret, { mode: 0o600 });
    else await localSecret(secretsDir, 'jwt-secret', () => randomBytes(32).toString('base64url'));
    if (options.s3) {
      await writeFile(join(secretsDir, 's3-access-key'), options.s3.accessKey, { mode: 0o600 });
      await writeFile(join(secretsDir, 's3-secret-key'), options.s3.secretKey, { mode: 0o600 });
    } else {
      s3 = await startEmbeddedS3({ directory: join(dataDir, 's3') });
      await writeFile(join(secretsDir, 's3-access-key'), EMBEDDED_S3_KEYS.accessKey, { mode: 0o600 });
      await writeFile(join(secretsDir, 's3-secret-key'), EMBEDDED_S3_KEYS.secretKey, { mode: 0o600 });
    }

    const modelName = options.modelName ?? 'efficientnetv2-s';
    let modelUrl = options.modelUrl;
    let modelLabels = options.modelLabels;
    if (!modelUrl) {
      const found = await findModelFiles(options.modelDir);
      if (found) {
        model = await startModelProcess({
          script: join(root, 'local', 'dist', 'model-server.js'),
          modelDir: found.dir,
          modelName,
          log,
        });
        modelUrl = model.url;
        modelLabels ??= found.labels;
      } else {
        log({ level: 'warn', msg: 'no model: recognition is unavailable (set MODEL_DIR or MODEL_URL)' });
      }
    }

    const functionEnv: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      SECRETS_DIR: secretsDir,
      MYSQL_URL: options.mysqlUrl,
      S3_ENDPOINT: options.s3?.endpoint ?? s3!.url,
      S3_BUCKET: options.s3Bucket ?? 'todo-images',
      MODEL_NAME: modelName,
      ...(modelUrl ? { MODEL_URL: modelUrl } : {}),
      ...(modelLabels ? { MODEL_LABELS: modelLabels } : {}),
      ...options.functionEnv,
    };

    const stackFunctions = await readStackFile(join(root, 'stack.yml'));
    const functions = new Map<string, FunctionReplicas>();
    let upstreamTimeoutMs = 0;
    for (const fn of stackFunctions) {
      const handlerPath = join(root, fn.handler, 'handler.js');
      if (!existsSync(handlerPath)) throw new Error(`${handlerPath} is missing: run "pnpm build"`);
      const replicas = new FunctionReplicas({
        name: fn.name,
        count: options.replicas ?? fn.minReplicas,
        hostScript: join(root, 'local', 'dist', 'function-host.js'),
        handlerPath,
        maxBodyBytes: byteSize(fn.templateEnv.RAW_BODY === 'true' ? fn.templateEnv.MAX_RAW_SIZE : fn.templateEnv.MAX_JSON_SIZE),
        env: { ...functionEnv, ...fn.templateEnv },
        log,
      });
      functions.set(fn.name, replicas);
      started.push(replicas);
      upstreamTimeoutMs = Math.max(upstreamTimeoutMs, durationMs(fn.templateEnv.exec_timeout, 60_000));
    }
    await Promise.all(started.map((f) => f.start()));

    const webRoot = join(root, 'web', 'dist');
    gateway = createGateway({
      functions,
      webRoot: existsSync(join(webRoot, 'index.html')) ? webRoot : undefined,
      upstreamTimeoutMs,
      log,
    });
    const host = options.host ?? '127.0.0.1';
    await new Promise<void>((res, rej) => {
      gateway!.once('error', rej);
      gateway!.listen(options.port, host, () => res());
    });
    const { port } = gateway.address() as { port: number };
    return { url: `http://${host}:${port}`, port, functions, s3, model, functionEnv, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
