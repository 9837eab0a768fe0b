/**
 * Keras GRU with `reset_after=True` (the tf.keras 2.x and Keras 3 default) as tfjs-layers
 * classes. tfjs-layers 4.22 only implements `reset_after=False`, whose candidate state applies
 * the reset gate before the recurrent matmul; Keras's default applies it after, and keeps
 * separate input and recurrent biases:
 *
 *   bias = [[b_in], [b_rec]]                          shape [2, 3·units], gate order z, r, h
 *   z  = σ(x·W_z + b_in_z + h·U_z + b_rec_z)
 *   r  = σ(x·W_r + b_in_r + h·U_r + b_rec_r)
 *   h̃  = act(x·W_h + b_in_h + r ⊙ (h·U_h + b_rec_h))
 *   h' = z ⊙ h + (1 − z) ⊙ h̃
 *
 * The TensorLens converter writes such layers with class name `TensorLensGRU` (or
 * `TensorLensGRUCell` inside a generic `RNN`), keeping the Keras config; weights are
 * `<layer>/kernel` [in, 3·units], `<layer>/recurrent_kernel` [units, 3·units] and
 * `<layer>/bias` [2, 3·units]. Any app can load those models after calling
 * `registerTensorLensLayers()` (./index.ts) once.
 *
 * Inference only: dropout/recurrent_dropout are ignored, initializers are kept in the config
 * but weights start at zero (they are always loaded from the model file), stateful=true is not
 * supported. Masking follows tfjs-layers' RNN (a masked step keeps the previous state and
 * output), plus Keras's `zero_output_for_mask` for sequence outputs.
 *
 * Pure tfjs: no browser or Node APIs.
 */
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type Tensor = tfc.Tensor;
type ConfigDict = tfc.serialization.ConfigDict;
type ConfigValue = tfc.serialization.ConfigDictValue;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Kwargs = { [key: string]: any };
type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/** Keras/tfjs options of a reset_after GRU cell (camelCase, as tfjs deserializes them). */
export interface TensorLensGRUCellArgs extends LayerArgs {
  units: number;
  activation?: string;
  recurrentActivation?: string;
  useBias?: boolean;
  resetAfter?: boolean;
  dropout?: number;
  recurrentDropout?: number;
  implementation?: number;
  kernelInitializer?: unknown;
  recurrentInitializer?: unknown;
  biasInitializer?: unknown;
  kernelRegularizer?: unknown;
  recurrentRegularizer?: unknown;
  biasRegularizer?: unknown;
  kernelConstraint?: unknown;
  recurrentConstraint?: unknown;
  biasConstraint?: unknown;
}

export interface TensorLensGRUArgs extends TensorLensGRUCellArgs {
  returnSequences?: boolean;
  returnState?: boolean;
  goBackwards?: boolean;
  stateful?: boolean;
  unroll?: boolean;
  zeroOutputForMask?: boolean;
}

/** config entries kept verbatim so a getConfig() → constructor round trip (Bidirectional) is lossless */
const PASSTHROUGH = [
  'kernelInitializer', 'recurrentInitializer', 'biasInitializer', 'kernelRegularizer', 'recurrentRegularizer', 'biasRegularizer',
  'kernelConstraint', 'recurrentConstraint', 'biasConstraint', 'dropout', 'recurrentDropout', 'implementation',
] as const;

/** an activation applied through tfjs-layers' own Activation layer (same names, same math as its GRU) */
function activationLayer(identifier: string | undefined, fallback: string): tfl.layers.Layer {
  // tfjs deserializes Keras names camelCased ("hard_sigmoid" → "hardSigmoid"); accept both
  const name = (identifier ?? fallback).replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
  return tfl.layers.activation({ activation: name as Parameters<typeof tfl.layers.activation>[0]['activation'] });
}

function activationName(layer: tfl.layers.Layer): ConfigValue {
  return layer.getConfig().activation ?? null;
}

export class TensorLensGRUCell extends tfl.layers.Layer {
  /** @nocollapse */
  static className = 'TensorLensGRUCell';
  readonly units: number;
  readonly stateSize: number;
  readonly useBias: boolean;
  private readonly act: tfl.layers.Layer;
  private readonly recurrentAct: tfl.layers.Layer;
  private readonly passthrough: ConfigDict = {};
  private kernel: tfl.LayerVariable | null = null;
  private recurrentKernel: tfl.LayerVariable | null = null;
  private bias: tfl.LayerVariable | null = null;

