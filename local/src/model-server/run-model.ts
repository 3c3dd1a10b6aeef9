/** Runs an adapted batch through the model and returns each instance's scores. */
import { Tensor } from 'onnxruntime-node';
import { badRequest } from './http-error.ts';
import type { LoadedModel } from './load-model.ts';

/** `input` holds `count` instances in the model's layout and size; returns `count` rows of scores. */
export async function runModel(model: LoadedModel, input: Float32Array, count: number): Promise<number[][]> {
  const [c, h, w] = model.layout === 'NCHW' ? [3, model.height, model.width] : [model.height, model.width, 3];
  const perInstance = 3 * model.height * model.width;
  // A model with a fixed batch size of 1 (common in exported models) takes instances one by one.
  const step = model.fixedBatch ?? count;
  if (count % step !== 0) {
    throw badRequest(`this model takes batches of exactly ${step} instances; got ${count}`);
  }
  const rows: number[][] = [];
  for (let start = 0; start < count; start += step) {
    const slice = input.subarray(start * perInstance, (start + step) * perInstance);
    const feeds = { [model.inputName]: new Tensor('float32', slice, [step, c, h, w]) };
    const results = await model.session.run(feeds, [model.outputName]);
    const output = results[model.outputName]!;
    const scores = output.data as Float32Array;
    const size = scores.length / step;
    for (let i = 0; i < step; i++) rows.push(Array.from(scores.subarray(i * size, (i + 1) * size)));
    output.dispose();
  }
  return rows;
}
