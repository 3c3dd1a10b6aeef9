/**
 * The predict-image benchmark of issue 3, for a 12-megapixel JPEG: each step of an upload beside
 * what it cannot go below, all measured in one run, interleaved round by round so that load from
 * anything else on the machine falls on every figure alike.
 *
 * - sharp's decode+resize alone (the plainest pipeline) and the function's own `modelInput`
 * - building the predict body, and the HTTP call to the local model server with it
 * - the model's own inference (onnxruntime in this process, input already adapted)
 * - the whole PUT through the gateway
 *
 * Target: total ≤ 2 × (decode+resize + inference).
 */
import { buildPredictBody, MODEL_INPUT_SIZE } from '@todo/shared/server';
import sharp from 'sharp';
import { adaptBatch, loadModel, runModel } from '../local/src/model-server/index.ts';
import { modelInput } from '../predict-image/src/image.ts';
import { photo12mp } from '../test/support/images.ts';
import { type BenchStack, benchModelDir, progress } from './support/bench-stack.ts';
import { type Figure, percentiles, ratioOf } from './support/figures.ts';
import { type Fixture, createTask } from './support/fixture.ts';

const ROUNDS = Number(process.env.BENCH_PREDICT_ROUNDS ?? 25);
const WARMUP_ROUNDS = 3;
const GROUP = 'predict-image 12 MP';
const SIZE = MODEL_INPUT_SIZE;

const time = async (work: () => Promise<unknown> | unknown): Promise<number> => {
  const started = performance.now();
  await work();
  return performance.now() - started;
};

export async function predictImage(b: BenchStack, fixture: Fixture): Promise<Figure[]> {
  const modelUrl = b.stack.model?.url ?? b.stack.functionEnv.MODEL_URL;
  if (!modelUrl) throw new Error('predict-image benchmark: the stack has no model server (set MODEL_DIR)');
  const modelName = b.stack.functionEnv.MODEL_NAME!;
  const token = fixture.probes[0]!.token;

  progress('predict-image: making a 12-megapixel JPEG');
  const photo = await photo12mp();
  const meta = await sharp(photo).metadata();
  progress(`predict-image: ${meta.width}×${meta.height} JPEG, ${(photo.length / 1048576).toFixed(1)} MB`);
  const taskId = await createTask(b, token, 'Photo benchmark');

  // The model as the local model server runs it, loaded here to time inference alone.
  const model = await loadModel(benchModelDir);
  const pixels = await modelInput(photo);
  const body = buildPredictBody(pixels, SIZE, SIZE);
  const adapted = adaptBatch(
    { data: Float32Array.from(pixels, (v) => v / 255), count: 1, height: SIZE, width: SIZE },
    { layout: model.layout, height: model.height, width: model.width, normalisation: model.normalisation },
  );

  const samples = { sharp: [] as number[], decode: [] as number[], build: [] as number[], call: [] as number[], infer: [] as number[], total: [] as number[] };
  const statuses = new Map<number, number>();
  const steps: [keyof typeof samples, () => Promise<unknown> | unknown][] = [
    ['sharp', () => sharp(photo).resize(SIZE, SIZE, { fit: 'fill' }).raw().toBuffer()],
    ['decode', () => modelInput(photo)],
    ['build', () => buildPredictBody(pixels, SIZE, SIZE)],
    [
      'call',
      async () => {
        const res = await fetch(`${modelUrl}/v1/models/${encodeURIComponent(modelName)}:predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        if (res.status !== 200) throw new Error(`model server answered ${res.status}: ${await res.text()}`);
        await res.json();
      },
    ],
    ['infer', () => runModel(model, adapted, 1)],
    [
      'total',
      async () => {
        const res = await fetch(`${b.stack.url}/function/predict-image/${taskId}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'image/jpeg' },
          body: photo,
        });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      },
    ],
  ];

  try {
    progress(`predict-image: ${WARMUP_ROUNDS} warm-up and ${ROUNDS} measured rounds`);
    for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
      for (const [name, work] of steps) {
        const ms = await time(work);
        if (round >= WARMUP_ROUNDS) samples[name].push(ms);
      }
    }
  } finally {
    await model.session.release();
    await fetch(`${b.stack.url}/function/delete-task/${taskId}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  }

  const p = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, percentiles(v)])) as Record<
    keyof typeof samples,
    { median: number; p99: number }
  >;
  const bodyMb = body.length / 1048576;
  const nonOk = [...statuses].filter(([s]) => s !== 200);
  const warning = nonOk.length > 0 ? `answers ${nonOk.map(([s, n]) => `${n}× ${s}`).join(', ')}` : undefined;
  const budget = 2 * (p.decode.median + p.infer.median);
  const figure = (name: string, v: { median: number; p99: number }, extra: Partial<Figure> = {}): Figure => ({
    group: GROUP,
    name,
    unit: 'ms',
    median: v.median,
    p99: v.p99,
    ...extra,
  });
  return [
    figure("sharp's decode+resize alone", p.sharp),
    figure('decode+resize (modelInput)', p.decode, {
      baseline: { name: 'sharp alone', ...p.sharp },
      ratio: ratioOf(p.decode.median, p.sharp.median),
    }),
    figure(`body build (${bodyMb.toFixed(1)} MB JSON)`, p.build),
    figure('model call (HTTP, local model server)', p.call, {
      baseline: { name: 'inference', ...p.infer },
      ratio: ratioOf(p.call.median, p.infer.median),
    }),
    figure('inference alone (onnxruntime)', p.infer),
    figure('total PUT through the gateway', p.total, {
      baseline: { name: 'decode+resize + inference', median: p.decode.median + p.infer.median },
      ratio: ratioOf(p.total.median, p.decode.median + p.infer.median),
      target: { text: `≤ 2× (${budget.toFixed(0)} ms)`, met: p.total.median <= budget },
      ...(warning ? { warning } : {}),
    }),
  ];
}
