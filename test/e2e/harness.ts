/**
 * Shared e2e harness: builds the test extension when dist/test-* is missing or stale, serves
 * test pages, real photographs and generated bad images from two local origins (127.0.0.1 and
 * localhost on different ports, so one is cross-origin) and logs every request they get, starts
 * Xvfb for Firefox WebGL, and reads the popup. The per-browser drivers are in drivers.ts.
 * Everything waits on conditions (waitForFunction), never on fixed sleeps.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { hugePngBytes, makeAnimatedGif, makeCorruptJpeg, makePng } from './images';

export const ROOT = path.resolve(__dirname, '../..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';
export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/lib/firefox-esr/firefox-esr';
export const FIREFOX_ID = 'tensorlens@tensorlens.dev';
export const FIREFOX_UUID = '7e1e5a3c-0b6f-4d2a-9c61-2f1f3e5a7b10';
export const MENU_IMAGE = 'tensorlens-classify-image';
export const MENU_TEXT = 'tensorlens-classify-selection';

export interface ImageFixture {
  name: string;
  file: string;
  kind: string;
  expectedTop: string;
}
export const IMAGES: ImageFixture[] = (JSON.parse(fs.readFileSync(path.join(ROOT, 'test/fixtures/images.json'), 'utf8')) as { images: ImageFixture[] }).images;
export const DRAWING = IMAGES.find((i) => i.expectedTop === 'Drawing') as ImageFixture;
export const PHOTO = IMAGES.find((i) => i.kind === 'photograph' && i.expectedTop === 'Neutral') as ImageFixture;

const textsFile = path.join(ROOT, 'test/fixtures/texts.json');
export const TEXTS: { spam: string; ham: string } | null = fs.existsSync(textsFile) ? JSON.parse(fs.readFileSync(textsFile, 'utf8')) : null;

// ---------- build ----------

function newestMtime(p: string): number {
  if (!fs.existsSync(p)) return 0;
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...fs.readdirSync(p).map((f) => newestMtime(path.join(p, f))));
}

/** Builds dist/test-chrome + dist/test-firefox unless they are newer than every input. */
export function ensureTestBuild(): void {
  const inputs = ['src', 'model_web', 'manifest.json', 'manifest.chrome.json', 'manifest.firefox.json', 'webpack.config.js', 'test/e2e/extension', 'test/fixtures/models'];
  const newestInput = Math.max(...inputs.map((p) => newestMtime(path.join(ROOT, p))));
  // A stamp, not the outputs' mtimes: webpack skips rewriting unchanged files.
  const stamp = path.join(ROOT, 'dist', '.test-build-stamp');
  const built = ['dist/test-chrome/manifest.json', 'dist/test-firefox/manifest.json'].every((p) => fs.existsSync(path.join(ROOT, p)));
  if (built && fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs > newestInput) return;
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/webpack-cli/bin/cli.js'), '--env', 'test'], { cwd: ROOT, stdio: 'inherit' });
  fs.writeFileSync(stamp, new Date().toISOString());
}

export const distDir = (browser: 'chrome' | 'firefox'): string => path.join(ROOT, 'dist', `test-${browser}`);

// ---------- servers ----------

export interface Servers {
  /** page origin, e.g. http://127.0.0.1:41234 */
  main: string;
  /** a different origin serving the same files (cross-origin images) */
  other: string;
  /** every request path (with query) received by either origin, in order */
  hits: string[];
  close(): Promise<void>;
}

/** 1 MB of prose (≈ 1,048,576 characters) for the long-selection scenario. */
export const MEGABYTE_TEXT = 'The quick brown fox jumps over the lazy dog while the free prize offer waits. '.repeat(13_500).slice(0, 1_048_576);

const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="160" viewBox="0 0 200 160">
<rect width="200" height="160" fill="#fff"/><circle cx="100" cy="80" r="50" fill="none" stroke="#000" stroke-width="4"/>
<path d="M60 80 Q100 20 140 80 T 180 80" fill="none" stroke="#333" stroke-width="3"/></svg>`;

function page(title: string, body: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>
<style>body{margin:0;font:16px sans-serif} img,canvas,.bg{display:block;width:224px;height:224px;margin:4px} .bg{background-size:cover}</style>
</head><body>${body}</body></html>`;
}

export type Send = (status: number, type: string, body: string | Buffer) => void;

export const sender = (res: http.ServerResponse): Send => (status, type, body) => {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
};

/** Serves /img/<name>.jpg from the photo fixtures (404 for unknown names); false for other paths. */
export function serveFixtureImage(pathname: string, send: Send): boolean {
  const img = /^\/img\/([a-z0-9-]+)\.jpg$/.exec(pathname);
  if (!img) return false;
  const f = IMAGES.find((i) => i.name === img[1]);
  if (f) send(200, 'image/jpeg', fs.readFileSync(path.join(ROOT, f.file)));
  else send(404, 'text/plain', 'no such image');
  return true;
}

