/**
 * Same answer everywhere (issue 8): the generated image set (scripts/make-image-fixtures.ts)
 * through the real right-click path in Chromium and Firefox, written once and run in both. Each
 * browser's scores and model-input tensor are compared with the other browser's and with the Node
 * reference (sharp decode + the same preprocessing code + the same model) and nsfwjs's classify();
 * broken files and the page-pixels fallback's refusals give clear errors. The measured agreement
 * goes to dist/preprocess-agreement.json (docs/preprocessing.md quotes it).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Page, WebWorker } from 'puppeteer-core';
import { makeImageFixtures, type GeneratedImage } from '../../scripts/make-image-fixtures';
import { maxDelta, references, top1, type Reference } from '../fixtures/image-reference';
import { MENU_IMAGE, ROOT, ensureTestBuild, launchChrome, launchFirefox } from './harness';

jest.setTimeout(600_000);

const FIXTURES = path.join(ROOT, 'dist', 'image-fixtures');
const REPORT = path.join(ROOT, 'dist', 'preprocess-agreement.json');

interface Job {
  id: string;
  phase: string;
  error?: { code: string; message: string };
  result?: { scores: { label: string; probability: number }[] };
}

/** What a scenario needs from a browser: open a page, right-click an element, read the model input. */
interface Driver {
  page: Page;
  click(selector: string, srcUrl: string): Promise<Job>;
  lastInput(): Promise<number[] | null>;
  close(): Promise<void>;
}

declare const chrome: {
  tabs: { query(q: object): Promise<{ id?: number; url?: string }[]> };
  contextMenus: { onClicked: unknown };
  storage: { session: { get(k: string): Promise<Record<string, unknown>> } };
};
declare const browser: {
  tabs: { query(q: object): Promise<{ id?: number; url?: string }[]> };
  runtime: { sendMessage(m: unknown): Promise<unknown> };
};

const rightClick = (page: Page, selector: string): Promise<void> =>
  page.evaluate((sel: string) => {
    // querySelector does not pierce shadow roots: "host >>> inner" names an element inside one.
    const [outer, inner] = sel.split(' >>> ') as [string, string | undefined];
    let el = document.querySelector(outer) as Element;
    if (inner) el = (el.shadowRoot as ShadowRoot).querySelector(inner) as Element;
    const r = el.getBoundingClientRect();
    el.dispatchEvent(new MouseEvent('contextmenu', { bubbles: true, composed: true, cancelable: true, clientX: r.left + r.width / 2, clientY: r.top + r.height / 2, button: 2 }));
  }, selector);

