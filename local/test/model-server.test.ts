/** The local model server against the real test model: TF Serving's REST shapes and real predictions. */
import { connect } from 'node:net';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { adaptBatch, type ModelServer } from '../src/model-server/index.ts';
import {
  MODEL_NAME,
  SIZE,
  argmax,
  call,
  maxAbsDifference,
  modelFile,
  photoInstance,
  photoPixels,
  predict,
  toNested,
  withServer,
} from './model-server-support.ts';

const AVAILABLE = {
  model_version_status: [{ version: '1', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }],
};

async function expectAlive(server: ModelServer): Promise<void> {
  const status = await call(`${server.url}/v1/models/${MODEL_NAME}`);
  expect(status.status).toBe(200);
}

/** TF Serving's error shape: a JSON object with one string `error`, no stack trace. */
function expectErrorShape(answer: { headers: Headers; body: unknown }): string {
  expect(answer.headers.get('content-type')).toBe('application/json');
  expect(answer.body).toEqual({ error: expect.any(String) });
  const message = (answer.body as { error: string }).error;
  expect(message).not.toMatch(/\n\s+at /);
  return message;
}

async function directRun(input: Float32Array, shape: number[]): Promise<Float32Array> {
  const session = await InferenceSession.create(await modelFile());
  try {
    const results = await session.run({ [session.inputNames[0]!]: new Tensor('float32', input, shape) });
    return results[session.outputNames[0]!]!.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe('model status', () => {
  it('answers GetModelStatus for the model and for version 1', async () => {
    await withServer(async (server) => {
      for (const path of [`/v1/models/${MODEL_NAME}`, `/v1/models/${MODEL_NAME}/versions/1`]) {
        const answer = await call(`${server.url}${path}`);
        expect(answer.status).toBe(200);
        expect(answer.headers.get('content-type')).toBe('application/json');
        expect(answer.body).toEqual(AVAILABLE);
      }
    });
  });

  it('serves the model under the name it is given', async () => {
    await withServer(
      async (server) => {
        expect((await call(`${server.url}/v1/models/resnet`)).body).toEqual(AVAILABLE);
        expect((await call(`${server.url}/v1/models/${MODEL_NAME}`)).status).toBe(404);
      },
      { modelName: 'resnet' },
    );
  });
});

describe('model metadata', () => {
  it('describes the served signature as TF Serving does', async () => {
    await withServer(async (server) => {
      for (const path of [`/v1/models/${MODEL_NAME}/metadata`, `/v1/models/${MODEL_NAME}/versions/1/metadata`]) {
        const answer = await call(`${server.url}${path}`);
        expect(answer.status).toBe(200);
        const body = answer.body as {
          model_spec: unknown;
          metadata: { signature_def: { signature_def: Record<string, Record<string, unknown>> } };
        };
        expect(body.model_spec).toEqual({ name: MODEL_NAME, signature_name: '', version: '1' });
        const signature = body.metadata.signature_def.signature_def.serving_default!;
        expect(signature.method_name).toBe('tensorflow/serving/predict');
        const dim = (sizes: string[]) => sizes.map((size) => ({ size, name: '' }));
        expect(Object.values(signature.inputs as object)).toEqual([
          { dtype: 'DT_FLOAT', tensor_shape: { dim: dim(['-1', '384', '384', '3']), unknown_rank: false }, name: expect.any(String) },
        ]);
        expect(Object.values(signature.outputs as object)).toEqual([
          { dtype: 'DT_FLOAT', tensor_shape: { dim: dim(['-1', '1000']), unknown_rank: false }, name: expect.any(String) },
        ]);
      }
    });
  });
});

describe('predict', () => {
  it('recognises a real photo: 1000 scores whose argmax is its class', async () => {
    await withServer(async (server) => {
      const answer = await predict(server, { instances: [await photoInstance('zebra.jpg')] });
      expect(answer.status).toBe(200);
      const { predictions } = answer.body as { predictions: number[][] };
      expect(predictions).toHaveLength(1);
      expect(predictions[0]).toHaveLength(1000);
      expect(server.model.labels![argmax(predictions[0]!)]).toBe('zebra');
    });
  });

  it.each(['african-elephant.jpg', 'school-bus.jpg', 'volcano.jpg', 'analog-clock.jpg'])(
    '%s comes out as its class',
    async (file) => {
      await withServer(async (server) => {
        const answer = await predict(server, { instances: [await photoInstance(file)] });
        const [scores] = (answer.body as { predictions: number[][] }).predictions;
        const label = server.model.labels![argmax(scores!)]!;
        expect(label.toLowerCase().replaceAll(' ', '-')).toBe(file.replace('.jpg', ''));
      });
    },
  );

  it('equals a direct onnxruntime run on the adapted input', async () => {
    const pixels = await photoPixels('school-bus.jpg');
    await withServer(async (server) => {
      const answer = await predict(server, { instances: [toNested(pixels, SIZE, SIZE)] });
      const [served] = (answer.body as { predictions: number[][] }).predictions;
      const adapted = adaptBatch({ data: pixels, count: 1, height: SIZE, width: SIZE }, server.model);
      const direct = await directRun(adapted, [1, 3, 224, 224]);
      expect(maxAbsDifference(served!, direct)).toBeLessThan(1e-4);
    });
  });

  it('equals a direct run with the normalisation worked out here (224×224: no resize)', async () => {
    const pixels = await photoPixels('granny-smith.jpg', 224);
    // ImageNet mean/std on [0, 1] values, HWC to CHW: computed independently of the server's code.
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    const chw = new Float32Array(3 * 224 * 224);
    for (let p = 0; p < 224 * 224; p++) {
      for (let c = 0; c < 3; c++) chw[c * 224 * 224 + p] = (pixels[p * 3 + c]! - mean[c]!) / std[c]!;
    }
    const direct = await directRun(chw, [1, 3, 224, 224]);
    await withServer(async (server) => {
      const answer = await predict(server, { instances: [toNested(pixels, 224, 224)] });
      const [served] = (answer.body as { predictions: number[][] }).predictions;
      expect(maxAbsDifference(served!, direct)).toBeLessThan(1e-4);
      expect(server.model.labels![argmax(served!)]).toBe('Granny Smith');
    });
  });

  it('answers a batch of two with one row each, in order, equal to single requests', async () => {
    const zebra = await photoInstance('zebra.jpg');
    const bus = await photoInstance('school-bus.jpg');
    await withServer(async (server) => {
      const batch = await predict(server, { instances: [zebra, bus] });
      expect(batch.status).toBe(200);
      const rows = (batch.body as { predictions: number[][] }).predictions;
      expect(rows).toHaveLength(2);
      const single = async (instance: number[][][]) =>
        ((await predict(server, { instances: [instance] })).body as { predictions: number[][] }).predictions[0]!;
      expect(maxAbsDifference(rows[0]!, await single(zebra))).toBeLessThan(1e-4);
      expect(maxAbsDifference(rows[1]!, await single(bus))).toBeLessThan(1e-4);
      expect(rows.map((r) => server.model.labels![argmax(r)])).toEqual(['zebra', 'school bus']);
    });
  });

  it('takes the columnar format, bare or keyed by the input name, and answers with outputs', async () => {
    const zebra = await photoInstance('zebra.jpg');
    await withServer(async (server) => {
      const row = ((await predict(server, { instances: [zebra] })).body as { predictions: number[][] }).predictions;
      const inputName = server.model.inputName;
      for (const inputs of [[zebra], { [inputName]: [zebra] }]) {
        const answer = await predict(server, { signature_name: 'serving_default', inputs });
        expect(answer.status).toBe(200);
        const { outputs } = answer.body as { outputs: number[][] };
        expect(outputs).toHaveLength(1);
        expect(maxAbsDifference(outputs[0]!, row[0]!)).toBeLessThan(1e-4);
      }
    });
  });

  it('takes row instances given as objects keyed by the input name', async () => {
    const zebra = await photoInstance('zebra.jpg');
    await withServer(async (server) => {
      const answer = await predict(server, { instances: [{ [server.model.inputName]: zebra }] });
      expect(answer.status).toBe(200);
      const { predictions } = answer.body as { predictions: number[][] };
      expect(server.model.labels![argmax(predictions[0]!)]).toBe('zebra');
    });
  });

  it('answers the versioned predict path', async () => {
    await withServer(async (server) => {
      const answer = await predict(server, { instances: [await photoInstance('zebra.jpg')] }, `/v1/models/${MODEL_NAME}/versions/1:predict`);
      expect(answer.status).toBe(200);
    });
  });

  it('answers concurrent requests correctly (they queue for the model)', async () => {
    const zebra = await photoInstance('zebra.jpg');
    const bus = await photoInstance('school-bus.jpg');
    await withServer(async (server) => {
      const answers = await Promise.all([zebra, bus, zebra, bus, zebra].map((i) => predict(server, { instances: [i] })));
      const labels = answers.map((a) => server.model.labels![argmax((a.body as { predictions: number[][] }).predictions[0]!)]);
      expect(labels).toEqual(['zebra', 'school bus', 'zebra', 'school bus', 'zebra']);
    });
  });
});

describe('errors', () => {
  const image = (h: number, w: number, value: unknown = 0.5) =>
    Array.from({ length: h }, () => Array.from({ length: w }, () => [value, value, value]));
  const predictPath = `/v1/models/${MODEL_NAME}:predict`;

  const cases: Array<{ name: string; method?: string; path?: string; body?: string; status: number; message?: RegExp }> = [
    { name: 'unknown model (status)', method: 'GET', path: '/v1/models/nope', status: 404, message: /Servable not found/ },
    { name: 'unknown model (metadata)', method: 'GET', path: '/v1/models/nope/metadata', status: 404 },
    { name: 'unknown model (predict)', path: '/v1/models/nope:predict', body: JSON.stringify({ instances: [image(2, 2)] }), status: 404 },
    { name: 'unknown version', method: 'GET', path: `/v1/models/${MODEL_NAME}/versions/7`, status: 404 },
    { name: 'unknown version (predict)', path: `/v1/models/${MODEL_NAME}/versions/2:predict`, body: '{}', status: 404 },
    { name: 'unknown path', method: 'GET', path: '/v2/health', status: 404 },
    { name: 'no model name', method: 'GET', path: '/v1/models', status: 404 },
    { name: 'broken %-escape in the model name', method: 'GET', path: '/v1/models/%E0%A4%A', status: 404 },
    { name: 'unsupported verb', path: `/v1/models/${MODEL_NAME}:classify`, body: '{}', status: 404 },
    { name: 'GET on predict', method: 'GET', path: predictPath, status: 405 },
    { name: 'POST on status', method: 'POST', path: `/v1/models/${MODEL_NAME}`, body: '{}', status: 405 },
    { name: 'DELETE on metadata', method: 'DELETE', path: `/v1/models/${MODEL_NAME}/metadata`, status: 405 },
    { name: 'PUT on predict', method: 'PUT', path: predictPath, body: '{}', status: 405 },
    { name: 'malformed JSON', body: 'instances = [1, 2]', status: 400, message: /JSON Parse error/ },
    { name: 'truncated JSON', body: '{"instances": [[[[0.1, 0.2', status: 400, message: /JSON Parse error/ },
    { name: 'empty body', body: '', status: 400, message: /document is empty/ },
    { name: 'body not an object', body: '[1, 2, 3]', status: 400 },
    { name: 'neither instances nor inputs', body: '{"signature_name": ""}', status: 400, message: /Missing 'inputs' or 'instances' key/ },
    { name: 'both instances and inputs', body: JSON.stringify({ instances: [image(2, 2)], inputs: [image(2, 2)] }), status: 400 },
    { name: 'empty instances', body: '{"instances": []}', status: 400 },
    { name: 'instances not a list', body: '{"instances": 0.5}', status: 400 },
    { name: 'rank 3 (instance not wrapped in a list)', body: JSON.stringify({ instances: image(2, 2) }), status: 400, message: /rank 3/ },
    { name: 'rank 5', body: JSON.stringify({ instances: [[image(2, 2)]] }), status: 400, message: /rank 5/ },
    { name: 'four channels', body: JSON.stringify({ instances: [[[[0.1, 0.2, 0.3, 0.4]]]] }), status: 400 },
    { name: 'ragged rows', body: JSON.stringify({ instances: [[...image(1, 3), ...image(1, 2)]] }), status: 400 },
    { name: 'images of different sizes', body: JSON.stringify({ instances: [image(2, 2), image(3, 3)] }), status: 400 },
    { name: 'a string value', body: JSON.stringify({ instances: [image(2, 2, 'x')] }), status: 400, message: /not of expected type: float/ },
    { name: 'a null value', body: JSON.stringify({ instances: [image(2, 2, null)] }), status: 400 },
    { name: 'a boolean value', body: JSON.stringify({ instances: [image(2, 2, true)] }), status: 400 },
    { name: 'a value above 1', body: JSON.stringify({ instances: [image(2, 2, 1.5)] }), status: 400, message: /\[0, 1\]/ },
    { name: 'a negative value', body: JSON.stringify({ instances: [image(2, 2, -0.1)] }), status: 400 },
    { name: 'inputs keyed by an unknown name', body: JSON.stringify({ inputs: { pixels: [image(2, 2)] } }), status: 400 },
    { name: 'unknown signature', body: JSON.stringify({ signature_name: 'classify', instances: [image(2, 2)] }), status: 400 },
    { name: 'signature_name not a string', body: JSON.stringify({ signature_name: 5, instances: [image(2, 2)] }), status: 400 },
  ];

  it('answers every bad request in TF Serving error shape with the right status, and keeps running', async () => {
    await withServer(async (server) => {
      for (const c of cases) {
        const method = c.method ?? 'POST';
        const answer = await call(`${server.url}${c.path ?? predictPath}`, {
          method,
          ...(c.body === undefined ? {} : { body: c.body, headers: { 'Content-Type': 'application/json' } }),
        });
        expect({ case: c.name, status: answer.status }).toEqual({ case: c.name, status: c.status });
        const message = expectErrorShape(answer);
        if (c.message) expect(message, c.name).toMatch(c.message);
        if (c.status === 405) expect(answer.headers.get('allow'), c.name).toMatch(/^(GET|POST)$/);
        await expectAlive(server);
      }
    });
  });

  it('refuses a body over the limit with 413 and keeps running', async () => {
    await withServer(
      async (server) => {
        const big = JSON.stringify({ instances: [image(300, 300)] });
        expect(big.length).toBeGreaterThan(1024 * 1024);
        const answer = await predict(server, big);
        expect(answer.status).toBe(413);
        expectErrorShape(answer);
        await expectAlive(server);
        // Under the limit the same server still predicts.
        expect((await predict(server, { instances: [image(8, 8)] })).status).toBe(200);
      },
      { maxBodyBytes: 1024 * 1024 },
    );
  });

  it('keeps running when a client drops the connection halfway through a body', async () => {
    await withServer(async (server) => {
      const { port } = new URL(server.url);
      await new Promise<void>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => {
          socket.write(`POST ${predictPath} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"instances": [[[`);
          socket.destroy();
          resolve();
        });
        socket.on('error', reject);
      });
      await expectAlive(server);
      expect((await predict(server, { instances: [image(4, 4)] })).status).toBe(200);
    });
  });
});
