/**
 * TensorLens's attention layers (src/model/layers/attention.ts) against independent float64
 * references (attention-reference.ts), and the two real MultiHeadAttention corpus models
 * converted end to end against a float64 reference that reads their weights by Keras path.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { TensorLensAdditiveAttention, TensorLensAttention, TensorLensMultiHeadAttention } from '../../../src/model/layers/attention';
import { registerTensorLensLayers } from '../../../src/model/layers';
import { convertKeras } from '../../../src/converter/convert';
import { ZipArchive } from '../../../src/converter/zip';
import { Hdf5File } from '../../../src/converter/hdf5/reader';
import { modelLayers, translateModelConfig, type JsonObj } from '../../../src/converter/keras/config';
import { buildModel } from '../../../src/converter/tfjs-host';
import { arr, referenceMha, referenceSingleHead, type Arr, type MhaWeights } from './attention-reference';
import { maxAbsDiff, seeded } from './gru-reference';
import { CORPUS_DIR, fixture, loadResult, resultWeights } from './helpers';
import { AT, ATTENTION_FIXTURE, ATTENTION_WEIGHTS } from '../../fixtures/keras/attention-spec';

const TOL = 1e-5;
/** max |tfjs − reference| per case (printed with ATTENTION_DEVIATIONS=1) */
const deviations: Record<string, number> = {};

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerTensorLensLayers();
});

afterAll(() => {
  if (process.env.ATTENTION_DEVIATIONS) console.log(JSON.stringify(deviations, null, 1));
});

function rand(seed: number, shape: number[], scale = 1): Arr {
  return arr(shape, seeded(seed, shape.reduce((a, b) => a * b, 1), scale));
}

/** zeroes the given [batch, step] rows of a [batch, steps, features] array (Masking(0) masks them) */
function zeroSteps(a: Arr, steps: [number, number][]): { a: Arr; mask: boolean[][] } {
  const [b, t, f] = a.shape as [number, number, number];
  const data = Float64Array.from(a.data);
  const mask = Array.from({ length: b }, () => new Array<boolean>(t).fill(true));
  for (const [bi, ti] of steps) {
    data.fill(0, (bi * t + ti) * f, (bi * t + ti + 1) * f);
    (mask[bi] as boolean[])[ti] = false;
  }
  return { a: { shape: a.shape, data }, mask };
}

const tensorOf = (a: Arr): tf.Tensor => tf.tensor(Float32Array.from(a.data), a.shape);

async function runModel(model: tfl.LayersModel, inputs: Arr[]): Promise<Float32Array> {
  const xs = inputs.map(tensorOf);
  const y = model.predict(xs.length === 1 ? (xs[0] as tf.Tensor) : xs) as tf.Tensor;
  const v = Float32Array.from(await y.data());
  tf.dispose([...xs, y]);
  return v;
}

function mhaWeights(seed: number, f: [number, number, number], heads: number, dk: number, dv: number, out: number[], useBias = true): MhaWeights {
  const [fq, fk, fv] = f;
  const o = out.reduce((a, b) => a * b, 1);
  return {
    wq: rand(seed, [fq, heads, dk], 0.6), bq: useBias ? rand(seed + 1, [heads, dk], 0.3) : null,
    wk: rand(seed + 2, [fk, heads, dk], 0.6), bk: useBias ? rand(seed + 3, [heads, dk], 0.3) : null,
    wv: rand(seed + 4, [fv, heads, dv], 0.6), bv: useBias ? rand(seed + 5, [heads, dv], 0.3) : null,
    wo: arr([heads, dv, o], seeded(seed + 6, heads * dv * o, 0.6)), bo: useBias ? rand(seed + 7, [o], 0.3) : null,
  };
}

function mhaTensors(w: MhaWeights, out: number[]): tf.Tensor[] {
  const ts: tf.Tensor[] = [];
  for (const [k, b] of [[w.wq, w.bq], [w.wk, w.bk], [w.wv, w.bv]] as const) {
    ts.push(tensorOf(k));
    if (b) ts.push(tensorOf(b));
  }
  ts.push(tf.tensor(Float32Array.from(w.wo.data), [w.wo.shape[0] as number, w.wo.shape[1] as number, ...out]));
  if (w.bo) ts.push(tf.tensor(Float32Array.from(w.bo.data), out));
  return ts;
}

