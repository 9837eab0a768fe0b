/**
 * Speed and memory (issue 13): wasm threads exactly when the model host is cross-origin isolated
 * (a cross-origin image without CORS headers still classifies under isolation), the thumbnail and
 * history entry that follow the result, and the idle release (Chromium: the offscreen document
 * closes; Firefox: the background page disposes its models and backend memory) after which the
 * next click loads the model again.
 */
import type { Scenario } from '../scenario';
import { DRAWING, PHOTO } from '../harness';

/** 3 s: short enough for a test, long enough that no click in progress is ever released. */
const TEST_IDLE_MINUTES = 0.05;

async function waitUntil(what: string, ok: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export const speed: Scenario[] = [
  {
    name: 'wasm threads: automatic leaves a core free, the setting asks for more, threads run exactly when the model host is cross-origin isolated; a cross-origin image without CORS still classifies',
    async run(ctx) {
      // from the defaults: an earlier scenario may have left another model chosen
      await ctx.setSettings(null);
      await ctx.setSettings({ backend: 'wasm' });
      try {
        // srv.other is another origin and sends no CORS or CORP headers
        const view = await ctx.clickImage(`${ctx.srv.other}/img/${DRAWING.name}.jpg?threads`);
        expect(view.errorCode).toBe('');
        expect(view.topLabel).toBe(DRAWING.expectedTop);
        let d = await ctx.d.hostDiagnostics();
        expect(d?.backend).toBe('wasm');
        // Chrome isolates the offscreen document (manifest COOP/COEP); a Firefox background page
        // cannot be isolated (docs/benchmarks.md), so it must run on one thread, not hang.
        if (ctx.d.name === 'chromium') expect(d?.crossOriginIsolated).toBe(true);
        const cores = d?.logicalCores ?? 1;
        const auto = Math.max(1, Math.min(4, cores - 1));
        expect(d?.wantedWasmThreads).toBe(auto);
        const expectThreads = (wanted: number): void => {
          expect(d?.wasmThreads).toBe(d?.crossOriginIsolated ? wanted : 1);
          if (!d?.crossOriginIsolated) expect(d?.singleThreadReason).toMatch(/isolated|SIMD/);
          else expect(d.singleThreadReason).toBe(wanted >= 2 ? null : 'one thread asked for');
        };
        expectThreads(auto);
        // the options page's choice: two threads (restarts a running isolated backend once)
        await ctx.setSettings({ wasmThreads: 2 });
        const again = await ctx.clickImage(ctx.img(DRAWING.name, '?threads2'));
        expect(again.topLabel).toBe(DRAWING.expectedTop);
        d = await ctx.d.hostDiagnostics();
        expect(d?.wantedWasmThreads).toBe(2);
        expectThreads(2);
      } finally {
        await ctx.setSettings(null);
      }
    },
  },
  {
    name: 'shows the result first, then stores its thumbnail and history entry',
    async run(ctx) {
      await ctx.setSettings(null);
      const view = await ctx.clickImage(ctx.img(PHOTO.name, '?history'));
      expect(view.topLabel).toBe(PHOTO.expectedTop);
      await waitUntil(
        'the history entry has its thumbnail',
        async () => (await ctx.d.state()).history.some((h) => h.id === view.jobId && String((h as { thumbnail?: unknown }).thumbnail).startsWith('data:image/jpeg')),
        30_000,
      );
    },
  },
  {
    name: 'releases the model after the idle period set in the settings, and the next click loads it again',
    async run(ctx) {
      await ctx.setSettings(null);
      await ctx.setSettings({ idleReleaseMinutes: TEST_IDLE_MINUTES });
      try {
        const before = await ctx.clickImage(ctx.img(PHOTO.name, '?before-release'));
        expect(before.phase).toBe('done');
        expect((await ctx.d.hostDiagnostics())?.models.length).toBeGreaterThan(0);
        await waitUntil(
          'the model is released',
          async () => {
            const d = await ctx.d.hostDiagnostics().catch(() => null);
            // Chromium: the offscreen document is closed; Firefox: the background page disposed its models.
            return ctx.d.name === 'chromium' ? d === null : !!d && d.models.length === 0 && d.releases >= 1;
          },
          60_000,
        );
        const next = await ctx.clickImage(ctx.img(DRAWING.name, '?after-release'));
        expect(next.errorCode).toBe('');
        expect(next.topLabel).toBe(DRAWING.expectedTop);
        const { job } = await ctx.d.state();
        expect((job?.result as { timings?: { modelLoadMs?: number } } | undefined)?.timings?.modelLoadMs).toBeGreaterThan(0);
      } finally {
        await ctx.setSettings(null);
      }
    },
  },
];
