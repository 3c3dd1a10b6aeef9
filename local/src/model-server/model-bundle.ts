/**
 * A model folder: one `.onnx` file, its labels (`.txt`, one class name per line) and an optional
 * `model.json` that overrides what cannot be read from the model itself.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SCALES, normalisationFrom, type Normalisation, type Scale, type Triple } from './normalisation.ts';

export type Layout = 'NCHW' | 'NHWC';

/** `model.json`: every field optional. */
export interface ModelJson {
  /** The `.onnx` file to serve, when the folder holds several. */
  model?: string;
  /** The labels file, when the folder holds several `.txt` files (or it is named otherwise). */
  labels?: string;
  /** Tensor layout, when the input shape does not make it clear. */
  layout?: Layout;
  /** Input height and width (one number for square), when the model's are symbolic. */
  size?: number | [number, number];
  scale?: Scale;
  mean?: Triple;
  std?: Triple;
  /** The output to serve, when the model has several (default: the first). */
  output?: string;
}

export interface ModelBundle {
  dir: string;
  modelFile: string;
  labelsFile: string | undefined;
  layout: Layout | undefined;
  size: [number, number] | undefined;
  normalisation: Normalisation;
  output: string | undefined;
}

export const MODEL_JSON = 'model.json';

/** Reads a model folder and its optional `model.json`; throws a clear message when it is ambiguous. */
export async function readModelBundle(dir: string): Promise<ModelBundle> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (err) {
    throw new Error(`cannot read model directory ${dir}: ${(err as Error).message}`);
  }
  const config = names.includes(MODEL_JSON) ? await readModelJson(join(dir, MODEL_JSON)) : {};
  const modelName = config.model ?? onlyOne(names, '.onnx', dir, 'model');
  if (modelName === undefined) throw new Error(`no .onnx model in ${dir}`);
  if (!names.includes(modelName)) throw new Error(`${MODEL_JSON} names ${modelName}, which is not in ${dir}`);
  const labelsName = config.labels ?? onlyOne(names, '.txt', dir, 'labels');
  if (labelsName !== undefined && !names.includes(labelsName)) {
    throw new Error(`${MODEL_JSON} names ${labelsName}, which is not in ${dir}`);
  }
  return {
    dir,
    modelFile: join(dir, modelName),
    labelsFile: labelsName === undefined ? undefined : join(dir, labelsName),
    layout: config.layout,
    size: typeof config.size === 'number' ? [config.size, config.size] : config.size,
    normalisation: normalisationFrom(config),
    output: config.output,
  };
}

function onlyOne(names: string[], ext: string, dir: string, what: string): string | undefined {
  const found = names.filter((n) => n.toLowerCase().endsWith(ext));
  if (found.length > 1) {
    throw new Error(`${dir} holds several ${ext} files (${found.join(', ')}): name the ${what} in ${MODEL_JSON}`);
  }
  return found[0];
}

async function readModelJson(path: string): Promise<ModelJson> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  return validateModelJson(raw, path);
}

/** Checks a parsed `model.json`, naming the first wrong field. */
export function validateModelJson(raw: unknown, where = MODEL_JSON): ModelJson {
  const fail = (field: string, expected: string): never => {
    throw new Error(`${where}: "${field}" must be ${expected}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('(top level)', 'an object');
  const o = raw as Record<string, unknown>;
  const known = ['model', 'labels', 'layout', 'size', 'scale', 'mean', 'std', 'output'];
  for (const key of Object.keys(o)) if (!known.includes(key)) fail(key, `one of the known fields (${known.join(', ')})`);
  const out: ModelJson = {};
  for (const key of ['model', 'labels', 'output'] as const) {
    const v = o[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v === '' || v.includes('/') || v.includes('\\')) fail(key, 'a file or tensor name');
    out[key] = v as string;
  }
  if (o.layout !== undefined) {
    if (o.layout !== 'NCHW' && o.layout !== 'NHWC') fail('layout', '"NCHW" or "NHWC"');
    out.layout = o.layout as Layout;
  }
  if (o.size !== undefined) {
    const s = o.size;
    const ok = (n: unknown) => Number.isInteger(n) && (n as number) > 0 && (n as number) <= 4096;
    if (ok(s)) out.size = s as number;
    else if (Array.isArray(s) && s.length === 2 && s.every(ok)) out.size = [s[0], s[1]];
    else fail('size', 'a positive integer or [height, width]');
  }
  if (o.scale !== undefined) {
    if (!SCALES.includes(o.scale as Scale)) fail('scale', SCALES.map((s) => `"${s}"`).join(' or '));
    out.scale = o.scale as Scale;
  }
  for (const key of ['mean', 'std'] as const) {
    const v = o[key];
    if (v === undefined) continue;
    const finite = Array.isArray(v) && v.length === 3 && v.every((n) => typeof n === 'number' && Number.isFinite(n));
    if (!finite || (key === 'std' && (v as number[]).some((n) => n === 0))) {
      fail(key, `three numbers${key === 'std' ? ', none zero' : ''}`);
    }
    const [a, b, c] = v as [number, number, number];
    out[key] = [a, b, c];
  }
  return out;
}
