/** Input adaptation worked out by hand: bilinear resize, layout and normalisation. */
import { describe, expect, it } from 'vitest';
import { adaptBatch, DEFAULT_NORMALISATION, type InputSpec, type Normalisation } from '../src/model-server/index.ts';

const IDENTITY: Normalisation = { scale: '[0,1]', mean: [0, 0, 0], std: [1, 1, 1] };

/** One-channel test images: every pixel's R, G and B hold the same value. */
function grey(values: number[][]): { data: Float32Array; count: number; height: number; width: number } {
  const height = values.length;
  const width = values[0]!.length;
  return { data: Float32Array.from(values.flat().flatMap((v) => [v, v, v])), count: 1, height, width };
}

const spec = (height: number, width: number, overrides: Partial<InputSpec> = {}): InputSpec => ({
  layout: 'NHWC',
  height,
  width,
  normalisation: IDENTITY,
  ...overrides,
});

/** The red channel of an NHWC result. */
const red = (out: Float32Array) => Array.from(out.filter((_, i) => i % 3 === 0));

describe('bilinear resize (half-pixel centres)', () => {
  it('keeps an image of the same size unchanged', () => {
    const image = grey([
      [0.1, 0.2, 0.3],
      [0.4, 0.5, 0.6],
    ]);
    expect(Array.from(adaptBatch(image, spec(2, 3)))).toEqual(Array.from(image.data));
  });

  it('halves by averaging each 2×2 block', () => {
    const out = adaptBatch(
      grey([
        [0, 0.2, 0.4, 0.4],
        [0.2, 0.2, 0.4, 0.8],
        [1, 1, 0, 0],
        [1, 1, 0, 0.4],
      ]),
      spec(2, 2),
    );
    expect(red(out)).toEqual([0.15, 0.5, 1, 0.1].map(Math.fround));
  });

  it('shrinks 2×2 to the mean of all four pixels', () => {
    expect(red(adaptBatch(grey([[0, 0.4], [0.6, 1]]), spec(1, 1)))).toEqual([Math.fround(0.5)]);
  });

  it('doubles a row: edges clamp, inner pixels blend 3:1', () => {
    const out = adaptBatch(grey([[0, 0.8]]), spec(1, 4));
    expect(red(out)).toEqual([0, 0.2, 0.6, 0.8].map(Math.fround));
  });
});

describe('layout', () => {
  // One pixel pair with distinct channels: (r, g, b) = (0.1, 0.2, 0.3) and (0.4, 0.5, 0.6).
  const image = { data: Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]), count: 1, height: 1, width: 2 };

  it('NHWC keeps channels innermost', () => {
    expect(Array.from(adaptBatch(image, spec(1, 2)))).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6].map(Math.fround));
  });

  it('NCHW puts each channel plane together', () => {
    expect(Array.from(adaptBatch(image, spec(1, 2, { layout: 'NCHW' })))).toEqual(
      [0.1, 0.4, 0.2, 0.5, 0.3, 0.6].map(Math.fround),
    );
  });

  it('adapts every image of a batch', () => {
    const batch = { data: Float32Array.from([0, 0, 0, 1, 1, 1]), count: 2, height: 1, width: 1 };
    expect(Array.from(adaptBatch(batch, spec(1, 2, { layout: 'NCHW' })))).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
  });
});

describe('normalisation', () => {
  const pixel = { data: Float32Array.from([0.5, 0.25, 1]), count: 1, height: 1, width: 1 };
  const normalise = (normalisation: Normalisation) => Array.from(adaptBatch(pixel, spec(1, 1, { normalisation })));

  it('defaults to ImageNet mean/std on [0, 1]', () => {
    const expected = [(0.5 - 0.485) / 0.229, (0.25 - 0.456) / 0.224, (1 - 0.406) / 0.225];
    normalise(DEFAULT_NORMALISATION).forEach((v, c) => expect(v).toBeCloseTo(expected[c]!, 6));
  });

  it('maps to [-1, 1]', () => {
    expect(normalise({ ...IDENTITY, scale: '[-1,1]' })).toEqual([0, -0.5, 1]);
  });

  it('maps to 0-255, then applies mean and std in that range', () => {
    expect(normalise({ scale: '0-255', mean: [127.5, 0, 0], std: [127.5, 1, 255] })).toEqual([0, 63.75, 1]);
  });
});
