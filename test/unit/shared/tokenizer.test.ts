/**
 * Golden cases for src/shared/tokenizer.ts, written by hand from the documented behaviour of
 * the Keras preprocessing API (keras.preprocessing.text / keras.utils.pad_sequences):
 *  - text_to_word_sequence: lower() → replace each char of `filters` by `split` → split(split)
 *    → drop empty strings. Default filters '!"#$%&()*+,-./:;<=>?@[\]^_`{|}~\t\n' (note: no
 *    apostrophe and no '\r'), default split ' '.
 *  - Tokenizer(char_level=True): lower() and one token per character (Python iterates code
 *    points), no filtering.
 *  - Tokenizer.fit_on_texts orders words by count (desc; ties keep first-seen order) starting
 *    at 1; an oov_token takes index 1 and shifts the rest.
 *  - texts_to_sequences: unknown word → dropped, or oov index; index >= num_words → dropped,
 *    or oov index.
 *  - pad_sequences: defaults padding='pre', truncating='pre', value=0.
 */
import type { TextPreprocessing, TextVectorizationConfig } from '../../../src/shared/metadata';
import {
  KERAS_DEFAULT_FILTERS,
  defaultTokenizerConfig,
  encodeText,
  padSequence,
  parseKerasTokenizerJson,
  parseWordIndex,
  textToSequence,
  largestTextId,
  textToTokens,
  vectorizationTokens,
} from '../../../src/shared/tokenizer';

const word = defaultTokenizerConfig();

describe('textToTokens (Keras text_to_word_sequence)', () => {
  it('lowercases, strips the default filters and splits on spaces', () => {
    // "The quick brown fox. Jumped!" → '.' and '!' become ' ', empty pieces dropped
    expect(textToTokens('The quick brown fox. Jumped!', word)).toEqual(['the', 'quick', 'brown', 'fox', 'jumped']);
  });

  it('keeps apostrophes (not in the default filters) and collapses runs of separators', () => {
    // "'" is not a Keras filter; "  ,  " becomes 5 spaces → empty strings dropped
    expect(textToTokens("Don't  ,  stop", word)).toEqual(["don't", 'stop']);
  });

  it('turns \\t and \\n into separators but keeps \\r (Keras filters include \\t\\n only)', () => {
    expect(textToTokens('a\tb\nc', word)).toEqual(['a', 'b', 'c']);
    expect(textToTokens('a\r\nb', word)).toEqual(['a\r', 'b']);
  });

  it('splits hyphenated words, e-mail addresses and URLs on the filter characters', () => {
    // '-', '@', '.', ':', '/' are all filters
    expect(textToTokens('e-mail me@example.com http://x.org/a', word)).toEqual([
      'e', 'mail', 'me', 'example', 'com', 'http', 'x', 'org', 'a',
    ]);
  });

  it('handles Cyrillic: lowercased by Unicode rules', () => {
    expect(textToTokens('Привет, Мир! ЁЖИК', word)).toEqual(['привет', 'мир', 'ёжик']);
  });

  it('handles CJK: no word segmentation, only the split string separates tokens', () => {
    // Keras does not segment CJK; full-width '、' and '。' are not in the filters
    expect(textToTokens('我爱北京 天安门', word)).toEqual(['我爱北京', '天安门']);
    expect(textToTokens('こんにちは、世界。', word)).toEqual(['こんにちは、世界。']);
  });

  it('keeps emoji (including multi-code-point ones) as tokens', () => {
    // '❤️' is U+2764 U+FE0F; '🍕' is an astral code point (a surrogate pair in JS)
    expect(textToTokens('I ❤️ 🍕!', word)).toEqual(['i', '❤️', '🍕']);
  });

  it('returns [] for empty or filter-only text', () => {
    expect(textToTokens('', word)).toEqual([]);
    expect(textToTokens('  !!! ... \n\t ', word)).toEqual([]);
  });

  it('respects lower: false', () => {
    expect(textToTokens('Hello World', defaultTokenizerConfig({ lower: false }))).toEqual(['Hello', 'World']);
  });

  it('uses a custom split and filters (filter chars become the split string)', () => {
    const cfg = defaultTokenizerConfig({ split: ',', filters: ';' });
    // ';' → ',', then split on ',' and drop empties; spaces are kept inside tokens
    expect(textToTokens('a b;c,,d', cfg)).toEqual(['a b', 'c', 'd']);
  });

  it('treats regex-special characters in filters literally', () => {
    const cfg = defaultTokenizerConfig({ filters: '^]\\-[' });
    expect(textToTokens('a^b]c\\d-e[f.g', cfg)).toEqual(['a', 'b', 'c', 'd', 'e', 'f.g']);
  });

  it('handles an astral (emoji) filter character as one code point', () => {
    const cfg = defaultTokenizerConfig({ filters: '🍕' });
    expect(textToTokens('pizza🍕time', cfg)).toEqual(['pizza', 'time']);
  });

  it('char level: lowercases and yields one token per code point, no filtering', () => {
    const cfg = defaultTokenizerConfig({ level: 'char' });
    expect(textToTokens('Ab c!', cfg)).toEqual(['a', 'b', ' ', 'c', '!']);
    expect(textToTokens('a🍕Я', cfg)).toEqual(['a', '🍕', 'я']);
    expect(textToTokens('', cfg)).toEqual([]);
  });

  it('tokenizes a 1 MB text in bounded time', () => {
    const unit = 'Hello, world! Привет мир 我爱北京 🍕 free-offer click@here.com\n';
    const big = unit.repeat(Math.ceil(1_000_000 / unit.length));
    expect(big.length).toBeGreaterThanOrEqual(1_000_000);
    const t0 = Date.now();
    const toks = textToTokens(big, word);
    const ms = Date.now() - t0;
    // 11 tokens per line: hello world привет мир 我爱北京 🍕 free offer click here com
    expect(toks.length).toBe(11 * Math.ceil(1_000_000 / unit.length));
    expect(ms).toBeLessThan(3000);
  });
});

