/**
 * A copy of the test build with broken models added (for the model-file scenarios), and the
 * Chromium controls the Chromium driver (drivers.ts) and the benchmark (bench/run.ts) share:
 * launch, dispatch a menu click through the real listener, read storage, stop the service worker.
 * Everything waits on conditions, never on fixed sleeps.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import puppeteer, { type Browser, type Page, type WebWorker } from 'puppeteer-core';
import { CHROMIUM, distDir, tmpProfile, withDeadline, type HistoryEntry, type StoredJob, type TabRef } from './harness';

export type { HistoryEntry, StoredJob, TabRef } from './harness';

// ---------- a test build with broken models ----------

export const BROKEN_MODELS = {
  /** weights shard deleted */
  missingShard: 'broken-missing-shard',
  /** model.json is not JSON */
  corruptJson: 'broken-corrupt-json',
  /** weights shard cut to 1 KB */
  truncatedShard: 'broken-truncated-shard',
  /** model.json deleted (metadata.json still names it) */
  missingModelJson: 'broken-missing-model-json',
} as const;

/** An intact copy of the default image model under another name: picking it forces a cold load. */
export const COPY_MODEL = 'copy-of-default-image-model';

/**
 * Copies dist/test-<browser> to a temp folder and adds four broken copies and one intact copy of the default image
 * model (listed in models/index.json, so they can be picked in settings). Same manifest key, so
 * the same extension id. The original build is not touched (other suites share it).
 */
