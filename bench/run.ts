/**
 * `npm run bench`: measures the built extension (test build, for its hooks) in real headless
 * Chromium and Firefox ESR, writes bench/results.json and the results section of
 * docs/benchmarks.md, and prints the table. Not part of the test suite.
 *
 * Robust on a busy machine: every figure is a median (with p95 and the run count), the machine's
 * load average is recorded before and after each part, and the 2-thread / 1-thread comparison is
 * interleaved in blocks so that load changes hit both alike. Knobs: BENCH_RUNS (30),
 * BENCH_CPU_RUNS (10), BENCH_COLD (3 fresh profiles per browser), BENCH_FIREFOX=0 to skip Firefox,
 * BENCH_CONVERTER=0 to skip the converter's bench, BENCH_NO_DOCS=1 to leave docs/benchmarks.md alone,
 * BENCH_RESULTS=<file> to write the JSON elsewhere.
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
import { openSession, type Click, type HostDiagnostics, type Session } from './browsers';
import { snapshot, type MemorySnapshot, type ProcMemory } from './processes';
import { renderMarkdown, writeDocs } from './report';
import { median, stats, type Stats } from './stats';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const CPU_RUNS = Number(process.env.BENCH_CPU_RUNS ?? 10);
const COLD_LAUNCHES = Number(process.env.BENCH_COLD ?? 3);
const WITH_FIREFOX = process.env.BENCH_FIREFOX !== '0';
const MEMORY_RUNS = Number(process.env.BENCH_TENSOR_RUNS ?? 200);
/** The idle-release period the memory runs set (minutes): short, so the release is measured. */
const BENCH_IDLE_MINUTES = 0.1;

const log = (...a: unknown[]): void => console.error('[bench]', new Date().toISOString().slice(11, 19), ...a);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const load = (): number => Math.round((os.loadavg()[0] ?? 0) * 100) / 100;

// ---------- builds ----------

function newest(p: string): number {
  if (!fs.existsSync(p)) return 0;
  const st = fs.statSync(p);
  return st.isDirectory() ? Math.max(st.mtimeMs, ...fs.readdirSync(p).map((f) => newest(path.join(p, f)))) : st.mtimeMs;
}

/** dist/chrome and dist/firefox (production) for the sizes. */
function ensureProductionBuild(): void {
  const outs = ['dist/chrome/manifest.json', 'dist/firefox/manifest.json'].map((p) => path.join(ROOT, p));
  const inputs = Math.max(...['src', 'model_web', 'manifest.json', 'manifest.chrome.json', 'manifest.firefox.json', 'webpack.config.js'].map((p) => newest(path.join(ROOT, p))));
  if (outs.every((o) => fs.existsSync(o) && fs.statSync(o).mtimeMs > inputs)) return;
  log('building dist/chrome and dist/firefox (production)…');
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/webpack-cli/bin/cli.js')], { cwd: ROOT, stdio: 'inherit' });
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

const WASM_DIR = path.join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');

/** Images (CORS + CORP, so isolated pages may use them), the tutorial pages, models and wasm. */
function startServer(naiveJs: string): Promise<Server> {
  const modelDir = path.join(distDir('chrome'), 'models');
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, type: string, body: string | Buffer): void => {
      res.writeHead(status, {
        'content-type': type,
        'cache-control': 'no-store',
        'access-control-allow-origin': '*',
        'cross-origin-resource-policy': 'cross-origin',
        // the tutorial pages are cross-origin isolated, so tfjs may use its threads there too
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      });
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
    const wasm = /^\/wasm\/(tfjs-backend-wasm[\w-]*\.wasm)$/.exec(url.pathname);
    if (wasm) return send(200, 'application/wasm', fs.readFileSync(path.join(WASM_DIR, wasm[1] as string)));
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
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      }),
    ),
  );
}

// ---------- measurements shared by both browsers ----------

const imageClick = (server: Server, name: string, tag: string): Record<string, unknown> => ({
  menuItemId: MENU_IMAGE,
  mediaType: 'image',
  srcUrl: `${server.origin}/img/${name}.jpg?${tag}`,
});

function done(c: Click, what: string): Click & { result: NonNullable<Click['result']> } {
  if (c.phase !== 'done' || !c.result) throw new Error(`${what} failed: ${JSON.stringify(c.error)}`);
  return c as Click & { result: NonNullable<Click['result']> };
}