describe('textToSequence (Keras texts_to_sequences)', () => {
  // Keras: fit_on_texts(["the cat sat on the mat", "the dog"]) → counts the:3, others 1, ties in
  // first-seen order → {the:1, cat:2, sat:3, on:4, mat:5, dog:6}
  const idx: Record<string, number> = { the: 1, cat: 2, sat: 3, on: 4, mat: 5, dog: 6 };
  // the same with oov_token='<OOV>' → '<OOV>' is 1, everything else shifts by one
  const idxOov: Record<string, number> = { '<OOV>': 1, the: 2, cat: 3, sat: 4, on: 5, mat: 6, dog: 7 };

  it('drops unknown words when there is no oov token', () => {
    expect(textToSequence('The bird sat.', word, idx)).toEqual([1, 3]);
  });

  it('maps unknown words to the oov index', () => {
    const cfg = defaultTokenizerConfig({ oovToken: '<OOV>' });
    expect(textToSequence('The bird sat.', cfg, idxOov)).toEqual([2, 1, 4]);
  });

  it('num_words without oov: drops indices >= num_words', () => {
    const cfg = defaultTokenizerConfig({ numWords: 3 });
    // the=1, cat=2 kept; sat=3 >= 3 dropped; bird unknown dropped
    expect(textToSequence('the cat sat bird', cfg, idx)).toEqual([1, 2]);
  });

  it('num_words with oov: indices >= num_words become the oov index', () => {
    const cfg = defaultTokenizerConfig({ numWords: 3, oovToken: '<OOV>' });
    // the=2 kept; cat=3 >= 3 → 1; sat=4 → 1; bird unknown → 1
    expect(textToSequence('the cat sat bird', cfg, idxOov)).toEqual([2, 1, 1, 1]);
  });

  it('does not treat Object.prototype names as words', () => {
    const cfg = defaultTokenizerConfig({ oovToken: '<OOV>' });
    expect(textToSequence('constructor toString __proto__ hasOwnProperty the', word, idx)).toEqual([1]);
    expect(textToSequence('constructor __proto__ the', cfg, idxOov)).toEqual([1, 1, 2]);
  });

  it('works with non-Latin vocabularies', () => {
    const wi = { 'привет': 1, '天安门': 2, '🍕': 3 };
    expect(textToSequence('ПРИВЕТ 我爱北京 天安门 🍕', word, wi)).toEqual([1, 2, 3]);
  });

  it('char level looks up single characters', () => {
    const cfg = defaultTokenizerConfig({ level: 'char' });
    expect(textToSequence('Aba?', cfg, { a: 1, b: 2 })).toEqual([1, 2, 1]);
  });

  it('throws when the oov token is missing from the index', () => {
    expect(() => textToSequence('x', defaultTokenizerConfig({ oovToken: '<UNK>' }), idx)).toThrow(/oovToken/);
  });

  it('returns [] for empty text', () => {
    expect(textToSequence('', defaultTokenizerConfig({ oovToken: '<OOV>' }), idxOov)).toEqual([]);
  });
});

