/**
 * Builds the `metadata.json` (and `vocab.json`) the extension reads beside a model, from CLI
 * options and the model config. Validated with the shared `parseMetadata` contract.
 *
 * Every preprocessing field is either known (a flag, a preset, the model's own layers, the
 * tokenizer file) or defaulted; each default is one sentence in `assumed` and a warning.
 */
import {
  METADATA_SCHEMA_VERSION,
  parseMetadata,
  type ImageFit,
  type ImagePreprocessing,
  type ModelMetadata,
  type OutputKind,
  type ResizeMethod,
  type TextVectorizationConfig,
} from '../shared/metadata';
import { fail } from './errors';
import { isContainerClass, isObj, lastActivation, modelLayers, type Json, type JsonObj } from './keras/config';
import type { ExtractedVectorization } from './text-vectorization';
import { vocabularyIndex } from './text-vectorization';

export interface ImageOptions {
  preset?: string;
  inputSize?: [number, number];
  scale?: number;
  offset?: number;
  mean?: number[];
  std?: number[];
  fit?: ImageFit;
  resizeMethod?: ResizeMethod;
  background?: [number, number, number];
  colorOrder?: 'rgb' | 'bgr';
}

export interface TextOptions {
  vocabText?: string;
  vocabPath?: string;
  sequenceLength?: number;
  padding?: 'pre' | 'post';
  truncating?: 'pre' | 'post';
  maxChars?: number;
  lower?: boolean;
  level?: 'word' | 'char';
  numWords?: number;
  oovToken?: string;
  filters?: string;
  split?: string;
}

export interface MetadataOptions {
  task: 'image' | 'text';
  /** labels file text, one label per line */
  labelsText: string;
  labelsPath: string;
  name: string;
  displayName?: string;
  description?: string;
  output?: OutputKind;
  image?: ImageOptions;
  text?: TextOptions;
  source?: Record<string, unknown>;
}

export interface BuiltMetadata {
  metadata: ModelMetadata;
  vocab: Record<string, number> | null;
  vocabFile: string;
  /** the preprocessing written, in one line */
  summary: string;
  /** one warning per defaulted field (the `assumed` sentences) and per conflict */
  warnings: string[];
}

export const DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n';
export const VOCAB_FILE = 'vocab.json';

/**
 * One label per line. A Teachable Machine `labels.txt` numbers its lines ("0 Cats", "1 Dogs"):
 * when every line starts with its own index, the numbers are dropped.
 */
export function parseLabels(text: string, where: string): string[] {
  const labels = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  if (labels.length === 0) fail('usage', `${where}: labels file is empty; expected one label per line`);
  const numbered = labels.map((l, i) => new RegExp(`^${i}\\s+(\\S.*)$`).exec(l)?.[1]);
  if (numbered.every((l) => l !== undefined)) return numbered;
  return labels;
}

// ---- image presets ---------------------------------------------------------------------

type PresetFields = Required<Pick<ImagePreprocessing, 'scale' | 'offset' | 'fit' | 'resizeMethod' | 'background' | 'colorOrder'>> &
  Pick<ImagePreprocessing, 'mean' | 'std'>;

const WHITE: [number, number, number] = [255, 255, 255];
/** keras.applications `preprocess_input` mode "tf": x / 127.5 - 1 */
const TF_MODE: PresetFields = { scale: 1 / 127.5, offset: -1, fit: 'stretch', resizeMethod: 'bilinear', background: WHITE, colorOrder: 'rgb' };
/** mode "caffe": RGB → BGR, minus the ImageNet BGR means, no scaling */
const CAFFE_MODE: PresetFields = { scale: 1, offset: 0, mean: [103.939, 116.779, 123.68], fit: 'stretch', resizeMethod: 'bilinear', background: WHITE, colorOrder: 'bgr' };
/** mode "torch": x / 255, then ImageNet mean/std per RGB channel */
const TORCH_MODE: PresetFields = { scale: 1 / 255, offset: 0, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], fit: 'stretch', resizeMethod: 'bilinear', background: WHITE, colorOrder: 'rgb' };
/** preprocessing inside the model (Rescaling/Normalization layers): raw 0..255 */
const RAW: PresetFields = { scale: 1, offset: 0, fit: 'stretch', resizeMethod: 'bilinear', background: WHITE, colorOrder: 'rgb' };