interface ColdRun {
  clickToResultMs: number;
  modelLoadMs: number;
  inferenceMs: number;
  backend: string;
  wasmThreads: number;
  popupFcpMs?: number;
  loadAvg: number;
  /** where the cold click's time went (ms) */
  profile: Record<string, number> | null;
}

/** Splits a cold click into its parts from the host's startup record (see HostDiagnostics.startup). */
function coldProfile(c: Click & { result: NonNullable<Click['result']> }, d: HostDiagnostics | null, browser: Session['name']): Record<string, number> | null {
  if (!d) return null;
  const st = d.startup;
  const r = (x: number): number => Math.round(x);
  const t = c.result.timings;
  const parts: Record<string, number> =
    browser === 'chromium'
      ? {
          'click → offscreen document created (service worker, new renderer)': r(st.timeOrigin - c.firedAt),
          'document load + offscreen.js evaluation (TF.js, host ready)': r(st.hostCreatedAt),
          'message to the host': r(st.firstJobAt - st.hostCreatedAt),
        }
      : {};
  // The model's files are fetched and folded while the backend starts (host.prepare): the model
  // part counts only what is left after the backend has started.
  parts['backend start (probe + wasm init)'] = r(st.backendStartMs);
  parts['model fetch + parse + fold + weights, beyond the backend start'] = r(Math.max(0, st.modelLoadMs - st.backendStartMs));
  parts['first inference (= warm-up)'] = r(t.inferenceMs);
  parts['image preprocessing'] = r(t.preprocessMs);
  const known = Object.values(parts).reduce((a, b) => a + b, 0);
  parts['rest (storage, messaging, waiting for the image)'] = r(c.ms - known);
  return parts;
}

/** Resident memory before the first click, with a model loaded, and after the idle release. */
interface MemoryRun {
  before: MemorySnapshot;
  loaded: MemorySnapshot;
  released: MemorySnapshot | null;
  releasedAfterMs: number | null;
  wasmHeapMiB: number;
  /** the click after the release gave a result */
  nextClickOk: boolean;
  nextClickMs: number;
  note: string;
}

async function popupFcp(sess: Session, extensionId: string): Promise<number> {
  // A fresh profile opens the first-run tab on install, after the service worker starts; a page
  // loaded while that tab is in front is hidden and never reports a paint. Close it first.
  const welcome = await sess.browser.waitForTarget((t) => t.url().endsWith('/welcome.html'), { timeout: 10_000 }).catch(() => null);
  await (await welcome?.page())?.close();
  const p = await sess.browser.newPage();
  await p.bringToFront();
  await p.goto(`chrome-extension://${extensionId}/popup.html`);
  await p.waitForFunction(() => document.body.dataset.ready === 'true' && performance.getEntriesByName('first-contentful-paint').length > 0, { timeout: 30_000, polling: 20 });
  const fcp = await p.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN);
  await p.close();
  return Math.round(fcp);
}

/**
 * One fresh profile: the first click (cold start), and with `memory` the resident memory before
 * it, with the model loaded and after the idle release (Firefox: the extension process is the
 * content process that grew with the model), then one more click.
 */