describe('padSequence (Keras pad_sequences)', () => {
  it("defaults to padding 'pre', truncating 'pre', value 0", () => {
    expect(padSequence([1, 2, 3], 5)).toEqual([0, 0, 1, 2, 3]);
    expect(padSequence([1, 2, 3, 4, 5, 6], 4)).toEqual([3, 4, 5, 6]);
  });

  it('pads after with padding post', () => {
    expect(padSequence([1, 2, 3], 5, 'post', 'pre')).toEqual([1, 2, 3, 0, 0]);
  });

  it('keeps the beginning with truncating post', () => {
    expect(padSequence([1, 2, 3, 4, 5, 6], 4, 'pre', 'post')).toEqual([1, 2, 3, 4]);
    expect(padSequence([1, 2, 3, 4, 5, 6], 4, 'post', 'post')).toEqual([1, 2, 3, 4]);
  });

  it('uses a custom pad value, handles empty and exact-length sequences', () => {
    expect(padSequence([7], 3, 'pre', 'pre', -1)).toEqual([-1, -1, 7]);
    expect(padSequence([], 3)).toEqual([0, 0, 0]);
    expect(padSequence([1, 2, 3], 3, 'post', 'post')).toEqual([1, 2, 3]);
    expect(padSequence([1, 2], 0)).toEqual([]);
  });

  it('does not mutate its input', () => {
    const s = [1, 2, 3, 4];
    padSequence(s, 2, 'post', 'post');
    expect(s).toEqual([1, 2, 3, 4]);
  });

  it('rejects a bad length', () => {
    expect(() => padSequence([1], -1)).toThrow();
    expect(() => padSequence([1], 1.5)).toThrow();
  });
});

describe('encodeText', () => {
  const wi = { '<OOV>': 1, hello: 2, world: 3 };
  const pre = (over: Partial<TextPreprocessing> = {}): TextPreprocessing => ({
    tokenizer: defaultTokenizerConfig({ oovToken: '<OOV>' }),
    sequenceLength: 4,
    padding: 'post',
    truncating: 'post',
    maxChars: 1000,
    ...over,
  });

  it('tokenizes and pads', () => {
    expect(encodeText('Hello, world!', pre(), wi)).toEqual({
      ids: [2, 3, 0, 0],
      tokenCount: 2,
      truncated: false,
      charsTruncated: false,
      inputChars: 13,
      knownCount: 2,
    });
  });

  it('reports token truncation', () => {
    const r = encodeText('hello world foo hello world', pre(), wi);
    expect(r.ids).toEqual([2, 3, 1, 2]);
    expect(r.tokenCount).toBe(5);
    expect(r.truncated).toBe(true);
  });

  it('caps to maxChars before tokenizing', () => {
    // first 8 chars: "hello wo" → hello, wo(oov)
    const r = encodeText('hello world', pre({ maxChars: 8 }), wi);
    expect(r).toEqual({ ids: [2, 1, 0, 0], tokenCount: 2, truncated: false, charsTruncated: true, inputChars: 11, knownCount: 1 });
  });

  it('never cuts an emoji in half at maxChars', () => {
    // 'a 🍕' is 4 UTF-16 units; a cap of 3 would split the surrogate pair → keep 'a ' only
    const r = encodeText('a 🍕', pre({ maxChars: 3, tokenizer: defaultTokenizerConfig({ level: 'char' }) }), { a: 1, ' ': 2 });
    expect(r.ids).toEqual([1, 2, 0, 0]);
    expect(r.charsTruncated).toBe(true);
  });

  it('handles empty text', () => {
    expect(encodeText('', pre(), wi)).toEqual({ ids: [0, 0, 0, 0], tokenCount: 0, truncated: false, charsTruncated: false, inputChars: 0, knownCount: 0 });
  });

  it('bounds the work on a 1 MB selection', () => {
    const big = 'hello world '.repeat(90_000);
    const t0 = Date.now();
    const r = encodeText(big, pre({ maxChars: 20_000, sequenceLength: 200 }), wi);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(r.charsTruncated).toBe(true);
    // 20000 chars = 1666 × 'hello world ' (2 tokens each) + 'hello wo' (2 tokens)
    expect(r.tokenCount).toBe(1666 * 2 + 2);
    expect(r.ids).toHaveLength(200);
  });
});