export const IMAGE_PRESETS: Record<string, PresetFields> = {
  // Teachable Machine's own image library (@teachablemachine/image, src/utils/tf.ts `capture`)
  // crops the centre square and maps pixels with (x - 127.5) / 127.5; its webcam/canvas path
  // (`cropTo`) draws the crop scaled with the canvas's bilinear smoothing. The Keras export's
  // sample code does the same: ImageOps.fit (centre crop) to 224×224, then x / 127.5 - 1.
  'teachable-machine': { ...TF_MODE, fit: 'center-crop' },
  mobilenet: TF_MODE,
  mobilenet_v2: TF_MODE,
  inception_v3: TF_MODE,
  inception_resnet_v2: TF_MODE,
  xception: TF_MODE,
  resnet50: CAFFE_MODE,
  resnet: CAFFE_MODE,
  vgg16: CAFFE_MODE,
  vgg19: CAFFE_MODE,
  densenet: TORCH_MODE,
  efficientnet: RAW,
  efficientnet_v2: RAW,
  convnext: RAW,
  mobilenet_v3: RAW,
  raw: RAW,
};

const INFERENCE_NO_OPS = /^(Random\w+|Resizing|Dropout|SpatialDropout\dD|GaussianNoise|GaussianDropout|AlphaDropout|ActivityRegularization)$/;

/**
 * The first layer the image meets (skipping the input, augmentation no-ops and Resizing, into
 * nested models): Rescaling or Normalization there means the model takes raw 0..255 pixels.
 */
export function inModelScaling(cfg: JsonObj, normalizations: readonly string[] = []): string | null {
  for (const l of modelLayers(cfg)) {
    const cn = typeof l.class_name === 'string' ? l.class_name : '';
    const name = isObj(l.config) && typeof l.config.name === 'string' ? l.config.name : cn;
    // translated configs: Normalization is written as BatchNormalization, no-ops as linear Activation
    const linear = cn === 'Activation' && isObj(l.config) && l.config.activation === 'linear';
    if (cn === 'InputLayer' || linear || INFERENCE_NO_OPS.test(cn)) continue;
    if (isContainerClass(cn)) return inModelScaling(l, normalizations);
    if (normalizations.includes(name)) return `Normalization layer "${name}"`;
    return cn === 'Rescaling' || cn === 'Normalization' ? `${cn} layer "${name}"` : null;
  }
  return null;
}

/** keras.applications model names (the nested Functional keeps them, e.g. "mobilenetv2_1.00_224") → preset */
const APPLICATION_NAMES: [RegExp, string][] = [
  [/^mobilenetv2/i, 'mobilenet_v2 (Teachable Machine exports: teachable-machine)'],
  [/^mobilenetv3/i, 'mobilenet_v3'],
  [/^mobilenet/i, 'mobilenet'],
  [/^(resnet50|vgg16|vgg19)$/i, 'resnet50'],
  [/^inception_v3$/i, 'inception_v3'],
  [/^xception$/i, 'xception'],
  [/^densenet/i, 'densenet'],
  [/^efficientnet/i, 'efficientnet'],
  [/^convnext/i, 'convnext'],
];

function applicationsFamily(cfg: JsonObj): { name: string; preset: string } | null {
  for (const l of modelLayers(cfg)) {
    const name = isObj(l.config) && typeof l.config.name === 'string' ? l.config.name : '';
    // Teachable Machine's Keras export is its TF.js model re-saved: layer names keep the TF.js
    // pattern <snake>_<ClassName><n> ("dense_Dense1", "global_average_pooling2d_GlobalAveragePooling2D1")
    if (/^[a-z0-9_]+_(Dense|GlobalAveragePooling2D)\d+$/.test(name)) return { name, preset: 'teachable-machine' };
    if (!isContainerClass(l.class_name)) continue;
    const hit = APPLICATION_NAMES.find(([re]) => re.test(name));
    if (hit) return { name, preset: hit[1] };
    const inner = applicationsFamily(l);
    if (inner) return inner;
  }
  return null;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)));
}

