/**
 * Custom Python layer classes: refused with the way to register a TypeScript class of the same
 * name (src/model/layers/custom), and converted, validated and exact once such a class is in
 * CUSTOM_LAYER_CLASSES.
 */
import * as tf from '@tensorflow/tfjs-core';
import { convertKeras } from '../../../src/converter/convert';
import { CUSTOM_LAYER_CLASSES } from '../../../src/model/layers/custom';
import { CP, CUSTOM_FIXTURE, CUSTOM_WEIGHTS, TokenAndPositionEmbedding } from '../../fixtures/keras/custom-layer-spec';
import { fixture, loadResult } from './helpers';
import { maxAbsDiff } from './gru-reference';

jest.setTimeout(60_000);

describe('custom layer classes', () => {
  afterEach(() => {
    CUSTOM_LAYER_CLASSES.length = 0;
  });

  it('are refused with how to register a TypeScript class of the same name', async () => {
    await expect(convertKeras(fixture(CUSTOM_FIXTURE), { inputPath: CUSTOM_FIXTURE })).rejects.toThrow(
      /layer "token_and_position_embedding" \(TokenAndPositionEmbedding\): .*static className = "TokenAndPositionEmbedding".*src\/model\/layers\/custom\/.*CUSTOM_LAYER_CLASSES/,
    );
  });

  it('convert, validate and predict exactly once the class is registered in src/model/layers/custom', async () => {
    CUSTOM_LAYER_CLASSES.push(TokenAndPositionEmbedding);
    const r = await convertKeras(fixture(CUSTOM_FIXTURE), { inputPath: CUSTOM_FIXTURE });
    expect(r.report.validated).toBe(true);
    const model = await loadResult(r);
    const ids = [[3, 0, 19, 7, 7], [1, 2, 3, 4, 5]];
    const y = model.predict(tf.tensor2d(ids, undefined, 'int32')) as tf.Tensor;
    const got = await y.data();
    const [pos, tok, k, b] = CUSTOM_WEIGHTS.map((w) => w.values) as [Float32Array, Float32Array, Float32Array, Float32Array];
    const ref = ids.flatMap((row) => {
      const mean = Array.from({ length: CP.dim }, (_, d) => row.reduce((s, id, t) => s + (tok[id * CP.dim + d] as number) + (pos[t * CP.dim + d] as number), 0) / CP.maxlen);
      const logits = Array.from({ length: CP.out }, (_, o) => mean.reduce((s, v, d) => s + v * (k[d * CP.out + o] as number), b[o] as number));
      const m = Math.max(...logits);
      const e = logits.map((v) => Math.exp(v - m));
      return e.map((v) => v / e.reduce((p, q) => p + q, 0));
    });
    expect(maxAbsDiff(got, ref)).toBeLessThanOrEqual(1e-6);
    tf.dispose(y);
    model.dispose();
  });
});
