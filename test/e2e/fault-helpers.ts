/**
 * Helpers for the fault suites (test/e2e/faults.*.test.ts) and the benchmark (bench/run.ts):
 * generated bad-input fixtures (1×1 and 10000×10000 PNGs, an animated GIF, corrupt bytes), a
 * local server that records every request it gets, a copy of the test build with broken models
 * added, and Chromium controls (dispatch a menu click, stop the service worker, evaluate in the
 * content-script world). Everything waits on conditions, never on fixed sleeps.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import puppeteer, { type Browser, type Page, type WebWorker } from 'puppeteer-core';
import { CHROMIUM, DRAWING, PHOTO, ROOT, TEXTS, distDir, sender, serveFixtureImage, tmpProfile } from './harness';

// ---------- generated images ----------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A PNG; `rgb` = 8-bit RGB rows from `pixel`, otherwise 1-bit grayscale (cheap at 10000×10000). */
export function makePng(width: number, height: number, pixel?: (x: number, y: number) => [number, number, number]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = pixel ? 8 : 1; // bit depth
  ihdr[9] = pixel ? 2 : 0; // colour type: RGB or grayscale
  const rowBytes = pixel ? width * 3 : Math.ceil(width / 8);
  const raw = Buffer.alloc((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) {
    const o = y * (rowBytes + 1);
    if (pixel) {
      for (let x = 0; x < width; x++) {
        const [r, g, b] = pixel(x, y);
        raw[o + 1 + x * 3] = r;
        raw[o + 2 + x * 3] = g;
        raw[o + 3 + x * 3] = b;
      }
    } else {
      // stripes so the image is not one flat colour
      raw.fill(Math.floor(y / 500) % 2 ? 0xff : 0x0f, o + 1, o + 1 + rowBytes);
    }
  }
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw, { level: 6 })), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * A two-frame looping GIF (width×height, 4-colour palette). Pixels are LZW-coded "uncompressed":
 * a clear code every 2 pixels keeps the code width at 3 bits, so no real LZW encoder is needed.
 */
export function makeAnimatedGif(width: number, height: number, pixelsPerClear = 2): Buffer {
  const frame = (colour: number): Buffer => {
    const bits: number[] = [];
    const put = (code: number): void => {
      for (let i = 0; i < 3; i++) bits.push((code >> i) & 1);
    };
    for (let i = 0; i < width * height; i++) {
      if (i % pixelsPerClear === 0) put(4); // clear
      put(colour);
    }
    put(5); // end of information
    const bytes = Buffer.alloc(Math.ceil(bits.length / 8));
    bits.forEach((b, i) => {
      bytes[i >> 3] = (bytes[i >> 3] as number) | (b << (i & 7));
    });
    const blocks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 255) {
      const part = bytes.subarray(i, i + 255);
      blocks.push(Buffer.from([part.length]), part);
    }
    const desc = Buffer.alloc(10);
    desc[0] = 0x2c;
    desc.writeUInt16LE(width, 5);
    desc.writeUInt16LE(height, 7);
    const gce = Buffer.from([0x21, 0xf9, 0x04, 0x00, 10, 0, 0x00, 0x00]); // 100 ms per frame
    return Buffer.concat([gce, desc, Buffer.from([2]), ...blocks, Buffer.from([0])]);
  };
  const header = Buffer.alloc(13);
  header.write('GIF89a', 0, 'ascii');
  header.writeUInt16LE(width, 6);
  header.writeUInt16LE(height, 8);
  header[10] = 0xf1; // global colour table, 4 entries
  const palette = Buffer.from([255, 255, 255, 0, 0, 0, 200, 30, 30, 30, 30, 200]);
  const loop = Buffer.concat([Buffer.from([0x21, 0xff, 0x0b]), Buffer.from('NETSCAPE2.0', 'ascii'), Buffer.from([3, 1, 0, 0, 0])]);
  return Buffer.concat([header, palette, loop, frame(2), frame(3), Buffer.from([0x3b])]);
}

/** JPEG start-of-image marker followed by garbage: claims to be a JPEG, cannot be decoded. */
export function makeCorruptJpeg(): Buffer {
  const junk = Buffer.alloc(4096);
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919 + 13) & 0xff;
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), junk]);
}

