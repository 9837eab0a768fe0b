/**
 * `TensorLensResizing`: keras.layers.Resizing inside a model. tfjs-layers 4.22's own Resizing
 * drops the batch dimension from its output shape and resizes with align_corners=True; Keras
 * resizes like tf.image.resize (half-pixel centres, no antialiasing): `bilinear` is
 * tf.resizeBilinear(halfPixelCenters=true), `nearest` tf.resizeNearestNeighbor(halfPixelCenters=
 * true). Resizing to the input's own size is the identity. crop_to_aspect_ratio /
 * pad_to_aspect_ratio and other interpolations are refused by the converter.
 *
 * With `factor` [fh, fw] instead of a size it is keras.layers.UpSampling2D(interpolation=
 * "bilinear"), which Keras computes with the same tf.image.resize (tfjs-layers' UpSampling2D
 * resizes bilinearly without half-pixel centres: other values).
 *
 * Pure tfjs: no browser or Node APIs.
 */
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type Tensor = tfc.Tensor;
type ConfigDict = tfc.serialization.ConfigDict;
type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

export interface TensorLensResizingArgs extends LayerArgs {
  /** output size; or `factor` */
  height?: number | null;
  width?: number | null;
  /** integer up-sampling factors [height, width] (UpSampling2D) */
  factor?: number[] | null;
  interpolation?: 'bilinear' | 'nearest';
  dataFormat?: 'channelsLast' | 'channelsFirst';
}

export class TensorLensResizing extends tfl.layers.Layer {
  /** @nocollapse */
  static className = 'TensorLensResizing';
  readonly height: number | null;
  readonly width: number | null;
  readonly factor: [number, number] | null;
  readonly interpolation: 'bilinear' | 'nearest';
  readonly dataFormat: 'channelsLast' | 'channelsFirst';

  constructor(args: TensorLensResizingArgs) {
    super(args);
    const f = args.factor;
    this.factor = f && f.length === 2 && f.every((v) => Number.isInteger(v) && v > 0) ? [f[0] as number, f[1] as number] : null;
    const h = args.height ?? null;
    const w = args.width ?? null;
    if (!this.factor && !(h !== null && w !== null && h > 0 && w > 0)) throw new Error(`TensorLensResizing: needs a positive height and width or two integer factors, got ${JSON.stringify([h, w, f])}`);
    const interp = args.interpolation ?? 'bilinear';
    if (interp !== 'bilinear' && interp !== 'nearest') throw new Error(`TensorLensResizing: interpolation "${String(interp)}" is not implemented`);
    this.height = h;
    this.width = w;
    this.interpolation = interp;
    this.dataFormat = args.dataFormat ?? 'channelsLast';
    this.trainable = false;
  }

  /** output [height, width] for an input of [h, w] */
  private size(h: number | null, w: number | null): [number | null, number | null] {
    if (!this.factor) return [this.height, this.width];
    return [h === null ? null : h * this.factor[0], w === null ? null : w * this.factor[1]];
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const first = this.dataFormat === 'channelsFirst';
    const at = (i: number): number | null => s[s.length - 4 + i] ?? null; // rank-4 view: [batch, a, b, c]
    if (s.length === 3) {
      const [h, w] = first ? this.size(s[1] ?? null, s[2] ?? null) : this.size(s[0] ?? null, s[1] ?? null);
      return first ? [s[0] ?? null, h, w] : [h, w, s[2] ?? null];
    }
    const [h, w] = first ? this.size(at(2), at(3)) : this.size(at(1), at(2));
    return first ? [s[0] ?? null, s[1] ?? null, h, w] : [s[0] ?? null, h, w, s[3] ?? null];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tfc.tidy(() => {
      let x = (Array.isArray(inputs) ? inputs[0] : inputs) as Tensor;
      if (this.dataFormat === 'channelsFirst') x = tfc.transpose(x, x.rank === 4 ? [0, 2, 3, 1] : [1, 2, 0]);
      const img = x as tfc.Tensor4D | tfc.Tensor3D;
      const r = x.rank;
      const size = this.size(x.shape[r - 3] as number, x.shape[r - 2] as number) as [number, number];
      let y: Tensor =
        this.interpolation === 'bilinear' ? tfc.image.resizeBilinear(img, size, false, true) : tfc.image.resizeNearestNeighbor(img, size, false, true);
      if (this.dataFormat === 'channelsFirst') y = tfc.transpose(y, y.rank === 4 ? [0, 3, 1, 2] : [2, 0, 1]);
      return y;
    });
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), height: this.height, width: this.width, factor: this.factor, interpolation: this.interpolation, dataFormat: this.dataFormat };
  }
}

export const RESIZING_LAYER_CLASSES = [TensorLensResizing];
