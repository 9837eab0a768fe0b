/**
 * The one image preprocessing path (issue 8), giving the same numbers in the Chrome offscreen
 * document, the Firefox background page and Node (the reference tests): decoded RGBA at natural
 * size → fit (stretch / center-crop / letterbox) → resize (bilinear half-pixel, bilinear
 * align-corners, nearest, area) → composite onto the metadata background → colour order,
 * grayscale, scale/offset, mean/std → [1, h, w, c]. No canvas smoothing anywhere on this path.
 *
 * Resizing is separable. Per axis, each output index reads a few source indices ("taps") with
 * weights, computed here exactly as tf.image.resizeBilinear / resizeNearestNeighbor and TF's area
 * resize do. The weighted sums run as plain float loops over the decoded bytes: JavaScript
 * arithmetic is IEEE double without fused multiply-add in every engine, so V8 (Chrome, Node) and
 * SpiderMonkey (Firefox) give bit-identical results, unlike TF.js backends (wasm, webgl and cpu
 * round differently); and only tapped rows are read, so a 4000×3000 photo is never copied whole
 * (a TF.js gather-per-tap version took 1–49 s on it in the cpu backend; docs/preprocessing.md).
 * Alpha is carried premultiplied through both passes and composited at the end, which equals
 * compositing first (every step is linear). Colour order and normalisation are TF.js ops.
 */
import * as tf from './tf';
import { placement, type Placement } from '../shared/geometry';
import type { ImagePreprocessing, ResizeMethod } from '../shared/metadata';

/** Decoded pixels: 8-bit RGBA, unpremultiplied, EXIF orientation already applied. */
export interface Rgba {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
}

/** Source index and weight per tap; taps[k][o] for output index o. Unused taps have weight 0. */
export interface AxisTaps {
  index: Int32Array[];
  weight: Float32Array[];
}

function emptyTaps(k: number, out: number): AxisTaps {
  return {
    index: Array.from({ length: k }, () => new Int32Array(out)),
    weight: Array.from({ length: k }, () => new Float32Array(out)),
  };
}

/** Taps of one axis: `inSize` source pixels resized to `outSize` with `method`. */
export function axisTaps(inSize: number, outSize: number, method: ResizeMethod): AxisTaps {
  if (!(inSize > 0 && outSize > 0)) throw new Error(`cannot resize ${inSize} px to ${outSize} px`);
  if (method === 'nearest') {
    // tf.image.resizeNearestNeighbor(halfPixelCenters = true), TF 2's default for 'nearest'.
    const t = emptyTaps(1, outSize);
    const scale = inSize / outSize;
    for (let o = 0; o < outSize; o++) {
      (t.index[0] as Int32Array)[o] = Math.min(inSize - 1, Math.max(0, Math.floor((o + 0.5) * scale)));
      (t.weight[0] as Float32Array)[o] = 1;
    }
    return t;
  }
  if (method === 'area') {
    // TF's area resize: each output pixel averages the source span [o·s, (o+1)·s), partial pixels
    // weighted by their overlap.
    const scale = inSize / outSize;
    const k = Math.ceil(scale) + 1;
    const t = emptyTaps(k, outSize);
    for (let o = 0; o < outSize; o++) {
      const y0 = o * scale;
      const y1 = Math.min(inSize, (o + 1) * scale);
      let j = 0;
      for (let i = Math.floor(y0); i < Math.ceil(y1) && j < k; i++, j++) {
        const overlap = Math.min(i + 1, y1) - Math.max(i, y0);
        (t.index[j] as Int32Array)[o] = i;
        (t.weight[j] as Float32Array)[o] = overlap / (y1 - y0);
      }
    }
    return t;
  }
  // Bilinear, exactly as tf.image.resizeBilinear computes its source coordinates and weights.
  const align = method === 'bilinear-align-corners' && outSize > 1;
  const ratio = align ? (inSize - 1) / (outSize - 1) : inSize / outSize;
  const t = emptyTaps(2, outSize);
  for (let o = 0; o < outSize; o++) {
    const src = align ? ratio * o : ratio * (o + 0.5) - 0.5;
    const lo = Math.max(0, Math.floor(src));
    const hi = Math.min(inSize - 1, Math.ceil(src));
    const frac = src - lo;
    (t.index[0] as Int32Array)[o] = lo;
    (t.weight[0] as Float32Array)[o] = 1 - frac;
    (t.index[1] as Int32Array)[o] = hi;
    (t.weight[1] as Float32Array)[o] = frac;
  }
  return t;
}

