/**
 * Where a source image lands on the model's input canvas. 'stretch' maps the whole image onto the
 * whole input (aspect ratio changes, nothing is cropped); 'letterbox' scales to fit and centers it,
 * padding the rest. Pure, unit-tested.
 */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function placeImage(
  srcWidth: number,
  srcHeight: number,
  dstWidth: number,
  dstHeight: number,
  mode: 'stretch' | 'letterbox',
): Rect {
  if (!(srcWidth > 0 && srcHeight > 0)) throw new Error(`image has no size (${srcWidth}×${srcHeight})`);
  if (mode === 'stretch') return { x: 0, y: 0, width: dstWidth, height: dstHeight };
  const scale = Math.min(dstWidth / srcWidth, dstHeight / srcHeight);
  const width = Math.max(1, Math.round(srcWidth * scale));
  const height = Math.max(1, Math.round(srcHeight * scale));
  return { x: Math.floor((dstWidth - width) / 2), y: Math.floor((dstHeight - height) / 2), width, height };
}

/** Size of a thumbnail whose longer side is at most `max` px (never upscaled). */
export function thumbnailSize(srcWidth: number, srcHeight: number, max: number): { width: number; height: number } {
  const scale = Math.min(1, max / Math.max(srcWidth, srcHeight));
  return { width: Math.max(1, Math.round(srcWidth * scale)), height: Math.max(1, Math.round(srcHeight * scale)) };
}

/** Pixel budget: larger decoded images are refused as image-too-large. */
export const MAX_IMAGE_PIXELS = 50_000_000;
export const MAX_IMAGE_BYTES = 25 * 1024 * 1024;
