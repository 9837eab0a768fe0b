/**
 * Conformance on the project's own fixtures (test/fixtures/keras, written in the Keras layouts
 * by scripts/make-keras-fixtures.ts): each converted model must predict like the same
 * architecture built directly with the tfjs-layers API and given the same weights.
 */
import { convertKeras, CONVERTED_BY } from '../../../src/converter/convert';
import { ConvertError } from '../../../src/converter/errors';
import {
  buildK2Cnn, buildK3Legacy, buildK3Nested, buildK3Rnn, FIXTURES, K2_CNN_WEIGHTS, K3_LEGACY_WEIGHTS, K3_NESTED_WEIGHTS,
  K3_RNN_WEIGHTS, materialize, weightsFor, type FixtureWeight, type FixtureWeightValue, type Tfl, buildK2Cudnn, K2_CUDNN_WEIGHTS, cudnnAsLstm, buildK2Mlp, K2_MLP_WEIGHTS,
} from '../../fixtures/keras/spec';
import { ensureCpuBackend, fixture, loadResult, maxAbsDiff, predictOn, seededInput, tf, tfl } from './helpers';
import type * as tflTypes from '@tensorflow/tfjs-layers';
import type { JsonObj } from '../../../src/converter/keras/config';
import { TensorLensGRU } from '../../../src/model/layers/gru-reset-after';
import { registerTensorLensLayers } from '../../../src/model/layers';

jest.setTimeout(60_000);

beforeAll(async () => {
  await ensureCpuBackend();
});

function expectedModel(
  build: (t: Tfl) => ReturnType<typeof buildK2Cnn>,
  spec: FixtureWeight[],
  adapt: (w: FixtureWeightValue[]) => FixtureWeightValue[] = (w) => w,
): ReturnType<typeof buildK2Cnn> {
  const m = build(tfl);
  const ws = adapt(materialize(spec));
  const groups: FixtureWeight['layer'][] = [];
  for (const w of ws) if (!groups.includes(w.layer)) groups.push(w.layer);
  const withWeights = m.layers.filter((l) => l.weights.length > 0);
  expect(withWeights.length).toBe(groups.length);
  withWeights.forEach((layer, i) => {
    const mine = ws.filter((w) => w.layer === groups[i]);
    layer.setWeights(mine.map((w) => tf.tensor(w.values, w.shape)));
  });
  return m;
}

async function compare(
  file: string,
  build: Parameters<typeof expectedModel>[0],
  spec: FixtureWeight[],
  inputShape: number[],
  ints = 0,
  extra = {},
  adapt?: Parameters<typeof expectedModel>[2],
) {
  const r = await convertKeras(fixture(file), { inputPath: file, ...extra });
  expect(r.report.validated).toBe(true);
  const got = await loadResult(r);
  const want = expectedModel(build, spec, adapt);
  const x = seededInput(inputShape, 11, ints);
  const d = maxAbsDiff(await predictOn(got, x), await predictOn(want, x));
  expect(d).toBeLessThan(1e-5);
  tf.dispose(x);
  got.dispose();
  want.dispose();
  return r;
}

