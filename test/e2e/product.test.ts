/**
 * The product as a user meets it, written once and run in Chromium and Firefox: every popup,
 * options and first-run state screenshotted (light and dark, 320 px and full width, under
 * dist/screenshots/<browser>/) and checked with axe-core (zero violations) and for sideways
 * scrolling; keyboard use; the German UI; and the security cases: a page's synthetic right-click
 * is ignored, planted storage.local history is never shown or requested, private-window results
 * are not stored, and a cross-origin image asks for all-sites access and works once granted.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page, WebWorker } from 'puppeteer-core';
import { chromiumDriver, firefoxDriver, type BrowserName, type Driver } from './drivers';
import {
  DRAWING,
  MENU_IMAGE,
  MENU_TEXT,
  PHOTO,
  ROOT,
  distDir,
  ensureTestBuild,
  findPage,
  startServers,
  waitForOutcome,
  type HistoryEntry,
  type PopupView,
  type Servers,
  type TabRef,
} from './harness';

jest.setTimeout(240_000);


declare const axe: { run(ctx: unknown, opts: object): Promise<{ violations: { id: string; impact: string; nodes: { target: unknown[]; failureSummary?: string }[] }[] }> };

const AXE_SOURCE = fs.readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
const SHOTS = path.join(ROOT, 'dist', 'screenshots');
const ALL_SITES = { origins: ['<all_urls>'] };

interface SessionOptions {
  lang?: string;
  dark?: boolean;
  /** start without all-sites access, as a new install does */
  noAccess?: boolean;
}

/**
 * The built test extension minus its test-only all-sites grant (manifest.test.json): what a new
 * install has. Chrome refuses to revoke a manifest's host permissions through the API.
 */
function withoutAllSites(dir: string): string {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'tensorlens-no-access-'));
  fs.cpSync(dir, copy, { recursive: true });
  const manifestFile = path.join(copy, 'manifest.json');
  const m = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Record<string, unknown>;
  delete m.host_permissions;
  fs.writeFileSync(manifestFile, JSON.stringify(m, null, 2));
  return copy;
}

/** A browser session on the drivers of the main suite (drivers.ts), with this suite's options. */
async function launch(name: BrowserName, o: SessionOptions = {}): Promise<Driver> {
  const dir = name === 'chromium' ? distDir('chrome') : distDir('firefox');
  if (name === 'firefox') {
    const d = await firefoxDriver(dir, { prefs: {
      // Lets the suite accept the optional-permission request it triggers with a real click.
      'extensions.webextOptionalPermissionPrompts': false,
      ...(o.lang ? { 'intl.locale.requested': o.lang } : {}),
      // Firefox over BiDi cannot emulate prefers-color-scheme; a dark session uses the pref.
      ...(o.dark ? { 'layout.css.prefers-color-scheme.content-override': 0 } : {}),
    } });
    // Firefox lets the API revoke a manifest's host permissions, as its add-on manager does.
    if (o.noAccess) expect(await d.ext((api, p: object) => api.permissions.remove(p) as Promise<boolean>, ALL_SITES)).toBe(true);
    return d;
  }
  // Chromium on Linux takes its UI language from the environment (--lang is Windows/ChromeOS only).
  const saved = process.env.LANGUAGE;
  if (o.lang) process.env.LANGUAGE = o.lang;
  try {
    return await chromiumDriver(o.noAccess ? withoutAllSites(dir) : dir);
  } finally {
    if (saved === undefined) delete process.env.LANGUAGE;
    else process.env.LANGUAGE = saved;
  }
}

const history = async (d: Driver): Promise<HistoryEntry[]> => (await d.state()).history;

let opened = 0;
/**
 * Opens an extension page in a new, active tab. Firefox may leave a background tab unloaded for
 * a long while on a busy machine, and these pages are looked at right away.
 */
async function open(d: Driver, file: string): Promise<Page> {
  if (d.name !== 'firefox') return d.openExtensionPage(file);
  const tagged = `${file}${file.includes('?') ? '&' : '?'}n=${++opened}`;
  await d.ext((api, f: string) => api.tabs.create({ url: api.runtime.getURL(f), active: true }).then(() => undefined), tagged);
  return findPage(d.browser, `/${tagged}`);
}

