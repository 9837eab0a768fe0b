/**
 * Image acquisition in the model host (offscreen document / Firefox background page, which both
 * have a DOM): fetch by URL with a timeout and a byte cap, refuse incomplete or damaged files,
 * decode with createImageBitmap (SVG and other formats it refuses: via an <img> element) to
 * full-resolution RGBA for src/model/preprocess.ts. The popup thumbnail alone is canvas-drawn.
 */
import { AppError, withTimeout } from '../shared/errors';
import { MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, thumbnailSize } from '../shared/geometry';
import type { ImageSource } from '../shared/protocol';
import { imageHeader } from '../shared/image-header';
import { checkImageIntegrity } from '../shared/image-integrity';
import type { Rgba } from './preprocess';

export interface DecodedImage {
  /** for the thumbnail only (canvas-drawn); the model reads `pixels` */
  source: CanvasImageSource;
  pixels: Rgba;
  width: number;
  height: number;
  close(): void;
}

const describe = (url: string): string => (url.startsWith('data:') ? 'the image data' : url.length > 120 ? `${url.slice(0, 117)}…` : url);

async function readCapped(res: Response, url: string, maxBytes: number): Promise<Blob> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw new AppError('image-too-large', `${describe(url)} is ${Math.round(declared / 1048576)} MB (limit ${maxBytes / 1048576} MB)`);
  if (!res.body) return res.blob();
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new AppError('image-too-large', `${describe(url)} is larger than ${maxBytes / 1048576} MB`);
    }
    chunks.push(value);
  }
  return new Blob(chunks as BlobPart[], { type: res.headers.get('content-type') ?? '' });
}

/** Fetches the image bytes; the extension's host permissions make cross-origin URLs readable. */
export async function fetchImage(source: ImageSource, timeoutMs: number, maxBytes = MAX_IMAGE_BYTES): Promise<Blob> {
  const url = source.kind === 'url' ? source.url : source.dataUrl;
  if (!/^(https?|data):/i.test(url)) throw new AppError('image-unreadable', `cannot read images from ${describe(url)}`);
  if (url.startsWith('data:') && url.length * 0.75 > maxBytes) throw new AppError('image-too-large', 'the image data is too large');
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeoutMs);
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal: ctrl.signal, credentials: 'omit', cache: 'force-cache' });
    } catch (e) {
      if (ctrl.signal.aborted) throw new AppError('timeout', `downloading ${describe(url)} took longer than ${timeoutMs / 1000} s`);
      throw new AppError('image-fetch-failed', `could not download ${describe(url)} (${(e as Error).message})`);
    }
    if (!res.ok) throw new AppError('image-fetch-failed', `HTTP ${res.status} for ${describe(url)}`);
    return await readCapped(res, url, maxBytes);
  } catch (e) {
    if (e instanceof AppError) throw e;
    if (ctrl.signal.aborted) throw new AppError('timeout', `downloading ${describe(url)} took longer than ${timeoutMs / 1000} s`);
    throw new AppError('image-fetch-failed', `could not download ${describe(url)} (${(e as Error).message})`);
  } finally {
    clearTimeout(timer);
  }
}

/** Draws `source` at exactly `width`×`height` (no scaling, so no resampling) and reads its RGBA. */
function readPixels(source: CanvasImageSource, width: number, height: number): Rgba {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new AppError('internal', 'no 2d canvas context');
  ctx.drawImage(source, 0, 0);
  return { data: ctx.getImageData(0, 0, width, height).data, width, height };
}

/** SVG (and anything createImageBitmap refuses) decodes through an <img>, then rasterises. */
async function decodeWithImgElement(blob: Blob): Promise<DecodedImage> {
  const url = URL.createObjectURL(blob);
  try {
    const img = new Image();
    // Not img.decode(): in Chrome's offscreen document (never rendered) it never settles, even for
    // valid images; load/error events do fire. Bounded, so a bad file cannot hang the job queue.
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        img.onload = () => resolve();
        img.onerror = () => reject(new Error('the image element could not load it'));
        img.src = url;
      }),
      10_000,
      'decoding the image',
    );
    // An SVG without width/height has no intrinsic size: rasterise it at 512 px; a huge one at 1024.
    const size = thumbnailSize(img.naturalWidth || 512, img.naturalHeight || 512, 1024);
    const canvas = new OffscreenCanvas(size.width, size.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('no 2d context');
    ctx.drawImage(img, 0, 0, size.width, size.height);
    const pixels = { data: ctx.getImageData(0, 0, size.width, size.height).data, width: size.width, height: size.height };
    return { source: canvas, pixels, width: size.width, height: size.height, close: () => undefined };
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * Full-resolution RGBA as the page shows the file: EXIF orientation applied, alpha not
 * premultiplied, no colour-space conversion (both browsers then give the decoder's own values,
 * which is what makes Chrome and Firefox agree). Incomplete or damaged files are refused first.
 */
export async function decodeImage(blob: Blob): Promise<DecodedImage> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const head = imageHeader(bytes.subarray(0, 256 * 1024));
  if (head && head.width * head.height > MAX_IMAGE_PIXELS)
    throw new AppError('image-too-large', `the image is ${head.width}×${head.height} pixels (limit ${MAX_IMAGE_PIXELS / 1e6} megapixels)`);
  const problem = checkImageIntegrity(bytes);
  if (problem) throw new AppError(problem.kind === 'truncated' ? 'image-truncated' : 'image-corrupt', problem.message);
  const isSvg = /svg/i.test(blob.type) || new TextDecoder().decode(bytes.subarray(0, 512)).includes('<svg');
  try {
    if (isSvg) return await decodeWithImgElement(blob);
    const bmp = await createImageBitmap(blob, { imageOrientation: 'from-image', premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
    try {
      checkSize(bmp.width, bmp.height);
      return { source: bmp, pixels: readPixels(bmp, bmp.width, bmp.height), width: bmp.width, height: bmp.height, close: () => bmp.close() };
    } catch (e) {
      bmp.close();
      throw e;
    }
  } catch (e) {
    if (e instanceof AppError) throw e;
    try {
      const img = await decodeWithImgElement(blob);
      checkSize(img.width, img.height);
      return img;
    } catch (e2) {
      if (e2 instanceof AppError) throw e2;
      throw new AppError('image-unreadable', `the file is not an image this browser can decode (${blob.type || 'unknown type'}, ${blob.size} bytes)`);
    }
  }
}

function checkSize(width: number, height: number): void {
  if (width * height > MAX_IMAGE_PIXELS)
    throw new AppError('image-too-large', `the image is ${width}×${height} pixels (limit ${MAX_IMAGE_PIXELS / 1e6} megapixels)`);
  if (width === 0 || height === 0) throw new AppError('image-unreadable', 'the image has no pixels');
}

/** A small JPEG for the popup and history (never the full image, never the model's input). */
export function thumbnail(img: DecodedImage, max = 96): string {
  const s = thumbnailSize(img.width, img.height, max);
  const canvas = document.createElement('canvas');
  canvas.width = s.width;
  canvas.height = s.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new AppError('internal', 'no 2d canvas context');
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, s.width, s.height);
  ctx.drawImage(img.source, 0, 0, s.width, s.height);
  return canvas.toDataURL('image/jpeg', 0.8);
}