describe('Keras 2 full-model .h5 (fixed-length string attrs, ":0" names)', () => {
  it('converts, keeps the reference manifest order and names, and predicts like tfjs', async () => {
    const r = await compare(FIXTURES.k2Full, buildK2Cnn, K2_CNN_WEIGHTS, [2, 8, 8, 3]);
    const names = (r.modelJson.weightsManifest as unknown as { weights: { name: string }[] }[])[0]?.weights.map((w) => w.name);
    // groups in HDF5 byte order of model_weights, weights in weight_names order, ":0" dropped
    expect(names).toEqual([
      'batch_normalization/gamma', 'batch_normalization/beta', 'batch_normalization/moving_mean', 'batch_normalization/moving_variance',
      'conv2d/kernel', 'conv2d/bias', 'dense/kernel', 'dense/bias',
    ]);
    expect(r.modelJson.format).toBe('layers-model');
    expect(r.modelJson.generatedBy).toBe('keras v2.4.0');
    expect(r.modelJson.convertedBy).toBe(CONVERTED_BY);
    const topo = r.modelJson.modelTopology as Record<string, unknown>;
    expect(topo.keras_version).toBe('2.4.0');
    expect(topo.backend).toBe('tensorflow');
    expect(r.shards.map((s) => s.name)).toEqual(['group1-shard1of1.bin']);
  });

  it('cuts shards of exactly --weight-shard-size-bytes', async () => {
    const r = await convertKeras(fixture(FIXTURES.k2Full), { inputPath: 'x', shardBytes: 1000 });
    const total = r.shards.reduce((a, s) => a + s.data.length, 0);
    expect(r.shards.length).toBe(Math.ceil(total / 1000));
    r.shards.slice(0, -1).forEach((s) => expect(s.data.length).toBe(1000));
    expect(r.shards[0]?.name).toBe(`group1-shard1of${r.shards.length}.bin`);
  });
});

describe('HDF5 new-style groups (dense links, link messages)', () => {
  it('reads a model whose groups use dense link storage', async () => {
    await compare(FIXTURES.k2Tracked, buildK2Mlp, K2_MLP_WEIGHTS, [3, 4]);
  });
});

describe("HDF5 written with libver='latest'", () => {
  it('reads superblock v3, dense + huge attributes and fixed/extensible-array, v2 B-tree chunk indexes with gzip/shuffle/fletcher32', async () => {
    await compare(FIXTURES.k2Latest, buildK2Cnn, K2_CNN_WEIGHTS, [2, 8, 8, 3]);
  });
});

describe('big-endian and float16 weights', () => {
  it('reads big-endian float32 datasets and a float16 kernel (written as float32)', async () => {
    const { floatToHalf } = await import('../../../src/converter/weights');
    const { halfToFloat } = await import('../../../src/converter/hdf5/reader');
    const asHalf = (ws: FixtureWeightValue[]): FixtureWeightValue[] =>
      ws.map((w) => (w.name === 'conv2d/kernel' ? { ...w, values: w.values.map((v) => halfToFloat(floatToHalf(v))) } : w));
    const r = await compare(FIXTURES.k2BigEndianF16, buildK2Cnn, K2_CNN_WEIGHTS, [2, 8, 8, 3], 0, {}, asHalf);
    const ws = (r.modelJson.weightsManifest as unknown as { weights: { name: string; dtype: string }[] }[])[0]?.weights ?? [];
    expect(ws.every((w) => w.dtype === 'float32')).toBe(true);
  });
});

describe('HDF5 links in model_weights', () => {
  it('follows soft links (a layer group, a dataset) and hard links (an inner group, a dataset) and predicts like tfjs', async () => {
    const r = await compare(FIXTURES.k2Links, buildK2Cnn, K2_CNN_WEIGHTS, [2, 8, 8, 3]);
    expect(r.report.validated).toBe(true);
  });
  it('refuses an external link with the file and object it points to', async () => {
    await expect(convertKeras(fixture(FIXTURES.k2ExternalLink), { inputPath: 'ext.h5' })).rejects.toThrow(
      'ext.h5: HDF5 external link "bias:0" points into another file ("dense_weights.h5", object "/dense/bias"); external links are not followed: save the model into a single file',
    );
  });
});

describe('Keras 2 CuDNNLSTM', () => {
  it('is written as LSTM: kernels in the layout cuDNN applies them, the two bias halves summed', async () => {
    const r = await compare(FIXTURES.k2Cudnn, buildK2Cudnn, K2_CUDNN_WEIGHTS, [2, 5, 4], 0, {}, cudnnAsLstm);
    expect(JSON.stringify(r.modelJson.modelTopology)).toMatch(/"class_name":"LSTM"/);
  });
});

