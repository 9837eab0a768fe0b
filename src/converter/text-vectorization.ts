/**
 * A Keras `TextVectorization` layer at the start of a model takes strings, which TF.js cannot.
 * The converter moves it out: the TF.js model starts at the layer after it (an int input of
 * `output_sequence_length` indices), and the layer's settings and vocabulary become the model's
 * text preprocessing (metadata.json `text.vectorization` + vocab.json), which the extension
 * applies exactly as the layer did (src/shared/tokenizer.ts).
 *
 * Keras 3 saves the vocabulary in the `.keras` archive as
 * `assets/layers/<slot>/vocabulary.txt` (`IndexLookup.save_assets`: "\n".join of
 * `get_vocabulary()`, special tokens included) and reads it back with Python's text-mode
 * `open(...).read().split("\n")`, so "\r\n" written on Windows reads as "\n".
 */
import type { TextVectorizationConfig } from '../shared/metadata';
import { fail, jsonText } from './errors';
import { isObj, type Json, type JsonObj } from './keras/config';
import { toSnakeCase } from './keras/load';
import { isZip, ZipArchive } from './zip';

export interface ExtractedVectorization {
  /** the model config without the layer, starting at an int input of `sequenceLength` */
  config: JsonObj;
  layerName: string;
  settings: Omit<TextVectorizationConfig, 'vocabFile'>;
  sequenceLength: number;
  /** tokens by index (index 0 = mask token ""), or null when the file has none */
  vocabulary: string[] | null;
  /** where the vocabulary came from, for messages */
  vocabularySource: string;
}

const MASK = '';
const OOV = '[UNK]';

function layersOf(cfg: JsonObj): Json[] | null {
  const c = cfg.config;
  if (Array.isArray(c)) return c; // Keras ≤ 2.1 Sequential
  if (isObj(c) && Array.isArray(c.layers)) return c.layers;
  return null;
}

/** Replaces every inbound reference to `from` (Keras 2 `[name, node, tensor, kwargs]`, Keras 3 `keras_history`) by `to`. */
function rewire(v: Json, from: string, to: string): Json {
  if (Array.isArray(v)) {
    if (v.length >= 3 && v[0] === from && typeof v[1] === 'number' && typeof v[2] === 'number') return [to, 0, 0, ...v.slice(3).map((x) => rewire(x, from, to))];
    return v.map((x) => rewire(x, from, to));
  }
  if (isObj(v)) {
    const out: JsonObj = {};
    for (const [k, x] of Object.entries(v)) out[k] = rewire(x, from, to);
    return out;
  }
  return v;
}

/**
 * Vocabulary file text (Keras `get_vocabulary()` one token per line, or a JSON array) → tokens
 * by index: the mask token "" at 0 and "[UNK]" at 1, as StringLookup(mask_token="") numbers them.
 * A list without the special tokens in front gets them added, as `set_vocabulary` does.
 */
