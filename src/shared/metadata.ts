/**
 * The metadata file that sits beside every model in `model_web/<name>/metadata.json`.
 * It is the one contract between the converter (writes it), the training scripts (write it),
 * the build (validates and packages it) and the extension (reads it to preprocess inputs
 * and name outputs). Pure data, no browser or Node APIs.
 */

export const METADATA_FILE = 'metadata.json';
export const METADATA_SCHEMA_VERSION = 1;

export type ModelTask = 'image' | 'text';

/** How a model's output vector turns into per-label probabilities. */
export type OutputKind =
  /** the model already ends in softmax: one probability per label */
  | 'softmax'
  /** one sigmoid unit: p(labels[1]) = y, p(labels[0]) = 1 - y */
  | 'sigmoid'
  /** raw logits: the extension applies softmax */
  | 'logits';

/** How the image is resampled to the model input (issue 8). */
export type ResizeMethod =
  /** half-pixel centres, as tf.image.resize / Keras Resizing / image_dataset_from_directory */
  | 'bilinear'
  /** tf.image.resizeBilinear(alignCorners = true), what nsfwjs does */
  | 'bilinear-align-corners'
  /** half-pixel centres, nearest source pixel */
  | 'nearest'
  /** true area averaging (each output pixel is the mean of the source area it covers) */
  | 'area';
export const RESIZE_METHODS: readonly ResizeMethod[] = ['bilinear', 'bilinear-align-corners', 'nearest', 'area'];

/** How the image's aspect ratio meets the input's. */
export type ImageFit =
  /** the whole image onto the whole input (aspect changes, nothing cropped) */
  | 'stretch'
  /** the largest centred box with the input's aspect (Keras smart_resize, Teachable Machine) */
  | 'center-crop'
  /** the whole image scaled to fit, centred, padded with `background` */
  | 'letterbox';
export const IMAGE_FITS: readonly ImageFit[] = ['stretch', 'center-crop', 'letterbox'];

export interface ImagePreprocessing {
  /** model input [height, width] */
  inputSize: [number, number];
  channels: 1 | 3;
  /** default 'rgb' (caffe-style keras.applications use 'bgr') */
  colorOrder?: 'rgb' | 'bgr';
  /** x = pixel(0..255) * scale + offset, then (x - mean) / std per channel when given */
  scale: number;
  offset: number;
  mean?: number[];
  std?: number[];
  resizeMethod: ResizeMethod;
  fit: ImageFit;
  /** RGB 0..255: transparency is composited onto it; letterbox pads with it */
  background: [number, number, number];
  /** e.g. 'teachable-machine', 'mobilenet_v2', 'raw' when chosen by a preset */
  preset?: string;
  /** one human sentence per field that was defaulted rather than known */
  assumed?: string[];
}

export interface TokenizerConfig {
  /** 'word' (Keras Tokenizer default) or 'char' (Keras char_level=True) */
  level: 'word' | 'char';
  lower: boolean;
  /** characters replaced by `split` before splitting (Keras `filters`) */
  filters: string;
  split: string;
  /** token used for out-of-vocabulary words, must be in the vocabulary when set */
  oovToken: string | null;
  /** keep only indices < numWords (Keras `num_words`); null keeps all */
  numWords: number | null;
  /** file in the model folder holding the word index: {"word": index, ...} (index 0 is padding) */
  vocabFile: string;
}

/**
 * A Keras `TextVectorization` layer (output_mode "int") moved out of the model: the extension
 * standardizes, splits, builds n-grams and looks tokens up exactly as the layer did
 * (src/shared/tokenizer.ts `vectorizeText`).
 */
export interface TextVectorizationConfig {
  standardize: 'lower_and_strip_punctuation' | 'lower' | 'strip_punctuation' | null;
  split: 'whitespace' | 'character' | null;
  /** n-gram widths joined with " " (Keras `ngrams=2` is [1, 2]); null = tokens as split */
  ngrams: number[] | null;
  /** the mask token (Keras: "") is index 0 and is not stored in the vocabulary file */
  maskToken: string | null;
  /** out-of-vocabulary token (Keras: "[UNK]", index 1); must be in the vocabulary */
  oovToken: string;
  /** file in the model folder holding {"token": index} */
  vocabFile: string;
}

export interface TextPreprocessing {
  /** a Keras `Tokenizer` (exactly one of `tokenizer` / `vectorization` is present) */
  tokenizer?: TokenizerConfig;
  /** a Keras `TextVectorization` layer */
  vectorization?: TextVectorizationConfig;
  /** model input length; sequences are padded/truncated to it (Keras pad_sequences) */
  sequenceLength: number;
  padding: 'pre' | 'post';
  truncating: 'pre' | 'post';
  /** cap on characters read from a selection before tokenizing (keeps huge selections bounded) */
  maxChars: number;
  /** one human sentence per setting that was defaulted rather than known */
  assumed?: string[];
}

