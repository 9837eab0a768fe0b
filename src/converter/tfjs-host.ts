/**
 * The converter's use of tfjs-layers (cpu backend): build the model from the translated topology
 * to learn the weight names TF.js expects, and load the written artifacts back to run one
 * prediction (validation). Nothing here touches the file system.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-layers calls chained tensor methods (e.g. in the Orthogonal initializer); the umbrella
// @tensorflow/tfjs package registers them, the bare core does not.
import '@tensorflow/tfjs';
import * as tfl from '@tensorflow/tfjs-layers';
import { registerTensorLensLayers } from '../model/layers';
import { ConvertError, fail } from './errors';
import type { JsonObj } from './keras/config';
import type { RawWeight } from './keras/load';
import { packWeights, type NamedWeight } from './weights';

let ready: Promise<void> | null = null;
export function ensureCpuBackend(): Promise<void> {
  // TensorLens's own layer classes (GRU reset_after=True) must be known to build and validate
  registerTensorLensLayers();
  ready ??= (async () => {
    await tf.setBackend('cpu');
    await tf.ready();
    // the cpu backend prints an "install tfjs-node" banner on its first tensor in Node; it is
    // noise for a CLI, so the first tensor is made here with console.warn muted
    await quietly(() => {
      tf.tensor([0]).dispose();
      return Promise.resolve();
    });
  })();
  return ready;
}

export interface ExpectedWeight {
  originalName: string;
  shape: number[];
  dtype: string;
}

function describeTfjsError(e: unknown): string {
  return e instanceof Error ? e.message.split('\n')[0] ?? String(e) : String(e);
}

/** runs `fn` with console.warn captured (tfjs warns about e.g. slow Orthogonal initializers) */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    return await fn();
  } finally {
    console.warn = warn;
  }
}

/**
 * Copy of a topology with Orthogonal initializers replaced by Zeros. TF.js runs every
 * initializer when it builds a model, and its Orthogonal (a QR decomposition in JS) takes
 * seconds for LSTM-sized matrices; the values are overwritten by the file's weights anyway.
 * Only the converter's own build/validation use this; the written model.json keeps the original.
 */
export function withCheapInitializers<T>(v: T): T {
  if (Array.isArray(v)) return v.map(withCheapInitializers) as T;
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  if (o.class_name === 'Orthogonal') return { class_name: 'Zeros', config: {} } as T;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) out[k] = withCheapInitializers(x);
  return out as T;
}

/** Deserializes the topology without weights. Unknown classes become a ConvertError. */
export async function buildModel(modelConfig: JsonObj): Promise<tfl.LayersModel> {
  await ensureCpuBackend();
  try {
    return await quietly(() => tfl.models.modelFromJSON({ modelTopology: { model_config: withCheapInitializers(modelConfig) } }));
  } catch (e) {
    const msg = describeTfjsError(e);
    const unknown = /Unknown (?:layer|activation|initializer|regularizer|constraint)[^:]*: (\S+)/.exec(msg);
    if (unknown)
      fail('unsupported-layer', `TF.js cannot build this model: ${msg.replace(/\.\s*This may be due to.*$/s, '')}. Register a JS class with that name and pass --allow-custom, or rebuild the model without it`);
    fail('unsupported', `TF.js cannot build this model from its config: ${msg}`);
  }
}

function layerAt(model: tfl.LayersModel, path: string[]): tfl.layers.Layer | null {
  let cur: tfl.layers.Layer = model;
  for (const name of path) {
    const m = cur as unknown as tfl.LayersModel;
    if (typeof m.getLayer !== 'function') return null;
    try {
      cur = m.getLayer(name);
    } catch {
      return null;
    }
  }
  return cur;
}

