/**
 * Fixtures for the models section's e2e tests (test/fixtures/import/):
 * - spam-assassin.keras: the packaged text model (model_web/spam-assassin) saved as a Keras 3
 *   `.keras` archive with the same weights, and spam-tokenizer.json, its vocabulary as a Keras
 *   `Tokenizer.to_json()` file. Importing both through the options page must give the packaged
 *   model's scores (weights bit-identical).
 * - tm-labels.txt: Teachable Machine style labels for the corpus Teachable Machine model.
 * Uses h5wasm (a dev dependency) to write HDF5, as scripts/make-keras-fixtures.ts does.
 *
 *   node scripts/run-ts.cjs scripts/make-import-fixtures.ts
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { groupMaker } from '../test/fixtures/keras/h5-groups';
import { writeZip } from '../test/fixtures/keras/zip-writer';

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'test/fixtures/import');
const SPAM = path.join(ROOT, 'model_web/spam-assassin');

const dtype = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
const init = (class_name: string, config: Record<string, unknown> = {}) => ({ module: 'keras.initializers', class_name, config, registered_name: null });
const dense = (name: string, units: number, activation: string, inputs: number) => ({
  module: 'keras.layers', class_name: 'Dense', registered_name: null, build_config: { input_shape: [null, inputs] },
  config: {
    name, trainable: true, dtype, units, activation, use_bias: true,
    kernel_initializer: init('GlorotUniform', { seed: null }), bias_initializer: init('Zeros'),
    kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null,
  },
});

function config(seq: number, vocab: number, dim: number, hidden: number): unknown {
  return {
    module: 'keras', class_name: 'Sequential', registered_name: null,
    config: {
      name: 'spam_assassin', trainable: true, dtype,
      layers: [
        { module: 'keras.layers', class_name: 'InputLayer', registered_name: null, config: { batch_shape: [null, seq], dtype: 'int32', sparse: false, name: 'input_layer' } },
        {
          module: 'keras.layers', class_name: 'Embedding', registered_name: null, build_config: { input_shape: [null, seq] },
          config: { name: 'embedding', trainable: true, dtype, input_dim: vocab, output_dim: dim, embeddings_initializer: init('RandomUniform', { seed: null, minval: -0.05, maxval: 0.05 }), embeddings_regularizer: null, activity_regularizer: null, embeddings_constraint: null, mask_zero: false },
        },
        { module: 'keras.layers', class_name: 'GlobalAveragePooling1D', registered_name: null, build_config: { input_shape: [null, seq, dim] }, config: { name: 'average', trainable: true, dtype, data_format: 'channels_last', keepdims: false } },
        dense('hidden', hidden, 'relu', dim),
        { module: 'keras.layers', class_name: 'Dropout', registered_name: null, build_config: { input_shape: [null, hidden] }, config: { name: 'dropout', trainable: true, dtype, rate: 0.3, seed: null, noise_shape: null } },
        dense('spam', 1, 'sigmoid', hidden),
      ],
      build_input_shape: [null, seq],
    },
    build_config: { input_shape: [null, seq] },
  };
}

async function main(): Promise<void> {
  const h5wasm = (await import('h5wasm/node')) as typeof import('h5wasm');
  await h5wasm.ready;
  fs.mkdirSync(OUT, { recursive: true });
  const modelJson = JSON.parse(fs.readFileSync(path.join(SPAM, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[]; weights: { name: string; shape: number[] }[] }[] };
  const group = modelJson.weightsManifest[0] as { paths: string[]; weights: { name: string; shape: number[] }[] };
  const data = fs.readFileSync(path.join(SPAM, group.paths[0] as string));
  const values = new Map<string, { values: Float32Array; shape: number[] }>();
  let o = 0;
  for (const w of group.weights) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    values.set(w.name, { values: new Float32Array(data.buffer.slice(data.byteOffset + o, data.byteOffset + o + 4 * n)), shape: w.shape });
    o += 4 * n;
  }
  const get = (n: string): { values: Float32Array; shape: number[] } => values.get(n) as { values: Float32Array; shape: number[] };
  const emb = get('embedding/embeddings');
  // Keras 3 slots: snake_case class name, de-duplicated (Sequential skips its InputLayer)
  const slots: [string, string][] = [
    ['layers/embedding/vars/0', 'embedding/embeddings'],
    ['layers/dense/vars/0', 'hidden/kernel'],
    ['layers/dense/vars/1', 'hidden/bias'],
    ['layers/dense_1/vars/0', 'spam/kernel'],
    ['layers/dense_1/vars/1', 'spam/bias'],
  ];
  const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'impfix-')), 'model.weights.h5');
  const f = new h5wasm.File(tmp, 'w');
  const ensure = groupMaker(f as unknown as InstanceType<typeof h5wasm.Group>);
  for (const e of ['global_average_pooling1d', 'dropout']) ensure(`layers/${e}/vars`);
  for (const [slot, name] of slots) {
    const w = get(name);
    const i = slot.lastIndexOf('/');
    ensure(slot.slice(0, i)).create_dataset({ name: slot.slice(i + 1), data: w.values, shape: w.shape, dtype: '<f' });
  }
  ensure('vars');
  f.close();
  const weights = fs.readFileSync(tmp);
  fs.rmSync(path.dirname(tmp), { recursive: true, force: true });
  const seq = 200;
  const keras = writeZip([
    { name: 'metadata.json', data: Buffer.from(JSON.stringify({ keras_version: '3.5.0', date_saved: '2026-11-29@12:00:00' })) },
    { name: 'config.json', data: Buffer.from(JSON.stringify(config(seq, emb.shape[0] as number, emb.shape[1] as number, get('hidden/bias').shape[0] as number))) },
    { name: 'model.weights.h5', data: weights, deflate: false },
  ]);
  fs.writeFileSync(path.join(OUT, 'spam-assassin.keras'), keras);
  const meta = JSON.parse(fs.readFileSync(path.join(SPAM, 'metadata.json'), 'utf8')) as { text: { tokenizer: { filters: string; lower: boolean; split: string; oovToken: string } } };
  const tk = meta.text.tokenizer;
  const wordIndex = fs.readFileSync(path.join(SPAM, 'vocab.json'), 'utf8');
  const tokenizer = {
    class_name: 'Tokenizer',
    config: { num_words: null, filters: tk.filters, lower: tk.lower, split: tk.split, char_level: false, oov_token: tk.oovToken, document_count: 0, word_counts: '{}', word_docs: '{}', index_docs: '{}', index_word: '{}', word_index: wordIndex },
  };
  fs.writeFileSync(path.join(OUT, 'spam-tokenizer.json'), JSON.stringify(tokenizer));
  fs.writeFileSync(path.join(OUT, 'tm-labels.txt'), '0 Class A\n1 Class B\n');
  console.log(`spam-assassin.keras ${keras.length} bytes, spam-tokenizer.json, tm-labels.txt in ${OUT}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
