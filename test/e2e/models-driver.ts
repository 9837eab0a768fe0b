/**
 * Drives the options page's models section in Chromium or Firefox (test build): used by
 * test/e2e/models-import.test.ts and bench/import.ts. Everything waits on conditions.
 */
import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';
import { CHROMIUM, FIREFOX, FIREFOX_ID, FIREFOX_UUID, distDir, ensureDisplay, findPage } from './harness';

export const TIMEOUT = 300_000;

export type Kind = 'chrome' | 'firefox';
export interface Score { label: string; probability: number }
export interface Job { id: string; phase: string; result?: { scores: Score[]; model: string; notice?: string }; error?: { code: string; message: string } }

/** One browser with the test build, its options page and a way to fire the real menu handler. */
export interface Driver {
  kind: Kind;
  browser: Browser;
  options: Page;
  click(info: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export async function launch(kind: Kind, profile: string): Promise<Driver> {
  if (kind === 'chrome') {
    const browser = await puppeteer.launch({
      executablePath: CHROMIUM, headless: true, enableExtensions: [distDir('chrome')], pipe: true, userDataDir: profile,
      args: ['--no-sandbox', '--enable-unsafe-swiftshader', '--disable-dev-shm-usage', '--no-first-run'],
    });
    const sw = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().endsWith('/background.js'), { timeout: 30_000 });
    const id = new URL(sw.url()).host;
    const options = await browser.newPage();
    await options.goto(`chrome-extension://${id}/options.html`);
    return {
      kind, browser, options,
      click: async (info) => {
        const t = await browser.waitForTarget((x) => x.type() === 'service_worker' && x.url() === `chrome-extension://${id}/background.js`);
        const w = await t.worker();
        await w?.evaluate((i) => (globalThis as unknown as { chrome: { contextMenus: { onClicked: { dispatch(a: unknown, b: unknown): void } } } }).chrome.contextMenus.onClicked.dispatch(i, undefined), info);
      },
      close: () => browser.close(),
    };
  }
  const display = await ensureDisplay();
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath: FIREFOX, headless: true, userDataDir: profile, env: display.env,
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [FIREFOX_ID]: FIREFOX_UUID }),
      // a temporary add-on is uninstalled when Firefox quits; these keep its origin (and so its
      // IndexedDB) for the re-install after the restart, as for a permanently installed add-on
      'extensions.webextensions.keepStorageOnUninstall': true,
      'extensions.webextensions.keepUuidOnUninstall': true,
    },
  });
  await browser.installExtension(distDir('firefox'));
  const testPage = await findPage(browser, '/test.html');
  // BiDi cannot navigate to moz-extension:// pages: the extension opens its own options page
  await testPage.evaluate(() => (globalThis as unknown as { browser: { runtime: { openOptionsPage(): Promise<void> } } }).browser.runtime.openOptionsPage());
  const options = await findPage(browser, '/options.html');
  return {
    kind, browser, options,
    click: async (info) => {
      await testPage.evaluate((i) => {
        void (globalThis as unknown as { browser: { runtime: { sendMessage(m: unknown): Promise<unknown> } } }).browser.runtime.sendMessage({ target: 'background', method: 'testMenuClick', args: [i, undefined] });
      }, info);
    },
    close: async () => {
      await browser.close();
      display.stop();
    },
  };
}

/** The popup as a page (Chrome: navigated to; Firefox: opened by the extension, BiDi cannot navigate there). */
export async function openPopup(d: Driver): Promise<Page> {
  if (d.kind === 'chrome') {
    const p = await d.browser.newPage();
    await p.goto(d.options.url().replace('/options.html', '/popup.html'));
    return p;
  }
  await d.options.evaluate(() => (globalThis as unknown as { browser: { tabs: { create(o: { url: string }): Promise<unknown> } } }).browser.tabs.create({ url: 'popup.html' }));
  return findPage(d.browser, '/popup.html');
}

export const ready = (p: Page): Promise<unknown> => p.waitForSelector('#models-section[data-ready="true"]', { timeout: 30_000 });

export async function waitStatus(p: Page, states: string[]): Promise<string> {
  await p.waitForFunction((s: string[]) => s.includes(document.getElementById('import-status')?.dataset.state ?? ''), { timeout: TIMEOUT, polling: 100 }, states);
  return p.$eval('#import-status', (e) => (e as HTMLElement).dataset.state ?? '');
}

/** Forgets the previous import's final state, so the wait below sees this import's outcome. */
export const resetStatus = (p: Page): Promise<void> => p.$eval('#import-status', (e) => {
  (e as HTMLElement).dataset.state = 'test-pending';
});

export async function upload(p: Page, files: string[]): Promise<string> {
  await resetStatus(p);
  const input = (await p.$('#model-files')) as ElementHandle<HTMLInputElement>;
  await input.uploadFile(...files);
  return waitStatus(p, ['ready', 'error']);
}

