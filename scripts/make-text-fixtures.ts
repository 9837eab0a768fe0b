/**
 * Writes the TextVectorization fixtures from test/fixtures/keras/text-spec.ts:
 *  - test/fixtures/keras/text-vectorization.keras: a Keras 3 archive laid out as Keras 3.12
 *    saves it (config.json, metadata.json, model.weights.h5 with layers/<slot>/vars, and the
 *    vocabulary in assets/layers/text_vectorization/vocabulary.txt and its _lookup_layer/);
 *  - test/fixtures/models/review-sentiment-tv/: that archive converted by our converter, which
 *    test builds (`npx webpack --env test`) package next to model_web/ for the e2e suite.
 *
 *   node scripts/run-ts.cjs scripts/make-text-fixtures.ts
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { convertKeras, writeArtifacts } from '../src/converter/convert';
import { groupMaker } from '../test/fixtures/keras/h5-groups';
import { OVERSIZED_MODEL_NAME, OVERSIZED_VOCAB, TV_CONFIG, TV_FIXTURE, TV_LABELS, TV_MODEL_NAME, TV_SCORES, TV_VOCABULARY } from '../test/fixtures/keras/text-spec';
import { defaultTokenizerConfig } from '../src/shared/tokenizer';
import { writeZip } from '../test/fixtures/keras/zip-writer';

const FIXTURES = path.resolve(__dirname, '../test/fixtures');

type H5 = typeof import('h5wasm');
type H5Group = ReturnType<InstanceType<H5['File']>['create_group']>;

async function weightsH5(): Promise<Buffer> {
  // h5wasm ships ESM only (exports "import" condition), so it is loaded with a dynamic import
  const h5wasm = (await import('h5wasm/node')) as H5;
  await h5wasm.ready;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tvfix-'));
  const file = path.join(dir, 'w.h5');
  const f = new h5wasm.File(file, 'w');
  const ensure = groupMaker(f as unknown as H5Group);
  for (const empty of ['text_vectorization', 'global_average_pooling1d']) ensure(`layers/${empty}/vars`);
  const emb = Float32Array.from(TV_VOCABULARY, (t) => TV_SCORES[t] ?? 0);
  ensure('layers/embedding/vars').create_dataset({ name: '0', data: emb, shape: [TV_VOCABULARY.length, 1], dtype: '<f' });
  ensure('layers/dense/vars').create_dataset({ name: '0', data: new Float32Array([4]), shape: [1, 1], dtype: '<f' });
  ensure('layers/dense/vars').create_dataset({ name: '1', data: new Float32Array([0]), shape: [1], dtype: '<f' });
  ensure('vars');
  f.close();
  const data = fs.readFileSync(file);
  fs.rmSync(dir, { recursive: true, force: true });
  return data;
}

async function main(): Promise<void> {
  const vocab = Buffer.from(TV_VOCABULARY.join('\n'), 'utf8');
  const archive = writeZip([
    { name: 'metadata.json', data: Buffer.from(JSON.stringify({ keras_version: '3.12.0', date_saved: '2026-11-29@12:00:00' })) },
    { name: 'config.json', data: Buffer.from(JSON.stringify(TV_CONFIG)) },
    { name: 'model.weights.h5', data: await weightsH5() },
    { name: 'assets/layers/text_vectorization/vocabulary.txt', data: vocab, deflate: true },
    { name: 'assets/layers/text_vectorization/_lookup_layer/vocabulary.txt', data: vocab, deflate: true },
  ]);
  const kerasFile = path.join(FIXTURES, 'keras', TV_FIXTURE);
  fs.writeFileSync(kerasFile, archive);
  console.log(`${kerasFile}: ${archive.length} bytes`);
  const r = await convertKeras(archive, {
    inputPath: TV_FIXTURE,
    metadata: { task: 'text', labelsText: TV_LABELS.join('\n'), labelsPath: 'labels', name: TV_MODEL_NAME, displayName: 'Review sentiment (TextVectorization test model)', source: { fixture: `test/fixtures/keras/${TV_FIXTURE}`, script: 'scripts/make-text-fixtures.ts' } },
  });
  const out = path.join(FIXTURES, 'models', TV_MODEL_NAME);
  console.log(`${out}: ${writeArtifacts(r, out).join(', ')}`);

  // the same model and weights with a vocabulary past its Embedding (written by hand: our
  // converter refuses to write it)
  const bad = path.join(FIXTURES, 'models', OVERSIZED_MODEL_NAME);
  fs.mkdirSync(bad, { recursive: true });
  for (const f of ['model.json', 'group1-shard1of1.bin']) fs.copyFileSync(path.join(out, f), path.join(bad, f));
  const meta = {
    ...r.metadata?.metadata,
    name: OVERSIZED_MODEL_NAME,
    displayName: 'Vocabulary past its Embedding (test model)',
    text: { tokenizer: defaultTokenizerConfig(), sequenceLength: 8, padding: 'post', truncating: 'post', maxChars: 20000 },
  };
  fs.writeFileSync(path.join(bad, 'metadata.json'), `${JSON.stringify(meta, null, 2)}\n`);
  fs.writeFileSync(path.join(bad, 'vocab.json'), JSON.stringify(OVERSIZED_VOCAB));
  console.log(`${bad}: model.json, group1-shard1of1.bin, metadata.json, vocab.json`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
