/**
 * What a scenario is and what it gets: one browser (a Driver) with the test extension loaded,
 * the local servers, a page of images, a page of text, the popup, and click helpers that go
 * through the real menu handler and wait for the popup to show the outcome.
 */
import type { Page } from 'puppeteer-core';
import { setExtensionSettings, type BrowserName, type Driver } from './drivers';
import { DRAWING, readPopup, waitForOutcome, withDeadline, type PopupView, type Servers, type TabRef } from './harness';

export interface Scenario {
  name: string;
  /** Browsers that lack what this scenario needs, with the reason (it becomes part of the test name). */
  skip?: Partial<Record<BrowserName, string>>;
  /**
   * Needs the browser to suspend an idle background within seconds: where it takes longer (Firefox:
   * 30 s), the scenario runs in a second browser launched with a short idle timeout.
   */
  quickSuspend?: boolean;
  /** Fills the extension's storage (Driver.fillStorage): runs in a second browser launched with a small real storage limit. */
  limitedStorage?: boolean;
  /** ms; default 180 s */
  timeout?: number;
  run(ctx: Ctx): Promise<void>;
}

export interface ClickOptions {
  /** the page to click in (default: the image page) */
  page?: Page;
  /** right-click this element first, so the content script knows the target */
  selector?: string;
  /** the tab the menu handler gets (default: the page's tab) */
  tab?: TabRef;
  timeoutMs?: number;
}

export interface Ctx {
  d: Driver;
  srv: Servers;
  /** images.html on srv.main */
  page: Page;
  /** text.html on srv.main */
  textPage: Page;
  popup: Page;
  /** the job id the popup showed last; a click waits for a different one */
  lastJob: string;
  /** Right-clicks (optional), runs the menu handler, waits for the popup's outcome. */
  click(info: Record<string, unknown>, opts?: ClickOptions): Promise<{ view: PopupView; ms: number }>;
  clickImage(srcUrl: string): Promise<PopupView>;
  /** Waits for the next outcome in the popup (after a click started some other way). */
  outcome(timeoutMs?: number): Promise<PopupView>;
  /** A normal classification that must still work after a fault. */
  expectStillWorks(): Promise<void>;
  /** currentSrc of an <img> in the image page */
  srcOf(selector: string): Promise<string>;
  /** URL of a fixture photo on the main origin */
  img(name: string, query?: string): string;
  /** runtime.reload() (an extension update); then a new popup (the browser closes extension pages). */
  reloadExtension(): Promise<void>;
  /** Closes the browser and opens it again on the same profile; ctx then holds the new browser's pages. */
  restartBrowser(): Promise<void>;
  /** Starts a click without waiting for its outcome; resolves with the job id once it is in flight. */
  startJob(info: Record<string, unknown>): Promise<string>;
  /** Closes the popup and opens it again (ctx.popup is the new one). */
  reopenPopup(): Promise<void>;
  /** Sends the background a message from the popup: wakes it, and orders us after its pending work. */
  wake(): Promise<void>;
  /** Merges into (or with null: resets to the defaults) the settings (the extension's IndexedDB, via a test-build hook). */
  setSettings(patch: Record<string, unknown> | null): Promise<void>;
}

/** A real (trusted) right-click on `selector`: the content script ignores synthetic events. */
export async function rightClick(p: Page, selector: string): Promise<void> {
  await p.bringToFront();
  await p.click(selector, { button: 'right' });
  await p.keyboard.press('Escape'); // closes the browser's own context menu where one opens
}

async function openPopup(d: Driver): Promise<Page> {
  const p = await d.openExtensionPage('popup.html');
  await p.waitForFunction(() => document.body.dataset.ready === 'true', { timeout: 30_000, polling: 100 });
  return p;
}

/** The image page, the text page and the popup in `d`'s browser. */
async function openPages(d: Driver, srv: Servers): Promise<Pick<Ctx, 'd' | 'page' | 'textPage' | 'popup'>> {
  const page = await d.browser.newPage();
  await page.goto(`${srv.main}/images.html`);
  await page.waitForFunction(() => document.body.dataset.canvas === 'ready' && document.body.dataset.blob === 'ready', { timeout: 30_000, polling: 100 });
  const textPage = await d.browser.newPage();
  await textPage.goto(`${srv.main}/text.html`);
  return { d, page, textPage, popup: await openPopup(d) };
}

