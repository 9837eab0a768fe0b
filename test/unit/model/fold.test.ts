/**
 * The load-time conv + BatchNormalization + ReLU fusion (src/model/fold.ts) in Node (wasm and cpu backends):
 * the packaged MobileNetV2 gives the same outputs fused and unfused on real images, and small
 * models show each pattern it rewrites and each it must leave alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tfl from '@tensorflow/tfjs-layers';
import { foldingHandler, foldLayersModel, type FoldStats } from '../../../src/model/fold';
import { registerTensorLensLayers } from '../../../src/model/layers';
import { preprocessImage } from '../../../src/model/preprocess';
import { parseMetadata, type ImagePreprocessing } from '../../../src/shared/metadata';
import { decodeReference } from '../../fixtures/image-reference';
import { IMAGE_FIXTURE_DIR, makeImageFixtures } from '../../../scripts/make-image-fixtures';
import { floatToHalf } from '../../../src/converter/weights';

jest.setTimeout(300_000);

beforeAll(async () => {
  // tfjs suggests installing tfjs-node; the cpu backend is what we want to test here.
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  registerTensorLensLayers();
  await tf.setBackend('cpu');
});

type Artifacts = tf.io.ModelArtifacts;
interface LayerJson {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
}

function layersOf(a: Artifacts): LayerJson[] {
  const t = a.modelTopology as { model_config?: { config: { layers: LayerJson[] } | LayerJson[] }; config?: { layers: LayerJson[] } };
  const cfg = (t.model_config ?? t).config as { layers: LayerJson[] } | LayerJson[];
  return Array.isArray(cfg) ? cfg : cfg.layers;
}

const classes = (a: Artifacts): string[] => layersOf(a).map((l) => l.class_name);

async function artifactsOf(model: tfl.LayersModel): Promise<Artifacts> {
  let saved: Artifacts | null = null;
  await model.save(
    tf.io.withSaveHandler((a) => {
      saved = a;
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
    }),
  );
  return saved as unknown as Artifacts;
}

/** Random weights everywhere (nested models too; BatchNormalization variances positive), so folding is not trivial. */
function randomize(model: tfl.LayersModel, seed: number): void {
  const ws = model.weights.map((w, i) => {
    const shape = w.shape as number[]; // weights have no unknown dimensions
    return w.originalName.endsWith('moving_variance') ? tf.randomUniform(shape, 0.2, 2, 'float32', seed + i) : tf.randomNormal(shape, 0, 0.5, 'float32', seed + i);
  });
  model.setWeights(ws);
  tf.dispose(ws);
}

async function predict(a: Artifacts, x: tf.Tensor): Promise<Float32Array> {
  const m = await tfl.loadLayersModel(tf.io.fromMemory(a));
  try {
    const out = m.predict(x);
    const ys = Array.isArray(out) ? out : [out];
    const v = (await Promise.all(ys.map((y) => y.data() as Promise<Float32Array>))).flatMap((d) => Array.from(d));
    tf.dispose(ys);
    return Float32Array.from(v);
  } finally {
    m.dispose();
  }
}

