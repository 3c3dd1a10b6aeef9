/**
 * Turns what clients send (RGB images, NHWC, values in [0, 1], any height and width) into the
 * model's input tensor: bilinear resize to the model's size, normalisation, NCHW or NHWC.
 */
import type { Layout } from './model-bundle.ts';
import { channelAffine, type Normalisation } from './normalisation.ts';

/** `count` RGB images of `height`×`width`, flat NHWC. */
export interface ImageBatch {
  data: Float32Array;
  count: number;
  height: number;
  width: number;
}

/** What the model's input needs. */
export interface InputSpec {
  layout: Layout;
  height: number;
  width: number;
  normalisation: Normalisation;
}

/**
 * Source sample positions for one axis, half-pixel centred (as TensorFlow's and OpenCV's
 * bilinear resize): output pixel `i` reads source position `(i + 0.5) * from / to - 0.5`,
 * clamped to the image, between pixels `lo[i]` and `hi[i]` with weight `frac[i]` on `hi`.
 */
function samplePositions(from: number, to: number): { lo: Int32Array; hi: Int32Array; frac: Float64Array } {
  const lo = new Int32Array(to);
  const hi = new Int32Array(to);
  const frac = new Float64Array(to);
  const ratio = from / to;
  for (let i = 0; i < to; i++) {
    const pos = Math.min(Math.max((i + 0.5) * ratio - 0.5, 0), from - 1);
    const l = Math.floor(pos);
    lo[i] = l;
    hi[i] = Math.min(l + 1, from - 1);
    frac[i] = pos - l;
  }
  return { lo, hi, frac };
}

/** The model input for a whole batch: `count` × the model's image, in the model's layout. */
export function adaptBatch(batch: ImageBatch, spec: InputSpec): Float32Array {
  const { height: H, width: W } = batch;
  const { height: h, width: w } = spec;
  const out = new Float32Array(batch.count * 3 * h * w);
  const ys = samplePositions(H, h);
  const xs = samplePositions(W, w);
  const { factor, offset } = channelAffine(spec.normalisation);
  // Where channel c of output pixel p goes: p * pixelStride + c * channelStride.
  const [pixelStride, channelStride] = spec.layout === 'NCHW' ? [1, h * w] : [3, 1];
  const inStride = H * W * 3;
  const outStride = 3 * h * w;

  for (let n = 0; n < batch.count; n++) {
    const src = batch.data.subarray(n * inStride, (n + 1) * inStride);
    const dst = out.subarray(n * outStride, (n + 1) * outStride);
    for (let y = 0; y < h; y++) {
      const row0 = ys.lo[y]! * W * 3;
      const row1 = ys.hi[y]! * W * 3;
      const fy = ys.frac[y]!;
      for (let x = 0; x < w; x++) {
        const col0 = xs.lo[x]! * 3;
        const col1 = xs.hi[x]! * 3;
        const fx = xs.frac[x]!;
        const p = (y * w + x) * pixelStride;
        for (let c = 0; c < 3; c++) {
          const top = src[row0 + col0 + c]! * (1 - fx) + src[row0 + col1 + c]! * fx;
          const bottom = src[row1 + col0 + c]! * (1 - fx) + src[row1 + col1 + c]! * fx;
          const value = top * (1 - fy) + bottom * fy;
          dst[p + c * channelStride] = value * factor[c]! + offset[c]!;
        }
      }
    }
  }
  return out;
}