/** Selects the contents of `selector` as a user's drag would; returns the selected text. */
export function selectContents(page: Page, selector: string): Promise<string> {
  return page.evaluate((s: string) => {
    const r = document.createRange();
    r.selectNodeContents(document.querySelector(s) as Node);
    const selection = getSelection() as Selection;
    selection.removeAllRanges();
    selection.addRange(r);
    return selection.toString();
  }, selector);
}

/**
 * An image behind a "login": served only with the session cookie that images.html sets, as a
 * site's private photos are. The extension's own fetch carries no page cookies, so it is refused
 * and the extension must fall back to the page's pixels. Counts let tests prove which path ran.
 */
export const privateImage = { refused: 0, served: 0 };
const SESSION_COOKIE = 'tl_session=ok';

function handler(otherOrigin: () => string, hits: string[]): http.RequestListener {
  const gif = makeAnimatedGif(48, 48);
  const onePx = makePng(1, 1, () => [200, 40, 40]);
  const corrupt = makeCorruptJpeg();
  const bad: Record<string, [string, () => Buffer | string]> = {
    '/bad/corrupt.jpg': ['image/jpeg', () => corrupt],
    '/bad/1x1.png': ['image/png', () => onePx],
    '/bad/huge.png': ['image/png', hugePngBytes],
    '/bad/drawing.svg': ['image/svg+xml', () => SVG],
    '/bad/anim.gif': ['image/gif', () => gif],
  };
  return (req, res) => {
    hits.push(req.url ?? '/');
    const url = new URL(req.url ?? '/', 'http://x');
    const send = sender(res);
    if (serveFixtureImage(url.pathname, send)) return;
    if (url.pathname === '/drawing.svg') return send(200, 'image/svg+xml', SVG);
    const generated = bad[url.pathname];
    if (generated) return send(200, generated[0], generated[1]());
    if (url.pathname === '/not-an-image.jpg') return send(200, 'image/jpeg', '<html>this is not a picture</html>');
    if (url.pathname === '/huge.jpg') {
      // Declares 60 MB; the extension must refuse it before downloading (image-too-large).
      res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': String(60 * 1024 * 1024) });
      res.write(Buffer.alloc(1024));
      return void setTimeout(() => res.destroy(), 2000);
    }
    const priv = /^\/private\/([a-z0-9-]+)\.jpg$/.exec(url.pathname);
    if (priv) {
      if (!(req.headers.cookie ?? '').split(/;\s*/).includes(SESSION_COOKIE)) {
        privateImage.refused++;
        return send(403, 'text/plain', 'log in first');
      }
      privateImage.served++;
      return serveFixtureImage(`/img/${priv[1] as string}.jpg`, send) ? undefined : send(404, 'text/plain', 'no such image');
    }
    if (url.pathname === '/images.html') {
      const o = otherOrigin();
      res.setHeader('set-cookie', `${SESSION_COOKIE}; Path=/; SameSite=Lax`);
      return send(200, 'text/html', page('images', `
<img id="private" src="/private/${PHOTO.name}.jpg" alt="photo behind a login" onload="document.body.dataset.private = 'ready'">
<img id="drawing" src="/img/${DRAWING.name}.jpg" alt="drawing">
<img id="photo-cross" src="${o}/img/${PHOTO.name}.jpg" alt="cross-origin photo">
<picture id="pic"><source srcset="/img/${PHOTO.name}.jpg" type="image/jpeg"><img id="pic-img" src="/img/missing.jpg" alt="picture"></picture>
<img id="srcset" srcset="/img/${DRAWING.name}.jpg 1x, /img/${DRAWING.name}.jpg 2x" src="/img/missing.jpg" alt="srcset">
<div id="bg" class="bg" style="background-image:url('/img/${DRAWING.name}.jpg')"></div>
<canvas id="canvas" width="400" height="300"></canvas>
<img id="blob" alt="blob image">
<img id="svg" src="/drawing.svg" alt="svg">
<img id="broken" src="/img/missing.jpg" alt="missing">
<video id="video" muted playsinline width="224" height="224"></video>
<script>
  const photo = new Image();
  photo.onload = () => {
    const canvas = document.getElementById('canvas');
    canvas.getContext('2d').drawImage(photo, 0, 0, 400, 300);
    document.body.dataset.canvas = 'ready';
    // A live <video> whose frames come from the canvas: exercises the video-frame capture path.
    const video = document.getElementById('video');
    if (canvas.captureStream) {
      video.srcObject = canvas.captureStream(10);
      video.onloadeddata = () => { document.body.dataset.video = 'ready'; };
      video.play().catch(() => undefined);
      setInterval(() => canvas.getContext('2d').drawImage(photo, 0, 0, 400, 300), 100);
    }
  };
  photo.src = '/img/${PHOTO.name}.jpg';
  fetch('/img/${DRAWING.name}.jpg').then(r => r.blob()).then(b => { const el = document.getElementById('blob'); el.onload = () => { document.body.dataset.blob = 'ready'; }; el.src = URL.createObjectURL(b); });
</script>`));
    }
    if (url.pathname === '/text.html') {
      return send(200, 'text/html', page('text', `<p id="spam">${TEXTS?.spam ?? ''}</p><p id="ham">${TEXTS?.ham ?? ''}</p><p id="long">${'Lorem ipsum dolor sit amet. '.repeat(400)}</p><p id="mega">${MEGABYTE_TEXT}</p>`));
    }
    return send(404, 'text/plain', 'not found');
  };
}

