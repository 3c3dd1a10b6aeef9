import { readFile } from 'node:fs/promises';
import { LIMITS, type Label } from '../contract/index.ts';
import { modelSettings } from './config.ts';
import { ApiError } from './errors.ts';

/** The side of the square image the model is called with (EfficientNetV2-S's 384×384). */
export const MODEL_INPUT_SIZE = 384;

/** Each byte value 0..255 as the text of value/255, six decimals at most (8-bit input needs no more). */
const VALUE_TEXT: string[] = Array.from({ length: 256 }, (_, i) =>
  i === 0 ? '0' : i === 255 ? '1' : (i / 255).toFixed(6).replace(/0+$/, ''),
);
/** Those texts as bytes, one 8-byte slot per value, and each text's length. */
const VALUE_BYTES = new Uint8Array(256 * 8);
const VALUE_LENGTH = new Uint8Array(256);
VALUE_TEXT.forEach((text, v) => {
  VALUE_LENGTH[v] = text.length;
  VALUE_BYTES.set(Buffer.from(text, 'latin1'), v * 8);
});

/**
 * `{"instances": [H×W×3 array of values in [0, 1]]}` for TF Serving, written straight into one
 * buffer: about 440,000 numbers, so no intermediate arrays or strings.
 */
export function buildPredictBody(rgb: Uint8Array, width: number, height: number): Buffer {
  if (rgb.length !== width * height * 3) throw new Error(`expected ${width * height * 3} RGB bytes, got ${rgb.length}`);
  const head = '{"instances":[[';
  const tail = ']]}';
  // Upper bound: 8 bytes per number and a comma, brackets per pixel and row, and one slot of slack.
  const out = Buffer.allocUnsafe(head.length + tail.length + rgb.length * 9 + height * 3 + width * height * 3 + 8);
  const text = VALUE_BYTES;
  const length = VALUE_LENGTH;
  let o = out.write(head, 0, 'latin1');
  let i = 0;
  for (let y = 0; y < height; y++) {
    if (y > 0) out[o++] = 0x2c; // ,
    out[o++] = 0x5b; // [
    for (let x = 0; x < width; x++) {
      if (x > 0) out[o++] = 0x2c;
      out[o++] = 0x5b;
      for (let c = 0; c < 3; c++) {
        if (c > 0) out[o++] = 0x2c;
        // The whole 8-byte slot is copied and the end moved by the text's length: no inner loop,
        // and what lies past the text is overwritten by what comes next.
        const v = rgb[i++]!;
        const s = v << 3;
        out[o] = text[s]!;
        out[o + 1] = text[s + 1]!;
        out[o + 2] = text[s + 2]!;
        out[o + 3] = text[s + 3]!;
        out[o + 4] = text[s + 4]!;
        out[o + 5] = text[s + 5]!;
        out[o + 6] = text[s + 6]!;
        out[o + 7] = text[s + 7]!;
        o += length[v]!;
      }
      out[o++] = 0x5d; // ]
    }
    out[o++] = 0x5d;
  }
  o += out.write(tail, o, 'latin1');
  return out.subarray(0, o);
}

let labelsPromise: Promise<string[]> | undefined;

/** The class names, one per line in class order, from MODEL_LABELS (a file path or an http(s) URL). */
export function loadLabels(): Promise<string[]> {
  labelsPromise ??= (async () => {
    const source = modelSettings().labels;
    if (!source) throw new ApiError('recognition_unavailable', 'Image recognition is not configured on this server (no labels).');
    const text = /^https?:\/\//.test(source)
      ? await fetch(source, { signal: AbortSignal.timeout(10_000) }).then((r) => {
          if (!r.ok) throw new Error(`labels: HTTP ${r.status}`);
          return r.text();
        })
      : await readFile(source, 'utf8');
    const lines = text.split(/\r?\n/).map((l) => l.trim());
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    if (lines.length !== 1000 && lines.length !== 1001) {
      throw new Error(`labels: expected 1000 or 1001 lines, found ${lines.length}`);
    }
    return lines;
  })().catch((err: unknown) => {
    labelsPromise = undefined;
    // Like the model server itself, an unreadable labels source makes recognition unavailable.
    throw err instanceof ApiError
      ? err
      : new ApiError('recognition_unavailable', 'Image recognition is unavailable right now. Try again shortly.', { cause: err });
  });
  return labelsPromise;
}

