/**
 * What the converter writes as preprocessing (metadata.json / vocab.json) and the issue-8 converter
 * fixes: presets and in-model scaling, Teachable Machine labels, Keras Tokenizer settings and the
 * Embedding range check, TextVectorization moved out of the model, errors naming their file,
 * zero-weight models, and the pre-activation quantization deviation.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { convertKeras, withLinearOutputs } from '../../../src/converter/convert';
import { ConvertError } from '../../../src/converter/errors';
import type { JsonObj } from '../../../src/converter/keras/config';
import { buildMetadata, IMAGE_PRESETS, parseLabels, type MetadataOptions } from '../../../src/converter/metadata';
import { loadArtifacts } from '../../../src/converter/tfjs-host';
import { packWeights } from '../../../src/converter/weights';
import { ZipArchive } from '../../../src/converter/zip';
import { encodeText, parseWordIndex } from '../../../src/shared/tokenizer';
import { FIXTURES } from '../../fixtures/keras/spec';
import { TV_FIXTURE, TV_LABELS, TV_SEQUENCE_LENGTH, TV_VOCABULARY, tvExpected } from '../../fixtures/keras/text-spec';
import { writeZip } from '../../fixtures/keras/zip-writer';
import { CORPUS_DIR, ensureCpuBackend, fixture, loadResult, tf } from './helpers';

jest.setTimeout(120_000);

beforeAll(async () => {
  await ensureCpuBackend();
});

const imageMeta = (image: MetadataOptions['image'] = {}): MetadataOptions => ({ task: 'image', labelsText: 'a\nb\nc', labelsPath: 'labels.txt', name: 'm', image });
/** a translated Sequential on a 4×4 RGB input, ending in Dense(3, softmax) */
const imageModel = (first: JsonObj[]): JsonObj => ({
  class_name: 'Sequential',
  config: {
    name: 's',
    layers: [
      { class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, 4, 4, 3] } },
      ...first,
      { class_name: 'Flatten', config: { name: 'f' } },
      { class_name: 'Dense', config: { name: 'd', units: 3, activation: 'softmax' } },
    ],
  },
});

