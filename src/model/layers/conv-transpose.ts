/**
 * `TensorLensConv2DTranspose`: keras.layers.Conv2DTranspose with `output_padding`, which
 * tfjs-layers 4.22's Conv2DTranspose ignores (it always produces the no-output_padding size, so
 * a 48×48 'same' stride-2 kernel-3 layer with output_padding (0, 0) gives 96×96 where Keras gives
 * 95×95). Keras then asks TF for the transposed convolution with output size
 *   (in − 1)·stride + kernel − 2·pad + output_padding,  pad = kernel // 2 ('same'), 0 ('valid')
 * which is exactly what tf.conv2dTranspose computes given that output shape. Weights as Keras
 * stores them: `kernel` [kh, kw, filters, in], `bias` [filters]. dilation_rate must be 1 (TF.js
 * has no dilated transposed convolution; the converter refuses it).
 *
 * Pure tfjs: no browser or Node APIs.
 */
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type Tensor = tfc.Tensor;
type ConfigDict = tfc.serialization.ConfigDict;
type ConfigValue = tfc.serialization.ConfigDictValue;
type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

export interface TensorLensConv2DTransposeArgs extends LayerArgs {
  filters: number;
  kernelSize: number | number[];
  strides?: number | number[];
  padding?: 'valid' | 'same';
  outputPadding?: number | number[] | null;
  dataFormat?: 'channelsLast' | 'channelsFirst';
  dilationRate?: number | number[];
  activation?: string;
  useBias?: boolean;
}

const pair = (v: number | number[] | null | undefined, d: number): [number, number] =>
  v === null || v === undefined ? [d, d] : Array.isArray(v) ? [v[0] ?? d, v[1] ?? v[0] ?? d] : [v, v];

/** Keras `deconv_output_length` */
export function deconvLength(input: number, kernel: number, padding: 'valid' | 'same', outputPadding: number | null, stride: number): number {
  if (outputPadding === null) return padding === 'valid' ? input * stride + Math.max(kernel - stride, 0) : input * stride;
  const pad = padding === 'same' ? Math.floor(kernel / 2) : 0;
  return (input - 1) * stride + kernel - 2 * pad + outputPadding;
}

const PASSTHROUGH = ['kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'activityRegularizer', 'kernelConstraint', 'biasConstraint', 'groups'] as const;

export class TensorLensConv2DTranspose extends tfl.layers.Layer {
  /** @nocollapse */
  static className = 'TensorLensConv2DTranspose';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly outputPadding: [number, number] | null;
  readonly dataFormat: 'channelsLast' | 'channelsFirst';
  readonly useBias: boolean;
  private readonly act: tfl.layers.Layer;
  private readonly passthrough: ConfigDict = {};
  private kernel: tfl.LayerVariable | null = null;
  private bias: tfl.LayerVariable | null = null;

  constructor(args: TensorLensConv2DTransposeArgs) {
    super(args);
    this.filters = args.filters;
    this.kernelSize = pair(args.kernelSize, 1);
    this.strides = pair(args.strides, 1);
    this.padding = args.padding ?? 'valid';
    this.outputPadding = args.outputPadding === null || args.outputPadding === undefined ? null : pair(args.outputPadding, 0);
    this.dataFormat = args.dataFormat ?? 'channelsLast';
    this.useBias = args.useBias ?? true;
    const dil = pair(args.dilationRate, 1);
    if (dil[0] !== 1 || dil[1] !== 1) throw new Error(`TensorLensConv2DTranspose "${this.name}": dilation_rate must be 1`);
    if (this.outputPadding?.some((p, i) => p >= (this.strides[i] as number)))
      throw new Error(`TensorLensConv2DTranspose "${this.name}": output_padding ${JSON.stringify(this.outputPadding)} must be smaller than the strides ${JSON.stringify(this.strides)}`);
    const act = (args.activation ?? 'linear').replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    this.act = tfl.layers.activation({ activation: act as Parameters<typeof tfl.layers.activation>[0]['activation'] });
    const a = args as unknown as Record<string, ConfigValue | undefined>;
    for (const k of PASSTHROUGH) if (a[k] !== undefined) this.passthrough[k] = a[k];
  }

  private channelAxis(rank: number): number {
    return this.dataFormat === 'channelsFirst' ? 1 : rank - 1;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    if (s.length !== 4) throw new Error(`TensorLensConv2DTranspose "${this.name}" expects rank-4 input, got rank ${s.length}`);
    const inCh = s[this.channelAxis(4)];
    if (typeof inCh !== 'number') throw new Error(`TensorLensConv2DTranspose "${this.name}": the channel dimension must be known`);
    const zeros = tfl.initializers.zeros();
    this.kernel = this.addWeight('kernel', [...this.kernelSize, this.filters, inCh], 'float32', zeros, undefined, true);
    this.bias = this.useBias ? this.addWeight('bias', [this.filters], 'float32', zeros, undefined, true) : null;
    this.built = true;
  }

  private outSize(h: number | null, w: number | null): [number | null, number | null] {
    const one = (n: number | null, i: 0 | 1): number | null =>
      n === null ? null : deconvLength(n, this.kernelSize[i], this.padding, this.outputPadding ? this.outputPadding[i] : null, this.strides[i]);
    return [one(h, 0), one(w, 1)];
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    if (this.dataFormat === 'channelsFirst') return [s[0] ?? null, this.filters, ...this.outSize(s[2] ?? null, s[3] ?? null)];
    return [s[0] ?? null, ...this.outSize(s[1] ?? null, s[2] ?? null), this.filters];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tfc.tidy(() => {
      let x = (Array.isArray(inputs) ? inputs[0] : inputs) as tfc.Tensor4D;
      if (this.dataFormat === 'channelsFirst') x = tfc.transpose(x, [0, 2, 3, 1]);
      const [oh, ow] = this.outSize(x.shape[1], x.shape[2]) as [number, number];
      let y: Tensor = tfc.conv2dTranspose(x, (this.kernel as tfl.LayerVariable).read() as tfc.Tensor4D, [x.shape[0], oh, ow, this.filters], this.strides, this.padding);
      if (this.bias) y = tfc.add(y, this.bias.read());
      y = this.act.call(y, {}) as Tensor;
      return this.dataFormat === 'channelsFirst' ? tfc.transpose(y, [0, 3, 1, 2]) : y;
    });
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(),
      ...this.passthrough,
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      outputPadding: this.outputPadding,
      dataFormat: this.dataFormat,
      dilationRate: [1, 1],
      activation: this.act.getConfig().activation ?? null,
      useBias: this.useBias,
    };
  }
}

export const CONV_TRANSPOSE_LAYER_CLASSES = [TensorLensConv2DTranspose];
