/**
 * Content script: answers only this extension (STYLE §4) with a narrow API: the full selection,
 * and pixels that only the page can read (canvas, video frames, blob: images, CSS backgrounds).
 * Plain image URLs never come here; the extension fetches those itself.
 */
import { fromThisExtension, rpcClient, sendToRuntime, serve } from '../ext/rpc';
import type { CapturedImage, ContentApi, MenusApi } from '../shared/protocol';
import { MAX_IMAGE_PIXELS, thumbnailSize } from '../shared/geometry';

/** Captures are capped: the model input is small, and messages should stay small too. */
const CAPTURE_MAX_SIDE = 1024;

/**
 * The last right-click the user really made. Only trusted events count: a page can dispatch a
 * synthetic `contextmenu` on any element, and must not choose what the extension reads or fetches.
 * null when this script was injected after the click (no all-sites access).
 */
let lastClick: { target: EventTarget | null; x: number; y: number } | null = null;

function selectedText(): string {
  const el = document.activeElement;
  // Selections inside text fields are not part of getSelection() in every browser.
  if (el instanceof HTMLTextAreaElement || (el instanceof HTMLInputElement && /^(text|search|url)$/.test(el.type))) {
    const { selectionStart: s, selectionEnd: e, value } = el;
    if (s !== null && e !== null && e > s) return value.slice(s, e);
  }
  return window.getSelection()?.toString() ?? '';
}

function draw(source: CanvasImageSource, width: number, height: number): CapturedImage {
  if (!(width > 0 && height > 0)) return { kind: 'none', reason: 'image-unreadable', message: 'the image has no pixels yet' };
  const size = thumbnailSize(width, height, CAPTURE_MAX_SIDE);
  const canvas = document.createElement('canvas');
  canvas.width = size.width;
  canvas.height = size.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return { kind: 'none', reason: 'image-unreadable', message: 'no 2d canvas' };
  ctx.drawImage(source, 0, 0, size.width, size.height);
  try {
    return { kind: 'data-url', dataUrl: canvas.toDataURL('image/png') };
  } catch {
    return { kind: 'none', reason: 'image-tainted', message: 'the page does not allow reading these pixels (cross-origin canvas or video)' };
  }
}

async function blobUrlToDataUrl(url: string): Promise<CapturedImage> {
  const blob = await (await fetch(url)).blob();
  return new Promise((resolve) => {
    const r = new FileReader();
    // readAsDataURL's result is always a string (null/ArrayBuffer only for other read modes or before load)
    r.onload = () => resolve({ kind: 'data-url', dataUrl: (r.result as string).replace(/^data:[^;,]*/, `data:${blob.type || 'image/png'}`) });
    r.onerror = () => resolve({ kind: 'none', reason: 'image-unreadable', message: 'could not read the blob: image' });
    r.readAsDataURL(blob);
  });
}

