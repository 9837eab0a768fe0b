/**
 * tf.keras 2.x TFOpLambda / SlicingOpLambda nodes translated into TensorLensTFOp layers
 * (src/model/layers/tf-op.ts), built from the translated config the way the converter and the
 * extension load it, against float64 references written here with explicit loops.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { translateModelConfig, type Json, type JsonObj } from '../../../src/converter/keras/config';
import { buildModel } from '../../../src/converter/tfjs-host';
import { seeded, maxAbsDiff } from './gru-reference';

const TOL = 1e-5;
const B = 2;
const T = 4;
const F = 3;
/** x [B, T, F] and y [B, T, F] as nested float64 arrays */
const X = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => Array.from({ length: F }, (_, f) => seeded(5, B * T * F, 2)[(b * T + t) * F + f] as number)));
const Y = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => Array.from({ length: F }, (_, f) => seeded(6, B * T * F, 2)[(b * T + t) * F + f] as number)));

const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
const map3 = (a: number[][][], f: (v: number, b: number, t: number, k: number) => number): number[][][] => a.map((r, b) => r.map((c, t) => c.map((v, k) => f(v, b, t, k))));

interface Case {
  name: string;
  fn: string;
  cls?: string;
  /** kwargs of the node; "Y" stands for the second input tensor */
  kwargs?: JsonObj;
  /** first argument is [x, y] */
  list?: boolean;
  ref: () => unknown;
  shape: (number | null)[];
}

const softmaxRows = (a: number[][][]): number[][][] => a.map((r) => r.map((c) => {
  const m = Math.max(...c);
  const e = c.map((v) => Math.exp(v - m));
  const s = e.reduce((p, q) => p + q, 0);
  return e.map((v) => v / s);
}));

const cases: Case[] = [
  { name: 'x + y (tensor)', fn: '__operators__.add', kwargs: { y: 'Y' }, ref: () => map3(X, (v, b, t, k) => v + (Y[b]?.[t]?.[k] as number)), shape: [null, T, F] },
  { name: 'x / y (tensor)', fn: 'math.truediv', kwargs: { y: 'Y' }, ref: () => map3(X, (v, b, t, k) => v / (Y[b]?.[t]?.[k] as number)), shape: [null, T, F] },
  { name: 'maximum(x, [per-feature constant])', fn: 'math.maximum', kwargs: { y: [0.1, -0.2, 0.3] }, ref: () => map3(X, (v, _b, _t, k) => Math.max(v, [0.1, -0.2, 0.3][k] as number)), shape: [null, T, F] },
  { name: 'reduce_mean(axis=1)', fn: 'math.reduce_mean', kwargs: { axis: 1 }, ref: () => X.map((r) => [0, 1, 2].map((k) => r.reduce((s, c) => s + (c[k] as number), 0) / T)), shape: [null, F] },
  { name: 'reduce_max(axis=-1, keepdims)', fn: 'math.reduce_max', kwargs: { axis: -1, keepdims: true }, ref: () => X.map((r) => r.map((c) => [Math.max(...c)])), shape: [null, T, 1] },
  { name: 'reduce_sum(axis=[1, 2])', fn: 'math.reduce_sum', kwargs: { axis: [1, 2] }, ref: () => X.map((r) => flat(r).reduce((s, v) => s + v, 0)), shape: [null] },
  { name: 'reshape([-1, 12])', fn: 'reshape', kwargs: { shape: [-1, T * F] }, ref: () => X.map((r) => flat(r)), shape: [null, T * F] },
  { name: 'expand_dims(axis=1)', fn: 'expand_dims', kwargs: { axis: 1 }, ref: () => X.map((r) => [r]), shape: [null, 1, T, F] },
  { name: 'transpose(perm=[0, 2, 1])', fn: 'transpose', kwargs: { perm: [0, 2, 1] }, ref: () => X.map((r) => [0, 1, 2].map((k) => r.map((c) => c[k] as number))), shape: [null, F, T] },
  { name: 'concat([x, y], axis=-1)', fn: 'concat', list: true, kwargs: { axis: -1 }, ref: () => X.map((r, b) => r.map((c, t) => [...c, ...(Y[b]?.[t] as number[])])), shape: [null, T, 2 * F] },
  { name: 'matmul(x, y, transpose_b=True)', fn: 'linalg.matmul', kwargs: { b: 'Y', transpose_b: true }, ref: () => X.map((r, b) => r.map((c) => (Y[b] as number[][]).map((yr) => c.reduce((s, v, k) => s + v * (yr[k] as number), 0)))), shape: [null, T, T] },
  { name: 'nn.softmax(axis=-1)', fn: 'nn.softmax', kwargs: {}, ref: () => softmaxRows(X), shape: [null, T, F] },
  { name: 'nn.gelu (erf)', fn: 'nn.gelu', kwargs: { approximate: false }, ref: () => map3(X, (v) => 0.5 * v * (1 + erf(v / Math.SQRT2))), shape: [null, T, F] },
  { name: 'nn.l2_normalize(axis=-1)', fn: 'math.l2_normalize', kwargs: { axis: -1 }, ref: () => X.map((r) => r.map((c) => { const n = Math.sqrt(c.reduce((s, v) => s + v * v, 0)); return c.map((v) => v / n); })), shape: [null, T, F] },
  { name: 'x[:, -1]', fn: '__operators__.getitem', cls: 'SlicingOpLambda', kwargs: { slice_spec: [{ start: null, stop: null, step: null }, -1] }, ref: () => X.map((r) => r[T - 1]), shape: [null, F] },
  { name: 'x[:, 1:3, None, ::-1]', fn: '__operators__.getitem', cls: 'SlicingOpLambda', kwargs: { slice_spec: [{ start: null, stop: null, step: null }, { start: 1, stop: 3, step: null }, null, { start: null, stop: null, step: -1 }] }, ref: () => X.map((r) => r.slice(1, 3).map((c) => [[...c].reverse()])), shape: [null, 2, 1, F] },
  { name: 'x[..., 0:2]', fn: '__operators__.getitem', cls: 'SlicingOpLambda', kwargs: { slice_spec: [{ class_name: '__ellipsis__', config: {} }, { start: 0, stop: 2, step: null }] }, ref: () => X.map((r) => r.map((c) => c.slice(0, 2))), shape: [null, T, 2] },
];

