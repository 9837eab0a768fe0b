/** The TF.js preprocessing path (src/model/preprocess.ts) in Node: resize maths, fit, compositing, normalisation. */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { axisTaps, preprocessImage, type Rgba } from '../../../src/model/preprocess';
import type { ImagePreprocessing } from '../../../src/shared/metadata';

beforeAll(async () => {
  jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  await tf.setBackend('cpu');
});

/** Deterministic pseudo-random opaque (or not) RGBA. */
function noise(width: number, height: number, opaque = true, seed = 7): Rgba {
  let s = seed;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = opaque && i % 4 === 3 ? 255 : (s >>> 16) & 0xff;
  }
  return { data, width, height };
}

const pre = (over: Partial<ImagePreprocessing>): ImagePreprocessing => ({
  inputSize: [8, 8],
  channels: 3,
  scale: 1,
  offset: 0,
  resizeMethod: 'bilinear',
  fit: 'stretch',
  background: [255, 255, 255],
  ...over,
});

const rgbOf = (px: Rgba): tf.Tensor4D =>
  tf.tidy(() => tf.slice(tf.cast(tf.tensor4d(Int32Array.from(px.data), [1, px.height, px.width, 4], 'int32'), 'float32'), [0, 0, 0, 0], [-1, -1, -1, 3]));

async function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.max(tf.abs(tf.sub(a, b)));
  const v = (await d.data())[0] as number;
  tf.dispose([a, b, d]);
  return v;
}

describe('resize equals TF.js own kernels on opaque images', () => {
  const sizes: [number, number, number, number][] = [
    [37, 53, 8, 8], // downscale, odd
    [5, 3, 12, 7], // upscale
    [224, 224, 224, 224], // identity
    [300, 100, 20, 30],
    [1, 9, 4, 4],
  ];
  test.each(sizes)('%i×%i → %i×%i', async (h, w, oh, ow) => {
    const px = noise(w, h);
    const mk = (m: ImagePreprocessing['resizeMethod']): tf.Tensor4D => preprocessImage(px, pre({ inputSize: [oh, ow], resizeMethod: m }));
    const x = rgbOf(px);
    expect(await maxAbsDiff(mk('bilinear'), tf.image.resizeBilinear(x, [oh, ow], false, true))).toBeLessThan(1e-3);
    expect(await maxAbsDiff(mk('bilinear-align-corners'), tf.image.resizeBilinear(x, [oh, ow], true, false))).toBeLessThan(1e-3);
    expect(await maxAbsDiff(mk('nearest'), tf.image.resizeNearestNeighbor(x, [oh, ow], false, true))).toBeLessThan(1e-3);
    x.dispose();
  });
});

/** Area averaging by brute force: integrate the box [o·s, (o+1)·s) per axis in float64. */
function areaReference(px: Rgba, oh: number, ow: number): Float64Array {
  const out = new Float64Array(oh * ow * 3);
  const sy = px.height / oh;
  const sx = px.width / ow;
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++)
      for (let y = Math.floor(oy * sy); y < Math.ceil((oy + 1) * sy); y++)
        for (let x = Math.floor(ox * sx); x < Math.ceil((ox + 1) * sx); x++) {
          const wy = Math.min(y + 1, (oy + 1) * sy) - Math.max(y, oy * sy);
          const wx = Math.min(x + 1, (ox + 1) * sx) - Math.max(x, ox * sx);
          for (let c = 0; c < 3; c++) out[(oy * ow + ox) * 3 + c]! += ((px.data[(y * px.width + x) * 4 + c] as number) * wy * wx) / (sy * sx);
        }
  return out;
}

test.each([
  [40, 60, 8, 8],
  [50, 30, 7, 9],
  [6, 4, 9, 10],
])('area %i×%i → %i×%i is the true area average', async (h, w, oh, ow) => {
  const px = noise(w, h);
  const t = preprocessImage(px, pre({ inputSize: [oh, ow], resizeMethod: 'area' }));
  const got = await t.data();
  t.dispose();
  const want = areaReference(px, oh, ow);
  expect(Math.max(...Array.from(got, (v, i) => Math.abs(v - (want[i] as number))))).toBeLessThan(1e-3);
});

test('integer-factor area equals a 2×2 average pool', async () => {
  const px = noise(16, 12);
  const got = preprocessImage(px, pre({ inputSize: [6, 8], resizeMethod: 'area' }));
  const x = rgbOf(px);
  expect(await maxAbsDiff(got, tf.avgPool(x, 2, 2, 'valid'))).toBeLessThan(1e-3);
  x.dispose();
});