async function coldRun(open: () => Promise<Session>, server: Server, memory: boolean): Promise<{ cold: ColdRun; memory?: MemoryRun; version: string }> {
  const sess = await open();
  try {
    let popupFcpMs: number | undefined;
    if (sess.name === 'chromium') {
      const id = new URL((await sess.browser.waitForTarget((t) => t.type() === 'service_worker')).url()).host;
      popupFcpMs = await popupFcp(sess, id);
    }
    await sess.openPage(`${server.origin}/images.html`);
    if (memory) await sess.setSettings({ idleReleaseMinutes: BENCH_IDLE_MINUTES });
    await sleep(3000);
    const before = sess.processes();
    const loadAvg = load();
    const first = done(await sess.click(imageClick(server, DRAWING.name, 'cold')), 'cold start');
    const diag = await sess.diagnostics();
    const cold: ColdRun = {
      clickToResultMs: Math.round(first.ms),
      modelLoadMs: Math.round(first.result.timings.modelLoadMs),
      inferenceMs: Math.round(first.result.timings.inferenceMs),
      backend: first.result.backend,
      wasmThreads: diag?.wasmThreads ?? 0,
      popupFcpMs,
      loadAvg,
      profile: coldProfile(first, diag, sess.name),
    };
    if (!memory) return { cold, version: sess.version };
    await sleep(1500);
    const after = sess.processes();
    const pick = extensionProcesses(sess.name, before, after);
    const t0 = Date.now();
    let released: ProcMemory[] | null = null;
    const deadline = t0 + BENCH_IDLE_MINUTES * 60_000 + 60_000;
    while (Date.now() < deadline) {
      await sleep(500);
      const d = await sess.diagnostics().catch(() => null);
      if (sess.name === 'chromium' ? d === null : (d?.releases ?? 0) > 0) {
        // The freed memory leaves the process when the engine collects it (Firefox: its next
        // GC, seconds later; Chrome: the process exit): sample until it stops falling (≤ 30 s).
        let last = Infinity;
        for (let i = 0; i < 30; i++) {
          await sleep(1000);
          released = pick(sess.processes());
          const anon = snapshot(released).anonMiB;
          if (anon >= last - 0.5 && anon - snapshot(pick(before)).anonMiB <= 10) break;
          last = anon;
        }
        break;
      }
    }
    const next = await sess.click(imageClick(server, PHOTO.name, 'after-release'));
    return {
      cold,
      version: sess.version,
      memory: {
        before: snapshot(pick(before)),
        loaded: snapshot(pick(after)),
        released: released && snapshot(released),
        releasedAfterMs: released ? Date.now() - t0 : null,
        wasmHeapMiB: Math.round(((diag?.wasmHeapBytes ?? 0) / 2 ** 20) * 10) / 10,
        nextClickOk: next.phase === 'done',
        nextClickMs: Math.round(next.ms),
        note:
          sess.name === 'chromium'
            ? 'sum over the extension renderer processes (--extension-process): service worker, and the offscreen document once it exists'
            : 'the Firefox content process that grew the most with the first classification (the extension process)',
      },
    };
  } finally {
    await sess.close();
  }
}

/** Which processes to count: Chrome's extension renderers; in Firefox the content process the model went into. */
function extensionProcesses(browser: Session['name'], before: ProcMemory[], after: ProcMemory[]): (ps: ProcMemory[]) => ProcMemory[] {
  if (browser === 'chromium') return (ps) => ps;
  const grew = after
    .map((p) => ({ pid: p.pid, by: p.anonMiB - (before.find((b) => b.pid === p.pid)?.anonMiB ?? 0) }))
    .sort((a, b) => b.by - a.by)[0]?.pid;
  return (ps) => ps.filter((p) => p.pid === grew);
}

interface WarmRun {
  clickToResult: Stats;
  inference: Stats;
  backgroundTotal: Stats;
  /** where the warm click went: fetch + decode, preprocessing, and the rest of the background's time */
  acquire: Stats;
  preprocess: Stats;
  backgroundRest: Stats;
  backend: string;
  wasmThreads: number;
}

async function warmClicks(sess: Session, server: Server): Promise<WarmRun> {
  await sess.openPage(`${server.origin}/images.html`);
  done(await sess.click(imageClick(server, DRAWING.name, 'warm-up')), 'first click');
  const wall: number[] = [];
  const inf: number[] = [];
  const total: number[] = [];
  const acquire: number[] = [];
  const pre: number[] = [];
  const rest: number[] = [];
  let backend = '';
  for (let i = 0; i < RUNS; i++) {
    const f = IMAGES[i % IMAGES.length] as { name: string };
    const c = done(await sess.click(imageClick(server, f.name, `warm=${i}`)), 'warm click');
    wall.push(c.ms);
    inf.push(c.result.timings.inferenceMs);
    total.push(c.result.timings.totalMs);
    const t = c.result.timings;
    acquire.push(t.acquireMs);
    pre.push(t.preprocessMs);
    rest.push(t.totalMs - t.acquireMs - t.preprocessMs - t.inferenceMs);
    backend = c.result.backend;
    // let the thumbnail and history writes that follow each result finish, as between real clicks
    await sleep(100);
  }
  const diag = await sess.diagnostics();
  return {
    clickToResult: stats(wall),
    inference: stats(inf),
    backgroundTotal: stats(total),
    acquire: stats(acquire),
    preprocess: stats(pre),
    backgroundRest: stats(rest),
    backend,
    wasmThreads: diag?.wasmThreads ?? 0,
  };
}