/** Abramowitz–Stegun 7.1.26 is too coarse; a float64 series/continued-fraction erf */
function erf(x: number): number {
  // Taylor series converges fast for |x| < 3 (all test values)
  let sum = 0;
  let term = x;
  for (let n = 0; n < 60; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

function modelWith(c: Case): JsonObj {
  const input = (name: string): JsonObj => ({ class_name: 'InputLayer', name, config: { name, batch_input_shape: [null, T, F], dtype: 'float32' }, inbound_nodes: [] });
  const kw: JsonObj = { name: null };
  for (const [k, v] of Object.entries(c.kwargs ?? {})) kw[k] = v === 'Y' ? ['y_in', 0, 0] : v;
  const node: Json = c.list ? [['x_in', 0, 0, kw], ['y_in', 0, 0, kw]] : ['x_in', 0, 0, kw];
  return {
    class_name: 'Functional',
    config: {
      name: 'm',
      layers: [input('x_in'), input('y_in'), { class_name: c.cls ?? 'TFOpLambda', name: 'op', config: { name: 'op', trainable: true, dtype: 'float32', function: c.fn }, inbound_nodes: [node] }],
      input_layers: [['x_in', 0, 0], ['y_in', 0, 0]],
      output_layers: [['op', 0, 0]],
    },
  };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('TFOpLambda / SlicingOpLambda → TensorLensTFOp vs float64 reference', () => {
  it.each(cases)('$name', async (c) => {
    const t = translateModelConfig(modelWith(c), '2.15.0');
    expect(t.problems).toEqual([]);
    expect(t.tfOps).toEqual([`op (tf.${c.fn})`]);
    const model = await buildModel(t.config);
    expect(model.outputs[0]?.shape).toEqual(c.shape);
    const out = model.predict([tf.tensor3d(X), tf.tensor3d(Y)]) as tf.Tensor;
    const got = await out.data();
    const dev = maxAbsDiff(got, flat(c.ref()));
    expect(dev).toBeLessThanOrEqual(TOL);
    out.dispose();
    model.dispose();
  });

  it('other tf functions, tensors in constant-only arguments and constants first are refused naming the op', () => {
    const refusals = [
      { ...cases[0], fn: 'math.cumsum', kwargs: { axis: 1 } },
      { ...cases[0], fn: 'reshape', kwargs: { shape: 'Y' } },
      { ...cases[0], fn: 'signal.stft', kwargs: {} },
    ].map((c) => translateModelConfig(modelWith(c as Case), '2.15.0').problems.map((p) => `${p.layer} ${p.className}: ${p.reason}`));
    expect(refusals).toEqual([
      [expect.stringMatching(/^op TFOpLambda: tf\.math\.cumsum is not among/)],
      [expect.stringMatching(/^op TFOpLambda: tf\.reshape with a tensor as its "shape" argument/)],
      [expect.stringMatching(/^op TFOpLambda: tf\.signal\.stft is not among/)],
    ]);
  });
});
