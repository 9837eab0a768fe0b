/**
 * The options page's models section (issue 9): import the corpus Teachable Machine .h5 with its
 * labels (file input) and a Keras 3 .keras text model with its tokenizer (drag and drop), try,
 * save, classify both with the real menu handler; weights bit-identical to the CLI's conversion /
 * the packaged model and scores within 1e-6; rename, export (the CLI side loads it, model_web/
 * accepts it), delete and replace with fallback; a model failing to load names itself; every bad
 * input gives its message and stores nothing; the imports survive a restart on the same profile
 * (in a browser of its own, so the table's browser is not disturbed); only convert-worker.js
 * holds the converter. The scenarios share one options page per browser and run in this order;
 * the last one deletes every import and restores the settings.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ElementHandle, Page } from 'puppeteer-core';
import { MENU_IMAGE, MENU_TEXT, PHOTO, ROOT, TEXTS, distDir, selectContents } from '../harness';
import { chromiumDriver, firefoxDriver, type Driver } from '../drivers';
import type { Ctx, Scenario } from '../scenario';
import { writeZip } from '../../fixtures/keras/zip-writer';
import { ZipArchive } from '../../../src/converter/zip';
import * as tfh from '../../../src/converter/tfjs-host';

const TIMEOUT = 300_000;

interface Score { label: string; probability: number }
interface Job { id: string; phase: string; result?: { scores: Score[]; model: string; notice?: string }; error?: { code: string; message: string } }


const TM = path.resolve(ROOT, '../shared/keras-corpus/teachable-machine-mobilenetv2-nested/keras_model.h5');
const FIX = path.join(ROOT, 'test/fixtures/import');
const TM_LABELS = path.join(FIX, 'tm-labels.txt');
const SPAM_KERAS = path.join(FIX, 'spam-assassin.keras');
const SPAM_TOKENIZER = path.join(FIX, 'spam-tokenizer.json');
const SPAM_LABELS = path.join(FIX, 'spam-labels.txt');
const LAMBDA = path.join(ROOT, 'test/fixtures/keras/lambda.h5');
const have = fs.existsSync(TM) && TEXTS !== null;

// ---------- page helpers (all run in the options page, an extension page) ----------

/** A real drop event on the drop zone, carrying File objects made from the fixtures' bytes. */
async function dropFiles(p: Page, files: string[], target = '#model-drop'): Promise<void> {
  const payload = files.map((f) => ({ name: path.basename(f), b64: fs.readFileSync(f).toString('base64') }));
  await resetStatus(p);
  await p.evaluate((fs_: { name: string; b64: string }[], sel: string) => {
    const dt = new DataTransfer();
    for (const f of fs_) dt.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name));
    const el = document.querySelector(sel) as HTMLElement;
    el.dispatchEvent(new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: dt }));
    el.dispatchEvent(new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: dt }));
  }, payload, target);
}

/**
 * Clicks a button with its own click(): Firefox's options tab is opened in the background, where
 * BiDi sometimes finds no clickable point for a button that is there.
 */
async function press(p: Page, selector: string): Promise<void> {
  await p.waitForSelector(selector, { timeout: 30_000 });
  await p.$eval(selector, (b) => (b as HTMLButtonElement).click());
}

async function save(p: Page): Promise<string> {
  await resetStatus(p);
  await press(p, '#import-save');
  return waitStatus(p, ['saved', 'error']);
}

const errorCode = (p: Page): Promise<string> => p.$eval('#import-error', (e) => (e as HTMLElement).dataset.code ?? '');
const errorText = (p: Page): Promise<string> => p.$eval('#import-error', (e) => (e as HTMLElement).innerText);

/** Records in both IndexedDB stores, drafts included: "nothing stored" means these do not move. */
function storeCounts(p: Page): Promise<{ models: number; files: number }> {
  return p.evaluate(
    () =>
      new Promise<{ models: number; files: number }>((resolve, reject) => {
        const r = indexedDB.open('tensorlens-models');
        r.onerror = () => reject(r.error ?? new Error('open failed'));
        r.onsuccess = () => {
          const db = r.result;
          const tx = db.transaction(['models', 'files']);
          const a = tx.objectStore('models').count();
          const b = tx.objectStore('files').count();
          tx.oncomplete = () => {
            db.close();
            resolve({ models: a.result, files: b.result });
          };
        };
      }),
  );
}

