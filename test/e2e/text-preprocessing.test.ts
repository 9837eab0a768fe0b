/**
 * Text preprocessing in the real extension, each scenario written once and run in Chromium and
 * Firefox: a selection with no known word is refused (no-known-words), not labelled; a model
 * converted from Keras with TextVectorization inside (test/fixtures/models/review-sentiment-tv,
 * packaged by test builds) classifies raw selected text with the tokens Keras would produce.
 * Expected scores are worked out from that model's hand-set weights (test/fixtures/keras/text-spec.ts).
 */
import type { Page } from 'puppeteer-core';
import { percent } from '../../src/popup/format';
import { OVERSIZED_MODEL_NAME, TV_MODEL_NAME, tvExpected } from '../fixtures/keras/text-spec';
import {
  MENU_TEXT,
  ensureTestBuild,
  findPage,
  launchChrome,
  launchFirefox,
  selectContents,
  startServers,
  waitForOutcome,
  type PopupView,
  type Servers,
} from './harness';

jest.setTimeout(180_000);

/** What a scenario needs from a browser: a page to select text in, the popup, and a menu click. */
interface Driver {
  textPage: Page;
  popup: Page;
  clickSelection(selectionText: string): Promise<PopupView>;
  stop(): Promise<void>;
}

/** The slices of chrome.* / browser.* these drivers call inside extension contexts. */
declare const chrome: {
  tabs: { query(q: object): Promise<{ id?: number; url?: string }[]> };
  contextMenus: { onClicked: unknown };
};
declare const browser: {
  runtime: { getURL(p: string): string; sendMessage(m: unknown): Promise<unknown> };
  tabs: { query(q: object): Promise<{ id?: number; url?: string }[]>; create(p: object): Promise<unknown> };
};

/**
 * A driver over an opened popup and text page: `dispatch` runs the browser's real menu handler
 * for a click on the text page; the outcome is read from the popup as a user would see it.
 */
async function driver(textPage: Page, popup: Page, dispatch: (url: string, info: Record<string, unknown>) => Promise<void>, stop: () => Promise<void>): Promise<Driver> {
  await popup.waitForFunction(() => document.body.dataset.ready === 'true', { timeout: 30_000, polling: 100 });
  let last = '';
  return {
    textPage,
    popup,
    async clickSelection(selectionText) {
      const url = textPage.url();
      await dispatch(url, { menuItemId: MENU_TEXT, frameId: 0, editable: false, pageUrl: url, selectionText });
      const view = await waitForOutcome(popup, last);
      last = view.jobId;
      return view;
    },
    stop,
  };
}

async function chromeDriver(servers: Servers): Promise<Driver> {
  const session = await launchChrome();
  const textPage = await session.browser.newPage();
  await textPage.goto(`${servers.main}/text.html`);
  const popup = await session.browser.newPage();
  await popup.goto(`chrome-extension://${session.extensionId}/popup.html`);
  const dispatch = async (url: string, info: Record<string, unknown>): Promise<void> => {
    const w = await session.worker();
    await w.evaluate(
      async (u: string, i: Record<string, unknown>) => {
        const tab = (await chrome.tabs.query({})).find((t) => t.url === u);
        if (!tab) throw new Error(`no tab for ${u}`);
        (chrome.contextMenus.onClicked as unknown as { dispatch(a: unknown, b: unknown): void }).dispatch(i, tab);
      },
      url,
      info,
    );
  };
  return driver(textPage, popup, dispatch, () => session.browser.close());
}

