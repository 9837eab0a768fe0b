/**
 * The bench's view of the extension in each browser, on top of the e2e drivers
 * (test/e2e/drivers.ts): click → result timed inside the browser (from firing the click to the
 * storage change that stores the result, so no DevTools round trip is counted), settings,
 * history, the model host's diagnostics and the extension's processes.
 */
import type { Browser } from 'puppeteer-core';
import { chromiumDriver, firefoxDriver, setExtensionSettings, type Driver, type ExtApi } from '../test/e2e/drivers';
import { distDir, type TabRef } from '../test/e2e/harness';
import type { HostDiagnostics } from '../src/model/host';
import { chromeExtensionRenderers, firefoxContentProcesses, type ProcMemory } from './processes';

export type { HostDiagnostics };

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

export interface Session {
  name: Driver['name'];
  browser: Browser;
  version: string;
  /** opens `url` in a tab the clicks refer to */
  openPage(url: string): Promise<void>;
  click(info: Record<string, unknown>, timeoutMs?: number): Promise<Click>;
  setSettings(patch: Record<string, unknown>): Promise<void>;
  /** null when no model host is running (Chrome: no offscreen document) */
  diagnostics(): Promise<HostDiagnostics | null>;
  /** the extension's processes (Chrome: its renderers; Firefox: every content process) */
  processes(): ProcMemory[];
  close(): Promise<void>;
}

/** Runs in the extension context (serialised by Driver.ext): fires the click, resolves when the result is stored. */
function clickInBrowser(api: ExtApi, info: Record<string, unknown>, tab: TabRef, timeoutMs: number, fire: 'dispatch' | 'message'): Promise<Click> {
  type Job = { id: string; phase: string; error?: Click['error']; result?: StoredResult };
  return (api.storage.session.get('job') as Promise<{ job?: Job }>).then(
    (got) =>
      new Promise<Click>((resolve, reject) => {
        const prev = got.job?.id;
        let t0 = 0;
        const listener = (changes: Record<string, { newValue?: unknown }>, area: string): void => {
          const j = changes.job?.newValue as Job | undefined;
          if (area !== 'session' || !j || j.id === prev || (j.phase !== 'done' && j.phase !== 'error')) return;
          const ms = performance.now() - t0;
          api.storage.onChanged.removeListener(listener);
          clearTimeout(timer);
          resolve({ ms, firedAt: performance.timeOrigin + t0, phase: j.phase, error: j.error, result: j.result });
        };
        const timer = setTimeout(() => {
          api.storage.onChanged.removeListener(listener);
          reject(new Error(`no result within ${timeoutMs} ms`));
        }, timeoutMs);
        api.storage.onChanged.addListener(listener);
        t0 = performance.now();
        if (fire === 'dispatch') api.contextMenus.onClicked.dispatch(info, tab);
        else void api.runtime.sendMessage({ target: 'background', method: 'testMenuClick', args: [info, tab] });
      }),
  );
}

export async function openSession(name: Driver['name']): Promise<Session> {
  const d = await (name === 'chromium' ? chromiumDriver(distDir('chrome')) : firefoxDriver(distDir('firefox')));
  const pid = d.browser.process()?.pid ?? 0;
  let tab: TabRef | null = null;
  return {
    name,
    browser: d.browser,
    version: await d.browser.version(),
    async openPage(url) {
      const p = await d.browser.newPage();
      await p.goto(url);
      tab = await d.tabOf(p);
    },
    click(info, timeoutMs = 120_000) {
      if (!tab) throw new Error('openPage first');
      return d.ext(clickInBrowser, { frameId: 0, editable: false, pageUrl: tab.url, ...info }, tab, timeoutMs, name === 'chromium' ? 'dispatch' : 'message');
    },
    setSettings: (patch) => setExtensionSettings(d, patch),
    diagnostics: () => d.hostDiagnostics(),
    processes: () => (name === 'chromium' ? chromeExtensionRenderers(pid) : firefoxContentProcesses(pid)),
    close: () => d.close(),
  };
}