async function chromeDriver(pageUrl: string): Promise<Driver> {
  const s = await launchChrome();
  const page = await s.browser.newPage();
  // Not 'load': one image on the page (#loading) never finishes, on purpose.
  await page.goto(pageUrl, { waitUntil: 'domcontentloaded' });
  let lastId = '';
  const job = (w: WebWorker): Promise<Job | undefined> => w.evaluate(async () => (await chrome.storage.session.get('job')).job as Job | undefined);
  return {
    page,
    async click(selector, srcUrl) {
      await rightClick(page, selector);
      const w = await s.worker();
      const tab = await w.evaluate(async (u: string) => (await chrome.tabs.query({})).find((t) => t.url === u), page.url());
      await w.evaluate(
        (i: unknown, t: unknown) => (chrome.contextMenus.onClicked as { dispatch(a: unknown, b: unknown): void }).dispatch(i, t),
        { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl, frameId: 0, pageUrl: page.url(), editable: false },
        tab,
      );
      for (;;) {
        const j = await job(await s.worker());
        if (j && j.id !== lastId && (j.phase === 'done' || j.phase === 'error')) {
          lastId = j.id;
          return j;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async lastInput() {
      const off = await (await s.browser.waitForTarget((t) => t.url().endsWith('/offscreen.html'))).asPage();
      return off.evaluate(() => (globalThis as unknown as { tensorlensHost: { lastInput?: number[] | null } }).tensorlensHost.lastInput ?? null);
    },
    close: () => s.browser.close(),
  };
}

async function firefoxDriver(pageUrl: string): Promise<Driver> {
  const s = await launchFirefox();
  const page = await s.browser.newPage();
  // Not 'load': one image on the page (#loading) never finishes, on purpose.
  await page.goto(pageUrl, { waitUntil: 'domcontentloaded' });
  const call = <T>(method: string, args: unknown[]): Promise<T> =>
    s.testPage.evaluate(
      async (m: string, a: unknown[]) => {
        const r = (await browser.runtime.sendMessage({ target: 'background', method: m, args: a })) as { ok: boolean; value: unknown };
        return r.value;
      },
      method,
      args,
    ) as Promise<T>;
  return {
    page,
    async click(selector, srcUrl) {
      await rightClick(page, selector);
      const tab = await s.testPage.evaluate(async (u: string) => (await browser.tabs.query({})).find((t) => t.url === u), page.url());
      return call<Job>('testMenuClick', [{ menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl, frameId: 0, pageUrl: page.url(), editable: false }, tab]);
    },
    lastInput: () => call<number[] | null>('testLastInput', []),
    close: () => s.stop(),
  };
}

// ---------- the test site ----------

const SESSION = 'tl_session=ok';
let fixtures: { images: GeneratedImage[]; broken: GeneratedImage[] };
let server: http.Server;
let origin = '';

function site(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const send = (status: number, type: string, body: string | Buffer): void => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };
  const all = [...fixtures.images, ...fixtures.broken];
  const file = /^\/(img|private)\/([a-z0-9.-]+)$/.exec(url.pathname);
  if (file) {
    const f = all.find((i) => i.file === file[2]);
    if (!f) return send(404, 'text/plain', 'no such image');
    // /private/ needs the page's session cookie: the extension's own fetch is refused (403).
    if (file[1] === 'private' && !(req.headers.cookie ?? '').split(/;\s*/).includes(SESSION)) return send(403, 'text/plain', 'log in first');
    return send(200, f.type, fs.readFileSync(path.join(FIXTURES, f.file)));
  }
  // Refused without the cookie (the extension's fetch); never finishes for the page's own request.
  if (url.pathname.startsWith('/private-slow/')) {
    if (!(req.headers.cookie ?? '').split(/;\s*/).includes(SESSION)) return send(403, 'text/plain', 'log in first');
    res.writeHead(200, { 'content-type': 'image/jpeg' });
    res.write(fs.readFileSync(path.join(FIXTURES, 'photo-baseline.jpg')).subarray(0, 2000));
    return undefined;
  }
  if (url.pathname === '/set.html') {
    res.setHeader('set-cookie', `${SESSION}; Path=/; SameSite=Lax`);
    const imgs = all.map((f, i) => `<img id="i${i}" src="/img/${f.file}" alt="${f.what}">`).join('\n');
    return send(200, 'text/html', `<!doctype html><meta charset="utf-8"><style>img{width:64px;height:64px}</style>
<body>${imgs}
<img id="private" src="/private/photo-baseline.jpg">
<div id="host"></div><canvas id="placeholder" width="30" height="30"></canvas>
<script>
  // A photo behind a login inside an open shadow root, over a placeholder canvas (issue 8).
  const root = document.getElementById('host').attachShadow({ mode: 'open' });
  root.innerHTML = '<img id="shadow-img" src="/private/scene.jpg" style="width:120px;height:90px">';
  document.body.insertAdjacentHTML('beforeend', '<img id="swapped" src="/private/wide-3to1.jpg"><img id="loading" src="/private-slow/photo.jpg">');
</script></body>`);
  }
  return send(404, 'text/plain', 'not found');
}

beforeAll(async () => {
  ensureTestBuild();
  fixtures = await makeImageFixtures(FIXTURES);
  server = http.createServer(site);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

type Scores = Record<string, number>;
interface Seen {
  scores?: Scores;
  error?: string;
  input?: number[] | null;
}
const seen: Record<string, Record<string, Seen>> = { chrome: {}, firefox: {} };
const toScores = (j: Job): Scores => Object.fromEntries((j.result?.scores ?? []).map((s) => [s.label, s.probability]));

describe.each([
  ['chrome', chromeDriver],
  ['firefox', firefoxDriver],
] as const)('%s', (name, make) => {
  let d: Driver;
  beforeAll(async () => {
    d = await make(`${origin}/set.html`);
    await d.page.waitForFunction(() => Array.from(document.images).every((i) => i.complete || i.id === 'loading'), { timeout: 60_000, polling: 100 });
  });
  afterAll(() => d?.close());

  test('every generated image is classified, and its model input is recorded', async () => {
    for (const [i, f] of fixtures.images.entries()) {
      const job = await d.click(`#i${i}`, `${origin}/img/${f.file}`);
      expect([f.file, job.phase, job.error?.code]).toEqual([f.file, 'done', undefined]);
      seen[name] = { ...seen[name], [f.file]: { scores: toScores(job), input: await d.lastInput() } };
    }
  });

  test('truncated and corrupt files are refused with the reason, not classified', async () => {
    const want: Record<string, [string, RegExp]> = {
      'truncated.jpg': ['image-truncated', /JPEG ends after \d+ bytes without its end-of-image marker/],
      'truncated.png': ['image-truncated', /the PNG's IDAT chunk .* the file ends first \(the file is cut off\)/],
      'corrupt-crc.png': ['image-corrupt', /IDAT chunk .* fails its checksum/],
    };
    for (const [i, f] of fixtures.broken.entries()) {
      const job = await d.click(`#i${fixtures.images.length + i}`, `${origin}/img/${f.file}`);
      const [code, message] = want[f.file] as [string, RegExp];
      expect([f.file, job.phase, job.error?.code]).toEqual([f.file, 'error', code]);
      expect(job.error?.message).toMatch(message);
    }
  });

  test('page-pixels fallback: the right-clicked image inside an open shadow root, behind a login', async () => {
    const job = await d.click('#host >>> #shadow-img', `${origin}/private/scene.jpg`);
    expect([job.phase, job.error]).toEqual(['done', undefined]);
    seen[name] = { ...seen[name], 'private:scene.jpg': { scores: toScores(job), input: await d.lastInput() } };
  });

  test('page-pixels fallback refuses other pixels: a placeholder, another URL, an unfinished image', async () => {
    const placeholder = await d.click('#placeholder', `${origin}/private/scene.jpg`);
    expect(placeholder.error?.code).toBe('page-image-not-shown');
    expect(placeholder.error?.message).toMatch(/^HTTP 403 .*; the element you right-clicked is a <canvas>, not the image/);
    const swapped = await d.click('#swapped', `${origin}/private/tall-1to3.png`);
    expect(swapped.error?.code).toBe('page-image-not-shown');
    expect(swapped.error?.message).toMatch(/shows .*wide-3to1\.jpg, not .*tall-1to3\.png/);
    const loading = await d.click('#loading', `${origin}/private-slow/photo.jpg`);
    expect(loading.error?.code).toBe('page-image-not-shown');
    expect(loading.error?.message).toMatch(/has not finished loading/);
  });
});

afterAll(() => {
  fs.writeFileSync(REPORT, JSON.stringify(seen));
});

const inputDelta = (a: number[], b: number[]): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
};

test('agreement: Chrome and Firefox inputs within 2/255, top-1 identical, scores within 0.01 of the Node reference and nsfwjs', async () => {
  const refs = await references(FIXTURES, fixtures.images.map((f) => f.file));
  const rows = fixtures.images.map((f) => {
    const c = seen.chrome?.[f.file];
    const ff = seen.firefox?.[f.file];
    const ref = refs[f.file] as Reference;
    if (!c?.scores || !ff?.scores || !c.input || !ff.input) throw new Error(`${f.file}: not classified in both browsers`);
    const refInput = Array.from(Buffer.from(ref.input, 'base64'), (v) => v / 255);
    return {
      file: f.file,
      inputCF: inputDelta(c.input, ff.input) * 255,
      inputCRef: inputDelta(c.input, refInput) * 255,
      cf: maxDelta(c.scores, ff.scores),
      cRef: maxDelta(c.scores, ref.ours),
      fRef: maxDelta(ff.scores, ref.ours),
      cNsfw: maxDelta(c.scores, ref.nsfwjs),
      top: [top1(c.scores), top1(ff.scores), top1(ref.ours), top1(ref.nsfwjs)],
    };
  });
  const max = (k: 'inputCF' | 'inputCRef' | 'cf' | 'cRef' | 'fRef' | 'cNsfw'): number => Math.max(...rows.map((r) => r[k]));
  const summary = {
    images: rows.length,
    chromeVsFirefox: { maxInputDelta255: max('inputCF'), maxDp: max('cf'), top1Disagree: rows.filter((r) => r.top[0] !== r.top[1]).length },
    browsersVsNodeReference: { maxInputDelta255: max('inputCRef'), maxDp: Math.max(max('cRef'), max('fRef')) },
    chromeVsNsfwjs: { maxDp: max('cNsfw'), top1Disagree: rows.filter((r) => r.top[0] !== r.top[3]).length },
    rows,
  };
  fs.writeFileSync(REPORT.replace('.json', '-summary.json'), JSON.stringify(summary, null, 2));
  // The page-pixels fallback (shadow-root <img> behind a login) scores like the file itself.
  for (const b of ['chrome', 'firefox']) {
    const viaPage = seen[b]?.['private:scene.jpg']?.scores;
    expect(viaPage && maxDelta(viaPage, (refs['scene.jpg'] as Reference).ours)).toBeLessThan(0.01);
  }
  // eslint-disable-next-line no-console -- the measured agreement is part of the report
  console.log(JSON.stringify({ ...summary, rows: undefined }, null, 1));
  for (const r of rows) {
    expect([r.file, r.inputCF <= 2]).toEqual([r.file, true]);
    // + 0.5: the reference input is stored rounded to 1/255. CMYK is the one decoder difference:
    // sharp converts CMYK through an ICC profile, both browsers (colorSpaceConversion 'none') do not.
    expect([r.file, r.inputCRef <= 2.5 || r.file === 'cmyk.jpg']).toEqual([r.file, true]);
    expect([r.file, new Set(r.top).size]).toEqual([r.file, 1]);
    expect([r.file, r.cRef < 0.01 && r.fRef < 0.01]).toEqual([r.file, true]);
  }
});
