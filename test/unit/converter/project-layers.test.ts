/**
 * TensorLensConv2DTranspose (output_padding), TensorLensResizing (half-pixel bilinear/nearest
 * anywhere in a model) and BatchNormalization on rank-5 inputs, each against a float64
 * reference written here with explicit loops, and reached through translated Keras configs.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import type * as tfl from '@tensorflow/tfjs-layers';
import { translateModelConfig, type JsonObj } from '../../../src/converter/keras/config';
import { buildModel } from '../../../src/converter/tfjs-host';
import { deconvLength } from '../../../src/model/layers/conv-transpose';
import { maxAbsDiff, seeded } from './gru-reference';

const TOL = 1e-5;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function seq(layers: JsonObj[], inputShape: (number | null)[]): JsonObj {
  return { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'InputLayer', config: { name: 'in', batch_input_shape: inputShape, dtype: 'float32' } }, ...layers] } };
}

async function run(model: tfl.LayersModel, x: Float32Array, shape: number[]): Promise<Float32Array> {
  const xt = tf.tensor(x, shape);
  const y = model.predict(xt) as tf.Tensor;
  const v = Float32Array.from(await y.data());
  tf.dispose([xt, y]);
  return v;
}

/**
 * Keras Conv2DTranspose as the gradient of a forward convolution: every input pixel scatters
 * kernel·x into the output at (i·s + a − pad), with Keras's output size and TF's 'same' padding
 * (pad_before = ⌊max(0, (in−1)·s + k − out)/2⌋).
 */
function refConvTranspose(x: Float32Array, [n, h, w, c]: number[], k: Float32Array, [kh, kw, f]: number[], s: [number, number], padding: 'same' | 'valid', op: [number, number] | null, bias: Float32Array): { y: Float64Array; shape: number[] } {
  const oh = deconvLength(h as number, kh as number, padding, op ? op[0] : null, s[0]);
  const ow = deconvLength(w as number, kw as number, padding, op ? op[1] : null, s[1]);
  const padTop = padding === 'same' ? Math.floor(Math.max(0, (h as number - 1) * s[0] + (kh as number) - oh) / 2) : 0;
  const padLeft = padding === 'same' ? Math.floor(Math.max(0, (w as number - 1) * s[1] + (kw as number) - ow) / 2) : 0;
  const y = new Float64Array((n as number) * oh * ow * (f as number));
  for (let b = 0; b < (n as number); b++)
    for (let i = 0; i < (h as number); i++)
      for (let j = 0; j < (w as number); j++)
        for (let a = 0; a < (kh as number); a++)
          for (let e = 0; e < (kw as number); e++) {
            const oi = i * s[0] + a - padTop;
            const oj = j * s[1] + e - padLeft;
            if (oi < 0 || oi >= oh || oj < 0 || oj >= ow) continue;
            for (let o = 0; o < (f as number); o++) {
              let acc = 0;
              for (let ci = 0; ci < (c as number); ci++) acc += (x[((b * (h as number) + i) * (w as number) + j) * (c as number) + ci] as number) * (k[((a * (kw as number) + e) * (f as number) + o) * (c as number) + ci] as number);
              y[((b * oh + oi) * ow + oj) * (f as number) + o] = (y[((b * oh + oi) * ow + oj) * (f as number) + o] as number) + acc;
            }
          }
  for (let p = 0; p < y.length; p++) y[p] = (y[p] as number) + (bias[p % (f as number)] as number);
  return { y, shape: [n as number, oh, ow, f as number] };
}

