/**
 * `npm run bench`: measures the built extension in real headless Chromium and writes
 * bench/results.json (see docs/benchmarks.md). Not part of the test suite.
 *
 * - cold start: 3 fresh browser profiles, first context-menu click → result stored
 * - warm click → result through the real path (SW dispatch → offscreen → storage), 30 runs
 * - warm latency per backend (wasm, webgl, cpu) for the default image and text models, by calling
 *   the model host directly in the offscreen document (test build hook), ≥ 30 runs each
 * - model load time per backend, tf.memory() before/after 200 classifications
 * - popup first paint, bundle sizes (production build dist/chrome)
 * - the naive tutorial setup (full @tensorflow/tfjs, default backend, no warm-up) side by side
 * - the converter (bench/converter.ts, owned by the converter)
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type { Page } from 'puppeteer-core';
import { DRAWING, IMAGES, MENU_IMAGE, PHOTO, ROOT, TEXTS, distDir, ensureTestBuild } from '../test/e2e/harness';
import { dispatchClick, launchChromeWith, storedState, tabFor, type ChromeFaultSession } from '../test/e2e/fault-helpers';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const CPU_RUNS = Number(process.env.BENCH_CPU_RUNS ?? 30);
const COLD_LAUNCHES = Number(process.env.BENCH_COLD ?? 3);
const MEMORY_RUNS = 200;

const log = (...a: unknown[]): void => console.error('[bench]', ...a);

interface Stats {
  n: number;
  median: number;
  p95: number;
  min: number;
  max: number;
}
function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] as number;
  const r = (x: number): number => Math.round(x * 10) / 10;
  return { n: s.length, median: r(s.length % 2 ? q(0.5) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2), p95: r(q(0.95)), min: r(s[0] ?? NaN), max: r(s[s.length - 1] ?? NaN) };
}
const median = (xs: number[]): number => stats(xs).median;

// ---------- builds ----------

function newest(p: string): number {
  if (!fs.existsSync(p)) return 0;
  const st = fs.statSync(p);
  return st.isDirectory() ? Math.max(st.mtimeMs, ...fs.readdirSync(p).map((f) => newest(path.join(p, f)))) : st.mtimeMs;
}

function ensureProductionBuild(): void {
  const out = path.join(ROOT, 'dist/chrome/manifest.json');
  const inputs = Math.max(...['src', 'model_web', 'manifest.json', 'manifest.chrome.json', 'webpack.config.js'].map((p) => newest(path.join(ROOT, p))));
  if (fs.existsSync(out) && fs.statSync(out).mtimeMs > inputs) return;
  log('building dist/chrome (production)…');
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/webpack-cli/bin/cli.js'), '--env', 'browser=chrome'], { cwd: ROOT, stdio: 'inherit' });
}

function buildNaive(): string {
  const out = path.join(os.tmpdir(), 'tensorlens-bench-naive.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- esbuild is a build tool dependency
  const esbuild = require('esbuild') as typeof import('esbuild');
  esbuild.buildSync({
    entryPoints: [path.join(ROOT, 'bench/naive/page.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    outfile: out,
    logLevel: 'error',
    external: ['fs', 'path', 'crypto', 'worker_threads', 'os', 'perf_hooks', 'util'],
  });
  return out;
}

// ---------- server ----------

interface Server {
  origin: string;
  close(): Promise<void>;
}

function startServer(naiveJs: string): Promise<Server> {
  const modelDir = path.join(distDir('chrome'), 'models');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, type: string, body: string | Buffer): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'access-control-allow-origin': '*' });
      res.end(body);
    };
    const img = /^\/img\/([a-z0-9-]+)\.jpg$/.exec(url.pathname);
    if (img) {
      const f = IMAGES.find((i) => i.name === img[1]);
      return f ? send(200, 'image/jpeg', fs.readFileSync(path.join(ROOT, f.file))) : send(404, 'text/plain', '');
    }
    if (url.pathname === '/images.html') return send(200, 'text/html', `<!doctype html><img id="drawing" src="/img/${DRAWING.name}.jpg">`);
    if (url.pathname === '/naive.html') return send(200, 'text/html', '<!doctype html><script src="/naive.js"></script>');
    if (url.pathname === '/naive.js') return send(200, 'text/javascript', fs.readFileSync(naiveJs));
    const m = /^\/models\/([a-z0-9-]+)\/([\w.-]+)$/.exec(url.pathname);
    if (m) {
      const f = path.join(modelDir, m[1] as string, m[2] as string);
      return fs.existsSync(f) ? send(200, f.endsWith('.json') ? 'application/json' : 'application/octet-stream', fs.readFileSync(f)) : send(404, 'text/plain', '');
    }
    return send(404, 'text/plain', 'not found');
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
      }),
    ),
  );
}

// ---------- measurements ----------

async function waitForJob(s: ChromeFaultSession, previous: string, timeoutMs = 120_000): Promise<NonNullable<Awaited<ReturnType<typeof storedState>>['job']>> {
  const t0 = Date.now();
  for (;;) {
    const { job } = await storedState(s);
    if (job && job.id !== previous && (job.phase === 'done' || job.phase === 'error')) return job;
    if (Date.now() - t0 > timeoutMs) throw new Error('no result in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function popupPaint(s: ChromeFaultSession): Promise<{ firstPaint: number; firstContentfulPaint: number; ready: number }> {
  const p = await s.browser.newPage();
  await p.goto(`chrome-extension://${s.extensionId}/popup.html`);
  await p.waitForFunction(() => document.body.dataset.ready === 'true' && performance.getEntriesByName('first-contentful-paint').length > 0, { timeout: 30_000, polling: 20 });
  const r = await p.evaluate(() => ({
    firstPaint: performance.getEntriesByName('first-paint')[0]?.startTime ?? NaN,
    firstContentfulPaint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
    ready: performance.now(),
  }));
  await p.close();
  return r;
}

interface ColdRun {
  clickToResultMs: number;
  backgroundTotalMs: number;
  modelLoadMs: number;
  inferenceMs: number;
  backend: string;
  popupFirstPaintMs: number;
  popupFcpMs: number;
}

async function coldStart(server: Server): Promise<ColdRun> {
  const s = await launchChromeWith(distDir('chrome'));
  try {
    const paint = await popupPaint(s);
    const page = await s.browser.newPage();
    await page.goto(`${server.origin}/images.html`);
    const tab = await tabFor(s, page);
    const t0 = performance.now();
    await dispatchClick(s, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: `${server.origin}/img/${DRAWING.name}.jpg` }, tab);
    const job = await waitForJob(s, '');
    const ms = performance.now() - t0;
    if (job.phase !== 'done') throw new Error(`cold start failed: ${JSON.stringify(job.error)}`);
    const r = job.result as unknown as { backend: string; timings: { totalMs: number; modelLoadMs: number; inferenceMs: number } };
    return {
      clickToResultMs: Math.round(ms),
      backgroundTotalMs: Math.round(r.timings.totalMs),
      modelLoadMs: Math.round(r.timings.modelLoadMs),
      inferenceMs: Math.round(r.timings.inferenceMs),
      backend: r.backend,
      popupFirstPaintMs: Math.round(paint.firstPaint),
      popupFcpMs: Math.round(paint.firstContentfulPaint),
    };
  } finally {
    await s.close();
  }
}

async function warmClicks(s: ChromeFaultSession, server: Server, page: Page): Promise<{ clickToResult: Stats; backgroundTotal: Stats; inference: Stats }> {
  const tab = await tabFor(s, page);
  let prev = (await storedState(s)).job?.id ?? '';
  const wall: number[] = [];
  const total: number[] = [];
  const inf: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const f = IMAGES[i % IMAGES.length] as { name: string };
    const t0 = performance.now();
    await dispatchClick(s, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: `${server.origin}/img/${f.name}.jpg?warm=${i}` }, tab);
    const job = await waitForJob(s, prev);
    prev = job.id;
    if (i === 0) continue; // the first may still be cold
    const r = job.result as unknown as { timings: { totalMs: number; inferenceMs: number } };
    wall.push(performance.now() - t0);
    total.push(r.timings.totalMs);
    inf.push(r.timings.inferenceMs);
  }
  return { clickToResult: stats(wall), backgroundTotal: stats(total), inference: stats(inf) };
}

interface BackendResult {
  backend: string;
  modelLoadMs: number;
  firstCallMs: number;
  inference: Stats;
  call: Stats;
}

/** Calls the model host in the offscreen document directly (test build hook `tensorlensHost`). */
async function perBackend(off: Page, kind: 'image' | 'text', model: string, backend: string, input: string, runs: number): Promise<BackendResult> {
  return off.evaluate(
    async (kind: string, model: string, backend: string, input: string, runs: number) => {
      type Outcome = { backend: string; timings: { inferenceMs: number; modelLoadMs: number; preprocessMs: number; acquireMs: number } };
      const host = (globalThis as unknown as { tensorlensHost: { classifyImage(j: unknown): Promise<Outcome>; classifyText(j: unknown): Promise<Outcome> } }).tensorlensHost;
      const call = (): Promise<Outcome> =>
        kind === 'image' ? host.classifyImage({ model, backend, source: { kind: 'url', url: input } }) : host.classifyText({ model, backend, text: input });
      const t0 = performance.now();
      const first = await call();
      const firstCallMs = performance.now() - t0;
      const inference: number[] = [];
      const calls: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        const o = await call();
        calls.push(performance.now() - t);
        inference.push(o.timings.inferenceMs);
      }
      return { backend: first.backend, modelLoadMs: first.timings.modelLoadMs, firstCallMs, inference: inference as unknown as never, call: calls as unknown as never };
    },
    kind,
    model,
    backend,
    input,
    runs,
  ).then((r) => ({ ...r, modelLoadMs: Math.round(r.modelLoadMs), firstCallMs: Math.round(r.firstCallMs), inference: stats(r.inference as unknown as number[]), call: stats(r.call as unknown as number[]) }));
}