describe('weights-only .h5 + architecture JSON (chunked, deflated dataset)', () => {
  it('converts with --architecture and predicts like tfjs', async () => {
    await compare(FIXTURES.k2Weights, buildK2Cnn, K2_CNN_WEIGHTS, [1, 8, 8, 3], 0, { architecture: fixture(FIXTURES.k2Arch), architecturePath: FIXTURES.k2Arch });
  });
  it('says what is missing without --architecture', async () => {
    await expect(convertKeras(fixture(FIXTURES.k2Weights), { inputPath: 'w.h5' })).rejects.toThrow(/holds only weights.*--architecture/);
  });
});

describe('Keras 3 .keras archives', () => {
  it('nested model, batch_shape, DTypePolicy, dict inbound_nodes, L1/L2, LecunNormal, LeakyReLU negative_slope, silu', async () => {
    const r = await compare(FIXTURES.k3Nested, buildK3Nested, K3_NESTED_WEIGHTS, [3, 6]);
    const text = JSON.stringify(r.modelJson.modelTopology);
    expect(text).not.toMatch(/batch_shape|DTypePolicy|negative_slope|"L2"|LecunNormal|silu|__keras_tensor__|registered_name/);
    expect(text).toMatch(/"alpha":0.2/);
  });
  it('zip64 archive (end record + locator, extra fields in local and central headers) converts like the plain one', async () => {
    const { ZipArchive } = await import('../../../src/converter/zip');
    const z64 = new ZipArchive(fixture(FIXTURES.zip64Nested), 'z64');
    const plain = new ZipArchive(fixture(FIXTURES.k3Nested), 'plain');
    expect([...z64.entries.keys()]).toEqual([...plain.entries.keys()]);
    for (const name of plain.entries.keys()) expect(z64.read(name).equals(plain.read(name))).toBe(true);
    const r = await compare(FIXTURES.zip64Nested, buildK3Nested, K3_NESTED_WEIGHTS, [3, 6]);
    expect(r.report.validated).toBe(true);
  });
  it('Embedding, Bidirectional(LSTM) and GRU cell vars matched by position', async () => {
    const r = await compare(FIXTURES.k3Rnn, buildK3Rnn, K3_RNN_WEIGHTS, [2, 7], 20);
    const names = (r.modelJson.weightsManifest as unknown as { weights: { name: string }[] }[])[0]?.weights.map((w) => w.name) ?? [];
    expect(names[0]).toBe('embedding/embeddings');
    expect(names).toContain('bidirectional/forward_lstm/kernel');
    expect(names).toContain('bidirectional/backward_lstm/recurrent_kernel');
    expect(names).toContain('gru/bias');
  });
  it('Keras 3 legacy .h5 (model-name prefixed weight names) gets the names tfjs expects', async () => {
    const r = await compare(FIXTURES.k3Legacy, buildK3Legacy, K3_LEGACY_WEIGHTS, [4, 3]);
    const names = (r.modelJson.weightsManifest as unknown as { weights: { name: string }[] }[])[0]?.weights.map((w) => w.name);
    expect(names).toEqual(['dense/kernel', 'dense/bias', 'dense_1/kernel', 'dense_1/bias']);
  });
});

