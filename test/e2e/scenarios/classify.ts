/**
 * Classification of what a user right-clicks: images in all their forms, the popup's display of
 * the result and its loading state, the badge, history, backends and the text model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { badgeText } from '../../../src/shared/badge';
import { DRAWING, MENU_IMAGE, MENU_TEXT, PHOTO, TEXTS, distDir, privateImage, recordTiming, ROOT, selectContents } from '../harness';
import { chromiumDriver } from '../drivers';
import { createContext, type Scenario } from '../scenario';

const PROD_CHROME = path.join(distDir('chrome'), '..', 'chrome');
const image = (srcUrl: string): Record<string, unknown> => ({ menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl });

export const classify: Scenario[] = [
  {
    name: 'the menus exist',
    async run({ d }) {
      const ok = await d.ext(
        async (api, a: string, b: string) => {
          await api.contextMenus.update(a, {});
          await api.contextMenus.update(b, {});
          return true;
        },
        MENU_IMAGE,
        MENU_TEXT,
      );
      expect(ok).toBe(true);
    },
  },
  {
    name: `a drawing (${DRAWING.name}) → ${DRAWING.expectedTop} (cold start): loading shown, badge, model, timings, thumbnail`,
    async run(ctx) {
      // Record every phase the popup shows, to check the loading state is displayed.
      await ctx.popup.evaluate(() => {
        const seen: string[] = [];
        (window as unknown as { phases: string[] }).phases = seen;
        const status = document.getElementById('status') as HTMLElement;
        new MutationObserver(() => {
          const p = `${status.dataset.phase}:${status.innerText.split('\n')[0]}`;
          if (seen[seen.length - 1] !== p) seen.push(p);
        }).observe(status, { childList: true, subtree: true, attributes: true });
      });
      const { view, ms } = await ctx.click(image(await ctx.srcOf('#drawing')), { selector: '#drawing' });
      expect(view.phase).toBe('done');
      expect(view.topLabel).toBe(DRAWING.expectedTop);
      expect(view.backend).toBe('wasm');
      recordTiming(ctx.d.name, 'cold image (drawing)', ms, view.totalMs);
      const phases = await ctx.popup.evaluate(() => (window as unknown as { phases: string[] }).phases);
      expect(phases.some((p) => p.startsWith('loading-model:Loading the model'))).toBe(true);
      expect(phases[phases.length - 1]).toMatch(/^done:/);
      expect(await ctx.d.ext((api) => api.action.getBadgeText({}))).toBe(DRAWING.expectedTop.slice(0, 4));
      const text = await ctx.popup.$eval('#result', (el) => (el as HTMLElement).innerText);
      expect(text).toMatch(/Model/);
      expect(text).toMatch(/inference/);
      expect(await ctx.popup.$eval('#result img.thumb', (el) => (el as HTMLImageElement).src.startsWith('data:image/jpeg'))).toBe(true);
    },
  },
  {
    name: `a cross-origin photograph (${PHOTO.name}) → ${PHOTO.expectedTop} (warm)`,
    async run(ctx) {
      const src = await ctx.srcOf('#photo-cross');
      expect(new URL(src).origin).toBe(ctx.srv.other);
      const { view, ms } = await ctx.click(image(src), { selector: '#photo-cross' });
      expect(view.phase).toBe('done');
      expect(view.topLabel).toBe(PHOTO.expectedTop);
      recordTiming(ctx.d.name, 'warm image (cross-origin photo)', ms, view.totalMs);
    },
  },
  {
    name: 'an image behind a login (needs the page cookie) falls back to the page pixels',
    async run(ctx) {
      await ctx.page.waitForFunction(() => document.body.dataset.private === 'ready', { timeout: 30_000 });
      const before = { ...privateImage };
      const { view } = await ctx.click(image(await ctx.srcOf('#private')), { selector: '#private' });
      expect(view.phase).toBe('done');
      expect(view.topLabel).toBe(PHOTO.expectedTop);
      // the extension's own fetch was refused (no cookie), and the page did not load it again
      expect(privateImage.refused - before.refused).toBe(1);
      expect(privateImage.served - before.served).toBe(0);
    },
  },
  {
    name: '<picture> and srcset use the current source',
    async run(ctx) {
      const pic = await ctx.click(image(await ctx.srcOf('#pic-img')), { selector: '#pic-img' });
      expect(pic.view.topLabel).toBe(PHOTO.expectedTop);
      const set = await ctx.click(image(await ctx.srcOf('#srcset')), { selector: '#srcset' });
      expect(set.view.topLabel).toBe(DRAWING.expectedTop);
    },
  },
  {
    name: 'a <canvas> is captured by the content script',
    async run(ctx) {
      const { view } = await ctx.click({ menuItemId: MENU_IMAGE }, { selector: '#canvas' });
      expect(view.phase).toBe('done');
      expect(view.topLabel).toBe(PHOTO.expectedTop);
    },
  },
  {
    name: 'a CSS background image',
    async run(ctx) {
      const { view } = await ctx.click({ menuItemId: MENU_IMAGE }, { selector: '#bg' });
      expect(view.topLabel).toBe(DRAWING.expectedTop);
    },
  },
  {
    name: 'a blob: image is read in the page by the content script',
    async run(ctx) {
      const src = await ctx.srcOf('#blob');
      expect(src.startsWith('blob:')).toBe(true);
      const { view } = await ctx.click(image(src), { selector: '#blob' });
      expect(view.phase).toBe('done');
      expect(view.topLabel).toBe(DRAWING.expectedTop);
      await ctx.expectStillWorks();
    },
  },
  {
    name: 'the current frame of a <video>',
    async run(ctx) {
      await ctx.page.waitForFunction(() => document.body.dataset.video === 'ready', { timeout: 30_000 });
      const { view } = await ctx.click({ menuItemId: MENU_IMAGE, mediaType: 'video' }, { selector: '#video' });
      expect(view.phase).toBe('done');
      expect(view.topLabel).toBe(PHOTO.expectedTop);
    },
  },
  {
    name: 'the badge shows the top label while fresh and is cleared by its alarm',
    skip: { firefox: 'Firefox: events have no dispatch() to fire the alarm early' },
    async run(ctx) {
      const { view } = await ctx.click(image(await ctx.srcOf('#drawing')), { selector: '#drawing' });
      const badge = (): Promise<string> => ctx.d.ext((api) => api.action.getBadgeText({}));
      expect(await badge()).toBe(badgeText(view.topLabel));
      const alarm = await ctx.d.ext((api) => api.alarms.get('tensorlens-clear-badge') as Promise<{ scheduledTime: number } | undefined>);
      expect(alarm?.scheduledTime).toBeGreaterThan(Date.now() + 30_000);
      // An alarm that fires early (or for an older result) leaves a fresh badge alone.
      await ctx.d.ext((api) => api.alarms.onAlarm.dispatch({ name: 'tensorlens-clear-badge', scheduledTime: Date.now() }));
      expect(await badge()).toBe(badgeText(view.topLabel));
      // Once the stored expiry has passed, the alarm clears it (the worker may have died meanwhile).
      await ctx.d.ext((api) => api.storage.session.set({ badgeExpiresAt: Date.now() - 1 }));
      await ctx.d.ext((api) => api.alarms.onAlarm.dispatch({ name: 'tensorlens-clear-badge', scheduledTime: Date.now() }));
      await ctx.d.ext(async (api) => {
        for (let i = 0; i < 100 && (await api.action.getBadgeText({})) !== ''; i++) await new Promise((r) => setTimeout(r, 20));
      });
      expect(await badge()).toBe('');
    },
  },
  {
    name: 'history lists the results and can be cleared',
    async run({ popup }) {
      const n = await popup.$$eval('#history li[data-top-label]', (els) => els.length);
      expect(n).toBeGreaterThanOrEqual(5);
      await popup.bringToFront(); // a click waits for animation frames, which background tabs do not run
      await popup.click('#clear-history');
      await popup.waitForFunction(() => document.querySelectorAll('#history li[data-top-label]').length === 0, { polling: 50 });
    },
  },
  {
    name: 'no tensors leak where the model lives',
    async run(ctx) {
      const before = await ctx.d.memory();
      await ctx.click(image(await ctx.srcOf('#drawing')), { selector: '#drawing' });
      expect((await ctx.d.memory()).numTensors).toBe(before.numTensors);
    },
  },
  ...(['webgl', 'cpu'] as const).map(
    (backend): Scenario => ({
      // WebGL: SwiftShader in Chromium, Xvfb + llvmpipe in Firefox; without a display it must fail clearly
      name: `the backend setting can force ${backend}`,
      async run(ctx) {
        // The options page's select is covered by product.test.ts; here the setting itself.
        await ctx.setSettings({ imageModel: 'nsfw-mobilenet-v2', textModel: 'spam-assassin', backend });
        try {
          const { view } = await ctx.click(image(await ctx.srcOf('#drawing')), { selector: '#drawing' });
          if (backend === 'webgl' && !ctx.d.hasWebgl) {
            expect(view.errorCode).toBe('backend-failed');
            return;
          }
          expect(view.backend).toBe(backend);
          expect(view.topLabel).toBe(DRAWING.expectedTop);
        } finally {
          await ctx.setSettings(null);
        }
      },
    }),
  ),
  {
    name: 'text: an empty selection gives a clear message',
    async run(ctx) {
      await ctx.textPage.evaluate(() => getSelection()?.removeAllRanges());
      const { view } = await ctx.click({ menuItemId: MENU_TEXT, selectionText: '' }, { page: ctx.textPage });
      expect(view.phase).toBe('error');
      expect(view.errorCode).toBe('empty-selection');
      expect(view.text).toMatch(/Nothing is selected\./);
      await ctx.expectStillWorks();
    },
  },
  {
    name: 'text: spam and ham, shown with the text, in history next to images',
    async run(ctx) {
      expect(TEXTS).not.toBeNull();
      const spam = await selectContents(ctx.textPage, '#spam');
      const a = await ctx.click({ menuItemId: MENU_TEXT, selectionText: spam.slice(0, 100) }, { page: ctx.textPage });
      expect(a.view.topLabel).toBe('spam');
      recordTiming(ctx.d.name, 'cold text (spam)', a.ms, a.view.totalMs);
      const ham = await selectContents(ctx.textPage, '#ham');
      const b = await ctx.click({ menuItemId: MENU_TEXT, selectionText: ham.slice(0, 100) }, { page: ctx.textPage });
      expect(b.view.topLabel).toBe('ham');
      recordTiming(ctx.d.name, 'warm text (ham)', b.ms, b.view.totalMs);
      expect(await ctx.popup.$eval('#result', (el) => (el as HTMLElement).innerText)).toContain(ham.slice(0, 40));
      expect(await ctx.popup.$$eval('#history li[data-task="text"]', (els) => els.length)).toBeGreaterThanOrEqual(2);
      expect(await ctx.popup.$$eval('#history li[data-task="image"]', (els) => els.length)).toBeGreaterThanOrEqual(1);
    },
  },
  {
    name: 'text: a long selection is read in full from the page and marked truncated',
    async run(ctx) {
      const long = await selectContents(ctx.textPage, '#long');
      // Browsers cut info.selectionText; the content script supplies the full text.
      const { view } = await ctx.click({ menuItemId: MENU_TEXT, selectionText: long.slice(0, 150) }, { page: ctx.textPage });
      expect(view.phase).toBe('done');
      expect(view.text).toMatch(/truncated/);
    },
  },
  {
    name: 'the popup re-reads state after reopening',
    async run(ctx) {
      await ctx.reopenPopup();
      expect(await ctx.popup.$eval('#status', (el) => (el as HTMLElement).dataset.jobId)).toBe(ctx.lastJob);
    },
  },
  {
    name: 'the store build (dist/chrome: no test hooks, no key, no site access at install) classifies an image',
    skip: {
      firefox: 'Firefox: the store build has no test page, and BiDi cannot open moz-extension:// pages',
      // `npm test` builds it first; a bare e2e run may not have it
      ...(fs.existsSync(path.join(PROD_CHROME, 'manifest.json')) ? {} : { chromium: 'dist/chrome is not built (npm run build)' }),
    },
    async run(ctx) {
      const d = await chromiumDriver(PROD_CHROME);
      try {
        // The Web Store refuses a `key`; only test builds pin the development id.
        const manifest = JSON.parse(fs.readFileSync(path.join(PROD_CHROME, 'manifest.json'), 'utf8')) as Record<string, unknown>;
        expect(manifest.key).toBeUndefined();
        expect(manifest.host_permissions).toBeUndefined();
        expect(d.origin).not.toBe(ctx.d.origin);
        // A dispatched click grants no activeTab, so page URLs are out of reach here; a data: URL
        // needs no site access at all.
        const prod = await createContext(d, ctx.srv);
        const bytes = fs.readFileSync(path.join(ROOT, DRAWING.file)).toString('base64');
        const { view } = await prod.click(image(`data:image/jpeg;base64,${bytes}`));
        expect(view.topLabel).toBe(DRAWING.expectedTop);
      } finally {
        await d.close();
      }
    },
  },
];