/** The source columns any horizontal tap reads (weight ≠ 0), ascending, and each one's slot in that list. */
function usedColumns(t: AxisTaps, size: number): { cols: Int32Array; slot: Int32Array } {
  const slot = new Int32Array(size).fill(-1);
  for (let k = 0; k < t.index.length; k++) {
    const idx = t.index[k] as Int32Array;
    const w = t.weight[k] as Float32Array;
    for (let o = 0; o < idx.length; o++) if ((w[o] as number) !== 0) slot[idx[o] as number] = 0;
  }
  let n = 0;
  for (let c = 0; c < size; c++) if ((slot[c] as number) === 0) slot[c] = n++;
  const cols = new Int32Array(n);
  for (let c = 0; c < size; c++) if ((slot[c] as number) >= 0) cols[slot[c] as number] = c;
  return { cols, slot };
}

/**
 * Fit, resize and composite: the model-size RGB image (0..255 floats, [outH, outW, 3]).
 * Vertical pass: each output row is the weighted sum of its tapped source rows, colour
 * premultiplied by alpha (only the crop's columns that a horizontal tap reads, only tapped rows:
 * a bilinear 4000×3000 → 224 reads 448 rows × 448 columns). Horizontal pass: the same along the
 * columns of that small intermediate. Then colour + background · (1 − alpha), and letterbox bands
 * filled with the background. Skipping unread columns changes no arithmetic (bit-identical).
 */
function fitResizeComposite(px: Rgba, p: Placement, pre: ImagePreprocessing): Float32Array {
  const { x: sx, y: sy, width: sw, height: sh } = p.src;
  const { x: dx, y: dy, width: dw, height: dh } = p.dst;
  const [outH, outW] = pre.inputSize;
  const yT = axisTaps(sh, dh, pre.resizeMethod);
  const xT = axisTaps(sw, dw, pre.resizeMethod);
  const { cols, slot } = usedColumns(xT, sw);
  const nc = cols.length;
  const d = px.data;
  const rows = new Float64Array(dh * nc * 4);
  for (let o = 0; o < dh; o++) {
    const base = o * nc * 4;
    for (let k = 0; k < yT.index.length; k++) {
      const w = (yT.weight[k] as Float32Array)[o] as number;
      if (w === 0) continue;
      const rowStart = (((yT.index[k] as Int32Array)[o] as number) + sy) * px.width * 4 + sx * 4;
      for (let c = 0, j = base; c < nc; c++, j += 4) {
        const i = rowStart + (cols[c] as number) * 4;
        const a = d[i + 3] as number;
        const wa = (w * a) / 255;
        rows[j] = (rows[j] as number) + (d[i] as number) * wa;
        rows[j + 1] = (rows[j + 1] as number) + (d[i + 1] as number) * wa;
        rows[j + 2] = (rows[j + 2] as number) + (d[i + 2] as number) * wa;
        rows[j + 3] = (rows[j + 3] as number) + w * a;
      }
    }
  }
  const [br, bg, bb] = pre.background;
  const out = new Float32Array(outH * outW * 3);
  for (let i = 0; i < out.length; i += 3) {
    out[i] = br;
    out[i + 1] = bg;
    out[i + 2] = bb;
  }
  for (let o = 0; o < dh; o++) {
    const base = o * nc * 4;
    for (let x = 0; x < dw; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let k = 0; k < xT.index.length; k++) {
        const w = (xT.weight[k] as Float32Array)[x] as number;
        if (w === 0) continue;
        const i = base + (slot[(xT.index[k] as Int32Array)[x] as number] as number) * 4;
        r += w * (rows[i] as number);
        g += w * (rows[i + 1] as number);
        b += w * (rows[i + 2] as number);
        a += w * (rows[i + 3] as number);
      }
      const rest = 1 - a / 255;
      const j = ((o + dy) * outW + x + dx) * 3;
      out[j] = r + br * rest;
      out[j + 1] = g + bg * rest;
      out[j + 2] = b + bb * rest;
    }
  }
  return out;
}

/** ITU-R BT.601 luma, what Keras' load_img(color_mode='grayscale') (PIL convert('L')) uses. */
const LUMA = [0.299, 0.587, 0.114];

/** Decoded pixels → the model input [1, h, w, channels], following the metadata exactly. */
export function preprocessImage(px: Rgba, pre: ImagePreprocessing): tf.Tensor4D {
  const [outH, outW] = pre.inputSize;
  const rgb = fitResizeComposite(px, placement(px.width, px.height, outH, outW, pre.fit), pre);
  return tf.tidy(() => {
    let x: tf.Tensor3D = tf.tensor3d(rgb, [outH, outW, 3]);
    if (pre.channels === 1) x = tf.sum(tf.mul(x, tf.tensor1d(LUMA)), -1, true);
    else if (pre.colorOrder === 'bgr') x = tf.reverse(x, -1);
    x = tf.add(tf.mul(x, pre.scale), pre.offset);
    if (pre.mean) x = tf.sub(x, tf.tensor1d(pre.mean));
    if (pre.std) x = tf.div(x, tf.tensor1d(pre.std));
    return tf.expandDims(x, 0);
  });
}
