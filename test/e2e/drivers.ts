/**
 * One driver per browser: the only place the suite differs between Chromium and Firefox. A
 * scenario (scenarios/*.ts) talks to the extension only through this interface, so it is
 * written once and runs in both browsers.
 *
 * - Chromium: clicks go through the real context-menu listener
 *   (chrome.contextMenus.onClicked.dispatch in the service worker); extension code runs in the
 *   service worker; the model lives in the offscreen document.
 * - Firefox: WebDriver BiDi cannot open moz-extension:// pages, so the test build opens its own
 *   test page (test/e2e/extension/test.html); extension code runs there and clicks reach the
 *   background page's real menu handler through a test-build message (testMenuClick), since
 *   Firefox has no onClicked.dispatch. The model lives in the background page.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, CDPSession, Page } from 'puppeteer-core';
import puppeteer from 'puppeteer-core';
import {
  FIREFOX,
  FIREFOX_ID,
  FIREFOX_UUID,
  ensureDisplay,
  findPage,
  tmpProfile,
  withDeadline,
  type HistoryEntry,
  type StoredJob,
  type TabRef,
} from './harness';
import { launchChromeWith, offscreenMemory, stopServiceWorker, type ChromeFaultSession } from './fault-helpers';
import type { HostDiagnostics } from '../../src/model/host';

export type BrowserName = 'chromium' | 'firefox';

export interface Memory {
  numTensors: number;
  numBytes: number;
}

/** The browser's extension API inside an extension context (`chrome` / `browser`), loosely typed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the real API types live in the browser, not in Node
export type ExtApi = any;

export interface Driver {
  readonly name: BrowserName;
  readonly browser: Browser;
  /** chrome-extension://<id> or moz-extension://<uuid> */
  readonly origin: string;
  /** a page extensions may not read, and a store page (both give page-not-allowed) */
  readonly restrictedUrl: string;
  readonly storeUrl: string;
  /** WebGL works here (Chromium: SwiftShader; Firefox: only with an X display) */
  readonly hasWebgl: boolean;
  /** Opens an extension page (e.g. 'popup.html') in a new tab. */
  openExtensionPage(file: string): Promise<Page>;
  /**
   * Runs `fn(api, ...args)` in an extension context: the service worker (Chromium) or the test
   * page (Firefox). `fn` is serialised, so it may use only its arguments.
   */
  ext<T, A extends unknown[]>(fn: (api: ExtApi, ...args: A) => T | Promise<T>, ...args: A): Promise<T>;
  /** The tab of `page` as the extension sees it (for pages whose URL is hidden: the newest such tab). */
  tabOf(page: Page): Promise<TabRef>;
  /** Runs the real menu handler once per `info`, without waiting for the outcomes. */
  menuClick(tab: TabRef, infos: Record<string, unknown>[]): Promise<void>;
  /** The job (storage.session) and history (the extension's IndexedDB, via a test-build hook). */
  state(): Promise<{ job: StoredJob | undefined; history: HistoryEntry[] }>;
  /** tf.memory() where the model lives. */
  memory(): Promise<Memory>;
  /** The model host's diagnostics (backend, wasm threads, loaded models, idle releases); null when no host runs (Chromium: no offscreen document). */
  hostDiagnostics(): Promise<HostDiagnostics | null>;
  /** The last image job's model input, flattened (test build: ModelHost.lastInput). */
  lastModelInput(): Promise<number[] | null>;
  /** Every request the extension's own contexts make from now until stop(). */
  recordRequests(): Promise<{ urls: string[]; stop(): Promise<void> }>;
  /** An id of the running background instance (created on first call); a restarted background has a new one. */
  backgroundGeneration(): Promise<string>;
  /** Stops the background the way the browser does when it is idle; resolves once it is gone. */
  suspendBackground(popup: Page): Promise<void>;
  /** How long suspendBackground waits for the browser (0: the browser stops it on demand). */
  readonly suspendMs: number;
  /** runtime.reload(), as an extension update does; resolves once the new instance runs. Extension pages close. */
  reloadExtension(): Promise<void>;
  /** Opens `url` in a new browser window; returns its page. */
  openWindow(url: string): Promise<Page>;
  /** Closes the browser (keeping the profile) and launches it again on the same profile and extension. */
  restart(): Promise<Driver>;
  /**
   * Only in a browser launched with `limitedStorage`: fills the extension's storage up to its real
   * limit (what is left is smaller than any history entry); freeStorage() gives the room back.
   */
  fillStorage(): Promise<void>;
  freeStorage(): Promise<void>;
  close(): Promise<void>;
}