async function firefoxDriver(servers: Servers): Promise<Driver> {
  const ff = await launchFirefox();
  const textPage = await ff.browser.newPage();
  await textPage.goto(`${servers.main}/text.html`);
  await ff.testPage.evaluate(() => browser.tabs.create({ url: browser.runtime.getURL('popup.html'), active: false }));
  const popup = await findPage(ff.browser, '/popup.html');
  // Firefox has no onClicked.dispatch: the test build's background runs its real menu handler
  const dispatch = async (url: string, info: Record<string, unknown>): Promise<void> => {
    await ff.testPage.evaluate(
      async (u: string, i: Record<string, unknown>) => {
        const tab = (await browser.tabs.query({})).find((t) => t.url === u);
        if (!tab) throw new Error(`no tab for ${u}`);
        void browser.runtime.sendMessage({ target: 'background', method: 'testMenuClick', args: [i, tab] });
      },
      url,
      info,
    );
  };
  return driver(textPage, popup, dispatch, () => ff.stop());
}

const DRIVERS: [string, (s: Servers) => Promise<Driver>][] = [
  ['chromium', chromeDriver],
  ['firefox', firefoxDriver],
];

describe.each(DRIVERS)('%s: text preprocessing', (_name, launch) => {
  let servers: Servers;
  let d: Driver;

  beforeAll(async () => {
    ensureTestBuild();
    servers = await startServers();
    d = await launch(servers);
  });
  afterAll(async () => {
    await d?.stop();
    await servers?.close();
  });

  /** puts `text` on the page, selects it as a user's drag would, and classifies it */
  async function classify(text: string): Promise<PopupView> {
    await d.textPage.evaluate((t: string) => {
      let p = document.getElementById('scenario');
      if (!p) {
        p = document.createElement('p');
        p.id = 'scenario';
        document.body.append(p);
      }
      p.textContent = t;
    }, text);
    const selected = await selectContents(d.textPage, '#scenario');
    expect(selected).toBe(text);
    return d.clickSelection(selected);
  }

  const resultText = (): Promise<string> => d.popup.$eval('#result', (el) => (el as HTMLElement).innerText);

  test('the default text model refuses a selection with no known word instead of labelling it', async () => {
    const view = await classify('Привет, мир! 🙂 :)');
    expect(view.phase).toBe('error');
    expect(view.errorCode).toBe('no-known-words');
    expect(view.text).toMatch(/No known words: this model can't judge this text\./);
    expect(view.topLabel).toBe('');
  });

  test('a TextVectorization model classifies raw text with the tokens Keras would give', async () => {
    await d.popup.select('#set-text-model', TV_MODEL_NAME);
    // "Great movie, I LOVE it!" → great movie [UNK] love it → ids 5 3 1 6 12 (text-spec.ts vocabulary)
    const pos = await classify('Great movie, I LOVE it!');
    expect(pos.phase).toBe('done');
    expect(pos.topLabel).toBe('positive');
    expect(await resultText()).toContain(percent(tvExpected([5, 3, 1, 6, 12])));
    // "Awful... and boring. Don't." → awful and boring dont (the apostrophe is stripped, not a split)
    const neg = await classify("Awful... and boring. Don't.");
    expect(neg.topLabel).toBe('negative');
    expect(await resultText()).toContain(percent(1 - tvExpected([8, 11, 9, 15])));
    // ASCII-only lowercasing as tf.strings.lower: "CAFÉ" stays "cafÉ" (unknown), "café" is praise
    const cafe = await classify('CAFÉ café');
    expect(cafe.topLabel).toBe('positive');
    expect(await resultText()).toContain(percent(tvExpected([1, 14])));
    // the same refusal for this model: every token is [UNK]
    const none = await classify('Привет мир');
    expect(none.errorCode).toBe('no-known-words');
  });

  test('a model whose vocabulary runs past its Embedding is refused with the numbers, not run', async () => {
    await d.popup.select('#set-text-model', OVERSIZED_MODEL_NAME);
    const view = await classify('great and bonkers');
    expect(view.phase).toBe('error');
    expect(view.errorCode).toBe('model-load-failed');
    expect(view.text).toMatch(/has word indices up to 40 but the model's Embedding "embedding" takes 0\.\.15: reconvert with --num-words 16/);
    expect(view.text).not.toMatch(/GatherV2|Something went wrong/);
  });
});