/** The vocabulary file a text model's preprocessing reads. */
export function textVocabFile(pre: TextPreprocessing): string {
  return (pre.vectorization ?? pre.tokenizer)?.vocabFile ?? 'vocab.json';
}

export interface ModelMetadata {
  schemaVersion: typeof METADATA_SCHEMA_VERSION;
  /** folder name under model_web/, kebab-case */
  name: string;
  displayName: string;
  description?: string;
  task: ModelTask;
  labels: string[];
  output: OutputKind;
  /** model.json path relative to the folder */
  modelFile: string;
  image?: ImagePreprocessing;
  text?: TextPreprocessing;
  /** free-form provenance: where the model came from, how it was made, measured accuracy */
  source?: Record<string, unknown>;
}

export class MetadataError extends Error {
  override name = 'MetadataError';
}

function fail(where: string, what: string): never {
  throw new MetadataError(`${where}: ${what}`);
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isPosInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;

/**
 * Validates parsed JSON as ModelMetadata; throws MetadataError naming the first bad field.
 * `where` names the file in messages (e.g. "model_web/spam/metadata.json").
 */
export function parseMetadata(raw: unknown, where = METADATA_FILE): ModelMetadata {
  let image: ImagePreprocessing | undefined;
  if (!isObj(raw)) fail(where, 'expected a JSON object');
  if (raw.schemaVersion !== METADATA_SCHEMA_VERSION)
    fail(where, `schemaVersion must be ${METADATA_SCHEMA_VERSION}, got ${JSON.stringify(raw.schemaVersion)}`);
  if (typeof raw.name !== 'string' || !/^[a-z0-9][a-z0-9._-]*$/.test(raw.name))
    fail(where, '"name" must be a kebab-case folder name');
  if (typeof raw.displayName !== 'string' || !raw.displayName) fail(where, '"displayName" must be a non-empty string');
  if (raw.task !== 'image' && raw.task !== 'text') fail(where, '"task" must be "image" or "text"');
  if (!Array.isArray(raw.labels) || raw.labels.length === 0 || !raw.labels.every((l) => typeof l === 'string'))
    fail(where, '"labels" must be a non-empty array of strings');
  if (raw.output !== 'softmax' && raw.output !== 'sigmoid' && raw.output !== 'logits')
    fail(where, '"output" must be "softmax", "sigmoid" or "logits"');
  if (raw.output === 'sigmoid' && raw.labels.length !== 2)
    fail(where, '"output": "sigmoid" needs exactly 2 labels [negative, positive]');
  if (typeof raw.modelFile !== 'string' || !raw.modelFile.endsWith('.json')) fail(where, '"modelFile" must name a .json file');
  if (raw.task === 'image') {
    const im = raw.image;
    if (!isObj(im)) fail(where, '"image" preprocessing is required for task "image"');
    if (!Array.isArray(im.inputSize) || im.inputSize.length !== 2 || !im.inputSize.every(isPosInt))
      fail(where, '"image.inputSize" must be [height, width]');
    if (im.channels !== 1 && im.channels !== 3) fail(where, '"image.channels" must be 1 or 3');
    if (typeof im.scale !== 'number' || typeof im.offset !== 'number') fail(where, '"image.scale" and "image.offset" must be numbers');
    for (const k of ['mean', 'std'] as const) {
      const v = im[k];
      if (v !== undefined && (!Array.isArray(v) || v.length !== im.channels || !v.every((x) => typeof x === 'number')))
        fail(where, `"image.${k}" must be an array of ${String(im.channels)} numbers`);
    }
    image = parseImageFields(im, where);
  } else {
    const tx = raw.text;
    if (!isObj(tx)) fail(where, '"text" preprocessing is required for task "text"');
    if (!isPosInt(tx.sequenceLength)) fail(where, '"text.sequenceLength" must be a positive integer');
    if (tx.padding !== 'pre' && tx.padding !== 'post') fail(where, '"text.padding" must be "pre" or "post"');
    if (tx.truncating !== 'pre' && tx.truncating !== 'post') fail(where, '"text.truncating" must be "pre" or "post"');
    if (!isPosInt(tx.maxChars)) fail(where, '"text.maxChars" must be a positive integer');
    if ((tx.tokenizer === undefined) === (tx.vectorization === undefined)) fail(where, 'exactly one of "text.tokenizer" and "text.vectorization" is required');
    if (tx.assumed !== undefined && (!Array.isArray(tx.assumed) || !tx.assumed.every((a) => typeof a === 'string'))) fail(where, '"text.assumed" must be an array of strings');
    const tv = tx.vectorization;
    if (tv !== undefined) {
      if (!isObj(tv)) fail(where, '"text.vectorization" must be an object');
      if (tv.standardize !== null && !['lower_and_strip_punctuation', 'lower', 'strip_punctuation'].includes(tv.standardize as string))
        fail(where, '"text.vectorization.standardize" must be "lower_and_strip_punctuation", "lower", "strip_punctuation" or null');
      if (tv.split !== null && tv.split !== 'whitespace' && tv.split !== 'character') fail(where, '"text.vectorization.split" must be "whitespace", "character" or null');
      if (tv.ngrams !== null && (!Array.isArray(tv.ngrams) || tv.ngrams.length === 0 || !tv.ngrams.every(isPosInt)))
        fail(where, '"text.vectorization.ngrams" must be a non-empty array of positive integers or null');
      if (tv.maskToken !== null && typeof tv.maskToken !== 'string') fail(where, '"text.vectorization.maskToken" must be a string or null');
      if (typeof tv.oovToken !== 'string') fail(where, '"text.vectorization.oovToken" must be a string');
      if (typeof tv.vocabFile !== 'string' || !tv.vocabFile) fail(where, '"text.vectorization.vocabFile" must name a file');
    } else {
      const tk = tx.tokenizer;
      if (!isObj(tk)) fail(where, '"text.tokenizer" must be an object');
      if (tk.level !== 'word' && tk.level !== 'char') fail(where, '"text.tokenizer.level" must be "word" or "char"');
      if (typeof tk.lower !== 'boolean') fail(where, '"text.tokenizer.lower" must be a boolean');
      if (typeof tk.filters !== 'string' || typeof tk.split !== 'string') fail(where, '"text.tokenizer.filters/split" must be strings');
      if (tk.oovToken !== null && typeof tk.oovToken !== 'string') fail(where, '"text.tokenizer.oovToken" must be a string or null');
      if (tk.numWords !== null && !isPosInt(tk.numWords)) fail(where, '"text.tokenizer.numWords" must be a positive integer or null');
      if (typeof tk.vocabFile !== 'string' || !tk.vocabFile) fail(where, '"text.tokenizer.vocabFile" must name a file');
    }
  }
  return (image ? { ...raw, image } : raw) as unknown as ModelMetadata;
}

const isByte = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 255;

/**
 * The image fields beyond size/channels/scale/offset/mean/std: validated, and defaulted for files
 * written before issue 8 (`resize: 'stretch'|'letterbox'`, no fit/resizeMethod/background), with
 * one `assumed` sentence per defaulted field so the defaults are never silent.
 */
function parseImageFields(im: Record<string, unknown>, where: string): ImagePreprocessing {
  const assumed: string[] = Array.isArray(im.assumed) ? im.assumed.filter((a): a is string => typeof a === 'string') : [];
  if (im.assumed !== undefined && (!Array.isArray(im.assumed) || assumed.length !== im.assumed.length)) fail(where, '"image.assumed" must be an array of strings');
  let fit = im.fit;
  if (fit === undefined) {
    if (im.resize === undefined) fail(where, '"image.fit" must be "stretch", "center-crop" or "letterbox"');
    if (im.resize !== 'stretch' && im.resize !== 'letterbox') fail(where, '"image.resize" must be "stretch" or "letterbox"');
    fit = im.resize;
    assumed.push(`fit "${im.resize}" comes from the older "resize" field`);
  } else if (!(IMAGE_FITS as readonly unknown[]).includes(fit)) fail(where, '"image.fit" must be "stretch", "center-crop" or "letterbox"');
  let resizeMethod = im.resizeMethod;
  if (resizeMethod === undefined) {
    resizeMethod = 'bilinear';
    assumed.push('resizeMethod "bilinear" (half-pixel centres, as tf.image.resize and Keras Resizing) was not stated in the metadata');
  } else if (!(RESIZE_METHODS as readonly unknown[]).includes(resizeMethod))
    fail(where, `"image.resizeMethod" must be one of ${RESIZE_METHODS.map((m) => `"${m}"`).join(', ')}`);
  let background = im.background;
  if (background === undefined) {
    background = [255, 255, 255];
    assumed.push('background white: transparent pixels are composited onto white, as image viewers show them (not stated in the metadata)');
  } else if (!Array.isArray(background) || background.length !== 3 || !background.every(isByte))
    fail(where, '"image.background" must be [r, g, b] with values 0..255');
  if (im.colorOrder !== undefined && im.colorOrder !== 'rgb' && im.colorOrder !== 'bgr') fail(where, '"image.colorOrder" must be "rgb" or "bgr"');
  if (im.preset !== undefined && typeof im.preset !== 'string') fail(where, '"image.preset" must be a string');
  const rest: Record<string, unknown> = { ...im };
  delete rest.resize; // replaced by fit
  return {
    ...(rest as unknown as ImagePreprocessing),
    fit: fit as ImageFit,
    resizeMethod: resizeMethod as ResizeMethod,
    background: background as [number, number, number],
    ...(assumed.length ? { assumed } : {}),
  };
}