describe('TensorLensMultiHeadAttention vs float64 reference', () => {
  interface Case {
    name: string;
    q: number[];
    v?: number[];
    key?: boolean;
    heads: number;
    dk: number;
    dv?: number;
    out?: number[];
    axes?: number[];
    causal?: boolean;
    bias?: boolean;
    /** masked steps of the query, which is also the value (self-attention: tfjs hands call() the query's mask only) */
    maskQ?: [number, number][];
    attnMask?: boolean;
  }
  const cases: Case[] = [
    { name: 'self-attention (time series default)', q: [2, 6, 3], heads: 2, dk: 4 },
    { name: 'cross-attention with key, value_dim, longer value', q: [2, 4, 3], v: [2, 7, 5], key: true, heads: 3, dk: 2, dv: 3 },
    { name: 'use_bias=False, output_shape=5', q: [2, 5, 3], heads: 2, dk: 3, out: [5], bias: false },
    { name: 'use_causal_mask', q: [2, 6, 3], heads: 2, dk: 4, causal: true },
    { name: 'self-attention, propagated mask (Masking)', q: [2, 6, 3], heads: 2, dk: 3, maskQ: [[0, 4], [1, 0], [1, 2]] },
    { name: 'self-attention, propagated mask + causal', q: [2, 6, 3], heads: 2, dk: 3, maskQ: [[0, 4], [1, 3]], causal: true },
    { name: 'explicit attention_mask + causal', q: [2, 5, 3], heads: 2, dk: 2, attnMask: true, causal: true },
    { name: '4-D input, default axes (1, 2)', q: [2, 3, 4, 3], heads: 2, dk: 3 },
    { name: '4-D input, attention_axes=[2]', q: [2, 3, 4, 3], heads: 2, dk: 3, axes: [2] },
    { name: '4-D input, attention_axes=[1], output_shape [2, 3]', q: [2, 3, 4, 3], heads: 2, dk: 2, axes: [1], out: [2, 3] },
  ];
  it.each(cases)('$name', async (c) => {
    const vShape = c.v ?? c.q;
    const fq = c.q[c.q.length - 1] as number;
    const fv = vShape[vShape.length - 1] as number;
    const dv = c.dv ?? c.dk;
    const out = c.out ?? [fq];
    const w = mhaWeights(21, [fq, fv, fv], c.heads, c.dk, dv, out, c.bias ?? true);
    let query = rand(3, c.q);
    const self = c.v === undefined && !c.key;
    let value = self ? query : rand(4, vShape);
    const key = c.key ? rand(5, vShape) : null;
    let qMask: boolean[][] | undefined;
    if (c.maskQ) ({ a: query, mask: qMask } = zeroSteps(query, c.maskQ));
    if (self) value = query;
    const tq = c.q[1] as number;
    const tv = vShape[1] as number;
    // the diagonal stays visible: a fully masked row is uniform in float32 (z − 1e9 rounds to −1e9)
    const attn = c.attnMask ? Array.from({ length: 2 }, (_, b) => Array.from({ length: tq }, (_, i) => Array.from({ length: tv }, (_, j) => i === j || (i + 2 * j + b) % 3 !== 0))) : undefined;

    const qIn = tfl.input({ shape: c.q.slice(1) });
    const vIn = tfl.input({ shape: vShape.slice(1) });
    const kIn = c.key ? tfl.input({ shape: vShape.slice(1) }) : null;
    const mIn = attn ? tfl.input({ shape: [tq, tv] }) : null;
    const masked = (t: tfl.SymbolicTensor, on: boolean): tfl.SymbolicTensor => (on ? (tfl.layers.masking({ maskValue: 0 }).apply(t) as tfl.SymbolicTensor) : t);
    const layer = new TensorLensMultiHeadAttention({
      numHeads: c.heads, keyDim: c.dk, valueDim: dv, useBias: c.bias ?? true, outputShape: c.out ?? null, attentionAxes: c.axes ?? null,
      useCausalMask: c.causal ?? false, hasKey: c.key ?? false, hasAttentionMask: attn !== undefined, name: 'mha',
    });
    const qx = masked(qIn, !!c.maskQ);
    const ins = [qx, self ? qx : vIn, ...(kIn ? [kIn] : []), ...(mIn ? [mIn] : [])];
    const y = layer.apply(ins) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: [qIn, ...(self ? [] : [vIn]), ...(kIn ? [kIn] : []), ...(mIn ? [mIn] : [])], outputs: y });
    const names = model.weights.map((v) => v.originalName);
    expect(names.slice(0, 2)).toEqual(c.bias === false ? ['mha/query/kernel', 'mha/key/kernel'] : ['mha/query/kernel', 'mha/query/bias']);
    model.setWeights(mhaTensors(w, out));
    const inputs = [query, ...(self ? [] : [value]), ...(key ? [key] : []), ...(attn ? [arr([2, tq, tv], attn.flat(2).map((b) => (b ? 1 : 0)))] : [])];
    const got = await runModel(model, inputs);
    const ref = referenceMha(query, value, key, w, { attentionAxes: c.axes, causal: c.causal, queryMask: qMask, valueMask: qMask, attentionMask: attn });
    expect(model.outputs[0]?.shape.slice(1)).toEqual([...c.q.slice(1, -1), ...out]);
    const dev = maxAbsDiff(got, ref.data);
    deviations[`mha: ${c.name}`] = dev;
    expect(dev).toBeLessThanOrEqual(TOL);
    model.dispose();
  });

  it('masks with a non-rank-3 query are refused when the layer is built', () => {
    const qIn = tfl.input({ shape: [3, 4, 2] });
    const layer = new TensorLensMultiHeadAttention({ numHeads: 1, keyDim: 2, useCausalMask: true });
    expect(() => layer.apply([qIn, qIn])).toThrow(/rank-3/);
  });
});

