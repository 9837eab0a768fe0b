/**
 * Converter benchmark: a generated ~14 MB Keras 2 .h5 model (always) and the largest
 * ../shared/keras-corpus models (when present). Prints seconds and MB/s per stage and writes
 * bench/converter-results.json.
 *
 *   node scripts/run-ts.cjs bench/converter.ts      (npm run bench:converter)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { convertKeras, writeArtifacts } from '../src/converter/convert';
import { ensureCpuBackend } from '../src/converter/tfjs-host';

const ROOT = path.resolve(__dirname, '..');
const CACHE = path.join(ROOT, 'node_modules/.cache/tensorlens');
const CORPUS = path.resolve(ROOT, '../shared/keras-corpus');
const RUNS = 5;

type H5 = typeof import('h5wasm');

/** Dense 1024→1750→1024→10: 3.6 M float32 params ≈ 14 MB, written like Keras 2.4 would */
async function bigModel(): Promise<Buffer> {
  const file = path.join(CACHE, 'bench-dense-14mb.h5');
  if (fs.existsSync(file)) return fs.readFileSync(file);
  const h5 = (await import('h5wasm/node')) as H5;
  await h5.ready;
  fs.mkdirSync(CACHE, { recursive: true });
  const dims = [1024, 1750, 1024, 10];
  const layers = dims.slice(1).map((u, i) => ({ name: i === 0 ? 'dense' : `dense_${i}`, units: u, inDim: dims[i] as number }));
  const config = {
    class_name: 'Sequential',
    config: {
      name: 'sequential',
      layers: [
        { class_name: 'InputLayer', config: { batch_input_shape: [null, 1024], dtype: 'float32', name: 'input' } },
        ...layers.map((l, i) => ({
          class_name: 'Dense',
          config: { name: l.name, trainable: true, dtype: 'float32', units: l.units, activation: i === layers.length - 1 ? 'softmax' : 'relu', use_bias: true, kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } }, bias_initializer: { class_name: 'Zeros', config: {} } },
        })),
      ],
    },
  };
  const tmp = `${file}.${process.pid}.tmp`;
  const f = new h5.File(tmp, 'w');
  f.create_attribute('keras_version', '2.4.0');
  f.create_attribute('backend', 'tensorflow');
  f.create_attribute('model_config', JSON.stringify(config));
  const mw = f.create_group('model_weights');
  mw.create_attribute('layer_names', layers.map((l) => l.name), [layers.length], 'A16');
  let s = 1;
  const rand = (n: number): Float32Array => {
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      v[i] = (s / 2147483648 - 0.5) * 0.05;
    }
    return v;
  };
  for (const l of layers) {
    const lg = mw.create_group(l.name);
    lg.create_attribute('weight_names', [`${l.name}/kernel:0`, `${l.name}/bias:0`], [2], 'A32');
    const g = lg.create_group(l.name);
    g.create_dataset({ name: 'kernel:0', data: rand(l.inDim * l.units), shape: [l.inDim, l.units], dtype: '<f' });
    g.create_dataset({ name: 'bias:0', data: rand(l.units), shape: [l.units], dtype: '<f' });
  }
  f.close();
  fs.renameSync(tmp, file);
  return fs.readFileSync(file);
}

interface Result {
  model: string;
  bytes: number;
  convertMs: number;
  convertMBps: number;
  convertValidateMs: number;
  writeMs: number;
  stages: Record<string, number>;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

async function bench(name: string, data: Buffer): Promise<Result> {
  const conv: number[] = [];
  const full: number[] = [];
  const writes: number[] = [];
  let stages: Record<string, number> = {};
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-bench-'));
  for (let i = 0; i < RUNS + 1; i++) {
    let t = performance.now();
    const r = await convertKeras(data, { inputPath: name, validate: false });
    const c = performance.now() - t;
    t = performance.now();
    writeArtifacts(r, path.join(out, 'm'));
    const w = performance.now() - t;
    t = performance.now();
    const rv = await convertKeras(data, { inputPath: name });
    const f = performance.now() - t;
    if (i === 0) continue; // warm-up
    conv.push(c);
    writes.push(w);
    full.push(f);
    stages = rv.report.timingsMs;
  }
  fs.rmSync(out, { recursive: true, force: true });
  const convertMs = median(conv);
  return {
    model: name,
    bytes: data.length,
    convertMs: Math.round(convertMs * 10) / 10,
    convertMBps: Math.round((data.length / 1024 / 1024 / (convertMs / 1000)) * 10) / 10,
    convertValidateMs: Math.round(median(full) * 10) / 10,
    writeMs: Math.round(median(writes) * 10) / 10,
    stages: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, Math.round(v * 10) / 10])),
  };
}

async function main(): Promise<void> {
  await ensureCpuBackend();
  const cases: [string, Buffer][] = [['generated dense 14 MB (.h5)', await bigModel()]];
  if (fs.existsSync(CORPUS)) {
    for (const rel of ['koiri-cnn-tf215/model.h5', 'teachable-machine-mobilenetv2-nested/keras_model.h5', 'fashion-keras310-cnn/model.keras']) {
      const p = path.join(CORPUS, rel);
      if (fs.existsSync(p)) cases.push([`corpus ${rel}`, fs.readFileSync(p)]);
    }
  } else console.log(`(corpus not found at ${CORPUS}; benchmarking the generated model only)`);
  const results: Result[] = [];
  for (const [name, data] of cases) {
    const r = await bench(name, data);
    results.push(r);
    console.log(
      `${name.padEnd(58)} ${(r.bytes / 1024 / 1024).toFixed(2).padStart(6)} MB  convert ${(r.convertMs / 1000).toFixed(3)} s (${r.convertMBps} MB/s)  +validate ${(r.convertValidateMs / 1000).toFixed(3)} s  write ${(r.writeMs / 1000).toFixed(3)} s`,
    );
  }
  const file = path.join(ROOT, 'bench/converter-results.json');
  fs.writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, runs: RUNS, statistic: 'median', results }, null, 2)}\n`);
  console.log(`wrote ${path.relative(ROOT, file)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
