/**
 * Chromium e2e: the built test extension (dist/test-chrome) in Debian Chromium. Clicks go through
 * the real context-menu listener via chrome.contextMenus.onClicked.dispatch in the service worker;
 * assertions read the popup's DOM.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'puppeteer-core';
import { badgeText } from '../../src/shared/badge';
import {
  DRAWING,
  MENU_IMAGE,
  MENU_TEXT,
  PHOTO,
  TEXTS,
  distDir,
  ensureTestBuild,
  launchChrome,
  saveOption,
  readPopup,
  recordTiming,
  selectContents,
  privateImage,
  startServers,
  waitForOutcome,
  type ChromeSession,
  type PopupView,
  type Servers,
} from './harness';

jest.setTimeout(180_000);

/** The slice of the chrome.* API these tests call inside the service worker (Node types only here). */
declare const chrome: {
  tabs: { query(q: object): Promise<{ id?: number; url?: string }[]> };
  contextMenus: { update(id: string, p: object): Promise<void>; onClicked: unknown };
  action: { getBadgeText(d: object): Promise<string> };
  offscreen: { closeDocument(): Promise<void> };
  runtime: { sendMessage(m: unknown): Promise<unknown> };
  alarms: { get(name: string): Promise<{ scheduledTime: number } | undefined>; onAlarm: unknown };
  storage: { session: { get(k: string): Promise<Record<string, unknown>>; set(v: object): Promise<void> } };
};

let servers: Servers;
let session: ChromeSession;
let page: Page;
let popup: Page;
let lastJob = '';

beforeAll(async () => {
  ensureTestBuild();
  servers = await startServers();
  session = await launchChrome();
  page = await session.browser.newPage();
  await page.goto(`${servers.main}/images.html`);
  await page.waitForFunction(() => document.body.dataset.canvas === 'ready' && document.body.dataset.blob === 'ready', { timeout: 30_000 });
  popup = await session.browser.newPage();
  await popup.goto(`chrome-extension://${session.extensionId}/popup.html`);
  await popup.waitForFunction(() => document.body.dataset.ready === 'true', { timeout: 30_000 });
});

afterAll(async () => {
  await session?.browser.close();
  await servers?.close();
});

async function tabFor(p: Page): Promise<{ id: number; url: string }> {
  const w = await session.worker();
  const url = p.url();
  return w.evaluate(async (u: string) => {
    const tabs = await chrome.tabs.query({});
    // Without the "tabs" permission, URLs of pages we may not access (chrome://) are hidden:
    // then take the newest such tab.
    const t = tabs.find((x) => x.url === u) ?? (u.startsWith('chrome:') ? tabs.filter((x) => !x.url).sort((a, b) => (b.id ?? 0) - (a.id ?? 0))[0] : undefined);
    if (!t) throw new Error(`no tab for ${u}`);
    return t as unknown as { id: number; url: string };
  }, url);
}

/** Right-clicks `selector` in the page (so the content script sees the target), then dispatches the menu click. */
async function click(p: Page, info: Record<string, unknown>, selector?: string): Promise<{ view: PopupView; ms: number }> {
  if (selector) {
    // A real right-click: the content script ignores synthetic (untrusted) contextmenu events.
    await p.bringToFront();
    await p.click(selector, { button: 'right' });
  }
  const tab = await tabFor(p);
  const w = await session.worker();
  const t0 = Date.now();
  await w.evaluate(
    (i: Record<string, unknown>, t: unknown) => {
      (chrome.contextMenus.onClicked as unknown as { dispatch(a: unknown, b: unknown): void }).dispatch(i, t);
    },
    { frameId: 0, editable: false, pageUrl: p.url(), ...info },
    tab,
  );
  const view = await waitForOutcome(popup, lastJob);
  const ms = Date.now() - t0;
  lastJob = view.jobId;
  return { view, ms };
}

/** The backend setting lives on the options page; waits until the change is saved. */
let options: Page | undefined;
async function setBackend(backend: string): Promise<void> {
  if (!options) {
    options = await session.browser.newPage();
    await options.goto(`chrome-extension://${session.extensionId}/options.html`);
  }
  await saveOption(options, '#set-backend', backend);
}

const srcOf = (sel: string): Promise<string> => page.$eval(sel, (el) => (el as HTMLImageElement).currentSrc || (el as HTMLImageElement).src);

test('the menus exist', async () => {
  const w = await session.worker();
  const ok = await w.evaluate(async (a: string, b: string) => {
    await chrome.contextMenus.update(a, {});
    await chrome.contextMenus.update(b, {});
    return true;
  }, MENU_IMAGE, MENU_TEXT);
  expect(ok).toBe(true);
});

