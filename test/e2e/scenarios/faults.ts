/**
 * Faults: the background stops, the offscreen document is closed, bursts of clicks, bad inputs,
 * broken model files, hostile messages, and no network use beyond the image itself. Each bad
 * input must give a clear popup message and leave the extension working.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DRAWING, IMAGES, MEGABYTE_TEXT, MENU_IMAGE, MENU_TEXT, PHOTO, ROOT, distDir, readPopup, selectContents, withDeadline } from '../harness';
import { BROKEN_MODELS, defaultShardName } from '../fault-helpers';
import type { Ctx, Scenario } from '../scenario';

const NO_OFFSCREEN = 'Firefox: no offscreen document (the background page hosts the model)';
const DEFAULT_IMAGE_MODEL = 'nsfw-mobilenet-v2';

const resultText = (ctx: Ctx): Promise<string> => ctx.popup.$eval('#result', (el) => (el as HTMLElement).innerText);

/** A bad input: the popup's message, then a normal classification still works. */
function badInput(name: string, check: (ctx: Ctx) => Promise<void>, skip?: Scenario['skip']): Scenario {
  return {
    name: `bad input: ${name}`,
    skip,
    async run(ctx) {
      await check(ctx);
      await ctx.expectStillWorks();
    },
  };
}

/** Polls the history until `n` entries match; newest first. */
function historyWhere(ctx: Ctx, pred: (sourceUrl: string) => boolean, n: number, ms: number): Promise<{ id: string; sourceUrl?: string; scores: { label: string }[] }[]> {
  return withDeadline(
    (async () => {
      for (;;) {
        const { history } = await ctx.d.state();
        const got = history.filter((h) => pred(h.sourceUrl ?? ''));
        if (got.length >= n) return got;
        await new Promise((r) => setTimeout(r, 100));
      }
    })(),
    ms,
    `fewer than ${n} results arrived`,
  );
}

/** Sends `msg` with runtime.sendMessage from the content-script world of the image page's tab. */
async function sendFromContentScript(ctx: Ctx, msg: unknown): Promise<{ reply?: { ok?: boolean; code?: string; message?: string } | null; error?: string }> {
  const tab = await ctx.d.tabOf(ctx.page);
  return ctx.d.ext(
    async (api, tabId: number, m: unknown) => {
      const [r] = await api.scripting.executeScript({
        target: { tabId, frameIds: [0] },
        func: (mm: unknown) => {
          const rt = ((globalThis as { browser?: unknown }).browser ?? (globalThis as { chrome?: unknown }).chrome) as { runtime: { sendMessage(x: unknown): Promise<unknown> } };
          return rt.runtime.sendMessage(mm).then(
            (x) => ({ reply: x ?? null }),
            (e: unknown) => ({ error: String(e) }),
          );
        },
        args: [m],
      });
      return r.result;
    },
    tab.id,
    msg,
  );
}

