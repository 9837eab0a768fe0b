/**
 * Where the image goes on the model's input (metadata `fit`): the source rectangle read and the
 * input rectangle it fills. 'stretch' maps the whole image onto the whole input (aspect changes,
 * nothing cropped); 'center-crop' reads the largest centred box with the input's aspect (Keras
 * smart_resize); 'letterbox' scales the whole image to fit and centres it (the rest is padding).
 * Pure, unit-tested.
 */
import type { ImageFit } from './metadata';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Placement {
  src: Rect;
  dst: Rect;
}

export function placement(width: number, height: number, outH: number, outW: number, fit: ImageFit): Placement {
  if (!(width > 0 && height > 0)) throw new Error(`image has no size (${width}×${height})`);
  const whole = { x: 0, y: 0, width, height };
  if (fit === 'center-crop') {
    const cropH = Math.max(1, Math.min(height, Math.floor((width * outH) / outW)));
    const cropW = Math.max(1, Math.min(width, Math.floor((height * outW) / outH)));
    return {
      src: { x: Math.floor((width - cropW) / 2), y: Math.floor((height - cropH) / 2), width: cropW, height: cropH },
      dst: { x: 0, y: 0, width: outW, height: outH },
    };
  }
  if (fit === 'letterbox') {
    const s = Math.min(outW / width, outH / height);
    const w = Math.min(outW, Math.max(1, Math.round(width * s)));
    const h = Math.min(outH, Math.max(1, Math.round(height * s)));
    return { src: whole, dst: { x: Math.floor((outW - w) / 2), y: Math.floor((outH - h) / 2), width: w, height: h } };
  }
  return { src: whole, dst: { x: 0, y: 0, width: outW, height: outH } };
}

/** Size of a thumbnail whose longer side is at most `max` px (never upscaled). */
export function thumbnailSize(srcWidth: number, srcHeight: number, max: number): { width: number; height: number } {
  const scale = Math.min(1, max / Math.max(srcWidth, srcHeight));
  return { width: Math.max(1, Math.round(srcWidth * scale)), height: Math.max(1, Math.round(srcHeight * scale)) };
}

/** Pixel budget: larger decoded images are refused as image-too-large. */
export const MAX_IMAGE_PIXELS = 50_000_000;
export const MAX_IMAGE_BYTES = 25 * 1024 * 1024;