describe('Conv2DTranspose output_padding → TensorLensConv2DTranspose vs float64 reference', () => {
  const cases: { name: string; hw: [number, number]; k: [number, number]; s: [number, number]; padding: 'same' | 'valid'; op: [number, number] | null; want: [number, number] }[] = [
    { name: "'same', stride 2, kernel 3, output_padding (0, 0): 48 → 95 (tfjs alone gives 96)", hw: [48, 48], k: [3, 3], s: [2, 2], padding: 'same', op: [0, 0], want: [95, 95] },
    { name: "'same', stride 2, kernel 3, output_padding (1, 1)", hw: [5, 6], k: [3, 3], s: [2, 2], padding: 'same', op: [1, 1], want: [10, 12] },
    { name: "'valid', stride (3, 2), kernel (4, 3), output_padding (2, 1)", hw: [4, 5], k: [4, 3], s: [3, 2], padding: 'valid', op: [2, 1], want: [15, 12] },
    { name: "'same', stride 2, kernel 4, output_padding (1, 1)", hw: [5, 5], k: [4, 4], s: [2, 2], padding: 'same', op: [1, 1], want: [9, 9] },
  ];
  it.each(cases)('$name', async (c) => {
    const [C, F] = [3, 2];
    const cfg = seq([{ class_name: 'Conv2DTranspose', config: { name: 'up', filters: F, kernel_size: c.k, strides: c.s, padding: c.padding, output_padding: c.op, data_format: 'channels_last', dilation_rate: [1, 1], activation: 'linear', use_bias: true } }], [null, ...c.hw, C]);
    const t = translateModelConfig(cfg, '2.15.0');
    expect(t.problems).toEqual([]);
    const model = await buildModel(t.config);
    expect(model.getLayer('up').getClassName()).toBe('TensorLensConv2DTranspose');
    expect(model.outputs[0]?.shape).toEqual([null, ...c.want, F]);
    const k = seeded(3, c.k[0] * c.k[1] * F * C, 0.7);
    const bias = seeded(4, F, 0.3);
    model.setWeights([tf.tensor(k, [...c.k, F, C]), tf.tensor1d(bias)]);
    const xShape = [2, ...c.hw, C];
    const x = seeded(5, xShape.reduce((a, b) => a * b, 1), 1);
    const got = await run(model, x, xShape);
    const ref = refConvTranspose(x, xShape, k, [...c.k, F], c.s, c.padding, c.op, bias);
    expect(ref.shape.slice(1, 3)).toEqual(c.want);
    expect(maxAbsDiff(got, ref.y)).toBeLessThanOrEqual(TOL);
    model.dispose();
  });

  it('Conv3DTranspose with output_padding and dilated transposed convolutions are refused by name', () => {
    const t = translateModelConfig(
      seq(
        [
          { class_name: 'Conv3DTranspose', config: { name: 'up3', filters: 2, kernel_size: [3, 3, 3], strides: [2, 2, 2], padding: 'same', output_padding: [1, 1, 1], dilation_rate: [1, 1, 1] } },
          { class_name: 'Conv2DTranspose', config: { name: 'dil', filters: 2, kernel_size: [3, 3], strides: [1, 1], padding: 'same', output_padding: null, dilation_rate: [2, 2] } },
        ],
        [null, 4, 4, 4, 1],
      ),
      '2.15.0',
    );
    expect(t.problems.map((p) => `${p.layer} ${p.className}: ${p.reason}`)).toEqual([
      expect.stringMatching(/^up3 Conv3DTranspose: output_padding=\[1,1,1\] is ignored by TF\.js/),
      expect.stringMatching(/^dil Conv2DTranspose: dilation_rate=\[2,2\]/),
    ]);
  });
});

/** tf.image.resize (half_pixel_centers, no antialias) for one [h, w, c] image, float64 */
function refResize(x: Float32Array, [n, h, w, c]: number[], [oh, ow]: [number, number], method: 'bilinear' | 'nearest'): Float64Array {
  const y = new Float64Array((n as number) * oh * ow * (c as number));
  const sy = (h as number) / oh;
  const sx = (w as number) / ow;
  const at = (b: number, i: number, j: number, ch: number): number => x[((b * (h as number) + i) * (w as number) + j) * (c as number) + ch] as number;
  for (let b = 0; b < (n as number); b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let ch = 0; ch < (c as number); ch++) {
          let v: number;
          if (method === 'nearest') {
            const yi = Math.min(Math.floor((i + 0.5) * sy), (h as number) - 1);
            const xj = Math.min(Math.floor((j + 0.5) * sx), (w as number) - 1);
            v = at(b, yi, xj, ch);
          } else {
            const fy = (i + 0.5) * sy - 0.5;
            const fx = (j + 0.5) * sx - 0.5;
            const y0 = Math.max(Math.floor(fy), 0);
            const y1 = Math.min(Math.ceil(fy), (h as number) - 1);
            const x0 = Math.max(Math.floor(fx), 0);
            const x1 = Math.min(Math.ceil(fx), (w as number) - 1);
            const ly = fy - Math.floor(fy);
            const lx = fx - Math.floor(fx);
            const top = at(b, y0, x0, ch) + (at(b, y0, x1, ch) - at(b, y0, x0, ch)) * lx;
            const bot = at(b, y1, x0, ch) + (at(b, y1, x1, ch) - at(b, y1, x0, ch)) * lx;
            v = top + (bot - top) * ly;
          }
          y[((b * oh + i) * ow + j) * (c as number) + ch] = v;
        }
  return y;
}