function imagePreprocessing(im: ImageOptions, scaling: string | null, family: { name: string; preset: string } | null, shape: (number | null)[] | null, warnings: string[]): ImagePreprocessing {
  let size = im.inputSize;
  let channels: number | null = null;
  if (shape && shape.length === 4) {
    size ??= [shape[1] ?? 0, shape[2] ?? 0] as [number, number];
    channels = shape[3] ?? null;
  }
  if (!size || !size[0] || !size[1]) fail('usage', 'the model input size is unknown; pass --input-size HxW');
  if (channels !== 1 && channels !== 3) fail('usage', `image models must take 1 or 3 channels (input shape [${(shape ?? []).join(',')}])`);
  const assumed: string[] = [];
  let base: Partial<PresetFields> = {};
  let preset: string | undefined;
  if (im.preset !== undefined) {
    const p = IMAGE_PRESETS[im.preset];
    if (!p) fail('usage', `--preset "${im.preset}" is unknown; expected one of ${Object.keys(IMAGE_PRESETS).join(', ')}`);
    base = p;
    preset = im.preset;
    if (scaling && (p.scale !== 1 || p.offset !== 0 || p.mean || p.std))
      warnings.push(`the model starts with a ${scaling} (it scales raw 0..255 pixels itself), but --preset ${im.preset} scales the input too; check that this is what the model was trained on`);
  } else if (scaling) {
    base = { scale: 1, offset: 0 };
    preset = 'raw';
  } else if (family) {
    warnings.push(
      family.preset === 'teachable-machine'
        ? `this looks like a Teachable Machine export (layer "${family.name}"): pass --preset teachable-machine for its preprocessing`
        : `the model contains a keras.applications network ("${family.name}"): if it was trained with that family's preprocess_input, pass --preset ${family.preset}`,
    );
  }
  const pick = <K extends keyof PresetFields>(k: K, dflt: PresetFields[K], sentence: string): PresetFields[K] => {
    const v = (im as Partial<PresetFields>)[k] ?? base[k];
    if (v !== undefined) return v;
    assumed.push(sentence);
    return dflt;
  };
  const scale = pick('scale', 1 / 255, 'scale 1/255 and offset 0 (pixels in [0, 1]) assumed; pass --preset or --scale/--offset if the model was trained otherwise');
  const offset = im.offset ?? base.offset ?? 0; // part of the scale sentence when defaulted
  const fit = pick('fit', 'stretch', 'fit stretch assumed (the whole image squeezed to the input, as Keras image_dataset_from_directory does); pass --fit center-crop|letterbox if not');
  const resizeMethod = pick('resizeMethod', 'bilinear', 'resize method bilinear assumed (half-pixel centres, as tf.image.resize and Keras Resizing); pass --resize-method if not');
  const background = pick('background', WHITE, 'background white assumed (transparent pixels are composited onto it; training photos rarely have transparency); pass --background r,g,b if not');
  const colorOrder = pick('colorOrder', 'rgb', 'channel order RGB assumed; pass --color-order bgr for caffe-style models (keras.applications ResNet50/VGG)');
  const mean = im.mean ?? base.mean;
  const std = im.std ?? base.std;
  const c = channels;
  for (const [k, v] of [['mean', mean], ['std', std]] as const)
    if (v && v.length !== c) fail('usage', `--${k} needs ${c} value(s) (one per channel), got ${v.length}`);
  const out: ImagePreprocessing = {
    inputSize: size,
    channels: c,
    colorOrder,
    scale,
    offset,
    ...(mean ? { mean } : {}),
    ...(std ? { std } : {}),
    resizeMethod,
    fit,
    background,
    ...(preset ? { preset } : {}),
    ...(assumed.length > 0 ? { assumed } : {}),
  };
  return out;
}

export function describeImage(p: ImagePreprocessing): string {
  const norm = `x·${fmt(p.scale)}${p.offset < 0 ? ` − ${fmt(-p.offset)}` : p.offset > 0 ? ` + ${fmt(p.offset)}` : ''}`;
  const ms = `${p.mean ? `, minus mean [${p.mean.map(fmt).join(', ')}]` : ''}${p.std ? `, over std [${p.std.map(fmt).join(', ')}]` : ''}`;
  return `image ${p.inputSize[0]}×${p.inputSize[1]}, ${p.channels === 1 ? 'grayscale' : (p.colorOrder ?? 'rgb').toUpperCase()}, ${norm}${ms}, ${p.fit}, ${p.resizeMethod}, background rgb(${p.background.join(',')})${p.preset ? `, preset ${p.preset}` : ''}`;
}