export function parseVocabularyList(text: string, where: string): string[] {
  let tokens: string[];
  const t = text.replace(/^\uFEFF/, '');
  // a JSON array of strings (no leading blank: a vocabulary.txt starts with the "" mask line)
  if (/^\[\s*("|\])/.test(t)) {
    let j: unknown;
    try {
      j = JSON.parse(t);
    } catch {
      fail('usage', `${where}: looks like a JSON array but is not valid JSON; expected one token per line or ["", "[UNK]", "the", …]`);
    }
    if (!Array.isArray(j) || !j.every((x) => typeof x === 'string')) fail('usage', `${where}: expected a JSON array of strings`);
    tokens = j;
  } else tokens = t.replace(/\r\n?/g, '\n').split('\n');
  let rest = tokens;
  if (rest[0] === MASK) rest = rest.slice(1);
  if (rest[0] === OOV) rest = rest.slice(1);
  const seen = new Set<string>();
  for (const tok of rest) {
    if (tok === MASK || tok === OOV) fail('usage', `${where}: the special token ${JSON.stringify(tok)} appears inside the vocabulary (Keras keeps it only at the front)`);
    if (seen.has(tok)) fail('usage', `${where}: the token ${JSON.stringify(tok)} appears twice`);
    seen.add(tok);
  }
  if (rest.length === 0) fail('usage', `${where}: the vocabulary is empty`);
  return [MASK, OOV, ...rest];
}

/** {"token": index} for vocab.json (the mask token, index 0, is implied). */
export function vocabularyIndex(tokens: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  tokens.forEach((t, i) => {
    if (i > 0) out[t] = i;
  });
  return out;
}

const quoted = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : jsonText(v));

function settingsOf(name: string, c: JsonObj, where: string): { settings: ExtractedVectorization['settings']; sequenceLength: number } {
  const refuse = (what: string): never =>
    fail('unsupported', `${where}: TextVectorization layer "${name}": ${what}; only output_mode "int" with a fixed output_sequence_length and the built-in standardize/split options can run outside Python`);
  const mode = c.output_mode ?? 'int';
  if (mode !== 'int') refuse(`output_mode ${quoted(mode)}`);
  if (c.ragged === true) refuse('ragged=True');
  const std = c.standardize ?? null;
  if (std !== null && std !== 'lower_and_strip_punctuation' && std !== 'lower' && std !== 'strip_punctuation') refuse(`standardize ${quoted(std)} (a custom function)`);
  const split = c.split ?? null;
  if (split !== null && split !== 'whitespace' && split !== 'character') refuse(`split ${quoted(split)} (a custom function)`);
  let ngrams: number[] | null = null;
  const ng = c.ngrams ?? null;
  if (typeof ng === 'number' && Number.isInteger(ng) && ng >= 1) ngrams = Array.from({ length: ng }, (_, i) => i + 1);
  else if (Array.isArray(ng) && ng.length > 0 && ng.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 1)) ngrams = ng as number[];
  else if (isObj(ng) && ng.class_name === '__tuple__' && isObj(ng.config) && Array.isArray(ng.config.value) && ng.config.value.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 1))
    ngrams = ng.config.value as number[];
  else if (ng !== null) refuse(`ngrams ${quoted(ng)}`);
  const len = c.output_sequence_length;
  if (typeof len !== 'number' || !Number.isInteger(len) || len < 1)
    refuse('output_sequence_length is not set (Keras then pads each batch to its longest text, which a fixed-shape TF.js model cannot do)');
  return {
    settings: { standardize: std as TextVectorizationConfig['standardize'], split: split as TextVectorizationConfig['split'], ngrams, maskToken: MASK, oovToken: OOV },
    sequenceLength: len as number,
  };
}

function vocabularyFromArchive(buf: Buffer, where: string, slot: string): { tokens: string[]; source: string } | null {
  if (!isZip(buf)) return null;
  const zip = new ZipArchive(buf, where);
  for (const p of [`assets/layers/${slot}/vocabulary.txt`, `assets/layers/${slot}/_lookup_layer/vocabulary.txt`]) {
    if (!zip.entries.has(p)) continue;
    const source = `${where}: ${p}`;
    return { tokens: parseVocabularyList(zip.read(p).toString('utf8'), source), source };
  }
  return null;
}

/**
 * Finds a TextVectorization directly after the model's input and moves it out of `modelConfig`;
 * null when there is none (a TextVectorization elsewhere stays and is refused by name).
 * `vocabText` (from --vocab) replaces or supplies the vocabulary.
 */