/** The real menu handler for `tab` (a private-window tab when `incognito`). */
function menuClick(d: Driver, info: Record<string, unknown>, tab: TabRef & { incognito?: boolean }): Promise<void> {
  return d.menuClick(tab, [{ frameId: 0, editable: false, pageUrl: tab.url, ...info }]);
}

// ---------- checks shared by every state ----------

async function axeViolations(p: Page): Promise<string[]> {
  await p.evaluate(AXE_SOURCE);
  const r = await p.evaluate(() => axe.run(document, { resultTypes: ['violations'] }));
  return r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`).join(' | ')}`);
}

const horizontalOverflow = (p: Page): Promise<number> => p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/**
 * Screenshots a state at 320 px and full width, in the given schemes (Chromium emulates both in
 * one session; Firefox takes the scheme of its session), and checks axe and sideways scrolling.
 */
async function captureState(d: Driver, p: Page, state: string, schemes: ('light' | 'dark')[]): Promise<void> {
  const dir = path.join(SHOTS, d.name);
  fs.mkdirSync(dir, { recursive: true });
  // Background tabs run no animation frames and may be throttled: show this one.
  await p.bringToFront();
  const problems: string[] = [];
  for (const scheme of schemes) {
    if (d.name === 'chromium') await p.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: scheme }]);
    const dark = await p.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches);
    expect(`${state} ${scheme}: dark=${dark}`).toBe(`${state} ${scheme}: dark=${scheme === 'dark'}`);
    for (const width of [320, 1280]) {
      await p.setViewport({ width, height: 720 });
      await p.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      const overflow = await horizontalOverflow(p);
      if (overflow > 0) problems.push(`${scheme} ${width}px scrolls sideways by ${overflow}px`);
      await p.screenshot({ path: path.join(dir, `${state}-${scheme}-${width}.png`) as `${string}.png`, fullPage: true });
    }
    await p.setViewport({ width: 320, height: 720 });
    for (const v of await axeViolations(p)) problems.push(`${scheme}: ${v}`);
  }
  expect(problems).toEqual([]);
}

// ---------- the test pages ----------

let servers: Servers;
/** A third origin that only counts requests: planted URLs point here and must never be asked for. */
const counted: string[] = [];
let counter: http.Server;
let counterOrigin = '';

