/**
 * Builds the `metadata.json` (and `vocab.json`) the extension reads beside a model, from CLI
 * options and the model config. Validated with the shared `parseMetadata` contract.
 */
import { METADATA_SCHEMA_VERSION, parseMetadata, type ModelMetadata, type OutputKind } from '../shared/metadata';
import { fail } from './errors';
import { isObj, lastActivation, modelLayers, type Json, type JsonObj } from './keras/config';

export interface MetadataOptions {
  task: 'image' | 'text';
  /** labels file text, one label per line */
  labelsText: string;
  labelsPath: string;
  name: string;
  displayName?: string;
  description?: string;
  output?: OutputKind;
  image?: {
    inputSize?: [number, number];
    scale?: number;
    offset?: number;
    mean?: number[];
    std?: number[];
    resize?: 'stretch' | 'letterbox';
  };
  text?: {
    vocabText?: string;
    vocabPath?: string;
    sequenceLength?: number;
    padding?: 'pre' | 'post';
    truncating?: 'pre' | 'post';
    maxChars?: number;
    lower?: boolean;
    level?: 'word' | 'char';
  };
  source?: Record<string, unknown>;
}

export interface BuiltMetadata {
  metadata: ModelMetadata;
  vocab: Record<string, number> | null;
  vocabFile: string;
}

export const DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n';
export const VOCAB_FILE = 'vocab.json';

export function parseLabels(text: string, where: string): string[] {
  const labels = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  if (labels.length === 0) fail('usage', `${where}: labels file is empty; expected one label per line`);
  return labels;
}

interface ParsedVocab {
  wordIndex: Record<string, number>;
  lower?: boolean;
  filters?: string;
  split?: string;
  level?: 'word' | 'char';
  oovToken?: string | null;
  numWords?: number | null;
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
    return {
      wordIndex: checkIndex(wi, where),
      lower: typeof c.lower === 'boolean' ? c.lower : undefined,
      filters: typeof c.filters === 'string' ? c.filters : undefined,
      split: typeof c.split === 'string' ? c.split : undefined,
      level: c.char_level === true ? 'char' : 'word',
      oovToken: typeof c.oov_token === 'string' ? c.oov_token : null,
      numWords: typeof c.num_words === 'number' && c.num_words > 0 ? c.num_words : null,
    };
  }
  return { wordIndex: checkIndex(j, where) };
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
    if (l.class_name === 'Sequential' || l.class_name === 'Functional' || l.class_name === 'Model') {
      const inner = firstInputShape(l);
      if (inner) return inner;
    }
  }
  return null;
}

export function inferOutputKind(cfg: JsonObj): OutputKind {
  const { activation, units } = lastActivation(cfg);
  if (activation === 'softmax') return 'softmax';
  if (activation === 'sigmoid' && units === 1) return 'sigmoid';
  return 'logits';
}

export function buildMetadata(o: MetadataOptions, cfg: JsonObj, outputShapes: number[][]): BuiltMetadata {
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
  if (o.task === 'image') {
    const im = o.image ?? {};
    let size = im.inputSize;
    let channels: number | null = null;
    if (shape && shape.length === 4) {
      size ??= [shape[1] ?? 0, shape[2] ?? 0] as [number, number];
      channels = shape[3] ?? null;
    }
    if (!size || !size[0] || !size[1]) fail('usage', 'the model input size is unknown; pass --input-size HxW');
    if (channels !== 1 && channels !== 3) fail('usage', `image models must take 1 or 3 channels (input shape [${(shape ?? []).join(',')}])`);
    raw.image = {
      inputSize: size,
      channels,
      scale: im.scale ?? 1 / 255,
      offset: im.offset ?? 0,
      ...(im.mean ? { mean: im.mean } : {}),
      ...(im.std ? { std: im.std } : {}),
      resize: im.resize ?? 'stretch',
    };
  } else {
    const tx = o.text ?? {};
    if (!tx.vocabText) fail('usage', 'task "text" needs --vocab FILE (word-index JSON or Keras Tokenizer.to_json())');
    const v = parseVocab(tx.vocabText, tx.vocabPath ?? 'vocab');
    vocab = v.wordIndex;
    const seqLen = tx.sequenceLength ?? (shape && shape.length === 2 ? shape[1] : null);
    if (!seqLen) fail('usage', 'the model input length is unknown; pass --sequence-length N');
    if (v.oovToken && vocab[v.oovToken] === undefined) fail('usage', `${tx.vocabPath ?? 'vocab'}: oov_token "${v.oovToken}" is not in the word index`);
    raw.text = {
      tokenizer: {
        level: tx.level ?? v.level ?? 'word',
        lower: tx.lower ?? v.lower ?? true,
        filters: v.filters ?? DEFAULT_FILTERS,
        split: v.split ?? ' ',
        oovToken: v.oovToken ?? null,
        numWords: v.numWords ?? null,
        vocabFile: VOCAB_FILE,
      },
      sequenceLength: seqLen,
      padding: tx.padding ?? 'pre',
      truncating: tx.truncating ?? 'pre',
      maxChars: tx.maxChars ?? 20000,
    };
  }
  const metadata = parseMetadata(raw, `${o.name}/metadata.json`);
  return { metadata, vocab, vocabFile: VOCAB_FILE };
}