export function buildWithBrokenModels(browser: 'chrome' | 'firefox'): string {
  const src = distDir(browser);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), `tensorlens-broken-${browser}-`));
  fs.cpSync(src, out, { recursive: true });
  const indexFile = path.join(out, 'models/index.json');
  const index = JSON.parse(fs.readFileSync(indexFile, 'utf8')) as { models: { name: string; displayName: string; task: string; labels: string[]; path: string }[]; defaults: { image: string | null } };
  const base = index.models.find((m) => m.name === index.defaults.image);
  if (!base) throw new Error('the test build has no default image model');
  for (const name of [...Object.values(BROKEN_MODELS), COPY_MODEL]) {
    const dir = path.join(out, 'models', name);
    fs.cpSync(path.join(out, 'models', base.name), dir, { recursive: true });
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'metadata.json'), 'utf8')) as Record<string, unknown>;
    meta.name = name;
    fs.writeFileSync(path.join(dir, 'metadata.json'), JSON.stringify(meta));
    index.models.push({ ...base, name, displayName: name, path: `models/${name}/` });
  }
  const shardOf = (name: string): string => {
    const mj = JSON.parse(fs.readFileSync(path.join(out, 'models', name, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
    return path.join(out, 'models', name, mj.weightsManifest[0]?.paths[0] as string);
  };
  fs.rmSync(shardOf(BROKEN_MODELS.missingShard));
  fs.writeFileSync(path.join(out, 'models', BROKEN_MODELS.corruptJson, 'model.json'), '{"format": "layers-model", "modelTopology": {');
  fs.rmSync(path.join(out, 'models', BROKEN_MODELS.missingModelJson, 'model.json'));
  const shard = shardOf(BROKEN_MODELS.truncatedShard);
  fs.writeFileSync(shard, fs.readFileSync(shard).subarray(0, 1024));
  fs.writeFileSync(indexFile, JSON.stringify(index, null, 2));
  return out;
}

/** The weights shard file name of the default image model (what the missing-shard error must name). */
export function defaultShardName(): string {
  const dir = path.join(distDir('chrome'), 'models');
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as { defaults: { image: string } };
  const mj = JSON.parse(fs.readFileSync(path.join(dir, index.defaults.image, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
  return mj.weightsManifest[0]?.paths[0] as string;
}

// ---------- Chromium ----------

/** The slice of chrome.* used inside the service worker (Node types only in tests). */
export interface ChromeApi {
  tabs: { query(q: object): Promise<{ id?: number; url?: string }[]> };
  contextMenus: { onClicked: { dispatch(info: unknown, tab: unknown): void } };
  storage: {
    local: { get(k: string): Promise<Record<string, unknown>>; set(v: object): Promise<void> };
    session: { get(k: string): Promise<Record<string, unknown>>; set(v: object): Promise<void> };
  };
  offscreen: { closeDocument(): Promise<void>; hasDocument?(): Promise<boolean> };
  runtime: { id: string; sendMessage(m: unknown): Promise<unknown>; getContexts(f: object): Promise<unknown[]> };
}
declare const chrome: ChromeApi;

export interface ChromeFaultSession {
  browser: Browser;
  extensionId: string;
  swUrl: string;
  worker(): Promise<WebWorker>;
  close(): Promise<void>;
}

/** Runs Chromium with its profile on a small filesystem of its own (see the script). */
const SMALL_DISK_CHROMIUM = path.join(__dirname, 'chromium-small-disk.sh');

/**
 * `keepProfile`: a user-data dir of the caller's, reused and left in place (restart tests).
 * `diskSize` (e.g. '64m'): the profile lives on a filesystem of that size, which a test can
 * really fill up (with unlimitedStorage, only the disk limits the extension's storage).
 */
export async function launchChromeWith(extensionDir: string, keepProfile?: string, diskSize?: string): Promise<ChromeFaultSession> {
  const profile = keepProfile ?? tmpProfile();
  const browser = await puppeteer.launch({
    executablePath: diskSize ? SMALL_DISK_CHROMIUM : CHROMIUM,
    env: diskSize ? { ...process.env, TENSORLENS_CHROMIUM: CHROMIUM, TENSORLENS_DISK_DIR: profile, TENSORLENS_DISK_SIZE: diskSize } : process.env,
    headless: true,
    pipe: true,
    enableExtensions: [extensionDir],
    userDataDir: profile,
    args: ['--no-sandbox', '--enable-unsafe-swiftshader', '--disable-dev-shm-usage', '--no-first-run'],
  });
  const sw = await browser.waitForTarget((t) => t.type() === 'service_worker' && t.url().endsWith('/background.js'), { timeout: 30_000 });
  const swUrl = sw.url();
  const extensionId = new URL(swUrl).host;
  const worker = async (): Promise<WebWorker> => {
    const t = await browser.waitForTarget((x) => x.type() === 'service_worker' && x.url() === swUrl, { timeout: 30_000 });
    const w = await t.worker();
    if (!w) throw new Error('service worker target has no worker');
    return w;
  };
  return {
    browser,
    extensionId,
    swUrl,
    worker,
    close: async () => {
      await browser.close();
      if (!keepProfile) fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function tabFor(s: ChromeFaultSession, p: Page): Promise<TabRef> {
  const w = await s.worker();
  const url = p.url();
  return w.evaluate(async (u: string) => {
    const t = (await chrome.tabs.query({})).find((x) => x.url === u);
    if (!t || t.id === undefined) throw new Error(`no tab for ${u}`);
    return { id: t.id, url: u };
  }, url);
}

/** Fires the real context-menu listener in the service worker (chrome.contextMenus.onClicked.dispatch). */
export async function dispatchClick(s: ChromeFaultSession, info: Record<string, unknown>, tab: TabRef): Promise<void> {
  const w = await s.worker();
  await w.evaluate(
    (i: Record<string, unknown>, t: unknown) => chrome.contextMenus.onClicked.dispatch(i, t),
    { frameId: 0, editable: false, pageUrl: tab.url, ...info },
    tab,
  );
}

export async function storedState(s: ChromeFaultSession): Promise<{ job: StoredJob | undefined; history: HistoryEntry[] }> {
  const w = await s.worker();
  return w.evaluate(async () => ({
    job: (await chrome.storage.session.get('job')).job as StoredJob | undefined,
    // History lives in the extension's IndexedDB; the test build exposes it in the worker.
    history: await (globalThis as unknown as { tensorlensTest: { history(): Promise<HistoryEntry[]> } }).tensorlensTest.history(),
  }));
}

/**
 * Stops the extension's service worker the way Chrome does when it is idle: CDP
 * ServiceWorker.stopAllWorkers on a session of one of the extension's own pages (the domain only
 * sees the service workers of that page's storage partition), then waits until the target is gone.
 */
export async function stopServiceWorker(s: ChromeFaultSession, extensionPage: Page): Promise<void> {
  const cdp = await extensionPage.createCDPSession();
  try {
    const gone = new Promise<void>((resolve) => {
      const check = (t: { type(): string; url(): string }): void => {
        if (t.type() === 'service_worker' && t.url() === s.swUrl) {
          s.browser.off('targetdestroyed', check);
          resolve();
        }
      };
      s.browser.on('targetdestroyed', check);
    });
    // A worker with a DevTools session attached is never stopped: drop puppeteer's session first
    // (the restarted worker is a new target with a fresh session).
    const t = s.browser.targets().find((x) => x.type() === 'service_worker' && x.url() === s.swUrl);
    const w = await t?.worker();
    await w?.client.detach().catch(() => undefined);
    await cdp.send('ServiceWorker.enable');
    await cdp.send('ServiceWorker.stopAllWorkers');
    await withDeadline(gone, 30_000, 'the service worker did not stop');
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

/** tf.memory() of the model host in the offscreen document (test build hook). */
export async function offscreenMemory(s: ChromeFaultSession): Promise<{ numTensors: number; numBytes: number }> {
  const target = await s.browser.waitForTarget((t) => t.url() === `chrome-extension://${s.extensionId}/offscreen.html`, { timeout: 30_000 });
  const off = await target.asPage();
  return off.evaluate(() => (globalThis as unknown as { tensorlensHost: { memory(): { numTensors: number; numBytes: number } } }).tensorlensHost.memory());
}