describe('transparency is composited onto the metadata background', () => {
  const px: Rgba = { data: new Uint8ClampedArray([0, 0, 0, 0, 10, 20, 30, 255, 200, 100, 0, 128, 0, 0, 0, 0]), width: 2, height: 2 };
  test('white by default, any colour when stated', async () => {
    const white = await preprocessImage(px, pre({ inputSize: [2, 2] })).data();
    expect(Array.from(white.slice(0, 3))).toEqual([255, 255, 255]);
    expect(Array.from(white.slice(3, 6))).toEqual([10, 20, 30]);
    const a = 128 / 255;
    Array.from(white.slice(6, 9)).forEach((v, i) => expect(v).toBeCloseTo([200, 100, 0][i]! * a + 255 * (1 - a), 3));
    const grey = await preprocessImage(px, pre({ inputSize: [2, 2], background: [128, 64, 0] })).data();
    expect(Array.from(grey.slice(9, 12))).toEqual([128, 64, 0]);
  });
  test('four different dark drawings on transparency no longer give one identical input', async () => {
    const inputs = await Promise.all(
      [1, 2, 3, 4].map(async (seed) => {
        const d = noise(20, 20, false, seed);
        for (let i = 0; i < d.data.length; i += 4) {
          d.data[i] = d.data[i + 1] = d.data[i + 2] = 0; // black ink
          d.data[i + 3] = (d.data[i + 3] as number) > 128 ? 255 : 0; // drawn or transparent
        }
        const t = preprocessImage(d, pre({ inputSize: [8, 8] }));
        const v = await t.data();
        t.dispose();
        return v.join(',');
      }),
    );
    expect(new Set(inputs).size).toBe(4);
  });
});

describe('fit', () => {
  test('letterbox keeps the aspect and pads with the background', async () => {
    const px = noise(30, 10);
    const t = preprocessImage(px, pre({ inputSize: [12, 12], fit: 'letterbox', background: [1, 2, 3] }));
    const v = await t.data();
    t.dispose();
    expect(Array.from(v.slice(0, 3))).toEqual([1, 2, 3]); // top padding
    expect(Array.from(v.slice(v.length - 3))).toEqual([1, 2, 3]); // bottom padding
  });
  test('center-crop of a wide image ignores its sides', async () => {
    const px = noise(30, 10);
    // paint the outer columns red: the crop (columns 10..19) must not see them
    for (let y = 0; y < 10; y++) for (const x of [0, 1, 2, 27, 28, 29]) px.data.set([255, 0, 0, 255], (y * 30 + x) * 4);
    const a = await preprocessImage(px, pre({ inputSize: [5, 5], fit: 'center-crop' })).data();
    const clean = noise(30, 10);
    const b = await preprocessImage(clean, pre({ inputSize: [5, 5], fit: 'center-crop' })).data();
    expect(Array.from(a)).toEqual(Array.from(b));
  });
});

test('colour order, grayscale, scale/offset, mean/std', async () => {
  const px: Rgba = { data: new Uint8ClampedArray([30, 60, 90, 255]), width: 1, height: 1 };
  expect(Array.from(await preprocessImage(px, pre({ inputSize: [1, 1], colorOrder: 'bgr' })).data())).toEqual([90, 60, 30]);
  const g = await preprocessImage(px, pre({ inputSize: [1, 1], channels: 1, mean: [10], std: [2] })).data();
  expect(g[0]).toBeCloseTo((0.299 * 30 + 0.587 * 60 + 0.114 * 90 - 10) / 2, 4);
  const n = await preprocessImage(px, pre({ inputSize: [1, 1], scale: 1 / 127.5, offset: -1, mean: [0, 0.1, 0], std: [1, 1, 2] })).data();
  expect(n[0]).toBeCloseTo(30 / 127.5 - 1, 5);
  expect(n[1]).toBeCloseTo(60 / 127.5 - 1 - 0.1, 5);
  expect(n[2]).toBeCloseTo((90 / 127.5 - 1) / 2, 5);
});

test('no tensor survives a call', () => {
  const before = tf.memory().numTensors;
  for (const m of ['bilinear', 'bilinear-align-corners', 'nearest', 'area'] as const)
    for (const fit of ['stretch', 'center-crop', 'letterbox'] as const) preprocessImage(noise(33, 21, false), pre({ resizeMethod: m, fit })).dispose();
  expect(tf.memory().numTensors).toBe(before);
});

test('axisTaps weights sum to 1 for every method', () => {
  for (const m of ['bilinear', 'bilinear-align-corners', 'nearest', 'area'] as const)
    for (const [n, o] of [[4000, 224], [50, 224], [224, 224], [3, 1]] as const) {
      const t = axisTaps(n, o, m);
      for (let i = 0; i < o; i++) expect(t.weight.reduce((s, w) => s + (w[i] as number), 0)).toBeCloseTo(1, 5);
    }
});

test('a 4000×3000 photo never becomes a full-size tensor (time logged)', async () => {
  const px = noise(4000, 3000);
  for (const m of ['bilinear-align-corners', 'area'] as const) {
    const t0 = performance.now();
    const info = await tf.profile(() => preprocessImage(px, pre({ inputSize: [224, 224], resizeMethod: m })));
    const ms = performance.now() - t0;
    tf.dispose(info.result);
    // The whole image as one float32 RGBA tensor would be 192 MB; only the 224×224 result is one.
    expect(info.peakBytes).toBeLessThan(10e6);
    // eslint-disable-next-line no-console -- the measurement is quoted in docs/preprocessing.md
    console.log(`4000×3000 → 224×224 ${m}: ${ms.toFixed(0)} ms, peak ${(info.peakBytes / 1e6).toFixed(1)} MB of tensors (tfjs cpu backend, Node)`);
  }
});
