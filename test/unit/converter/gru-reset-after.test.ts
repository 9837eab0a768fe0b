/**
 * TensorLensGRU (src/model/layers/gru-reset-after.ts) against an independent float64 loop
 * reference of Keras's reset_after=True GRU (gru-reference.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { TensorLensGRU, TensorLensGRUCell } from '../../../src/model/layers/gru-reset-after';
import { registerTensorLensLayers } from '../../../src/model/layers';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { convertKeras } from '../../../src/converter/convert';
import { CUDNN_GRU_FIXTURE, CUDNN_GRU_WEIGHTS, cudnnGateMatrices, GRU_D, GRU_FIXTURES, GRU_K2_CONFIG, GRU_K2_REC_ACT, GRU_K3_REC_ACT, GRU_OUT, GRU_U1, GRU_U2, GRU_WEIGHTS } from '../../fixtures/keras/gru-spec';
import { CORPUS_DIR, fixture, loadResult } from './helpers';
import { flat, maxAbsDiff, referenceBidirectional, referenceGru, seeded, type Act, type GruWeights } from './gru-reference';

const B = 2;
const T = 5;
const D = 3;
const U = 4;
const TOL = 1e-5;
/** max |tfjs − reference| per case (printed with GRU_DEVIATIONS=1) */
const deviations: Record<string, number> = {};

function gruWeights(seed: number, inputDim = D, units = U, useBias = true): GruWeights {
  return {
    kernel: seeded(seed, inputDim * 3 * units, 0.8),
    recurrent: seeded(seed + 1, units * 3 * units, 0.8),
    bias: useBias ? seeded(seed + 2, 6 * units, 0.5) : null,
    inputDim,
    units,
  };
}

function tensorsOf(w: GruWeights): tf.Tensor[] {
  const ts = [tf.tensor2d(Float32Array.from(w.kernel), [w.inputDim, 3 * w.units]), tf.tensor2d(Float32Array.from(w.recurrent), [w.units, 3 * w.units])];
  if (w.bias) ts.push(tf.tensor2d(Float32Array.from(w.bias), [2, 3 * w.units]));
  return ts;
}

function input(seed: number, zeroSteps: [number, number][] = []): number[][][] {
  const v = seeded(seed, B * T * D, 1);
  const x = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => Array.from({ length: D }, (_, i) => v[(b * T + t) * D + i] as number)));
  for (const [b, t] of zeroSteps) (x[b] as number[][])[t] = new Array<number>(D).fill(0);
  return x;
}

async function run(model: tfl.LayersModel, x: number[][][]): Promise<number[][]> {
  const xt = tf.tensor3d(x);
  const y = model.predict(xt);
  const ys = Array.isArray(y) ? y : [y];
  const out = await Promise.all(ys.map(async (t) => Array.from(await t.data())));
  tf.dispose([xt, ...ys]);
  return out;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  registerTensorLensLayers();
  registerTensorLensLayers(); // idempotent
});