/** Softmax of logits, then the `k` most probable classes named from `labels`, highest first. */
export function topLabels(scores: number[], labels: string[], k: number = LIMITS.labelsMax): Label[] {
  let names = labels;
  let logits = scores;
  // A 1001-entry side carries a leading background class, which is no label for a photo.
  if (logits.length === 1001) logits = logits.slice(1);
  if (names.length === 1001) names = names.slice(1);
  if (logits.length !== names.length) throw new Error(`model gave ${logits.length} scores for ${names.length} labels`);
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  let sum = 0;
  const exp = logits.map((v) => {
    const e = Math.exp(v - max);
    sum += e;
    return e;
  });
  return exp
    .map((e, index) => ({ index, score: e / sum }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k)
    .map(({ index, score }) => ({ name: names[index]!, score }));
}

class ModelAnswerError extends Error {
  override name = 'ModelAnswerError';
}

/** The one row of scores in a TF Serving predict answer, checked strictly. */
function scoresOf(answer: unknown): number[] {
  const predictions = (answer as { predictions?: unknown } | null)?.predictions;
  if (!Array.isArray(predictions) || predictions.length !== 1) throw new ModelAnswerError('expected one row of predictions');
  const row = predictions[0] as unknown;
  if (!Array.isArray(row) || (row.length !== 1000 && row.length !== 1001)) {
    throw new ModelAnswerError('expected 1000 or 1001 scores');
  }
  for (const v of row) if (typeof v !== 'number' || !Number.isFinite(v)) throw new ModelAnswerError('scores must be finite numbers');
  return row as number[];
}

const unavailable = (cause: unknown) =>
  new ApiError(
    'recognition_unavailable',
    (cause as { name?: string }).name === 'TimeoutError'
      ? 'Image recognition took too long. Try again.'
      : 'Image recognition is unavailable right now. Try again shortly.',
    { cause },
  );

const unreadable = (cause: unknown) =>
  new ApiError('bad_gateway', 'Image recognition gave an answer we could not read.', { cause });

const RETRYABLE = new Set(['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']);

function isRetryable(err: unknown): boolean {
  const cause = (err as { cause?: { code?: string } }).cause;
  return RETRYABLE.has(cause?.code ?? '') || RETRYABLE.has((err as { code?: string }).code ?? '');
}

/**
 * Classifies a 384×384 RGB image with TensorFlow Serving's REST API: timeout per call, one retry
 * on 503 or a reset connection. Failures are ApiErrors: 503 when the server is down or slow,
 * 502 when its answer makes no sense.
 */
export async function classify(rgb: Uint8Array): Promise<Label[]> {
  const s = modelSettings();
  if (!s.url) throw new ApiError('recognition_unavailable', 'Image recognition is not available on this server.');
  const labels = await loadLabels();
  const body = buildPredictBody(rgb, MODEL_INPUT_SIZE, MODEL_INPUT_SIZE);
  const url = `${s.url.replace(/\/$/, '')}/v1/models/${encodeURIComponent(s.name)}:predict`;
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
        signal: AbortSignal.timeout(s.timeoutMs),
      });
    } catch (err) {
      if (attempt === 1 && isRetryable(err)) continue;
      throw unavailable(err);
    }
    if (response.status === 503 && attempt === 1) {
      await response.body?.cancel();
      continue;
    }
    if (response.status >= 500) {
      await response.body?.cancel();
      throw new ApiError('recognition_unavailable', 'Image recognition is unavailable right now. Try again shortly.');
    }
    let answer: unknown;
    try {
      if (!response.ok) throw new ModelAnswerError(`model server answered HTTP ${response.status}`);
      answer = await response.json();
    } catch (err) {
      // A body that stalls past the timeout or is cut off is the server failing, not a bad answer.
      if (!(err instanceof ModelAnswerError || err instanceof SyntaxError)) throw unavailable(err);
      throw unreadable(err);
    }
    try {
      return topLabels(scoresOf(answer), labels);
    } catch (err) {
      throw unreadable(err);
    }
  }
}