/** The stored model named `displayName`: its id and the SHA-256 of each stored shard. */
function storedModel(p: Page, displayName: string): Promise<{ id: string; shards: { name: string; sha: string }[]; metadata: Record<string, unknown> } | null> {
  return p.evaluate(
    (dn: string) =>
      new Promise<{ id: string; shards: { name: string; sha: string }[]; metadata: Record<string, unknown> } | null>((resolve, reject) => {
        const r = indexedDB.open('tensorlens-models');
        r.onerror = () => reject(r.error ?? new Error('open failed'));
        r.onsuccess = () => {
          const db = r.result;
          const q = db.transaction('models').objectStore('models').getAll();
          q.onsuccess = () => {
            const info = (q.result as { id: string; displayName: string; draft?: boolean }[]).find((m) => m.displayName === dn && !m.draft);
            if (!info) return resolve(null);
            const g = db.transaction('files').objectStore('files').get(info.id);
            g.onsuccess = async () => {
              const files = g.result as { shards: { name: string; data: ArrayBuffer }[]; metadata: Record<string, unknown> };
              const hex = (b: ArrayBuffer): string => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');
              const shards = await Promise.all(files.shards.map(async (s) => ({ name: s.name, sha: hex(await crypto.subtle.digest('SHA-256', s.data)) })));
              db.close();
              resolve({ id: info.id, shards, metadata: files.metadata });
            };
          };
        };
      }),
    displayName,
  );
}

const sha = (f: string): string => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

async function setName(p: Page, name: string): Promise<void> {
  await p.$eval('#import-name', (e, n) => {
    (e as HTMLInputElement).value = n;
  }, name);
}

async function selectValue(p: Page, sel: string, value: string): Promise<void> {
  await p.$eval(sel, (e, v) => {
    (e as HTMLSelectElement).value = v;
  }, value);
}

async function useForRightClick(p: Page, id: string): Promise<void> {
  await press(p, `#stored-models li[data-id="${id}"] button.use`);
  await p.waitForSelector(`#stored-models li[data-id="${id}"][data-in-use="true"]`, { timeout: 10_000 });
}

function expectClose(a: Score[], b: Score[]): void {
  const byLabel = (s: Score[]): Map<string, number> => new Map(s.map((x) => [x.label, x.probability]));
  const A = byLabel(a);
  const B = byLabel(b);
  expect([...A.keys()].sort()).toEqual([...B.keys()].sort());
  for (const [k, v] of A) expect(Math.abs(v - (B.get(k) as number))).toBeLessThanOrEqual(1e-6);
}

// ---------- the scenarios, once per browser ----------

const cliDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-import-cli-'));

/** The CLI's conversion of the Teachable Machine model, as a TF.js zip with metadata (the reference). */
function cliTeachableMachine(): { dir: string; zip: string } {
  const dir = path.join(cliDir, 'tm-cli');
  if (!fs.existsSync(path.join(dir, 'model.json'))) {
    // the CLI takes labels as written (no Teachable Machine numbering), so it gets them plain
    const labels = path.join(cliDir, 'labels.txt');
    fs.writeFileSync(labels, 'Class A\nClass B\n');
    execFileSync(process.execPath, [path.join(ROOT, 'bin/tensorlens.js'), 'convert', TM, dir, '--task', 'image', '--labels', labels, '--name', 'tm-cli',
      '--display-name', 'TM via CLI', '--scale', String(1 / 127.5), '--offset', '-1', '-q'], { cwd: ROOT });
  }
  const zip = path.join(cliDir, 'tm-cli.zip');
  const names = fs.readdirSync(dir).sort();
  fs.writeFileSync(zip, writeZip(names.map((n) => ({ name: `tm-cli/${n}`, data: fs.readFileSync(path.join(dir, n)) }))));
  return { dir, zip };
}


