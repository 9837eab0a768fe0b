/**
 * Checks the COMMITTED default text model (model_web/spam-assassin/) the way the extension uses
 * it: metadata through parseMetadata, vocabulary through parseWordIndex, inputs through
 * encodeText, the model through tfjs-layers on the cpu backend. Recomputes the held-out split
 * with the training script's own deterministic code and requires >= 95% accuracy on it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import { parseMetadata, type ModelMetadata, type TextPreprocessing } from '../../src/shared/metadata';
import { encodeText, parseWordIndex, type WordIndex } from '../../src/shared/tokenizer';
import { binaryMetrics } from '../../scripts/text/metrics';
import { loadLayersModel } from '../../scripts/text/model-io';
import { loadSpamAssassinSplit } from '../../scripts/text/spam-data';

const DIR = path.join(__dirname, '..', '..', 'model_web', 'spam-assassin');
const fixtures = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'texts.json'), 'utf8')) as { spam: string; ham: string };

let meta: ModelMetadata;
let pre: TextPreprocessing;
let wordIndex: WordIndex;
let model: tfl.LayersModel;

function scores(texts: readonly string[]): Float32Array {
  return tf.tidy(() => {
    const L = pre.sequenceLength;
    const flat = new Int32Array(texts.length * L);
    texts.forEach((t, i) => flat.set(encodeText(t, pre, wordIndex).ids, i * L));
    const y = model.predict(tf.tensor2d(flat, [texts.length, L], 'int32'), { batchSize: 256 }) as tf.Tensor;
    return y.dataSync() as Float32Array;
  });
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  meta = parseMetadata(JSON.parse(fs.readFileSync(path.join(DIR, 'metadata.json'), 'utf8')), 'model_web/spam-assassin/metadata.json');
  pre = meta.text as TextPreprocessing;
  wordIndex = parseWordIndex(JSON.parse(fs.readFileSync(path.join(DIR, pre.tokenizer!.vocabFile), 'utf8')), pre.tokenizer!.vocabFile);
  model = await loadLayersModel(DIR);
});

afterAll(() => model?.dispose());

describe('model_web/spam-assassin', () => {
  it('has consistent metadata, vocabulary and model', () => {
    expect(meta).toMatchObject({ name: 'spam-assassin', task: 'text', labels: ['ham', 'spam'], output: 'sigmoid', modelFile: 'model.json' });
    const json = JSON.parse(fs.readFileSync(path.join(DIR, 'model.json'), 'utf8')) as Record<string, unknown>;
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest).toEqual([expect.objectContaining({ paths: ['group1-shard1of1.bin'] })]);
    expect(model.inputs[0]?.shape).toEqual([null, pre.sequenceLength]);
    expect(model.outputs[0]?.shape).toEqual([null, 1]);
    // every index fits the embedding; the OOV token is in the vocabulary
    const inputDim = (model.getLayer('embedding').getConfig() as { inputDim: number }).inputDim;
    expect(Math.max(...Object.values(wordIndex))).toBeLessThan(inputDim);
    expect(pre.tokenizer!.oovToken && wordIndex[pre.tokenizer!.oovToken]).toBe(1);
    // weights stay small enough for an extension
    expect(fs.statSync(path.join(DIR, 'group1-shard1of1.bin')).size).toBeLessThan(1_000_000);
  });

  it('reaches >= 95% accuracy on the recomputed held-out split, as recorded in its metadata', () => {
    const { test } = loadSpamAssassinSplit();
    const src = meta.source as { split: { test: number }; accuracy: number; precision: number; recall: number };
    expect(test.length).toBe(src.split.test);
    const m = binaryMetrics(test.map((e) => e.label), scores(test.map((e) => e.text)));
    expect(m.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(m.accuracy).toBeCloseTo(src.accuracy, 3);
    expect(m.precision).toBeCloseTo(src.precision, 3);
    expect(m.recall).toBeCloseTo(src.recall, 3);
  });

  it('scores the fixture spam text as spam and the ham text as ham, confidently', () => {
    const [spam, ham] = scores([fixtures.spam, fixtures.ham]);
    expect(spam).toBeGreaterThan(0.8);
    expect(ham).toBeLessThan(0.2);
  });

  it('handles empty, non-Latin and huge selections', () => {
    const big = `${fixtures.ham} `.repeat(20_000); // ~1.7 MB, capped to maxChars
    const s = scores(['', 'Привет! Как дела? 我爱北京天安门 🍕', big]);
    for (const v of s) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    expect(encodeText(big, pre, wordIndex).charsTruncated).toBe(true);
  });
});