describe('image preprocessing written by the converter', () => {
  it('defaults every unknown field and says so, one sentence each', () => {
    const b = buildMetadata(imageMeta(), imageModel([]), [[1, 3]]);
    expect(b.metadata.image).toMatchObject({ scale: 1 / 255, offset: 0, fit: 'stretch', resizeMethod: 'bilinear', background: [255, 255, 255], colorOrder: 'rgb' });
    expect(b.metadata.image?.preset).toBeUndefined();
    const assumed = b.metadata.image?.assumed ?? [];
    expect(assumed).toHaveLength(5);
    for (const field of [/scale/, /fit/, /resize method/, /background/, /channel order/]) expect(assumed.some((a) => field.test(a))).toBe(true);
    expect(b.warnings).toEqual(assumed);
    expect(b.summary).toMatch(/image 4×4, RGB, x·0.00392157, stretch, bilinear/);
  });
  it('a model starting with Rescaling (after augmentation no-ops) takes raw 0..255: scale 1, offset 0, preset raw', () => {
    const cfg = imageModel([
      { class_name: 'Activation', config: { name: 'random_flip', activation: 'linear' } },
      { class_name: 'Rescaling', config: { name: 'rescaling', scale: 1 / 255, offset: 0 } },
    ]);
    const im = buildMetadata(imageMeta(), cfg, [[1, 3]]).metadata.image;
    expect(im).toMatchObject({ scale: 1, offset: 0, preset: 'raw' });
    expect(im?.assumed?.some((a) => /scale/.test(a))).toBe(false);
  });
  it('Normalization (written as BatchNormalization) inside a nested model counts too', () => {
    const inner: JsonObj = { class_name: 'Sequential', config: { name: 'pre', layers: [{ class_name: 'BatchNormalization', config: { name: 'norm' } }] } };
    expect(buildMetadata(imageMeta(), imageModel([inner]), [[1, 3]], { normalizations: ['norm'] }).metadata.image).toMatchObject({ scale: 1, offset: 0, preset: 'raw' });
    // an ordinary BatchNormalization is not input scaling
    expect(buildMetadata(imageMeta(), imageModel([inner]), [[1, 3]]).metadata.image?.preset).toBeUndefined();
  });
  it.each([
    ['teachable-machine', { scale: 1 / 127.5, offset: -1, fit: 'center-crop', resizeMethod: 'bilinear', colorOrder: 'rgb' }],
    ['mobilenet_v2', { scale: 1 / 127.5, offset: -1, fit: 'stretch', colorOrder: 'rgb' }],
    ['xception', { scale: 1 / 127.5, offset: -1 }],
    ['resnet50', { scale: 1, offset: 0, mean: [103.939, 116.779, 123.68], colorOrder: 'bgr' }],
    ['vgg19', { scale: 1, offset: 0, mean: [103.939, 116.779, 123.68], colorOrder: 'bgr' }],
    ['densenet', { scale: 1 / 255, offset: 0, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }],
    ['efficientnet', { scale: 1, offset: 0 }],
    ['convnext', { scale: 1, offset: 0 }],
    ['mobilenet_v3', { scale: 1, offset: 0 }],
  ])('--preset %s sets every field, nothing assumed', (preset, want) => {
    const b = buildMetadata(imageMeta({ preset }), imageModel([]), [[1, 3]]);
    expect(b.metadata.image).toMatchObject({ ...want, preset, background: [255, 255, 255] });
    expect(b.metadata.image?.assumed).toBeUndefined();
    expect(b.warnings).toEqual([]);
  });
  it('flags override single fields of a preset; unknown presets are refused with the list', () => {
    const im = buildMetadata(imageMeta({ preset: 'mobilenet_v2', fit: 'letterbox', background: [0, 0, 0], resizeMethod: 'area' }), imageModel([]), [[1, 3]]).metadata.image;
    expect(im).toMatchObject({ scale: 1 / 127.5, offset: -1, fit: 'letterbox', background: [0, 0, 0], resizeMethod: 'area', preset: 'mobilenet_v2' });
    expect(() => buildMetadata(imageMeta({ preset: 'resnet9000' }), imageModel([]), [[1, 3]])).toThrow(/--preset "resnet9000" is unknown; expected one of teachable-machine, mobilenet/);
    expect(Object.keys(IMAGE_PRESETS)).toEqual(expect.arrayContaining(['inception_v3', 'vgg16', 'densenet', 'raw']));
  });
  it('a preset that scales on top of an in-model Rescaling is written but warned about', () => {
    const b = buildMetadata(imageMeta({ preset: 'mobilenet_v2' }), imageModel([{ class_name: 'Rescaling', config: { name: 'r', scale: 1 / 127.5, offset: -1 } }]), [[1, 3]]);
    expect(b.warnings.join(' ')).toMatch(/starts with a Rescaling layer "r".*--preset mobilenet_v2 scales the input too/);
  });
});

describe('labels', () => {
  it('a Teachable Machine labels.txt ("0 Cats") gives the class names', () => {
    expect(parseLabels('0 Cats\n1 Dogs\r\n2 Big birds\n', 'labels.txt')).toEqual(['Cats', 'Dogs', 'Big birds']);
  });
  it('labels that merely start with numbers are kept as they are', () => {
    expect(parseLabels('1 Cats\n2 Dogs\n', 'l')).toEqual(['1 Cats', '2 Dogs']);
    expect(parseLabels('0 Cats\nDogs\n', 'l')).toEqual(['0 Cats', 'Dogs']);
    expect(parseLabels('2020\n2021\n', 'l')).toEqual(['2020', '2021']);
  });
});

const haveCorpus = fs.existsSync(CORPUS_DIR);
const withCorpus = haveCorpus ? describe : describe.skip;