// ---------- Chromium only: the model host directly (offscreen document, test hook) ----------

interface HostBench {
  backend: string;
  wasmThreads: number;
  modelLoadMs: number;
  firstCallMs: number;
  inference: Stats;
  call: Stats;
}

type HostHandle = {
  classifyImage(j: unknown): Promise<{ backend: string; timings: { inferenceMs: number; modelLoadMs: number } }>;
  classifyText(j: unknown): Promise<{ backend: string; timings: { inferenceMs: number; modelLoadMs: number } }>;
  useWasmThreads(n: number): Promise<void>;
  diagnostics(): HostDiagnostics;
  memory(): { numTensors: number; numBytes: number };
};

/** `runs` calls of the host; with `threads`, the wasm backend is restarted with that many threads first. */
async function hostRuns(off: Page, kind: 'image' | 'text', model: string, backend: string, input: string, runs: number, threads?: number): Promise<{ inference: number[]; call: number[]; first: number; modelLoadMs: number; backend: string; wasmThreads: number }> {
  return off.evaluate(
    async (kind: string, model: string, backend: string, input: string, runs: number, threads: number) => {
      const host = (globalThis as unknown as { tensorlensHost: HostHandle }).tensorlensHost;
      if (threads > 0) await host.useWasmThreads(threads);
      const call = (): ReturnType<HostHandle['classifyImage']> =>
        kind === 'image' ? host.classifyImage({ model, backend, source: { kind: 'url', url: input } }) : host.classifyText({ model, backend, text: input });
      const t0 = performance.now();
      const firstOut = await call();
      const first = performance.now() - t0;
      const inference: number[] = [];
      const calls: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        const o = await call();
        calls.push(performance.now() - t);
        inference.push(o.timings.inferenceMs);
      }
      return { inference, call: calls, first, modelLoadMs: firstOut.timings.modelLoadMs, backend: firstOut.backend, wasmThreads: host.diagnostics().wasmThreads };
    },
    kind,
    model,
    backend,
    input,
    runs,
    threads ?? 0,
  );
}

async function perBackend(off: Page, kind: 'image' | 'text', model: string, backend: string, input: string, runs: number): Promise<HostBench> {
  const r = await hostRuns(off, kind, model, backend, input, runs);
  return { backend: r.backend, wasmThreads: backend === 'wasm' ? r.wasmThreads : 0, modelLoadMs: Math.round(r.modelLoadMs), firstCallMs: Math.round(r.first), inference: stats(r.inference), call: stats(r.call) };
}

/** Two threads against one, in alternating blocks of 5 so both see the same load. */
async function threadComparison(off: Page, model: string, url: string): Promise<{ two: HostBench; one: HostBench; blocks: number }> {
  const acc = { 2: { inference: [] as number[], call: [] as number[], threads: 0, load: 0, first: 0 }, 1: { inference: [] as number[], call: [] as number[], threads: 0, load: 0, first: 0 } };
  const blocks = Math.max(2, Math.ceil(RUNS / 5));
  for (let b = 0; b < blocks; b++) {
    for (const n of [2, 1] as const) {
      const r = await hostRuns(off, 'image', model, 'wasm', url, 5, n);
      acc[n].inference.push(...r.inference);
      acc[n].call.push(...r.call);
      acc[n].threads = r.wasmThreads;
      if (b === 0) {
        acc[n].load = r.modelLoadMs;
        acc[n].first = r.first;
      }
    }
  }
  const out = (n: 1 | 2): HostBench => ({ backend: 'wasm', wasmThreads: acc[n].threads, modelLoadMs: Math.round(acc[n].load), firstCallMs: Math.round(acc[n].first), inference: stats(acc[n].inference), call: stats(acc[n].call) });
  // leave the host on its default (threads as configured at start)
  await off.evaluate(() => (globalThis as unknown as { tensorlensHost: HostHandle }).tensorlensHost.useWasmThreads(navigator.hardwareConcurrency || 1));
  return { two: out(2), one: out(1), blocks };
}

