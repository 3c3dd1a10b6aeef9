/** Reading a model folder: the shared test folder as it is, model.json overrides, and clear refusals. */
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testModelDir } from '../../test/support/paths.ts';
import { DEFAULT_NORMALISATION, loadModel, validateModelJson } from '../src/model-server/index.ts';
import { InferenceQueue } from '../src/model-server/inference-queue.ts';
import { HttpError } from '../src/model-server/http-error.ts';
import { modelFile } from './model-server-support.ts';

describe('the shared test model folder, as it is', () => {
  it('loads with the input read from the model, ImageNet normalisation and the labels beside it', async () => {
    const model = await loadModel(testModelDir);
    try {
      expect(model).toMatchObject({ layout: 'NCHW', height: 224, width: 224, fixedBatch: null, outputSize: 1000 });
      expect(model.inputShape).toHaveLength(4);
      expect(model.normalisation).toEqual(DEFAULT_NORMALISATION);
      expect(model.labels).toHaveLength(1000);
      expect(model.labels![340]).toBe('zebra');
    } finally {
      await model.session.release();
    }
  });
});

describe('a model folder with model.json (links to the real model in a temporary folder)', () => {
  let dir: string;
  let onnx: string;
  const labels = join(testModelDir, 'imagenet-labels.txt');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'model-bundle-'));
    onnx = await modelFile();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const link = (target: string, name = basename(target)) => symlink(target, join(dir, name));
  const modelJson = (config: unknown) => writeFile(join(dir, 'model.json'), JSON.stringify(config));

  it('takes scale, layout and size from model.json; an unset mean/std is then 0/1', async () => {
    await link(onnx);
    await link(labels);
    await modelJson({ scale: '[-1,1]', layout: 'NCHW', size: 224 });
    const model = await loadModel(dir);
    await model.session.release();
    expect(model.normalisation).toEqual({ scale: '[-1,1]', mean: [0, 0, 0], std: [1, 1, 1] });
  });

  it('picks the model and labels model.json names among several', async () => {
    await link(onnx, 'a.onnx');
    await link(onnx, 'b.onnx');
    await link(labels, 'one.txt');
    await link(labels, 'two.txt');
    await modelJson({ model: 'b.onnx', labels: 'two.txt', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
    const model = await loadModel(dir);
    await model.session.release();
    expect(basename(model.file)).toBe('b.onnx');
    expect(model.normalisation).toEqual({ scale: '[0,1]', mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
  });

  it('runs without a labels file', async () => {
    await link(onnx);
    const model = await loadModel(dir);
    await model.session.release();
    expect(model.labels).toBeNull();
  });

  it('refuses an empty folder', async () => {
    await expect(loadModel(dir)).rejects.toThrow(/no \.onnx model/);
  });

  it('refuses several models without model.json naming one', async () => {
    await link(onnx, 'a.onnx');
    await link(onnx, 'b.onnx');
    await expect(loadModel(dir)).rejects.toThrow(/several \.onnx files/);
  });

  it('refuses labels that do not match the model output', async () => {
    await link(onnx);
    await writeFile(join(dir, 'labels.txt'), 'cat\ndog\n');
    await expect(loadModel(dir)).rejects.toThrow(/2 labels but .* outputs 1000 scores/);
  });

  it('refuses a size that contradicts the model input', async () => {
    await link(onnx);
    await modelJson({ size: [300, 300] });
    await expect(loadModel(dir)).rejects.toThrow(/contradicts the input shape/);
  });

  it('refuses a model.json that is not JSON', async () => {
    await link(onnx);
    await writeFile(join(dir, 'model.json'), '{ scale: ');
    await expect(loadModel(dir)).rejects.toThrow(/model\.json/);
  });
});

describe('model.json validation', () => {
  it.each([
    [{ layout: 'CHW' }, /"layout"/],
    [{ scale: '[0,255]' }, /"scale"/],
    [{ mean: [0.5, 0.5] }, /"mean"/],
    [{ std: [0.5, 0, 0.5] }, /"std"/],
    [{ size: -3 }, /"size"/],
    [{ model: '../elsewhere.onnx' }, /"model"/],
    [{ normalise: true }, /"normalise"/],
    [[], /top level/],
  ])('refuses %j', (config, message) => {
    expect(() => validateModelJson(config)).toThrow(message);
  });

  it('accepts every field', () => {
    const config = { model: 'm.onnx', labels: 'l.txt', layout: 'NHWC', size: [384, 320], scale: '0-255', mean: [1, 2, 3], std: [4, 5, 6], output: 'logits' };
    expect(validateModelJson(config)).toEqual(config);
  });
});

describe('inference queue', () => {
  it('runs jobs one at a time, in order', async () => {
    const queue = new InferenceQueue(10);
    const events: string[] = [];
    const job = (name: string) => async () => {
      events.push(`${name} start`);
      await new Promise((resolve) => setImmediate(resolve));
      events.push(`${name} end`);
      return name;
    };
    expect(await Promise.all([queue.run(job('a')), queue.run(job('b')), queue.run(job('c'))])).toEqual(['a', 'b', 'c']);
    expect(events).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  });

  it('refuses with 503 when too many wait, and recovers when they are done', async () => {
    const queue = new InferenceQueue(1);
    let release!: () => void;
    const running = queue.run(() => new Promise<void>((resolve) => (release = resolve)));
    const waiting = queue.run(async () => 'second');
    const refused = queue.run(async () => 'third').catch((err: unknown) => err);
    expect(await refused).toBeInstanceOf(HttpError);
    expect(((await refused) as HttpError).status).toBe(503);
    release();
    await running;
    expect(await waiting).toBe('second');
    expect(await queue.run(async () => 'later')).toBe('later');
  });

  it('keeps going after a job fails', async () => {
    const queue = new InferenceQueue(4);
    await expect(queue.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await queue.run(async () => 'next')).toBe('next');
  });
});
