/**
 * Keras 1 dim_ordering "th" (channels first) CNNs: kernels stored [filters, in, rows, cols]
 * are transposed for TF.js (and flipped when the backend was theano); TF.js runs the layers
 * channels first. Compared with a plain-TS float64 reference of the Keras 1 math (≤ 1e-5).
 */
import { convertKeras } from '../../../src/converter/convert';
import { translateModelConfig, type JsonObj } from '../../../src/converter/keras/config';
import { KERAS1_TH_FIXTURES, KERAS1_TH_WEIGHTS, TH_FILTERS, TH_IN, TH_K } from '../../fixtures/keras/keras1-th-spec';
import { ensureCpuBackend, fixture, loadResult, tf } from './helpers';

jest.setTimeout(60_000);
beforeAll(async () => {
  await ensureCpuBackend();
});

const weight = (name: string): Float32Array => (KERAS1_TH_WEIGHTS.find((w) => w.name === name) as { values: Float32Array }).values;

/** x: [C][H][W] → logits; theano: true convolution (kernel flipped), tensorflow: correlation */
function reference(x: number[][][], backend: 'theano' | 'tensorflow'): number[] {
  const [C, H, W] = TH_IN;
  const [kr, kc] = TH_K;
  const K = weight('convolution2d_1_W');
  const kb = weight('convolution2d_1_b');
  const oh = H - kr + 1;
  const ow = W - kc + 1;
  const conv: number[][][] = [];
  for (let o = 0; o < TH_FILTERS; o++) {
    conv.push([]);
    for (let y = 0; y < oh; y++) {
      (conv[o] as number[][]).push([]);
      for (let xx = 0; xx < ow; xx++) {
        let a = kb[o] as number;
        for (let i = 0; i < C; i++)
          for (let u = 0; u < kr; u++)
            for (let v = 0; v < kc; v++) {
              const [ku, kv] = backend === 'theano' ? [kr - 1 - u, kc - 1 - v] : [u, v];
              a += (K[((o * C + i) * kr + ku) * kc + kv] as number) * ((x[i] as number[][])[y + u] as number[])[xx + v]!;
            }
        ((conv[o] as number[][])[y] as number[]).push(Math.max(0, a));
      }
    }
  }
  const flat: number[] = [];
  for (let o = 0; o < TH_FILTERS; o++)
    for (let y = 0; y + 1 < oh; y += 2)
      for (let xx = 0; xx + 1 < ow; xx += 2) {
        const m = conv[o] as number[][];
        flat.push(Math.max((m[y] as number[])[xx]!, (m[y] as number[])[xx + 1]!, (m[y + 1] as number[])[xx]!, (m[y + 1] as number[])[xx + 1]!));
      }
  const D = weight('dense_1_W');
  const db = weight('dense_1_b');
  return [0, 1].map((j) => flat.reduce((a, v, i) => a + v * (D[i * 2 + j] as number), db[j] as number));
}

describe('Keras 1 "th" (channels first) CNN', () => {
  it.each(['theano', 'tensorflow'] as const)('backend %s: converts, runs channels first in TF.js, matches the reference', async (backend) => {
    const file = KERAS1_TH_FIXTURES[backend];
    const r = await convertKeras(fixture(file), { inputPath: file });
    expect(r.report.validated).toBe(true);
    expect(JSON.stringify(r.modelJson.modelTopology)).toMatch(/"data_format":"channels_first"/);
    const model = await loadResult(r);
    const n = 3;
    const vals = Array.from({ length: n * TH_IN[0] * TH_IN[1] * TH_IN[2] }, (_, i) => Math.sin(i * 1.7) * 2);
    const x = tf.tensor4d(vals, [n, ...TH_IN]);
    const got = Array.from(await (model.predict(x) as tf.Tensor).data());
    const xs = (await x.array()) as number[][][][];
    const want = xs.flatMap((s) => reference(s, backend));
    const d = Math.max(...got.map((g, i) => Math.abs(g - (want[i] as number))));
    expect(d).toBeLessThanOrEqual(1e-5);
    tf.dispose(x);
    model.dispose();
  });
});

describe('Keras 1 BatchNormalization modes', () => {
  const seq = (mode: number): JsonObj => ({
    class_name: 'Sequential',
    config: [{ class_name: 'BatchNormalization', config: { name: 'batchnormalization_1', batch_input_shape: [null, 4], epsilon: 0.001, mode, axis: -1, momentum: 0.99 } }],
  });
  it('mode 0 is BatchNormalization (running_std holds the variance since Keras 1.1: moving_variance)', () => {
    const t = translateModelConfig(seq(0), '1.2.2');
    expect(t.problems).toEqual([]);
    expect((t.config.config as { layers: JsonObj[] }).layers[0]).toMatchObject({ class_name: 'BatchNormalization', config: { axis: -1, epsilon: 0.001 } });
  });
  it.each([1, 2])('mode %d is refused precisely', (mode) => {
    expect(translateModelConfig(seq(mode), '1.2.2').problems.map((p) => p.reason)).toEqual([
      `Keras 1 BatchNormalization mode=${mode} (sample-wise/feature-wise at inference) has no TF.js equivalent`,
    ]);
  });
});
