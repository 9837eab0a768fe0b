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
import { denseModel } from './dense-model';

const ROOT = path.resolve(__dirname, '..');
const CORPUS = path.resolve(ROOT, '../shared/keras-corpus');
const RUNS = 5;

/** Dense 1024→1750→1024→10: 3.6 M float32 params ≈ 14 MB */
const bigModel = (): Promise<Buffer> => denseModel([1024, 1750, 1024, 10], 'bench-dense-14mb.h5');

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