describe('TensorLensGRU (reset_after=True) vs float64 reference', () => {
  const cases: { name: string; returnSequences: boolean; goBackwards: boolean; act: Act; rec: Act; useBias: boolean }[] = [
    { name: 'last output', returnSequences: false, goBackwards: false, act: 'tanh', rec: 'sigmoid', useBias: true },
    { name: 'sequences', returnSequences: true, goBackwards: false, act: 'tanh', rec: 'sigmoid', useBias: true },
    { name: 'go_backwards, last output', returnSequences: false, goBackwards: true, act: 'tanh', rec: 'sigmoid', useBias: true },
    { name: 'go_backwards, sequences', returnSequences: true, goBackwards: true, act: 'tanh', rec: 'sigmoid', useBias: true },
    { name: 'relu / hard_sigmoid (Keras 2)', returnSequences: true, goBackwards: false, act: 'relu', rec: 'hard_sigmoid', useBias: true },
    { name: 'use_bias=False', returnSequences: true, goBackwards: false, act: 'tanh', rec: 'sigmoid', useBias: false },
  ];
  it.each(cases)('$name', async (c) => {
    const w = gruWeights(11, D, U, c.useBias);
    const layer = new TensorLensGRU({
      units: U, returnSequences: c.returnSequences, goBackwards: c.goBackwards, activation: c.act,
      recurrentActivation: c.rec, useBias: c.useBias, batchInputShape: [null, T, D], name: 'gru',
    });
    const model = tfl.sequential({ layers: [layer] });
    expect(model.weights.map((v) => `${v.originalName}[${v.shape.join(',')}]`)).toEqual(['gru/kernel[3,12]', 'gru/recurrent_kernel[4,12]', ...(c.useBias ? ['gru/bias[2,12]'] : [])]);
    model.setWeights(tensorsOf(w));
    const x = input(3);
    const [got] = await run(model, x);
    const want = flat(referenceGru(x, w, { activation: c.act, recurrentActivation: c.rec, goBackwards: c.goBackwards, returnSequences: c.returnSequences }).output);
    expect(got).toHaveLength(want.length);
    deviations[`layer: ${c.name}`] = maxAbsDiff(got as number[], want);
    expect(maxAbsDiff(got as number[], want)).toBeLessThanOrEqual(TOL);
    model.dispose();
  });

  it('return_state', async () => {
    const w = gruWeights(21);
    const inp = tfl.input({ batchShape: [null, T, D] });
    const outs = new TensorLensGRU({ units: U, returnSequences: true, returnState: true, activation: 'tanh', recurrentActivation: 'sigmoid' }).apply(inp) as tfl.SymbolicTensor[];
    const model = tfl.model({ inputs: inp, outputs: outs });
    model.setWeights(tensorsOf(w));
    const x = input(4);
    const [seq, state] = await run(model, x);
    const ref = referenceGru(x, w, { returnSequences: true });
    expect(maxAbsDiff(seq as number[], flat(ref.output))).toBeLessThanOrEqual(TOL);
    expect(maxAbsDiff(state as number[], flat(ref.state))).toBeLessThanOrEqual(TOL);
    model.dispose();
  });

  it.each(['concat', 'sum', 'mul', 'ave'] as const)('Bidirectional merge %s (sequences)', async (merge) => {
    const fw = gruWeights(31);
    const bw = gruWeights(41);
    const layer = new TensorLensGRU({ units: U, returnSequences: true, activation: 'tanh', recurrentActivation: 'sigmoid', name: 'gru' });
    const model = tfl.sequential({ layers: [tfl.layers.bidirectional({ layer: layer as unknown as tfl.RNN, mergeMode: merge, batchInputShape: [null, T, D], name: 'bidirectional' })] });
    expect(model.weights.map((v) => v.originalName)).toEqual([
      'bidirectional/forward_gru/kernel', 'bidirectional/forward_gru/recurrent_kernel', 'bidirectional/forward_gru/bias',
      'bidirectional/backward_gru/kernel', 'bidirectional/backward_gru/recurrent_kernel', 'bidirectional/backward_gru/bias',
    ]);
    model.setWeights([...tensorsOf(fw), ...tensorsOf(bw)]);
    const x = input(5);
    const [got] = await run(model, x);
    const want = flat(referenceBidirectional(x, fw, bw, { returnSequences: true, merge }));
    deviations[`Bidirectional ${merge}`] = maxAbsDiff(got as number[], want);
    expect(maxAbsDiff(got as number[], want)).toBeLessThanOrEqual(TOL);
    model.dispose();
  });

  it('Bidirectional, last output', async () => {
    const fw = gruWeights(51);
    const bw = gruWeights(61);
    const layer = new TensorLensGRU({ units: U, activation: 'tanh', recurrentActivation: 'sigmoid' });
    const model = tfl.sequential({ layers: [tfl.layers.bidirectional({ layer: layer as unknown as tfl.RNN, batchInputShape: [null, T, D] })] });
    model.setWeights([...tensorsOf(fw), ...tensorsOf(bw)]);
    const x = input(6);
    const [got] = await run(model, x);
    expect(maxAbsDiff(got as number[], flat(referenceBidirectional(x, fw, bw, {})))).toBeLessThanOrEqual(TOL);
    model.dispose();
  });

  it.each([false, true])('masking (Masking layer), zero_output_for_mask=%s', async (zeroOutputForMask) => {
    const w = gruWeights(71);
    const model = tfl.sequential({
      layers: [
        tfl.layers.masking({ maskValue: 0, batchInputShape: [null, T, D] }),
        new TensorLensGRU({ units: U, returnSequences: true, activation: 'tanh', recurrentActivation: 'sigmoid', zeroOutputForMask }),
      ],
    });
    model.setWeights(tensorsOf(w));
    const x = input(7, [[0, 3], [0, 4], [1, 1]]);
    const mask = x.map((s) => s.map((v) => (v.some((e) => e !== 0) ? 1 : 0)));
    const [got] = await run(model, x);
    const want = flat(referenceGru(x, w, { returnSequences: true, mask, zeroOutputForMask }).output);
    deviations[`mask zero_output=${String(zeroOutputForMask)}`] = maxAbsDiff(got as number[], want);
    expect(maxAbsDiff(got as number[], want)).toBeLessThanOrEqual(TOL);
    model.dispose();
  });

  it('TensorLensGRUCell in a generic RNN', async () => {
    const w = gruWeights(81);
    const cell = new TensorLensGRUCell({ units: U, activation: 'tanh', recurrentActivation: 'sigmoid' });
    const model = tfl.sequential({ layers: [tfl.layers.rnn({ cell: cell as never, returnSequences: true, batchInputShape: [null, T, D], name: 'rnn' })] });
    expect(model.weights.map((v) => v.originalName)).toEqual(['rnn/kernel', 'rnn/recurrent_kernel', 'rnn/bias']);
    model.setWeights(tensorsOf(w));
    const x = input(8);
    const [got] = await run(model, x);
    expect(maxAbsDiff(got as number[], flat(referenceGru(x, w, { returnSequences: true }).output))).toBeLessThanOrEqual(TOL);
    model.dispose();
  });

  it('survives a toJSON → modelFromJSON round trip (class registry, Bidirectional copy)', async () => {
    const fw = gruWeights(91);
    const bw = gruWeights(101);
    const model = tfl.sequential({
      layers: [
        tfl.layers.bidirectional({ layer: new TensorLensGRU({ units: U, returnSequences: true, activation: 'relu', recurrentActivation: 'hard_sigmoid', goBackwards: false }) as unknown as tfl.RNN, batchInputShape: [null, T, D] }),
        new TensorLensGRU({ units: 2, goBackwards: true, activation: 'tanh', recurrentActivation: 'sigmoid', useBias: false }),
      ],
    });
    const json = model.toJSON(null, false) as unknown as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
    expect(json.config.layers[1]?.class_name).toBe('TensorLensGRU');
    expect(json.config.layers[1]?.config).toMatchObject({ units: 2, go_backwards: true, use_bias: false, reset_after: true, activation: 'tanh', recurrent_activation: 'sigmoid' });
    const copy = await tfl.models.modelFromJSON({ modelTopology: json } as never);
    const second = gruWeights(111, 2 * U, 2, false);
    const ws = [...tensorsOf(fw), ...tensorsOf(bw), ...tensorsOf(second)];
    copy.setWeights(ws);
    const x = input(9);
    const [got] = await run(copy, x);
    const mid = referenceBidirectional(x, fw, bw, { returnSequences: true, activation: 'relu', recurrentActivation: 'hard_sigmoid' }) as number[][][];
    const want = flat(referenceGru(mid, second, { goBackwards: true }).output);
    expect(maxAbsDiff(got as number[], want)).toBeLessThanOrEqual(TOL);
    tf.dispose(ws);
    model.dispose();
    copy.dispose();
  });

  it('refuses what it does not implement', () => {
    expect(() => new TensorLensGRU({ units: 2, stateful: true })).toThrow(/stateful/);
    expect(() => new TensorLensGRUCell({ units: 2, resetAfter: false })).toThrow(/reset_after=True only/);
  });
});

