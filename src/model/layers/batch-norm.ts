/**
 * BatchNormalization on inputs of any rank. tfjs-layers 4.22's BatchNormalization only predicts
 * on rank ≤ 4 ("batchNormalization is not implemented for array of rank 5 yet", e.g. after a
 * ConvLSTM2D with return_sequences or a Conv3D). This subclass keeps the class name, config and
 * weights (gamma, beta, moving_mean, moving_variance) and computes inference-mode
 * (x − mean)/√(var + ε)·γ + β element-wise for rank > 4; lower ranks use tfjs's own code.
 * Registered in place of tfjs's class, so converted model.json files stay standard.
 *
 * Pure tfjs: no browser or Node APIs.
 */
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type Tensor = tfc.Tensor;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Kwargs = { [key: string]: any };
type BnArgs = Parameters<typeof tfl.layers.batchNormalization>[0];

/** tfjs-layers does not export its BatchNormalization class by name; its factory returns one */
const TfjsBatchNormalization = tfl.layers.batchNormalization({ name: 'tensorlens_batch_normalization_class_probe' }).constructor as new (args?: BnArgs) => tfl.layers.Layer;

interface BnState {
  axis: number | number[];
  epsilon: number;
  center: boolean;
  scale: boolean;
  gamma: tfl.LayerVariable | null;
  beta: tfl.LayerVariable | null;
  movingMean: tfl.LayerVariable;
  movingVariance: tfl.LayerVariable;
}

export class TensorLensBatchNormalization extends TfjsBatchNormalization {
  /** @nocollapse */
  static className = 'BatchNormalization';

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor | Tensor[] {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as Tensor;
    if (x.rank <= 4) return super.call(inputs, kwargs);
    return tfc.tidy(() => {
      const s = this as unknown as BnState;
      const axis0 = Array.isArray(s.axis) ? (s.axis[0] as number) : s.axis;
      const axis = axis0 < 0 ? axis0 + x.rank : axis0;
      const shape = x.shape.map((d, i) => (i === axis ? d : 1));
      const r = (v: tfl.LayerVariable): Tensor => tfc.reshape(v.read(), shape);
      let y = tfc.mul(tfc.sub(x, r(s.movingMean)), tfc.rsqrt(tfc.add(r(s.movingVariance), s.epsilon)));
      if (s.scale && s.gamma) y = tfc.mul(y, r(s.gamma));
      if (s.center && s.beta) y = tfc.add(y, r(s.beta));
      return y;
    });
  }
}

export const BATCH_NORM_LAYER_CLASSES = [TensorLensBatchNormalization];