export function extractTextVectorization(modelConfig: JsonObj, file: Buffer, where: string, vocab?: { text: string; path: string }): ExtractedVectorization | null {
  const layers = layersOf(modelConfig);
  if (!layers) return null;
  const isSequential = modelConfig.class_name === 'Sequential';
  const idx = layers.findIndex((l) => isObj(l) && l.class_name === 'TextVectorization');
  if (idx < 0) return null;
  const tv = layers[idx] as JsonObj;
  const c = isObj(tv.config) ? tv.config : {};
  const name = typeof c.name === 'string' ? c.name : 'text_vectorization';
  const before = layers.slice(0, idx).filter((l) => isObj(l) && l.class_name !== 'InputLayer');
  if (before.length > 0) return null; // not at the input: left for the translator to refuse
  const input = layers.find((l) => isObj(l) && l.class_name === 'InputLayer') as JsonObj | undefined;
  if (!isSequential) {
    // Functional: the layer must read straight from an InputLayer that nothing else reads
    const inName = isObj(input?.config) ? input.config.name : undefined;
    if (typeof inName !== 'string') return null;
    const others = layers.filter((l, i) => i !== idx && isObj(l) && JSON.stringify(l.inbound_nodes ?? []).includes(JSON.stringify(inName)));
    if (others.length > 0) return null;
  }
  const { settings, sequenceLength } = settingsOf(name, c, where);

  let vocabulary: string[] | null = null;
  let vocabularySource = '';
  if (vocab) {
    vocabulary = parseVocabularyList(vocab.text, vocab.path);
    vocabularySource = vocab.path;
  } else if (Array.isArray(c.vocabulary) && c.vocabulary.every((x) => typeof x === 'string')) {
    vocabulary = parseVocabularyList(JSON.stringify(c.vocabulary), `${where}: layer "${name}" config vocabulary`);
    vocabularySource = `${where}: the layer config`;
  } else {
    const slotIndex = layers.slice(0, idx).filter((l) => isObj(l) && l.class_name === 'TextVectorization').length;
    const slot = toSnakeCase('TextVectorization') + (slotIndex > 0 ? `_${slotIndex}` : '');
    const found = vocabularyFromArchive(file, where, slot);
    if (found) {
      vocabulary = found.tokens;
      vocabularySource = found.source;
    }
  }
  if (vocabulary === null)
    fail(
      'missing-weights',
      `${where}: TextVectorization layer "${name}" has no vocabulary in the file (not in its config, no assets/layers/…/vocabulary.txt in a .keras archive); ` +
        'export it in Python with "\\n".join(layer.get_vocabulary()) into vocabulary.txt and pass --vocab vocabulary.txt',
    );

  // the new input: `sequenceLength` indices; Sequential keeps its InputLayer, Functional rewires
  const newInput = (old: JsonObj | undefined): JsonObj => {
    const oc = isObj(old?.config) ? old.config : {};
    const inName = typeof oc.name === 'string' ? oc.name : `${name}_input`;
    const shapeKey = 'batch_input_shape' in oc ? 'batch_input_shape' : 'batch_shape';
    return { ...(old ?? {}), class_name: 'InputLayer', config: { ...oc, name: inName, [shapeKey]: [null, sequenceLength], dtype: 'float32' } };
  };
  const kept: Json[] = [];
  let inputName = '';
  for (const [i, l] of layers.entries()) {
    if (i === idx) continue;
    if (l === input) {
      const ni = newInput(input);
      inputName = (ni.config as JsonObj).name as string;
      kept.push(ni);
    } else kept.push(l);
  }
  if (!input) {
    const ni = newInput(undefined);
    inputName = (ni.config as JsonObj).name as string;
    kept.unshift(ni);
  }
  let config: JsonObj;
  if (Array.isArray(modelConfig.config)) config = { ...modelConfig, config: kept };
  else {
    const inner: JsonObj = { ...(modelConfig.config as JsonObj), layers: kept };
    // the model's build shape was the string input's
    delete inner.build_input_shape;
    // Functional: the layers that read the TextVectorization now read the input
    config = { ...modelConfig, config: isSequential ? inner : rewire(inner, name, inputName) };
  }
  delete config.build_config;
  return { config, layerName: name, settings, sequenceLength, vocabulary, vocabularySource };
}