function listen(server: http.Server, host: string): Promise<string> {
  return new Promise((resolve) => server.listen(0, host, () => resolve(`http://${host}:${(server.address() as AddressInfo).port}`)));
}

export async function startServers(): Promise<Servers> {
  let other = '';
  let main = '';
  const hits: string[] = [];
  const a = http.createServer(handler(() => other, hits));
  const b = http.createServer(handler(() => main, hits));
  main = await listen(a, '127.0.0.1');
  other = await listen(b, 'localhost');
  return {
    main,
    other,
    hits,
    close: () => Promise.all([a, b].map((s) => new Promise<void>((r) => { s.closeAllConnections(); s.close(() => r()); }))).then(() => undefined),
  };
}

// ---------- Xvfb (Firefox WebGL needs a display; wasm does not) ----------

export async function ensureDisplay(): Promise<{ env: NodeJS.ProcessEnv; stop(): void }> {
  if (process.env.DISPLAY || !fs.existsSync('/usr/bin/Xvfb')) return { env: process.env, stop: () => undefined };
  const proc: ChildProcess = spawn('Xvfb', ['-displayfd', '1', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const display = await new Promise<string | null>((resolve) => {
    let buf = '';
    const timer = setTimeout(() => resolve(null), 10_000);
    proc.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) {
        clearTimeout(timer);
        resolve(buf.trim());
      }
    });
    proc.on('exit', () => resolve(null));
  });
  if (!display) {
    proc.kill();
    return { env: process.env, stop: () => undefined };
  }
  return { env: { ...process.env, DISPLAY: `:${display}` }, stop: () => proc.kill() };
}

// ---------- browsers ----------

export const tmpProfile = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'tensorlens-e2e-'));

/** Finds a page by its real location (BiDi reports about:blank for extension tabs). */
export async function findPage(browser: Browser, suffix: string, timeoutMs = 30_000): Promise<Page> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const p of await browser.pages()) {
      const href = await p.evaluate(() => location.href).catch(() => '');
      if (href.endsWith(suffix)) return p;
    }
    if (Date.now() > deadline) throw new Error(`no page ending in ${suffix}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------- popup helpers ----------

export interface PopupView {
  phase: string;
  jobId: string;
  topLabel: string;
  text: string;
  errorCode: string;
  backend: string;
  totalMs: number;
}

export function readPopup(popup: Page): Promise<PopupView> {
  return popup.evaluate(() => {
    const status = document.getElementById('status') as HTMLElement;
    return {
      phase: status.dataset.phase ?? '',
      jobId: status.dataset.jobId ?? '',
      topLabel: document.querySelector('#result .top-label')?.textContent ?? '',
      text: status.innerText,
      errorCode: document.getElementById('error')?.dataset.code ?? '',
      backend: document.querySelector('#result .backend')?.textContent ?? '',
      totalMs: Number(document.querySelector('#result .timings')?.getAttribute('data-total-ms') ?? 'NaN'),
    };
  });
}

/** Waits until the popup shows a finished job (result or error) other than `previousJobId`. */
export async function waitForOutcome(popup: Page, previousJobId: string, timeoutMs = 120_000): Promise<PopupView> {
  await popup.waitForFunction(
    (prev: string) => {
      const s = document.getElementById('status');
      return !!s && s.dataset.jobId !== prev && (s.dataset.phase === 'done' || s.dataset.phase === 'error');
    },
    { timeout: timeoutMs, polling: 'mutation' },
    previousJobId,
  );
  return readPopup(popup);
}

/** Click→result timings collected by the suites, written to dist/e2e-timings.json at the end. */
export function recordTiming(browser: string, name: string, clickToPopupMs: number, totalMs: number): void {
  const file = path.join(ROOT, 'dist', 'e2e-timings.json');
  const all = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  all[`${browser}: ${name}`] = { clickToPopupMs: Math.round(clickToPopupMs), backgroundTotalMs: Math.round(totalMs), at: new Date().toISOString() };
  fs.writeFileSync(file, JSON.stringify(all, null, 2));
  // eslint-disable-next-line no-console -- the timings are part of the test report
  console.log(`[timing] ${browser} ${name}: click→popup ${Math.round(clickToPopupMs)} ms (background total ${Math.round(totalMs)} ms)`);
}

export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new Error(what)), ms); })]).finally(() => clearTimeout(timer));
}

/** A tab as the extension sees it. */
export interface TabRef {
  id: number;
  url: string;
}

/** The job state the background keeps in storage.session. */
export interface StoredJob {
  id: string;
  phase: string;
  error?: { code: string; message: string };
  result?: { scores: { label: string; probability: number }[]; sourceUrl?: string; text?: { truncated: boolean; charsTruncated: boolean; inputChars: number } };
}

/** One entry of the history (newest first; kept in the extension's IndexedDB). */
export interface HistoryEntry {
  id: string;
  sourceUrl?: string;
  createdAt: number;
  scores: { label: string }[];
}
