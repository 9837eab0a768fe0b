/**
 * Fault tests in Firefox ESR (issue 5), the parts that apply to a background page (no service
 * worker to kill, no offscreen document): bad inputs and a burst of 20 clicks. Driven from the
 * extension's own test page (test build), which calls the background's real menu handler.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'puppeteer-core';
import { DRAWING, IMAGES, MENU_IMAGE, MENU_TEXT, ROOT, ensureTestBuild, findPage, launchFirefox, selectContents, waitForOutcome, type FirefoxSession, type PopupView } from './harness';
import { MEGABYTE_TEXT, startFaultServer, withDeadline, type FaultServer, type HistoryEntry } from './fault-helpers';

jest.setTimeout(120_000);

/** The slice of the browser.* API used inside the extension's test page. */
declare const browser: {
  runtime: { getURL(p: string): string; sendMessage(m: unknown): Promise<unknown> };
  storage: { local: { get(k: string): Promise<Record<string, unknown>> }; session: { get(k: string): Promise<Record<string, unknown>> } };
  tabs: { query(q: object): Promise<{ id?: number; url?: string }[]>; create(p: object): Promise<unknown> };
};

let server: FaultServer;
let ff: FirefoxSession;
let page: Page;
let popup: Page;
let lastJob = '';

beforeAll(async () => {
  ensureTestBuild();
  server = await startFaultServer();
  ff = await launchFirefox();
  page = await ff.browser.newPage();
  await page.goto(`${server.origin}/images.html`);
  await ff.testPage.evaluate(() => browser.tabs.create({ url: browser.runtime.getURL('popup.html'), active: false }));
  popup = await findPage(ff.browser, '/popup.html');
  await popup.waitForFunction(() => document.body.dataset.ready === 'true', { timeout: 30_000, polling: 100 });
}, 180_000);

afterAll(async () => {
  await ff?.stop();
  await server?.close();
});

const img = (name: string, query = ''): string => `${server.origin}/img/${name}.jpg${query}`;

/** Runs the real menu handler for each srcUrl without waiting in between. */
function fire(srcUrls: string[]): Promise<void> {
  return ff.testPage.evaluate(
    async (u: string, urls: string[], menu: string) => {
      const tab = (await browser.tabs.query({})).find((t) => t.url === u);
      if (!tab) throw new Error(`no tab for ${u}`);
      for (const srcUrl of urls)
        void browser.runtime.sendMessage({ target: 'background', method: 'testMenuClick', args: [{ menuItemId: menu, mediaType: 'image', srcUrl, frameId: 0, editable: false, pageUrl: u }, tab] });
    },
    page.url(),
    srcUrls,
    MENU_IMAGE,
  );
}

async function clickImage(srcUrl: string): Promise<PopupView> {
  await fire([srcUrl]);
  const view = await waitForOutcome(popup, lastJob, 60_000);
  lastJob = view.jobId;
  return view;
}

const memory = (): Promise<number> =>
  ff.testPage.evaluate(async () => ((await browser.runtime.sendMessage({ target: 'background', method: 'testMemory', args: [] })) as { value: { numTensors: number } }).value.numTensors);

async function expectStillWorks(): Promise<void> {
  const view = await clickImage(img(DRAWING.name, `?after=${Date.now()}`));
  expect(view.phase).toBe('done');
  expect(view.topLabel).toBe(DRAWING.expectedTop);
}

describe('bad inputs get a clear popup message and leave the extension working', () => {
  beforeAll(async () => {
    await expectStillWorks(); // cold start out of the way
  });
  afterEach(async () => {
    await expectStillWorks();
  });

  test('404 image', async () => {
    const v = await clickImage(`${server.origin}/bad/404.jpg`);
    expect(v.errorCode).toBe('image-fetch-failed');
    expect(v.text).toMatch(/The image could not be downloaded\./);
  });

  test('corrupt image bytes', async () => {
    const v = await clickImage(`${server.origin}/bad/corrupt.jpg`);
    expect(v.errorCode).toBe('image-unreadable');
    expect(v.text).toMatch(/That image could not be read\./);
  });

  test('1×1 image', async () => {
    const v = await clickImage(`${server.origin}/bad/1x1.png`);
    expect(v.phase).toBe('done');
  });

  test('10000×10000 image', async () => {
    const before = await memory();
    const v = await clickImage(`${server.origin}/bad/huge.png`);
    expect(v.errorCode).toBe('image-too-large');
    expect(v.text).toMatch(/That image is too large to classify\./);
    expect(await memory()).toBe(before);
  });

  test('SVG image', async () => {
    const v = await clickImage(`${server.origin}/bad/drawing.svg`);
    expect(v.phase).toBe('done');
  });

  test('animated GIF', async () => {
    const v = await clickImage(`${server.origin}/bad/anim.gif`);
    expect(v.phase).toBe('done');
  });

  test('data: URL', async () => {
    const bytes = fs.readFileSync(path.join(ROOT, DRAWING.file));
    const v = await clickImage(`data:image/jpeg;base64,${bytes.toString('base64')}`);
    expect(v.topLabel).toBe(DRAWING.expectedTop);
  });
});