async function tensorGrowth(off: Page, model: string, url: string): Promise<{ before: { numTensors: number; numBytes: number }; after: { numTensors: number; numBytes: number }; runs: number }> {
  // In chunks of 20 calls: one DevTools call per chunk stays far from the protocol timeout on a busy machine.
  const chunk = (runs: number): Promise<{ numTensors: number; numBytes: number }> =>
    off.evaluate(
      async (model: string, url: string, runs: number) => {
        const host = (globalThis as unknown as { tensorlensHost: HostHandle }).tensorlensHost;
        for (let i = 0; i < runs; i++) await host.classifyImage({ model, backend: 'wasm', source: { kind: 'url', url } });
        return host.memory();
      },
      model,
      url,
      runs,
    );
  const before = await chunk(1);
  let after = before;
  for (let done = 0; done < MEMORY_RUNS; done += 20) after = await chunk(Math.min(20, MEMORY_RUNS - done));
  return { before, after, runs: MEMORY_RUNS };
}

// ---------- the tutorial pages ----------

export interface TutorialResult {
  mode: string;
  backend: string;
  threads: number;
  loadMs: number;
  firstPredictMs: number;
  /** from the page's navigation to the first prediction */
  firstResultMs: number;
  warm: Stats;
  /** a new image each time (load + predict), the equivalent of our warm click → result */
  warmWithImage: Stats;
  top: number[];
}

async function tutorial(sess: Session, server: Server, mode: 'naive' | 'peer', model: string): Promise<TutorialResult | { error: string }> {
  const p = await sess.browser.newPage();
  try {
    const q = new URLSearchParams({ mode, model: `${server.origin}/models/${model}/model.json`, image: `${server.origin}/img/${DRAWING.name}.jpg`, runs: String(Math.min(RUNS, 20)) });
    await p.goto(`${server.origin}/naive.html?${q.toString()}`);
    await p.waitForFunction(() => 'benchResult' in window, { timeout: 300_000, polling: 200 });
    const r = await p.evaluate(() => (window as unknown as { benchResult: Record<string, unknown> }).benchResult);
    if (typeof r.error === 'string') return { error: r.error };
    return {
      mode,
      backend: String(r.backend),
      threads: Number(r.threads),
      loadMs: Math.round(r.loadMs as number),
      firstPredictMs: Math.round(r.firstPredictMs as number),
      firstResultMs: Math.round(r.firstResultMs as number),
      warm: stats(r.warm as number[]),
      warmWithImage: stats(r.warmWithImage as number[]),
      top: (r.top as number[]).map((x) => Math.round(x * 1000) / 1000),
    };
  } catch (e) {
    return { error: (e as Error).message };
  } finally {
    await p.close().catch(() => undefined);
  }
}

// ---------- sizes ----------

function bundleSizes(): Record<string, { bytes: number; gzip: number }> {
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
  const dir = path.join(ROOT, 'dist/chrome');
  for (const f of ['background.js', 'offscreen.js', 'popup.js', 'content.js']) if (fs.existsSync(path.join(dir, f))) add(`chrome ${f}`, [path.join(dir, f)]);
  const ff = path.join(ROOT, 'dist/firefox/background.js');
  if (fs.existsSync(ff)) add('firefox background.js', [ff]);
  for (const f of fs.readdirSync(dir).filter((x) => x.startsWith('tfjs-backend-wasm'))) add(`wasm ${f}`, [path.join(dir, f)]);
  const models = path.join(dir, 'models');
  for (const m of fs.readdirSync(models).filter((x) => fs.statSync(path.join(models, x)).isDirectory())) {
    add(`model ${m}`, fs.readdirSync(path.join(models, m)).map((f) => path.join(models, m, f)));
  }
  for (const zip of ['tensorlens-chrome.zip', 'tensorlens-firefox.zip']) if (fs.existsSync(path.join(ROOT, 'dist', zip))) out[`package ${zip}`] = { bytes: fs.statSync(path.join(ROOT, 'dist', zip)).size, gzip: NaN };
  return out;
}

