/**
 * Reads a TF Serving predict body into one flat batch. Row format: `{"instances": [image, ...]}`
 * (or `[{"<input>": image}, ...]`); columnar: `{"inputs": [image, ...]}` or
 * `{"inputs": {"<input>": [image, ...]}}`. An image is a height×width×3 nested list of numbers
 * in [0, 1]; all images of a request have the same size.
 */
import type { ImageBatch } from './adapt-input.ts';
import { parseInstancesFast } from './fast-instances.ts';
import { badRequest } from './http-error.ts';

/** Row requests are answered with `predictions`, columnar ones with `outputs`. */
export type PredictFormat = 'row' | 'columnar';

export interface PredictInput {
  format: PredictFormat;
  batch: ImageBatch;
}

const DEFAULT_SIGNATURE = 'serving_default';

export function parsePredictBody(raw: string | Buffer, inputName: string): PredictInput {
  // The app's own request shape, read without JSON.parse; anything else takes the general path.
  const fast = parseInstancesFast(typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw);
  if (fast) return { format: 'row', batch: fast };
  const body = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (body.trim() === '') throw badRequest('JSON Parse error: The document is empty');
  let request: unknown;
  try {
    request = JSON.parse(body);
  } catch (err) {
    throw badRequest(`JSON Parse error: ${(err as Error).message.slice(0, 300)}`);
  }
  if (!isPlainObject(request)) throw badRequest('The request body must be a JSON object');

  const signature = request.signature_name;
  if (signature !== undefined) {
    if (typeof signature !== 'string') throw badRequest("'signature_name' key must be a string value.");
    if (signature !== '' && signature !== DEFAULT_SIGNATURE) {
      throw badRequest(`Serving signature name: "${signature}" not found in signature def`);
    }
  }
  const { instances, inputs } = request;
  if (instances !== undefined && inputs !== undefined) {
    throw badRequest("Not expecting both 'inputs' and 'instances' keys to exist");
  }
  if (instances !== undefined) {
    return { format: 'row', batch: toImageBatch(unwrapNamedInstances(instances, inputName), 'instances') };
  }
  if (inputs !== undefined) {
    return { format: 'columnar', batch: toImageBatch(unwrapNamedInput(inputs, inputName), 'inputs') };
  }
  throw badRequest("Missing 'inputs' or 'instances' key");
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function namedValue(o: Record<string, unknown>, inputName: string, where: string): unknown {
  const keys = Object.keys(o);
  if (keys.length !== 1 || keys[0] !== inputName) {
    throw badRequest(`${where} must name exactly the input "${inputName}" (got ${keys.map((k) => `"${k}"`).join(', ') || 'no keys'})`);
  }
  return o[inputName];
}

function unwrapNamedInstances(instances: unknown, inputName: string): unknown {
  if (!Array.isArray(instances) || !isPlainObject(instances[0])) return instances;
  return instances.map((item, i) => {
    if (!isPlainObject(item)) throw badRequest(`instances[${i}] must be an object like instances[0]`);
    return namedValue(item, inputName, `instances[${i}]`);
  });
}

function unwrapNamedInput(inputs: unknown, inputName: string): unknown {
  return isPlainObject(inputs) ? namedValue(inputs, inputName, "'inputs'") : inputs;
}

function rankOf(v: unknown): number {
  let rank = 0;
  while (Array.isArray(v)) {
    rank++;
    v = v[0];
  }
  return rank;
}

const shapeHelp = '[batch, height, width, 3] of numbers in [0, 1]';

/** Validates every level of the nested lists and copies the numbers into one Float32Array. */
function toImageBatch(tensor: unknown, key: string): ImageBatch {
  if (!Array.isArray(tensor) || tensor.length === 0) throw badRequest(`'${key}' must be a non-empty list: ${shapeHelp}`);
  const rank = rankOf(tensor);
  if (rank !== 4) throw badRequest(`'${key}' has rank ${rank}; expected rank 4, ${shapeHelp}`);
  const count = tensor.length;
  const height = (tensor[0] as unknown[]).length;
  const width = ((tensor[0] as unknown[][])[0] as unknown[]).length;
  if (height === 0 || width === 0) throw badRequest(`'${key}' holds an empty image; expected ${shapeHelp}`);

  // Check the shape before allocating, so a short body cannot ask for a huge buffer.
  for (let n = 0; n < count; n++) {
    const image: unknown = tensor[n];
    if (!Array.isArray(image) || image.length !== height) {
      throw badRequest(`${key}[${n}] must be a list of ${height} rows like ${key}[0]; all images need the same size`);
    }
    for (let y = 0; y < height; y++) {
      const row: unknown = image[y];
      if (!Array.isArray(row) || row.length !== width) {
        throw badRequest(`${key}[${n}][${y}] must be a list of ${width} pixels; all images need the same size`);
      }
    }
  }

  const data = new Float32Array(count * height * width * 3);
  let i = 0;
  for (let n = 0; n < count; n++) {
    const image = tensor[n] as unknown[][];
    for (let y = 0; y < height; y++) {
      const row = image[y]!;
      for (let x = 0; x < width; x++) {
        const pixel = row[x];
        if (!Array.isArray(pixel) || pixel.length !== 3) {
          throw badRequest(`${key}[${n}][${y}][${x}] must be a list of 3 numbers (R, G, B)`);
        }
        for (let c = 0; c < 3; c++) {
          const v: unknown = pixel[c];
          if (typeof v !== 'number') {
            throw badRequest(`${key}[${n}][${y}][${x}][${c}]: JSON Value: ${JSON.stringify(v)} is not of expected type: float`);
          }
          if (!(v >= 0 && v <= 1)) throw badRequest(`${key}[${n}][${y}][${x}][${c}] is ${v}; values must be in [0, 1]`);
          data[i++] = v;
        }
      }
    }
  }
  return { data, count, height, width };
}
