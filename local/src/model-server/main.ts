/**
 * CLI entry the local stack spawns: `MODEL_DIR` (required), `MODEL_NAME`, `MODEL_HOST`,
 * `MODEL_PORT` (0 = any free port). Prints one JSON line `{"msg":"model server listening","url":...}`
 * on stdout once it answers; stops cleanly on SIGTERM or SIGINT.
 */
import { basename, resolve } from 'node:path';
import { startModelServer, type ModelServer } from './index.ts';
import { describeError, log } from '@todo/shared/server';

function portFrom(value: string | undefined): number {
  if (value === undefined || value === '') return 0;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`MODEL_PORT must be 0-65535, got "${value}"`);
  return port;
}

async function main(): Promise<void> {
  const modelDir = process.env.MODEL_DIR;
  if (!modelDir) throw new Error('MODEL_DIR is not set: it must name a folder holding an .onnx model');
  const server: ModelServer = await startModelServer({
    modelDir: resolve(modelDir),
    modelName: process.env.MODEL_NAME || undefined,
    host: process.env.MODEL_HOST || undefined,
    port: portFrom(process.env.MODEL_PORT),
  });
  const { model } = server;
  log.info({
    msg: 'model server listening',
    url: server.url,
    model: server.modelName,
    file: basename(model.file),
    input: { name: model.inputName, layout: model.layout, height: model.height, width: model.width },
  });

  const stop = (signal: string) => {
    log.info({ msg: 'model server stopping', signal });
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ msg: 'model server did not stop cleanly', ...describeError(err) });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  log.error({ msg: 'model server failed to start', ...describeError(err) });
  process.exit(1);
});