test(`a drawing (${DRAWING.name}) → ${DRAWING.expectedTop} (cold start)`, async () => {
  // Record every phase the popup shows, to check the loading state is displayed.
  await popup.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { phases: string[] }).phases = seen;
    const status = document.getElementById('status') as HTMLElement;
    new MutationObserver(() => {
      const p = `${status.dataset.phase}:${status.innerText.split('\n')[0]}`;
      if (seen[seen.length - 1] !== p) seen.push(p);
    }).observe(status, { childList: true, subtree: true, attributes: true });
  });
  const { view, ms } = await click(page, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: await srcOf('#drawing') }, '#drawing');
  expect(view.phase).toBe('done');
  expect(view.topLabel).toBe(DRAWING.expectedTop);
  expect(view.backend).toBe('wasm');
  recordTiming('chromium', 'cold image (drawing)', ms, view.totalMs);
  const phases = await popup.evaluate(() => (window as unknown as { phases: string[] }).phases);
  expect(phases.some((p) => p.startsWith('loading-model:Loading the model'))).toBe(true);
  expect(phases[phases.length - 1]).toMatch(/^done:/);
  const badge = await (await session.worker()).evaluate(() => chrome.action.getBadgeText({}));
  expect(badge).toBe(DRAWING.expectedTop.slice(0, 4));
  const text = await popup.$eval('#result', (el) => (el as HTMLElement).innerText);
  expect(text).toMatch(/Model/);
  expect(text).toMatch(/inference/);
  expect(await popup.$eval('#result img.thumb', (el) => (el as HTMLImageElement).src.startsWith('data:image/jpeg'))).toBe(true);
});

test(`a cross-origin photograph (${PHOTO.name}) → ${PHOTO.expectedTop} (warm)`, async () => {
  const src = await srcOf('#photo-cross');
  expect(new URL(src).origin).toBe(servers.other);
  const { view, ms } = await click(page, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: src }, '#photo-cross');
  expect(view.phase).toBe('done');
  expect(view.topLabel).toBe(PHOTO.expectedTop);
  recordTiming('chromium', 'warm image (cross-origin photo)', ms, view.totalMs);
});

test('an image behind a login (needs the page cookie) falls back to the page pixels', async () => {
  await page.waitForFunction(() => document.body.dataset.private === 'ready', { timeout: 30_000 });
  const before = { ...privateImage };
  const { view } = await click(page, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: await srcOf('#private') }, '#private');
  expect(view.phase).toBe('done');
  expect(view.topLabel).toBe(PHOTO.expectedTop);
  // the extension's own fetch was refused (no cookie), and the page did not load it again
  expect(privateImage.refused - before.refused).toBe(1);
  expect(privateImage.served - before.served).toBe(0);
});

test('<picture> and srcset use the current source', async () => {
  const pic = await click(page, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: await srcOf('#pic-img') }, '#pic-img');
  expect(pic.view.topLabel).toBe(PHOTO.expectedTop);
  const set = await click(page, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: await srcOf('#srcset') }, '#srcset');
  expect(set.view.topLabel).toBe(DRAWING.expectedTop);
});

test('a <canvas> is captured by the content script', async () => {
  const { view } = await click(page, { menuItemId: MENU_IMAGE }, '#canvas');
  expect(view.phase).toBe('done');
  expect(view.topLabel).toBe(PHOTO.expectedTop);
});

test('a CSS background image', async () => {
  const { view } = await click(page, { menuItemId: MENU_IMAGE }, '#bg');
  expect(view.topLabel).toBe(DRAWING.expectedTop);
});

test('a blob: image is read in the page', async () => {
  const { view } = await click(page, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: await srcOf('#blob') }, '#blob');
  expect(view.topLabel).toBe(DRAWING.expectedTop);
});

test('an SVG image is rasterised', async () => {
  const { view } = await click(page, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: await srcOf('#svg') }, '#svg');
  expect(view.phase).toBe('done');
  expect(view.topLabel).not.toBe('');
});

test('a missing image shows the fetch error sentence', async () => {
  const { view } = await click(page, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: `${servers.main}/img/missing.jpg` });
  expect(view.phase).toBe('error');
  expect(view.errorCode).toBe('image-fetch-failed');
  expect(view.text).toMatch(/could not be downloaded/);
  expect(view.text).toMatch(/HTTP 404/);
});

test('a file that is not an image gives image-unreadable', async () => {
  const { view } = await click(page, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: `${servers.main}/not-an-image.jpg` });
  expect(view.errorCode).toBe('image-unreadable');
  expect(view.text).toMatch(/could not be read/);
});