describe('TensorLensAttention / TensorLensAdditiveAttention vs float64 reference', () => {
  interface Case {
    name: string;
    cls: 'Attention' | 'AdditiveAttention';
    scoreMode?: 'dot' | 'concat';
    useScale?: boolean;
    causal?: boolean;
    key?: boolean;
    /** self-attention ([x, x]) with these steps of x masked */
    maskSelf?: [number, number][];
  }
  const cases: Case[] = [
    { name: 'Attention dot', cls: 'Attention' },
    { name: 'Attention dot, use_scale, key', cls: 'Attention', useScale: true, key: true },
    { name: 'Attention concat, use_scale', cls: 'Attention', scoreMode: 'concat', useScale: true },
    { name: 'Attention concat, causal', cls: 'Attention', scoreMode: 'concat', causal: true },
    { name: 'Attention dot, self-attention with propagated mask', cls: 'Attention', maskSelf: [[0, 1], [1, 0], [1, 3]] },
    { name: 'AdditiveAttention (use_scale default)', cls: 'AdditiveAttention' },
    { name: 'AdditiveAttention no scale, causal, self-attention with propagated mask', cls: 'AdditiveAttention', useScale: false, causal: true, maskSelf: [[0, 2], [1, 3]] },
  ];
  it.each(cases)('$name', async (c) => {
    const self = c.maskSelf !== undefined;
    const [B, TQ, TV, D] = [2, 4, self ? 4 : 5, 3];
    let query = rand(8, [B, TQ, D]);
    let value = self ? query : rand(9, [B, TV, D]);
    const key = c.key ? rand(10, [B, TV, D]) : null;
    let mask: boolean[][] | undefined;
    if (c.maskSelf) ({ a: query, mask } = zeroSteps(query, c.maskSelf));
    if (self) value = query;
    const qIn = tfl.input({ shape: [TQ, D] });
    const vIn = tfl.input({ shape: [TV, D] });
    const kIn = key ? tfl.input({ shape: [TV, D] }) : null;
    const args = { useScale: c.useScale, useCausalMask: c.causal, name: 'att' };
    const layer = c.cls === 'Attention' ? new TensorLensAttention({ ...args, scoreMode: c.scoreMode }) : new TensorLensAdditiveAttention(args);
    const qx = self ? (tfl.layers.masking({ maskValue: 0 }).apply(qIn) as tfl.SymbolicTensor) : qIn;
    const y = layer.apply([qx, self ? qx : vIn, ...(kIn ? [kIn] : [])]) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: [qIn, ...(self ? [] : [vIn]), ...(kIn ? [kIn] : [])], outputs: y });
    const scaleVec = [0.7, -1.3, 0.4];
    const weights: tf.Tensor[] = [];
    let scale: number | number[] | null = null;
    if (c.cls === 'Attention') {
      if (c.useScale) {
        scale = 0.8;
        weights.push(tf.scalar(0.8));
      }
      if (c.scoreMode === 'concat') weights.push(tf.scalar(1.7));
    } else if (c.useScale !== false) {
      scale = scaleVec;
      weights.push(tf.tensor1d(scaleVec));
    }
    expect(model.weights.length).toBe(weights.length);
    model.setWeights(weights);
    const got = await runModel(model, [query, ...(self ? [] : [value]), ...(key ? [key] : [])]);
    const mode = c.cls === 'AdditiveAttention' ? 'additive' : (c.scoreMode ?? 'dot');
    const ref = referenceSingleHead(query, value, key, { mode, scale, concatScoreWeight: 1.7, causal: c.causal, queryMask: mask, valueMask: mask });
    const dev = maxAbsDiff(got, ref.data);
    deviations[c.name] = dev;
    expect(dev).toBeLessThanOrEqual(TOL);
    model.dispose();
  });
});