function maxAbs(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

/** Folds `model`'s artifacts, checks outputs agree on a random input, returns the stats and artifacts. */
async function foldAndCompare(model: tfl.LayersModel, inputShape: number[], tol = 1e-5): Promise<{ stats: FoldStats; folded: Artifacts }> {
  randomize(model, 7);
  const original = await artifactsOf(model);
  model.dispose();
  const before = JSON.stringify(original.modelTopology);
  const { artifacts: folded, stats } = foldLayersModel(original);
  expect(JSON.stringify(original.modelTopology)).toBe(before); // the input is left as it was
  const x = tf.randomUniform([1, ...inputShape], -1, 2, 'float32', 3);
  const [a, b] = [await predict(original, x), await predict(folded, x)];
  x.dispose();
  expect(maxAbs(a, b)).toBeLessThan(tol);
  return { stats, folded };
}

const L = tfl.layers;

describe('foldLayersModel: the packaged MobileNetV2 (uint8-quantized weights), on the wasm backend the extension uses', () => {
  // wasm runs in Node too: its fused conv kernels are the ones the browsers run, and a MobileNetV2
  // prediction takes ~0.1 s there instead of seconds on tfjs-cpu
  beforeAll(async () => {
    setWasmPaths(`${path.resolve(__dirname, '../../../node_modules/@tensorflow/tfjs-backend-wasm/dist')}/`);
    expect(await tf.setBackend('wasm')).toBe(true);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });
  const dir = path.resolve(__dirname, '../../../model_web/nsfw-mobilenet-v2');
  const meta = parseMetadata(JSON.parse(fs.readFileSync(path.join(dir, 'metadata.json'), 'utf8')));

  function diskArtifacts(): Artifacts {
    const mj = JSON.parse(fs.readFileSync(path.join(dir, meta.modelFile), 'utf8')) as { modelTopology: object; weightsManifest: tf.io.WeightsManifestConfig };
    const buf = Buffer.concat(mj.weightsManifest.flatMap((g) => g.paths.map((p) => fs.readFileSync(path.join(dir, p)))));
    return { modelTopology: mj.modelTopology, weightSpecs: mj.weightsManifest.flatMap((g) => g.weights), weightData: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) };
  }

  it('folds all 52 BatchNormalizations and fuses the 35 ReLU6; outputs within 1e-5 on real images', async () => {
    const original = diskArtifacts();
    const { artifacts: folded, stats } = foldLayersModel(original);
    expect(stats).toEqual({ foldedBatchNorms: 52, fusedActivations: 35 });
    const c = classes(folded);
    expect(c.filter((k) => k === 'BatchNormalization' || k === 'ReLU' || k === 'Conv2D' || k === 'DepthwiseConv2D')).toEqual([]);
    expect(c.filter((k) => k.startsWith('TensorLensFused'))).toHaveLength(35 + 17);
    expect(layersOf(original)).toHaveLength(layersOf(folded).length + 52 + 35);

    const [plain, fused] = await Promise.all([
      tfl.loadLayersModel(tf.io.fromMemory(original)),
      tfl.loadLayersModel(foldingHandler(tf.io.fromMemory(original), () => undefined)),
    ]);
    expect(fused.outputNames).toEqual(plain.outputNames);
    // each BatchNormalization's 4·C parameters go; its conv gains a bias of C (MobileNetV2's convs have none)
    expect(fused.countParams()).toBe(plain.countParams() - (countBnParams(plain) * 3) / 4);
    const { images } = await makeImageFixtures(IMAGE_FIXTURE_DIR);
    const picked = images.filter((_, i) => i % 6 === 0).slice(0, 4);
    expect(picked.length).toBeGreaterThanOrEqual(4);
    let worst = 0;
    for (const img of picked) {
      const x = preprocessImage(await decodeReference(path.join(IMAGE_FIXTURE_DIR, img.file)), meta.image as ImagePreprocessing);
      const [ya, yb] = [plain.predict(x) as tf.Tensor, fused.predict(x) as tf.Tensor];
      worst = Math.max(worst, maxAbs((await ya.data()) as Float32Array, (await yb.data()) as Float32Array));
      tf.dispose([x, ya, yb]);
    }
    plain.dispose();
    fused.dispose();
    expect(worst).toBeLessThan(1e-5);
  });

  function countBnParams(m: tfl.LayersModel): number {
    return m.layers.filter((l) => l.getClassName() === 'BatchNormalization').reduce((n, l) => n + l.countParams(), 0);
  }
});

