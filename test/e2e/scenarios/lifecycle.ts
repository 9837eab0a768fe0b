/**
 * The extension's life around a job: the background suspended (idle) or reloaded (an update)
 * between and during clicks, a reload with the popup open, a click while the model is still
 * loading, two windows at once, a full storage, and the browser closed mid-job and reopened.
 * Nothing may be left "working" for ever, nothing stored may be lost or corrupted.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DRAWING, MENU_IMAGE, PHOTO, ROOT, readPopup, withDeadline, type HistoryEntry } from '../harness';
import { COPY_MODEL } from '../fault-helpers';
import { rightClick, type Ctx, type Scenario } from '../scenario';

/** A photo that takes `ms` to download: keeps a job in flight. */
const slowImage = (ctx: Ctx, name: string, ms: number, tag: string): string => `${ctx.srv.main}/slow/${name}.jpg?ms=${ms}&${tag}`;

/** Checked: afterwards the extension's pages fail with ERR_BLOCKED_BY_CLIENT and no new worker starts. */
const NO_RELOAD = { chromium: 'Chromium headless: runtime.reload() unloads an unpacked extension and never loads it back' };

const NOT_STUCK = /^(idle|done|error)$/;

/** The popup's phase once it has settled on what storage says (never "working" for ever). */
async function settledPhase(ctx: Ctx): Promise<string> {
  await ctx.popup.waitForFunction((re: string) => new RegExp(re).test(document.getElementById('status')?.dataset.phase ?? ''), { timeout: 60_000, polling: 100 }, NOT_STUCK.source);
  return ctx.popup.$eval('#status', (el) => (el as HTMLElement).dataset.phase ?? '');
}

const ids = (h: HistoryEntry[]): string[] => h.map((x) => x.id);

/** The ids of the history rows the popup lists. */
const historyRows = (ctx: Ctx): Promise<string[]> => ctx.popup.$$eval('#history button[data-id]', (els) => els.map((el) => el.getAttribute('data-id') ?? ''));

const EN = JSON.parse(fs.readFileSync(path.join(ROOT, '_locales/en/messages.json'), 'utf8')) as Record<string, { message: string }>;