describe('GRU reset_after=True', () => {
  it('is written as TensorLensGRU (bias [2, 3·units]) and predicts like that layer built directly', async () => {
    registerTensorLensLayers();
    const build = (t: Tfl): ReturnType<typeof buildK2Cnn> =>
      t.sequential({
        layers: [
          t.layers.embedding({ inputDim: 20, outputDim: 4, inputLength: 7 }),
          t.layers.bidirectional({ layer: t.layers.lstm({ units: 3, returnSequences: true, recurrentActivation: 'sigmoid' }) as tflTypes.RNN, mergeMode: 'concat' }),
          new TensorLensGRU({ units: 2, activation: 'tanh', recurrentActivation: 'sigmoid' }),
          t.layers.dense({ units: 1, activation: 'sigmoid' }),
        ],
      });
    // same weights as the generator writes (scripts/make-keras-fixtures.ts gruResetAfter)
    const adapt = (ws: FixtureWeightValue[]): FixtureWeightValue[] => ws.map((w) => (w.k3path === 'layers/gru/cell/vars/2' ? { ...w, shape: [2, 6], values: weightsFor(99, [2, 6]) } : w));
    const r = await compare(FIXTURES.gruResetAfter, build, K3_RNN_WEIGHTS, [2, 7], 20, {}, adapt);
    const layers = ((r.modelJson.modelTopology as JsonObj).model_config as { config: { layers: { class_name: string; config: JsonObj }[] } }).config.layers;
    expect(layers.find((l) => l.config.name === 'gru')).toMatchObject({ class_name: 'TensorLensGRU', config: { reset_after: true, units: 2 } });
    const manifest = (r.modelJson.weightsManifest as unknown as { weights: { name: string; shape: number[] }[] }[])[0]?.weights ?? [];
    expect(manifest.find((w) => w.name === 'gru/bias')?.shape).toEqual([2, 6]);
    expect(r.report.warnings.join(' ')).toMatch(/gru use reset_after=True.*TensorLensGRU.*registerTensorLensLayers/);
  });
});

describe('refuses silently wrong output', () => {
  it('Lambda is named with a hint; --allow-custom writes it', async () => {
    await expect(convertKeras(fixture(FIXTURES.lambda), { inputPath: 'l.h5' })).rejects.toThrow(/layer "lambda" \(Lambda\).*--allow-custom/);
    const r = await convertKeras(fixture(FIXTURES.lambda), { inputPath: 'l.h5', allowCustom: true });
    expect(r.report.validated).toBe(false);
    expect(JSON.stringify(r.modelJson.modelTopology)).toMatch(/"Lambda"/);
    expect(r.report.warnings.join(' ')).toMatch(/lambda \(Lambda\)/);
  });
});

describe('--allow-custom on a Keras 3 archive', () => {
  it('writes the custom layer and names the other weights as TF.js expects', async () => {
    const { ZipArchive } = await import('../../../src/converter/zip');
    const { writeZip } = await import('../../fixtures/keras/zip-writer');
    const { K3_RNN_CONFIG } = await import('../../fixtures/keras/spec');
    const cfg = JSON.parse(JSON.stringify(K3_RNN_CONFIG)) as { config: { layers: unknown[] } };
    cfg.config.layers.splice(4, 0, { module: 'my_pkg', class_name: 'MyScale', config: { name: 'my_scale', factor: 2 }, registered_name: 'my_pkg>MyScale' });
    const weights = new ZipArchive(fixture(FIXTURES.k3Rnn), 'x').read('model.weights.h5');
    const z = writeZip([{ name: 'config.json', data: Buffer.from(JSON.stringify(cfg)) }, { name: 'model.weights.h5', data: weights }]);
    await expect(convertKeras(z, { inputPath: 'c.keras' })).rejects.toThrow(/layer "my_scale" \(MyScale\): layer class "MyScale" is not a TF.js built-in/);
    const r = await convertKeras(z, { inputPath: 'c.keras', allowCustom: true });
    const names = (r.modelJson.weightsManifest as unknown as { weights: { name: string }[] }[])[0]?.weights.map((w) => w.name);
    expect(names).toEqual([
      'embedding/embeddings',
      'bidirectional/forward_lstm/kernel', 'bidirectional/forward_lstm/recurrent_kernel', 'bidirectional/forward_lstm/bias',
      'bidirectional/backward_lstm/kernel', 'bidirectional/backward_lstm/recurrent_kernel', 'bidirectional/backward_lstm/bias',
      'gru/kernel', 'gru/recurrent_kernel', 'gru/bias', 'dense/kernel', 'dense/bias',
    ]);
  });
});