// ---- text ------------------------------------------------------------------------------------

interface ParsedVocab {
  wordIndex: Record<string, number>;
  lower?: boolean;
  filters?: string;
  split?: string;
  level?: 'word' | 'char';
  oovToken?: string | null;
  numWords?: number | null;
  /** the file is a Keras Tokenizer.to_json(), so its settings are known */
  fromTokenizer: boolean;
}

/** accepts our word-index JSON `{"word": index}` or Keras `Tokenizer.to_json()` output */
export function parseVocab(text: string, where: string): ParsedVocab {
  let j: Json;
  try {
    j = JSON.parse(text) as Json;
  } catch {
    fail('usage', `${where}: vocabulary is not valid JSON; expected {"word": index} or a Keras Tokenizer.to_json() file`);
  }
  if (!isObj(j)) fail('usage', `${where}: vocabulary must be a JSON object`);
  if (j.class_name === 'Tokenizer' && isObj(j.config)) {
    const c = j.config;
    let wi: Json = c.word_index ?? null;
    if (typeof wi === 'string') {
      try {
        wi = JSON.parse(wi) as Json;
      } catch {
        fail('usage', `${where}: Tokenizer config.word_index is not valid JSON`);
      }
    }
    if (!isObj(wi)) fail('usage', `${where}: Tokenizer config has no word_index`);
    if (c.num_words !== undefined && c.num_words !== null && (typeof c.num_words !== 'number' || !Number.isInteger(c.num_words) || c.num_words < 0))
      fail('usage', `${where}: Tokenizer config.num_words must be a positive integer or null, got ${JSON.stringify(c.num_words)}`);
    return {
      wordIndex: checkIndex(wi, where),
      lower: typeof c.lower === 'boolean' ? c.lower : undefined,
      filters: typeof c.filters === 'string' ? c.filters : undefined,
      split: typeof c.split === 'string' ? c.split : undefined,
      level: c.char_level === true ? 'char' : 'word',
      oovToken: typeof c.oov_token === 'string' ? c.oov_token : null,
      numWords: typeof c.num_words === 'number' && c.num_words > 0 ? c.num_words : null,
      fromTokenizer: true,
    };
  }
  return { wordIndex: checkIndex(j, where), fromTokenizer: false };
}

function checkIndex(o: JsonObj, where: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail('usage', `${where}: index of "${k}" must be an integer >= 1 (0 is padding)`);
    out[k] = v;
  }
  if (Object.keys(out).length === 0) fail('usage', `${where}: vocabulary is empty`);
  return out;
}

function firstInputShape(cfg: JsonObj): (number | null)[] | null {
  for (const l of modelLayers(cfg)) {
    const c = isObj(l.config) ? l.config : {};
    const s = c.batch_input_shape;
    if (Array.isArray(s)) return s.map((d) => (typeof d === 'number' ? d : null));
    if (isContainerClass(l.class_name)) {
      const inner = firstInputShape(l);
      if (inner) return inner;
    }
  }
  return null;
}

/** the first Embedding the token ids meet: its name and input_dim (ids must be < input_dim) */
export function firstEmbedding(cfg: JsonObj): { name: string; inputDim: number } | null {
  for (const l of modelLayers(cfg)) {
    if (isContainerClass(l.class_name)) {
      const inner = firstEmbedding(l);
      if (inner) return inner;
      continue;
    }
    const c = isObj(l.config) ? l.config : {};
    if (l.class_name === 'Embedding' && typeof c.input_dim === 'number') return { name: typeof c.name === 'string' ? c.name : 'embedding', inputDim: c.input_dim };
  }
  return null;
}

export function inferOutputKind(cfg: JsonObj): OutputKind {
  const { activation, units } = lastActivation(cfg);
  if (activation === 'softmax') return 'softmax';
  if (activation === 'sigmoid' && units === 1) return 'sigmoid';
  return 'logits';
}

