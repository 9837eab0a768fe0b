/**
 * Text → model input, with the semantics of the Keras preprocessing API
 * (`keras.preprocessing.text.Tokenizer`, `text_to_word_sequence`, `pad_sequences`), so a
 * vocabulary exported from Python (`Tokenizer.to_json()`) or built by our own training script
 * gives the same integer sequences in the browser as it did at training time.
 * Pure functions: no browser or Node APIs. Unicode-aware: text is handled by code point, so
 * CJK, Cyrillic, emoji and other non-Latin text tokenizes the way Python `str` does.
 *
 * The format of the vocabulary and metadata is described in docs/text-model.md.
 */
import type { TextPreprocessing, TextVectorizationConfig, TokenizerConfig } from './metadata';

/** {"word": index}; indices are positive integers, 0 is reserved for padding. */
export type WordIndex = Record<string, number>;

/** Keras's default `filters` for Tokenizer / text_to_word_sequence. */
export const KERAS_DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n';

/** A tokenizer config with Keras's defaults (word level, lowercase, default filters, split on ' '). */
export function defaultTokenizerConfig(overrides: Partial<TokenizerConfig> = {}): TokenizerConfig {
  return {
    level: 'word',
    lower: true,
    filters: KERAS_DEFAULT_FILTERS,
    split: ' ',
    oovToken: null,
    numWords: null,
    vocabFile: 'vocab.json',
    ...overrides,
  };
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

// One compiled regex per distinct `filters` string (configs rarely change; keep the cache tiny).
const filterRegexCache = new Map<string, RegExp | null>();

function filterRegex(filters: string): RegExp | null {
  let re = filterRegexCache.get(filters);
  if (re !== undefined) return re;
  const chars = Array.from(new Set(Array.from(filters))); // by code point, like Python str.maketrans
  re = chars.length === 0 ? null : new RegExp(`[${chars.map((c) => c.replace(/[\\\]^[-]/g, '\\$&')).join('')}]`, 'gu');
  if (filterRegexCache.size > 32) filterRegexCache.clear();
  filterRegexCache.set(filters, re);
  return re;
}

/**
 * Text → tokens. Word level = Keras `text_to_word_sequence`: lowercase (when `lower`), replace
 * every character of `filters` by `split`, split on `split`, drop empty strings. Char level =
 * Keras `Tokenizer(char_level=True)`: lowercase (when `lower`), then one token per code point;
 * filters are not applied (Keras doesn't either).
 */
export function textToTokens(text: string, cfg: TokenizerConfig): string[] {
  const s = cfg.lower ? text.toLowerCase() : text;
  if (cfg.level === 'char') return Array.from(s);
  if (cfg.split === '') throw new Error('tokenizer: "split" must be a non-empty string for word-level tokenizing');
  const re = filterRegex(cfg.filters);
  const split = cfg.split;
  const replaced = re ? s.replace(re, () => split) : s;
  const out: string[] = [];
  for (const t of replaced.split(split)) if (t) out.push(t);
  return out;
}

/**
 * Text → indices, like Keras `Tokenizer.texts_to_sequences([text])[0]`:
 * a token not in the index is dropped, or becomes the OOV index when `oovToken` is set;
 * with `numWords`, an index >= numWords is dropped, or becomes the OOV index when set.
 * Throws when `oovToken` is set but missing from the index (the metadata contract requires it).
 */
export function textToSequence(text: string, cfg: TokenizerConfig, wordIndex: WordIndex): number[] {
  return tokenizeWithTokenizer(text, cfg, wordIndex).ids;
}

interface Lookup {
  ids: number[];
  /** tokens that mapped to a real vocabulary entry (not dropped, not the OOV index) */
  known: number;
}

function tokenizeWithTokenizer(text: string, cfg: TokenizerConfig, wordIndex: WordIndex): Lookup {
  let oovIndex: number | null = null;
  if (cfg.oovToken !== null) {
    if (!hasOwn(wordIndex, cfg.oovToken))
      throw new Error(`tokenizer: oovToken ${JSON.stringify(cfg.oovToken)} is not in the word index`);
    oovIndex = wordIndex[cfg.oovToken] as number;
  }
  const numWords = cfg.numWords;
  const ids: number[] = [];
  let known = 0;
  for (const tok of textToTokens(text, cfg)) {
    if (hasOwn(wordIndex, tok)) {
      const i = wordIndex[tok] as number;
      if (numWords !== null && numWords > 0 && i >= numWords) {
        if (oovIndex !== null) ids.push(oovIndex);
      } else {
        ids.push(i);
        if (i !== oovIndex) known++;
      }
    } else if (oovIndex !== null) ids.push(oovIndex);
  }
  return { ids, known };
}

// Keras 3 TextVectorization strips this class with tf.strings.regex_replace (RE2):
// r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']' — Python's string.punctuation, the 32 ASCII
// punctuation characters (",-\." is the range , - .), replaced by "" (not by a space).
const TV_PUNCTUATION = /[!"#$%&()*+,\-./:;<=>?@[\\\]^_`{|}~']/g;
// tf.strings.lower without `encoding` is absl::AsciiStrToLower: only A-Z change; É, Ж stay.
const asciiLower = (s: string): string => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
// tf.strings.split with no separator splits on runs of ASCII whitespace (like bytes.split()):
// space, \t, \n, \v, \f, \r; U+00A0 and other Unicode spaces are part of tokens.
const ASCII_WHITESPACE = /[ \t\n\v\f\r]+/;

/**
 * Text → tokens as a Keras TextVectorization layer makes them (`_preprocess`): standardize
 * (ASCII lowercasing and/or stripping ASCII punctuation), split (whitespace runs, or one token
 * per code point as tf.strings.unicode_split), then n-grams as tf.strings.ngrams: for each width
 * in order, every window of that many tokens joined by " " (none when the text is shorter).
 */
export function vectorizationTokens(text: string, cfg: Omit<TextVectorizationConfig, 'vocabFile'>): string[] {
  let s = text;
  if (cfg.standardize === 'lower' || cfg.standardize === 'lower_and_strip_punctuation') s = asciiLower(s);
  if (cfg.standardize === 'strip_punctuation' || cfg.standardize === 'lower_and_strip_punctuation') s = s.replace(TV_PUNCTUATION, '');
  let toks: string[];
  if (cfg.split === 'whitespace') toks = s.split(ASCII_WHITESPACE).filter((t) => t !== '');
  else if (cfg.split === 'character') toks = Array.from(s);
  else toks = [s];
  if (!cfg.ngrams) return toks;
  const out: string[] = [];
  for (const n of cfg.ngrams) for (let i = 0; i + n <= toks.length; i++) out.push(toks.slice(i, i + n).join(' '));
  return out;
}

/**
 * Text → indices like TextVectorization(output_mode="int") before padding: the mask token is 0,
 * a token missing from the vocabulary is the OOV token's index (Keras: "[UNK]" = 1).
 */
function tokenizeWithVectorization(text: string, cfg: TextVectorizationConfig, vocab: WordIndex): Lookup {
  if (!hasOwn(vocab, cfg.oovToken)) throw new Error(`tokenizer: oovToken ${JSON.stringify(cfg.oovToken)} is not in the vocabulary`);
  const oov = vocab[cfg.oovToken] as number;
  const ids: number[] = [];
  let known = 0;
  for (const tok of vectorizationTokens(text, cfg)) {
    if (cfg.maskToken !== null && tok === cfg.maskToken) ids.push(0);
    else if (hasOwn(vocab, tok) && tok !== cfg.oovToken) {
      ids.push(vocab[tok] as number);
      known++;
    } else ids.push(oov);
  }
  return { ids, known };
}

/**
 * Keras `pad_sequences([seq], maxlen=length, padding, truncating, value)[0]`:
 * truncating 'pre' keeps the last `length` items, 'post' the first; padding 'pre' puts the
 * `value`s before the sequence, 'post' after. Keras's defaults are 'pre'/'pre', value 0.
 */
export function padSequence(
  seq: readonly number[],
  length: number,
  padding: 'pre' | 'post' = 'pre',
  truncating: 'pre' | 'post' = 'pre',
  value = 0,
): number[] {
  if (!Number.isInteger(length) || length < 0) throw new Error(`padSequence: length must be a non-negative integer, got ${length}`);
  const kept = seq.length <= length ? seq : truncating === 'pre' ? seq.slice(seq.length - length) : seq.slice(0, length);
  const out = new Array<number>(length).fill(value);
  const start = padding === 'pre' ? length - kept.length : 0;
  for (let i = 0; i < kept.length; i++) out[start + i] = kept[i] as number;
  return out;
}

/**
 * The largest id `encodeText` can feed the model with this preprocessing and vocabulary: the
 * largest index, capped below `numWords` (the OOV index stands in for the rest), or 0 for none.
 */
export function largestTextId(pre: TextPreprocessing, wordIndex: WordIndex): number {
  const tk = pre.tokenizer;
  const oov = tk?.oovToken != null && hasOwn(wordIndex, tk.oovToken) ? (wordIndex[tk.oovToken] as number) : 0;
  let max = oov;
  for (const k of Object.keys(wordIndex)) {
    const i = wordIndex[k] as number;
    if (tk?.numWords != null && i >= tk.numWords) continue;
    if (i > max) max = i;
  }
  return max;
}

export interface EncodedText {
  /** exactly `sequenceLength` indices, ready to feed the model */
  ids: number[];
  /** indices produced by the tokenizer before padding/truncating */
  tokenCount: number;
  /** tokenCount > sequenceLength: some tokens did not reach the model */
  truncated: boolean;
  /** the text was longer than maxChars and was cut before tokenizing */
  charsTruncated: boolean;
  /** length of the text as given (UTF-16 code units) */
  inputChars: number;
  /** tokens found in the vocabulary (0: the model sees only padding and OOV indices) */
  knownCount: number;
}

/**
 * Caps `text` to `pre.maxChars` UTF-16 code units (never splitting a surrogate pair, so an emoji
 * is never cut in half), tokenizes and pads/truncates to `pre.sequenceLength`.
 */
export function encodeText(text: string, pre: TextPreprocessing, wordIndex: WordIndex): EncodedText {
  const inputChars = text.length;
  let capped = text;
  const charsTruncated = inputChars > pre.maxChars;
  if (charsTruncated) {
    let end = pre.maxChars;
    const last = text.charCodeAt(end - 1);
    if (end > 0 && last >= 0xd800 && last <= 0xdbff) end -= 1; // high surrogate: drop the half pair
    capped = text.slice(0, end);
  }
  const { ids: seq, known } = pre.vectorization
    ? tokenizeWithVectorization(capped, pre.vectorization, wordIndex)
    : pre.tokenizer
      ? tokenizeWithTokenizer(capped, pre.tokenizer, wordIndex)
      : { ids: [], known: 0 };
  return {
    ids: padSequence(seq, pre.sequenceLength, pre.padding, pre.truncating, 0),
    tokenCount: seq.length,
    knownCount: known,
    truncated: seq.length > pre.sequenceLength,
    charsTruncated,
    inputChars,
  };
}

/**
 * Validates parsed JSON as a word index {"word": positive integer}. Returns a copy without a
 * prototype, so words like "constructor" or "__proto__" are ordinary entries.
 * Throws an Error naming `where` on the first bad entry.
 */
export function parseWordIndex(raw: unknown, where = 'vocab.json'): WordIndex {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error(`${where}: expected a JSON object {"word": index}`);
  const out = Object.create(null) as WordIndex;
  let n = 0;
  for (const k of Object.keys(raw)) {
    const v = (raw as Record<string, unknown>)[k];
    if (!Number.isInteger(v) || (v as number) <= 0)
      throw new Error(`${where}: index of ${JSON.stringify(k)} must be a positive integer, got ${JSON.stringify(v)}`);
    out[k] = v as number;
    n++;
  }
  if (n === 0) throw new Error(`${where}: the word index is empty`);
  return out;
}

/**
 * Reads the output of Keras `Tokenizer.to_json()`:
 * {"class_name": "Tokenizer", "config": {"num_words", "filters", "lower", "split", "char_level",
 * "oov_token", "word_index": "<JSON string>", ...}}. `word_index` may also be an object.
 * Keras options missing from the config take Keras's defaults.
 */
export function parseKerasTokenizerJson(json: string): { config: Omit<TokenizerConfig, 'vocabFile'>; wordIndex: WordIndex } {
  const where = 'Keras tokenizer JSON';
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new Error(`${where}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${where}: expected a JSON object`);
  const top = raw as Record<string, unknown>;
  if (top.class_name !== undefined && top.class_name !== 'Tokenizer')
    throw new Error(`${where}: class_name must be "Tokenizer", got ${JSON.stringify(top.class_name)}`);
  const c = top.config;
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new Error(`${where}: missing "config" object`);
  const cfg = c as Record<string, unknown>;

  let wi: unknown = cfg.word_index;
  if (typeof wi === 'string') {
    try {
      wi = JSON.parse(wi);
    } catch (e) {
      throw new Error(`${where}: config.word_index is not valid JSON (${(e as Error).message})`);
    }
  }
  const wordIndex = parseWordIndex(wi, `${where}: config.word_index`);

  const str = (k: string, dflt: string): string => {
    const v = cfg[k];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'string') throw new Error(`${where}: config.${k} must be a string`);
    return v;
  };
  const bool = (k: string, dflt: boolean): boolean => {
    const v = cfg[k];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'boolean') throw new Error(`${where}: config.${k} must be a boolean`);
    return v;
  };
  const nw = cfg.num_words;
  let numWords: number | null = null;
  if (nw !== undefined && nw !== null && nw !== 0) {
    if (!Number.isInteger(nw) || (nw as number) < 0) throw new Error(`${where}: config.num_words must be a positive integer or null`);
    numWords = nw as number;
  }
  const oov = cfg.oov_token;
  if (oov !== undefined && oov !== null && typeof oov !== 'string') throw new Error(`${where}: config.oov_token must be a string or null`);
  const oovToken = typeof oov === 'string' ? oov : null;
  if (oovToken !== null && !hasOwn(wordIndex, oovToken))
    throw new Error(`${where}: oov_token ${JSON.stringify(oovToken)} is not in word_index`);

  return {
    config: {
      level: bool('char_level', false) ? 'char' : 'word',
      lower: bool('lower', true),
      filters: str('filters', KERAS_DEFAULT_FILTERS),
      split: str('split', ' '),
      oovToken,
      numWords,
    },
    wordIndex,
  };
}
