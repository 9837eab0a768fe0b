/**
 * The e2e suite: every scenario in scenarios/index.ts, run in one browser through its driver
 * (drivers.ts). chromium.test.ts and firefox.test.ts each run it for their browser, so jest can
 * run the two browsers side by side. One browser per file for the whole table, launched on a
 * copy of the test build with broken models added (fault-helpers.ts). A scenario a browser
 * cannot run is skipped there with the reason in its name.
 */
import * as fs from 'node:fs';
import { chromiumDriver, firefoxDriver, type BrowserName, type Driver, type DriverOptions } from './drivers';
import { ensureTestBuild, startServers, type Servers } from './harness';
import { buildWithBrokenModels } from './fault-helpers';
import { createContext, type Ctx, type Scenario } from './scenario';
import { SCENARIOS } from './scenarios';

/** Idle timeout of the extra browser for quickSuspend scenarios where the browser's own is long. */
const QUICK_IDLE_MS = 8_000;

const LAUNCH: Record<BrowserName, (dir: string, opts?: DriverOptions) => Promise<Driver>> = { chromium: chromiumDriver, firefox: firefoxDriver };

/** Defines the suite for `name`: a describe named after the browser, one test per scenario. */
export function e2eSuite(name: BrowserName): void {
  const launch = LAUNCH[name];
  describe(name, () => {
    let srv: Servers | undefined;
    let dir = '';
    let ctx: Ctx;
    /** Second browsers, launched on first use with other options. */
    const extra = new Map<string, Promise<Ctx>>();
    const extraContext = (key: string, opts: DriverOptions): Promise<Ctx> => {
      let c = extra.get(key);
      if (!c) extra.set(key, (c = launch(dir, opts).then((d) => createContext(d, srv as Servers))));
      return c;
    };
    /**
     * The context a scenario runs in: the main one; for limitedStorage, a browser with a small real
     * storage limit; for quickSuspend where the browser is slow to suspend, one with a short idle timeout.
     */
    const extraFor = (s: Scenario): [string, DriverOptions] | null => {
      if (s.limitedStorage) return ['limited-storage', { limitedStorage: true }];
      if (s.quickSuspend && ctx.d.suspendMs > QUICK_IDLE_MS) return ['quick-suspend', { idleSuspendMs: QUICK_IDLE_MS }];
      return null;
    };
    const contextFor = (s: Scenario): Promise<Ctx> => {
      const e = extraFor(s);
      return e ? extraContext(...e) : Promise.resolve(ctx);
    };
    /** Closes a second browser once no later scenario needs it (fewer browsers competing for the CPU). */
    const closeUnneeded = async (i: number): Promise<void> => {
      const key = extraFor(SCENARIOS[i] as Scenario)?.[0];
      const c = key ? extra.get(key) : undefined;
      if (!key || !c || SCENARIOS.slice(i + 1).some((s) => !s.skip?.[name] && extraFor(s)?.[0] === key)) return;
      extra.delete(key);
      await (await c.catch(() => undefined))?.d.close();
    };

    beforeAll(async () => {
      ensureTestBuild();
      srv = await startServers();
      dir = buildWithBrokenModels(name === 'chromium' ? 'chrome' : 'firefox');
      ctx = await createContext(await launch(dir), srv);
    }, 240_000);

    afterAll(async () => {
      for (const c of extra.values()) await (await c.catch(() => undefined))?.d.close();
      await ctx?.d.close();
      await srv?.close();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    for (const [i, s] of SCENARIOS.entries()) {
      const reason = s.skip?.[name];
      if (reason) test.skip(`${s.name} [skipped: ${reason}]`, () => undefined);
      else
        test(
          s.name,
          async () => {
            // E2E_TRACE=1: say live which scenario runs (jest prints results only when the file ends)
            const t0 = Date.now();
            if (process.env.E2E_TRACE) process.stderr.write(`[e2e] ${name}: ${s.name}\n`);
            try {
              await s.run(await contextFor(s));
            } finally {
              await closeUnneeded(i);
            }
            if (process.env.E2E_TRACE) process.stderr.write(`[e2e]   ${name} ok in ${Date.now() - t0} ms\n`);
          },
          s.timeout ?? 180_000,
        );
    }
  });
}