function converterBench(): unknown {
  const script = path.join(ROOT, 'bench/converter.ts');
  const json = path.join(ROOT, 'bench/converter-results.json');
  if (!fs.existsSync(script)) return { skipped: 'bench/converter.ts does not exist' };
  try {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts/run-ts.cjs'), script], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 });
  } catch (e) {
    return { skipped: `bench/converter.ts failed: ${(e as Error).message.split('\n')[0]}` };
  }
  return fs.existsSync(json) ? JSON.parse(fs.readFileSync(json, 'utf8')) : { skipped: 'bench/converter.ts wrote no bench/converter-results.json' };
}

// ---------- per browser ----------

export interface BrowserResults {
  browser: string;
  version: string;
  loadAvg: { start: number; end: number };
  coldStart: { runs: ColdRun[]; medianMs: number };
  warm: WarmRun;
  memory: MemoryRun | { error: string };
  threads?: { two: HostBench; one: HostBench; blocks: number } | { error: string };
  backends?: Record<string, HostBench | { error: string }>;
  tensors?: { before: { numTensors: number; numBytes: number }; after: { numTensors: number; numBytes: number }; runs: number } | { error: string };
  popupFcp?: { freshBrowserMs: number[]; medianMs: number };
  naive?: TutorialResult | { error: string };
  peer?: TutorialResult | { error: string };
}

/** `BENCH_ONLY=warm`: only the warm clicks, for working on the click path (no results file rows beyond them). */
const ONLY_WARM = process.env.BENCH_ONLY === 'warm';

async function warmOnly(name: 'chromium' | 'firefox', server: Server): Promise<BrowserResults> {
  log(`${name}: warm clicks only (${RUNS})…`);
  const sess = await openSession(name);
  try {
    const warm = await warmClicks(sess, server);
    log(`${name}: click → result ${warm.clickToResult.median} ms = fetch + decode ${warm.acquire.median} + preprocess ${warm.preprocess.median} + inference ${warm.inference.median} + background rest ${warm.backgroundRest.median} (+ ${Math.round((warm.clickToResult.median - warm.backgroundTotal.median) * 10) / 10} outside the background)`);
    return { browser: name, version: sess.version, loadAvg: { start: load(), end: load() }, coldStart: { runs: [], medianMs: NaN }, warm, memory: { error: 'BENCH_ONLY=warm' } };
  } finally {
    await sess.close();
  }
}

async function benchBrowser(name: 'chromium' | 'firefox', server: Server, models: { image: string; text: string | null }): Promise<BrowserResults> {
  const open = (): Promise<Session> => openSession(name);
  const loadStart = load();
  if (ONLY_WARM) return warmOnly(name, server);
  log(`${name}: cold starts (${COLD_LAUNCHES} fresh profiles; the first also measures memory and the idle release)…`);
  const cold: ColdRun[] = [];
  let memory: MemoryRun | { error: string } = { error: 'not measured' };
  let version = '';
  for (let i = 0; i < COLD_LAUNCHES; i++) {
    const r = await coldRun(open, server, i === 0).catch((e: Error) => {
      log(`${name}: cold run ${i} failed: ${e.message}`);
      if (i === 0) memory = { error: e.message };
      return null;
    });
    if (!r) continue;
    cold.push(r.cold);
    version = r.version;
    if (r.memory) memory = r.memory;
  }
  log(`${name}: warm clicks (${RUNS})…`);
  const sess = await open();
  version ||= sess.version;
  try {
    const warm = await warmClicks(sess, server);
    const out: BrowserResults = {
      browser: name,
      version,
      loadAvg: { start: loadStart, end: NaN },
      coldStart: { runs: cold, medianMs: median(cold.map((c) => c.clickToResultMs)) },
      warm,
      memory,
    };
    if (name === 'chromium') {
      const off = await (await sess.browser.waitForTarget((t) => t.url().endsWith('/offscreen.html'), { timeout: 30_000 })).asPage();
      const imageUrl = `${server.origin}/img/${PHOTO.name}.jpg`;
      log('chromium: wasm 2 threads vs 1 thread (interleaved)…');
      out.threads = await threadComparison(off, models.image, imageUrl).catch((e: Error) => ({ error: e.message }));
      log(`chromium: tensor growth over ${MEMORY_RUNS} runs…`);
      out.tensors = await tensorGrowth(off, models.image, imageUrl).catch((e: Error) => ({ error: e.message }));
      out.backends = {};
      // wasm last: switching backends drops the loaded model, so its load is measured again.
      for (const b of ['webgl', 'cpu', 'wasm']) {
        log(`chromium: image model on ${b}…`);
        out.backends[`image ${b}`] = await perBackend(off, 'image', models.image, b, imageUrl, b === 'cpu' ? CPU_RUNS : RUNS).catch((e: Error) => ({ error: e.message }));
      }
      if (models.text) {
        const text = TEXTS?.spam ?? 'Congratulations, you won a free prize. Click here to claim it now.';
        for (const b of ['wasm', 'cpu']) out.backends[`text ${b}`] = await perBackend(off, 'text', models.text, b, text, RUNS).catch((e: Error) => ({ error: e.message }));
      }
      const fcps = cold.map((c) => c.popupFcpMs).filter((x): x is number => typeof x === 'number');
      out.popupFcp = { freshBrowserMs: fcps, medianMs: median(fcps) };
    }
    log(`${name}: tutorial pages (naive, fair peer)…`);
    out.naive = await tutorial(sess, server, 'naive', models.image);
    out.peer = await tutorial(sess, server, 'peer', models.image);
    out.loadAvg.end = load();
    return out;
  } finally {
    await sess.close();
  }
}