async function memoryCheck(off: Page, model: string, url: string): Promise<{ before: { numTensors: number; numBytes: number }; after: { numTensors: number; numBytes: number }; runs: number }> {
  return off.evaluate(
    async (model: string, url: string, runs: number) => {
      const host = (globalThis as unknown as { tensorlensHost: { classifyImage(j: unknown): Promise<unknown>; memory(): { numTensors: number; numBytes: number } } }).tensorlensHost;
      const before = host.memory();
      for (let i = 0; i < runs; i++) await host.classifyImage({ model, backend: 'wasm', source: { kind: 'url', url } });
      return { before, after: host.memory(), runs };
    },
    model,
    url,
    MEMORY_RUNS,
  );
}

async function naive(s: ChromeFaultSession, server: Server): Promise<{ backend: string; loadMs: number; firstPredictMs: number; firstResultMs: number; warm: Stats; top: number[] }> {
  const p = await s.browser.newPage();
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  await p.goto(`${server.origin}/naive.html`);
  await p.waitForFunction(() => typeof (window as unknown as { runNaive?: unknown }).runNaive === 'function', { timeout: 30_000 });
  const r = await p.evaluate(
    (m: string, i: string, n: number) => (window as unknown as { runNaive(a: string, b: string, c: number): Promise<Record<string, unknown>> }).runNaive(m, i, n),
    `${server.origin}/models/nsfw-mobilenet-v2/model.json`,
    `${server.origin}/img/${DRAWING.name}.jpg`,
    RUNS,
  );
  await p.close();
  if (errors.length) log('naive page errors:', errors);
  return {
    backend: String(r.backend),
    loadMs: Math.round(r.loadMs as number),
    firstPredictMs: Math.round(r.firstPredictMs as number),
    firstResultMs: Math.round(r.firstResultMs as number),
    warm: stats(r.warm as number[]),
    top: (r.top as number[]).map((x) => Math.round(x * 1000) / 1000),
  };
}

