/** Helpers for the model server tests: real photos as request instances, and plain HTTP calls. */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { testImagesDir, testModelDir } from '../../test/support/paths.ts';
import { startModelServer, type ModelServer, type ModelServerOptions } from '../src/model-server/index.ts';

export const MODEL_NAME = 'efficientnetv2-s';
export const SIZE = 384;

/** A photo as predict-image sends it: 384×384 RGB, values in [0, 1], flat HWC. */
export async function photoPixels(file: string, size = SIZE): Promise<Float32Array> {
  const data = await sharp(join(testImagesDir, file)).rotate().resize(size, size).removeAlpha().raw().toBuffer();
  return Float32Array.from(data, (v) => v / 255);
}

/** Flat HWC pixels as the nested height×width×3 list a JSON instance holds. */
export function toNested(pixels: Float32Array, height: number, width: number): number[][][] {
  const image: number[][][] = [];
  for (let y = 0; y < height; y++) {
    const row: number[][] = [];
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      row.push([pixels[i]!, pixels[i + 1]!, pixels[i + 2]!]);
    }
    image.push(row);
  }
  return image;
}

export async function photoInstance(file: string): Promise<number[][][]> {
  return toNested(await photoPixels(file), SIZE, SIZE);
}

export async function modelFile(): Promise<string> {
  const onnx = (await readdir(testModelDir)).filter((f) => f.endsWith('.onnx'));
  if (onnx.length !== 1) throw new Error(`expected one .onnx in ${testModelDir}`);
  return join(testModelDir, onnx[0]!);
}

/** Starts a server on the real test model, runs `body`, and always closes the server. */
export async function withServer<T>(
  body: (server: ModelServer) => Promise<T>,
  options: Partial<ModelServerOptions> = {},
): Promise<T> {
  const server = await startModelServer({ modelDir: testModelDir, port: 0, ...options });
  try {
    return await body(server);
  } finally {
    await server.close();
  }
}

export interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

export async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body };
}

export function predict(server: ModelServer, body: unknown, path = `/v1/models/${MODEL_NAME}:predict`): Promise<Answer> {
  return call(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export function argmax(scores: number[]): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! > scores[best]!) best = i;
  return best;
}

export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