describe('Resizing inside a model → TensorLensResizing vs float64 tf.image.resize reference', () => {
  const cases: { name: string; hw: [number, number]; out: [number, number]; method: 'bilinear' | 'nearest' }[] = [
    { name: 'bilinear up 5×7 → 11×9', hw: [5, 7], out: [11, 9], method: 'bilinear' },
    { name: 'bilinear down 12×10 → 5×4', hw: [12, 10], out: [5, 4], method: 'bilinear' },
    { name: 'nearest up 4×6 → 9×13', hw: [4, 6], out: [9, 13], method: 'nearest' },
    { name: 'nearest down 9×9 → 4×5', hw: [9, 9], out: [4, 5], method: 'nearest' },
    { name: 'same size (identity) 8×8', hw: [8, 8], out: [8, 8], method: 'bilinear' },
  ];
  it.each(cases)('$name (after a Rescaling, so not folded into the input)', async (c) => {
    const cfg = seq(
      [
        { class_name: 'Rescaling', config: { name: 'scale', scale: 1, offset: 0 } },
        { class_name: 'Resizing', config: { name: 'resize', height: c.out[0], width: c.out[1], interpolation: c.method, crop_to_aspect_ratio: false, pad_to_aspect_ratio: false, data_format: 'channels_last' } },
      ],
      [null, ...c.hw, 2],
    );
    const t = translateModelConfig(cfg, '3.8.0');
    expect(t.problems).toEqual([]);
    const model = await buildModel(t.config);
    expect(model.outputs[0]?.shape).toEqual([null, ...c.out, 2]);
    const xShape = [2, ...c.hw, 2];
    const x = seeded(7, xShape.reduce((a, b) => a * b, 1), 1);
    const got = await run(model, x, xShape);
    const ref = refResize(x, xShape, c.out, c.method);
    expect(maxAbsDiff(got, ref)).toBeLessThanOrEqual(TOL);
    if (c.hw[0] === c.out[0] && c.hw[1] === c.out[1]) expect(maxAbsDiff(got, x)).toBe(0);
    model.dispose();
  });

  it('UpSampling2D(interpolation="bilinear") resizes like tf.image.resize (tfjs-layers\' own does not)', async () => {
    const cfg = seq([{ class_name: 'UpSampling2D', config: { name: 'up', size: [2, 3], interpolation: 'bilinear', data_format: 'channels_last' } }], [null, 4, 5, 2]);
    const t = translateModelConfig(cfg, '2.15.0');
    expect(t.problems).toEqual([]);
    const model = await buildModel(t.config);
    expect(model.getLayer('up').getClassName()).toBe('TensorLensResizing');
    expect(model.outputs[0]?.shape).toEqual([null, 8, 15, 2]);
    const xShape = [2, 4, 5, 2];
    const x = seeded(8, xShape.reduce((a, b) => a * b, 1), 1);
    expect(maxAbsDiff(await run(model, x, xShape), refResize(x, xShape, [8, 15], 'bilinear'))).toBeLessThanOrEqual(TOL);
    model.dispose();
  });

  it('a Resizing that crops to the aspect ratio inside the model, or resizes bicubic, is refused by name', () => {
    const t = translateModelConfig(
      seq(
        [
          { class_name: 'Rescaling', config: { name: 'scale', scale: 1, offset: 0 } },
          { class_name: 'Resizing', config: { name: 'crop', height: 4, width: 4, interpolation: 'bilinear', crop_to_aspect_ratio: true } },
          { class_name: 'Resizing', config: { name: 'cubic', height: 4, width: 4, interpolation: 'bicubic' } },
        ],
        [null, 8, 6, 3],
      ),
      '3.8.0',
    );
    expect(t.problems.map((p) => `${p.layer}: ${p.reason}`)).toEqual([expect.stringMatching(/^crop: Resizing with crop_to_aspect_ratio=True/), expect.stringMatching(/^cubic: Resizing with interpolation "bicubic"/)]);
  });
});

describe('BatchNormalization on rank-5 inputs vs float64 reference', () => {
  it.each([[-1], [2]])('axis %d (ConvLSTM2D-style [batch, time, h, w, c] input)', async (axis) => {
    const shape = [2, 3, 4, 5, 6];
    const a = axis < 0 ? axis + 5 : axis;
    const n = shape[a] as number;
    const cfg = seq([{ class_name: 'BatchNormalization', config: { name: 'bn', axis, epsilon: 0.001, center: true, scale: true, momentum: 0.99 } }], [null, ...shape.slice(1)]);
    const t = translateModelConfig(cfg, '2.13.0');
    expect(t.problems).toEqual([]);
    const model = await buildModel(t.config);
    const [gamma, beta, mean] = [seeded(1, n, 1), seeded(2, n, 1), seeded(3, n, 1)];
    const variance = seeded(4, n, 1).map((v) => v * v + 0.1);
    model.setWeights([gamma, beta, mean, variance].map((v) => tf.tensor1d(v)));
    const x = seeded(9, shape.reduce((p, q) => p * q, 1), 2);
    const got = await run(model, x, shape);
    const strides = shape.map((_, i) => shape.slice(i + 1).reduce((p, q) => p * q, 1));
    const ref = Float64Array.from(x, (v, i) => {
      const ch = Math.floor(i / (strides[a] as number)) % n;
      return ((v - (mean[ch] as number)) / Math.sqrt((variance[ch] as number) + 0.001)) * (gamma[ch] as number) + (beta[ch] as number);
    });
    expect(maxAbsDiff(got, ref)).toBeLessThanOrEqual(TOL);
    model.dispose();
  });
});
