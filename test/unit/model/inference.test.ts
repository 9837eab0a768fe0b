/** Tensor steps of the model host in Node (cpu backend): shapes, values and no leaked tensors. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { firstEmbedding, inputShape, predictScores, textTensor, warmUp } from '../../../src/model/inference';
import { preprocessImage } from '../../../src/model/preprocess';
import type { ModelMetadata } from '../../../src/shared/metadata';

beforeAll(async () => {
  // tfjs suggests installing tfjs-node; the cpu backend is what we want to test here.
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  await tf.setBackend('cpu');
});

const meta = (over: Partial<ModelMetadata>): ModelMetadata => ({
  schemaVersion: 1,
  name: 'm',
  displayName: 'M',
  task: 'image',
  labels: ['a', 'b'],
  output: 'softmax',
  modelFile: 'model.json',
  ...over,
});

function pixels(w: number, h: number, rgba: [number, number, number, number]) {
  const data = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set(rgba, i * 4);
  return { data, width: w, height: h };
}

describe('preprocessImage (input size already)', () => {
  it('drops alpha, scales and offsets, adds the batch axis', async () => {
    const before = tf.memory().numTensors;
    const t = preprocessImage(pixels(2, 3, [255, 0, 51, 255]), { inputSize: [3, 2], channels: 3, scale: 1 / 255, offset: 0, resizeMethod: 'bilinear', fit: 'stretch', background: [255, 255, 255] });
    expect(t.shape).toEqual([1, 3, 2, 3]);
    const v = await t.data();
    expect(v[0]).toBeCloseTo(1, 5);
    expect(v[1]).toBeCloseTo(0, 5);
    expect(v[2]).toBeCloseTo(0.2, 5);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
  it('applies mean/std and grayscale', async () => {
    const t = preprocessImage(pixels(1, 1, [30, 60, 90, 255]), { inputSize: [1, 1], channels: 1, scale: 1, offset: 0, mean: [10], std: [2], resizeMethod: 'bilinear', fit: 'stretch', background: [255, 255, 255] });
    expect(t.shape).toEqual([1, 1, 1, 1]);
    expect((await t.data())[0]).toBeCloseTo((0.299 * 30 + 0.587 * 60 + 0.114 * 90 - 10) / 2, 4); // BT.601 luma, as Keras grayscale
    t.dispose();
  });
});

describe('predictScores / warmUp', () => {
  it('image model: softmax scores, tf.memory() flat', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.flatten({ inputShape: [4, 4, 3] }), tfl.layers.dense({ units: 2, activation: 'softmax' })] });
    const m = meta({ image: { inputSize: [4, 4], channels: 3, scale: 1 / 255, offset: 0, resizeMethod: 'bilinear', fit: 'stretch', background: [255, 255, 255] } });
    expect(inputShape(m)).toEqual([1, 4, 4, 3]);
    await warmUp(model, m);
    const before = tf.memory().numTensors;
    const input = preprocessImage(pixels(4, 4, [10, 20, 30, 255]), { inputSize: [4, 4], channels: 3, scale: 1 / 255, offset: 0, resizeMethod: 'bilinear', fit: 'stretch', background: [255, 255, 255] });
    const scores = await predictScores(model, input, meta({}));
    expect(scores.map((s) => s.label)).toEqual(['a', 'b']);
    expect(scores[0]!.probability + scores[1]!.probability).toBeCloseTo(1, 5);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
  it('text model: int32 ids through an embedding, sigmoid output, tf.memory() flat', async () => {
    const model = tfl.sequential({
      layers: [tfl.layers.embedding({ inputDim: 10, outputDim: 4, inputLength: 6 }), tfl.layers.globalAveragePooling1d(), tfl.layers.dense({ units: 1, activation: 'sigmoid' })],
    });
    const m = meta({
      task: 'text', labels: ['ham', 'spam'], output: 'sigmoid',
      text: { sequenceLength: 6, padding: 'pre', truncating: 'pre', maxChars: 100, tokenizer: { level: 'word', lower: true, filters: '', split: ' ', oovToken: null, numWords: null, vocabFile: 'vocab.json' } },
    });
    await warmUp(model, m);
    const before = tf.memory().numTensors;
    const scores = await predictScores(model, textTensor([0, 0, 1, 2, 3, 4]), m);
    expect(scores.map((s) => s.label)).toEqual(['ham', 'spam']);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('graph models', () => {
  it('a tiny graph model (Placeholder → MatMul → Softmax) loads and predicts without leaks', async () => {
    const f = { type: 'DT_FLOAT' };
    const modelTopology = {
      node: [
        { name: 'x', op: 'Placeholder', attr: { dtype: f, shape: { shape: { dim: [{ size: '-1' }, { size: '2' }] } } } },
        { name: 'w', op: 'Const', attr: { dtype: f, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '2' }, { size: '2' }] } } } } },
        { name: 'y', op: 'MatMul', input: ['x', 'w'], attr: { T: f, transpose_a: { b: false }, transpose_b: { b: false } } },
        { name: 'out', op: 'Softmax', input: ['y'], attr: { T: f } },
      ],
      versions: { producer: 1 },
    };
    const weightData = new Float32Array([1, 0, 0, 1]).buffer;
    const model = await loadGraphModel(
      tf.io.fromMemory({ modelTopology, format: 'graph-model', weightSpecs: [{ name: 'w', shape: [2, 2], dtype: 'float32' }], weightData }),
    );
    const before = tf.memory().numTensors;
    const scores = await predictScores(model, tf.tensor2d([[0, 3]]), meta({ labels: ['a', 'b'] }));
    expect(scores[1]!.probability).toBeGreaterThan(0.9);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('firstEmbedding', () => {
  it('finds the Embedding the ids meet, inside nested models too', () => {
    const inner = tfl.sequential({ name: 'inner', layers: [tfl.layers.embedding({ name: 'emb', inputDim: 50, outputDim: 2, inputLength: 4, inputShape: [4] })] });
    const outer = tfl.sequential({ layers: [inner, tfl.layers.flatten(), tfl.layers.dense({ units: 1 })] });
    expect(firstEmbedding(outer)).toEqual({ name: 'emb', inputDim: 50 });
    const dense = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [3] })] });
    expect(firstEmbedding(dense)).toBeNull();
    expect(firstEmbedding({})).toBeNull();
    outer.dispose();
    dense.dispose();
  });
});