function bundleSizes(): Record<string, { bytes: number; gzip: number }> {
  const dir = path.join(ROOT, 'dist/chrome');
  const out: Record<string, { bytes: number; gzip: number }> = {};
  const add = (label: string, files: string[]): void => {
    let bytes = 0;
    let gzip = 0;
    for (const f of files) {
      const b = fs.readFileSync(f);
      bytes += b.length;
      gzip += zlib.gzipSync(b, { level: 9 }).length;
    }
    out[label] = { bytes, gzip };
  };
  for (const f of ['background.js', 'offscreen.js', 'popup.js', 'content.js']) if (fs.existsSync(path.join(dir, f))) add(`chrome ${f}`, [path.join(dir, f)]);
  const ff = path.join(ROOT, 'dist/firefox/background.js');
  if (fs.existsSync(ff)) add('firefox background.js', [ff]);
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.wasm'))) add(`wasm ${f}`, [path.join(dir, f)]);
  const models = path.join(dir, 'models');
  for (const m of fs.readdirSync(models).filter((x) => fs.statSync(path.join(models, x)).isDirectory())) {
    add(`model ${m}`, fs.readdirSync(path.join(models, m)).map((f) => path.join(models, m, f)));
  }
  return out;
}

function converterBench(): unknown {
  const script = path.join(ROOT, 'bench/converter.ts');
  const json = path.join(ROOT, 'bench/converter-results.json');
  if (!fs.existsSync(script)) return { skipped: 'bench/converter.ts does not exist yet' };
  try {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/run-ts.cjs'), script], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 });
  } catch (e) {
    return { skipped: `bench/converter.ts failed: ${(e as Error).message.split('\n')[0]}` };
  }
  return fs.existsSync(json) ? JSON.parse(fs.readFileSync(json, 'utf8')) : { skipped: 'bench/converter.ts wrote no bench/converter-results.json' };
}