describe('foldLayersModel: each pattern it rewrites', () => {
  it('Conv2D without bias → BatchNormalization → ReLU(6)', async () => {
    const x = tfl.input({ shape: [6, 6, 3] });
    const y = L.reLU({ maxValue: 6, name: 'r' }).apply(L.batchNormalization({ name: 'bn', epsilon: 1e-3 }).apply(L.conv2d({ filters: 4, kernelSize: 3, useBias: false, name: 'c', padding: 'same' }).apply(x))) as tfl.SymbolicTensor;
    const { stats, folded } = await foldAndCompare(tfl.model({ inputs: x, outputs: y }), [6, 6, 3]);
    expect(stats).toEqual({ foldedBatchNorms: 1, fusedActivations: 1 });
    expect(layersOf(folded).map((l) => [l.class_name, l.name, l.config.activation ?? null])).toEqual([['InputLayer', expect.any(String), null], ['TensorLensFusedConv2D', 'r', 'relu6']]);
  });

  it('Conv2D with bias → BatchNormalization without gamma and beta → Activation(relu), stride 2 valid', async () => {
    const x = tfl.input({ shape: [7, 7, 2] });
    const c = L.conv2d({ filters: 3, kernelSize: 3, strides: 2, name: 'c' }).apply(x);
    const y = L.activation({ activation: 'relu', name: 'a' }).apply(L.batchNormalization({ name: 'bn', center: false, scale: false }).apply(c)) as tfl.SymbolicTensor;
    const { stats, folded } = await foldAndCompare(tfl.model({ inputs: x, outputs: y }), [7, 7, 2]);
    expect(stats).toEqual({ foldedBatchNorms: 1, fusedActivations: 1 });
    expect(folded.weightSpecs?.map((w) => w.name).sort()).toEqual(['a/bias', 'a/kernel']);
  });

  it('DepthwiseConv2D, multiplier 2, with bias → BatchNormalization → ReLU (no max)', async () => {
    const x = tfl.input({ shape: [5, 5, 3] });
    const d = L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, useBias: true, padding: 'same', name: 'd' }).apply(x);
    const y = L.reLU({ name: 'r' }).apply(L.batchNormalization({ name: 'bn' }).apply(d)) as tfl.SymbolicTensor;
    const { stats, folded } = await foldAndCompare(tfl.model({ inputs: x, outputs: y }), [5, 5, 3]);
    expect(stats).toEqual({ foldedBatchNorms: 1, fusedActivations: 1 });
    expect(classes(folded)).toEqual(['InputLayer', 'TensorLensFusedDepthwiseConv2D']);
  });

  it('Conv2D → ReLU without a BatchNormalization, and Conv2D → BatchNormalization as the model output', async () => {
    const x = tfl.input({ shape: [4, 4, 2] });
    const h = L.reLU({ name: 'r' }).apply(L.conv2d({ filters: 3, kernelSize: 1, name: 'c1' }).apply(x));
    const y = L.batchNormalization({ name: 'bn_out' }).apply(L.conv2d({ filters: 2, kernelSize: 2, name: 'c2', dilationRate: 1 }).apply(h)) as tfl.SymbolicTensor;
    const { stats, folded } = await foldAndCompare(tfl.model({ inputs: x, outputs: y }), [4, 4, 2]);
    expect(stats).toEqual({ foldedBatchNorms: 1, fusedActivations: 1 });
    expect(layersOf(folded).map((l) => [l.class_name, l.name])).toEqual([['InputLayer', expect.any(String)], ['TensorLensFusedConv2D', 'r'], ['TensorLensFusedConv2D', 'bn_out']]);
    expect((await tfl.loadLayersModel(tf.io.fromMemory(folded)).then((m) => { const n = m.outputNames; m.dispose(); return n; }))).toEqual(['bn_out']);
  });

  it('Conv2D with dilation 2 → BatchNormalization → ReLU(6)', async () => {
    const x = tfl.input({ shape: [8, 8, 2] });
    const y = L.reLU({ maxValue: 6, name: 'r' }).apply(L.batchNormalization({ name: 'bn' }).apply(L.conv2d({ filters: 3, kernelSize: 3, dilationRate: 2, name: 'c' }).apply(x))) as tfl.SymbolicTensor;
    const { stats } = await foldAndCompare(tfl.model({ inputs: x, outputs: y }), [8, 8, 2]);
    expect(stats).toEqual({ foldedBatchNorms: 1, fusedActivations: 1 });
  });

  it('a Sequential model: Conv2D → BatchNormalization → ReLU(6) → Flatten → Dense', async () => {
    const m = tfl.sequential({
      layers: [
        L.conv2d({ inputShape: [5, 5, 2], filters: 3, kernelSize: 3, useBias: false, name: 'c' }),
        L.batchNormalization({ name: 'bn' }),
        L.reLU({ maxValue: 6, name: 'r' }),
        L.flatten({ name: 'f' }),
        L.dense({ units: 2, name: 'out' }),
      ],
    });
    const { stats, folded } = await foldAndCompare(m, [5, 5, 2]);
    expect(stats).toEqual({ foldedBatchNorms: 1, fusedActivations: 1 });
    expect(classes(folded)).toEqual(['TensorLensFusedConv2D', 'Flatten', 'Dense']);
  });

  it('models nested in a Sequential (as Teachable Machine exports a MobileNetV2): folded inside', async () => {
    const x = tfl.input({ shape: [6, 6, 3] });
    const c = L.reLU({ maxValue: 6, name: 'inner_relu' }).apply(L.batchNormalization({ name: 'inner_bn' }).apply(L.conv2d({ filters: 4, kernelSize: 3, useBias: false, name: 'inner_conv' }).apply(x)));
    const backbone = tfl.model({ inputs: x, outputs: L.globalAveragePooling2d({ name: 'gap' }).apply(c) as tfl.SymbolicTensor, name: 'backbone' });
    const head = tfl.sequential({ layers: [L.dense({ inputShape: [4], units: 2, name: 'head_dense' })], name: 'head' });
    const m = tfl.sequential({ layers: [backbone, head] });
    const { stats, folded } = await foldAndCompare(m, [6, 6, 3]);
    expect(stats).toEqual({ foldedBatchNorms: 1, fusedActivations: 1 });
    const inner = layersOf(folded)[0] as unknown as { config: { layers: LayerJson[] } };
    expect(inner.config.layers.map((l) => l.class_name)).toEqual(['InputLayer', 'TensorLensFusedConv2D', 'GlobalAveragePooling2D']);
  });

  it('quantized weights (uint16 affine and float16) are dequantized as tfjs does before folding', async () => {
    const x = tfl.input({ shape: [5, 5, 3] });
    const y = L.reLU({ maxValue: 6, name: 'r' }).apply(L.batchNormalization({ name: 'bn' }).apply(L.conv2d({ filters: 4, kernelSize: 3, name: 'c' }).apply(x))) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: x, outputs: y });
    randomize(m, 13);
    const a = await artifactsOf(m);
    m.dispose();
    // re-encode: kernel and gamma as uint16 (min/scale), the rest float16
    const src = new Float32Array(a.weightData as ArrayBuffer);
    const specs: tf.io.WeightsManifestEntry[] = [];
    const parts: Uint16Array[] = [];
    let o = 0;
    for (const w of a.weightSpecs ?? []) {
      const n = w.shape.reduce((p, q) => p * q, 1);
      const v = src.subarray(o, o + n);
      o += n;
      if (w.name === 'c/kernel' || w.name === 'bn/gamma') {
        const min = Math.min(...v);
        const scale = (Math.max(...v) - min) / 65535 || 1;
        parts.push(Uint16Array.from(v, (f) => Math.round((f - min) / scale)));
        specs.push({ ...w, quantization: { dtype: 'uint16', min, scale } });
      } else {
        parts.push(Uint16Array.from(v, floatToHalf));
        specs.push({ ...w, quantization: { dtype: 'float16' } });
      }
    }
    const data = new Uint16Array(parts.reduce((p, q) => p + q.length, 0));
    parts.reduce((at, p) => (data.set(p, at), at + p.length), 0);
    const quantized: Artifacts = { ...a, weightSpecs: specs, weightData: data.buffer };
    const { artifacts: folded, stats } = foldLayersModel(quantized);
    expect(stats).toEqual({ foldedBatchNorms: 1, fusedActivations: 1 });
    const input = tf.randomUniform([1, 5, 5, 3], -1, 2, 'float32', 4);
    expect(maxAbs(await predict(quantized, input), await predict(folded, input))).toBeLessThan(1e-5);
    input.dispose();
  });
});