// ---------------------------------------------------------------- converter end to end
describe('converter: reset_after=True GRU fixtures → TensorLensGRU', () => {
  jest.setTimeout(60_000);

  function referenceModel(x: number[][][], rec: Act): number[] {
    const byName = (suffix: string, layer: string): Float32Array => {
      const hit = GRU_WEIGHTS.find((w) => w.layer === layer && w.k2name.endsWith(suffix));
      if (!hit) throw new Error(`no fixture weight ${layer} ${suffix}`);
      return hit.values;
    };
    const gw = (layer: string, dir: string, inputDim: number, units: number): GruWeights => ({
      kernel: byName(`${dir}/kernel`, layer),
      recurrent: byName(`${dir}/recurrent_kernel`, layer),
      bias: byName(`${dir}/bias`, layer),
      inputDim,
      units,
    });
    const fw = gw('bidirectional', 'forward_gru/gru_cell', GRU_D, GRU_U1);
    const bw = gw('bidirectional', 'backward_gru/gru_cell', GRU_D, GRU_U1);
    const second = gw('gru_1', 'gru_cell_1', 2 * GRU_U1, GRU_U2);
    const mid = referenceBidirectional(x, fw, bw, { returnSequences: true, activation: 'tanh', recurrentActivation: 'sigmoid' }) as number[][][];
    const h = referenceGru(mid, second, { goBackwards: true, activation: 'relu', recurrentActivation: rec }).output as number[][];
    const k = byName('dense/kernel', 'dense');
    const b = byName('dense/bias', 'dense');
    return h.flatMap((row) => Array.from({ length: GRU_OUT }, (_, j) => row.reduce((a, v, i) => a + v * (k[i * GRU_OUT + j] as number), b[j] as number)));
  }

  it.each([
    ['tf.keras 2.x .h5', GRU_FIXTURES.k2, GRU_K2_REC_ACT],
    ['Keras 3 .keras', GRU_FIXTURES.k3, GRU_K3_REC_ACT],
  ] as const)('%s: converts, loads with the class registered, predicts like the reference', async (_label, file, rec) => {
    const r = await convertKeras(fixture(file), { inputPath: file });
    expect(r.report.validated).toBe(true);
    expect(r.report.outputShapes).toEqual([[1, GRU_OUT]]);
    expect(r.report.warnings.join(' ')).toMatch(/GRU layer\(s\) gru, gru_1 use reset_after=True/);
    const topo = JSON.stringify(r.modelJson.modelTopology);
    expect(topo).not.toMatch(/"class_name":"GRU"/);
    expect(topo.match(/"class_name":"TensorLensGRU"/g)).toHaveLength(2);
    const manifest = (r.modelJson.weightsManifest as unknown as { weights: { name: string; shape: number[] }[] }[]).flatMap((g) => g.weights);
    // Keras 2 names keep their cell segment (".../gru_cell/kernel"), as tensorflowjs_converter writes them; tfjs resolves both
    const short = (n: string): string => n.replace(/\/gru_cell(_\d+)?\//, '/');
    expect(manifest.map((w) => `${short(w.name)}[${w.shape.join(',')}]`)).toEqual(expect.arrayContaining([
      'bidirectional/forward_gru/bias[2,12]', 'bidirectional/backward_gru/kernel[3,12]', 'gru_1/kernel[8,9]', 'gru_1/recurrent_kernel[3,9]', 'gru_1/bias[2,9]',
    ]));
    const model = await loadResult(r);
    const x = input(13);
    const [got] = await run(model, x);
    const want = referenceModel(x, rec);
    const d = maxAbsDiff(got as number[], want);
    deviations[file] = d;
    expect(d).toBeLessThanOrEqual(TOL);
    model.dispose();
  });

  it('refuses stateful=True with a precise message', async () => {
    const { translateModelConfig } = await import('../../../src/converter/keras/config');
    const cfg = JSON.parse(JSON.stringify(GRU_K2_CONFIG)) as typeof GRU_K2_CONFIG;
    (cfg.config.layers[2] as { config: Record<string, unknown> }).config.stateful = true;
    const { problems } = translateModelConfig(cfg, '2.9.0');
    expect(problems.map((p) => `${p.layer} (${p.className}): ${p.reason}`)).toEqual(['gru_1 (GRU): stateful=True GRU with reset_after=True is not supported (TensorLensGRU runs stateless only)']);
  });

  it('GRU reset_after=False stays the native tfjs GRU', async () => {
    const { translateModelConfig } = await import('../../../src/converter/keras/config');
    const cfg = JSON.parse(JSON.stringify(GRU_K2_CONFIG)) as typeof GRU_K2_CONFIG;
    (cfg.config.layers[2] as { config: Record<string, unknown> }).config.reset_after = false;
    const t = translateModelConfig(cfg, '2.9.0');
    expect((t.config.config as { layers: { class_name: string }[] }).layers.map((l) => l.class_name)).toEqual(['InputLayer', 'Bidirectional', 'GRU', 'Dense']);
    expect(t.resetAfterGrus).toEqual(['gru']);
  });

  const corpusFile = path.join(CORPUS_DIR, 'brp-keras3-gru-and-conv1d', 'GRUModel.keras');
  (fs.existsSync(corpusFile) ? it : it.skip)('corpus brp-keras3-gru-and-conv1d/GRUModel.keras (Keras 3.1, GRU(50, relu) reset_after) converts and predicts', async () => {
    const r = await convertKeras(fs.readFileSync(corpusFile), { inputPath: corpusFile });
    expect(r.report.validated).toBe(true);
    expect(r.report.outputShapes).toEqual([[1, 3]]);
    const model = await loadResult(r);
    const xs = tf.tensor3d(Array.from(seeded(17, 4 * 5, 2)), [4, 1, 5]);
    const y = model.predict(xs) as tf.Tensor;
    expect(y.shape).toEqual([4, 3]);
    const v = Array.from(await y.data());
    expect(v.every(Number.isFinite)).toBe(true);
    for (let i = 0; i < 4; i++) expect(v.slice(3 * i, 3 * i + 3).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5); // softmax rows
    tf.dispose([xs, y]);
    model.dispose();
  });
});

// ---------------------------------------------------------------- CuDNNGRU
describe('converter: Keras 2 CuDNNGRU → TensorLensGRU', () => {
  jest.setTimeout(60_000);

  /** float64 loop of what cuDNN computes with the stored arrays (W·x per gate, reset_after, tanh/sigmoid) */
  function cudnnGru(x: number[][][], layer: string, dir: string, inputDim: number, units: number, goBackwards: boolean): number[][][] {
    const get = (suffix: string): Float32Array => {
      const hit = CUDNN_GRU_WEIGHTS.find((w) => w.layer === layer && w.k2name.endsWith(`${dir}${suffix}`));
      if (!hit) throw new Error(`no fixture weight ${layer} ${dir}${suffix}`);
      return hit.values;
    };
    const W = cudnnGateMatrices(get('kernel'), inputDim, units, 3);
    const R = cudnnGateMatrices(get('recurrent_kernel'), units, units, 3);
    const bias = get('bias');
    const sig = (v: number): number => 1 / (1 + Math.exp(-v));
    const dot = (m: number[], v: number[]): number => m.reduce((a, mv, i) => a + mv * (v[i] as number), 0);
    return x.map((sample) => {
      let h = new Array<number>(units).fill(0);
      const seq: number[][] = [];
      for (let s = 0; s < sample.length; s++) {
        const xt = sample[goBackwards ? sample.length - 1 - s : s] as number[];
        const gate = (g: number, k: number): [number, number] => [
          dot((W[g] as number[][])[k] as number[], xt) + (bias[g * units + k] as number),
          dot((R[g] as number[][])[k] as number[], h) + (bias[3 * units + g * units + k] as number),
        ];
        h = h.map((hk, k) => {
          const [zx, zh] = gate(0, k);
          const [rx, rh] = gate(1, k);
          const [nx, nh] = gate(2, k);
          const z = sig(zx + zh);
          const r = sig(rx + rh);
          return z * hk + (1 - z) * Math.tanh(nx + r * nh);
        });
        seq.push([...h]);
      }
      return seq;
    });
  }

  it('converts (Bidirectional(CuDNNGRU) + CuDNNGRU go_backwards) and predicts like cuDNN', async () => {
    const r = await convertKeras(fixture(CUDNN_GRU_FIXTURE), { inputPath: CUDNN_GRU_FIXTURE });
    expect(r.report.validated).toBe(true);
    expect(r.report.outputShapes).toEqual([[1, GRU_OUT]]);
    const topo = JSON.stringify(r.modelJson.modelTopology);
    expect(topo).not.toMatch(/CuDNNGRU/);
    expect(topo.match(/"class_name":"TensorLensGRU"/g)).toHaveLength(2);
    const manifest = (r.modelJson.weightsManifest as unknown as { weights: { name: string; shape: number[] }[] }[]).flatMap((g) => g.weights);
    expect(manifest.map((w) => `${w.name}[${w.shape.join(',')}]`)).toEqual(expect.arrayContaining([
      'bidirectional_1/forward_cu_dnngru_1/bias[2,12]', 'bidirectional_1/backward_cu_dnngru_1/kernel[3,12]', 'cu_dnngru_2/kernel[8,9]', 'cu_dnngru_2/recurrent_kernel[3,9]', 'cu_dnngru_2/bias[2,9]',
    ]));
    const model = await loadResult(r);
    const x = input(21);
    const [got] = await run(model, x);
    const fw = cudnnGru(x, 'bidirectional_1', 'forward_cu_dnngru_1/', GRU_D, GRU_U1, false);
    const bw = cudnnGru(x, 'bidirectional_1', 'backward_cu_dnngru_1/', GRU_D, GRU_U1, true).map((seq) => [...seq].reverse());
    const mid = fw.map((seq, b) => seq.map((f, t) => [...f, ...((bw[b] as number[][])[t] as number[])]));
    const last = cudnnGru(mid, 'cu_dnngru_2', 'cu_dnngru_2/', 2 * GRU_U1, GRU_U2, true).map((seq) => seq[seq.length - 1] as number[]);
    const k = (CUDNN_GRU_WEIGHTS.find((w) => w.k2name === 'dense_1/kernel') as { values: Float32Array }).values;
    const bd = (CUDNN_GRU_WEIGHTS.find((w) => w.k2name === 'dense_1/bias') as { values: Float32Array }).values;
    const want = last.flatMap((row) => Array.from({ length: GRU_OUT }, (_, j) => row.reduce((a, v, i) => a + v * (k[i * GRU_OUT + j] as number), bd[j] as number)));
    const d = maxAbsDiff(got as number[], want);
    deviations[CUDNN_GRU_FIXTURE] = d;
    expect(d).toBeLessThanOrEqual(TOL);
    model.dispose();
  });

  it('refuses stateful=True CuDNNGRU precisely', async () => {
    const { translateModelConfig } = await import('../../../src/converter/keras/config');
    const { CUDNN_GRU_CONFIG } = await import('../../fixtures/keras/gru-spec');
    const cfg = JSON.parse(JSON.stringify(CUDNN_GRU_CONFIG)) as typeof CUDNN_GRU_CONFIG;
    (cfg.config.layers[1] as { config: Record<string, unknown> }).config.stateful = true;
    const { problems } = translateModelConfig(cfg, '2.2.4');
    expect(problems.map((p) => `${p.layer} (${p.className}): ${p.reason}`)).toEqual(['cu_dnngru_2 (CuDNNGRU): stateful=True CuDNNGRU is not supported (TensorLensGRU runs stateless only)']);
  });
});

afterAll(() => {
  if (process.env.GRU_DEVIATIONS) console.log(JSON.stringify(deviations));
});