// ---------------------------------------------------------------- real models, end to end

/** float64 helpers over [rows, features] blocks for the corpus models' dense parts */
function denseLast(x: Arr, k: Arr, b: Arr | null, act: (v: number) => number = (v) => v): Arr {
  const f = x.shape[x.shape.length - 1] as number;
  const o = k.shape[k.shape.length - 1] as number;
  const rows = x.data.length / f;
  const out = new Float64Array(rows * o);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < o; j++) {
      let s = b ? (b.data[j] as number) : 0;
      for (let i = 0; i < f; i++) s += (x.data[r * f + i] as number) * (k.data[i * o + j] as number);
      out[r * o + j] = act(s);
    }
  return arr([...x.shape.slice(0, -1), o], out);
}
function layerNorm(x: Arr, gamma: Arr, beta: Arr, eps: number): Arr {
  const f = x.shape[x.shape.length - 1] as number;
  const out = new Float64Array(x.data.length);
  for (let r = 0; r < x.data.length / f; r++) {
    const row = x.data.subarray(r * f, (r + 1) * f);
    const mean = row.reduce((a, b) => a + b, 0) / f;
    const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / f;
    for (let i = 0; i < f; i++) out[r * f + i] = (((row[i] as number) - mean) / Math.sqrt(variance + eps)) * (gamma.data[i] as number) + (beta.data[i] as number);
  }
  return arr(x.shape, out);
}
const addArr = (a: Arr, b: Arr): Arr => arr(a.shape, a.data.map((v, i) => v + (b.data[i] as number)));
function meanOverTime(x: Arr): Arr {
  const [b, t, f] = x.shape as [number, number, number];
  const out = new Float64Array(b * f);
  for (let bi = 0; bi < b; bi++) for (let ti = 0; ti < t; ti++) for (let i = 0; i < f; i++) out[bi * f + i] = (out[bi * f + i] as number) + (x.data[(bi * t + ti) * f + i] as number) / t;
  return arr([b, f], out);
}
const relu = (v: number): number => Math.max(0, v);
const selu = (v: number): number => 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * (Math.exp(v) - 1));
const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** the archive's weights, read by their Keras path (both `/` and tf.keras-on-Windows `\` layouts) */
function kerasWeights(file: string): (p: string) => Arr {
  const zip = new ZipArchive(fs.readFileSync(file), file);
  const h5 = new Hdf5File(zip.read('model.weights.h5'));
  return (p) => {
    const [group, ...rest] = p.split('/vars/');
    const g = h5.root.get(`${group as string}/vars`) ?? h5.root.get(`${(group as string).replace(/\//g, '\\')}/vars`);
    const ds = g?.get(rest.join('/vars/'));
    if (!ds) throw new Error(`${file}: no ${p}`);
    const v = ds.read();
    return arr(v.shape, Array.from(v.values as Float32Array));
  };
}