export const ready = (p: Page): Promise<unknown> => p.waitForSelector('#models-section[data-ready="true"]', { timeout: 30_000 });

async function waitStatus(p: Page, states: string[]): Promise<string> {
  await p.waitForFunction((s: string[]) => s.includes(document.getElementById('import-status')?.dataset.state ?? ''), { timeout: TIMEOUT, polling: 100 }, states);
  return p.$eval('#import-status', (e) => (e as HTMLElement).dataset.state ?? '');
}

/** Forgets the previous import's final state, so the wait below sees this import's outcome. */
const resetStatus = (p: Page): Promise<void> => p.$eval('#import-status', (e) => {
  (e as HTMLElement).dataset.state = 'test-pending';
});

export async function upload(p: Page, files: string[]): Promise<string> {
  await resetStatus(p);
  const input = (await p.$('#model-files')) as ElementHandle<HTMLInputElement>;
  await input.uploadFile(...files);
  return waitStatus(p, ['ready', 'error']);
}



/** What the models scenarios share in one browser: its options page and the first import. */
interface State { options: Page; tmId: string; tmScores: Score[]; spamScores: Score[] }
const states = new WeakMap<Driver, State>();

async function state(ctx: Ctx): Promise<State> {
  let s = states.get(ctx.d);
  if (!s) {
    const options = await ctx.d.openExtensionPage('options.html');
    await ready(options);
    s = { options, tmId: '', tmScores: [], spamScores: [] };
    states.set(ctx.d, s);
  }
  return s;
}

/** Runs the real menu handler (text: on the text page with #spam selected) and returns the stored job. */
async function classifyVia(ctx: Ctx, info: Record<string, unknown>): Promise<Job> {
  const text = info.menuItemId === MENU_TEXT;
  if (text) await selectContents(ctx.textPage, '#spam');
  const { view } = await ctx.click(info, text ? { page: ctx.textPage } : {});
  const job = (await ctx.d.state()).job as unknown as Job;
  expect(job.id).toBe(view.jobId);
  return job;
}

const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-import-bad-'));
const write = (name: string, data: Buffer): string => {
  const f = path.join(bad, name);
  fs.writeFileSync(f, data);
  return f;
};