const sameShape = (a: number[], b: number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Gives every raw weight the name TF.js will look it up by. Names that TF.js already resolves
 * (as is, or with its cell-segment shortening) are kept, so Keras 2 output matches the reference
 * converter; otherwise weights are matched to the layer's TF.js variables by position and shape.
 */
export function resolveWeightNames(model: tfl.LayersModel, weights: RawWeight[]): { name: string; weight: RawWeight }[] {
  const expected = new Map<string, ExpectedWeight>();
  for (const w of model.weights) expected.set(w.originalName, { originalName: w.originalName, shape: w.shape as number[], dtype: w.dtype });
  const resolves = (n: string): string | null => {
    if (expected.has(n)) return n;
    const t = n.split('/');
    const short = [...t.slice(0, -2), t[t.length - 1]].join('/');
    return expected.has(short) ? short : null;
  };
  const groups = new Map<string, RawWeight[]>();
  for (const w of weights) {
    const k = w.layerPath.join('\u0000');
    const g = groups.get(k);
    if (g) g.push(w);
    else groups.set(k, [w]);
  }
  const names = new Map<RawWeight, string>();
  const taken = new Set<string>();
  for (const [key, group] of groups) {
    const path = key.split('\u0000');
    const byName = group.every((w) => {
      if (w.name === null) return false;
      const r = resolves(w.name);
      return r !== null && sameShape(expected.get(r)?.shape ?? [], w.shape);
    });
    if (byName) {
      for (const w of group) {
        names.set(w, w.name as string);
        taken.add(resolves(w.name as string) as string);
      }
      continue;
    }
    const layer = layerAt(model, path);
    if (!layer) fail('missing-weights', `the file has weights for layer "${path.join('/')}", which the model config does not contain`);
    const vars = layer.weights;
    const got = group.map((w) => `[${w.shape.join(',')}]`).join(' ');
    const want = vars.map((v) => `${v.originalName}[${v.shape.join(',')}]`).join(' ');
    if (vars.length !== group.length || !vars.every((v, i) => sameShape(v.shape as number[], (group[i] as RawWeight).shape)))
      fail('missing-weights', `layer "${path.join('/')}": the file has ${group.length} weight(s) ${got || '(none)'} but TF.js expects ${vars.length}: ${want || '(none)'}`);
    vars.forEach((v, i) => {
      names.set(group[i] as RawWeight, v.originalName);
      taken.add(v.originalName);
    });
  }
  const missing = [...expected.keys()].filter((n) => !taken.has(n));
  if (missing.length > 0)
    fail('missing-weights', `the file has no values for ${missing.length} weight(s) the model needs: ${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', …' : ''}`);
  return weights.map((w) => ({ name: names.get(w) as string, weight: w }));
}

export interface ModelArtifactsLike {
  modelJson: JsonObj;
  shards: Buffer[];
}

/** Loads written artifacts (in memory) the way the extension will, via tf.loadLayersModel. */
export async function loadArtifacts(a: ModelArtifactsLike): Promise<tfl.LayersModel> {
  await ensureCpuBackend();
  const total = a.shards.reduce((s, b) => s + b.length, 0);
  const data = new Uint8Array(total);
  let o = 0;
  for (const s of a.shards) {
    data.set(s, o);
    o += s.length;
  }
  const manifest = a.modelJson.weightsManifest as unknown as tf.io.WeightsManifestConfig;
  const handler: tf.io.IOHandler = {
    load: () =>
      Promise.resolve({
        modelTopology: withCheapInitializers(a.modelJson.modelTopology) as unknown as tf.io.ModelArtifacts['modelTopology'],
        format: 'layers-model',
        weightSpecs: manifest.flatMap((g) => g.weights),
        weightData: data.buffer,
      }),
  };
  return quietly(() => tfl.loadLayersModel(handler, { strict: true }));
}

/** deterministic pseudo-random input for validation (seeded xorshift) */
export function randomInputs(model: tfl.LayersModel, seed = 1234): tf.Tensor[] {
  let s = seed >>> 0 || 1;
  const rnd = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
  return model.inputs.map((inp, idx) => {
    const shape = inp.shape.map((d, i) => (i === 0 ? 1 : (d ?? 8)));
    if (shape.some((d) => d === null || d <= 0)) fail('validation-failed', `input ${idx} has an unusable shape [${inp.shape.join(',')}]`);
    const n = shape.reduce((a, b) => a * b, 1);
    // integer inputs for Embedding-first models: small indices stay inside any vocabulary
    const firstLayer = model.layers.find((l) => l.getClassName() !== 'InputLayer');
    const intInput = firstLayer?.getClassName() === 'Embedding';
    const vals = new Float32Array(n);
    for (let i = 0; i < n; i++) vals[i] = intInput ? Math.floor(rnd() * 2) : rnd();
    return tf.tensor(vals, shape, 'float32');
  });
}

export async function predict(model: tfl.LayersModel, inputs: tf.Tensor[]): Promise<Float32Array[]> {
  const out = tf.tidy(() => {
    const y = model.predict(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs);
    return Array.isArray(y) ? y : [y];
  });
  const res = await Promise.all(out.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose(out);
  return res;
}

export function disposeAll(ts: tf.Tensor[], model?: tfl.LayersModel): void {
  tf.dispose(ts);
  model?.dispose();
}

export { ConvertError };

/** the same model with float32 weights, as reference for measuring quantization error */
export function buildFloatModelArtifacts(modelJson: JsonObj, weights: NamedWeight[], shardBytes: number): ModelArtifactsLike {
  const packed = packWeights(weights, { shardBytes });
  return { modelJson: { ...modelJson, weightsManifest: packed.manifest as unknown as JsonObj[] }, shards: packed.shards.map((s) => s.data) };
}