function tokenizerText(tx: TextOptions, cfg: JsonObj, shape: (number | null)[] | null, assumed: string[]): { text: Record<string, unknown>; vocab: Record<string, number> } {
  if (!tx.vocabText) fail('usage', 'task "text" needs --vocab FILE (word-index JSON or Keras Tokenizer.to_json())');
  const where = tx.vocabPath ?? 'vocab';
  const v = parseVocab(tx.vocabText, where);
  const vocab = v.wordIndex;
  const oovToken = tx.oovToken ?? v.oovToken ?? null;
  if (oovToken !== null && vocab[oovToken] === undefined)
    fail('usage', `${where}: oov_token "${oovToken}" is not in the word index (Keras gives it index 1 when the Tokenizer is built with oov_token)`);
  if (tx.numWords !== undefined && (!Number.isInteger(tx.numWords) || tx.numWords < 2)) fail('usage', `--num-words must be an integer >= 2, got ${tx.numWords}`);
  const numWords = tx.numWords ?? v.numWords ?? null;
  const seqLen = tx.sequenceLength ?? (shape && shape.length === 2 ? shape[1] : null);
  if (!seqLen) fail('usage', 'the model input length is unknown; pass --sequence-length N');

  // Every id the tokenizer can produce must be a row of the Embedding: Keras texts_to_sequences
  // keeps ids < num_words (others become the OOV id, or are dropped without an oov_token).
  const emb = firstEmbedding(cfg);
  const maxIndex = Math.max(...Object.values(vocab));
  if (emb) {
    const largest = numWords !== null ? Math.min(numWords - 1, maxIndex) : maxIndex;
    if (largest >= emb.inputDim) {
      const over = Object.values(vocab).filter((i) => i >= emb.inputDim).length;
      fail(
        'usage',
        `${where}: the word index goes up to ${largest}${numWords !== null ? ` (num_words ${numWords})` : ''} but the model's Embedding "${emb.name}" has input_dim ${emb.inputDim}, so it takes indices 0..${emb.inputDim - 1}; ` +
          `${over} word(s) would make the model fail. Pass --num-words ${emb.inputDim} to keep indices below ${emb.inputDim} as Keras Tokenizer(num_words=${emb.inputDim}) does ` +
          `(the other words become the OOV index${oovToken === null ? ' — without an oov_token they are dropped' : ''}), if that is how the model was trained`,
      );
    }
    if (oovToken !== null && (vocab[oovToken] as number) >= emb.inputDim)
      fail('usage', `${where}: oov_token "${oovToken}" has index ${vocab[oovToken]}, outside the Embedding "${emb.name}" (input_dim ${emb.inputDim})`);
  }
  if (!v.fromTokenizer) {
    if (tx.lower === undefined) assumed.push('lowercasing assumed (a plain word index does not say; Keras Tokenizer lowercases by default); pass --lower false if not');
    if (tx.filters === undefined) assumed.push('filters assumed: the Keras Tokenizer default punctuation; pass --filters if not');
    if (tx.oovToken === undefined) assumed.push('no OOV token assumed (unknown words are dropped); pass --oov-token if the Tokenizer had one');
    if (tx.numWords === undefined) assumed.push('no num_words assumed (every word of the index is used); pass --num-words if the Tokenizer had one');
  }
  if (tx.padding === undefined) assumed.push("padding 'pre' assumed (Keras pad_sequences default); pass --padding post if the model was trained with padding='post'");
  if (tx.truncating === undefined) assumed.push("truncating 'pre' assumed (Keras pad_sequences default: keeps the end of long texts); pass --truncating post if not");
  return {
    text: {
      tokenizer: {
        level: tx.level ?? v.level ?? 'word',
        lower: tx.lower ?? v.lower ?? true,
        filters: tx.filters ?? v.filters ?? DEFAULT_FILTERS,
        split: tx.split ?? v.split ?? ' ',
        oovToken,
        numWords,
        vocabFile: VOCAB_FILE,
      },
      sequenceLength: seqLen,
      padding: tx.padding ?? 'pre',
      truncating: tx.truncating ?? 'pre',
      maxChars: tx.maxChars ?? 20000,
    },
    vocab,
  };
}

