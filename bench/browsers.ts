/**
 * The bench's view of the extension in each browser: click → result measured inside the browser
 * (the storage change that stores the result, timed where the click is fired, so no DevTools
 * round trip is counted), the model host's diagnostics, settings and resident memory.
 */
import type { Browser, Page } from 'puppeteer-core';
import { distDir, launchFirefox, type FirefoxSession } from '../test/e2e/harness';
import { launchChromeWith, tabFor, type ChromeFaultSession } from '../test/e2e/fault-helpers';
import type { HostDiagnostics } from '../src/model/host';
import { chromeExtensionRenderers, firefoxContentProcesses, type ProcMemory } from './processes';

export interface StoredResult {
  backend: string;
  timings: { totalMs: number; inferenceMs: number; modelLoadMs: number; acquireMs: number; preprocessMs: number };
  scores: { label: string; probability: number }[];
}

export interface Click {
  /** click fired → result stored (storage.session `job` turns 'done') */
  ms: number;
  /** when the click was fired (epoch ms, performance.timeOrigin + now) */
  firedAt: number;
  phase: string;
  error?: { code: string; message: string };
  result?: StoredResult;
}


export type { HostDiagnostics };

export interface Session {
  name: 'chromium' | 'firefox';
  browser: Browser;
  version: string;
  /** opens `url` in a tab the clicks refer to */
  openPage(url: string): Promise<void>;
  click(info: Record<string, unknown>, timeoutMs?: number): Promise<Click>;
  setSettings(patch: Record<string, unknown>): Promise<void>;
  /** storage.local `history` (newest first) */
  history(): Promise<{ id: string; thumbnail?: string; scores: { label: string }[] }[]>;
  /** null when no model host is running (Chrome: no offscreen document) */
  diagnostics(): Promise<HostDiagnostics | null>;
  /** the extension's processes (Chrome: its renderers; Firefox: every content process) */
  processes(): ProcMemory[];
  close(): Promise<void>;
}

/** Runs in the page (Chrome: service worker; Firefox: the extension's test page). */
function clickInBrowser(api: 'chrome' | 'browser', info: Record<string, unknown>, tab: unknown, timeoutMs: number, fire: 'dispatch' | 'message'): Promise<Click> {
  type Ext = {
    storage: {
      session: { get(k: string): Promise<Record<string, unknown>> };
      onChanged: { addListener(l: (c: Record<string, { newValue?: unknown }>, area: string) => void): void; removeListener(l: unknown): void };
    };
    contextMenus: { onClicked: { dispatch(i: unknown, t: unknown): void } };
    runtime: { sendMessage(m: unknown): Promise<unknown> };
  };
  const ext = (globalThis as unknown as Record<string, Ext>)[api] as Ext;
  type Job = { id: string; phase: string; error?: Click['error']; result?: StoredResult };
  return ext.storage.session.get('job').then(
    (got) =>
      new Promise<Click>((resolve, reject) => {
        const prev = (got.job as Job | undefined)?.id;
        const listener = (changes: Record<string, { newValue?: unknown }>, area: string): void => {
          const j = changes.job?.newValue as Job | undefined;
          if (area !== 'session' || !j || j.id === prev || (j.phase !== 'done' && j.phase !== 'error')) return;
          const ms = performance.now() - t0;
          ext.storage.onChanged.removeListener(listener);
          clearTimeout(timer);
          resolve({ ms, firedAt: performance.timeOrigin + t0, phase: j.phase, error: j.error, result: j.result });
        };
        const timer = setTimeout(() => {
          ext.storage.onChanged.removeListener(listener);
          reject(new Error(`no result within ${timeoutMs} ms`));
        }, timeoutMs);
        ext.storage.onChanged.addListener(listener);
        const t0 = performance.now();
        if (fire === 'dispatch') ext.contextMenus.onClicked.dispatch(info, tab);
        else void ext.runtime.sendMessage({ target: 'background', method: 'testMenuClick', args: [info, tab] });
      }),
  );
}

function readHistory(api: 'chrome' | 'browser'): Promise<{ id: string; thumbnail?: string; scores: { label: string }[] }[]> {
  type Ext = { storage: { local: { get(k: string): Promise<Record<string, unknown>> } } };
  const ext = (globalThis as unknown as Record<string, Ext>)[api] as Ext;
  return ext.storage.local.get('history').then((got) => (Array.isArray(got.history) ? (got.history as { id: string; thumbnail?: string; scores: { label: string }[] }[]) : []));
}