beforeAll(async () => {
  ensureTestBuild();
  servers = await startServers();
  counter = http.createServer((req, res) => {
    counted.push(req.url ?? '');
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => counter.listen(0, '127.0.0.1', () => r()));
  counterOrigin = `http://127.0.0.1:${(counter.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await servers?.close();
  counter?.closeAllConnections();
  await new Promise((r) => counter?.close(r));
});

/** A page on the main origin with a text containing a right-to-left override, and a planted CSS background. */
async function productPage(d: Driver): Promise<{ page: Page; tab: { id: number; url: string } }> {
  const page = await d.browser.newPage();
  await page.goto(`${servers.main}/images.html`);
  await page.waitForFunction(() => document.body.dataset.blob === 'ready', { timeout: 30_000, polling: 100 });
  await page.evaluate(() => {
    const p = document.createElement('p');
    p.id = 'spoof';
    // Displays as "…please open" if the override is obeyed; the logical text is "nepo esaelp".
    p.textContent = 'Invoice attached \u202Enepo esaelp\u202C thanks';
    document.body.prepend(p);
  });
  const url = page.url();
  await page.bringToFront();
  // Without host access (and no "tabs" permission) tab URLs are hidden: then it is the active tab.
  const tab = await d.ext(async (api, u: string) => {
    const tabs = (await api.tabs.query({})) as { id?: number; url?: string }[];
    return tabs.find((t) => t.url === u) ?? ((await api.tabs.query({ active: true, lastFocusedWindow: true })) as { id?: number }[])[0];
  }, url);
  if (tab?.id === undefined) throw new Error(`no tab for ${url}`);
  return { page, tab: { id: tab.id, url } };
}

async function waitReady(p: Page): Promise<void> {
  await p.waitForFunction(() => document.body.dataset.ready === 'true', { timeout: 30_000, polling: 100 });
}

async function srcOf(p: Page, sel: string): Promise<string> {
  return p.$eval(sel, (el) => (el as HTMLImageElement).currentSrc || (el as HTMLImageElement).src);
}

let lastJob = '';
async function outcome(popup: Page): Promise<PopupView> {
  const v = await waitForOutcome(popup, lastJob, 180_000);
  lastJob = v.jobId;
  return v;
}

/** Chromium emulates both schemes in one session; Firefox runs a light and a dark session. */
const SESSIONS: [string, BrowserName, ('light' | 'dark')[], SessionOptions][] = [
  ['chromium', 'chromium', ['light', 'dark'], {}],
  ['firefox (light)', 'firefox', ['light'], {}],
  ['firefox (dark)', 'firefox', ['dark'], { dark: true }],
];

describe.each(SESSIONS)('%s', (_title, name, schemes, options) => {
  let d: Driver;
  let popup: Page;
  const capture = (p: Page, state: string): Promise<void> => captureState(d, p, state, schemes);

  beforeAll(async () => {
    lastJob = '';
    d = await launch(name, options);
  });
  afterAll(async () => {
    await d?.close();
  });

  test('popup: the empty state teaches the two right-click actions', async () => {
    popup = await open(d, 'popup.html');
    await waitReady(popup);
    expect(await popup.$eval('#status', (e) => (e as HTMLElement).dataset.phase)).toBe('idle');
    const steps = await popup.$$eval('.empty .steps li', (els) => els.map((e) => (e as HTMLElement).innerText));
    expect(steps).toEqual([expect.stringContaining('Classify image with TensorLens'), expect.stringContaining('Classify selection with TensorLens')]);
    await capture(popup, 'popup-empty');
  });

  test('the first-run page opens on install and runs both actions on its samples', async () => {
    const welcome = await findPage(d.browser, '/welcome.html');
    await waitReady(welcome);
    await capture(welcome, 'welcome');
    await welcome.click('#try-image');
    await welcome.waitForFunction(() => document.getElementById('try-result')?.dataset.phase === 'done', { timeout: 180_000, polling: 200 });
    expect(await welcome.$eval('#try-result .top-label', (e) => e.textContent)).toBe(DRAWING.expectedTop);
    await welcome.click('#try-text');
    await welcome.waitForFunction(() => document.querySelector('#try-result [data-task="text"]') !== null, { timeout: 180_000, polling: 200 });
    expect(await welcome.$eval('#try-result .top-label', (e) => e.textContent)).toBe('spam');
    // one polite announcement for the finished result
    expect(await welcome.$eval('#announcer', (e) => e.textContent)).toMatch(/^Result: spam, \d/);
    await capture(welcome, 'welcome-result');
    await welcome.close();
  });

  test('a page’s synthetic right-click is ignored; a real one is used', async () => {
    const { page, tab } = await productPage(d);
    const bg = `/img/${DRAWING.name}.jpg?chosen-by-page`;
    await page.evaluate((u: string) => {
      const el = document.getElementById('bg') as HTMLElement;
      el.style.backgroundImage = `url('${u}')`;
      const r = el.getBoundingClientRect();
      el.dispatchEvent(new MouseEvent('contextmenu', { bubbles: true, cancelable: true, clientX: r.left + 5, clientY: r.top + 5, button: 2 }));
    }, bg);
    // The first-run page's jobs are the latest so far: wait for the one after them.
    lastJob = (await d.state()).job?.id ?? '';
    await menuClick(d, { menuItemId: MENU_IMAGE }, tab);
    const fake = await outcome(popup);
    expect(fake.phase).toBe('error');
    expect(fake.errorCode).toBe('no-image');
    // A real right-click on the same element: the user chose it, so its background is read.
    await page.click('#bg', { button: 'right' });
    await menuClick(d, { menuItemId: MENU_IMAGE }, tab);
    const real = await outcome(popup);
    expect(real.phase).toBe('done');
    expect(real.topLabel).toBe(DRAWING.expectedTop);
    await page.keyboard.press('Escape');
    await page.close();
  });

  test('results: image, text with a right-to-left override, history rows open their result, keyboard only', async () => {
    const { page, tab } = await productPage(d);
    await menuClick(d, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: await srcOf(page, '#drawing') }, tab);
    expect((await outcome(popup)).topLabel).toBe(DRAWING.expectedTop);
    await capture(popup, 'popup-result-image');

    await page.evaluate(() => {
      const r = document.createRange();
      r.selectNodeContents(document.getElementById('spoof') as Node);
      getSelection()?.removeAllRanges();
      getSelection()?.addRange(r);
    });
    await menuClick(d, { menuItemId: MENU_TEXT, selectionText: 'x' }, tab);
    const text = await outcome(popup);
    expect(text.phase).toBe('done');
    const snippet = await popup.$eval('#result .snippet', (e) => (e as HTMLElement).innerText);
    expect(snippet).toContain('[U+202E]nepo esaelp[U+202C]');
    expect(snippet).not.toContain('\u202E');
    // one polite announcement per finished result
    expect(await popup.$eval('#announcer', (e) => e.textContent)).toMatch(/^Result: (spam|ham), /);
    await capture(popup, 'popup-result-text');

    // Keyboard only: Tab to the older (image) history row, Enter opens its full result.
    await popup.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const rows = await popup.$$eval('#history .row-btn', (els) => els.map((e) => e.getAttribute('data-id')));
    expect(rows.length).toBeGreaterThanOrEqual(2);
    let focused = '';
    for (let i = 0; i < 30 && focused !== rows[1]; i++) {
      await popup.keyboard.press('Tab');
      focused = await popup.evaluate(() => document.activeElement?.getAttribute('data-id') ?? '');
    }
    expect(focused).toBe(rows[1]);
    // visible focus
    expect(await popup.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle)).not.toBe('none');
    await popup.keyboard.press('Enter');
    await popup.waitForFunction(() => document.getElementById('status')?.dataset.phase === 'history', { polling: 100 });
    expect(await popup.$eval('#result', (e) => e.getAttribute('data-task'))).toBe('image');
    expect(await popup.evaluate(() => document.activeElement?.id)).toBe('back-to-latest');
    await capture(popup, 'popup-history-open');
    await popup.keyboard.press('Enter');
    await popup.waitForFunction(() => document.getElementById('status')?.dataset.phase === 'done', { polling: 100 });

    // Clear, then Undo brings every row back.
    const before = (await history(d)).length;
    await popup.click('#clear-history');
    await popup.waitForFunction(() => !(document.getElementById('undo-bar') as HTMLElement).hidden, { polling: 100 });
    expect(await history(d)).toHaveLength(0);
    expect(await popup.evaluate(() => document.activeElement?.id)).toBe('undo-clear');
    await capture(popup, 'popup-undo');
    await popup.keyboard.press('Enter');
    await popup.waitForFunction((n: number) => document.querySelectorAll('#history li').length === n, { polling: 100 }, before);
    expect(await history(d)).toHaveLength(before);
    await page.close();
  });

  test('private-window results are shown once and never stored', async () => {
    const { page, tab } = await productPage(d);
    const before = (await history(d)).map((h) => h.id);
    await menuClick(d, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: await srcOf(page, '#drawing') }, { ...tab, incognito: true });
    const v = await outcome(popup);
    expect(v.phase).toBe('done');
    expect(v.text).toMatch(/private window/);
    expect((await history(d)).map((h) => h.id)).toEqual(before);
    await page.close();
  });

  test('history planted in storage.local (which pages’ content scripts can write) is never shown or requested', async () => {
    const planted = `${counterOrigin}/planted-thumb.png`;
    await d.ext(
      (api, u: string) =>
        api.storage.local.set({
          history: [{ id: 'planted', task: 'image', model: 'x', modelName: 'x', scores: [{ label: 'PLANTED', probability: 1 }], backend: 'cpu', timings: {}, createdAt: Date.now(), thumbnail: u }],
        }),
      planted,
    );
    const p = await open(d, 'popup.html?planted');
    await waitReady(p);
    expect(await p.$$eval('#history li[data-top-label="PLANTED"]', (e) => e.length)).toBe(0);
    expect(await p.evaluate(() => document.body.innerHTML.includes('planted-thumb'))).toBe(false);
    await p.close();
    expect(counted).toEqual([]);
  });

  test('options: every setting saves, and turning history off stops recording', async () => {
    const o = await open(d, 'options.html');
    await waitReady(o);
    await o.waitForFunction(() => (document.getElementById('access-state')?.textContent ?? '') !== '', { polling: 100 });
    await capture(o, 'options');
    await o.click('#set-history-enabled');
    await o.waitForFunction(() => document.getElementById('saved')?.textContent?.startsWith('Saved'), { polling: 100 });
    const { page, tab } = await productPage(d);
    const before = (await history(d)).length;
    await menuClick(d, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: await srcOf(page, '#drawing') }, tab);
    expect((await outcome(popup)).phase).toBe('done');
    expect(await history(d)).toHaveLength(before);
    await o.bringToFront();
    await o.click('#set-history-enabled');
    await o.waitForFunction(() => (document.getElementById('set-history-enabled') as HTMLInputElement).checked, { polling: 100 });
    await page.close();
    await o.close();
  });
});

describe.each(['chromium', 'firefox'] as const)('%s in German', (name) => {
  let d: Driver;
  beforeAll(async () => {
    d = await launch(name, { lang: 'de' });
  });
  afterAll(async () => {
    await d?.close();
  });

  test('popup and options follow the browser language, with German number formats', async () => {
    const p = await open(d, 'popup.html');
    await waitReady(p);
    expect(await p.evaluate(() => document.documentElement.lang)).toMatch(/^de/);
    expect(await p.$eval('.empty-title', (e) => e.textContent)).toBe('Zwei Wege, TensorLens zu nutzen');
    expect(await p.$eval('#open-options', (e) => e.textContent)).toBe('Einstellungen');
    expect(await p.$eval('.empty .steps', (e) => (e as HTMLElement).innerText)).toContain('„Bild mit TensorLens klassifizieren“');
    await captureState(d, p, 'de-popup-empty', ['light']);
    const o = await open(d, 'options.html');
    await waitReady(o);
    expect(await o.$eval('h1', (e) => e.textContent)).toBe('TensorLens-Einstellungen');
    expect(await o.$eval('#access-state', (e) => e.textContent)).toMatch(/^Zugriff auf alle Websites: /);
    expect(await o.$eval('#set-backend option[value="cpu"]', (e) => e.textContent)).toBe('CPU (langsam, funktioniert immer)');
    await captureState(d, o, 'de-options', ['light']);
  });
});

describe.each(SESSIONS)('%s, new install without all-sites access', (_title, name, schemes, options) => {
  let d: Driver;
  beforeAll(async () => {
    lastJob = '';
    d = await launch(name, { ...options, noAccess: true });
  });
  afterAll(async () => {
    await d?.close();
  });

  test('a cross-origin image says what to grant, in one sentence with a button; once granted it works', async () => {
    expect(await d.ext((api, p: object) => api.permissions.contains(p) as Promise<boolean>, ALL_SITES)).toBe(false);
    const popup = await open(d, 'popup.html');
    await waitReady(popup);
    const { page, tab } = await productPage(d);
    const src = await srcOf(page, '#photo-cross');
    expect(new URL(src).origin).toBe(servers.other);
    await menuClick(d, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: src }, tab);
    const v = await outcome(popup);
    expect(v.errorCode).toBe('site-access-needed');
    expect(await popup.$eval('.grant #error', (e) => e.textContent)).toMatch(/^This image needs access to all sites: it comes from another site/);
    await captureState(d, popup, 'popup-error-access', schemes);
    if (name === 'firefox') {
      // A real click on the popup's button asks; the test profile accepts without a prompt.
      await popup.click('#grant-all-sites');
      await popup.waitForFunction(() => document.getElementById('grant-result') !== null, { polling: 100 });
      expect(await d.ext((api, p: object) => api.permissions.contains(p) as Promise<boolean>, ALL_SITES)).toBe(true);
      await menuClick(d, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: src }, tab);
      const ok = await outcome(popup);
      expect(ok.phase).toBe('done');
      expect(ok.topLabel).toBe(PHOTO.expectedTop);
    }
    // (Chromium: the same image works in the sessions above, which start granted; its permission
    // prompt cannot be driven headless.)
    await page.close();
  });
});