  constructor(args: TensorLensGRUCellArgs) {
    super(args);
    if (!Number.isInteger(args.units) || args.units <= 0) throw new Error(`TensorLensGRUCell: units must be a positive integer, got ${String(args.units)}`);
    if (args.resetAfter === false) throw new Error('TensorLensGRUCell implements reset_after=True only; use the tfjs GRU for reset_after=False');
    this.units = args.units;
    this.stateSize = args.units;
    this.useBias = args.useBias ?? true;
    // Keras defaults (tanh, sigmoid); converted configs always carry both explicitly
    this.act = activationLayer(args.activation, 'tanh');
    this.recurrentAct = activationLayer(args.recurrentActivation, 'sigmoid');
    const a = args as unknown as Record<string, ConfigValue | undefined>;
    for (const k of PASSTHROUGH) if (a[k] !== undefined) this.passthrough[k] = a[k];
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const inputDim = shape[shape.length - 1];
    if (typeof inputDim !== 'number') throw new Error(`TensorLensGRUCell "${this.name}": the last input dimension must be known`);
    const zeros = tfl.initializers.zeros();
    const u3 = 3 * this.units;
    this.kernel = this.addWeight('kernel', [inputDim, u3], 'float32', zeros, undefined, true);
    this.recurrentKernel = this.addWeight('recurrent_kernel', [this.units, u3], 'float32', zeros, undefined, true);
    this.bias = this.useBias ? this.addWeight('bias', [2, u3], 'float32', zeros, undefined, true) : null;
    this.built = true;
  }

  /** inputs: [x_t [batch, in], h_{t−1} [batch, units]] → [h_t, h_t] */
  override call(inputs: Tensor | Tensor[]): Tensor[] {
    return tfc.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2) throw new Error(`TensorLensGRUCell expects [input, state], got ${Array.isArray(inputs) ? inputs.length : 1} tensor(s)`);
      if (!this.kernel || !this.recurrentKernel) throw new Error(`TensorLensGRUCell "${this.name}" is not built`);
      const [x, h] = inputs as [Tensor, Tensor];
      let xw = tfc.matMul<Tensor>(x, this.kernel.read());
      let hu = tfc.matMul<Tensor>(h, this.recurrentKernel.read());
      if (this.bias) {
        const [bIn, bRec] = tfc.unstack(this.bias.read(), 0) as [Tensor, Tensor];
        xw = tfc.add(xw, bIn);
        hu = tfc.add(hu, bRec);
      }
      const [xz, xr, xh] = tfc.split(xw, 3, 1) as [Tensor, Tensor, Tensor];
      const [hz, hr, hh] = tfc.split(hu, 3, 1) as [Tensor, Tensor, Tensor];
      const z = this.recurrentAct.call(tfc.add(xz, hz), {}) as Tensor;
      const r = this.recurrentAct.call(tfc.add(xr, hr), {}) as Tensor;
      const candidate = this.act.call(tfc.add(xh, tfc.mul(r, hh)), {}) as Tensor;
      const next = tfc.add(tfc.mul(z, h), tfc.mul(tfc.sub(1, z), candidate));
      return [next, next];
    });
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(),
      ...this.passthrough,
      units: this.units,
      activation: activationName(this.act),
      recurrentActivation: activationName(this.recurrentAct),
      useBias: this.useBias,
      resetAfter: true,
    };
  }
}

export class TensorLensGRU extends tfl.RNN {
  /** @nocollapse */
  static override className = 'TensorLensGRU';
  readonly zeroOutputForMask: boolean;

  constructor(args: TensorLensGRUArgs) {
    if (args.stateful === true) throw new Error('TensorLensGRU does not support stateful=true');
    const cell = new TensorLensGRUCell(args);
    super({ ...args, cell } as unknown as tfl.RNNLayerArgs);
    this.zeroOutputForMask = args.zeroOutputForMask ?? false;
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor | Tensor[] {
    return tfc.tidy(() => {
      const mask = (kwargs?.mask ?? null) as Tensor | null;
      const training = (kwargs?.training ?? null) as boolean | null;
      const initialState = (kwargs?.initialState ?? null) as Tensor[] | null;
      const out = super.call(inputs, { mask, training, initialState });
      if (!(this.zeroOutputForMask && this.returnSequences && mask)) return out;
      // Keras zero_output_for_mask: masked steps of the sequence output are zeros (states unchanged)
      const zeroMasked = (seq: Tensor): Tensor => {
        let m = tfc.cast(tfc.cast(mask, 'bool'), seq.dtype);
        if (this.goBackwards) m = tfc.reverse(m, 1);
        return tfc.mul(seq, tfc.expandDims(m, -1));
      };
      return Array.isArray(out) ? [zeroMasked(out[0] as Tensor), ...out.slice(1)] : zeroMasked(out);
    });
  }

  override getConfig(): ConfigDict {
    // RNN.getConfig merges the cell's config (units, activations, …) with the layer's own
    return { ...super.getConfig(), zeroOutputForMask: this.zeroOutputForMask };
  }

  /** @nocollapse */
  static override fromConfig<T extends tfc.serialization.Serializable>(cls: tfc.serialization.SerializableConstructor<T>, config: ConfigDict): T {
    return new cls(config);
  }
}

/** the classes this file adds (registered by registerTensorLensLayers in ./index.ts) */
export const GRU_LAYER_CLASSES = [TensorLensGRUCell, TensorLensGRU];