export const faults: Scenario[] = [
  {
    name: 'the service-worker bundle contains no TF.js',
    skip: { firefox: 'Firefox: no service worker (the background page hosts the model)' },
    async run() {
      for (const dir of [distDir('chrome'), path.join(ROOT, 'dist/chrome')]) {
        const file = path.join(dir, 'background.js');
        if (!fs.existsSync(file)) continue;
        const js = fs.readFileSync(file, 'utf8');
        expect(js).not.toMatch(/@tensorflow|tfjs|loadLayersModel|WebGL2RenderingContext|setWasmPaths|WASM_HAS_MULTITHREAD_SUPPORT/);
        expect(fs.statSync(file).size).toBeLessThan(100_000);
      }
    },
  },
  {
    name: 'network: a classification fetches only the image (server log)',
    async run(ctx) {
      ctx.srv.hits.length = 0;
      const view = await ctx.clickImage(ctx.img(DRAWING.name, '?net=cold'));
      expect(view.phase).toBe('done');
      expect(view.topLabel).toBe(DRAWING.expectedTop);
      expect(ctx.srv.hits).toEqual([`/img/${DRAWING.name}.jpg?net=cold`]);
    },
  },
  {
    name: 'network: a warm classification makes no request but the image (recorded in the extension)',
    async run(ctx) {
      await ctx.expectStillWorks(); // warm
      const rec = await ctx.d.recordRequests();
      ctx.srv.hits.length = 0;
      const url = ctx.img(PHOTO.name, '?net=warm');
      try {
        const view = await ctx.clickImage(url);
        expect(view.phase).toBe('done');
      } finally {
        await rec.stop();
      }
      expect(rec.urls.filter((u) => !u.startsWith(`${ctx.d.origin}/`))).toEqual([url]);
      expect(ctx.srv.hits).toEqual([`/img/${PHOTO.name}.jpg?net=warm`]);
    },
  },
  {
    name: 'the background is stopped between two classifications: state survives, a new background classifies',
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
    name: 'the offscreen document is closed between classifications: it is recreated and the next works',
    skip: { firefox: NO_OFFSCREEN },
    async run(ctx) {
      await ctx.clickImage(ctx.img(DRAWING.name, '?off=1'));
      await ctx.d.ext((api) => api.offscreen.closeDocument());
      const view = await ctx.clickImage(ctx.img(PHOTO.name, '?off=2'));
      expect(view.phase).toBe('done');
      expect(view.topLabel).toBe(PHOTO.expectedTop);
      expect(ctx.d.browser.targets().some((t) => t.url() === `${ctx.d.origin}/offscreen.html`)).toBe(true);
    },
  },
  {
    name: 'the offscreen document is closed while a job runs: the job finishes or fails clearly, then classification works',
    skip: { firefox: NO_OFFSCREEN },
    async run(ctx) {
      await ctx.d.ext((api) => api.offscreen.closeDocument().catch(() => undefined));
      await ctx.d.menuClick(await ctx.d.tabOf(ctx.page), [{ menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: ctx.img(DRAWING.name, '?mid=1'), frameId: 0, pageUrl: ctx.page.url() }]);
      // Cold again: wait until the new document is loading the model, then pull it away.
      const seen = await withDeadline(
        (async (): Promise<string> => {
          for (;;) {
            const { job } = await ctx.d.state();
            if (job && job.id !== ctx.lastJob && ['loading-model', 'done', 'error'].includes(job.phase)) return job.phase;
            await new Promise((r) => setTimeout(r, 20));
          }
        })(),
        60_000,
        'the job never started loading the model',
      );
      await ctx.d.ext((api) => api.offscreen.closeDocument().catch(() => undefined));
      const view = await ctx.outcome(60_000);
      expect(['loading-model', 'done', 'error']).toContain(seen);
      if (view.phase === 'error') expect(view.text).toMatch(/\w+\./); // a sentence, not a stack
      else expect(view.topLabel).toBe(DRAWING.expectedTop);
      await ctx.expectStillWorks();
    },
  },
  {
    name: '20 right-clicks in quick succession: each gets its own result, in order, none lost, no tensor growth',
    async run(ctx) {
      await ctx.expectStillWorks(); // warm, so the memory baseline includes the loaded model
      const before = await ctx.d.memory();
      const urls = Array.from({ length: 20 }, (_, i) => ctx.img((IMAGES[i % IMAGES.length] as { name: string }).name, `?burst=${i}`));
      const tab = await ctx.d.tabOf(ctx.page);
      await ctx.d.menuClick(tab, urls.map((srcUrl) => ({ menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl, frameId: 0, pageUrl: tab.url })));
      const burst = await historyWhere(ctx, (u) => u.includes('?burst='), 20, 90_000);
      // history is newest first
      expect(burst.map((h) => h.sourceUrl).reverse()).toEqual(urls);
      expect(new Set(burst.map((h) => h.id)).size).toBe(20);
      burst.reverse().forEach((h, i) => expect(h.scores[0]?.label).toBe((IMAGES[i % IMAGES.length] as { expectedTop: string }).expectedTop));
      await ctx.outcome(30_000);
      const after = await ctx.d.memory();
      expect(after.numTensors).toBe(before.numTensors);
      expect(after.numBytes).toBe(before.numBytes);
    },
  },
  badInput('a missing image (HTTP 404) shows the fetch error sentence', async (ctx) => {
    const v = await ctx.clickImage(`${ctx.srv.main}/img/missing.jpg`);
    expect(v.phase).toBe('error');
    expect(v.errorCode).toBe('image-fetch-failed');
    expect(v.text).toMatch(/The image could not be downloaded\./);
    expect(v.text).toMatch(/HTTP 404/);
  }),
  badInput('a file that is not an image', async (ctx) => {
    const v = await ctx.clickImage(`${ctx.srv.main}/not-an-image.jpg`);
    expect(v.errorCode).toBe('image-unreadable');
    expect(v.text).toMatch(/could not be read/);
  }),
  badInput('corrupt image bytes', async (ctx) => {
    const v = await ctx.clickImage(`${ctx.srv.main}/bad/corrupt.jpg`);
    expect(v.errorCode).toBe('image-unreadable');
    expect(v.text).toMatch(/That image could not be read\./);
  }),
  badInput('a 1×1 image is classified (stretched to the input), size shown', async (ctx) => {
    const v = await ctx.clickImage(`${ctx.srv.main}/bad/1x1.png`);
    expect(v.phase).toBe('done');
    expect(await resultText(ctx)).toContain('1×1');
  }),
  badInput('a 10000×10000 image is refused as too large, memory back to normal', async (ctx) => {
    const before = await ctx.d.memory();
    const v = await ctx.clickImage(`${ctx.srv.main}/bad/huge.png`);
    expect(v.errorCode).toBe('image-too-large');
    expect(v.text).toMatch(/That image is too large to classify\./);
    expect(v.text).toMatch(/10000×10000/);
    expect((await ctx.d.memory()).numTensors).toBe(before.numTensors);
  }),
  badInput('a file declaring 60 MB is refused before download', async (ctx) => {
    const v = await ctx.clickImage(`${ctx.srv.other}/huge.jpg`);
    expect(v.errorCode).toBe('image-too-large');
    expect(v.text).toMatch(/too large/);
  }),
  badInput('an SVG image is rasterised and classified', async (ctx) => {
    const { view } = await ctx.click({ menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: await ctx.srcOf('#svg') }, { selector: '#svg' });
    expect(view.phase).toBe('done');
    expect(view.topLabel).not.toBe('');
    const v = await ctx.clickImage(`${ctx.srv.main}/bad/drawing.svg`);
    expect(v.phase).toBe('done');
    expect(v.topLabel).not.toBe('');
  }),
  badInput('an animated GIF: the first frame is classified', async (ctx) => {
    const v = await ctx.clickImage(`${ctx.srv.main}/bad/anim.gif`);
    expect(v.phase).toBe('done');
    expect(await resultText(ctx)).toContain('48×48');
  }),
  badInput('a data: URL', async (ctx) => {
    const bytes = fs.readFileSync(path.join(ROOT, DRAWING.file));
    const v = await ctx.clickImage(`data:image/jpeg;base64,${bytes.toString('base64')}`);
    expect(v.phase).toBe('done');
    expect(v.topLabel).toBe(DRAWING.expectedTop);
  }),
  badInput('a browser-internal page gives page-not-allowed', async (ctx) => {
    const internal = await ctx.d.browser.newPage();
    try {
      if (internal.url() !== ctx.d.restrictedUrl) await internal.goto(ctx.d.restrictedUrl);
      const t = { ...(await ctx.d.tabOf(internal)), url: ctx.d.restrictedUrl };
      const { view } = await ctx.click({ menuItemId: MENU_IMAGE, pageUrl: t.url }, { page: internal, tab: t });
      expect(view.errorCode).toBe('page-not-allowed');
      expect(view.text).toMatch(/Browsers do not let extensions read this page/);
    } finally {
      await internal.close();
    }
  }),
  badInput('an extension-store page gives page-not-allowed', async (ctx) => {
    const store = { id: (await ctx.d.tabOf(ctx.page)).id, url: ctx.d.storeUrl };
    const { view } = await ctx.click({ menuItemId: MENU_IMAGE, pageUrl: store.url }, { tab: store });
    expect(view.errorCode).toBe('page-not-allowed');
    expect(view.text).toMatch(/Browsers do not let extensions read this page/);
  }),
  badInput('a 1 MB selection is read whole from the page, truncated for the model, and the popup says so', async (ctx) => {
    expect((await selectContents(ctx.textPage, '#mega')).length).toBe(MEGABYTE_TEXT.length);
    const t0 = Date.now();
    const { view } = await ctx.click({ menuItemId: MENU_TEXT, selectionText: MEGABYTE_TEXT.slice(0, 150) }, { page: ctx.textPage });
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(view.phase).toBe('done');
    expect(await resultText(ctx)).toMatch(/The text was truncated/);
    expect((await ctx.d.state()).job?.result?.text?.inputChars).toBe(MEGABYTE_TEXT.length);
  }),
  ...(
    [
      ['weights shard missing', BROKEN_MODELS.missingShard, (): string => defaultShardName(), 'model-load-failed'],
      ['model.json corrupt', BROKEN_MODELS.corruptJson, (): string => 'model.json', 'model-load-failed'],
      // tfjs reports only a size mismatch; the host measures the shards and names the short one
      ['weights shard truncated', BROKEN_MODELS.truncatedShard, (): string => defaultShardName(), 'model-load-failed'],
      ['model.json missing', BROKEN_MODELS.missingModelJson, (): string => 'model.json', 'model-missing'],
    ] as const
  ).map(
    ([what, model, file, code]): Scenario => ({
      name: `broken model (${what}): "model could not be loaded" naming the file, not a hang`,
      async run(ctx) {
        await ctx.setSettings({ imageModel: model, textModel: '', backend: 'auto' });
        try {
          const t0 = Date.now();
          const v = await ctx.clickImage(ctx.img(DRAWING.name, `?model=${model}`));
          expect(Date.now() - t0).toBeLessThan(20_000);
          expect([v.errorCode, v.text]).toEqual([code, expect.stringMatching(/The model could not be loaded/)]);
          expect(v.text).toContain(`models/${model}/`);
          expect(v.text).toContain(file());
        } finally {
          await ctx.setSettings(null);
        }
        await ctx.expectStillWorks();
      },
    }),
  ),
  {
    name: 'hostile: the page itself has no extension messaging',
    async run(ctx) {
      expect(
        await ctx.page.evaluate(() => {
          const g = globalThis as unknown as { chrome?: { runtime?: { sendMessage?: unknown } }; browser?: { runtime?: { sendMessage?: unknown } } };
          return [typeof g.chrome?.runtime?.sendMessage, typeof g.browser?.runtime?.sendMessage];
        }),
      ).toEqual(['undefined', 'undefined']);
    },
  },
  {
    name: 'hostile: privileged or malformed requests from the content-script world are refused and store nothing',
    async run(ctx) {
      const before = await ctx.d.state();
      const hits = ctx.srv.hits.length;
      const classify = { model: DEFAULT_IMAGE_MODEL, backend: 'auto', source: { kind: 'url', url: ctx.img(PHOTO.name, '?hostile=1') } };
      const privileged = [
        { target: 'model-host', method: 'classifyImage', args: [classify] },
        { target: 'model-host', method: 'classifyText', args: [{ model: 'x', backend: 'auto', text: 'hi' }] },
        { target: 'background', method: 'reportProgress', args: [{ model: DEFAULT_IMAGE_MODEL, fraction: 0.5 }] },
        { target: 'background', method: 'testMenuClick', args: [{ menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: ctx.img(PHOTO.name, '?hostile=2') }, { id: 1 }] },
        { target: 'background', method: 'onMenuClicked', args: [{ menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: ctx.img(PHOTO.name, '?hostile=2') }, { id: 1 }] },
        { target: 'background', method: 'getHistory', args: [] },
        { target: 'background', method: 'constructor', args: [] },
        { target: 'background', method: '__proto__', args: [] },
      ];
      for (const msg of privileged) {
        const r = await sendFromContentScript(ctx, msg);
        expect(r.reply?.ok).not.toBe(true);
        if (r.reply) expect(r.reply.message).toMatch(/sender not allowed|unknown method/);
      }
      const malformed = [null, 42, 'classify', { target: 'background' }, { target: 'background', method: 7, args: [] }, { target: 'nobody', method: 'classifyImage', args: [] }, { method: 'classifyImage', args: [classify] }];
      for (const msg of malformed) expect((await sendFromContentScript(ctx, msg)).reply?.ok).not.toBe(true);
      // content scripts cannot reach other tabs at all
      const tab = await ctx.d.tabOf(ctx.page);
      const tabsApi = await ctx.d.ext(
        async (api, tabId: number) =>
          (await api.scripting.executeScript({ target: { tabId, frameIds: [0] }, func: () => typeof ((globalThis as { browser?: { tabs?: unknown } }).browser ?? (globalThis as { chrome?: { tabs?: unknown } }).chrome)?.tabs }))[0].result,
        tab.id,
      );
      expect(tabsApi).toBe('undefined');
      // nothing was classified or stored
      const after = await ctx.d.state();
      expect(after.job?.id).toBe(before.job?.id);
      expect(after.history.map((h) => h.id)).toEqual(before.history.map((h) => h.id));
      expect(ctx.srv.hits.slice(hits).some((h) => h.includes('hostile'))).toBe(false);
    },
  },
  {
    name: 'hostile: window.postMessage from the page triggers nothing',
    async run(ctx) {
      const before = await ctx.d.state();
      const hits = ctx.srv.hits.length;
      await ctx.page.evaluate((u: string) => {
        for (const m of [
          { target: 'background', method: 'onMenuClicked', args: [{ menuItemId: 'tensorlens-classify-image', srcUrl: u }] },
          { target: 'content', method: 'captureImage', args: [{}] },
        ])
          window.postMessage(m, '*');
      }, ctx.img(PHOTO.name, '?hostile=3'));
      // A round-trip through the background orders us after any reaction.
      await ctx.wake();
      const after = await ctx.d.state();
      expect(after.job?.id).toBe(before.job?.id);
      expect(after.history.length).toBe(before.history.length);
      expect(ctx.srv.hits.slice(hits).some((h) => h.includes('hostile'))).toBe(false);
      expect((await readPopup(ctx.popup)).jobId).toBe(ctx.lastJob);
    },
  },
];
