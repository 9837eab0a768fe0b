/**
 * Every entry of ../shared/keras-corpus (real third-party Keras files; not committed) either
 * converts, loads in tfjs-layers and predicts, or fails with its documented reason. Where the
 * entry has the reference tfjs conversion beside it, weights must be bit-identical, the manifest
 * order must match tensorflowjs_converter, and predictions must agree to 1e-6.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { convertKeras } from '../../../src/converter/convert';
import { CORPUS_DIR, ensureCpuBackend, loadResult, readTfjsDir, resultWeights, tf, tfl } from './helpers';
import { loadArtifacts, randomInputs } from '../../../src/converter/tfjs-host';

jest.setTimeout(120_000);

interface Case {
  entry: string;
  file: string;
  architecture?: string;
  /** undefined = must convert and predict; otherwise the error must match */
  error?: RegExp;
}

/** outcomes documented in docs/converter.md */
export const CORPUS_CASES: Case[] = [
  { entry: 'astronomy-normalization-h5-named-keras', file: 'model.keras' },
  { entry: 'brp-keras3-gru-and-conv1d', file: 'Conv1DModel.keras' },
  // GRU reset_after=True: written as TensorLensGRU (see gru-reset-after.test.ts for its outputs)
  { entry: 'brp-keras3-gru-and-conv1d', file: 'GRUModel.keras' },
  // TextVectorization moved into the text preprocessing (see preprocessing.test.ts for its tokens)
  { entry: 'chamidu-keras312-textvectorization', file: 'toxicity_model.keras' },
  { entry: 'crypto-lstm-tf26', file: 'Crypto_AI.hdf5' },
  { entry: 'deepmech-symbol-classifier', file: 'model.h5' },
  { entry: 'deepmech-symbol-classifier', file: 'model.min.h5' },
  { entry: 'dl2020-addition-weight-name-mismatch', file: 'addition_model.h5' },
  { entry: 'dl2020-addition-weight-name-mismatch', file: 'addition_weights.h5', architecture: 'addition_model.json' },
  { entry: 'dl2020-lane-detection-keras208', file: 'full_CNN_model.h5' },
  { entry: 'dl4j-bilstm-theano-keras1', file: 'bidirectional_lstm_theano_1.h5' },
  { entry: 'dl4j-bilstm-theano-keras1', file: 'bidirectional_lstm_tensorflow_2.h5' },
  { entry: 'dl4j-conv2d-reshape-theano-keras2', file: 'conv2d_reshape_theano_2.h5' },
  { entry: 'dl4j-conv2d-reshape-theano-keras2', file: 'conv2d_reshape_tensorflow_2.h5' },
  { entry: 'dl4j-embedding-conv1d-keras2', file: 'embedding_conv1d_extended_tensorflow_2.h5' },
  { entry: 'dl4j-keras1-cnn', file: 'cnn_tf_model.h5' },
  { entry: 'dl4j-keras1-cnn', file: 'cnn_tf_weights.h5', architecture: 'cnn_tf_model.h5' },
  { entry: 'dl4j-sepconv2d-keras2', file: 'sepconv2d_tensorflow_2.h5' },
  { entry: 'dl4j-simple-rnn-model-and-weights', file: 'simple_flatten_rnn_tf_keras_2_model.h5' },
  { entry: 'dl4j-simple-rnn-model-and-weights', file: 'simple_flatten_rnn_tf_keras_2_weights.h5', architecture: 'simple_flatten_rnn_tf_keras_2_model.h5' },
  { entry: 'dl4j-wgan-discriminator', file: 'wgan_discriminator.h5' },
  { entry: 'emotion-lstm-tf213', file: 'model.h5' },
  { entry: 'fashion-keras310-cnn', file: 'model.keras' },
  { entry: 'hira-keras3-bilstm-h5', file: 'multi_label_model.h5' },
  { entry: 'koiri-cnn-tf215', file: 'model.h5' },
  { entry: 'teachable-machine-mobilenetv2-nested', file: 'keras_model.h5' },
  { entry: 'tensorspace-helloworld-tfkeras', file: 'tf_keras_model.h5' },
  { entry: 'tensorspace-keras-mnist', file: 'mnist.h5' },
  { entry: 'tensorspace-keras-mnist', file: 'weights.h5', architecture: 'topology.json' },
  // MultiHeadAttention (TensorLensMultiHeadAttention; see attention.test.ts for its numerics)
  { entry: 'vasuki-keras38-mha-timeseries', file: 'transformer_model.keras' },
  // tf.keras 2.15 .keras written on Windows (`layers\\conv1d` group names), MHA + TFOpLambda
  { entry: 'allaudin-tfkeras215-mha-tfoplambda', file: 'transformer_model.keras' },
];