test('the badge shows the top label while fresh and is cleared by its alarm', async () => {
  const { view } = await click(page, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: await srcOf('#drawing') }, '#drawing');
  const w = await session.worker();
  const badge = (): Promise<string> => w.evaluate(() => chrome.action.getBadgeText({}));
  expect(await badge()).toBe(badgeText(view.topLabel));
  const alarm = await w.evaluate(() => chrome.alarms.get('tensorlens-clear-badge'));
  expect(alarm?.scheduledTime).toBeGreaterThan(Date.now() + 30_000);
  // An alarm that fires early (or for an older result) leaves a fresh badge alone.
  await w.evaluate(() => (chrome.alarms.onAlarm as unknown as { dispatch(a: unknown): void }).dispatch({ name: 'tensorlens-clear-badge', scheduledTime: Date.now() }));
  expect(await badge()).toBe(badgeText(view.topLabel));
  // Once the stored expiry has passed, the alarm clears it (the worker may have died meanwhile).
  await w.evaluate(() => chrome.storage.session.set({ badgeExpiresAt: Date.now() - 1 }));
  await w.evaluate(() => (chrome.alarms.onAlarm as unknown as { dispatch(a: unknown): void }).dispatch({ name: 'tensorlens-clear-badge', scheduledTime: Date.now() }));
  await w.evaluate(async () => {
    for (let i = 0; i < 100 && (await chrome.action.getBadgeText({})) !== ''; i++) await new Promise((r) => setTimeout(r, 20));
  });
  expect(await badge()).toBe('');
});

test('history lists the results and can be cleared', async () => {
  const n = await popup.$$eval('#history li[data-top-label]', (els) => els.length);
  expect(n).toBeGreaterThanOrEqual(5);
  await popup.click('#clear-history');
  await popup.waitForFunction(() => document.querySelectorAll('#history li[data-top-label]').length === 0, { polling: 50 });
});

test('no tensors leak in the offscreen document', async () => {
  const target = await session.browser.waitForTarget((t) => t.url().endsWith('/offscreen.html'));
  const off = await target.asPage();
  const before = await off.evaluate(() => (globalThis as unknown as { tensorlensHost: { memory(): { numTensors: number } } }).tensorlensHost.memory().numTensors);
  await click(page, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: await srcOf('#drawing') }, '#drawing');
  const after = await off.evaluate(() => (globalThis as unknown as { tensorlensHost: { memory(): { numTensors: number } } }).tensorlensHost.memory().numTensors);
  expect(after).toBe(before);
});

test('the offscreen document is recreated when it is gone', async () => {
  await (await session.worker()).evaluate(() => chrome.offscreen.closeDocument());
  const { view } = await click(page, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: await srcOf('#drawing') }, '#drawing');
  expect(view.topLabel).toBe(DRAWING.expectedTop);
});

test('the current frame of a <video>', async () => {
  await page.waitForFunction(() => document.body.dataset.video === 'ready', { timeout: 30_000 });
  const { view } = await click(page, { menuItemId: MENU_IMAGE, mediaType: 'video' }, '#video');
  expect(view.phase).toBe('done');
  expect(view.topLabel).toBe(PHOTO.expectedTop);
});

test('an image over the size cap is refused before download', async () => {
  const { view } = await click(page, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: `${servers.other}/huge.jpg` });
  expect(view.errorCode).toBe('image-too-large');
  expect(view.text).toMatch(/too large/);
});

test('pages extensions may not read give page-not-allowed', async () => {
  const internal = await session.browser.newPage();
  await internal.goto('chrome://version');
  const { view } = await click(internal, { menuItemId: MENU_IMAGE });
  expect(view.errorCode).toBe('page-not-allowed');
  expect(view.text).toMatch(/do not let extensions read this page/);
  await internal.close();
});

test.each(['webgl', 'cpu'] as const)('the backend setting can force %s', async (backend) => {
  await setBackend( backend);
  try {
    const { view } = await click(page, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: await srcOf('#drawing') }, '#drawing');
    expect(view.backend).toBe(backend);
    expect(view.topLabel).toBe(DRAWING.expectedTop);
  } finally {
    await setBackend( 'auto');
  }
});

