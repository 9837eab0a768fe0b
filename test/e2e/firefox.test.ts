/**
 * Firefox ESR e2e over WebDriver BiDi: the test build (dist/test-firefox) opens its own test page
 * on install (BiDi refuses to navigate to moz-extension:// URLs); from that page the suite runs
 * the background's real menu handler (Firefox has no onClicked.dispatch) and opens the popup.
 * Assertions read the popup's DOM.
 */
import * as fs from 'node:fs';
import type { Page } from 'puppeteer-core';
import {
  DRAWING,
  MENU_IMAGE,
  MENU_TEXT,
  PHOTO,
  TEXTS,
  ensureTestBuild,
  findPage,
  saveOption,
  launchFirefox,
  recordTiming,
  selectContents,
  privateImage,
  startServers,
  waitForOutcome,
  type FirefoxSession,
  type PopupView,
  type Servers,
} from './harness';

jest.setTimeout(180_000);

/** The slice of the browser.* API used inside the extension's test page. */
declare const browser: {
  runtime: { getURL(p: string): string; sendMessage(m: unknown): Promise<unknown> };
  action: { getBadgeText(d: object): Promise<string> };
  tabs: { query(q: object): Promise<{ id?: number; url?: string }[]>; create(p: object): Promise<unknown> };
};

let servers: Servers;
let ff: FirefoxSession;
let page: Page;
let popup: Page;
let lastJob = '';

beforeAll(async () => {
  ensureTestBuild();
  servers = await startServers();
  ff = await launchFirefox();
  page = await ff.browser.newPage();
  await page.goto(`${servers.main}/images.html`);
  await page.waitForFunction(() => document.body.dataset.canvas === 'ready' && document.body.dataset.blob === 'ready', { timeout: 30_000, polling: 100 });
  await ff.testPage.evaluate(() => browser.tabs.create({ url: browser.runtime.getURL('popup.html'), active: false }));
  popup = await findPage(ff.browser, '/popup.html');
  await popup.waitForFunction(() => document.body.dataset.ready === 'true', { timeout: 30_000, polling: 100 });
});

afterAll(async () => {
  await ff?.stop();
  await servers?.close();
});

async function click(p: Page, info: Record<string, unknown>, selector?: string): Promise<{ view: PopupView; ms: number }> {
  if (selector) {
    // A real right-click: the content script ignores synthetic (untrusted) contextmenu events.
    await p.bringToFront();
    await p.click(selector, { button: 'right' });
  }
  const url = p.url();
  const t0 = Date.now();
  await ff.testPage.evaluate(
    async (u: string, i: Record<string, unknown>) => {
      const tab = (await browser.tabs.query({})).find((t) => t.url === u);
      if (!tab) throw new Error(`no tab for ${u}`);
      // Not awaited: the suite watches the popup, like a user would.
      void browser.runtime.sendMessage({ target: 'background', method: 'testMenuClick', args: [{ frameId: 0, editable: false, pageUrl: u, ...i }, tab] });
    },
    url,
    info,
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
    await ff.testPage.evaluate(() => browser.tabs.create({ url: browser.runtime.getURL('options.html'), active: false }));
    options = await findPage(ff.browser, '/options.html');
  }
  await saveOption(options, '#set-backend', backend);
}

const srcOf = (sel: string): Promise<string> => page.$eval(sel, (el) => (el as HTMLImageElement).currentSrc || (el as HTMLImageElement).src);

test(`a drawing (${DRAWING.name}) → ${DRAWING.expectedTop} (cold start)`, async () => {
  const { view, ms } = await click(page, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: await srcOf('#drawing') }, '#drawing');
  expect(view.phase).toBe('done');
  expect(view.topLabel).toBe(DRAWING.expectedTop);
  expect(view.backend).toBe('wasm');
  recordTiming('firefox', 'cold image (drawing)', ms, view.totalMs);
  expect(await ff.testPage.evaluate(() => browser.action.getBadgeText({}))).toBe(DRAWING.expectedTop.slice(0, 4));
});

test(`a cross-origin photograph (${PHOTO.name}) → ${PHOTO.expectedTop} (warm)`, async () => {
  const src = await srcOf('#photo-cross');
  expect(new URL(src).origin).toBe(servers.other);
  const { view, ms } = await click(page, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: src }, '#photo-cross');
  expect(view.topLabel).toBe(PHOTO.expectedTop);
  recordTiming('firefox', 'warm image (cross-origin photo)', ms, view.totalMs);
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

test('a <canvas> and a blob: image are captured in the page', async () => {
  expect((await click(page, { menuItemId: MENU_IMAGE }, '#canvas')).view.topLabel).toBe(PHOTO.expectedTop);
  expect((await click(page, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: await srcOf('#blob') }, '#blob')).view.topLabel).toBe(DRAWING.expectedTop);
});

test('a missing image shows the fetch error sentence', async () => {
  const { view } = await click(page, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: `${servers.main}/img/missing.jpg` });
  expect(view.errorCode).toBe('image-fetch-failed');
  expect(view.text).toMatch(/could not be downloaded/);
});

test('no tensors leak in the background page', async () => {
  const mem = (): Promise<number> =>
    ff.testPage.evaluate(async () => {
      const r = (await browser.runtime.sendMessage({ target: 'background', method: 'testMemory', args: [] })) as { value: { numTensors: number } };
      return r.value.numTensors;
    });
  const before = await mem();
  await click(page, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: await srcOf('#drawing') }, '#drawing');
  expect(await mem()).toBe(before);
});

// Firefox creates WebGL contexts only with a display; the harness starts Xvfb when there is none.
const hasDisplay = Boolean(process.env.DISPLAY) || fs.existsSync('/usr/bin/Xvfb');

test('the backend setting can force webgl (Xvfb + llvmpipe here)', async () => {
  await setBackend( 'webgl');
  try {
    const { view } = await click(page, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: await srcOf('#drawing') }, '#drawing');
    if (hasDisplay) {
      expect(view.backend).toBe('webgl');
      expect(view.topLabel).toBe(DRAWING.expectedTop);
    } else {
      expect(view.errorCode).toBe('backend-failed');
    }
  } finally {
    await setBackend( 'auto');
  }
});

test('the backend setting can force cpu', async () => {
  await setBackend( 'cpu');
  try {
    const { view } = await click(page, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: await srcOf('#drawing') }, '#drawing');
    expect(view.backend).toBe('cpu');
    expect(view.topLabel).toBe(DRAWING.expectedTop);
  } finally {
    await setBackend( 'auto');
  }
});

describe('text selection', () => {
  let textPage: Page;
  beforeAll(async () => {
    textPage = await ff.browser.newPage();
    await textPage.goto(`${servers.main}/text.html`);
  });

  const select = (sel: string): Promise<string> => selectContents(textPage, sel);

  test('spam and ham', async () => {
    expect(TEXTS).not.toBeNull();
    const a = await click(textPage, { menuItemId: MENU_TEXT, selectionText: (await select('#spam')).slice(0, 100) });
    expect(a.view.topLabel).toBe('spam');
    recordTiming('firefox', 'cold text (spam)', a.ms, a.view.totalMs);
    const b = await click(textPage, { menuItemId: MENU_TEXT, selectionText: (await select('#ham')).slice(0, 100) });
    expect(b.view.topLabel).toBe('ham');
    recordTiming('firefox', 'warm text (ham)', b.ms, b.view.totalMs);
  });
});