export const lifecycle: Scenario[] = [
  {
    name: 'a click while the model is still loading: both clicks get their own result, the later one is shown',
    async run(ctx) {
      await ctx.setSettings({ imageModel: COPY_MODEL, textModel: '', backend: 'auto' }); // never loaded yet: cold
      try {
        const a = ctx.img(DRAWING.name, '?loading=a');
        const b = ctx.img(PHOTO.name, '?loading=b');
        const tab = await ctx.d.tabOf(ctx.page);
        await ctx.d.menuClick(tab, [{ menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: a, frameId: 0, pageUrl: tab.url }]);
        await withDeadline(
          (async () => {
            // A is in flight on a model never loaded before (cold): B comes while it loads
            for (;;) {
              const { job } = await ctx.d.state();
              if (job?.phase === 'working' || job?.phase === 'loading-model') break;
              await new Promise((r) => setTimeout(r, 20));
            }
          })(),
          60_000,
          'the first click never started',
        );
        // Not ctx.click: where the loading blocks the background (Firefox), A may finish before B is even read.
        await ctx.d.menuClick(tab, [{ menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: b, frameId: 0, pageUrl: tab.url }]);
        const got = await withDeadline(
          (async () => {
            for (;;) {
              const h = (await ctx.d.state()).history.filter((x) => x.sourceUrl === a || x.sourceUrl === b);
              if (h.length === 2) return h;
              await new Promise((r) => setTimeout(r, 100));
            }
          })(),
          60_000,
          'the first click produced no result',
        );
        expect(Object.fromEntries(got.map((h) => [h.sourceUrl, h.scores[0]?.label]))).toEqual({ [a]: DRAWING.expectedTop, [b]: PHOTO.expectedTop });
        expect(got.map((h) => h.sourceUrl)).toEqual([b, a]); // newest first: B's result is the later one
        // The stored job, and so the popup, ends on the later click's result.
        const last = await withDeadline(
          (async () => {
            for (;;) {
              const { job } = await ctx.d.state();
              if (job?.phase === 'done' && job.result?.sourceUrl === b) return job;
              await new Promise((r) => setTimeout(r, 100));
            }
          })(),
          60_000,
          'the later click is not the one shown',
        );
        await ctx.popup.waitForFunction((id: string) => document.getElementById('status')?.dataset.jobId === id, { timeout: 60_000, polling: 100 }, last.id);
        expect((await readPopup(ctx.popup)).topLabel).toBe(PHOTO.expectedTop);
        ctx.lastJob = last.id;
      } finally {
        await ctx.setSettings(null);
      }
      await ctx.expectStillWorks();
    },
  },
  {
    name: 'two windows right-clicking at once: each gets its own result',
    async run(ctx) {
      const url = `${ctx.srv.main}/images.html?window=2`;
      const other = await ctx.d.openWindow(url);
      try {
        await other.waitForFunction(() => document.body.dataset.canvas === 'ready', { timeout: 30_000, polling: 100 });
        const tabs = [await ctx.d.tabOf(ctx.page), await ctx.d.tabOf(other)];
        expect(tabs[0]?.id).not.toBe(tabs[1]?.id);
        const known = new Set(ids((await ctx.d.state()).history)); // the history may be full: look for new ids
        // Both right-clicks first (each content script remembers its own target), then both menu clicks.
        await Promise.all([rightClick(ctx.page, '#canvas'), rightClick(other, '#drawing')]);
        const src = await other.$eval('#drawing', (el) => (el as HTMLImageElement).currentSrc);
        await Promise.all([
          ctx.d.menuClick(tabs[0] as { id: number; url: string }, [{ menuItemId: MENU_IMAGE, frameId: 0, pageUrl: ctx.page.url() }]),
          ctx.d.menuClick(tabs[1] as { id: number; url: string }, [{ menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: `${src}?window=2`, frameId: 0, pageUrl: url }]),
        ]);
        const fresh = await withDeadline(
          (async () => {
            for (;;) {
              const h = (await ctx.d.state()).history.filter((x) => !known.has(x.id));
              if (h.length >= 2) return h;
              await new Promise((r) => setTimeout(r, 100));
            }
          })(),
          60_000,
          'not both windows got a result',
        );
        const labels = fresh.map((h) => (h.sourceUrl?.includes('window=2') ? `window2:${h.scores[0]?.label}` : `window1:${h.scores[0]?.label}`)).sort();
        expect(labels).toEqual([`window1:${PHOTO.expectedTop}`, `window2:${DRAWING.expectedTop}`]);
        await ctx.outcome(30_000);
      } finally {
        await other.close();
      }
    },
  },
  {
    name: "the extension's storage is full while saving history: the result shows with a notice, earlier history intact, history records again once there is room",
    limitedStorage: true,
    async run(ctx) {
      await ctx.expectStillWorks();
      const before = (await ctx.d.state()).history;
      expect(before.length).toBeGreaterThan(0);
      const rowsBefore = await historyRows(ctx);
      expect(rowsBefore).toEqual(ids(before));
      await ctx.d.fillStorage();
      try {
        const full = await ctx.clickImage(ctx.img(PHOTO.name, '?storage=full'));
        expect(full.phase).toBe('done');
        expect(full.topLabel).toBe(PHOTO.expectedTop);
        // The history write fails after the result is shown: the result gains one sentence, and stays a result.
        const notice = await ctx.popup.waitForSelector('#result #history-error', { timeout: 30_000 });
        expect(await notice?.evaluate((el) => [(el as HTMLElement).dataset.code, el.textContent])).toEqual(['storage-full', EN.historyNotSavedFull?.message]);
        expect(await readPopup(ctx.popup)).toMatchObject({ phase: 'done', jobId: full.jobId, topLabel: PHOTO.expectedTop });
        expect(await historyRows(ctx)).toEqual(rowsBefore);
      } finally {
        await ctx.d.freeStorage();
      }
      // Nothing half-written: the entries from before are all there, unchanged.
      expect((await ctx.d.state()).history).toEqual(before);
      const next = await ctx.clickImage(ctx.img(DRAWING.name, '?storage=freed'));
      expect(next.phase).toBe('done');
      expect(await ctx.popup.$('#result #history-error')).toBeNull();
      expect(ids((await ctx.d.state()).history)).toEqual([next.jobId, ...ids(before)]);
      await ctx.popup.waitForFunction((id: string) => document.querySelector('#history button[data-id]')?.getAttribute('data-id') === id, { timeout: 30_000, polling: 100 }, next.jobId);
    },
  },
  {
    name: 'the background is suspended (idle) between two classifications: state survives, a new background classifies',
    quickSuspend: true,
    async run(ctx) {
      const first = await ctx.clickImage(ctx.img(DRAWING.name, '?sw=1'));
      expect(first.topLabel).toBe(DRAWING.expectedTop);
      const generation = await ctx.d.backgroundGeneration();
      await ctx.d.suspendBackground(ctx.popup);
      // A real right-click would wake it; headless, any extension event does: a message from the popup.
      await ctx.wake();
      expect(await ctx.d.backgroundGeneration()).not.toBe(generation);
      const second = await ctx.clickImage(ctx.img(PHOTO.name, '?sw=2'));
      expect(second.phase).toBe('done');
      expect(second.topLabel).toBe(PHOTO.expectedTop);
      expect(await ctx.popup.$$eval('#history li[data-top-label]', (els) => els.length)).toBeGreaterThan(1);
    },
  },
  {
    name: 'the background is suspended (idle) during a click: the job ends with a clear message, not "working" for ever',
    quickSuspend: true,
    async run(ctx) {
      await ctx.expectStillWorks();
      const before = (await ctx.d.state()).history;
      const job = await ctx.startJob({ mediaType: 'image', srcUrl: slowImage(ctx, PHOTO.name, 60_000, 'suspend-mid') });
      const generation = await ctx.d.backgroundGeneration();
      await ctx.d.suspendBackground(ctx.popup);
      await ctx.wake();
      expect(await ctx.d.backgroundGeneration()).not.toBe(generation);
      const view = await ctx.outcome(60_000);
      expect(view.jobId).toBe(job);
      expect(view.phase).toBe('error');
      expect(view.text).toMatch(/stopped the extension's background before the job finished/);
      expect(ids((await ctx.d.state()).history)).toEqual(ids(before));
      await ctx.expectStillWorks();
    },
  },
  {
    name: 'runtime.reload() (an update) between two classifications: history kept, the next click works',
    skip: NO_RELOAD,
    async run(ctx) {
      await ctx.expectStillWorks();
      const before = (await ctx.d.state()).history;
      expect(before.length).toBeGreaterThan(0);
      await ctx.reloadExtension();
      expect(await settledPhase(ctx)).toMatch(NOT_STUCK);
      expect(ids((await ctx.d.state()).history)).toEqual(ids(before));
      await ctx.expectStillWorks();
    },
  },
  {
    name: 'runtime.reload() (an update) during a click, with the popup open: no stuck "working", history intact, the next click works',
    skip: NO_RELOAD,
    async run(ctx) {
      await ctx.expectStillWorks();
      const before = (await ctx.d.state()).history;
      const popupBefore = ctx.popup;
      await ctx.startJob({ mediaType: 'image', srcUrl: slowImage(ctx, PHOTO.name, 60_000, 'reload-mid') });
      await ctx.reloadExtension();
      // The browser closed the old popup with the old extension; the reopened one is not stuck.
      expect(popupBefore.isClosed() || !(await popupBefore.evaluate(() => true).catch(() => false))).toBe(true);
      const phase = await settledPhase(ctx);
      if (phase === 'error') expect(await ctx.popup.$eval('#status', (el) => (el as HTMLElement).innerText)).toMatch(/stopped the extension's background/);
      const { job, history } = await ctx.d.state();
      expect(job === undefined || NOT_STUCK.test(job.phase)).toBe(true);
      expect(ids(history)).toEqual(ids(before));
      await ctx.expectStillWorks();
    },
  },
  {
    name: 'the browser closed with a job in flight and reopened: no stuck "working", history kept, classification works',
    async run(ctx) {
      await ctx.expectStillWorks();
      const before = (await ctx.d.state()).history;
      await ctx.startJob({ mediaType: 'image', srcUrl: slowImage(ctx, PHOTO.name, 60_000, 'closed-mid') });
      await ctx.restartBrowser();
      expect(await settledPhase(ctx)).toMatch(NOT_STUCK);
      const { job, history } = await ctx.d.state();
      expect(job === undefined || NOT_STUCK.test(job.phase)).toBe(true);
      expect(ids(history)).toEqual(ids(before));
      await ctx.expectStillWorks();
      expect((await ctx.d.state()).history[0]?.sourceUrl).toContain('?after=');
    },
  },
];
