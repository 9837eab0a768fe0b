/**
 * The e2e suite: every scenario in scenarios/index.ts, run in Debian Chromium and in Firefox ESR
 * through the per-browser drivers (drivers.ts). One browser per driver for the whole table,
 * launched on a copy of the test build with broken models added (fault-helpers.ts). A scenario
 * a browser cannot run is skipped there with the reason in its name.
 */
import * as fs from 'node:fs';
import { chromiumDriver, firefoxDriver, type BrowserName, type Driver } from './drivers';
import { ensureTestBuild, startServers, type Servers } from './harness';
import { buildWithBrokenModels } from './fault-helpers';
import { createContext, type Ctx } from './scenario';
import { SCENARIOS } from './scenarios';

const DRIVERS: { name: BrowserName; launch(dir: string): Promise<Driver> }[] = [
  { name: 'chromium', launch: chromiumDriver },
  { name: 'firefox', launch: firefoxDriver },
];

describe.each(DRIVERS)('$name', ({ name, launch }) => {
  let srv: Servers | undefined;
  let dir = '';
  let ctx: Ctx;

  beforeAll(async () => {
    ensureTestBuild();
    srv = await startServers();
    dir = buildWithBrokenModels(name === 'chromium' ? 'chrome' : 'firefox');
    ctx = await createContext(await launch(dir), srv);
  }, 240_000);

  afterAll(async () => {
    await ctx?.d.close();
    await srv?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const s of SCENARIOS) {
    const reason = s.skip?.[name];
    if (reason) test.skip(`${s.name} [skipped: ${reason}]`, () => undefined);
    else test(s.name, () => s.run(ctx), s.timeout ?? 180_000);
  }
});
