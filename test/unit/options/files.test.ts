import { labelsFromJson, modelSlug, parseLabelsText, sortFiles, vocabWords } from '../../../src/options/models/files';

const file = (name: string, text: string): { name: string; bytes: ArrayBuffer } => ({ name, bytes: new TextEncoder().encode(text).buffer as ArrayBuffer });

describe('labels files', () => {
  it('drops Teachable Machine numbering when every line is numbered 0, 1, 2…', () => {
    expect(parseLabelsText('0 Cats\r\n1 Dogs\n\n2 Big birds\n')).toEqual(['Cats', 'Dogs', 'Big birds']);
  });
  it('keeps numbers that are part of the labels', () => {
    expect(parseLabelsText('1 cat\n2 dogs\n')).toEqual(['1 cat', '2 dogs']);
    expect(parseLabelsText('0 a\nb\n')).toEqual(['0 a', 'b']);
    expect(parseLabelsText('  ham \n spam\n')).toEqual(['ham', 'spam']);
  });
  it('reads JSON arrays and index-keyed objects', () => {
    expect(labelsFromJson(['a', 'b'])).toEqual(['a', 'b']);
    expect(labelsFromJson({ 0: 'a', 1: 'b' })).toEqual(['a', 'b']);
    expect(labelsFromJson({ 1: 'a' })).toBeNull();
    expect(labelsFromJson([1, 2])).toBeNull();
  });
});

describe('tokenizer files', () => {
  it('counts words of a word index and of a Keras Tokenizer.to_json()', () => {
    expect(vocabWords({ the: 1, a: 2 })).toBe(2);
    expect(vocabWords({ class_name: 'Tokenizer', config: { word_index: JSON.stringify({ x: 1, y: 2, z: 3 }) } })).toBe(3);
    expect(vocabWords({ the: 'x' })).toBeNull();
  });
});

describe('sorting dropped files', () => {
  it('tells model, shards, architecture, labels and tokenizer apart by content', () => {
    const s = sortFiles([
      file('group1-shard1of1.bin', 'x'),
      file('labels.txt', '0 a\n1 b'),
      file('tokenizer.json', JSON.stringify({ class_name: 'Tokenizer', config: { word_index: '{"a": 1}' } })),
      file('arch.json', JSON.stringify({ class_name: 'Sequential', config: { layers: [] } })),
      file('model.json', JSON.stringify({ modelTopology: {}, weightsManifest: [] })),
      file('weights.h5', 'HDF'),
    ]);
    expect(s.model.map((f) => f.name)).toEqual(['model.json', 'weights.h5', 'group1-shard1of1.bin']);
    expect(s.architecture?.name).toBe('arch.json');
    expect(s.labels).toEqual({ name: 'labels.txt', labels: ['a', 'b'] });
    expect(s.vocab?.words).toBe(1);
  });
  it('passes an unrecognised JSON to the converter, which names the problem', () => {
    expect(sortFiles([file('x.json', '{"hello": "world"}')]).model.map((f) => f.name)).toEqual(['x.json']);
  });
});

it('model names are kebab-case folder names', () => {
  expect(modelSlug('Cats / Dogs (v2)!', 'ab12')).toBe('cats-dogs-v2-ab12');
  expect(modelSlug('日本', 'x1')).toBe('model-x1');
});
