/**
 * Layer coverage (test/fixtures/keras/layers-*.h5, written by scripts/make-keras-layer-fixtures.ts
 * in the tf.keras 2.x layout): every file must convert, load in tfjs-layers and predict like
 * the same model built directly with the tfjs API and the same weights.
 */
import { convertKeras } from '../../../src/converter/convert';
import { caseWeights, K3_FUNCTIONAL_CASE, LAYER_CASES } from '../../fixtures/keras/layers-spec';
import { ensureCpuBackend, fixture, loadResult, maxAbsDiff, seededInput, tf, tfl } from './helpers';

jest.setTimeout(60_000);

beforeAll(async () => {
  await ensureCpuBackend();
});

describe.each([...LAYER_CASES, K3_FUNCTIONAL_CASE])('$file', (c) => {
  it(`converts and predicts like tfjs: ${c.what}`, async () => {
    const data = fixture(c.file);
    // the file holds what Keras writes (e.g. Subtract), not the tfjs-built stand-in
    if (c.kerasConfig) expect(/"class_name": ?"(Subtract|Resizing|TFOpLambda)"|"padding": ?"causal"/.test(data.toString('latin1'))).toBe(true);
    const r = await convertKeras(data, { inputPath: c.file });
    expect(r.report.validated).toBe(true);
    if (c.file.includes('resizing')) expect(r.report.warnings.join(' ')).toMatch(/Resizing layer\(s\) resizing \(32x24\) folded into the model input size/);
    const got = await loadResult(r);
    const want = c.build(tfl);
    want.setWeights(caseWeights(want).map((v, i) => tf.tensor(v, want.weights[i]?.shape as number[])));
    const xs = c.inputs.map((s, i) => seededInput(s, 11 + i, c.ints ?? 0));
    const outs = (m: typeof got): tf.Tensor[] => {
      const y = m.predict(xs.length === 1 ? (xs[0] as tf.Tensor) : xs);
      return Array.isArray(y) ? y : [y];
    };
    const a = outs(got);
    const b = outs(want);
    expect(a.length).toBe(b.length);
    for (let i = 0; i < a.length; i++) expect(maxAbsDiff(Float32Array.from(a[i]?.dataSync() ?? []), Float32Array.from(b[i]?.dataSync() ?? []))).toBeLessThan(1e-5);
    tf.dispose([...xs, ...a, ...b]);
    got.dispose();
    want.dispose();
  });
});