describe('parseWordIndex', () => {
  it('accepts {"word": positive int} and returns a prototype-free copy', () => {
    const wi = parseWordIndex(JSON.parse('{"a": 1, "__proto__": 2, "constructor": 3}'));
    expect(Object.getPrototypeOf(wi)).toBeNull();
    expect(wi.a).toBe(1);
    expect(wi['__proto__']).toBe(2);
    expect(wi.constructor).toBe(3);
  });

  it.each([
    [null, /expected a JSON object/],
    [[1, 2], /expected a JSON object/],
    [{}, /empty/],
    [{ a: 0 }, /"a".*positive integer/],
    [{ a: 1.5 }, /positive integer/],
    [{ a: '1' }, /positive integer/],
  ])('rejects %p naming the file', (raw, msg) => {
    expect(() => parseWordIndex(raw, 'model_web/x/vocab.json')).toThrow(/model_web\/x\/vocab\.json/);
    expect(() => parseWordIndex(raw, 'model_web/x/vocab.json')).toThrow(msg);
  });
});

describe('parseKerasTokenizerJson', () => {
  // What Python's Tokenizer(oov_token="<OOV>").fit_on_texts(["the cat sat on the mat", "привет"])
  // then .to_json() looks like: nested dicts are themselves JSON *strings*, json.dumps escapes
  // non-ASCII as \uXXXX, num_words is null.
  const kerasJson = JSON.stringify({
    class_name: 'Tokenizer',
    config: {
      num_words: null,
      filters: KERAS_DEFAULT_FILTERS,
      lower: true,
      split: ' ',
      char_level: false,
      oov_token: '<OOV>',
      document_count: 2,
      word_counts: '{"the": 2, "cat": 1, "sat": 1, "on": 1, "mat": 1, "\\u043f\\u0440\\u0438\\u0432\\u0435\\u0442": 1}',
      word_docs: '{}',
      index_docs: '{}',
      index_word: '{"1": "<OOV>", "2": "the"}',
      word_index: '{"<OOV>": 1, "the": 2, "cat": 3, "sat": 4, "on": 5, "mat": 6, "\\u043f\\u0440\\u0438\\u0432\\u0435\\u0442": 7}',
    },
  });

  it('maps the Keras config onto TokenizerConfig and decodes word_index', () => {
    const { config, wordIndex } = parseKerasTokenizerJson(kerasJson);
    expect(config).toEqual({ level: 'word', lower: true, filters: KERAS_DEFAULT_FILTERS, split: ' ', oovToken: '<OOV>', numWords: null });
    expect(wordIndex['привет']).toBe(7);
    expect(textToSequence('The dog sat, Привет!', { ...config, vocabFile: 'vocab.json' }, wordIndex)).toEqual([2, 1, 4, 7]);
  });

  it('reads num_words and char_level, and accepts word_index as an object', () => {
    const j = JSON.stringify({ class_name: 'Tokenizer', config: { num_words: 100, char_level: true, word_index: { a: 1 } } });
    const { config } = parseKerasTokenizerJson(j);
    expect(config.numWords).toBe(100);
    expect(config.level).toBe('char');
    // missing options take Keras defaults
    expect(config.filters).toBe(KERAS_DEFAULT_FILTERS);
    expect(config.split).toBe(' ');
    expect(config.lower).toBe(true);
    expect(config.oovToken).toBeNull();
  });

  it('rejects bad input with a clear message', () => {
    expect(() => parseKerasTokenizerJson('not json')).toThrow(/not valid JSON/);
    expect(() => parseKerasTokenizerJson('{"class_name":"Foo","config":{}}')).toThrow(/class_name/);
    expect(() => parseKerasTokenizerJson('{"class_name":"Tokenizer"}')).toThrow(/config/);
    expect(() => parseKerasTokenizerJson('{"config":{"word_index":"{bad"}}')).toThrow(/word_index/);
    expect(() => parseKerasTokenizerJson('{"config":{"word_index":{"a":1},"oov_token":"<UNK>"}}')).toThrow(/oov_token/);
  });
});

