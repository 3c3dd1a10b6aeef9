/** How the [0, 1] values clients send become the numbers a model was trained on. */

/** The range the [0, 1] input is first mapped to. */
export type Scale = '[0,1]' | '[-1,1]' | '0-255';
export const SCALES: readonly Scale[] = ['[0,1]', '[-1,1]', '0-255'];

export type Triple = readonly [number, number, number];

/** `(scale(x) - mean[c]) / std[c]` per RGB channel `c`. */
export interface Normalisation {
  scale: Scale;
  mean: Triple;
  std: Triple;
}

export const IMAGENET_MEAN: Triple = [0.485, 0.456, 0.406];
export const IMAGENET_STD: Triple = [0.229, 0.224, 0.225];

/** What a model gets when its folder says nothing: ImageNet mean/std on [0, 1] values. */
export const DEFAULT_NORMALISATION: Normalisation = { scale: '[0,1]', mean: IMAGENET_MEAN, std: IMAGENET_STD };

/**
 * The normalisation a model.json asks for. Setting none of scale/mean/std keeps the default;
 * setting any of them means "exactly this", so an unset mean is 0 and an unset std is 1
 * (e.g. `{"scale": "[-1,1]"}` alone feeds [-1, 1] values unchanged).
 */
export function normalisationFrom(overrides: Partial<Normalisation>): Normalisation {
  if (overrides.scale === undefined && overrides.mean === undefined && overrides.std === undefined) {
    return DEFAULT_NORMALISATION;
  }
  return { scale: overrides.scale ?? '[0,1]', mean: overrides.mean ?? [0, 0, 0], std: overrides.std ?? [1, 1, 1] };
}

/**
 * The normalisation folded into one multiply-add per channel: `value * factor[c] + offset[c]`
 * equals `(scale(value) - mean[c]) / std[c]`.
 */
export function channelAffine(n: Normalisation): { factor: Float64Array; offset: Float64Array } {
  const [k, o] = n.scale === '[0,1]' ? [1, 0] : n.scale === '[-1,1]' ? [2, -1] : [255, 0];
  const factor = new Float64Array(3);
  const offset = new Float64Array(3);
  for (let c = 0; c < 3; c++) {
    factor[c] = k / n.std[c]!;
    offset[c] = (o - n.mean[c]!) / n.std[c]!;
  }
  return { factor, offset };
}