interface BadCase { name: string; files: () => string[]; code: string; detail: RegExp; limits?: { fileBytes: number; modelBytes: number } }
const BAD: BadCase[] = [
  { name: 'a PNG renamed .h5', files: () => [write('photo.h5', Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'))], code: 'not-keras', detail: /photo\.h5: not a Keras model file/ },
  { name: 'a truncated .h5', files: () => [write('truncated.h5', fs.readFileSync(TM).subarray(0, 300_000)), TM_LABELS], code: 'corrupt', detail: /truncated/ },
  { name: 'a zip with path traversal', files: () => [write('evil.zip', writeZip([{ name: '../model.json', data: Buffer.from('{}') }]))], code: 'zip-unsafe', detail: /"\.\.\/model\.json" escapes the archive/ },
  { name: 'a zip bomb (inflates past its declared size)', files: () => [write('bomb.zip', writeZip([{ name: 'model.json', data: Buffer.alloc(4 << 20, 32), declaredSize: 100 }]))], code: 'corrupt', detail: /larger than it declares/ },
  { name: 'a zip declaring more than the limit', files: () => [write('huge.zip', writeZip([{ name: 'model.json', data: Buffer.alloc(1 << 20, 32), declaredSize: 0xfffffff0 }]))], code: 'zip-unsafe', detail: /over the \d+-byte/ },
  { name: 'a custom-layer model (the layer named)', files: () => [LAMBDA], code: 'unsupported-layer', detail: /Lambda/ },
  { name: 'a model over the size limit (the limit named)', files: () => [TM, TM_LABELS], code: 'too-large', detail: /keras_model\.h5 is 2\.3 MB, over the 1\.0 MB limit for one imported file/, limits: { fileBytes: 1024 * 1024, modelBytes: 1024 * 1024 } },
];

const badInput: Scenario[] = BAD.map((c) => ({
  name: `models: bad input, ${c.name}: its message, nothing stored`,
  timeout: TIMEOUT,
  async run(ctx) {
    const s = await state(ctx);
    const before = await storeCounts(s.options);
    if (c.limits) await s.options.evaluate((l) => Object.assign(globalThis, { tensorlensTest: { limits: l } }), c.limits);
    try {
      expect(await upload(s.options, c.files())).toBe('error');
      expect(await errorCode(s.options)).toBe(c.code);
      expect(await errorText(s.options)).toMatch(c.detail);
      expect(await errorText(s.options)).toMatch(/Nothing was stored/);
      expect(await storeCounts(s.options)).toEqual(before);
    } finally {
      await s.options.evaluate(() => Object.assign(globalThis, { tensorlensTest: {} }));
    }
  },
}));

const restartLaunch = (d: Driver, profile: string): Promise<Driver> =>
  d.name === 'chromium' ? chromiumDriver(distDir('chrome'), { profile }) : firefoxDriver(distDir('firefox'), { profile });

/** The converter reaches no context but the conversion worker (the options page starts it). */
const bundleContents: Scenario = {
  name: 'models: only convert-worker.js holds the converter',
  async run(ctx) {
    const dir = distDir(ctx.d.name === 'chromium' ? 'chrome' : 'firefox');
    // strings only the converter library holds (its stamp and its HDF5 reader's messages)
    const CONVERTER = /TensorLens Keras converter v|corrupt or truncated HDF5 file/;
    const files = fs.readdirSync(dir).filter((x) => x.endsWith('.js'));
    expect(files).toEqual(expect.arrayContaining(['background.js', 'content.js', 'popup.js', 'options.js', 'convert-worker.js']));
    for (const f of files) expect([f, CONVERTER.test(fs.readFileSync(path.join(dir, f), 'utf8'))]).toEqual([f, f === 'convert-worker.js']);
  },
};

const importScenarios: Scenario[] = [
  {
    name: 'models: imports the Teachable Machine .h5 with its labels through the file input, and right-click uses it',
    timeout: TIMEOUT,
    async run(ctx) {
      const s = await state(ctx);
      const t0 = Date.now();
      expect(await upload(s.options, [TM, TM_LABELS])).toBe('ready');
      const importMs = Date.now() - t0;
      const report = await s.options.$eval('#import-report', (e) => (e as HTMLElement).innerText);
      expect(report).toMatch(/h5-full, Keras 2\.4\.0, Sequential/);
      expect(report).toMatch(/538,508/);
      expect(await s.options.$eval('#import-labels', (e) => (e as HTMLTextAreaElement).value)).toBe('Class A\nClass B');
      // MobileNetV2 recognised inside the renamed functional: -1..1 preset suggested
      expect(await s.options.$eval('#import-preset', (e) => (e as HTMLSelectElement).value)).toBe('minus-one-one');
      await setName(s.options, 'TM import');
      expect(await save(s.options)).toBe('saved');
      const stored = await storedModel(s.options, 'TM import');
      expect(stored).not.toBeNull();
      s.tmId = (stored as { id: string }).id;
      // weights bit-identical to the CLI's conversion
      const cli = cliTeachableMachine();
      expect(stored?.shards.map((s) => s.sha)).toEqual(fs.readdirSync(cli.dir).filter((f) => f.endsWith('.bin')).sort().map((f) => sha(path.join(cli.dir, f))));
      await useForRightClick(s.options, s.tmId);
      const job = await classifyVia(ctx, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: ctx.img(PHOTO.name) });
      expect(job.error).toBeUndefined();
      expect(job.result?.model).toBe(`stored:${s.tmId}`);
      s.tmScores = job.result?.scores ?? [];
      expect(s.tmScores.map((s) => s.label).sort()).toEqual(['Class A', 'Class B']);
      fs.writeFileSync(path.join(ROOT, 'dist', `import-timing-${ctx.d.name}.json`), JSON.stringify({ browser: ctx.d.name, model: 'teachable-machine-mobilenetv2-nested (2.4 MB)', importMs }));
    },
  },
  {
    name: 'models: gives the same scores as the CLI conversion of the same model (imported as a TF.js zip)',
    timeout: TIMEOUT,
    async run(ctx) {
      const s = await state(ctx);
      const cli = cliTeachableMachine();
      expect(await upload(s.options, [cli.zip])).toBe('ready');
      expect(await s.options.$eval('#import-report', (e) => (e as HTMLElement).innerText)).toMatch(/tfjs/);
      expect(await save(s.options)).toBe('saved');
      const stored = await storedModel(s.options, 'TM via CLI');
      expect(stored).not.toBeNull();
      await useForRightClick(s.options, (stored as { id: string }).id);
      const job = await classifyVia(ctx, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: ctx.img(PHOTO.name) });
      expectClose(job.result?.scores ?? [], s.tmScores);
      await useForRightClick(s.options, s.tmId);
    },
  },
  {
    name: 'models: imports a .keras text model with its tokenizer by drag and drop; scores equal the packaged model',
    timeout: TIMEOUT,
    async run(ctx) {
      const s = await state(ctx);
      await dropFiles(s.options, [SPAM_KERAS, SPAM_TOKENIZER, SPAM_LABELS]);
      expect(await waitStatus(s.options, ['ready', 'error'])).toBe('ready');
      expect(await s.options.$eval('#import-task', (e) => (e as HTMLSelectElement).value)).toBe('text');
      expect(await s.options.$eval('#import-vocab', (e) => e.textContent)).toMatch(/9999 words/);
      await setName(s.options, 'Spam import');
      // the packaged model pads and truncates at the end
      await selectValue(s.options, '#import-padding', 'post');
      await selectValue(s.options, '#import-truncating', 'post');
      // try it before saving: the real model host, nothing saved yet
      await s.options.$eval('#try-text', (e, t) => {
        (e as HTMLTextAreaElement).value = t;
      }, (TEXTS as { spam: string }).spam);
      await press(s.options, '#try-text-button');
      await s.options.waitForSelector('#try-result[data-state="done"], #try-result[data-state="error"]', { timeout: TIMEOUT });
      const tried = JSON.parse(await s.options.$eval('#try-result', (e) => (e as HTMLElement).dataset.scores ?? '[]')) as Score[];
      expect(await save(s.options)).toBe('saved');
      const stored = await storedModel(s.options, 'Spam import');
      expect(stored?.shards.map((s) => s.sha)).toEqual([sha(path.join(ROOT, 'model_web/spam-assassin/group1-shard1of1.bin'))]);
      await useForRightClick(s.options, (stored as { id: string }).id);
      const text = (TEXTS as { spam: string }).spam;
      const mine = await classifyVia(ctx, { menuItemId: MENU_TEXT, selectionText: text });
      expect(mine.result?.model).toBe(`stored:${(stored as { id: string }).id}`);
      await ctx.setSettings({ textModel: 'spam-assassin' });
      const packaged = await classifyVia(ctx, { menuItemId: MENU_TEXT, selectionText: text });
      expect(packaged.result?.model).toBe('spam-assassin');
      s.spamScores = packaged.result?.scores ?? [];
      expectClose(mine.result?.scores ?? [], s.spamScores);
      expectClose(tried, s.spamScores);
      expect(s.spamScores[0]?.label).toBe('spam');
    },
  },
  {
    name: 'models: renames a saved model; the model pickers list the new name',
    timeout: TIMEOUT,
    async run(ctx) {
      const s = await state(ctx);
      const spam = (await storedModel(s.options, 'Spam import')) as { id: string };
      await press(s.options, `#stored-models li[data-id="${spam.id}"] button.rename`);
      await s.options.$eval(`#stored-models li[data-id="${spam.id}"] input.rename-input`, (e) => {
        (e as HTMLInputElement).value = 'Spam filter (mine)';
      });
      await press(s.options, `#stored-models li[data-id="${spam.id}"] button.rename-save`);
      await s.options.waitForFunction((id: string) => document.querySelector(`#stored-models li[data-id="${id}"] .model-name`)?.textContent === 'Spam filter (mine)', { timeout: 30_000 }, spam.id);
      expect(await s.options.$eval('#models-notice', (e) => e.textContent)).toBe('Renamed to “Spam filter (mine)”.');
      const renamed = await storedModel(s.options, 'Spam filter (mine)');
      expect(renamed?.metadata.displayName).toBe('Spam filter (mine)');
      // the model pickers live on the options page now; a rename re-renders them
      await s.options.waitForFunction((id: string) => document.querySelector(`#set-text-model option[value="stored:${id}"]`)?.textContent === 'Spam filter (mine)', { timeout: 30_000 }, spam.id);
      const pick = (id: string): Promise<string[]> => s.options.$$eval(`#${id} option`, (os) => os.map((o) => `${(o as HTMLOptionElement).value}=${o.textContent ?? ''}`));
      expect(await pick('set-text-model')).toEqual(expect.arrayContaining(['spam-assassin=Spam filter (SpamAssassin)', `stored:${spam.id}=Spam filter (mine)`]));
      expect(await pick('set-image-model')).toEqual(expect.arrayContaining([`stored:${s.tmId}=TM import`]));
    },
  },
  {
    name: 'models: exports a zip that the CLI side loads and model_web/ accepts',
    timeout: TIMEOUT,
    async run(ctx) {
      const s = await state(ctx);
      await press(s.options, `#stored-models li[data-id="${s.tmId}"] button.export`);
      await s.options.waitForFunction(() => !!document.body.dataset.lastExport, { timeout: 30_000 });
      const b64 = await s.options.evaluate(async () => {
        const buf = new Uint8Array(await (await fetch(document.body.dataset.lastExport as string)).arrayBuffer());
        let s = '';
        for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode(...buf.subarray(i, i + 0x8000));
        return btoa(s);
      });
      const zip = new ZipArchive(Buffer.from(b64, 'base64'), 'export.zip');
      const webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-import-web-'));
      const modelDir = path.join(webDir, s.tmId);
      fs.mkdirSync(modelDir);
      for (const n of zip.entries.keys()) fs.writeFileSync(path.join(modelDir, n), zip.read(n));
      expect([...zip.entries.keys()].sort()).toEqual(['group1-shard1of1.bin', 'metadata.json', 'model.json']);
      // model_web/ acceptance: the build's own check
      const { collectModels } = require(path.join(ROOT, 'webpack.config.js')) as { collectModels(dir: string): { name: string }[] };
      expect(collectModels(webDir).map((m) => m.name)).toEqual([s.tmId]);
      // CLI-side load: the converter's TF.js loader, predictions equal to the CLI's own conversion
      const cli = cliTeachableMachine();
      const load = (dir: string): Promise<Awaited<ReturnType<typeof tfh.loadArtifacts>>> => {
        const mj = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
        return tfh.loadArtifacts({ modelJson: mj as never, shards: mj.weightsManifest.flatMap((g) => g.paths).map((p) => fs.readFileSync(path.join(dir, p))) });
      };
      const [a, b] = [await load(modelDir), await load(cli.dir)];
      const x = tfh.randomInputs(a);
      const [ya, yb] = [await tfh.predict(a, x), await tfh.predict(b, x)];
      expect(Array.from(ya[0] as Float32Array)).toEqual(Array.from(yb[0] as Float32Array));
      tfh.disposeAll(x, a);
      b.dispose();
    },
  },
  {
    name: 'models: a stored model that fails to load at classification time names itself',
    timeout: TIMEOUT,
    async run(ctx) {
      const s = await state(ctx);
      // a fresh import (never loaded by the host yet), then its stored weights damaged, as a
      // partly written or corrupted profile would have them
      expect(await upload(s.options, [cliTeachableMachine().zip])).toBe('ready');
      await setName(s.options, 'Damaged later');
      expect(await save(s.options)).toBe('saved');
      const broken = (await storedModel(s.options, 'Damaged later')) as { id: string };
      await useForRightClick(s.options, broken.id);
      await s.options.evaluate((id: string) => new Promise<void>((resolve) => {
        const r = indexedDB.open('tensorlens-models');
        r.onsuccess = () => {
          const tx = r.result.transaction('files', 'readwrite');
          const st = tx.objectStore('files');
          const g = st.get(id);
          g.onsuccess = () => {
            const f = g.result as { shards: { name: string; data: ArrayBuffer }[] };
            st.put({ ...f, shards: f.shards.map((x) => ({ ...x, data: x.data.slice(0, 1000) })) });
          };
          tx.oncomplete = () => {
            r.result.close();
            resolve();
          };
        };
      }), broken.id);
      const job = await classifyVia(ctx, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: ctx.img(PHOTO.name) });
      expect(job.phase).toBe('error');
      expect(job.error?.code).toBe('model-load-failed');
      expect(job.error?.message).toMatch(/^imported model "Damaged later": /);
      await useForRightClick(s.options, s.tmId);
    },
  },
  {
    name: 'models: deleting the model right-click uses falls back to the default and says so',
    timeout: TIMEOUT,
    async run(ctx) {
      const s = await state(ctx);
      await press(s.options, `#stored-models li[data-id="${s.tmId}"] button.delete`);
      await press(s.options, `#stored-models li[data-id="${s.tmId}"] button.delete.confirm`);
      await s.options.waitForFunction((id: string) => !document.querySelector(`#stored-models li[data-id="${id}"]`), { timeout: 30_000 }, s.tmId);
      expect(await s.options.$eval('#models-notice', (e) => e.textContent)).toMatch(/“TM import” was your image model: right-click now uses the default model/);
      const job = await classifyVia(ctx, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: ctx.img(PHOTO.name) });
      expect(job.result?.model).toBe('nsfw-mobilenet-v2');
    },
  },
  {
    name: 'models: replacing the model right-click uses (saving one of the same name) falls back to the default and says so',
    timeout: TIMEOUT,
    async run(ctx) {
      const s = await state(ctx);
      const old = (await storedModel(s.options, 'Spam filter (mine)')) as { id: string };
      await useForRightClick(s.options, old.id);
      await dropFiles(s.options, [SPAM_KERAS, SPAM_TOKENIZER, SPAM_LABELS]);
      expect(await waitStatus(s.options, ['ready', 'error'])).toBe('ready');
      await setName(s.options, 'Spam filter (mine)');
      expect(await save(s.options)).toBe('saved');
      expect(await s.options.$eval('#import-status', (e) => (e as HTMLElement).innerText)).toMatch(
        /“Spam filter \(mine\)” replaced the model of the same name\. “Spam filter \(mine\)” was your text model: right-click now uses the default model “Spam filter \(SpamAssassin\)”/,
      );
      const now = (await storedModel(s.options, 'Spam filter (mine)')) as { id: string };
      expect(now.id).not.toBe(old.id);
      expect(await s.options.$$eval('#stored-models li[data-id] .model-name', (es) => es.filter((e) => e.textContent === 'Spam filter (mine)').length)).toBe(1);
      const job = await classifyVia(ctx, { menuItemId: MENU_TEXT, selectionText: (TEXTS as { spam: string }).spam });
      expect(job.result?.model).toBe('spam-assassin');
    },
  },
  {
    name: 'models: a stored model that is gone when right-click runs: the default is used and the result says so',
    timeout: TIMEOUT,
    async run(ctx) {
      const s = await state(ctx);
      const spam = await storedModel(s.options, 'Spam filter (mine)');
      await ctx.setSettings({ textModel: `stored:${(spam as { id: string }).id}` });
      // removed behind the settings' back (another window, a cleared profile)
      await s.options.evaluate((id: string) => new Promise<void>((resolve) => {
        const r = indexedDB.open('tensorlens-models');
        r.onsuccess = () => {
          const tx = r.result.transaction(['models', 'files'], 'readwrite');
          tx.objectStore('models').delete(id);
          tx.objectStore('files').delete(id);
          tx.oncomplete = () => resolve();
        };
      }), (spam as { id: string }).id);
      const job = await classifyVia(ctx, { menuItemId: MENU_TEXT, selectionText: (TEXTS as { spam: string }).spam });
      expect(job.result?.model).toBe('spam-assassin');
      expect(job.result?.notice).toMatch(/no longer installed, so the default model "Spam filter \(SpamAssassin\)" was used/);
    },
  },
  ...badInput,

  {
    name: 'models: labels whose count does not match the output: its message, nothing stored',
    timeout: TIMEOUT,
    async run(ctx) {
      const s = await state(ctx);
      const before = await storeCounts(s.options);
      expect(await upload(s.options, [TM, write('three.txt', Buffer.from('cat\ndog\nbird\n'))])).toBe('ready');
      expect(await save(s.options)).toBe('error');
      expect(await errorCode(s.options)).toBe('metadata');
      expect(await errorText(s.options)).toMatch(/has 3 labels but the model outputs 2 value/);
      expect(await storeCounts(s.options)).toEqual(before);
    },
  },
  {
    name: 'models: storage quota exceeded: its message, nothing stored',
    timeout: TIMEOUT,
    async run(ctx) {
      const s = await state(ctx);
      const before = await storeCounts(s.options);
      expect(await upload(s.options, [TM, TM_LABELS])).toBe('ready');
      // a full disk cannot be made here: the test build lets the page believe 1000 bytes are free
      await s.options.evaluate(() => Object.assign(globalThis, { tensorlensTest: { freeBytes: 1000 } }));
      try {
        expect(await save(s.options)).toBe('error');
        expect(await errorCode(s.options)).toBe('quota-exceeded');
        expect(await errorText(s.options)).toMatch(/no room left/);
        expect(await storeCounts(s.options)).toEqual(before);
      } finally {
        await s.options.evaluate(() => Object.assign(globalThis, { tensorlensTest: {} }));
        await press(s.options, '#import-discard');
      }
    },
  },
  {
    name: 'models: imports survive a browser restart on the same profile',
    timeout: TIMEOUT,
    async run(ctx) {
      const profile = fs.mkdtempSync(path.join(os.tmpdir(), `tl-import-restart-${ctx.d.name}-`));
      let d = await restartLaunch(ctx.d, profile);
      try {
        let options = await d.openExtensionPage('options.html');
        await ready(options);
        expect(await upload(options, [SPAM_KERAS, SPAM_TOKENIZER, SPAM_LABELS])).toBe('ready');
        await setName(options, 'Survivor');
        expect(await save(options)).toBe('saved');
        const before = await storedModel(options, 'Survivor');
        await d.close();
        d = await restartLaunch(ctx.d, profile);
        options = await d.openExtensionPage('options.html');
        await ready(options);
        expect(await options.$$eval('#stored-models li[data-id] .model-name', (es) => es.map((e) => e.textContent ?? ''))).toEqual(['Survivor']);
        expect(await storedModel(options, 'Survivor')).toEqual(before);
        // and it still classifies, through the restarted extension's own host
        await useForRightClick(options, (before as { id: string }).id);
        const tab = await d.tabOf(options);
        await d.menuClick(tab, [{ menuItemId: MENU_TEXT, selectionText: (TEXTS as { spam: string }).spam, frameId: 0, editable: false }]);
        const deadline = Date.now() + 120_000;
        let job: Job | undefined;
        while (Date.now() < deadline) {
          job = (await d.state()).job as unknown as Job | undefined;
          if (job && (job.phase === 'done' || job.phase === 'error')) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        expect(job?.result?.model).toBe(`stored:${(before as { id: string }).id}`);
      } finally {
        await d.close();
      }
    },
  },
  {
    name: 'models: clean up (imports deleted, settings back to the defaults)',
    async run(ctx) {
      const s = await state(ctx);
      await s.options.evaluate(() => new Promise<void>((resolve) => {
        const r = indexedDB.open('tensorlens-models');
        r.onsuccess = () => {
          const tx = r.result.transaction(['models', 'files'], 'readwrite');
          tx.objectStore('models').clear();
          tx.objectStore('files').clear();
          tx.oncomplete = () => {
            r.result.close();
            resolve();
          };
        };
      }));
      await ctx.setSettings(null);
      await s.options.close();
      states.delete(ctx.d);
    },
  },
];

/** The import scenarios need ../shared/keras-corpus (the Teachable Machine model). */
export const models: Scenario[] = [bundleContents, ...(have ? importScenarios : [])];
