/**
 * The CLI shell: exit codes, one-line user errors (no stacks), files written atomically,
 * metadata beside the model, and the bin launcher working from a clean checkout.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../../../src/converter/cli';
import { parseMetadata } from '../../../src/shared/metadata';
import { FIXTURES } from '../../fixtures/keras/spec';
import { TV_FIXTURE } from '../../fixtures/keras/text-spec';
import { FIXTURE_DIR } from './helpers';

jest.setTimeout(60_000);

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    err += String(s);
    return true;
  });
  try {
    const code = await runCli(args);
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const fx = (n: string): string => path.join(FIXTURE_DIR, n);

it('--help reads like a CLI and exits 0', async () => {
  const r = await run(['--help']);
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/^Usage: tensorlens convert <input> \[outdir\] \[options\]/);
  expect(r.out).toMatch(/--quantize-uint8/);
});

it('converts, prints sizes, and writes model.json + shards + metadata', async () => {
  const labels = path.join(tmp, 'labels.txt');
  fs.writeFileSync(labels, 'cat\ndog\nbird\n');
  const out = path.join(tmp, 'model_web', 'tiny');
  const r = await run(['convert', fx(FIXTURES.k2Full), out, '--task', 'image', '--labels', labels, '--name', 'tiny', '--quantize-uint8']);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/weights: 8 arrays, .* → .* in 1 shard/);
  expect(r.out).toMatch(/largest output deviation/);
  expect(fs.readdirSync(out).sort()).toEqual(['group1-shard1of1.bin', 'metadata.json', 'model.json']);
  const meta = parseMetadata(JSON.parse(fs.readFileSync(path.join(out, 'metadata.json'), 'utf8')));
  expect(meta.labels).toEqual(['cat', 'dog', 'bird']);
  // no temp directories left behind
  expect(fs.readdirSync(path.dirname(out)).filter((f) => f.includes('.tmp-'))).toEqual([]);
});

it('prints the preprocessing it wrote and one warning per defaulted field; flags set the image fields', async () => {
  const labels = path.join(tmp, 'labels3.txt');
  fs.writeFileSync(labels, '0 cat\n1 dog\n2 bird\n');
  const out = path.join(tmp, 'pre');
  const guessed = await run(['convert', fx(FIXTURES.k2Full), out, '--task', 'image', '--labels', labels, '--name', 'pre', '--no-validate']);
  expect(guessed.code).toBe(0);
  expect(guessed.out).toMatch(/metadata: image, 3 labels \(cat, dog, bird\)/);
  expect(guessed.out).toMatch(/preprocessing: image 8×8, RGB, x·0.00392157, stretch, bilinear, background rgb\(255,255,255\)/);
  expect(guessed.out.match(/warning: .* assumed/g)).toHaveLength(5);
  const set = await run([
    'convert', fx(FIXTURES.k2Full), out, '--task', 'image', '--labels', labels, '--name', 'pre', '--no-validate',
    '--preset', 'resnet50', '--fit', 'center-crop', '--resize-method', 'area', '--background', '0,0,0',
  ]);
  expect(set.code).toBe(0);
  expect(set.out).not.toMatch(/assumed/);
  const meta = parseMetadata(JSON.parse(fs.readFileSync(path.join(out, 'metadata.json'), 'utf8')));
  expect(meta.image).toEqual({
    inputSize: [8, 8], channels: 3, colorOrder: 'bgr', scale: 1, offset: 0, mean: [103.939, 116.779, 123.68],
    resizeMethod: 'area', fit: 'center-crop', background: [0, 0, 0], preset: 'resnet50',
  });
});

it('text: Tokenizer flags, the Embedding refusal as a usage error, and a TextVectorization model', async () => {
  const labels = path.join(tmp, 'labels2.txt');
  fs.writeFileSync(labels, 'ham\nspam\n');
  const vocab = path.join(tmp, 'big-vocab.json');
  fs.writeFileSync(vocab, JSON.stringify(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`w${i + 1}`, i + 1]))));
  const args = ['convert', fx(FIXTURES.k3Rnn), path.join(tmp, 'txt'), '--task', 'text', '--labels', labels, '--name', 'txt', '--vocab', vocab];
  const refused = await run(args);
  expect(refused.code).toBe(2);
  expect(refused.err).toMatch(/big-vocab.json: the word index goes up to 40 but the model's Embedding "embedding" has input_dim 20.*Pass --num-words 20/);
  const capped = await run([...args, '--num-words', '20', '--oov-token', 'w1', '--padding', 'post', '--truncating', 'post', '--filters', '!', '--split', ' ', '--lower', 'false']);
  expect(capped.err).toBe('');
  expect(capped.code).toBe(0);
  expect(capped.out).toMatch(/preprocessing: text Keras Tokenizer \(word level, case kept, OOV "w1", num_words 20\), 7 tokens, padding post, truncating post/);
  const tv = await run(['convert', fx(TV_FIXTURE), path.join(tmp, 'tv'), '--task', 'text', '--labels', labels, '--name', 'tv']);
  expect(tv.code).toBe(0);
  expect(tv.out).toMatch(/preprocessing: text TextVectorization \(standardize lower_and_strip_punctuation, split whitespace, OOV "\[UNK\]"\), 8 tokens, padding post, truncating post/);
  expect(fs.readdirSync(path.join(tmp, 'tv')).sort()).toEqual(['group1-shard1of1.bin', 'metadata.json', 'model.json', 'vocab.json']);
});

it.each([
  [['convert'], 2, /missing <input>/],
  [['convert', fx(FIXTURES.k2Full), 'o', '--task', 'image', '--labels', 'l', '--name', 'n', '--background', '300,0,0'], 2, /--background expects r,g,b with integers 0..255/],
  [['convert', fx(FIXTURES.k2Full), 'o', '--task', 'image', '--labels', 'l', '--name', 'n', '--fit', 'crop'], 2, /--fit must be one of stretch, center-crop, letterbox/],
  [['convert', fx(FIXTURES.k2Full), 'o', '--preset', 'mobilenet_v2'], 2, /--preset needs --task image\|text/],
  [['convert', 'nope.h5', 'o'], 2, /nope.h5: no such file \(expected a Keras/],
  [['convert', fx(FIXTURES.k2Full)], 2, /missing <outdir>/],
  [['convert', fx(FIXTURES.k2Full), 'o', '--frobnicate'], 2, /unknown option --frobnicate/],
  [['convert', fx(FIXTURES.k2Arch), 'o'], 1, /keras2-cnn-architecture.json: this is a JSON file, not a Keras model/],
  [['convert', fx(FIXTURES.lambda), 'o'], 1, /layer "lambda" \(Lambda\)/],
  [['convert', fx(FIXTURES.k2Full), 'o', '--task', 'image'], 2, /--task needs --labels/],
  [['train'], 2, /unknown command "train"/],
])('%j → exit %i with one clear line', async (args, code, re) => {
  const r = await run(args.map((a) => (a === 'o' ? path.join(tmp, 'o') : a)));
  expect(r.code).toBe(code);
  expect(r.err).toMatch(re);
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.err).not.toMatch(/\n\s+at /);
});

it('bin/tensorlens.js runs from the checkout (bundles the CLI on first use)', () => {
  const out = execFileSync(process.execPath, [path.resolve(__dirname, '../../../bin/tensorlens.js'), '--version'], { encoding: 'utf8' });
  expect(out).toMatch(/TensorLens Keras converter v/);
});