withCorpus('Teachable Machine corpus model with --preset teachable-machine', () => {
  it('converts with [-1, 1], centre crop, the labels.txt names, and predicts', async () => {
    const file = path.join(CORPUS_DIR, 'teachable-machine-mobilenetv2-nested/keras_model.h5');
    const plain = await convertKeras(fs.readFileSync(file), { inputPath: file, validate: false, metadata: { task: 'image', labelsText: '0 Cats\n1 Dogs\n', labelsPath: 'labels.txt', name: 'tm' } });
    // without the preset the converter guesses 1/255, says so and points at the preset
    expect(plain.report.warnings.join('\n')).toMatch(/Teachable Machine export .*--preset teachable-machine/);
    const r = await convertKeras(fs.readFileSync(file), {
      inputPath: file,
      metadata: { task: 'image', labelsText: '0 Cats\n1 Dogs\n', labelsPath: 'labels.txt', name: 'tm', image: { preset: 'teachable-machine' } },
    });
    expect(r.metadata?.metadata).toMatchObject({
      labels: ['Cats', 'Dogs'],
      output: 'softmax',
      image: { inputSize: [224, 224], channels: 3, scale: 1 / 127.5, offset: -1, fit: 'center-crop', resizeMethod: 'bilinear', preset: 'teachable-machine' },
    });
    expect(r.metadata?.metadata.image?.assumed).toBeUndefined();
    expect(r.report.validated).toBe(true);
    // [-1, 1] input: mid-grey is 0, the model answers with a probability vector
    const m = await loadResult(r);
    const y = m.predict(tf.zeros([1, 224, 224, 3])) as tf.Tensor;
    const p = Array.from(await y.data());
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    tf.dispose(y);
    m.dispose();
  });
});

// ---- text: Keras Tokenizer -------------------------------------------------------------------

/** keras3-rnn.keras: Embedding(input_dim 20) on 7 ids → … → Dense(1, sigmoid) */
const textRun = (text: MetadataOptions['text']): ReturnType<typeof convertKeras> =>
  convertKeras(fixture(FIXTURES.k3Rnn), { inputPath: 'rnn.keras', metadata: { task: 'text', labelsText: 'ham\nspam', labelsPath: 'labels.txt', name: 't', text } });
/** a Tokenizer.to_json() whose word index (OOV + 29 words) runs past the Embedding's 20 rows */
const bigTokenizer = (config: Record<string, unknown> = {}): string => {
  const words = Object.fromEntries([['<OOV>', 1], ...Array.from({ length: 29 }, (_, i) => [`w${i + 2}`, i + 2])]);
  return JSON.stringify({ class_name: 'Tokenizer', config: { num_words: null, filters: '!"#', lower: false, split: ' ', char_level: false, oov_token: '<OOV>', word_index: JSON.stringify(words), ...config } });
};

describe('text: Keras Tokenizer settings and the Embedding', () => {
  it('a vocabulary with indices >= the Embedding input_dim is refused with the numbers and the way out', async () => {
    const run = textRun({ vocabText: bigTokenizer(), vocabPath: 'tokenizer.json' });
    await expect(run).rejects.toThrow(ConvertError);
    await expect(run).rejects.toThrow(
      /^tokenizer\.json: the word index goes up to 30 but the model's Embedding "embedding" has input_dim 20, so it takes indices 0\.\.19; 11 word\(s\) would make the model fail\. Pass --num-words 20/,
    );
  });
  it('--num-words caps it: words with index >= num_words become the OOV index, as texts_to_sequences does', async () => {
    const r = await textRun({ vocabText: bigTokenizer(), vocabPath: 'tokenizer.json', numWords: 20, padding: 'post', truncating: 'post' });
    const text = r.metadata?.metadata.text;
    expect(text?.tokenizer).toMatchObject({ numWords: 20, oovToken: '<OOV>', lower: false, filters: '!"#' });
    expect(text?.assumed).toBeUndefined();
    // w19 (index 19) is kept; w20 and w29 are past num_words → <OOV> (1); "zzz" is unknown → 1
    const enc = encodeText('w19 w20 w29 zzz w2', text!, parseWordIndex(r.metadata?.vocab));
    expect(enc.ids).toEqual([19, 1, 1, 1, 2, 0, 0]);
    expect(enc.knownCount).toBe(2);
    // and the model predicts on them (every id < 20)
    const m = await loadResult(r);
    const y = m.predict(tf.tensor2d([enc.ids], [1, 7])) as tf.Tensor;
    expect(Number.isFinite((await y.data())[0])).toBe(true);
    tf.dispose(y);
    m.dispose();
  });
  it('num_words from the Tokenizer JSON is honoured; without an OOV token capped words are dropped', async () => {
    const r = await textRun({ vocabText: bigTokenizer({ num_words: 10, oov_token: null }), vocabPath: 'tok.json', padding: 'pre', truncating: 'pre' });
    const text = r.metadata?.metadata.text;
    expect(text?.tokenizer).toMatchObject({ numWords: 10, oovToken: null });
    expect(encodeText('w9 w10 w3', text!, parseWordIndex(r.metadata?.vocab)).ids).toEqual([0, 0, 0, 0, 0, 9, 3]);
  });
  it('flags override every Tokenizer setting; an OOV token missing from the index is refused', async () => {
    const tok = JSON.stringify({ class_name: 'Tokenizer', config: { word_index: JSON.stringify({ '<OOV>': 1, good: 2 }) } });
    const r = await textRun({ vocabText: tok, vocabPath: 'tok.json', lower: false, filters: '#', split: '|', level: 'char', oovToken: '<OOV>', numWords: 5, padding: 'post', truncating: 'pre' });
    expect(r.metadata?.metadata.text).toMatchObject({ padding: 'post', truncating: 'pre', tokenizer: { lower: false, filters: '#', split: '|', level: 'char', oovToken: '<OOV>', numWords: 5 } });
    await expect(textRun({ vocabText: tok, vocabPath: 'tok.json', oovToken: '[UNK]' })).rejects.toThrow(/tok\.json: oov_token "\[UNK\]" is not in the word index/);
  });
  it('padding/truncating defaulted are recorded as assumed and warned; a plain word index says more is assumed', async () => {
    const r = await textRun({ vocabText: JSON.stringify({ good: 1, bad: 2 }), vocabPath: 'words.json' });
    const assumed = r.metadata?.metadata.text?.assumed ?? [];
    expect(assumed.some((a) => /^padding 'pre' assumed/.test(a))).toBe(true);
    expect(assumed.some((a) => /^truncating 'pre' assumed/.test(a))).toBe(true);
    expect(assumed.some((a) => /OOV token/.test(a))).toBe(true);
    for (const a of assumed) expect(r.report.warnings).toContain(a);
    const tok = await textRun({ vocabText: bigTokenizer({ num_words: 20 }), vocabPath: 't.json' });
    expect(tok.metadata?.metadata.text?.assumed).toHaveLength(2); // only padding and truncating
  });
});