function mergeSettings(api: 'chrome' | 'browser', patch: Record<string, unknown>): Promise<void> {
  type Ext = { storage: { local: { get(k: string): Promise<Record<string, unknown>>; set(v: object): Promise<void> } }; runtime: { getURL(p: string): string } };
  const ext = (globalThis as unknown as Record<string, Ext>)[api] as Ext;
  return ext.storage.local.get('settings').then(async (got) => {
    let cur = got.settings as Record<string, unknown> | undefined;
    if (!cur) {
      const index = (await (await fetch(ext.runtime.getURL('models/index.json'))).json()) as { defaults: { image: string; text: string } };
      cur = { imageModel: index.defaults.image, textModel: index.defaults.text, backend: 'auto' };
    }
    await ext.storage.local.set({ settings: { ...cur, ...patch } });
  });
}

export async function chromeSession(): Promise<Session> {
  const s: ChromeFaultSession = await launchChromeWith(distDir('chrome'));
  const pid = s.browser.process()?.pid ?? 0;
  let tab: { id: number; url: string } | null = null;
  const offscreenUrl = `chrome-extension://${s.extensionId}/offscreen.html`;
  return {
    name: 'chromium',
    browser: s.browser,
    version: await s.browser.version(),
    async openPage(url) {
      const p = await s.browser.newPage();
      await p.goto(url);
      tab = await tabFor(s, p);
    },
    async click(info, timeoutMs = 120_000) {
      if (!tab) throw new Error('openPage first');
      const w = await s.worker();
      return w.evaluate(clickInBrowser, 'chrome' as const, { frameId: 0, editable: false, pageUrl: tab.url, ...info }, tab, timeoutMs, 'dispatch' as const);
    },
    async setSettings(patch) {
      await (await s.worker()).evaluate(mergeSettings, 'chrome' as const, patch);
    },
    async history() {
      return (await s.worker()).evaluate(readHistory, 'chrome' as const);
    },
    async diagnostics() {
      const t = s.browser.targets().find((x) => x.url() === offscreenUrl);
      if (!t) return null;
      const p = await t.asPage();
      return p.evaluate(() => (globalThis as unknown as { tensorlensHost: { diagnostics(): HostDiagnostics } }).tensorlensHost.diagnostics());
    },
    processes: () => chromeExtensionRenderers(pid),
    close: () => s.close(),
  };
}

/** The offscreen document's page (test build hook `tensorlensHost` lives there). */
export async function offscreenPage(browser: Browser): Promise<Page> {
  const t = await browser.waitForTarget((x) => x.url().endsWith('/offscreen.html'), { timeout: 30_000 });
  return t.asPage();
}

export async function firefoxSession(): Promise<Session> {
  const ff: FirefoxSession = await launchFirefox();
  const pid = ff.browser.process()?.pid ?? 0;
  let tab: unknown = null;
  let tabUrl = '';
  return {
    name: 'firefox',
    browser: ff.browser,
    version: await ff.browser.version(),
    async openPage(url) {
      const p = await ff.browser.newPage();
      await p.goto(url);
      tabUrl = p.url();
      tab = await ff.testPage.evaluate(async (u: string) => {
        const b = (globalThis as unknown as { browser: { tabs: { query(q: object): Promise<{ url?: string }[]> } } }).browser;
        return (await b.tabs.query({})).find((t) => t.url === u) ?? null;
      }, tabUrl);
      if (!tab) throw new Error(`no tab for ${tabUrl}`);
    },
    click(info, timeoutMs = 120_000) {
      return ff.testPage.evaluate(clickInBrowser, 'browser' as const, { frameId: 0, editable: false, pageUrl: tabUrl, ...info }, tab, timeoutMs, 'message' as const);
    },
    async setSettings(patch) {
      await ff.testPage.evaluate(mergeSettings, 'browser' as const, patch);
    },
    history() {
      return ff.testPage.evaluate(readHistory, 'browser' as const);
    },
    diagnostics() {
      return ff.testPage.evaluate(async () => {
        const b = (globalThis as unknown as { browser: { runtime: { sendMessage(m: unknown): Promise<{ ok: boolean; value: HostDiagnostics | null }> } } }).browser;
        const r = await b.runtime.sendMessage({ target: 'background', method: 'testDiagnostics', args: [] });
        return r.ok ? r.value : null;
      });
    },
    processes: () => firefoxContentProcesses(pid),
    close: () => ff.stop(),
  };
}