// ---------- main ----------

async function main(): Promise<void> {
  ensureTestBuild();
  ensureProductionBuild();
  const naiveJs = buildNaive();
  const server = await startServer(naiveJs);
  const index = JSON.parse(fs.readFileSync(path.join(distDir('chrome'), 'models/index.json'), 'utf8')) as { defaults: { image: string | null; text: string | null } };
  const imageModel = index.defaults.image ?? 'nsfw-mobilenet-v2';
  const textModel = index.defaults.text;

  log(`cold starts (${COLD_LAUNCHES} fresh profiles)…`);
  const cold: ColdRun[] = [];
  for (let i = 0; i < COLD_LAUNCHES; i++) cold.push(await coldStart(server));

  const s = await launchChromeWith(distDir('chrome'));
  const version = await s.browser.version();
  const page = await s.browser.newPage();
  await page.goto(`${server.origin}/images.html`);
  log('warm clicks through the real path…');
  const warm = await warmClicks(s, server, page);
  const popupWarm: number[] = [];
  for (let i = 0; i < 5; i++) popupWarm.push((await popupPaint(s)).firstContentfulPaint);

  const off = await (await s.browser.waitForTarget((t) => t.url() === `chrome-extension://${s.extensionId}/offscreen.html`)).asPage();
  const imageUrl = `${server.origin}/img/${PHOTO.name}.jpg`;
  log('memory: 200 classifications…');
  const memory = await memoryCheck(off, imageModel, imageUrl);

  const backends: Record<string, BackendResult | { error: string }> = {};
  // wasm last: switching backends drops the loaded model, so its model load is measured too, and
  // the host ends on the default backend.
  for (const b of ['webgl', 'cpu', 'wasm']) {
    log(`image model on ${b}…`);
    backends[`image ${b}`] = await perBackend(off, 'image', imageModel, b, imageUrl, b === 'cpu' ? CPU_RUNS : RUNS).catch((e: Error) => ({ error: e.message }));
  }
  if (textModel) {
    const text = TEXTS?.spam ?? 'Congratulations, you won a free prize. Click here to claim it now.';
    for (const b of ['webgl', 'cpu', 'wasm']) {
      log(`text model on ${b}…`);
      backends[`text ${b}`] = await perBackend(off, 'text', textModel, b, text, RUNS).catch((e: Error) => ({ error: e.message }));
    }
  }
  // back to the default for anything after this
  await off.evaluate((m: string, u: string) => (globalThis as unknown as { tensorlensHost: { classifyImage(j: unknown): Promise<unknown> } }).tensorlensHost.classifyImage({ model: m, backend: 'auto', source: { kind: 'url', url: u } }), imageModel, imageUrl);

  log('naive tutorial setup…');
  const naiveResult = await naive(s, server).catch((e: Error) => ({ error: e.message }));
  await s.close();
  await server.close();

  log('bundle sizes…');
  const bundles = bundleSizes();
  const swJs = fs.readFileSync(path.join(ROOT, 'dist/chrome/background.js'), 'utf8');
  const swHasTf = /@tensorflow|tfjs|loadLayersModel|setWasmPaths/.test(swJs);

  log('converter…');
  const converter = converterBench();

  const coldMedian = median(cold.map((c) => c.clickToResultMs));
  const wasm = backends['image wasm'] as BackendResult | undefined;
  const popupFcpCold = median(cold.map((c) => c.popupFcpMs));
  const nv = 'error' in naiveResult ? null : naiveResult;
  const targets = [
    { name: 'warm MobileNetV2 inference, wasm, offscreen (median)', target: '≤ 50 ms', value: wasm?.inference.median ?? NaN, limit: 50 },
    { name: 'warm click → result, real path (median)', target: '(no target; ≤ 50 ms inference + overhead)', value: warm.clickToResult.median, limit: Infinity },
    { name: 'cold start: first click → result (median of fresh profiles)', target: '≤ 1500 ms', value: coldMedian, limit: 1500 },
    { name: 'tensor growth after 200 classifications', target: '0', value: memory.after.numTensors - memory.before.numTensors, limit: 0 },
    { name: 'popup first contentful paint (fresh browser, median)', target: '≤ 100 ms', value: popupFcpCold, limit: 100 },
    { name: 'TF.js in the service-worker bundle', target: 'none', value: swHasTf ? 1 : 0, limit: 0 },
  ].map((t) => ({ ...t, met: t.value <= t.limit, by: t.limit === Infinity ? null : Math.round((t.limit - t.value) * 10) / 10 }));

  const results = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGiB: Math.round(os.totalmem() / 2 ** 30), platform: `${os.platform()} ${os.release()}`, node: process.version },
    browser: version,
    models: { image: imageModel, text: textModel },
    coldStart: { runs: cold, medianMs: coldMedian },
    warmRealPath: warm,
    backends,
    memory,
    popup: { fcpFreshBrowserMs: cold.map((c) => c.popupFcpMs), firstPaintFreshBrowserMs: cold.map((c) => c.popupFirstPaintMs), fcpWarmMs: stats(popupWarm) },
    naive: naiveResult,
    ratios: nv && wasm
      ? {
          firstResult_oursColdOverNaiveFirst: Math.round((coldMedian / nv.firstResultMs) * 100) / 100,
          warm_oursInferenceOverNaivePredict: Math.round((wasm.inference.median / nv.warm.median) * 100) / 100,
          warm_oursClickToResultOverNaivePredict: Math.round((warm.clickToResult.median / nv.warm.median) * 100) / 100,
        }
      : null,
    bundles,
    serviceWorkerHasTfjs: swHasTf,
    converter,
    targets,
  };
  fs.writeFileSync(path.join(ROOT, 'bench/results.json'), JSON.stringify(results, null, 2));

  // ---------- table ----------
  const row = (a: string, b: string, c = '', d = ''): string => `| ${a} | ${b} | ${c} | ${d} |`;
  const lines = [`TensorLens benchmark — ${results.date} — ${version} — ${results.machine.cpus}× ${results.machine.cpuModel}`, '', row('measure', 'median', 'p95', 'notes'), row('---', '---', '---', '---')];
  lines.push(row('cold start, click → result', `${coldMedian} ms`, '', `${cold.map((c) => c.clickToResultMs).join(' / ')} ms; model load ${cold.map((c) => c.modelLoadMs).join(' / ')} ms`));
  lines.push(row('warm click → result (real path)', `${warm.clickToResult.median} ms`, `${warm.clickToResult.p95} ms`, `background total ${warm.backgroundTotal.median} ms, inference ${warm.inference.median} ms`));
  for (const [k, v] of Object.entries(backends)) {
    if ('error' in v) lines.push(row(k, 'error', '', v.error));
    else lines.push(row(`${k}: inference`, `${v.inference.median} ms`, `${v.inference.p95} ms`, `host call ${v.call.median} ms (p95 ${v.call.p95}); model load ${v.modelLoadMs} ms; first call ${v.firstCallMs} ms; ran on ${v.backend}`));
  }
  lines.push(row('tf.memory() before → after 200 runs', `${memory.before.numTensors} → ${memory.after.numTensors} tensors`, '', `${memory.before.numBytes} → ${memory.after.numBytes} bytes`));
  lines.push(row('popup first contentful paint', `${popupFcpCold} ms (fresh browser)`, '', `warm reopen ${results.popup.fcpWarmMs.median} ms`));
  if (nv) {
    lines.push(row(`naive tutorial setup (${nv.backend}, no warm-up): first result`, `${nv.firstResultMs} ms`, '', `load ${nv.loadMs} ms + first predict ${nv.firstPredictMs} ms`));
    lines.push(row(`naive tutorial setup (${nv.backend}): warm predict`, `${nv.warm.median} ms`, `${nv.warm.p95} ms`, ''));
    if (results.ratios) lines.push(row('ours / naive', `first result ×${results.ratios.firstResult_oursColdOverNaiveFirst}`, '', `warm inference ×${results.ratios.warm_oursInferenceOverNaivePredict}; warm click→result ×${results.ratios.warm_oursClickToResultOverNaivePredict}`));
  } else lines.push(row('naive tutorial setup', 'error', '', (naiveResult as { error: string }).error));
  for (const [k, v] of Object.entries(bundles)) lines.push(row(`size ${k}`, `${(v.bytes / 1024).toFixed(0)} KiB`, '', `${(v.gzip / 1024).toFixed(0)} KiB gzip`));
  const conv = converter as { skipped?: string; results?: { model: string; bytes: number; convertMs: number; convertMBps: number; convertValidateMs?: number }[] };
  if (conv.skipped || !conv.results?.length) lines.push(row('converter', 'skipped', '', conv.skipped ?? 'no results'));
  else
    for (const r of conv.results)
      lines.push(row(`converter: ${r.model}`, `${(r.convertMs / 1000).toFixed(3)} s`, '', `${(r.bytes / 1e6).toFixed(2)} MB, ${r.convertMBps} MB/s${r.convertValidateMs === undefined ? '' : `; with validation ${(r.convertValidateMs / 1000).toFixed(3)} s`}`));
  lines.push('', '| target | value | goal | met |', '| --- | --- | --- | --- |');
  for (const t of targets) lines.push(`| ${t.name} | ${t.value} | ${t.target} | ${t.limit === Infinity ? '—' : t.met ? 'yes' : 'NO'} |`);
  console.log(lines.join('\n'));
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