// ---- text: TextVectorization ---------------------------------------------------------------

const tvRun = (data: Buffer, text: MetadataOptions['text'] = {}): ReturnType<typeof convertKeras> =>
  convertKeras(data, { inputPath: 'tv.keras', metadata: { task: 'text', labelsText: TV_LABELS.join('\n'), labelsPath: 'labels.txt', name: 'tv', text } });

/** the fixture archive without some of its entries */
function tvWithout(drop: RegExp): Buffer {
  const src = new ZipArchive(fixture(TV_FIXTURE), TV_FIXTURE);
  return writeZip([...src.entries.keys()].filter((n) => !drop.test(n)).map((n) => ({ name: n, data: src.read(n) })));
}

describe('TextVectorization inside the model', () => {
  it('moves out of the model: int input of output_sequence_length ids, settings + vocabulary as the text preprocessing', async () => {
    const r = await tvRun(fixture(TV_FIXTURE));
    expect(r.report.validated).toBe(true);
    expect(r.report.warnings.join(' ')).toMatch(/TextVectorization layer "text_vectorization" moved out of the model/);
    expect(r.metadata?.metadata.text).toEqual({
      vectorization: { standardize: 'lower_and_strip_punctuation', split: 'whitespace', ngrams: null, maskToken: '', oovToken: '[UNK]', vocabFile: 'vocab.json' },
      sequenceLength: TV_SEQUENCE_LENGTH,
      padding: 'post',
      truncating: 'post',
      maxChars: 20000,
    });
    // vocab.json: every token at its get_vocabulary() position; the mask token "" (0) is implied
    expect(r.metadata?.vocab).toEqual(Object.fromEntries(TV_VOCABULARY.slice(1).map((t, i) => [t, i + 1])));
    const m = await loadResult(r);
    expect(m.inputs[0]?.shape).toEqual([null, TV_SEQUENCE_LENGTH]);
    expect(m.layers.map((l) => l.getClassName())).toEqual(['InputLayer', 'Embedding', 'GlobalAveragePooling1D', 'Dense']);
    // raw text → the ids Keras would give → the probability worked out from the hand-set weights
    const vocab = parseWordIndex(r.metadata?.vocab);
    for (const [text, ids] of [
      ['Great movie, I LOVE it!', [5, 3, 1, 6, 12, 0, 0, 0]], // great movie [UNK] love it
      ["Awful... and boring. Don't.", [8, 11, 9, 15, 0, 0, 0, 0]], // awful and boring dont
      ['café café café café café café café café café', [14, 14, 14, 14, 14, 14, 14, 14]], // cut at 8
    ] as const) {
      const enc = encodeText(text, r.metadata!.metadata.text!, vocab);
      expect(enc.ids).toEqual(ids);
      const y = m.predict(tf.tensor2d([enc.ids], [1, TV_SEQUENCE_LENGTH])) as tf.Tensor;
      expect((await y.data())[0]).toBeCloseTo(tvExpected([...ids]), 6);
      tf.dispose(y);
    }
    m.dispose();
  });
  it('without the vocabulary in the archive it is refused with the way out; --vocab supplies it', async () => {
    const bare = tvWithout(/^assets\//);
    await expect(tvRun(bare)).rejects.toThrow(/^tv\.keras: TextVectorization layer "text_vectorization" has no vocabulary in the file .* pass --vocab vocabulary\.txt/);
    const r = await tvRun(bare, { vocabText: TV_VOCABULARY.join('\r\n'), vocabPath: 'vocabulary.txt' });
    expect(r.metadata?.vocab?.café).toBe(14);
    // a JSON list works too, with or without the special tokens in front
    const j = await tvRun(bare, { vocabText: JSON.stringify(TV_VOCABULARY.slice(2)), vocabPath: 'vocab.json' });
    expect(j.metadata?.vocab).toEqual(r.metadata?.vocab);
  });
  it('the _lookup_layer copy of the vocabulary is used when the layer folder has none', async () => {
    const r = await tvRun(tvWithout(/^assets\/layers\/text_vectorization\/vocabulary\.txt$/));
    expect(r.metadata?.vocab?.dont).toBe(15);
  });
  it('settings outside what can run without Python are refused by name', async () => {
    const src = new ZipArchive(fixture(TV_FIXTURE), TV_FIXTURE);
    const patched = (patch: Record<string, unknown>): Buffer =>
      writeZip(
        [...src.entries.keys()].map((n) => {
          if (n !== 'config.json') return { name: n, data: src.read(n) };
          const c = JSON.parse(src.read(n).toString('utf8')) as { config: { layers: { config: Record<string, unknown> }[] } };
          Object.assign(c.config.layers[1]?.config ?? {}, patch);
          return { name: n, data: Buffer.from(JSON.stringify(c)) };
        }),
      );
    await expect(tvRun(patched({ output_mode: 'multi_hot', output_sequence_length: null }))).rejects.toThrow(/TextVectorization layer "text_vectorization": output_mode "multi_hot"/);
    await expect(tvRun(patched({ output_sequence_length: null }))).rejects.toThrow(/output_sequence_length is not set/);
    await expect(tvRun(patched({ standardize: { class_name: 'function', config: 'my_std' } }))).rejects.toThrow(/standardize .*custom function/);
    // ngrams=2 is widths (1, 2)
    const ng = await tvRun(patched({ ngrams: 2 }));
    expect(ng.metadata?.metadata.text?.vectorization?.ngrams).toEqual([1, 2]);
  });
  it('a Functional model is rewired: the layer after TextVectorization reads the new int input', async () => {
    const src = new ZipArchive(fixture(TV_FIXTURE), TV_FIXTURE);
    const seqCfg = JSON.parse(src.read('config.json').toString('utf8')) as { config: { layers: { class_name: string; config: { name: string } }[] } };
    const tensor = (from: string, shape: (number | null)[]): unknown => ({ class_name: '__keras_tensor__', config: { shape, dtype: 'float32', keras_history: [from, 0, 0] } });
    const names = seqCfg.config.layers.map((l) => l.config.name);
    const functional = {
      module: 'keras.src.models.functional',
      class_name: 'Functional',
      config: {
        name: 'functional',
        trainable: true,
        layers: seqCfg.config.layers.map((l, i) => ({
          ...l,
          name: l.config.name,
          inbound_nodes: i === 0 ? [] : [{ args: [tensor(names[i - 1] as string, [null])], kwargs: {} }],
        })),
        input_layers: [names[0], 0, 0],
        output_layers: [names[names.length - 1], 0, 0],
      },
    };
    const archive = writeZip([...src.entries.keys()].map((n) => ({ name: n, data: n === 'config.json' ? Buffer.from(JSON.stringify(functional)) : src.read(n) })));
    const r = await tvRun(archive);
    const m = await loadResult(r);
    expect(m.inputs[0]?.shape).toEqual([null, TV_SEQUENCE_LENGTH]);
    const y = m.predict(tf.tensor2d([[5, 6, 0, 0, 0, 0, 0, 0]], [1, TV_SEQUENCE_LENGTH])) as tf.Tensor;
    expect((await y.data())[0]).toBeCloseTo(tvExpected([5, 6]), 6);
    tf.dispose(y);
    m.dispose();
  });
  it('Tokenizer flags do not apply to a TextVectorization model', async () => {
    await expect(tvRun(fixture(TV_FIXTURE), { padding: 'pre' })).rejects.toThrow(/--padding does not apply: the model's TextVectorization layer "text_vectorization" defines the text preprocessing/);
  });
});

withCorpus('TextVectorization corpus model (Keras 3.12, vocabulary in assets/ with CRLF lines)', () => {
  it('converts, and the tokens are the vocabulary.txt line numbers Keras would use', async () => {
    const file = path.join(CORPUS_DIR, 'chamidu-keras312-textvectorization/toxicity_model.keras');
    const r = await convertKeras(fs.readFileSync(file), { inputPath: file, metadata: { task: 'text', labelsText: 'ok\ntoxic', labelsPath: 'l', name: 'tox' } });
    expect(r.report.validated).toBe(true);
    const text = r.metadata!.metadata.text!;
    expect(text).toMatchObject({ sequenceLength: 250, padding: 'post', truncating: 'post', vectorization: { standardize: 'lower_and_strip_punctuation', split: 'whitespace' } });
    // vocabulary.txt starts "\r\n[UNK]\r\nthe\r\na\r\ni\r\nto\r\nyou\r\nbitch\r\n": line n is index n − 1
    const vocab = parseWordIndex(r.metadata?.vocab);
    expect(Object.keys(vocab)).toHaveLength(9999);
    const enc = encodeText('You, a BITCH... to the i!', text, vocab);
    expect(enc.ids.slice(0, 7)).toEqual([6, 3, 7, 5, 2, 4, 0]);
    expect(enc.ids).toHaveLength(250);
    const m = await loadResult(r);
    expect(m.inputs[0]?.shape).toEqual([null, 250]);
    const y = m.predict(tf.tensor2d([enc.ids], [1, 250])) as tf.Tensor;
    const p = (await y.data())[0] as number;
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1);
    tf.dispose(y);
    m.dispose();
  });
});

// ---- converter: file names, zero weights, pre-activation deviation ----------------------------

describe('converter errors and outputs', () => {
  it('a weights-file/architecture mismatch names both files', async () => {
    const run = convertKeras(fixture(FIXTURES.k2Weights), { inputPath: 'weights.h5', architecture: fixture(FIXTURES.k2Tracked), architecturePath: 'mlp.h5' });
    await expect(run).rejects.toThrow(/^weights\.h5 \(weights\) with mlp\.h5 \(architecture\): /);
  });
  it('a model without weights has no shard: paths [] as tensorflowjs_converter writes', async () => {
    const packed = packWeights([]);
    expect(packed.manifest).toEqual([{ paths: [], weights: [] }]);
    expect(packed.shards).toEqual([]);
    // and TF.js loads such a model
    const modelConfig: JsonObj = { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'Flatten', config: { name: 'f', batch_input_shape: [null, 2, 2] } }] } };
    const modelJson: JsonObj = { format: 'layers-model', modelTopology: { model_config: modelConfig }, weightsManifest: packed.manifest as unknown as JsonObj[] };
    const m = await loadArtifacts({ modelJson, shards: [] });
    expect(m.outputs[0]?.shape).toEqual([null, 4]);
    m.dispose();
  });
  it('quantization reports the deviation before the final activation too', async () => {
    const r = await convertKeras(fixture(FIXTURES.k2Full), { inputPath: 'x', quantize: [{ dtype: 'uint8', patterns: [] }] });
    expect(r.report.maxPreActivationDeviation).not.toBeNull();
    expect(r.report.maxPreActivationDeviation as number).toBeGreaterThan(0);
    // softmax squeezes differences: the logits move more than the probabilities
    expect(r.report.maxPreActivationDeviation as number).toBeGreaterThan(r.report.maxDeviation as number);
    const linear = withLinearOutputs(r.modelJson) as JsonObj;
    expect(JSON.stringify(linear)).not.toMatch(/"activation":"softmax"/);
    expect(withLinearOutputs(linear)).toBeNull();
  });
});