function vectorizationText(tv: ExtractedVectorization, tx: TextOptions, cfg: JsonObj): { text: Record<string, unknown>; vocab: Record<string, number> } {
  const tokens = tv.vocabulary as string[];
  const emb = firstEmbedding(cfg);
  if (emb && tokens.length > emb.inputDim)
    fail('usage', `${tv.vocabularySource}: the vocabulary has ${tokens.length} entries (indices 0..${tokens.length - 1}) but the model's Embedding "${emb.name}" has input_dim ${emb.inputDim}; use the vocabulary the model was trained with`);
  for (const k of ['padding', 'truncating', 'sequenceLength', 'numWords', 'oovToken', 'filters', 'split', 'lower', 'level'] as const)
    if (tx[k] !== undefined) fail('usage', `--${k.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)} does not apply: the model's TextVectorization layer "${tv.layerName}" defines the text preprocessing`);
  const vectorization: TextVectorizationConfig = { ...tv.settings, vocabFile: VOCAB_FILE };
  return {
    // TextVectorization pads and truncates at the end (RaggedTensor.to_tensor with a fixed shape)
    text: { vectorization, sequenceLength: tv.sequenceLength, padding: 'post', truncating: 'post', maxChars: tx.maxChars ?? 20000 },
    vocab: vocabularyIndex(tokens),
  };
}

export function describeText(t: Record<string, unknown>): string {
  const tv = t.vectorization as TextVectorizationConfig | undefined;
  const tk = t.tokenizer as { level: string; lower: boolean; oovToken: string | null; numWords: number | null } | undefined;
  const how = tv
    ? `TextVectorization (standardize ${tv.standardize ?? 'none'}, split ${tv.split ?? 'none'}${tv.ngrams ? `, ngrams ${tv.ngrams.join('+')}` : ''}, OOV ${JSON.stringify(tv.oovToken)})`
    : `Keras Tokenizer (${tk?.level ?? 'word'} level, ${tk?.lower ? 'lowercased' : 'case kept'}, OOV ${tk?.oovToken === null ? 'none' : JSON.stringify(tk?.oovToken)}${tk?.numWords ? `, num_words ${tk.numWords}` : ''})`;
  return `text ${how}, ${String(t.sequenceLength)} tokens, padding ${String(t.padding)}, truncating ${String(t.truncating)}`;
}

export interface ModelFacts {
  /** a TextVectorization moved out of the model */
  vectorization?: ExtractedVectorization | null;
  /** layers written as BatchNormalization that were Keras Normalization layers */
  normalizations?: readonly string[];
}

export function buildMetadata(o: MetadataOptions, cfg: JsonObj, outputShapes: number[][], facts: ModelFacts = {}): BuiltMetadata {
  const tv = facts.vectorization ?? null;
  const labels = parseLabels(o.labelsText, o.labelsPath);
  const output = o.output ?? inferOutputKind(cfg);
  const outUnits = outputShapes[0]?.[outputShapes[0].length - 1];
  if (outUnits !== undefined) {
    const expected = output === 'sigmoid' ? 1 : labels.length;
    if (output === 'sigmoid' && labels.length !== 2) fail('usage', `${o.labelsPath}: a 1-unit sigmoid model needs exactly 2 labels (negative, positive), got ${labels.length}`);
    if (outUnits !== expected) fail('usage', `${o.labelsPath}: has ${labels.length} labels but the model outputs ${outUnits} value(s)`);
  }
  const raw: Record<string, unknown> = {
    schemaVersion: METADATA_SCHEMA_VERSION,
    name: o.name,
    displayName: o.displayName ?? o.name,
    task: o.task,
    labels,
    output,
    modelFile: 'model.json',
  };
  if (o.description) raw.description = o.description;
  if (o.source) raw.source = o.source;
  const shape = firstInputShape(cfg);
  let vocab: Record<string, number> | null = null;
  const warnings: string[] = [];
  let assumed: string[] = [];
  let summary: string;
  if (o.task === 'image') {
    if (tv) fail('usage', `the model starts with a TextVectorization layer ("${tv.layerName}"): it is a text model; pass --task text`);
    const image = imagePreprocessing(o.image ?? {}, inModelScaling(cfg, facts.normalizations), applicationsFamily(cfg), shape, warnings);
    raw.image = image;
    assumed = image.assumed ?? [];
    summary = describeImage(image);
  } else {
    const tx = o.text ?? {};
    const t = tv ? vectorizationText(tv, tx, cfg) : tokenizerText(tx, cfg, shape, assumed);
    if (assumed.length > 0) t.text.assumed = assumed;
    raw.text = t.text;
    vocab = t.vocab;
    summary = describeText(t.text);
  }
  const metadata = parseMetadata(raw, `${o.name}/metadata.json`);
  return { metadata, vocab, vocabFile: VOCAB_FILE, summary, warnings: [...warnings, ...assumed] };
}
