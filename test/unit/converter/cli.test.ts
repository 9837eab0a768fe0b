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

it.each([
  [['convert'], 2, /missing <input>/],
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