const haveCorpus = fs.existsSync(CORPUS_DIR);
(haveCorpus ? describe : describe.skip)('MultiHeadAttention corpus models vs float64 reference', () => {
  /** converts a corpus archive; its weights by Keras path, its MultiHeadAttention's weights, and a checker */
  async function corpusCase(entry: string, sub: string): Promise<{ w: (p: string) => Arr; mha: MhaWeights; check: (x: Arr, ref: Arr) => Promise<void> }> {
    const file = path.join(CORPUS_DIR, entry, 'transformer_model.keras');
    const r = await convertKeras(fs.readFileSync(file), { inputPath: file });
    expect(r.report.warnings.join(' ')).toMatch(/\(TensorLensMultiHeadAttention\) written as TensorLens layer classes .*registerTensorLensLayers/);
    const w = kerasWeights(file);
    const pair = (n: string): [Arr, Arr] => [w(`layers/multi_head_attention/${sub}${n}_dense/vars/0`), w(`layers/multi_head_attention/${sub}${n}_dense/vars/1`)];
    const [[wq, bq], [wk, bk], [wv, bv], [wo, bo]] = ['query', 'key', 'value', 'output'].map(pair) as [[Arr, Arr], [Arr, Arr], [Arr, Arr], [Arr, Arr]];
    const mha: MhaWeights = { wq, bq, wk, bk, wv, bv, wo, bo };
    // the whole model, and its attention layer's own output: both models normalise the attention
    // output with a LayerNormalization over a single feature (which is beta whatever its input),
    // so only the attention layer's output shows that its weights were paired right
    const check = async (x: Arr, ref: Arr): Promise<void> => {
      const model = await loadResult(r);
      const dev = maxAbsDiff(await runModel(model, [x]), ref.data);
      deviations[`corpus ${entry}`] = dev;
      expect(dev).toBeLessThanOrEqual(TOL);
      const att = model.layers.find((l) => l.getClassName() === 'TensorLensMultiHeadAttention') as tfl.layers.Layer;
      const sub = tfl.model({ inputs: model.inputs, outputs: att.output as tfl.SymbolicTensor });
      const attRef = referenceMha(x, x, null, mha);
      const attDev = maxAbsDiff(await runModel(sub, [x]), attRef.data);
      deviations[`corpus ${entry}: MultiHeadAttention output`] = attDev;
      expect(attDev).toBeLessThanOrEqual(TOL);
      expect(Math.max(...attRef.data.map(Math.abs))).toBeGreaterThan(1e-3); // not trivially zero
      model.dispose();
    };
    return { w, mha, check };
  }

  it('vasuki-keras38-mha-timeseries (Keras 3.8)', async () => {
    const { w, mha, check } = await corpusCase('vasuki-keras38-mha-timeseries', '');
    const x = rand(31, [2, 60, 1]);
    const a = referenceMha(x, x, null, mha);
    const ln1 = layerNorm(addArr(x, a), w('layers/layer_normalization/vars/0'), w('layers/layer_normalization/vars/1'), 1e-6);
    const ff = denseLast(denseLast(ln1, w('layers/dense/vars/0'), w('layers/dense/vars/1'), relu), w('layers/dense_1/vars/0'), w('layers/dense_1/vars/1'));
    const ln2 = layerNorm(addArr(ln1, ff), w('layers/layer_normalization_1/vars/0'), w('layers/layer_normalization_1/vars/1'), 1e-6);
    const h = denseLast(meanOverTime(ln2), w('layers/dense_2/vars/0'), w('layers/dense_2/vars/1'), relu);
    await check(x, denseLast(h, w('layers/dense_3/vars/0'), w('layers/dense_3/vars/1')));
  });

  it('allaudin-tfkeras215-mha-tfoplambda (tf.keras 2.15, Windows paths)', async () => {
    const { w, mha, check } = await corpusCase('allaudin-tfkeras215-mha-tfoplambda', '_');
    const x = rand(32, [2, 186, 1]);
    const a = referenceMha(x, x, null, mha);
    const r1 = addArr(layerNorm(a, w('layers/layer_normalization/vars/0'), w('layers/layer_normalization/vars/1'), 1e-6), x);
    const conv = (t: Arr, p: string, act?: (v: number) => number): Arr => {
      const k = w(`${p}/vars/0`);
      return denseLast(t, arr(k.shape.slice(1), k.data), w(`${p}/vars/1`), act); // kernel_size 1
    };
    const c = conv(conv(r1, 'layers/conv1d', relu), 'layers/conv1d_1');
    const r2 = addArr(layerNorm(c, w('layers/layer_normalization_1/vars/0'), w('layers/layer_normalization_1/vars/1'), 1e-3), r1);
    let h = denseLast(meanOverTime(r2), w('layers/dense/vars/0'), w('layers/dense/vars/1'), relu);
    for (const d of ['dense_1', 'dense_2', 'dense_3']) h = denseLast(h, w(`layers/${d}/vars/0`), w(`layers/${d}/vars/1`), selu);
    await check(x, denseLast(h, w('layers/dense_4/vars/0'), w('layers/dense_4/vars/1'), sigmoid));
  });
});

