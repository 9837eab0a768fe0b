/**
 * Models section benchmark, in real Chromium and Firefox (test build): time from picking the
 * files to the converter's report for the largest corpus model and for a generated 50 MB Keras
 * model, and how long the options page's main thread was ever blocked meanwhile (a 16 ms
 * interval's largest gap: the conversion runs in a worker, so the page stays responsive).
 * Writes bench/import-results.json.
 *
 *   node scripts/run-ts.cjs bench/import.ts
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { distDir, ensureTestBuild } from '../test/e2e/harness';
import { chromiumDriver, firefoxDriver } from '../test/e2e/drivers';
import { ready, upload } from '../test/e2e/scenarios/models';
import { denseModel } from './dense-model';

const ROOT = path.resolve(__dirname, '..');
const CORPUS = path.resolve(ROOT, '../shared/keras-corpus');

/** the largest corpus model file the converter takes */
function largestCorpusModel(): string | null {
  if (!fs.existsSync(CORPUS)) return null;
  const files = fs.readdirSync(CORPUS).flatMap((d) => {
    const dir = path.join(CORPUS, d);
    return fs.statSync(dir).isDirectory() ? fs.readdirSync(dir).filter((f) => /\.(h5|hdf5|keras)$/.test(f)).map((f) => path.join(dir, f)) : [];
  });
  return files.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0] ?? null;
}

async function main(): Promise<void> {
  ensureTestBuild();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-bench-import-'));
  const big = path.join(tmp, 'dense-50mb.h5');
  // Dense 1024→6000→1024→10: 12.3 M float32 params ≈ 49 MB
  fs.writeFileSync(big, await denseModel([1024, 6000, 1024, 10], 'bench-dense-50mb.h5'));
  const corpus = largestCorpusModel();
  const models = [...(corpus ? [corpus] : []), big];
  const results: Record<string, unknown>[] = [];
  for (const kind of ['chrome', 'firefox'] as const) {
    const d = kind === 'chrome' ? await chromiumDriver(distDir('chrome')) : await firefoxDriver(distDir('firefox'));
    try {
      const options = await d.openExtensionPage('options.html');
      await ready(options);
      for (const m of models) {
        // the page's own clock: largest gap between 16 ms ticks while the import runs
        await options.evaluate(() => {
          const w = globalThis as unknown as { benchGap: number; benchLast: number; benchTimer: number };
          w.benchGap = 0;
          w.benchLast = performance.now();
          w.benchTimer = setInterval(() => {
            const t = performance.now();
            w.benchGap = Math.max(w.benchGap, t - w.benchLast);
            w.benchLast = t;
          }, 16) as unknown as number;
        });
        const t0 = Date.now();
        const state = await upload(options, [m]);
        const ms = Date.now() - t0;
        const gap = await options.evaluate(() => {
          const w = globalThis as unknown as { benchGap: number; benchTimer: number };
          clearInterval(w.benchTimer);
          return w.benchGap;
        });
        const r = { browser: kind, model: path.relative(ROOT, m).startsWith('..') && m.startsWith(CORPUS) ? `corpus ${path.relative(CORPUS, m)}` : 'generated dense 50 MB .h5', mb: +(fs.statSync(m).size / 1048576).toFixed(1), state, importMs: ms, longestMainThreadGapMs: Math.round(gap) };
        console.log(JSON.stringify(r));
        results.push(r);
      }
    } finally {
      await d.close();
    }
  }
  const sizes: Record<string, number> = {};
  for (const b of ['chrome', 'firefox']) {
    const dir = path.join(ROOT, 'dist', `test-${b}`);
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.js'))) sizes[`${b} ${f}`] = fs.statSync(path.join(dir, f)).size;
  }
  fs.writeFileSync(path.join(ROOT, 'bench/import-results.json'), `${JSON.stringify({ date: new Date().toISOString(), results, bundleBytes: sizes }, null, 2)}\n`);
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