describe('largestTextId (what must fit the Embedding)', () => {
  const wi = { '<OOV>': 1, a: 2, b: 7, c: 30 };
  const pre = (numWords: number | null, oovToken: string | null = '<OOV>'): TextPreprocessing => ({
    tokenizer: defaultTokenizerConfig({ oovToken, numWords }), sequenceLength: 3, padding: 'pre', truncating: 'pre', maxChars: 100,
  });
  it('is the largest index, or the largest below num_words', () => {
    expect(largestTextId(pre(null), wi)).toBe(30);
    expect(largestTextId(pre(10), wi)).toBe(7);
    expect(largestTextId(pre(2), wi)).toBe(1); // only the OOV index remains
    // every id encodeText gives stays at or below it
    expect(Math.max(...encodeText('a b c zz', pre(10), wi).ids)).toBeLessThanOrEqual(7);
  });
});

describe('no known words', () => {
  const wi = { '<OOV>': 1, hello: 2 };
  const pre: TextPreprocessing = { tokenizer: defaultTokenizerConfig({ oovToken: '<OOV>' }), sequenceLength: 4, padding: 'pre', truncating: 'pre', maxChars: 100 };
  it('counts only tokens found in the vocabulary (OOV and dropped words are not known)', () => {
    expect(encodeText(':) Привет 🍕', pre, wi)).toMatchObject({ ids: [0, 0, 1, 1], tokenCount: 2, knownCount: 0 });
    expect(encodeText('hello Привет', pre, wi).knownCount).toBe(1);
    // num_words cuts "hello" (index 2 >= 2): it becomes the OOV index, so nothing is known
    const capped = { ...pre, tokenizer: defaultTokenizerConfig({ oovToken: '<OOV>', numWords: 2 }) };
    expect(encodeText('hello', capped, wi)).toMatchObject({ ids: [0, 0, 0, 1], knownCount: 0 });
  });
});

/**
 * Keras 3 TextVectorization(output_mode="int"), cases derived by hand from its documented
 * algorithm (keras/src/layers/preprocessing/text_vectorization.py `_preprocess` and `call`):
 *  - standardize "lower_and_strip_punctuation": tf.strings.lower (no encoding: ASCII A-Z only,
 *    absl::AsciiStrToLower), then regex_replace of [!"#$%&()*+,-./:;<=>?@[\]^_`{|}~'] by "".
 *  - split "whitespace": tf.strings.split() — runs of ASCII whitespace, no empty tokens.
 *  - ngrams=(1, 2): every unigram, then every bigram joined by " ".
 *  - lookup: StringLookup(mask_token="") — "" is 0, "[UNK]" 1, vocabulary[i] is i.
 *  - output_sequence_length: pad with 0 / cut at the end.
 */
