/**
 * `TensorLensResizing`: keras.layers.Resizing inside a model. tfjs-layers 4.22's own Resizing
 * drops the batch dimension from its output shape and resizes with align_corners=True; Keras
 * resizes like tf.image.resize (half-pixel centres, no antialiasing): `bilinear` is
 * tf.resizeBilinear(halfPixelCenters=true), `nearest` tf.resizeNearestNeighbor(halfPixelCenters=
 * true). Resizing to the input's own size is the identity. crop_to_aspect_ratio /
 * pad_to_aspect_ratio and other interpolations are refused by the converter.
 *
 * Pure tfjs: no browser or Node APIs.
 */
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type Tensor = tfc.Tensor;
type ConfigDict = tfc.serialization.ConfigDict;
type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

export interface TensorLensResizingArgs extends LayerArgs {
  height: number;
  width: number;
  interpolation?: 'bilinear' | 'nearest';
  dataFormat?: 'channelsLast' | 'channelsFirst';
}

export class TensorLensResizing extends tfl.layers.Layer {
  /** @nocollapse */
  static className = 'TensorLensResizing';
  readonly height: number;
  readonly width: number;
  readonly interpolation: 'bilinear' | 'nearest';
  readonly dataFormat: 'channelsLast' | 'channelsFirst';

  constructor(args: TensorLensResizingArgs) {
    super(args);
    if (!(args.height > 0 && args.width > 0)) throw new Error(`TensorLensResizing: height and width must be positive, got ${args.height}×${args.width}`);
    const interp = args.interpolation ?? 'bilinear';
    if (interp !== 'bilinear' && interp !== 'nearest') throw new Error(`TensorLensResizing: interpolation "${String(interp)}" is not implemented`);
    this.height = args.height;
    this.width = args.width;
    this.interpolation = interp;
    this.dataFormat = args.dataFormat ?? 'channelsLast';
    this.trainable = false;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    if (s.length === 3) return this.dataFormat === 'channelsFirst' ? [s[0] ?? null, this.height, this.width] : [this.height, this.width, s[2] ?? null];
    return this.dataFormat === 'channelsFirst' ? [s[0] ?? null, s[1] ?? null, this.height, this.width] : [s[0] ?? null, this.height, this.width, s[3] ?? null];
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tfc.tidy(() => {
      let x = (Array.isArray(inputs) ? inputs[0] : inputs) as Tensor;
      if (this.dataFormat === 'channelsFirst') x = tfc.transpose(x, x.rank === 4 ? [0, 2, 3, 1] : [1, 2, 0]);
      const img = x as tfc.Tensor4D | tfc.Tensor3D;
      const size: [number, number] = [this.height, this.width];
      let y: Tensor =
        this.interpolation === 'bilinear' ? tfc.image.resizeBilinear(img, size, false, true) : tfc.image.resizeNearestNeighbor(img, size, false, true);
      if (this.dataFormat === 'channelsFirst') y = tfc.transpose(y, y.rank === 4 ? [0, 3, 1, 2] : [2, 0, 1]);
      return y;
    });
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), height: this.height, width: this.width, interpolation: this.interpolation, dataFormat: this.dataFormat };
  }
}

export const RESIZING_LAYER_CLASSES = [TensorLensResizing];