describe('quantization', () => {
  it.each(['uint8', 'uint16', 'float16'] as const)('%s: tfjs dequantizes it and the deviation is reported', async (dtype) => {
    const plain = await convertKeras(fixture(FIXTURES.k2Full), { inputPath: 'x' });
    const r = await convertKeras(fixture(FIXTURES.k2Full), { inputPath: 'x', quantize: [{ dtype, patterns: [] }] });
    const ratio = dtype === 'uint8' ? 4 : 2;
    expect(r.report.bytesAfter).toBe(plain.report.bytesAfter / ratio);
    expect(r.report.maxDeviation).not.toBeNull();
    expect(r.report.maxDeviation as number).toBeLessThan(dtype === 'uint8' ? 5e-2 : 1e-3);
    const w = (r.modelJson.weightsManifest as unknown as { weights: { quantization?: { dtype: string } }[] }[])[0]?.weights[0];
    expect(w?.quantization?.dtype).toBe(dtype);
  });
  it('patterns select weights; a weight matched by two dtypes is an error', async () => {
    const r = await convertKeras(fixture(FIXTURES.k2Full), { inputPath: 'x', quantize: [{ dtype: 'uint8', patterns: ['dense/*'] }] });
    const ws = (r.modelJson.weightsManifest as unknown as { weights: { name: string; quantization?: unknown }[] }[])[0]?.weights ?? [];
    expect(ws.filter((w) => w.quantization).map((w) => w.name)).toEqual(['dense/kernel', 'dense/bias']);
    await expect(
      convertKeras(fixture(FIXTURES.k2Full), { inputPath: 'x', quantize: [{ dtype: 'uint8', patterns: ['dense*'] }, { dtype: 'float16', patterns: ['*kernel'] }] }),
    ).rejects.toThrow(ConvertError);
  });
});

describe('metadata', () => {
  it('image: infers softmax and input size, validates against the shared contract', async () => {
    const r = await convertKeras(fixture(FIXTURES.k2Full), {
      inputPath: 'x',
      metadata: { task: 'image', labelsText: 'cat\ndog\nbird\n', labelsPath: 'labels.txt', name: 'tiny-cnn' },
    });
    expect(r.metadata?.metadata).toMatchObject({
      schemaVersion: 1, name: 'tiny-cnn', task: 'image', labels: ['cat', 'dog', 'bird'], output: 'softmax', modelFile: 'model.json',
      image: { inputSize: [8, 8], channels: 3, fit: 'stretch', resizeMethod: 'bilinear', background: [255, 255, 255] },
    });
  });
  it('text: Keras Tokenizer.to_json() vocabulary and 1-unit sigmoid', async () => {
    const tok = JSON.stringify({
      class_name: 'Tokenizer',
      config: { num_words: 20, filters: '!"#', lower: true, split: ' ', char_level: false, oov_token: '<OOV>', word_index: JSON.stringify({ '<OOV>': 1, good: 2, bad: 3 }) },
    });
    const r = await convertKeras(fixture(FIXTURES.k3Rnn), {
      inputPath: 'x',
      metadata: { task: 'text', labelsText: 'negative\npositive', labelsPath: 'l.txt', name: 'tiny-text', text: { vocabText: tok, vocabPath: 'tok.json' } },
    });
    expect(r.metadata?.metadata.output).toBe('sigmoid');
    expect(r.metadata?.metadata.text).toMatchObject({ sequenceLength: 7, tokenizer: { oovToken: '<OOV>', numWords: 20, filters: '!"#', vocabFile: 'vocab.json' } });
    expect(r.metadata?.vocab).toEqual({ '<OOV>': 1, good: 2, bad: 3 });
  });
  it('label count must match the model output', async () => {
    await expect(
      convertKeras(fixture(FIXTURES.k2Full), { inputPath: 'x', metadata: { task: 'image', labelsText: 'a\nb', labelsPath: 'labels.txt', name: 'x' } }),
    ).rejects.toThrow(/labels.txt: has 2 labels but the model outputs 3/);
  });
});