describe('TextVectorization (Keras 3)', () => {
  const vocabulary = ['', '[UNK]', 'the', 'cat', 'sat', 'dont', 'école', 'wellknown', 'the cat', '🍕'];
  const vocab = Object.fromEntries(vocabulary.map((t, i) => [t, i]).filter(([, i]) => i !== 0));
  const tv = (over: Partial<TextVectorizationConfig> = {}): TextVectorizationConfig => ({
    standardize: 'lower_and_strip_punctuation', split: 'whitespace', ngrams: null, maskToken: '', oovToken: '[UNK]', vocabFile: 'vocab.json', ...over,
  });
  const pre = (over: Partial<TextVectorizationConfig> = {}, sequenceLength = 6): TextPreprocessing => ({
    vectorization: tv(over), sequenceLength, padding: 'post', truncating: 'post', maxChars: 1000,
  });
  const ids = (text: string, over: Partial<TextVectorizationConfig> = {}, len = 6): number[] => encodeText(text, pre(over, len), vocab).ids;

  it('lowercases, strips punctuation (no space left behind), splits and pads at the end', () => {
    // "The CAT sat." → "the cat sat." → "the cat sat" → [the, cat, sat]
    expect(ids('The CAT sat.')).toEqual([2, 3, 4, 0, 0, 0]);
    // the apostrophe is punctuation: "Don't!" → "dont"; "well-known" → "wellknown" (not two words)
    expect(ids("Don't! well-known")).toEqual([5, 7, 0, 0, 0, 0]);
  });
  it('lowercases ASCII only, as tf.strings.lower without an encoding', () => {
    // "ÉCOLE" → "École" (É is not ASCII) → not in the vocabulary; "école" is
    expect(vectorizationTokens('ÉCOLE école', tv())).toEqual(['École', 'école']);
    expect(ids('ÉCOLE école')).toEqual([1, 6, 0, 0, 0, 0]);
  });
  it('splits on runs of ASCII whitespace only', () => {
    expect(ids('  the\tcat\n\r\nsat  ')).toEqual([2, 3, 4, 0, 0, 0]);
    // U+00A0 (no-break space) is not whitespace to tf.strings.split: one unknown token
    expect(vectorizationTokens('the\u00a0cat', tv())).toEqual(['the\u00a0cat']);
  });
  it('keeps emoji and other code points as they are', () => {
    expect(ids('🍕 cat')).toEqual([9, 3, 0, 0, 0, 0]);
  });
  it('ngrams (1, 2): unigrams then bigrams', () => {
    // [the, cat, sat] + ["the cat", "cat sat"] → 2, 3, 4, 8, [UNK]
    expect(ids('the cat sat', { ngrams: [1, 2] })).toEqual([2, 3, 4, 8, 1, 0]);
    expect(vectorizationTokens('the', tv({ ngrams: [2] }))).toEqual([]);
  });
  it('truncates at the end to output_sequence_length', () => {
    expect(ids('the cat sat the cat', {}, 2)).toEqual([2, 3]);
  });
  it('character split and the other standardize modes', () => {
    expect(vectorizationTokens('Ab!', tv({ split: 'character' }))).toEqual(['a', 'b']);
    expect(vectorizationTokens('Ab!', tv({ standardize: 'lower', split: 'character' }))).toEqual(['a', 'b', '!']);
    expect(vectorizationTokens('Ab! c', tv({ standardize: 'strip_punctuation' }))).toEqual(['Ab', 'c']);
    expect(vectorizationTokens('Ab! c', tv({ standardize: null, split: null }))).toEqual(['Ab! c']);
  });
  it('no known words: only [UNK] (or nothing) reaches the model', () => {
    expect(encodeText(':) !!!', pre(), vocab)).toMatchObject({ ids: [0, 0, 0, 0, 0, 0], tokenCount: 0, knownCount: 0 });
    expect(encodeText('Привет мир', pre(), vocab)).toMatchObject({ ids: [1, 1, 0, 0, 0, 0], knownCount: 0 });
    // typing the OOV token itself is not a known word ("[UNK]" is stripped to "unk" anyway)
    expect(encodeText('[UNK]', pre({ standardize: null }), vocab).knownCount).toBe(0);
  });
});
