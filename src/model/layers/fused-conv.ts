/**
 * Conv2D / DepthwiseConv2D that run as one fused kernel (convolution + bias + relu/relu6), for the
 * layers src/model/fold.ts makes at load time out of a conv, the BatchNormalization folded into
 * it and the ReLU after it. They never appear in a model file: the loader writes them into the
 * topology it hands to tfjs, the files on disk stay what tensorflowjs_converter wrote.
 *
 * Why own classes: tfjs-layers' Conv2D sends only 'relu'/'linear'/'elu' to the fused kernel (a
 * relu6 runs as a separate op over the whole output), and its DepthwiseConv2D never fuses (conv,
 * bias add and activation are three ops and three full-size tensors).
 *
 * Config and weights are the tfjs classes' own (kernel or depthwise_kernel, bias), with activation
 * 'linear', 'relu' or 'relu6'; always channels_last. Pure tfjs: no browser or Node APIs.
 */
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type Tensor = tfc.Tensor;
type Tensor4D = tfc.Tensor4D;
type ConvArgs = Parameters<typeof tfl.layers.conv2d>[0];
type DepthwiseArgs = Parameters<typeof tfl.layers.depthwiseConv2d>[0];
type FusedActivation = 'linear' | 'relu' | 'relu6';

/** tfjs-layers does not export its conv classes by name; their factories return instances */
const TfjsConv2D = tfl.layers.conv2d({ filters: 1, kernelSize: 1, name: 'tensorlens_conv2d_class_probe' }).constructor as new (args: ConvArgs) => tfl.layers.Layer;
const TfjsDepthwiseConv2D = tfl.layers.depthwiseConv2d({ kernelSize: 1, name: 'tensorlens_depthwise_class_probe' }).constructor as new (args: DepthwiseArgs) => tfl.layers.Layer;

/** What the tfjs conv classes keep after build (their fields are not in the public typings). */
interface ConvState {
  kernel?: tfl.LayerVariable;
  depthwiseKernel?: tfl.LayerVariable;
  bias: tfl.LayerVariable | null;
  strides: [number, number];
  padding: string;
  dilationRate: [number, number];
  dataFormat: string;
}

/** The fused kernel's activation from the layer's config; the layer must be channels last. */
function fusedActivation(layer: tfl.layers.Layer, args: { activation?: unknown }, cls: string): FusedActivation {
  if ((layer as unknown as ConvState).dataFormat !== 'channelsLast') throw new Error(`${cls} is channels_last only`);
  const a = args.activation ?? 'linear';
  if (a === 'linear' || a === 'relu' || a === 'relu6') return a;
  throw new Error(`${cls}: activation ${JSON.stringify(a)} has no fused kernel (linear, relu or relu6)`);
}

/** What both fused kernels take besides the filter (and the plain conv's dilations). */
function fusedInputs(layer: tfl.layers.Layer, inputs: Tensor | Tensor[], activation: FusedActivation) {
  const x = Array.isArray(inputs) ? inputs[0] : inputs;
  if (x?.rank !== 4 || (Array.isArray(inputs) && inputs.length !== 1)) throw new Error(`${layer.name}: a fused conv takes one rank-4 input`);
  const s = layer as unknown as ConvState;
  return { x: x as Tensor4D, strides: s.strides, pad: s.padding === 'same' ? ('same' as const) : ('valid' as const), dataFormat: 'NHWC' as const, bias: s.bias?.read(), activation };
}

export class TensorLensFusedConv2D extends TfjsConv2D {
  /** @nocollapse */
  static className = 'TensorLensFusedConv2D';
  private readonly fusedActivation: FusedActivation;

  constructor(args: ConvArgs) {
    super(args);
    this.fusedActivation = fusedActivation(this, args, TensorLensFusedConv2D.className);
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const s = this as unknown as ConvState;
    return tfc.fused.conv2d({ ...fusedInputs(this, inputs, this.fusedActivation), filter: (s.kernel as tfl.LayerVariable).read() as Tensor4D, dilations: s.dilationRate });
  }
}

export class TensorLensFusedDepthwiseConv2D extends TfjsDepthwiseConv2D {
  /** @nocollapse */
  static className = 'TensorLensFusedDepthwiseConv2D';
  private readonly fusedActivation: FusedActivation;

  constructor(args: DepthwiseArgs) {
    super(args);
    this.fusedActivation = fusedActivation(this, args, TensorLensFusedDepthwiseConv2D.className);
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    // no dilations: tfjs-layers' DepthwiseConv2D ignores dilation_rate (fold.ts only fuses rate 1)
    const filter = ((this as unknown as ConvState).depthwiseKernel as tfl.LayerVariable).read() as Tensor4D;
    return tfc.fused.depthwiseConv2d({ ...fusedInputs(this, inputs, this.fusedActivation), filter });
  }
}

export const FUSED_CONV_LAYER_CLASSES = [TensorLensFusedConv2D, TensorLensFusedDepthwiseConv2D];
