/**
 * The TF Serving client: the predict body, softmax and top ten, and `classify` against small real
 * HTTP servers that misbehave in the ways a model server can.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../src/server/errors.ts';
import { MODEL_INPUT_SIZE, buildPredictBody, classify, topLabels } from '../src/server/model-client.ts';

const SIZE = MODEL_INPUT_SIZE;
const NAMES = Array.from({ length: 1000 }, (_, i) => `class ${i}`);

/** Pixels with every byte value 0..255 many times over, in a fixed pseudo-random order. */
function testPixels(width = SIZE, height = SIZE): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  let x = 12345;
  for (let i = 0; i < rgb.length; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    rgb[i] = i < 256 ? i : x >> 23;
  }
  return rgb;
}

/** 1000 logits: 0 everywhere but `peaks` (index → logit). */
function logits(peaks: Record<number, number>, length = 1000): number[] {
  const out = new Array<number>(length).fill(0);
  for (const [i, v] of Object.entries(peaks)) out[Number(i)] = v;
  return out;
}

function softmax(values: number[]): number[] {
  const max = Math.max(...values);
  const exp = values.map((v) => Math.exp(v - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return exp.map((e) => e / sum);
}

describe('buildPredictBody', () => {
  it('is JSON of exactly one 384×384×3 instance holding each byte / 255', () => {
    const rgb = testPixels();
    const body = JSON.parse(buildPredictBody(rgb, SIZE, SIZE).toString('utf8')) as { instances: number[][][][] };
    expect(Object.keys(body)).toEqual(['instances']);
    expect(body.instances).toHaveLength(1);
    const image = body.instances[0]!;
    expect(image).toHaveLength(SIZE);
    let worst = 0;
    let i = 0;
    const shapes = new Set<string>();
    for (const row of image) {
      shapes.add(`row of ${row.length}`);
      for (const pixel of row) {
        shapes.add(`pixel of ${pixel.length}`);
        for (const value of pixel) worst = Math.max(worst, Math.abs(value - rgb[i++]! / 255));
      }
    }
    expect([...shapes]).toEqual([`row of ${SIZE}`, 'pixel of 3']);
    expect(i).toBe(rgb.length);
    expect(worst).toBeLessThanOrEqual(1e-6);
  });

  it('writes 0 and 1 exactly and every other value within 1e-6', () => {
    const rgb = Uint8Array.from({ length: 256 * 3 }, (_, i) => i % 256);
    const values = (JSON.parse(buildPredictBody(rgb, 256, 1).toString()) as { instances: number[][][][] }).instances[0]!
      .flat(2);
    expect(values[0]).toBe(0);
    expect(values[255]).toBe(1);
    values.forEach((v, i) => expect(Math.abs(v - (i % 256) / 255)).toBeLessThanOrEqual(1e-6));
  });

  it('keeps rows, columns and channels in order for a non-square image', () => {
    // 2 wide, 3 high: pixel (x, y) has channels [10y + x, 100 + x, 200 + y].
    const rgb = new Uint8Array(2 * 3 * 3);
    for (let y = 0; y < 3; y++) for (let x = 0; x < 2; x++) rgb.set([10 * y + x, 100 + x, 200 + y], (y * 2 + x) * 3);
    const image = (JSON.parse(buildPredictBody(rgb, 2, 3).toString()) as { instances: number[][][][] }).instances[0]!;
    expect(image.map((row) => row.map((px) => px.map((v) => Math.round(v * 255))))).toEqual([
      [[0, 100, 200], [1, 101, 200]],
      [[10, 100, 201], [11, 101, 201]],
      [[20, 100, 202], [21, 101, 202]],
    ]);
  });

  it('refuses pixels that do not match the size', () => {
    expect(() => buildPredictBody(new Uint8Array(10), 2, 2)).toThrow(/expected 12 RGB bytes/);
  });
});

describe('topLabels', () => {
  it('softmaxes the logits and names the ten most probable, highest first', () => {
    const scores = logits({ 7: 9, 3: 8, 999: 7.5, 0: 2, 500: -3 });
    const expected = softmax(scores);
    const top = topLabels(scores, NAMES);
    expect(top).toHaveLength(10);
    expect(top.slice(0, 4).map((l) => l.name)).toEqual(['class 7', 'class 3', 'class 999', 'class 0']);
    for (const label of top) {
      const index = NAMES.indexOf(label.name);
      expect(label.score).toBeCloseTo(expected[index]!, 12);
      expect(label.score).toBeGreaterThanOrEqual(0);
      expect(label.score).toBeLessThanOrEqual(1);
    }
    for (let i = 1; i < top.length; i++) expect(top[i]!.score).toBeLessThanOrEqual(top[i - 1]!.score);
    expect(top.reduce((sum, l) => sum + l.score, 0)).toBeLessThanOrEqual(1);
  });

  it('gives at most k labels', () => {
    expect(topLabels(logits({ 1: 1 }), NAMES, 3)).toHaveLength(3);
    expect(topLabels(logits({ 1: 1 }), NAMES, 1)).toEqual([{ name: 'class 1', score: expect.any(Number) }]);
  });

  it('stays finite for very large and very small logits', () => {
    const top = topLabels(logits({ 4: 10_000, 5: 9_999, 6: -10_000 }), NAMES);
    expect(top[0]).toEqual({ name: 'class 4', score: expect.closeTo(1 / (1 + Math.exp(-1)), 12) });
    for (const l of top) expect(Number.isFinite(l.score)).toBe(true);
  });

  it('drops a leading background score when the model gives 1001 for 1000 names', () => {
    // Background (index 0) is the most probable, yet no label for a photo.
    const scores = [20, ...logits({ 7: 9, 3: 8 })];
    const top = topLabels(scores, NAMES);
    expect(top.map((l) => l.name).slice(0, 2)).toEqual(['class 7', 'class 3']);
    expect(top[0]!.score).toBeCloseTo(softmax(logits({ 7: 9, 3: 8 }))[7]!, 12);
  });

  it('drops a leading background name when a 1001-line labels file meets 1000 scores', () => {
    const top = topLabels(logits({ 7: 9, 3: 8 }), ['background', ...NAMES]);
    expect(top.map((l) => l.name).slice(0, 2)).toEqual(['class 7', 'class 3']);
  });

  it('never names the background class when both sides have 1001 entries', () => {
    const top = topLabels([20, ...logits({ 7: 9, 3: 8 })], ['background', ...NAMES]);
    expect(top.map((l) => l.name)).not.toContain('background');
    expect(top.map((l) => l.name).slice(0, 2)).toEqual(['class 7', 'class 3']);
  });

  it('refuses scores and names that do not pair up', () => {
    expect(() => topLabels(logits({}, 999), NAMES)).toThrow(/999 scores for 1000 labels/);
    expect(() => topLabels(logits({}, 1000), NAMES.slice(0, 10))).toThrow(/1000 scores for 10 labels/);
  });
});

/** A real HTTP server on the loopback interface that answers predict calls with `answer`. */
interface StubServer {
  url: string;
  /** Predict requests received so far. */
  calls: number;
  lastBody: string | undefined;
  lastRequest: IncomingMessage | undefined;
  close(): Promise<void>;
}

type Answer = (req: IncomingMessage, res: ServerResponse, call: number) => void;

const servers: Server[] = [];

async function stubModelServer(answer: Answer): Promise<StubServer> {
  const stub: StubServer = { url: '', calls: 0, lastBody: undefined, lastRequest: undefined, close: async () => undefined };
  const server = createServer((req, res) => {
    const call = ++stub.calls;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      stub.lastBody = Buffer.concat(chunks).toString('utf8');
      stub.lastRequest = req;
      answer(req, res, call);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stub.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  process.env.MODEL_URL = stub.url;
  return stub;
}

const sendJson = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};

const GOOD_SCORES = logits({ 7: 9, 3: 8 });
const answerGood: Answer = (_req, res) => sendJson(res, 200, { predictions: [GOOD_SCORES] });

/** The ApiError `work` rejects with. */
async function apiErrorOf(work: Promise<unknown>): Promise<ApiError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe('classify', () => {
  const pixels = testPixels();
  let dir: string;
  const saved = { ...process.env };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'model-client-'));
    writeFileSync(join(dir, 'labels.txt'), `${NAMES.join('\n')}\n`);
    writeFileSync(join(dir, 'short-labels.txt'), NAMES.slice(0, 999).join('\n'));
    process.env.MODEL_NAME = 'test-model';
    process.env.MODEL_TIMEOUT_MS = '300';
  });

  afterEach(async () => {
    await Promise.all(
      servers.splice(0).map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          }),
      ),
    );
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const key of ['MODEL_URL', 'MODEL_NAME', 'MODEL_LABELS', 'MODEL_TIMEOUT_MS']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  // The labels are loaded once per process and kept, so the unreadable-labels cases run first.
  it('is unavailable (503) while the labels file is missing or not 1000/1001 lines', async () => {
    const stub = await stubModelServer(answerGood);
    process.env.MODEL_LABELS = join(dir, 'missing.txt');
    expect((await apiErrorOf(classify(pixels))).code).toBe('recognition_unavailable');
    process.env.MODEL_LABELS = join(dir, 'short-labels.txt');
    const err = await apiErrorOf(classify(pixels));
    expect(err.code).toBe('recognition_unavailable');
    expect(err.status).toBe(503);
    expect(String((err.cause as Error).message)).toMatch(/expected 1000 or 1001 lines, found 999/);
    expect(stub.calls).toBe(0);
    // A failed load is not kept: once the file is right, recognition works.
    process.env.MODEL_LABELS = join(dir, 'labels.txt');
    expect((await classify(pixels))[0]!.name).toBe('class 7');
  });

  it('posts the instance to /v1/models/<name>:predict and names the top ten', async () => {
    const stub = await stubModelServer(answerGood);
    const labels = await classify(pixels);
    expect(stub.calls).toBe(1);
    expect(stub.lastRequest!.method).toBe('POST');
    expect(stub.lastRequest!.url).toBe('/v1/models/test-model:predict');
    expect(stub.lastRequest!.headers['content-type']).toBe('application/json');
    expect(stub.lastBody).toBe(buildPredictBody(pixels, SIZE, SIZE).toString('utf8'));
    expect(labels).toEqual(topLabels(GOOD_SCORES, NAMES));
    expect(labels.slice(0, 2).map((l) => l.name)).toEqual(['class 7', 'class 3']);
  });

  it('accepts 1001 scores with a leading background class', async () => {
    await stubModelServer((_req, res) => sendJson(res, 200, { predictions: [[30, ...GOOD_SCORES]] }));
    const labels = await classify(pixels);
    expect(labels).toHaveLength(10);
    expect(labels[0]).toEqual({ name: 'class 7', score: expect.closeTo(softmax(GOOD_SCORES)[7]!, 12) });
  });

  it.each([
    ['not JSON', (res: ServerResponse) => res.end('<html>hello</html>')],
    ['no predictions', (res: ServerResponse) => sendJson(res, 200, { outputs: [GOOD_SCORES] })],
    ['999 scores', (res: ServerResponse) => sendJson(res, 200, { predictions: [GOOD_SCORES.slice(1)] })],
    ['1002 scores', (res: ServerResponse) => sendJson(res, 200, { predictions: [[1, 2, ...GOOD_SCORES]] })],
    ['two rows', (res: ServerResponse) => sendJson(res, 200, { predictions: [GOOD_SCORES, GOOD_SCORES] })],
    ['a score that is text', (res: ServerResponse) => sendJson(res, 200, { predictions: [['1', ...GOOD_SCORES.slice(1)]] })],
    ['a null score', (res: ServerResponse) => sendJson(res, 200, { predictions: [[null, ...GOOD_SCORES.slice(1)]] })],
    ['TF Serving 400', (res: ServerResponse) => sendJson(res, 400, { error: 'Failed to process element: 0' })],
    ['TF Serving 404', (res: ServerResponse) => sendJson(res, 404, { error: 'Servable not found for request' })],
  ])('answers 502 for garbage from the model server: %s', async (_what, answer) => {
    const stub = await stubModelServer((_req, res) => answer(res));
    const err = await apiErrorOf(classify(pixels));
    expect(err.code).toBe('bad_gateway');
    expect(err.status).toBe(502);
    expect(err.message).not.toMatch(/127\.0\.0\.1|predict|html/i);
    expect(stub.calls).toBe(1);
  });

  it('retries once after a 503 and then succeeds', async () => {
    const stub = await stubModelServer((req, res, call) =>
      call === 1 ? sendJson(res, 503, { error: 'The inference queue is full; retry later' }) : answerGood(req, res, call),
    );
    expect((await classify(pixels))[0]!.name).toBe('class 7');
    expect(stub.calls).toBe(2);
  });

  it('gives up after a second 503 (503 recognition_unavailable)', async () => {
    const stub = await stubModelServer((_req, res) => sendJson(res, 503, { error: 'busy' }));
    const err = await apiErrorOf(classify(pixels));
    expect(err.code).toBe('recognition_unavailable');
    expect(err.status).toBe(503);
    expect(stub.calls).toBe(2);
  });

  it('does not retry other server errors', async () => {
    const stub = await stubModelServer((_req, res) => sendJson(res, 500, { error: 'boom' }));
    expect((await apiErrorOf(classify(pixels))).code).toBe('recognition_unavailable');
    expect(stub.calls).toBe(1);
  });

  it('retries once after a reset connection and then succeeds', async () => {
    const stub = await stubModelServer((req, res, call) => (call === 1 ? req.socket.destroy() : answerGood(req, res, call)));
    expect((await classify(pixels))[0]!.name).toBe('class 7');
    expect(stub.calls).toBe(2);
  });

  it('gives up after a second reset connection (503)', async () => {
    const stub = await stubModelServer((req) => req.socket.destroy());
    expect((await apiErrorOf(classify(pixels))).code).toBe('recognition_unavailable');
    expect(stub.calls).toBe(2);
  });

  it('gives up when the server answers later than MODEL_TIMEOUT_MS (503, no retry)', async () => {
    const stub = await stubModelServer((req, res, call) => setTimeout(() => answerGood(req, res, call), 1500));
    const err = await apiErrorOf(classify(pixels));
    expect(err.code).toBe('recognition_unavailable');
    expect(err.message).toMatch(/took too long/);
    expect(stub.calls).toBe(1);
  });

  it('gives up when the answer stalls half-way past MODEL_TIMEOUT_MS (503, not 502)', async () => {
    await stubModelServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write('{"predictions": [[1, 2, ');
      setTimeout(() => res.end(`${GOOD_SCORES.slice(2).join(',')}]]}`), 1500);
    });
    const err = await apiErrorOf(classify(pixels));
    expect(err.code).toBe('recognition_unavailable');
    expect(err.message).toMatch(/took too long/);
  });

  it('is unavailable (503) when the answer is cut off mid-body', async () => {
    await stubModelServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100000' });
      res.write('{"predictions": [[1, 2, ', () => req.socket.destroy());
    });
    expect((await apiErrorOf(classify(pixels))).code).toBe('recognition_unavailable');
  });

  it('is unavailable (503) when nothing listens at MODEL_URL', async () => {
    const stub = await stubModelServer(answerGood);
    await stub.close();
    const err = await apiErrorOf(classify(pixels));
    expect(err.code).toBe('recognition_unavailable');
    expect(err.message).toMatch(/unavailable right now/);
  });

  it('is unavailable (503) when MODEL_URL is not set', async () => {
    delete process.env.MODEL_URL;
    const err = await apiErrorOf(classify(pixels));
    expect(err.code).toBe('recognition_unavailable');
    expect(err.message).toMatch(/not available on this server/);
  });
});
