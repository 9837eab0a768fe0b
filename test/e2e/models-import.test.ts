/**
 * The options page's models section (issue 9), written once and run in Chromium and Firefox:
 * import the corpus Teachable Machine .h5 with its labels (file input) and a Keras 3 .keras text
 * model with its tokenizer (drag and drop), classify both with the real context-menu handler,
 * compare with the CLI's conversion and the packaged model (scores within 1e-6, weights
 * bit-identical), refuse every bad input with its message and nothing stored, keep the imports
 * across a browser restart (same profile), and export a zip the CLI side and model_web/ accept.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'puppeteer-core';
import { MENU_IMAGE, MENU_TEXT, PHOTO, ROOT, TEXTS, distDir, ensureTestBuild, findPage, startServers, type Servers } from './harness';
import { launch, openPopup, ready, upload, waitStatus, resetStatus, TIMEOUT, type Driver, type Job, type Kind, type Score } from './models-driver';
import { writeZip } from '../fixtures/keras/zip-writer';
import { ZipArchive } from '../../src/converter/zip';
import * as tfh from '../../src/converter/tfjs-host';

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

async function save(p: Page): Promise<string> {
  await resetStatus(p);
  await p.click('#import-save');
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
  await p.click(`#stored-models li[data-id="${id}"] button.use`);
  await p.waitForSelector(`#stored-models li[data-id="${id}"][data-in-use="true"]`, { timeout: 10_000 });
}

function getJob(p: Page): Promise<Job | undefined> {
  return p.evaluate(async () => {
    const api = (globalThis as unknown as { browser?: { storage: { session: { get(k: string): Promise<Record<string, unknown>> } } }; chrome: { storage: { session: { get(k: string): Promise<Record<string, unknown>> } } } });
    const session = (api.browser ?? api.chrome).storage.session;
    return (await session.get('job')).job as Job | undefined;
  });
}

async function classify(d: Driver, info: Record<string, unknown>): Promise<Job> {
  const before = (await getJob(d.options))?.id ?? '';
  await d.click({ frameId: 0, editable: false, ...info });
  const deadline = Date.now() + TIMEOUT;
  for (;;) {
    const j = await getJob(d.options);
    if (j && j.id !== before && (j.phase === 'done' || j.phase === 'error')) return j;
    if (Date.now() > deadline) throw new Error(`no result for ${JSON.stringify(info)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function setSettingsInPage(p: Page, patch: Record<string, string>): Promise<void> {
  await p.evaluate(async (pa: Record<string, string>) => {
    const api = (globalThis as unknown as { browser?: { storage: { local: { get(k: string): Promise<Record<string, unknown>>; set(v: unknown): Promise<void> } } }; chrome: { storage: { local: { get(k: string): Promise<Record<string, unknown>>; set(v: unknown): Promise<void> } } } });
    const local = (api.browser ?? api.chrome).storage.local;
    const cur = ((await local.get('settings')).settings ?? { imageModel: 'nsfw-mobilenet-v2', textModel: 'spam-assassin', backend: 'auto' }) as Record<string, string>;
    await local.set({ settings: { ...cur, ...pa } });
  }, patch);
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

// The converter must reach no context but the conversion worker (the options page starts it).
describe('bundle contents', () => {
  beforeAll(() => ensureTestBuild(), TIMEOUT);
  // strings only the converter library holds (its stamp and its HDF5 reader's messages)
  const CONVERTER = /TensorLens Keras converter v|corrupt or truncated HDF5 file/;
  it.each(['chrome', 'firefox'] as const)('%s: only convert-worker.js holds the converter', (b) => {
    const dir = distDir(b);
    const sizes: Record<string, number> = {};
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.js'))) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      sizes[f] = text.length;
      expect([f, CONVERTER.test(text)]).toEqual([f, f === 'convert-worker.js']);
    }
    expect(Object.keys(sizes)).toEqual(expect.arrayContaining(['background.js', 'content.js', 'popup.js', 'options.js', 'convert-worker.js']));
    fs.writeFileSync(path.join(ROOT, 'dist', `import-bundles-${b}.json`), JSON.stringify(sizes, null, 2));
  });
});

const kinds: Kind[] = (process.env.TENSORLENS_E2E_BROWSERS?.split(',') as Kind[] | undefined) ?? ['chrome', 'firefox'];

(have ? describe.each(kinds) : describe.skip.each(kinds))('models section in %s', (kind) => {
  let servers: Servers;
  let d: Driver;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), `tl-import-${kind}-`));
  const photoUrl = (): string => `${servers.main}/img/${PHOTO.name}.jpg`;
  let tmScores: Score[] = [];
  let tmId = '';
  let spamScores: Score[] = [];

  beforeAll(async () => {
    ensureTestBuild();
    servers = await startServers();
    d = await launch(kind, profile);
    await ready(d.options);
  }, TIMEOUT);

  afterAll(async () => {
    await d?.close();
    await servers?.close();
  });

  it('imports the Teachable Machine .h5 with its labels through the file input, and right-click uses it', async () => {
    const t0 = Date.now();
    expect(await upload(d.options, [TM, TM_LABELS])).toBe('ready');
    const importMs = Date.now() - t0;
    const report = await d.options.$eval('#import-report', (e) => (e as HTMLElement).innerText);
    expect(report).toMatch(/h5-full, Keras 2\.4\.0, Sequential/);
    expect(report).toMatch(/538,508/);
    expect(await d.options.$eval('#import-labels', (e) => (e as HTMLTextAreaElement).value)).toBe('Class A\nClass B');
    // MobileNetV2 recognised inside the renamed functional: -1..1 preset suggested
    expect(await d.options.$eval('#import-preset', (e) => (e as HTMLSelectElement).value)).toBe('minus-one-one');
    await setName(d.options, 'TM import');
    expect(await save(d.options)).toBe('saved');
    const stored = await storedModel(d.options, 'TM import');
    expect(stored).not.toBeNull();
    tmId = (stored as { id: string }).id;
    // weights bit-identical to the CLI's conversion
    const cli = cliTeachableMachine();
    expect(stored?.shards.map((s) => s.sha)).toEqual(fs.readdirSync(cli.dir).filter((f) => f.endsWith('.bin')).sort().map((f) => sha(path.join(cli.dir, f))));
    await useForRightClick(d.options, tmId);
    const job = await classify(d, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: photoUrl() });
    expect(job.error).toBeUndefined();
    expect(job.result?.model).toBe(`stored:${tmId}`);
    tmScores = job.result?.scores ?? [];
    expect(tmScores.map((s) => s.label).sort()).toEqual(['Class A', 'Class B']);
    fs.writeFileSync(path.join(ROOT, 'dist', `import-timing-${kind}.json`), JSON.stringify({ browser: kind, model: 'teachable-machine-mobilenetv2-nested (2.4 MB)', importMs }));
  }, TIMEOUT);

  it('gives the same scores as the CLI conversion of the same model (imported as a TF.js zip)', async () => {
    const cli = cliTeachableMachine();
    expect(await upload(d.options, [cli.zip])).toBe('ready');
    expect(await d.options.$eval('#import-report', (e) => (e as HTMLElement).innerText)).toMatch(/tfjs/);
    expect(await save(d.options)).toBe('saved');
    const stored = await storedModel(d.options, 'TM via CLI');
    expect(stored).not.toBeNull();
    await useForRightClick(d.options, (stored as { id: string }).id);
    const job = await classify(d, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: photoUrl() });
    expectClose(job.result?.scores ?? [], tmScores);
    await useForRightClick(d.options, tmId);
  }, TIMEOUT);

  it('imports a .keras text model with its tokenizer by drag and drop; scores equal the packaged model', async () => {
    await dropFiles(d.options, [SPAM_KERAS, SPAM_TOKENIZER, SPAM_LABELS]);
    expect(await waitStatus(d.options, ['ready', 'error'])).toBe('ready');
    expect(await d.options.$eval('#import-task', (e) => (e as HTMLSelectElement).value)).toBe('text');
    expect(await d.options.$eval('#import-vocab', (e) => e.textContent)).toMatch(/9999 words/);
    await setName(d.options, 'Spam import');
    // the packaged model pads and truncates at the end
    await selectValue(d.options, '#import-padding', 'post');
    await selectValue(d.options, '#import-truncating', 'post');
    // try it before saving: the real model host, nothing saved yet
    await d.options.$eval('#try-text', (e, t) => {
      (e as HTMLTextAreaElement).value = t;
    }, (TEXTS as { spam: string }).spam);
    await d.options.click('#try-text-button');
    await d.options.waitForSelector('#try-result[data-state="done"], #try-result[data-state="error"]', { timeout: TIMEOUT });
    const tried = JSON.parse(await d.options.$eval('#try-result', (e) => (e as HTMLElement).dataset.scores ?? '[]')) as Score[];
    expect(await save(d.options)).toBe('saved');
    const stored = await storedModel(d.options, 'Spam import');
    expect(stored?.shards.map((s) => s.sha)).toEqual([sha(path.join(ROOT, 'model_web/spam-assassin/group1-shard1of1.bin'))]);
    await useForRightClick(d.options, (stored as { id: string }).id);
    const text = (TEXTS as { spam: string }).spam;
    const mine = await classify(d, { menuItemId: MENU_TEXT, selectionText: text });
    expect(mine.result?.model).toBe(`stored:${(stored as { id: string }).id}`);
    await setSettingsInPage(d.options, { textModel: 'spam-assassin' });
    const packaged = await classify(d, { menuItemId: MENU_TEXT, selectionText: text });
    expect(packaged.result?.model).toBe('spam-assassin');
    spamScores = packaged.result?.scores ?? [];
    expectClose(mine.result?.scores ?? [], spamScores);
    expectClose(tried, spamScores);
    expect(spamScores[0]?.label).toBe('spam');
  }, TIMEOUT);

  it('renames a saved model; the popup picker lists the new name', async () => {
    const spam = (await storedModel(d.options, 'Spam import')) as { id: string };
    await d.options.click(`#stored-models li[data-id="${spam.id}"] button.rename`);
    await d.options.$eval(`#stored-models li[data-id="${spam.id}"] input.rename-input`, (e) => {
      (e as HTMLInputElement).value = 'Spam filter (mine)';
    });
    await d.options.click(`#stored-models li[data-id="${spam.id}"] button.rename-save`);
    await d.options.waitForFunction((id: string) => document.querySelector(`#stored-models li[data-id="${id}"] .model-name`)?.textContent === 'Spam filter (mine)', { timeout: 30_000 }, spam.id);
    expect(await d.options.$eval('#models-notice', (e) => e.textContent)).toBe('Renamed to “Spam filter (mine)”.');
    const renamed = await storedModel(d.options, 'Spam filter (mine)');
    expect(renamed?.metadata.displayName).toBe('Spam filter (mine)');
    const popup = await openPopup(d);
    await popup.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    const pick = (id: string): Promise<string[]> => popup.$$eval(`#${id} option`, (os) => os.map((o) => `${(o as HTMLOptionElement).value}=${o.textContent ?? ''}`));
    expect(await pick('set-text-model')).toEqual(expect.arrayContaining(['spam-assassin=Spam filter (SpamAssassin)', `stored:${spam.id}=Spam filter (mine)`]));
    expect(await pick('set-image-model')).toEqual(expect.arrayContaining([`stored:${tmId}=TM import`]));
    await popup.close();
  }, TIMEOUT);

  describe('bad input: its message, and nothing stored', () => {
    const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-import-bad-'));
    const write = (name: string, data: Buffer): string => {
      const f = path.join(bad, name);
      fs.writeFileSync(f, data);
      return f;
    };
    interface BadCase { files: () => string[]; code: string; detail: RegExp; setup?: () => Promise<void> }
    const cases: [string, BadCase][] = [
      ['a PNG renamed .h5', { files: () => [write('photo.h5', Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'))], code: 'not-keras', detail: /photo\.h5: not a Keras model file/ }],
      ['a truncated .h5', { files: () => [write('truncated.h5', fs.readFileSync(TM).subarray(0, 300_000)), TM_LABELS], code: 'corrupt', detail: /truncated/ }],
      ['a zip with path traversal', { files: () => [write('evil.zip', writeZip([{ name: '../model.json', data: Buffer.from('{}') }]))], code: 'zip-unsafe', detail: /"\.\.\/model\.json" escapes the archive/ }],
      ['a zip bomb', { files: () => [write('bomb.zip', writeZip([{ name: 'model.json', data: Buffer.alloc(4 << 20, 32), declaredSize: 100 }]))], code: 'corrupt', detail: /larger than it declares/ }],
      ['a zip declaring more than the limit', { files: () => [write('huge.zip', writeZip([{ name: 'model.json', data: Buffer.alloc(1 << 20, 32), declaredSize: 0xfffffff0 }]))], code: 'zip-unsafe', detail: /over the \d+-byte/ }],
      ['a custom-layer model', { files: () => [LAMBDA], code: 'unsupported-layer', detail: /Lambda/ }],
      ['a model over the size limit', { files: () => [TM, TM_LABELS], code: 'too-large', detail: /keras_model\.h5 is 2\.3 MB, over the 1\.0 MB limit for one imported file/, setup: async () => {
        await d.options.evaluate(() => Object.assign(globalThis, { tensorlensTest: { limits: { fileBytes: 1024 * 1024, modelBytes: 1024 * 1024 } } }));
      } }],
    ];
    it.each(cases)('%s', async (_name, { files, code, detail, setup }) => {
      const before = await storeCounts(d.options);
      await setup?.();
      try {
        expect(await upload(d.options, files())).toBe('error');
        expect(await errorCode(d.options)).toBe(code);
        expect(await errorText(d.options)).toMatch(detail);
        expect(await errorText(d.options)).toMatch(/Nothing was stored/);
        expect(await storeCounts(d.options)).toEqual(before);
      } finally {
        await d.options.evaluate(() => Object.assign(globalThis, { tensorlensTest: {} }));
      }
    }, TIMEOUT);

    it('labels whose count does not match the output', async () => {
      const before = await storeCounts(d.options);
      expect(await upload(d.options, [TM, write('three.txt', Buffer.from('cat\ndog\nbird\n'))])).toBe('ready');
      expect(await save(d.options)).toBe('error');
      expect(await errorCode(d.options)).toBe('metadata');
      expect(await errorText(d.options)).toMatch(/has 3 labels but the model outputs 2 value/);
      expect(await storeCounts(d.options)).toEqual(before);
    }, TIMEOUT);

    it('storage quota exceeded', async () => {
      const before = await storeCounts(d.options);
      expect(await upload(d.options, [TM, TM_LABELS])).toBe('ready');
      await d.options.evaluate(() => Object.assign(globalThis, { tensorlensTest: { freeBytes: 1000 } }));
      try {
        expect(await save(d.options)).toBe('error');
        expect(await errorCode(d.options)).toBe('quota-exceeded');
        expect(await errorText(d.options)).toMatch(/no room left/);
        expect(await storeCounts(d.options)).toEqual(before);
      } finally {
        await d.options.evaluate(() => Object.assign(globalThis, { tensorlensTest: {} }));
        await d.options.click('#import-discard');
      }
    }, TIMEOUT);
  });

  it('exports a zip that the CLI side loads and model_web/ accepts', async () => {
    await d.options.click(`#stored-models li[data-id="${tmId}"] button.export`);
    await d.options.waitForFunction(() => !!document.body.dataset.lastExport, { timeout: 30_000 });
    const b64 = await d.options.evaluate(async () => {
      const buf = new Uint8Array(await (await fetch(document.body.dataset.lastExport as string)).arrayBuffer());
      let s = '';
      for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode(...buf.subarray(i, i + 0x8000));
      return btoa(s);
    });
    const zip = new ZipArchive(Buffer.from(b64, 'base64'), 'export.zip');
    const webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tl-import-web-'));
    const modelDir = path.join(webDir, tmId);
    fs.mkdirSync(modelDir);
    for (const n of zip.entries.keys()) fs.writeFileSync(path.join(modelDir, n), zip.read(n));
    expect([...zip.entries.keys()].sort()).toEqual(['group1-shard1of1.bin', 'metadata.json', 'model.json']);
    // model_web/ acceptance: the build's own check
    const { collectModels } = require(path.join(ROOT, 'webpack.config.js')) as { collectModels(dir: string): { name: string }[] };
    expect(collectModels(webDir).map((m) => m.name)).toEqual([tmId]);
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
  }, TIMEOUT);

  it('keeps the imports across a browser restart (same profile)', async () => {
    const listed = async (): Promise<string[]> => d.options.$$eval('#stored-models li[data-id] .model-name', (es) => es.map((e) => e.textContent ?? ''));
    const names = await listed();
    expect(names).toEqual(expect.arrayContaining(['TM import', 'TM via CLI', 'Spam filter (mine)']));
    await d.close();
    d = await launch(kind, profile);
    await ready(d.options);
    expect(await listed()).toEqual(names);
    const job = await classify(d, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: photoUrl() });
    expect(job.result?.model).toBe(`stored:${tmId}`);
    expectClose(job.result?.scores ?? [], tmScores);
  }, TIMEOUT);

  it('a stored model that fails to load at classification time names itself', async () => {
    const cli = (await storedModel(d.options, 'TM via CLI')) as { id: string };
    await useForRightClick(d.options, cli.id);
    // damage its stored weights (as a partly written or corrupted profile would)
    await d.options.evaluate((id: string) => new Promise<void>((resolve) => {
      const r = indexedDB.open('tensorlens-models');
      r.onsuccess = () => {
        const tx = r.result.transaction('files', 'readwrite');
        const st = tx.objectStore('files');
        const g = st.get(id);
        g.onsuccess = () => {
          const f = g.result as { shards: { name: string; data: ArrayBuffer }[] };
          st.put({ ...f, shards: f.shards.map((x) => ({ ...x, data: x.data.slice(0, 1000) })) });
        };
        tx.oncomplete = () => resolve();
      };
    }), cli.id);
    const job = await classify(d, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: photoUrl() });
    expect(job.phase).toBe('error');
    expect(job.error?.code).toBe('model-load-failed');
    expect(job.error?.message).toMatch(/^imported model "TM via CLI": /);
    await useForRightClick(d.options, tmId);
  }, TIMEOUT);

  it('deleting the model right-click uses falls back to the default and says so', async () => {
    await d.options.click(`#stored-models li[data-id="${tmId}"] button.delete`);
    await d.options.click(`#stored-models li[data-id="${tmId}"] button.delete.confirm`);
    await d.options.waitForFunction((id: string) => !document.querySelector(`#stored-models li[data-id="${id}"]`), { timeout: 30_000 }, tmId);
    expect(await d.options.$eval('#models-notice', (e) => e.textContent)).toMatch(/“TM import” was your image model: right-click now uses the default model/);
    const job = await classify(d, { menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: photoUrl() });
    expect(job.result?.model).toBe('nsfw-mobilenet-v2');
  }, TIMEOUT);

  it('replacing the model right-click uses (saving one of the same name) falls back to the default and says so', async () => {
    const old = (await storedModel(d.options, 'Spam filter (mine)')) as { id: string };
    await useForRightClick(d.options, old.id);
    await dropFiles(d.options, [SPAM_KERAS, SPAM_TOKENIZER, SPAM_LABELS]);
    expect(await waitStatus(d.options, ['ready', 'error'])).toBe('ready');
    await setName(d.options, 'Spam filter (mine)');
    expect(await save(d.options)).toBe('saved');
    expect(await d.options.$eval('#import-status', (e) => (e as HTMLElement).innerText)).toMatch(
      /“Spam filter \(mine\)” replaced the model of the same name\. “Spam filter \(mine\)” was your text model: right-click now uses the default model “Spam filter \(SpamAssassin\)”/,
    );
    const now = (await storedModel(d.options, 'Spam filter (mine)')) as { id: string };
    expect(now.id).not.toBe(old.id);
    expect(await d.options.$$eval('#stored-models li[data-id] .model-name', (es) => es.filter((e) => e.textContent === 'Spam filter (mine)').length)).toBe(1);
    const job = await classify(d, { menuItemId: MENU_TEXT, selectionText: (TEXTS as { spam: string }).spam });
    expect(job.result?.model).toBe('spam-assassin');
  }, TIMEOUT);

  it('a stored model that is gone when right-click runs: the default is used and the result says so', async () => {
    const spam = await storedModel(d.options, 'Spam filter (mine)');
    await setSettingsInPage(d.options, { textModel: `stored:${(spam as { id: string }).id}` });
    // removed behind the settings' back (another window, a cleared profile)
    await d.options.evaluate((id: string) => new Promise<void>((resolve) => {
      const r = indexedDB.open('tensorlens-models');
      r.onsuccess = () => {
        const tx = r.result.transaction(['models', 'files'], 'readwrite');
        tx.objectStore('models').delete(id);
        tx.objectStore('files').delete(id);
        tx.oncomplete = () => resolve();
      };
    }), (spam as { id: string }).id);
    const job = await classify(d, { menuItemId: MENU_TEXT, selectionText: (TEXTS as { spam: string }).spam });
    expect(job.result?.model).toBe('spam-assassin');
    expect(job.result?.notice).toMatch(/no longer installed, so the default model "Spam filter \(SpamAssassin\)" was used/);
  }, TIMEOUT);
});