let hugePng: Buffer | null = null;
/** 10000×10000 (100 megapixels; 1-bit grayscale so the file is small). */
export function hugePngBytes(): Buffer {
  hugePng ??= makePng(10_000, 10_000);
  return hugePng;
}

// ---------- server ----------

export interface FaultServer {
  origin: string;
  /** other origin serving the same files */
  other: string;
  /** every request path (with query) received by either origin, in order */
  hits: string[];
  close(): Promise<void>;
}

/** 1 MB of prose (≈ 1,048,576 characters) for the long-selection test. */
export const MEGABYTE_TEXT = 'The quick brown fox jumps over the lazy dog while the free prize offer waits. '.repeat(13_500).slice(0, 1_048_576);

function html(body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>faults</title>
<style>body{margin:0;font:16px sans-serif} img{display:block;width:64px;height:64px;margin:2px}</style></head><body>${body}</body></html>`;
}

function faultHandler(hits: string[]): http.RequestListener {
  const gif = makeAnimatedGif(48, 48);
  const onePx = makePng(1, 1, () => [200, 40, 40]);
  const corrupt = makeCorruptJpeg();
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="160"><rect width="200" height="160" fill="#fff"/><circle cx="100" cy="80" r="50" fill="none" stroke="#000" stroke-width="4"/></svg>`;
  return (req, res) => {
    hits.push(req.url ?? '/');
    const url = new URL(req.url ?? '/', 'http://x');
    const send = sender(res);
    if (serveFixtureImage(url.pathname, send)) return;
    switch (url.pathname) {
      case '/bad/corrupt.jpg':
        return send(200, 'image/jpeg', corrupt);
      case '/bad/1x1.png':
        return send(200, 'image/png', onePx);
      case '/bad/huge.png':
        return send(200, 'image/png', hugePngBytes());
      case '/bad/drawing.svg':
        return send(200, 'image/svg+xml', svg);
      case '/bad/anim.gif':
        return send(200, 'image/gif', gif);
      case '/images.html':
        return send(200, 'text/html', html(`<img id="drawing" src="/img/${DRAWING.name}.jpg"><img id="photo" src="/img/${PHOTO.name}.jpg">
<img id="blob" alt="blob image"><script>
fetch('/img/${DRAWING.name}.jpg').then(r => r.blob()).then(b => { const el = document.getElementById('blob'); el.onload = () => { document.body.dataset.blob = 'ready'; }; el.src = URL.createObjectURL(b); });
</script>`));
      case '/text.html':
        return send(200, 'text/html', html(`<p id="spam">${TEXTS?.spam ?? 'Win a free prize now, click here'}</p><p id="mega">${MEGABYTE_TEXT}</p>`));
      default:
        return send(404, 'text/plain', 'not found');
    }
  };
}

function listen(server: http.Server, host: string): Promise<string> {
  return new Promise((resolve) => server.listen(0, host, () => resolve(`http://${host}:${(server.address() as AddressInfo).port}`)));
}

export async function startFaultServer(): Promise<FaultServer> {
  const hits: string[] = [];
  const a = http.createServer(faultHandler(hits));
  const b = http.createServer(faultHandler(hits));
  const origin = await listen(a, '127.0.0.1');
  const other = await listen(b, 'localhost');
  return {
    origin,
    other,
    hits,
    close: () => Promise.all([a, b].map((s) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); }))).then(() => undefined),
  };
}

// ---------- a test build with broken models ----------

export const BROKEN_MODELS = {
  /** weights shard deleted */
  missingShard: 'broken-missing-shard',
  /** model.json is not JSON */
  corruptJson: 'broken-corrupt-json',
  /** weights shard cut to 1 KB */
  truncatedShard: 'broken-truncated-shard',
  /** model.json deleted (metadata.json still names it) */
  missingModelJson: 'broken-missing-model-json',
} as const;

/**
 * Copies dist/test-<browser> to a temp folder and adds three broken copies of the default image
 * model (listed in models/index.json, so they can be picked in settings). Same manifest key, so
 * the same extension id. The original build is not touched (other suites share it).
 */
