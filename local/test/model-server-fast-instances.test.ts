/** The model server's fast path for `{"instances": [...]}`: the same numbers as JSON.parse, or no answer. */
import { describe, expect, it } from 'vitest';
import { buildPredictBody } from '../../shared/src/server/model-client.ts';
import { parseInstancesFast } from '../src/model-server/fast-instances.ts';
import { parsePredictBody } from '../src/model-server/parse-predict-request.ts';
import { photoPixels } from './model-server-support.ts';

/** What JSON.parse makes of the body's instances, as the model server stores them. */
function viaJsonParse(body: string): { data: Float32Array; count: number; height: number; width: number } {
  const instances = (JSON.parse(body) as { instances: number[][][][] }).instances;
  return {
    data: Float32Array.from(instances.flat(3)),
    count: instances.length,
    height: instances[0]!.length,
    width: instances[0]![0]!.length,
  };
}

const pixelsOf = (bytes: number, seed: number): Uint8Array => Uint8Array.from({ length: bytes }, (_, i) => (i * 7919 + seed) % 256);

describe('parseInstancesFast', () => {
  it('reads the body predict-image sends for a real photo exactly as JSON.parse does', async () => {
    const rgb = Uint8Array.from(await photoPixels('zebra.jpg'), (v) => Math.round(v * 255));
    const body = buildPredictBody(rgb, 384, 384).toString('utf8');
    const fast = parseInstancesFast(Buffer.from(body));
    expect(fast).toBeDefined();
    expect(fast).toEqual(viaJsonParse(body));
  });

  it('reads every byte value 0..255 exactly as JSON.parse does', () => {
    const body = buildPredictBody(pixelsOf(256 * 3, 0), 256, 1).toString();
    expect(parseInstancesFast(Buffer.from(body))).toEqual(viaJsonParse(body));
  });

  it('takes any JSON whitespace, several images and numbers written other ways', () => {
    const image = (v: number) => [
      [[0, 0.5, 1], [0.25, 0.125, 1.0]],
      [[v, 0.333333333333333, 0.00001], [0.1, 0.2, 0.3]],
    ];
    const body = JSON.stringify({ instances: [image(0.75), image(0.5)] }, null, '\t').replace(/\n/g, '\r\n ');
    const fast = parseInstancesFast(Buffer.from(body));
    expect(fast).toMatchObject({ count: 2, height: 2, width: 2 });
    expect(fast).toEqual(viaJsonParse(body));
  });

  it('gives its result to parsePredictBody as a row request', () => {
    const body = buildPredictBody(pixelsOf(4 * 3 * 3, 5), 4, 3).toString();
    expect(parsePredictBody(body, 'input')).toEqual({ format: 'row', batch: viaJsonParse(body) });
  });

  it.each([
    ['another key too', '{"signature_name": "serving_default", "instances": [[[[0, 0, 0]]]]}'],
    ['columnar inputs', '{"inputs": [[[[0, 0, 0]]]]}'],
    ['named instances', '{"instances": [{"input": [[[0, 0, 0]]]}]}'],
    ['an exponent', '{"instances": [[[[1e-3, 0, 0]]]]}'],
    ['a negative number', '{"instances": [[[[-0.5, 0, 0]]]]}'],
    ['a number above 1', '{"instances": [[[[1.5, 0, 0]]]]}'],
    ['a leading zero', '{"instances": [[[[01, 0, 0]]]]}'],
    ['a point without digits', '{"instances": [[[[1., 0, 0]]]]}'],
    ['too many digits', '{"instances": [[[[0.1234567890123456, 0, 0]]]]}'],
    ['a string', '{"instances": [[[["0.5", 0, 0]]]]}'],
    ['two channels', '{"instances": [[[[0, 0]]]]}'],
    ['four channels', '{"instances": [[[[0, 0, 0, 0]]]]}'],
    ['ragged rows', '{"instances": [[[[0, 0, 0], [0, 0, 0]], [[0, 0, 0]]]]}'],
    ['images of two sizes', '{"instances": [[[[0, 0, 0]]], [[[0, 0, 0]], [[0, 0, 0]]]]}'],
    ['an empty list', '{"instances": []}'],
    ['something after the object', '{"instances": [[[[0, 0, 0]]]]} x'],
    ['a cut-off body', buildPredictBody(pixelsOf(12, 1), 2, 2).toString().slice(0, 40)],
    ['no body', ''],
  ])('leaves %s to the general parser', (_what, body) => {
    expect(parseInstancesFast(Buffer.from(body))).toBeUndefined();
  });

  it('leaves the general parser to word the errors', () => {
    expect(() => parsePredictBody('{"instances": [[[[1.5, 0, 0]]]]}', 'input')).toThrow(/values must be in \[0, 1\]/);
    expect(() => parsePredictBody('{"instances": [[[[0, 0]]]]}', 'input')).toThrow(/list of 3 numbers/);
  });
});
