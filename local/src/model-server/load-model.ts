/** Loads a model folder into an onnxruntime session plus everything needed to feed it. */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { InferenceSession } from 'onnxruntime-node';
import { readModelBundle, type Layout } from './model-bundle.ts';
import type { Normalisation } from './normalisation.ts';

export interface LoadedModel {
  session: InferenceSession;
  /** Path of the `.onnx` file. */
  file: string;
  inputName: string;
  /** The input shape as the model declares it (symbolic dimensions are strings). */
  inputShape: ReadonlyArray<number | string>;
  layout: Layout;
  /** The input's height and width. */
  height: number;
  width: number;
  /** A fixed batch size the model insists on, or null when the batch dimension is free. */
  fixedBatch: number | null;
  outputName: string;
  /** Scores per instance, when the model declares it. */
  outputSize: number | null;
  normalisation: Normalisation;
  /** Class names in index order, when the folder has a labels file. */
  labels: string[] | null;
}

export async function loadModel(dir: string): Promise<LoadedModel> {
  const bundle = await readModelBundle(dir);
  const session = await InferenceSession.create(bundle.modelFile, { graphOptimizationLevel: 'all' });
  try {
    const where = basename(bundle.modelFile);
    const input = onlyTensorInput(session, where);
    const layout = bundle.layout ?? layoutOf(input.shape, where);
    const [height, width] = inputSize(input.shape, layout, bundle.size, where);
    const outputName = bundle.output ?? session.outputNames[0];
    if (outputName === undefined || !session.outputNames.includes(outputName)) {
      throw new Error(`${where} has no output ${outputName ?? ''} (outputs: ${session.outputNames.join(', ')})`);
    }
    const outputSize = scoresPerInstance(session, outputName);
    const labels = bundle.labelsFile === undefined ? null : await readLabels(bundle.labelsFile);
    if (labels !== null && outputSize !== null && labels.length !== outputSize) {
      throw new Error(`${basename(bundle.labelsFile!)} has ${labels.length} labels but ${where} outputs ${outputSize} scores`);
    }
    const batch = input.shape[0];
    return {
      session,
      file: bundle.modelFile,
      inputName: input.name,
      inputShape: input.shape,
      layout,
      height,
      width,
      fixedBatch: typeof batch === 'number' && batch > 0 ? batch : null,
      outputName,
      outputSize,
      normalisation: bundle.normalisation,
      labels,
    };
  } catch (err) {
    await session.release();
    throw err;
  }
}

function onlyTensorInput(session: InferenceSession, where: string): InferenceSession.TensorValueMetadata {
  const inputs = session.inputMetadata;
  const input = inputs[0];
  if (inputs.length !== 1 || input === undefined || !input.isTensor) {
    throw new Error(`${where} must have exactly one tensor input (it has ${session.inputNames.join(', ')})`);
  }
  if (input.type !== 'float32') throw new Error(`${where}: input ${input.name} is ${input.type}, only float32 is supported`);
  if (input.shape.length !== 4) {
    throw new Error(`${where}: input ${input.name} has shape [${input.shape.join(', ')}], expected an image batch of rank 4`);
  }
  return input;
}

function layoutOf(shape: ReadonlyArray<number | string>, where: string): Layout {
  if (shape[1] === 3) return 'NCHW';
  if (shape[3] === 3) return 'NHWC';
  throw new Error(`${where}: cannot tell the layout of input shape [${shape.join(', ')}]; set "layout" in model.json`);
}

function inputSize(
  shape: ReadonlyArray<number | string>,
  layout: Layout,
  configured: [number, number] | undefined,
  where: string,
): [number, number] {
  const [h, w] = layout === 'NCHW' ? [shape[2], shape[3]] : [shape[1], shape[2]];
  const fixed = (d: unknown): d is number => typeof d === 'number' && d > 0;
  if (configured !== undefined) {
    if ((fixed(h) && h !== configured[0]) || (fixed(w) && w !== configured[1])) {
      throw new Error(`${where}: model.json size ${configured.join('×')} contradicts the input shape [${shape.join(', ')}]`);
    }
    return configured;
  }
  if (!fixed(h) || !fixed(w)) {
    throw new Error(`${where}: input shape [${shape.join(', ')}] has no fixed height and width; set "size" in model.json`);
  }
  return [h, w];
}

function scoresPerInstance(session: InferenceSession, outputName: string): number | null {
  const meta = session.outputMetadata.find((m) => m.name === outputName);
  if (meta === undefined || !meta.isTensor || meta.shape.length < 2) return null;
  let size = 1;
  for (const d of meta.shape.slice(1)) {
    if (typeof d !== 'number' || d <= 0) return null;
    size *= d;
  }
  return size;
}

/** One class name per line, index order; a trailing newline does not add a class. */
export async function readLabels(path: string): Promise<string[]> {
  const lines = (await readFile(path, 'utf8')).split('\n').map((l) => l.replace(/\r$/, ''));
  if (lines.at(-1) === '') lines.pop();
  return lines;
}