export function buildWithBrokenModels(browser: 'chrome' | 'firefox'): string {
  const src = distDir(browser);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), `tensorlens-broken-${browser}-`));
  fs.cpSync(src, out, { recursive: true });
  const indexFile = path.join(out, 'models/index.json');
  const index = JSON.parse(fs.readFileSync(indexFile, 'utf8')) as { models: { name: string; displayName: string; task: string; labels: string[]; path: string }[]; defaults: { image: string | null } };
  const base = index.models.find((m) => m.name === index.defaults.image);
  if (!base) throw new Error('the test build has no default image model');
  for (const name of Object.values(BROKEN_MODELS)) {
    const dir = path.join(out, 'models', name);
    fs.cpSync(path.join(out, 'models', base.name), dir, { recursive: true });
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'metadata.json'), 'utf8')) as Record<string, unknown>;
    meta.name = name;
    fs.writeFileSync(path.join(dir, 'metadata.json'), JSON.stringify(meta));
    index.models.push({ ...base, name, displayName: name, path: `models/${name}/` });
  }
  const shardOf = (name: string): string => {
    const mj = JSON.parse(fs.readFileSync(path.join(out, 'models', name, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
    return path.join(out, 'models', name, mj.weightsManifest[0]?.paths[0] as string);
  };
  fs.rmSync(shardOf(BROKEN_MODELS.missingShard));
  fs.writeFileSync(path.join(out, 'models', BROKEN_MODELS.corruptJson, 'model.json'), '{"format": "layers-model", "modelTopology": {');
  fs.rmSync(path.join(out, 'models', BROKEN_MODELS.missingModelJson, 'model.json'));
  const shard = shardOf(BROKEN_MODELS.truncatedShard);
  fs.writeFileSync(shard, fs.readFileSync(shard).subarray(0, 1024));
  fs.writeFileSync(indexFile, JSON.stringify(index, null, 2));
  return out;
}

/** The weights shard file name of the default image model (what the missing-shard error must name). */
export function defaultShardName(): string {
  const dir = path.join(distDir('chrome'), 'models');
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as { defaults: { image: string } };
  const mj = JSON.parse(fs.readFileSync(path.join(dir, index.defaults.image, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
  return mj.weightsManifest[0]?.paths[0] as string;
}

// ---------- Chromium ----------

/** The slice of chrome.* used inside the service worker (Node types only in tests). */
export interface ChromeApi {
  tabs: { query(q: object): Promise<{ id?: number; url?: string }[]> };
  contextMenus: { onClicked: { dispatch(info: unknown, tab: unknown): void } };
  storage: {
    local: { get(k: string): Promise<Record<string, unknown>>; set(v: object): Promise<void> };
    session: { get(k: string): Promise<Record<string, unknown>>; set(v: object): Promise<void> };
  };
  offscreen: { closeDocument(): Promise<void>; hasDocument?(): Promise<boolean> };
  runtime: { id: string; sendMessage(m: unknown): Promise<unknown>; getContexts(f: object): Promise<unknown[]> };
}
declare const chrome: ChromeApi;

export interface ChromeFaultSession {
  browser: Browser;
  extensionId: string;
  swUrl: string;
  worker(): Promise<WebWorker>;
  close(): Promise<void>;
}

export async function launchChromeWith(extensionDir: string): Promise<ChromeFaultSession> {
  const profile = tmpProfile();
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    pipe: true,
    enableExtensions: [extensionDir],
    userDataDir: profile,
    args: ['--no-sandbox', '--enable-unsafe-swiftshader', '--disable-dev-shm-usage', '--no-first-run'],
  });
  const sw = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().endsWith('/background.js'), { timeout: 30_000 });
  const swUrl = sw.url();
  const extensionId = new URL(swUrl).host;
  const worker = async (): Promise<WebWorker> => {
    const t = await browser.waitForTarget((x) => x.type() === 'service_worker' && x.url() === swUrl, { timeout: 30_000 });
    const w = await t.worker();
    if (!w) throw new Error('service worker target has no worker');
    return w;
  };
  return {
    browser,
    extensionId,
    swUrl,
    worker,
    close: async () => {
      await browser.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface TabRef {
  id: number;
  url: string;
}

export async function tabFor(s: ChromeFaultSession, p: Page): Promise<TabRef> {
  const w = await s.worker();
  const url = p.url();
  return w.evaluate(async (u: string) => {
    const t = (await chrome.tabs.query({})).find((x) => x.url === u);
    if (!t || t.id === undefined) throw new Error(`no tab for ${u}`);
    return { id: t.id, url: u };
  }, url);
}

/** Fires the real context-menu listener in the service worker (chrome.contextMenus.onClicked.dispatch). */
export async function dispatchClick(s: ChromeFaultSession, info: Record<string, unknown>, tab: TabRef): Promise<void> {
  const w = await s.worker();
  await w.evaluate(
    (i: Record<string, unknown>, t: unknown) => chrome.contextMenus.onClicked.dispatch(i, t),
    { frameId: 0, editable: false, pageUrl: tab.url, ...info },
    tab,
  );
}

export interface StoredJob {
  id: string;
  phase: string;
  error?: { code: string; message: string };
  result?: { scores: { label: string; probability: number }[]; sourceUrl?: string; text?: { truncated: boolean; charsTruncated: boolean; inputChars: number } };
}

export interface HistoryEntry {
  id: string;
  sourceUrl?: string;
  createdAt: number;
  scores: { label: string }[];
}

export async function storedState(s: ChromeFaultSession): Promise<{ job: StoredJob | undefined; history: HistoryEntry[] }> {
  const w = await s.worker();
  return w.evaluate(async () => ({
    job: (await chrome.storage.session.get('job')).job as StoredJob | undefined,
    // History lives in the extension's IndexedDB; the test build exposes it in the worker.
    history: await (globalThis as unknown as { tensorlensTest: { history(): Promise<HistoryEntry[]> } }).tensorlensTest.history(),
  }));
}

/**
 * Stops the extension's service worker the way Chrome does when it is idle: CDP
 * ServiceWorker.stopAllWorkers on a session of one of the extension's own pages (the domain only
 * sees the service workers of that page's storage partition), then waits until the target is gone.
 */
export async function stopServiceWorker(s: ChromeFaultSession, extensionPage: Page): Promise<void> {
  const cdp = await extensionPage.createCDPSession();
  try {
    const gone = new Promise<void>((resolve) => {
      const check = (t: { type(): string; url(): string }): void => {
        if (t.type() === 'service_worker' && t.url() === s.swUrl) {
          s.browser.off('targetdestroyed', check);
          resolve();
        }
      };
      s.browser.on('targetdestroyed', check);
    });
    // A worker with a DevTools session attached is never stopped: drop puppeteer's session first
    // (the restarted worker is a new target with a fresh session).
    const t = s.browser.targets().find((x) => x.type() === 'service_worker' && x.url() === s.swUrl);
    const w = await t?.worker();
    await w?.client.detach().catch(() => undefined);
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await withDeadline(gone, 30_000, 'the service worker did not stop');
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new Error(what)), ms); })]).finally(() => clearTimeout(timer));
}