export interface DriverOptions {
  /** reuse this profile (restart) */
  profile?: string;
  /** Firefox: suspend an idle background after this many ms (default: the browser's 30 s) */
  idleSuspendMs?: number;
  /** Firefox: extra profile preferences (e.g. the UI language, the colour scheme) */
  prefs?: Record<string, unknown>;
  /**
   * Give the extension's storage a small real limit that fillStorage() can reach. Chromium: no
   * quota applies to an extension with unlimitedStorage (Storage.overrideQuotaForOrigin changes
   * only the reported quota, checked), only the disk: the profile goes on a 64 MB filesystem of its
   * own. Firefox: the quota manager's storage limit, 10 MB (it applies to the extension too).
   */
  limitedStorage?: boolean;
}

const NOT_LIMITED = (): Promise<void> => Promise.reject(new Error('this browser was launched without limitedStorage'));

/** Firefox's storage limit with limitedStorage, KiB (dom.quotaManager.temporaryStorage.fixedLimit). */
const FIREFOX_STORAGE_LIMIT_KB = 10_240;

/** Waits until `page` (an extension page the browser closes on reload) is gone. */
async function closedBy(page: Page, what: string): Promise<void> {
  await withDeadline(
    (async () => {
      while (!page.isClosed() && (await page.evaluate(() => true).catch(() => false))) await new Promise((r) => setTimeout(r, 100));
    })(),
    30_000,
    what,
  );
}

/** Finds the page the browser opened for `url` (a new window's tab). */
async function pageAt(browser: Browser, url: string): Promise<Page> {
  return withDeadline(
    (async () => {
      for (;;) {
        for (const p of await browser.pages()) if (p.url() === url) return p;
        await new Promise((r) => setTimeout(r, 100));
      }
    })(),
    30_000,
    `no page at ${url}`,
  );
}

/** Serialises `fn` and its JSON arguments into one expression for an extension context. */
function extExpression(fn: (...a: never[]) => unknown, args: unknown[]): string {
  return `(${fn.toString()})(typeof browser !== 'undefined' ? browser : chrome, ...${JSON.stringify(args)})`;
}

/** The newest tab whose URL the extension may not see (Chrome hides chrome://, Firefox about:). */
function findTab(tabs: { id?: number; url?: string }[], url: string, hiddenOk: boolean): TabRef {
  const t = tabs.find((x) => x.url === url) ?? (hiddenOk ? tabs.filter((x) => !x.url).sort((a, b) => (b.id ?? 0) - (a.id ?? 0))[0] : undefined);
  if (t?.id === undefined) throw new Error(`no tab for ${url}`);
  return { id: t.id, url };
}

type Ext = Driver['ext'];

async function tabOf(ext: Ext, page: Page): Promise<TabRef> {
  const url = page.url();
  const tabs = await ext((api) => api.tabs.query({}) as Promise<{ id?: number; url?: string }[]>);
  // Hidden URLs: chrome:// / about: pages, and any page while the extension has no host access.
  return findTab(tabs, url, true);
}

const state = (ext: Ext): ReturnType<Driver['state']> =>
  ext(async (api) => {
    const hook = (globalThis as unknown as { tensorlensTest?: { history(): Promise<HistoryEntry[]> } }).tensorlensTest;
    const history = hook
      ? await hook.history() // Chromium: the service worker
      : ((await api.runtime.sendMessage({ target: 'background', method: 'testHistory', args: [] })) as { value: HistoryEntry[] }).value;
    return { job: (await api.storage.session.get('job')).job as StoredJob | undefined, history };
  });

// ---------- Chromium ----------

/**
 * Merges `patch` into the extension's settings (null: back to the defaults) through the test
 * build's hook (the settings live in the extension's IndexedDB): Chromium's service worker
 * exposes `tensorlensTest`, Firefox's background page answers `testSetSettings`.
 */
export async function setExtensionSettings(d: Pick<Driver, 'ext'>, patch: Record<string, unknown> | null): Promise<void> {
  await d.ext(async (api, v: Record<string, unknown> | null) => {
    const hook = (globalThis as unknown as { tensorlensTest?: { setSettings(x: unknown): Promise<void> } }).tensorlensTest;
    if (hook) return hook.setSettings(v); // Chromium: the service worker
    const r = (await api.runtime.sendMessage({ target: 'background', method: 'testSetSettings', args: [v] })) as { ok: boolean; message?: string };
    if (!r.ok) throw new Error(r.message);
  }, patch);
}