test('the service worker can die; state survives and the next click works', async () => {
  const w = await session.worker();
  await w.close();
  await session.browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().endsWith('/background.js'), { timeout: 30_000 }).catch(() => undefined);
  // Any extension event wakes it again; a runtime message from the popup does.
  await popup.evaluate(() => chrome.runtime.sendMessage({ target: 'background', method: 'reportProgress', args: [{ model: '-', fraction: 1 }] }));
  const { view } = await click(page, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: await srcOf('#photo-cross') }, '#photo-cross');
  expect(view.topLabel).toBe(PHOTO.expectedTop);
  expect(await popup.$$eval('#history li[data-top-label]', (els) => els.length)).toBeGreaterThan(1);
});

test('TF.js is not in the service worker bundle', () => {
  const sw = fs.readFileSync(path.join(distDir('chrome'), 'background.js'), 'utf8');
  expect(/tfjs-backend|loadLayersModel|WASM_HAS_MULTITHREAD_SUPPORT/.test(sw)).toBe(false);
  expect(sw.length).toBeLessThan(100_000);
});

describe('text selection', () => {
  let textPage: Page;
  beforeAll(async () => {
    textPage = await session.browser.newPage();
    await textPage.goto(`${servers.main}/text.html`);
  });

  const select = (sel: string): Promise<string> => selectContents(textPage, sel);

  test('an empty selection gives a clear message', async () => {
    await textPage.evaluate(() => getSelection()?.removeAllRanges());
    const { view } = await click(textPage, { menuItemId: MENU_TEXT, selectionText: '' });
    expect(view.phase).toBe('error');
    expect(view.errorCode).toBe('empty-selection');
    expect(view.text).toMatch(/Nothing is selected\./);
  });

  test('spam and ham', async () => {
    expect(TEXTS).not.toBeNull();
    const spam = await select('#spam');
    const a = await click(textPage, { menuItemId: MENU_TEXT, selectionText: spam.slice(0, 100) });
    expect(a.view.topLabel).toBe('spam');
    recordTiming('chromium', 'cold text (spam)', a.ms, a.view.totalMs);
    const ham = await select('#ham');
    const b = await click(textPage, { menuItemId: MENU_TEXT, selectionText: ham.slice(0, 100) });
    expect(b.view.topLabel).toBe('ham');
    recordTiming('chromium', 'warm text (ham)', b.ms, b.view.totalMs);
    expect(await popup.$eval('#result', (el) => (el as HTMLElement).innerText)).toContain(ham.slice(0, 40));
    expect(await popup.$$eval('#history li[data-task="text"]', (els) => els.length)).toBeGreaterThanOrEqual(2);
    expect(await popup.$$eval('#history li[data-task="image"]', (els) => els.length)).toBeGreaterThanOrEqual(1);
  });

  test('a long selection is read in full from the page and marked truncated', async () => {
    const long = await select('#long');
    // Browsers cut info.selectionText; the content script supplies the full text.
    const { view } = await click(textPage, { menuItemId: MENU_TEXT, selectionText: long.slice(0, 150) });
    expect(view.phase).toBe('done');
    expect(view.text).toMatch(/truncated/);
  });
});

test('the popup re-reads state after reopening', async () => {
  await popup.reload();
  await popup.waitForFunction(() => document.body.dataset.ready === 'true');
  const v = await readPopup(popup);
  expect(v.jobId).toBe(lastJob);
});

/** The store build (dist/chrome from `npm run build`, no test hooks) works the same way. */
const prodDir = path.join(distDir('chrome'), '..', 'chrome');
(fs.existsSync(path.join(prodDir, 'manifest.json')) ? describe : describe.skip)('production build (dist/chrome)', () => {
  let prod: ChromeSession;
  afterAll(async () => {
    await prod?.browser.close();
  });
  test('classifies a cross-origin photograph', async () => {
    prod = await launchChrome(prodDir);
    expect(prod.extensionId).toBe(session.extensionId); // the manifest key pins the id
    const p = await prod.browser.newPage();
    await p.goto(`${servers.main}/images.html`);
    const pop = await prod.browser.newPage();
    await pop.goto(`chrome-extension://${prod.extensionId}/popup.html`);
    await pop.waitForFunction(() => document.body.dataset.ready === 'true');
    const w = await prod.worker();
    const src = await p.$eval('#photo-cross', (el) => (el as HTMLImageElement).currentSrc);
    const tab = await w.evaluate(async (u: string) => (await chrome.tabs.query({})).find((t) => t.url === u), p.url());
    await w.evaluate(
      (i: unknown, t: unknown) => (chrome.contextMenus.onClicked as unknown as { dispatch(a: unknown, b: unknown): void }).dispatch(i, t),
      { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: src, frameId: 0, pageUrl: p.url(), editable: false },
      tab,
    );
    const view = await waitForOutcome(pop, '');
    expect(view.topLabel).toBe(PHOTO.expectedTop);
  });
});