// ---------------------------------------------------------------- config translation

const kt = (layer: string, shape: number[] = [null as unknown as number, 6, 3]): JsonObj => ({ class_name: '__keras_tensor__', config: { shape, dtype: 'float32', keras_history: [layer, 0, 0] } });
const k3Input = (name: string, shape = [null, 6, 3]): JsonObj => ({ module: 'keras.layers', class_name: 'InputLayer', name, config: { name, batch_shape: shape, dtype: 'float32' }, inbound_nodes: [] });
function k3Model(layers: JsonObj[], inputs: string[], output: string): JsonObj {
  return { module: 'keras.src.models.functional', class_name: 'Functional', config: { name: 'm', layers, input_layers: inputs.map((n) => [n, 0, 0]), output_layers: [output, 0, 0] } };
}
const mhaCfg = (name: string, extra: JsonObj = {}): JsonObj => ({ name, num_heads: 2, key_dim: 4, value_dim: 4, dropout: 0.1, use_bias: true, output_shape: null, attention_axes: null, ...extra });

describe('attention layers in model configs', () => {
  it('Keras 3 MultiHeadAttention(query, value, key, use_causal_mask=True) becomes an explicit input list', async () => {
    const cfg = k3Model(
      [
        k3Input('q'), k3Input('v'), k3Input('k'),
        { module: 'keras.layers', class_name: 'MultiHeadAttention', name: 'mha', config: mhaCfg('mha'), inbound_nodes: [{ args: [kt('q'), kt('v')], kwargs: { key: kt('k'), use_causal_mask: true, query_mask: null, value_mask: null } }] },
      ],
      ['q', 'v', 'k'],
      'mha',
    );
    const t = translateModelConfig(cfg, '3.8.0');
    expect(t.problems).toEqual([]);
    const mha = modelLayers(t.config).find((l) => l.name === 'mha') as JsonObj;
    expect(mha.class_name).toBe('TensorLensMultiHeadAttention');
    expect(mha.inbound_nodes).toEqual([[['q', 0, 0, {}], ['v', 0, 0, {}], ['k', 0, 0, {}]]]);
    expect(mha.config).toMatchObject({ has_key: true, has_attention_mask: false, use_causal_mask: true });
    const model = await buildModel(t.config);
    expect(model.outputs[0]?.shape).toEqual([null, 6, 3]);
    model.dispose();
  });

  it('tf.keras 2.x MultiHeadAttention(query, value=…, attention_mask=…) and Attention(causal=True)', async () => {
    const input = (name: string, shape: (number | null)[]): JsonObj => ({ class_name: 'InputLayer', name, config: { name, batch_input_shape: shape, dtype: 'float32' }, inbound_nodes: [] });
    const cfg: JsonObj = {
      class_name: 'Functional',
      config: {
        name: 'm',
        layers: [
          input('x', [null, 5, 3]), input('m', [null, 5, 5]),
          { class_name: 'MultiHeadAttention', name: 'mha', config: mhaCfg('mha'), inbound_nodes: [[['x', 0, 0, { value: ['x', 0, 0], attention_mask: ['m', 0, 0], training: false }]]] },
          { class_name: 'Attention', name: 'att', config: { name: 'att', use_scale: true, score_mode: 'dot', causal: true, dropout: 0 }, inbound_nodes: [[['mha', 0, 0, {}], ['x', 0, 0, {}]]] },
        ],
        input_layers: [['x', 0, 0], ['m', 0, 0]],
        output_layers: [['att', 0, 0]],
      },
    };
    const t = translateModelConfig(cfg, '2.15.0');
    expect(t.problems).toEqual([]);
    const [mha, att] = ['mha', 'att'].map((n) => modelLayers(t.config).find((l) => l.name === n) as JsonObj) as [JsonObj, JsonObj];
    expect(mha.inbound_nodes).toEqual([[['x', 0, 0, {}], ['x', 0, 0, {}], ['m', 0, 0, {}]]]);
    expect(mha.config).toMatchObject({ has_key: false, has_attention_mask: true, use_causal_mask: false });
    expect(att.class_name).toBe('TensorLensAttention');
    expect(att.config).toMatchObject({ use_causal_mask: true, use_scale: true });
    expect((att.config as JsonObj).causal).toBeUndefined();
    const model = await buildModel(t.config);
    expect(model.weights.map((w) => w.originalName)).toEqual(expect.arrayContaining(['mha/query/kernel', 'mha/attention_output/bias', 'att/scale']));
    model.dispose();
  });

  it('return_attention_scores=True is refused naming the layer', () => {
    const cfg = k3Model(
      [k3Input('q'), { module: 'keras.layers', class_name: 'MultiHeadAttention', name: 'mha', config: mhaCfg('mha'), inbound_nodes: [{ args: [kt('q'), kt('q')], kwargs: { return_attention_scores: true } }] }],
      ['q'],
      'mha',
    );
    const t = translateModelConfig(cfg, '3.8.0');
    expect(t.problems.map((p) => `${p.layer} ${p.className}: ${p.reason}`)).toEqual([expect.stringMatching(/^mha MultiHeadAttention: .*return_attention_scores/)]);
  });

  it('a masked model whose attention value is another tensor than the query is refused', () => {
    const emb = (name: string, input: string): JsonObj => ({ module: 'keras.layers', class_name: 'Embedding', name, config: { name, input_dim: 10, output_dim: 3, mask_zero: true }, inbound_nodes: [{ args: [kt(input, [null as unknown as number, 6])], kwargs: {} }] });
    const cfg = k3Model(
      [
        k3Input('a', [null, 6]), k3Input('b', [null, 6]), emb('ea', 'a'), emb('eb', 'b'),
        { module: 'keras.layers', class_name: 'MultiHeadAttention', name: 'mha', config: mhaCfg('mha'), inbound_nodes: [{ args: [kt('ea'), kt('eb')], kwargs: {} }] },
      ],
      ['a', 'b'],
      'mha',
    );
    const t = translateModelConfig(cfg, '3.8.0');
    expect(t.problems.map((p) => `${p.layer}: ${p.reason}`)).toEqual([expect.stringMatching(/^mha: the model propagates masks .*value mask would be lost/)]);
  });
});