/**
 * Evaluates `expression` in the extension's content-script world of `page` (an isolated world
 * whose origin is chrome-extension://<id>), so messages are sent exactly as a (compromised)
 * content script would send them.
 */
export async function evaluateInContentScript(page: Page, extensionId: string, expression: string): Promise<unknown> {
  const cdp = await page.createCDPSession();
  try {
    const contexts: { id: number; origin: string; auxData?: { type?: string; frameId?: string } }[] = [];
    cdp.on('Runtime.executionContextCreated', (e: { context: { id: number; origin: string; auxData?: { type?: string; frameId?: string } } }) => contexts.push(e.context));
    await cdp.send('Runtime.enable');
    const mainFrame = (page.mainFrame() as unknown as { _id: string })._id;
    const ctx = contexts.find((c) => c.origin === `chrome-extension://${extensionId}` && c.auxData?.type === 'isolated' && (!mainFrame || c.auxData?.frameId === mainFrame));
    if (!ctx) throw new Error(`no content-script world in ${page.url()}`);
    const r = (await cdp.send('Runtime.evaluate', { expression, contextId: ctx.id, awaitPromise: true, returnByValue: true })) as {
      result: { value?: unknown };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    };
    if (r.exceptionDetails) throw new Error(r.exceptionDetails.exception?.description ?? r.exceptionDetails.text);
    return r.result.value;
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

/** tf.memory() of the model host in the offscreen document (test build hook). */
export async function offscreenMemory(s: ChromeFaultSession): Promise<{ numTensors: number; numBytes: number }> {
  const target = await s.browser.waitForTarget((t) => t.url() === `chrome-extension://${s.extensionId}/offscreen.html`, { timeout: 30_000 });
  const off = await target.asPage();
  return off.evaluate(() => (globalThis as unknown as { tensorlensHost: { memory(): { numTensors: number; numBytes: number } } }).tensorlensHost.memory());
}
