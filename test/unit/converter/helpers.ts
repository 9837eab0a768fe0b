import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { ConvertResult } from '../../../src/converter/convert';
import { ensureCpuBackend, loadArtifacts } from '../../../src/converter/tfjs-host';
import type { JsonObj } from '../../../src/converter/keras/config';

export const FIXTURE_DIR = path.resolve(__dirname, '../../fixtures/keras');
export const CORPUS_DIR = path.resolve(__dirname, '../../../../shared/keras-corpus');

export function fixture(name: string): Buffer {
  return fs.readFileSync(path.join(FIXTURE_DIR, name));
}

export async function loadResult(r: ConvertResult): Promise<tfl.LayersModel> {
  return loadArtifacts({ modelJson: r.modelJson, shards: r.shards.map((s) => s.data) });
}

/** reads a tfjs layers-model folder from disk (old tensorspace shards have no .bin suffix) */
export function readTfjsDir(dir: string): { modelJson: JsonObj; shards: Buffer[]; weights: Map<string, { shape: number[]; bytes: Buffer }> } {
  const modelJson = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as JsonObj;
  const manifest = modelJson.weightsManifest as unknown as { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
  const shards: Buffer[] = [];
  const weights = new Map<string, { shape: number[]; bytes: Buffer }>();
  for (const g of manifest) {
    const data = Buffer.concat(g.paths.map((p) => fs.readFileSync(path.join(dir, p))));
    shards.push(data);
    let o = 0;
    for (const w of g.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1) * 4;
      weights.set(w.name, { shape: w.shape, bytes: data.subarray(o, o + n) });
      o += n;
    }
  }
  return { modelJson, shards, weights };
}

export function resultWeights(r: ConvertResult): Map<string, { shape: number[]; bytes: Buffer }> {
  const data = Buffer.concat(r.shards.map((s) => s.data));
  const out = new Map<string, { shape: number[]; bytes: Buffer }>();
  let o = 0;
  const manifest = r.modelJson.weightsManifest as unknown as { weights: { name: string; shape: number[] }[] }[];
  for (const w of manifest.flatMap((g) => g.weights)) {
    const n = w.shape.reduce((a, b) => a * b, 1) * 4;
    out.set(w.name, { shape: w.shape, bytes: data.subarray(o, o + n) });
    o += n;
  }
  return out;
}

export async function predictOn(model: tfl.LayersModel, input: tf.Tensor): Promise<Float32Array> {
  const y = model.predict(input) as tf.Tensor;
  const v = Float32Array.from(await y.data());
  y.dispose();
  return v;
}

export function seededInput(shape: number[], seed = 7, ints = 0): tf.Tensor {
  let s = seed;
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    v[i] = ints > 0 ? s % ints : s / 2147483648;
  }
  return tf.tensor(v, shape);
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

export { ensureCpuBackend, tf, tfl };