describe('tf.keras 2.x .h5 with named attention weights', () => {
  it('keeps the stored names and predicts like the float64 reference', async () => {
    const r = await convertKeras(fixture(ATTENTION_FIXTURE), { inputPath: ATTENTION_FIXTURE });
    expect(r.report.validated).toBe(true);
    // manifest in the reference converter's order (layer groups in HDF5 order), names as stored
    expect([...resultWeights(r).keys()].sort()).toEqual(ATTENTION_WEIGHTS.map((w) => w.k2name).sort());
    const byName = (n: string): Arr => {
      const x = ATTENTION_WEIGHTS.find((w) => w.k2name === n) as (typeof ATTENTION_WEIGHTS)[number];
      return arr(x.shape, x.values);
    };
    const m = (p: string): Arr => byName(`multi_head_attention/${p}`);
    const x = rand(41, [2, AT.t, AT.f]);
    const a = referenceMha(x, x, null, { wq: m('query/kernel'), bq: m('query/bias'), wk: m('key/kernel'), bk: m('key/bias'), wv: m('value/kernel'), bv: m('value/bias'), wo: m('attention_output/kernel'), bo: m('attention_output/bias') }, { causal: true });
    const att = referenceSingleHead(a, x, null, { mode: 'dot', scale: 0.6 });
    const ref = denseLast(meanOverTime(att), byName('dense/kernel'), byName('dense/bias'));
    const model = await loadResult(r);
    const dev = maxAbsDiff(await runModel(model, [x]), ref.data);
    deviations['tf.keras .h5 MultiHeadAttention(causal) → Attention'] = dev;
    expect(dev).toBeLessThanOrEqual(TOL);
    model.dispose();
  });
});