const haveCorpus = fs.existsSync(CORPUS_DIR);
if (!haveCorpus) console.warn(`[converter corpus] SKIPPED: ${CORPUS_DIR} not found (the corpus is not committed)`);
const d = haveCorpus ? describe : describe.skip;

beforeAll(async () => {
  await ensureCpuBackend();
});

d('keras corpus', () => {
  it('lists every corpus entry', () => {
    const entries = fs.readdirSync(CORPUS_DIR, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(new Set(CORPUS_CASES.map((c) => c.entry))).toEqual(new Set(entries));
  });

  it.each(CORPUS_CASES.map((c) => [`${c.entry}/${c.file}`, c] as const))('%s', async (_label, c) => {
    const dir = path.join(CORPUS_DIR, c.entry);
    const file = path.join(dir, c.file);
    const run = convertKeras(fs.readFileSync(file), {
      inputPath: file,
      architecture: c.architecture ? fs.readFileSync(path.join(dir, c.architecture)) : undefined,
      architecturePath: c.architecture,
    });
    if (c.error) {
      await expect(run).rejects.toThrow(c.error);
      return;
    }
    const r = await run;
    expect(r.report.validated).toBe(true);

    const refDir = path.join(dir, 'tfjs');
    if (!fs.existsSync(refDir)) return;
    // bit-exact weights against the reference conversion
    const ref = readTfjsDir(refDir);
    const mine = resultWeights(r);
    expect([...mine.keys()].sort()).toEqual([...ref.weights.keys()].sort());
    for (const [name, w] of ref.weights) {
      const m = mine.get(name);
      expect(m?.shape).toEqual(w.shape);
      expect(m?.bytes.equals(w.bytes)).toBe(true);
    }
    if (typeof ref.modelJson.convertedBy === 'string' && ref.modelJson.convertedBy.startsWith('TensorFlow.js Converter'))
      expect([...mine.keys()]).toEqual([...ref.weights.keys()]); // same manifest order
    // predictions to 1e-6 (tensorspace references re-wrap all layer outputs: compare the last)
    const ours = await loadResult(r);
    const theirs = await loadArtifacts({ modelJson: ref.modelJson, shards: ref.shards });
    const inputs = randomInputs(ours, 99);
    const a = ours.predict(inputs) as tf.Tensor;
    const bAll = theirs.predict(inputs) as tf.Tensor | tf.Tensor[];
    const b = Array.isArray(bAll) ? (bAll[bAll.length - 1] as tf.Tensor) : bAll;
    const av = await a.data();
    const bv = await b.data();
    expect(av.length).toBe(bv.length);
    let maxDiff = 0;
    for (let i = 0; i < av.length; i++) maxDiff = Math.max(maxDiff, Math.abs((av[i] as number) - (bv[i] as number)));
    expect(maxDiff).toBeLessThanOrEqual(1e-6);
    tf.dispose([a, ...(Array.isArray(bAll) ? bAll : [bAll]), ...inputs]);
    ours.dispose();
    (theirs as tfl.LayersModel).dispose();
  });
});