describe('selections', () => {
  let textPage: Page;
  beforeAll(async () => {
    textPage = await ff.browser.newPage();
    await textPage.goto(`${server.origin}/text.html`);
  });
  afterAll(async () => {
    await textPage?.close();
  });

  /** The real handler, for the text page's tab; selectionText as the browser would cut it. */
  async function clickText(selectionText: string): Promise<PopupView> {
    await ff.testPage.evaluate(
      async (u: string, menu: string, text: string) => {
        const tab = (await browser.tabs.query({})).find((t) => t.url === u);
        if (!tab) throw new Error(`no tab for ${u}`);
        void browser.runtime.sendMessage({ target: 'background', method: 'testMenuClick', args: [{ menuItemId: menu, selectionText: text, frameId: 0, editable: false, pageUrl: u }, tab] });
      },
      textPage.url(),
      MENU_TEXT,
      selectionText,
    );
    const view = await waitForOutcome(popup, lastJob, 60_000);
    lastJob = view.jobId;
    return view;
  }

  test('an empty selection gets a clear message', async () => {
    await textPage.evaluate(() => getSelection()?.removeAllRanges());
    const v = await clickText('');
    expect(v.errorCode).toBe('empty-selection');
    expect(v.text).toMatch(/Nothing is selected\./);
    await expectStillWorks();
  });

  test('a 1 MB selection is read whole from the page, truncated for the model, and the popup says so', async () => {
    expect((await selectContents(textPage, '#mega')).length).toBe(MEGABYTE_TEXT.length);
    const t0 = Date.now();
    const v = await clickText(MEGABYTE_TEXT.slice(0, 150));
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(v.phase).toBe('done');
    expect(await popup.$eval('#result', (el) => (el as HTMLElement).innerText)).toMatch(/The text was truncated/);
    const job = (await ff.testPage.evaluate(() => browser.storage.session.get('job'))).job as { result?: { text?: { inputChars?: number } } };
    expect(job.result?.text?.inputChars).toBe(MEGABYTE_TEXT.length);
    await expectStillWorks();
  });
});

test('20 clicks in quick succession: each gets its own result, in order, none lost, no tensor growth', async () => {
  await expectStillWorks();
  const before = await memory();
  const urls = Array.from({ length: 20 }, (_, i) => img((IMAGES[i % IMAGES.length] as { name: string }).name, `?burst=${i}`));
  await fire(urls);
  const burst = await withDeadline(
    (async () => {
      for (;;) {
        // History lives in the extension's IndexedDB; the test build's background returns it.
        const history = await ff.testPage.evaluate(
          async () => ((await browser.runtime.sendMessage({ target: 'background', method: 'testHistory', args: [] })) as { value: HistoryEntry[] }).value,
        );
        const got = history.filter((h) => h.sourceUrl?.includes('?burst='));
        if (got.length >= 20) return got;
        await new Promise((r) => setTimeout(r, 100));
      }
    })(),
    90_000,
    'not every burst click produced a result',
  );
  expect(burst.map((h) => h.sourceUrl).reverse()).toEqual(urls);
  expect(new Set(burst.map((h) => h.id)).size).toBe(20);
  burst.reverse().forEach((h, i) => expect(h.scores[0]?.label).toBe((IMAGES[i % IMAGES.length] as { expectedTop: string }).expectedTop));
  const view = await waitForOutcome(popup, lastJob, 30_000);
  lastJob = view.jobId;
  expect(await memory()).toBe(before);
});
