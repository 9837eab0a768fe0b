/**
 * Keras 1 Merge: Sequential models starting with a Merge of Sequential branches become
 * functional models (compared with the same model built with the tfjs API, ≤ 1e-5); functional
 * Merge modes map to the Keras 2 layers; cos and lambda modes are refused precisely.
 */
import { convertKeras } from '../../../src/converter/convert';
import { translateModelConfig, type JsonObj } from '../../../src/converter/keras/config';
import { buildKeras1Merge, KERAS1_MERGE, KERAS1_MERGE_FIXTURES } from '../../fixtures/keras/keras1-merge-spec';
import { ensureCpuBackend, fixture, loadResult, maxAbsDiff, seededInput, tf, tfl } from './helpers';

jest.setTimeout(60_000);

beforeAll(async () => {
  await ensureCpuBackend();
});

describe('Keras 1 Sequential starting with a Merge of Sequential branches', () => {
  it.each(['concat', 'dot'] as const)('%s: converts to a functional model and predicts like tfjs', async (kind) => {
    const file = KERAS1_MERGE_FIXTURES[kind];
    const r = await convertKeras(fixture(file), { inputPath: file });
    expect(r.report.validated).toBe(true);
    const topo = r.modelJson.modelTopology as JsonObj;
    const mc = topo.model_config as { class_name: string; config: { layers: { class_name: string; name: string }[]; input_layers: unknown[] } };
    expect(mc.class_name).toBe('Model');
    expect(mc.config.input_layers).toEqual([['dense_1_input', 0, 0], ['dense_2_input', 0, 0]]);
    expect(mc.config.layers.find((l) => l.name === 'merge_1')?.class_name).toBe(kind === 'concat' ? 'Concatenate' : 'Dot');
    const got = await loadResult(r);
    const want = buildKeras1Merge(tfl, kind);
    for (const layer of new Set(KERAS1_MERGE[kind].weights.map((w) => w.layer))) {
      const ws = KERAS1_MERGE[kind].weights.filter((w) => w.layer === layer);
      want.getLayer(layer).setWeights(ws.map((w) => tf.tensor(w.values, w.shape)));
    }
    const xs = [seededInput([4, 3], 31), seededInput([4, 5], 32)];
    const a = (await (got.predict(xs) as tf.Tensor).data()) as Float32Array;
    const b = (await (want.predict(xs) as tf.Tensor).data()) as Float32Array;
    expect(a.length).toBe(4 * (kind === 'concat' ? 3 : 2));
    expect(maxAbsDiff(a, b)).toBeLessThanOrEqual(1e-5);
    tf.dispose(xs);
    got.dispose();
    want.dispose();
  });
});

describe('Keras 1 Merge modes', () => {
  const model = (mode: string, extra: JsonObj = {}): JsonObj => ({
    class_name: 'Model',
    config: {
      name: 'm',
      layers: [
        { class_name: 'InputLayer', name: 'a', config: { name: 'a', batch_input_shape: [null, 4], input_dtype: 'float32' }, inbound_nodes: [] },
        { class_name: 'InputLayer', name: 'b', config: { name: 'b', batch_input_shape: [null, 4], input_dtype: 'float32' }, inbound_nodes: [] },
        { class_name: 'Merge', name: 'merge_1', config: { name: 'merge_1', mode, concat_axis: -1, dot_axes: -1, ...extra }, inbound_nodes: [[['a', 0, 0], ['b', 0, 0]]] },
      ],
      input_layers: [['a', 0, 0], ['b', 0, 0]],
      output_layers: [['merge_1', 0, 0]],
    },
  });
  it.each([
    ['sum', 'Add'], ['mul', 'Multiply'], ['ave', 'Average'], ['max', 'Maximum'], ['concat', 'Concatenate'], ['dot', 'Dot'],
  ])('%s → %s', (mode, cls) => {
    const t = translateModelConfig(model(mode), '1.2.2');
    expect(t.problems).toEqual([]);
    const merge = (t.config.config as { layers: JsonObj[] }).layers[2] as JsonObj;
    expect(merge.class_name).toBe(cls);
    if (cls === 'Dot') expect(merge.config).toMatchObject({ axes: -1, normalize: false });
  });
  it('refuses cos and lambda modes precisely', () => {
    const cos = translateModelConfig(model('cos'), '1.2.2').problems.map((p) => p.reason);
    expect(cos).toEqual([expect.stringMatching(/Merge mode "cos" .* has no exact TF.js equivalent/)]);
    const lambda = translateModelConfig(model('4wEAAAAA', { mode_type: 'lambda' }), '1.2.2').problems.map((p) => p.reason);
    expect(lambda).toEqual(['Keras 1 Merge mode "lambda" (a Python function) has no TF.js equivalent']);
  });
});