describe('foldLayersModel: what it leaves alone', () => {
  it('a BatchNormalization with two consumers is folded, but the ReLU after it is not fused', async () => {
    const x = tfl.input({ shape: [4, 4, 2] });
    const b = L.batchNormalization({ name: 'bn' }).apply(L.conv2d({ filters: 2, kernelSize: 1, name: 'c' }).apply(x)) as tfl.SymbolicTensor;
    const y = L.add({ name: 'sum' }).apply([L.reLU({ maxValue: 6, name: 'r' }).apply(b) as tfl.SymbolicTensor, b]) as tfl.SymbolicTensor;
    const { stats, folded } = await foldAndCompare(tfl.model({ inputs: x, outputs: y }), [4, 4, 2]);
    expect(stats).toEqual({ foldedBatchNorms: 1, fusedActivations: 0 });
    expect(classes(folded)).toEqual(['InputLayer', 'TensorLensFusedConv2D', 'ReLU', 'Add']);
  });

  it('a conv whose output has two consumers, or that is a model output, is not touched', async () => {
    const x = tfl.input({ shape: [4, 4, 2] });
    const c = L.conv2d({ filters: 2, kernelSize: 1, name: 'c' }).apply(x) as tfl.SymbolicTensor;
    const y = L.add({ name: 'sum' }).apply([L.batchNormalization({ name: 'bn' }).apply(c) as tfl.SymbolicTensor, c]) as tfl.SymbolicTensor;
    const c2 = L.conv2d({ filters: 2, kernelSize: 1, name: 'c2' }).apply(x) as tfl.SymbolicTensor;
    const y2 = L.reLU({ name: 'r2' }).apply(c2) as tfl.SymbolicTensor;
    const { stats, folded } = await foldAndCompare(tfl.model({ inputs: x, outputs: [y, y2, c2] }), [4, 4, 2]);
    expect(stats).toEqual({ foldedBatchNorms: 0, fusedActivations: 0 });
    expect(classes(folded)).toEqual(['InputLayer', 'Conv2D', 'BatchNormalization', 'Conv2D', 'Add', 'ReLU']);
  });

  it('a shared conv (called twice) is not touched', async () => {
    const x1 = tfl.input({ shape: [4, 4, 2] });
    const x2 = tfl.input({ shape: [4, 4, 2] });
    const conv = L.conv2d({ filters: 2, kernelSize: 1, name: 'shared' });
    const y1 = L.batchNormalization({ name: 'bn1' }).apply(conv.apply(x1)) as tfl.SymbolicTensor;
    const y2 = L.reLU({ name: 'r2' }).apply(conv.apply(x2)) as tfl.SymbolicTensor;
    const m = tfl.model({ inputs: [x1, x2], outputs: [y1, y2] });
    randomize(m, 5);
    const { stats } = foldLayersModel(await artifactsOf(m));
    m.dispose();
    expect(stats).toEqual({ foldedBatchNorms: 0, fusedActivations: 0 });
  });

  it('a ReLU with a threshold or a negative slope, or max_value other than 6, is not fused', async () => {
    const x = tfl.input({ shape: [4, 4, 2] });
    const c = (name: string): tfl.SymbolicTensor => L.batchNormalization({ name: `${name}_bn` }).apply(L.conv2d({ filters: 2, kernelSize: 1, name }).apply(x)) as tfl.SymbolicTensor;
    const outs = ['t', 's', 'm'].map((n) => L.reLU({ name: `${n}_relu`, maxValue: n === 'm' ? 4 : undefined }).apply(c(n)) as tfl.SymbolicTensor);
    const m = tfl.model({ inputs: x, outputs: outs });
    randomize(m, 9);
    const a = await artifactsOf(m);
    m.dispose();
    // tfjs's ReLU has no threshold or slope; Keras writes them: set them in the topology
    for (const l of layersOf(a)) {
      if (l.name === 't_relu') l.config.threshold = 0.5;
      if (l.name === 's_relu') l.config.negative_slope = 0.1;
    }
    const { stats, artifacts } = foldLayersModel(a);
    expect(stats).toEqual({ foldedBatchNorms: 3, fusedActivations: 0 });
    expect(classes(artifacts).filter((k) => k === 'ReLU')).toHaveLength(3);
  });

  it('channels_first, a conv with its own activation, a depthwise dilation, a BatchNormalization on another axis', async () => {
    const x = tfl.input({ shape: [4, 6, 6] });
    const cf = L.batchNormalization({ name: 'cf_bn', axis: 1 }).apply(L.conv2d({ filters: 2, kernelSize: 1, dataFormat: 'channelsFirst', name: 'cf' }).apply(x));
    const act = L.batchNormalization({ name: 'act_bn' }).apply(L.conv2d({ filters: 2, kernelSize: 1, activation: 'relu', name: 'act' }).apply(x));
    const dd = L.reLU({ name: 'dd_relu' }).apply(L.batchNormalization({ name: 'dd_bn' }).apply(L.depthwiseConv2d({ kernelSize: 3, dilationRate: 2, name: 'dd', padding: 'same' }).apply(x)));
    const ax = L.batchNormalization({ name: 'ax_bn', axis: 2 }).apply(L.conv2d({ filters: 6, kernelSize: 1, name: 'ax' }).apply(x));
    const m = tfl.model({ inputs: x, outputs: [cf, act, dd, ax] as tfl.SymbolicTensor[] });
    randomize(m, 11);
    const a = await artifactsOf(m);
    m.dispose();
    const { stats, artifacts } = foldLayersModel(a);
    expect(stats).toEqual({ foldedBatchNorms: 0, fusedActivations: 0 });
    expect(artifacts).toBe(a);
  });

  it('a BatchNormalization whose weights are not under its name is not folded', async () => {
    const x = tfl.input({ shape: [4, 4, 2] });
    const m = tfl.model({ inputs: x, outputs: L.batchNormalization({ name: 'bn' }).apply(L.conv2d({ filters: 2, kernelSize: 1, name: 'c' }).apply(x)) as tfl.SymbolicTensor });
    const a = await artifactsOf(m);
    m.dispose();
    const specs = (a.weightSpecs ?? []).map((w) => (w.name === 'bn/moving_mean' ? { ...w, name: 'elsewhere/moving_mean' } : w));
    expect(foldLayersModel({ ...a, weightSpecs: specs }).stats).toEqual({ foldedBatchNorms: 0, fusedActivations: 0 });
  });
});