export async function createContext(d: Driver, srv: Servers): Promise<Ctx> {
  // Methods read ctx.* (never locals), so restartBrowser() can swap the browser underneath.
  const tabs = new Map<Page, TabRef>();
  const ctx: Ctx = {
    ...(await openPages(d, srv)),
    srv,
    lastJob: '',
    async click(info, opts = {}) {
      const p = opts.page ?? ctx.page;
      if (opts.selector) await rightClick(p, opts.selector);
      let tab = opts.tab ?? tabs.get(p);
      if (!tab) {
        tab = await ctx.d.tabOf(p);
        if (p === ctx.page || p === ctx.textPage) tabs.set(p, tab);
      }
      const t0 = Date.now();
      await ctx.d.menuClick(tab, [{ frameId: 0, editable: false, pageUrl: tab.url, ...info }]);
      const view = await ctx.outcome(opts.timeoutMs);
      return { view, ms: Date.now() - t0 };
    },
    async clickImage(srcUrl) {
      return (await ctx.click({ menuItemId: 'tensorlens-classify-image', mediaType: 'image', srcUrl })).view;
    },
    async outcome(timeoutMs = 120_000) {
      const view = await waitForOutcome(ctx.popup, ctx.lastJob, timeoutMs).catch(async (e: unknown) => {
        // Say where it stuck: the popup's view and the stored job.
        const job = await ctx.d.state().then((s) => JSON.stringify(s.job).slice(0, 500), (x: unknown) => String(x));
        throw new Error(`${String(e)}; popup: ${JSON.stringify(await readPopup(ctx.popup).catch(() => null))}; stored job: ${job}`);
      });
      ctx.lastJob = view.jobId;
      // The history entry follows the result (off the result path): let it land, so a scenario's
      // next "history before" snapshot already has it. Bounded: history may be off or private.
      if (view.phase === 'done') {
        for (const end = Date.now() + 5_000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
          const h = await ctx.d.state().then((st) => st.history, () => []);
          if (h.some((x) => x.id === view.jobId)) break;
        }
      }
      return view;
    },
    async expectStillWorks() {
      const view = await ctx.clickImage(ctx.img(DRAWING.name, `?after=${Date.now()}`));
      expect(view.phase).toBe('done');
      expect(view.topLabel).toBe(DRAWING.expectedTop);
    },
    srcOf: (sel) => ctx.page.$eval(sel, (el) => (el as HTMLImageElement).currentSrc || (el as HTMLImageElement).src),
    img: (name, query = '') => `${srv.main}/img/${name}.jpg${query}`,
    async reloadExtension() {
      const before = ctx.popup;
      await ctx.d.reloadExtension();
      if (!before.isClosed()) await before.close().catch(() => undefined);
      ctx.popup = await openPopup(ctx.d);
    },
    async restartBrowser() {
      Object.assign(ctx, await openPages(await ctx.d.restart(), srv), { lastJob: '' });
    },
    async startJob(info) {
      const tab = await ctx.d.tabOf(ctx.page);
      const { job: before } = await ctx.d.state();
      await ctx.d.menuClick(tab, [{ menuItemId: 'tensorlens-classify-image', frameId: 0, editable: false, pageUrl: tab.url, ...info }]);
      return withDeadline(
        (async () => {
          for (;;) {
            const { job } = await ctx.d.state();
            if (job && job.id !== before?.id && (job.phase === 'working' || job.phase === 'loading-model')) return job.id;
            if (job && job.id !== before?.id) throw new Error(`the job ended before it could be interrupted: ${JSON.stringify(job).slice(0, 300)}`);
            await new Promise((r) => setTimeout(r, 50));
          }
        })(),
        30_000,
        'the click started no job',
      );
    },
    async reopenPopup() {
      await ctx.popup.close();
      ctx.popup = await openPopup(ctx.d);
    },
    async wake() {
      await ctx.popup.evaluate(() => {
        type Api = { runtime: { sendMessage(m: unknown): Promise<unknown> } };
        const g = globalThis as unknown as { browser?: Api; chrome?: Api };
        return (g.browser ?? (g.chrome as Api)).runtime.sendMessage({ target: 'background', method: 'wake-up', args: [] }).catch(() => undefined);
      });
    },
    setSettings: (patch) => setExtensionSettings(d, patch),
  };
  return ctx;
}