// ---------- targets ----------

export interface Target {
  browser: string;
  name: string;
  goal: string;
  value: number;
  unit: string;
  met: boolean;
}

/**
 * Before issue 13: production sizes built from c22e67b, popup paint from the quiet run of
 * 2026-11-24 (docs/benchmarks.md then). "Not worse" compares with these.
 */
export const BASELINE = { popupFcpMs: 88, offscreenJsBytes: 1_243_158, firefoxBackgroundJsBytes: 1_249_637, popupJsBytes: 18_753 };

function targets(results: BrowserResults[], bundles: Record<string, { bytes: number }>): Target[] {
  const out: Target[] = [];
  const add = (browser: string, name: string, goal: string, value: number, unit: string, met: boolean): void => {
    out.push({ browser, name, goal, value: Math.round(value * 10) / 10, unit, met: Number.isFinite(value) && met });
  };
  for (const r of results) {
    const b = r.browser;
    if (r.threads && !('error' in r.threads)) add(b, 'warm inference, wasm 2 threads (median)', '≤ 30 ms', r.threads.two.inference.median, 'ms', r.threads.two.inference.median <= 30 && r.threads.two.wasmThreads >= 2);
    else if (b === 'firefox') add(b, 'warm inference in clicks (median; threads: see note)', '≤ 30 ms', r.warm.inference.median, 'ms', r.warm.inference.median <= 30);
    add(b, 'warm click → result (median)', '≤ 60 ms', r.warm.clickToResult.median, 'ms', r.warm.clickToResult.median <= 60);
    add(b, 'cold start, first click → result (median of fresh profiles)', '≤ 400 ms', r.coldStart.medianMs, 'ms', r.coldStart.medianMs <= 400);
    const peer = r.peer && !('error' in r.peer) ? r.peer : null;
    if (peer) {
      add(b, 'first result: ours (cold click) / fair peer (page load → first result)', '< 1', r.coldStart.medianMs / peer.firstResultMs, '×', r.coldStart.medianMs < peer.firstResultMs);
      add(b, 'warm click → result: ours / fair peer (new image + predict)', '< 1', r.warm.clickToResult.median / peer.warmWithImage.median, '×', r.warm.clickToResult.median < peer.warmWithImage.median);
    } else add(b, 'fair peer', 'runs', NaN, '', false);
    if (!('error' in r.memory)) {
      const m = r.memory;
      add(b, 'memory added while a model is loaded (RssAnon, extension processes)', '≤ +60 MiB', m.loaded.anonMiB - m.before.anonMiB, 'MiB', m.loaded.anonMiB - m.before.anonMiB <= 60);
      add(b, 'memory after the idle release, vs before the first click (RssAnon)', '≤ +10 MiB', m.released ? m.released.anonMiB - m.before.anonMiB : NaN, 'MiB', !!m.released && m.released.anonMiB - m.before.anonMiB <= 10);
      add(b, 'click after the idle release works', 'yes', m.nextClickOk ? 1 : 0, '', m.nextClickOk);
    } else add(b, 'memory', 'measured', NaN, '', false);
    if (r.tensors && !('error' in r.tensors)) add(b, `tensor growth over ${r.tensors.runs} runs`, '0', r.tensors.after.numTensors - r.tensors.before.numTensors, 'tensors', r.tensors.after.numTensors === r.tensors.before.numTensors);
    if (r.popupFcp) add(b, 'popup first contentful paint (fresh browser, median)', `≤ ${BASELINE.popupFcpMs} ms (not worse)`, r.popupFcp.medianMs, 'ms', r.popupFcp.medianMs <= BASELINE.popupFcpMs);
  }
  const size = (k: string): number => bundles[k]?.bytes ?? NaN;
  add('both', 'offscreen.js size', `≤ ${Math.round(BASELINE.offscreenJsBytes / 1024)} KiB (not worse)`, size('chrome offscreen.js') / 1024, 'KiB', size('chrome offscreen.js') <= BASELINE.offscreenJsBytes);
  add('both', 'Firefox background.js size', `≤ ${Math.round(BASELINE.firefoxBackgroundJsBytes / 1024)} KiB (not worse)`, size('firefox background.js') / 1024, 'KiB', size('firefox background.js') <= BASELINE.firefoxBackgroundJsBytes);
  add('both', 'popup.js size', `≤ ${Math.round(BASELINE.popupJsBytes / 1024)} KiB (not worse)`, size('chrome popup.js') / 1024, 'KiB', size('chrome popup.js') <= BASELINE.popupJsBytes);
  return out;
}

