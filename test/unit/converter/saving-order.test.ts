/**
 * `.keras` weight pairing follows Keras's saving order (src/converter/keras/load.ts
 * collectContainer): a tf.keras 2.13 archive whose groups are numbered with gaps
 * (`conv2d`, `conv2d_2`, `conv2d_4`) converts with every layer given its own weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import { convertKeras } from '../../../src/converter/convert';
import { GAPPED_FIXTURE, GAPPED_LAYERS, gappedGroups, gappedWeight } from '../../fixtures/keras/gapped-spec';
import { fixture, loadResult, resultWeights } from './helpers';

jest.setTimeout(60_000);

describe('tf.keras 2.13 .keras with gapped group numbers', () => {
  it('pairs each layer with the group Keras saved it under and predicts', async () => {
    const r = await convertKeras(fixture(GAPPED_FIXTURE), { inputPath: GAPPED_FIXTURE });
    expect(r.report.validated).toBe(true);
    const groups = gappedGroups();
    expect(groups.filter((g) => g.layer.cls === 'Conv2D').map((g) => g.group)).toEqual(['conv2d', 'conv2d_2', 'conv2d_4']);
    const mine = resultWeights(r);
    const names = (cls: string): string[] => (cls === 'BatchNormalization' ? ['gamma', 'beta', 'moving_mean', 'moving_variance'] : cls === 'DepthwiseConv2D' ? ['depthwise_kernel'] : cls === 'Dense' ? ['kernel', 'bias'] : ['kernel']);
    let checked = 0;
    GAPPED_LAYERS.forEach((layer, li) => {
      layer.weights.forEach((shape, i) => {
        const w = mine.get(`${layer.name}/${names(layer.cls)[i] as string}`);
        expect(w?.shape).toEqual(shape);
        const want = gappedWeight(li, i, shape, layer.cls);
        expect(w ? new Float32Array(w.bytes.buffer.slice(w.bytes.byteOffset, w.bytes.byteOffset + w.bytes.length)) : null).toEqual(want);
        checked++;
      });
    });
    expect(checked).toBe(mine.size);
    const model = await loadResult(r);
    const y = model.predict(tf.ones([1, 6, 6, 3])) as tf.Tensor;
    const p = await y.data();
    expect(p.length).toBe(2);
    expect(Math.abs((p[0] as number) + (p[1] as number) - 1)).toBeLessThan(1e-6);
    tf.dispose(y);
    model.dispose();
  });
});