/** Called only for the element actually right-clicked: its CSS background is what the user saw there. */
function cssBackgroundUrl(el: Element): string | null {
  const bg = getComputedStyle(el).backgroundImage;
  const m = /url\(\s*(['"]?)(.*?)\1\s*\)/.exec(bg);
  return m?.[2] ? new URL(m[2], document.baseURI).href : null;
}

async function fromElement(el: Element, exact = true): Promise<CapturedImage | null> {
  if (el instanceof HTMLImageElement) {
    const url = el.currentSrc || el.src;
    if (!url) return null;
    if (/^(https?|data):/i.test(url)) return { kind: 'url', url };
    if (!el.complete || el.naturalWidth === 0) return { kind: 'none', reason: 'image-unreadable', message: 'the image has not loaded' };
    return draw(el, el.naturalWidth, el.naturalHeight); // blob: and other page-only URLs
  }
  if (el instanceof HTMLVideoElement) {
    if (el.readyState < 2) return { kind: 'none', reason: 'image-unreadable', message: 'the video has no frame to show yet' };
    return draw(el, el.videoWidth, el.videoHeight);
  }
  if (el instanceof HTMLCanvasElement) return draw(el, el.width, el.height);
  if (el instanceof SVGSVGElement) {
    const xml = new XMLSerializer().serializeToString(el);
    return { kind: 'data-url', dataUrl: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(xml)}` };
  }
  // A CSS background URL is fetched by the extension: take it only from the clicked element itself.
  const bg = exact ? cssBackgroundUrl(el) : null;
  if (bg) return bg.startsWith('blob:') ? blobUrlToDataUrl(bg) : { kind: 'url', url: bg };
  return null;
}

/** The right-clicked element, then what lies under the cursor (overlays often cover images), then ancestors. */
function candidates(): Element[] {
  if (!lastClick) return [];
  const out: Element[] = [];
  const t = lastClick.target;
  if (t instanceof Element) out.push(t);
  out.push(...document.elementsFromPoint(lastClick.x, lastClick.y));
  for (let el = t instanceof Element ? t.parentElement : null, i = 0; el && i < 6; el = el.parentElement, i++) out.push(el);
  const pic = t instanceof Element ? t.closest('picture')?.querySelector('img') : null;
  if (pic) out.unshift(pic);
  return [...new Set(out)].filter((e) => e !== document.documentElement && e !== document.body);
}

const shortUrl = (u: string): string => (u.length > 100 ? `${u.slice(0, 97)}…` : u);

/**
 * The page-pixels fallback (the extension's own fetch was refused, e.g. an image behind a login):
 * the pixels of the very element the user right-clicked, and only when it completely shows `url`.
 * Anything else would classify other pixels under that URL (issue 8), so it says why it refuses.
 */
function pagePixels(url: string): CapturedImage {
  if (!lastClick) return { kind: 'none', reason: 'no-click', message: 'the right-click happened before TensorLens could see the page' };
  const el = lastClick.target;
  const refuse = (message: string): CapturedImage => ({ kind: 'none', reason: 'page-image-not-shown', message });
  if (!(el instanceof HTMLImageElement))
    return refuse(`the element you right-clicked is ${el instanceof Element ? `a <${el.localName}>` : 'not an element'}, not the image ${shortUrl(url)}`);
  const shown = el.currentSrc || el.src;
  if (shown !== url) return refuse(`the image you right-clicked shows ${shortUrl(shown)}, not ${shortUrl(url)}`);
  if (!el.complete || el.naturalWidth === 0) return refuse(`the image you right-clicked has not finished loading ${shortUrl(url)}`);
  const { naturalWidth: w, naturalHeight: h } = el;
  if (w * h > MAX_IMAGE_PIXELS) return { kind: 'none', reason: 'image-unreadable', message: `the image is ${w}×${h} pixels, too large to read from the page` };
  // Natural size and lossless PNG: the model host resizes these pixels exactly as fetched files.
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d');
  if (!ctx) return { kind: 'none', reason: 'image-unreadable', message: 'no 2d canvas' };
  ctx.drawImage(el, 0, 0);
  try {
    return { kind: 'data-url', dataUrl: canvas.toDataURL('image/png') };
  } catch {
    return { kind: 'none', reason: 'image-tainted', message: `the page does not allow reading the pixels of ${shortUrl(url)} (cross-origin image)` };
  }
}

const api: ContentApi = {
  getSelection: () => Promise.resolve(selectedText()),
  async captureImage(hint) {
    if (hint.pixels === true) return hint.srcUrl ? pagePixels(hint.srcUrl) : { kind: 'none', reason: 'no-image', message: 'no image URL to read' };
    if (hint.srcUrl?.startsWith('blob:')) {
      // Only an element that shows this URL (<picture>/srcset may show another source than src).
      const img = [...document.images].find((i) => (i.currentSrc || i.src) === hint.srcUrl);
      if (img) return (await fromElement(img)) ?? { kind: 'none', reason: 'no-image', message: '' };
    }
    if (!lastClick) return { kind: 'none', reason: 'no-click', message: 'the right-click happened before TensorLens could see the page' };
    const target = lastClick.target;
    for (const el of candidates()) {
      const c = await fromElement(el, el === target);
      if (c) return c;
    }
    return { kind: 'none', reason: 'no-image', message: 'no image, video or canvas where you right-clicked' };
  },
  hasImageAtClick: () => Promise.resolve(hasImageAtClick()),
};

/** Cheap check, no reads: is there something under the last right-click the image item can use? */
function hasImageAtClick(): boolean {
  const target = lastClick?.target;
  return candidates().some(
    (el) =>
      el instanceof HTMLImageElement || el instanceof HTMLVideoElement || el instanceof HTMLCanvasElement || el instanceof SVGSVGElement ||
      (el === target && cssBackgroundUrl(el) !== null),
  );
}

const menus = rpcClient<MenusApi>('menus', sendToRuntime);

// Injected again by scripting.executeScript when a tab predates the install: serve only once.
const flag = '__tensorlensContent';
if (!(globalThis as Record<string, unknown>)[flag]) {
  (globalThis as Record<string, unknown>)[flag] = true;
  document.addEventListener(
    'contextmenu',
    (e) => {
      if (!e.isTrusted) return;
      // composedPath()[0]: the element itself even inside an open shadow root (e.target is the host).
      lastClick = { target: e.composedPath()[0] ?? e.target, x: e.clientX, y: e.clientY };
      // Chrome has no menus.onShown: report now, before the browser builds the menu.
      if (__BROWSER__ === 'chrome') void menus.rightClicked(hasImageAtClick()).catch(() => undefined);
    },
    true,
  );
  serve('content', api, fromThisExtension);
}