export async function chromiumDriver(extensionDir: string, opts: DriverOptions = {}): Promise<Driver> {
  const profile = opts.profile ?? tmpProfile();
  const s: ChromeFaultSession = await launchChromeWith(extensionDir, profile, opts.limitedStorage ? '64m' : undefined);
  // The profile's filesystem as the browser sees it (limitedStorage: a mount only its namespace has).
  const disk = `/proc/${s.browser.process()?.pid ?? 0}/root${profile}`;
  const ballast = path.join(disk, 'e2e-ballast');
  const origin = `chrome-extension://${s.extensionId}`;
  const ext = async <T, A extends unknown[]>(fn: (api: ExtApi, ...args: A) => T | Promise<T>, ...args: A): Promise<T> =>
    (await s.worker()).evaluate(extExpression(fn, args)) as Promise<T>;
  return {
    name: 'chromium',
    browser: s.browser,
    origin,
    restrictedUrl: 'chrome://version/',
    storeUrl: 'https://chromewebstore.google.com/detail/tensorlens/abcdefghijklmnop',
    hasWebgl: true,
    async openExtensionPage(file) {
      const p = await s.browser.newPage();
      await p.goto(`${origin}/${file}`);
      return p;
    },
    ext,
    tabOf: (page) => tabOf(ext, page),
    async menuClick(tab, infos) {
      await ext((api, t: TabRef, list: Record<string, unknown>[]) => {
        for (const info of list) api.contextMenus.onClicked.dispatch(info, t);
      }, tab, infos);
    },
    state: () => state(ext),
    memory: () => offscreenMemory(s),
    async hostDiagnostics() {
      const t = s.browser.targets().find((x) => x.url() === `${origin}/offscreen.html`);
      const p = await t?.asPage().catch(() => null);
      if (!p) return null;
      return p.evaluate(() => (globalThis as unknown as { tensorlensHost: { diagnostics(): HostDiagnostics } }).tensorlensHost.diagnostics()).catch(() => null);
    },
    async lastModelInput() {
      const off = await (await s.browser.waitForTarget((t) => t.url() === `${origin}/offscreen.html`, { timeout: 30_000 })).asPage();
      return off.evaluate(() => (globalThis as unknown as { tensorlensHost: { lastInput: number[] | null } }).tensorlensHost.lastInput);
    },
    async recordRequests() {
      const urls: string[] = [];
      const sessions: CDPSession[] = [];
      const targets = [
        await s.browser.waitForTarget((t) => t.url() === s.swUrl && t.type() === 'service_worker'),
        await s.browser.waitForTarget((t) => t.url() === `${origin}/offscreen.html`),
      ];
      for (const t of targets) {
        const cdp = await t.createCDPSession();
        cdp.on('Network.requestWillBeSent', (e: { request: { url: string } }) => urls.push(e.request.url));
        await cdp.send('Network.enable');
        sessions.push(cdp);
      }
      return { urls, stop: async () => void (await Promise.all(sessions.map((c) => c.detach().catch(() => undefined)))) };
    },
    backgroundGeneration: () => ext(() => ((self as unknown as { e2eGeneration?: string }).e2eGeneration ??= Math.random().toString(36).slice(2))),
    suspendBackground: (popup) => stopServiceWorker(s, popup),
    suspendMs: 0,
    async reloadExtension() {
      await ext(() => true); // awake, so there is a worker to replace
      const old = s.browser.targets().find((t) => t.type() === 'service_worker' && t.url() === s.swUrl);
      const gone = new Promise<void>((resolve) => {
        const check = (t: unknown): void => {
          if (t !== old) return;
          s.browser.off('targetdestroyed', check);
          resolve();
        };
        s.browser.on('targetdestroyed', check);
      });
      // Not awaited inside: the worker that runs it goes away.
      await ext((api) => void setTimeout(() => api.runtime.reload(), 0));
      await withDeadline(gone, 30_000, 'the service worker did not go away on reload');
      await ext(() => true); // the new worker runs
    },
    async openWindow(url) {
      await ext((api, u: string) => api.windows.create({ url: u, focused: false }).then(() => undefined), url);
      return pageAt(s.browser, url);
    },
    async restart() {
      await s.browser.close();
      return chromiumDriver(extensionDir, { ...opts, profile });
    },
    fillStorage: opts.limitedStorage
      ? async () => {
          // A file as large as the free space, down to the last block (the disk, not a quota, is the limit).
          const fd = fs.openSync(ballast, 'w');
          try {
            for (const chunk of [1 << 20, 4096, 512])
              for (const buf = Buffer.alloc(chunk); ; ) {
                try {
                  fs.writeSync(fd, buf);
                } catch (e) {
                  if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
                  break;
                }
              }
          } finally {
            fs.closeSync(fd);
          }
        }
      : NOT_LIMITED,
    freeStorage: opts.limitedStorage ? async () => fs.rmSync(ballast, { force: true }) : NOT_LIMITED,
    async close() {
      await s.close();
      if (!opts.profile) fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

// ---------- Firefox ----------

/**
 * Firefox suspends an idle background page after extensions.background.idle.timeout (30 s). The
 * driver keeps it awake with a message every 500 ms (as a user's activity would) except while a
 * scenario suspends it. A shorter timeout is no use: Firefox also stops a background page whose
 * process is busy that long (a cpu-backend inference under load), so it would kill real jobs.
 */
const IDLE_TIMEOUT_MS = 30_000;

export async function firefoxDriver(extensionDir: string, opts: DriverOptions = {}): Promise<Driver> {
  const display = await ensureDisplay();
  const profile = opts.profile ?? tmpProfile();
  const idleMs = opts.idleSuspendMs ?? IDLE_TIMEOUT_MS;
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    userDataDir: profile,
    env: display.env,
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [FIREFOX_ID]: FIREFOX_UUID }),
      'extensions.background.idle.timeout': idleMs,
      // The test build is a temporary add-on, removed when the browser closes and installed again
      // by restart(): keep its storage and id, as a normal install would across a restart.
      'extensions.webextensions.keepStorageOnUninstall': true,
      'extensions.webextensions.keepUuidOnUninstall': true,
      ...(opts.limitedStorage ? { 'dom.quotaManager.temporaryStorage.fixedLimit': FIREFOX_STORAGE_LIMIT_KB } : {}),
      ...opts.prefs,
    },
  });
  await browser.installExtension(extensionDir);
  const origin = `moz-extension://${FIREFOX_UUID}`;
  let testPage = await findPage(browser, '/test.html');
  const ext = async <T, A extends unknown[]>(fn: (api: ExtApi, ...args: A) => T | Promise<T>, ...args: A): Promise<T> => {
    try {
      return (await testPage.evaluate(extExpression(fn, args))) as T;
    } catch (e) {
      // test.html was closed or reloaded with the extension (an update reopens it): find it again
      if (!/Attempted to use detached Frame/i.test(String(e))) throw e;
      testPage = await findPage(browser, '/test.html');
      return (await testPage.evaluate(extExpression(fn, args))) as T;
    }
  };
  /** A test-build method of the background page (src/background/main.firefox.ts). */
  const testCall = async <T>(method: string, ...args: unknown[]): Promise<T> => {
    const r = await ext((api, m: string, a: unknown[]) => api.runtime.sendMessage({ target: 'background', method: m, args: a }), method, args);
    const reply = r as { ok?: boolean; value?: T; message?: string };
    if (!reply?.ok) throw new Error(`${method} failed: ${reply?.message ?? JSON.stringify(r)}`);
    return reply.value as T;
  };
  const keepAwake = (on: boolean): Promise<void> =>
    ext((api, awake: boolean) => {
      const w = window as unknown as { e2eKeepAwake?: ReturnType<typeof setInterval> };
      clearInterval(w.e2eKeepAwake);
      if (awake) w.e2eKeepAwake = setInterval(() => void api.runtime.sendMessage({ target: 'background', method: 'keep-awake', args: [] }).catch(() => undefined), 500);
    }, on);
  await keepAwake(true);
  /** The background page's window if it is running (does not wake it). */
  const running = (): Promise<boolean> => ext((api) => api.extension.getBackgroundPage() !== null);
  return {
    name: 'firefox',
    browser,
    origin,
    // BiDi cannot open about:robots and extensions may not; a new tab's about:blank is just as closed
    restrictedUrl: 'about:blank',
    storeUrl: 'https://addons.mozilla.org/firefox/addon/tensorlens/',
    hasWebgl: Boolean(display.env.DISPLAY),
    async openExtensionPage(file) {
      const open = (): Promise<void> => ext((api, f: string) => api.tabs.create({ url: api.runtime.getURL(f), active: false }).then(() => undefined), file);
      await open();
      // Once in six CI runs (both browser suites starting side by side) the tab never showed up
      // in BiDi's page list within 30 s; open it once more rather than fail the whole suite.
      return findPage(browser, `/${file}`).catch(async () => {
        await open();
        return findPage(browser, `/${file}`);
      });
    },
    ext,
    tabOf: (page) => tabOf(ext, page),
    async menuClick(tab, infos) {
      await ext(
        (api, t: TabRef, list: Record<string, unknown>[]) => {
          // Not awaited: the suite watches the popup and storage, as a user would.
          for (const info of list) void api.runtime.sendMessage({ target: 'background', method: 'testMenuClick', args: [info, t] });
        },
        tab,
        infos,
      );
    },
    state: () => state(ext),
    async memory() {
      const m = await testCall<Memory | null>('testMemory');
      return m ?? { numTensors: 0, numBytes: 0 };
    },
    hostDiagnostics: () => testCall<HostDiagnostics | null>('testDiagnostics'),
    async lastModelInput() {
      // As one JSON string: BiDi sends an array as one typed object per element, which for the
      // 150,528 numbers of an input took seconds per image.
      const json = await ext(async (api) => {
        const r = (await api.runtime.sendMessage({ target: 'background', method: 'testLastInput', args: [] })) as { ok?: boolean; value?: number[] | null; message?: string };
        if (!r?.ok) throw new Error(`testLastInput failed: ${r?.message ?? JSON.stringify(r)}`);
        return JSON.stringify(r.value ?? null);
      });
      return JSON.parse(json) as number[] | null;
    },
    async recordRequests() {
      // The model and every fetch live in the background page: its resource timing lists them all.
      await ext(async (api) => (await api.runtime.getBackgroundPage()).performance.clearResourceTimings());
      const urls: string[] = [];
      return {
        urls,
        stop: async () => {
          const names = await ext(async (api) => ((await api.runtime.getBackgroundPage()).performance.getEntriesByType('resource') as { name: string }[]).map((e) => e.name));
          urls.push(...names);
        },
      };
    },
    backgroundGeneration: () =>
      ext(async (api) => {
        const bg = (await api.runtime.getBackgroundPage()) as { e2eGeneration?: string };
        return (bg.e2eGeneration ??= Math.random().toString(36).slice(2));
      }),
    async suspendBackground() {
      await keepAwake(false);
      try {
        await withDeadline(
          (async () => {
            while (await running()) await new Promise((r) => setTimeout(r, 200));
          })(),
          idleMs + 30_000,
          'the background page was not suspended',
        );
      } finally {
        await keepAwake(true);
      }
    },
    suspendMs: idleMs,
    async reloadExtension() {
      const old = testPage;
      await ext((api) => void setTimeout(() => api.runtime.reload(), 0));
      await closedBy(old, 'the test page did not close on reload');
      // The reloaded extension opens its test page again (onInstalled, test build).
      testPage = await findPage(browser, '/test.html');
      await keepAwake(true);
    },
    async openWindow(url) {
      await ext((api, u: string) => api.windows.create({ url: u, focused: false }).then(() => undefined), url);
      return pageAt(browser, url);
    },
    async restart() {
      await browser.close();
      display.stop();
      return firefoxDriver(extensionDir, { ...opts, profile });
    },
    fillStorage: opts.limitedStorage
      ? () =>
          // A database of its own in the extension's origin, filled with incompressible bytes up to the quota.
          ext(async () => {
            // A connection per write: Firefox refuses further writes on a connection that hit the quota.
            const put = (n: number): Promise<boolean> =>
              new Promise((resolve, reject) => {
                const req = indexedDB.open('e2e-ballast', 1);
                req.onupgradeneeded = () => req.result.createObjectStore('b');
                req.onerror = () => reject(req.error ?? new Error('cannot open e2e-ballast'));
                req.onsuccess = () => {
                  const db = req.result;
                  const bytes = new Uint8Array(n);
                  for (let i = 0; i < n; i += 65_536) crypto.getRandomValues(bytes.subarray(i, Math.min(n, i + 65_536)));
                  const tx = db.transaction('b', 'readwrite');
                  tx.objectStore('b').put(bytes, Math.random());
                  tx.oncomplete = () => resolve(true);
                  tx.onabort = () => resolve(false);
                  db.close(); // after the transaction ends
                };
              });
            for (const n of [1 << 20, 65_536, 4096, 512]) while (await put(n));
          })
      : NOT_LIMITED,
    freeStorage: opts.limitedStorage
      ? () =>
          ext(
            () =>
              new Promise<void>((resolve, reject) => {
                const req = indexedDB.deleteDatabase('e2e-ballast');
                req.onsuccess = () => resolve();
                req.onerror = () => reject(req.error ?? new Error('cannot delete e2e-ballast'));
              }),
          )
      : NOT_LIMITED,
    close: async () => {
      await browser.close();
      display.stop();
      if (!opts.profile) fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