// ---------- main ----------

async function main(): Promise<void> {
  ensureTestBuild();
  ensureProductionBuild();
  const naiveJs = buildNaive();
  const server = await startServer(naiveJs);
  const index = JSON.parse(fs.readFileSync(path.join(distDir('chrome'), 'models/index.json'), 'utf8')) as { defaults: { image: string | null; text: string | null } };
  const models = { image: index.defaults.image ?? 'nsfw-mobilenet-v2', text: index.defaults.text };
  const loadStart = load();
  const browsers: BrowserResults[] = [];
  try {
    browsers.push(await benchBrowser('chromium', server, models));
    if (WITH_FIREFOX) browsers.push(await benchBrowser('firefox', server, models));
  } finally {
    await server.close();
  }
  log('sizes, converter…');
  const bundles = bundleSizes();
  const swJs = fs.readFileSync(path.join(ROOT, 'dist/chrome/background.js'), 'utf8');
  const swHasTf = /@tensorflow|tfjs|loadLayersModel|setWasmPaths/.test(swJs);
  const converter = process.env.BENCH_CONVERTER === '0' ? { skipped: 'BENCH_CONVERTER=0' } : converterBench();
  const results = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memGiB: Math.round(os.totalmem() / 2 ** 30),
      platform: `${os.platform()} ${os.release()}`,
      node: process.version,
      loadAvg1m: { start: loadStart, end: load() },
    },
    runs: { warm: RUNS, cold: COLD_LAUNCHES, cpu: CPU_RUNS, tensorGrowth: MEMORY_RUNS, idleReleaseMinutes: BENCH_IDLE_MINUTES },
    models,
    browsers,
    bundles,
    serviceWorkerHasTfjs: swHasTf,
    converter,
    targets: targets(browsers, bundles),
  };
  fs.writeFileSync(process.env.BENCH_RESULTS ?? path.join(ROOT, 'bench/results.json'), JSON.stringify(results, null, 2));
  const md = renderMarkdown(results);
  if (process.env.BENCH_NO_DOCS !== '1') writeDocs(path.join(ROOT, 'docs/benchmarks.md'), md);
  console.log(md);
}

export type BenchResults = {
  date: string;
  machine: { cpus: number; cpuModel?: string; memGiB: number; platform: string; node: string; loadAvg1m: { start: number; end: number } };
  runs: Record<string, number>;
  models: { image: string; text: string | null };
  browsers: BrowserResults[];
  bundles: Record<string, { bytes: number; gzip: number }>;
  serviceWorkerHasTfjs: boolean;
  converter: unknown;
  targets: Target[];
};

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
