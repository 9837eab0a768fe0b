/**
 * The options page's models section: import (drop or pick files → conversion worker → report and
 * form → try → save), and the saved models (use for right-click, rename, export, delete).
 * The converter runs only in the worker (convert-worker.js, started on the first import), so this
 * page stays light and responsive. Strings come from ./messages (one module, localisable).
 */
import { rpcClient, sendToRuntime } from '../../ext/rpc';
import { extensionUrl } from '../../ext/browser';
import { getSettings } from '../../ext/storage';
import { updateSettings } from '../settings-store';
import { refreshModelPickers } from '../pickers';
import { defaultSettings, type Settings } from '../../shared/settings';
import { textVocabFile } from '../../shared/metadata';
import {
  deleteDrafts, deleteModel, getModelFiles, listModels, loadModelIndex, ModelStoreError, putModel, renameModel, storageEstimate,
} from '../../ext/model-store';
import type { ModelMetadata, ModelTask } from '../../shared/metadata';
import type { ConvertedModel, ImagePreset, ImportMetaOptions, ImportReport, QuantChoice, WorkerReply, WorkerRequest } from '../../shared/model-import';
import { QUANT_CHOICES } from '../../shared/model-import';
import type { BackgroundApi, HostOutcome } from '../../shared/protocol';
import { IMPORT_LIMITS, storedModelName, type StoredModelInfo } from '../../shared/stored-model';
import { writeZip } from '../../shared/zip-writer';
import { h, type Child } from '../../shared/dom';
import { modelSlug, sortFiles, type DroppedFile, type SortedFiles } from './files';
import { errorMessageKey, msg, type MessageKey } from './messages';


const pct = (f: number): string => `${Math.round(f * 100)}%`;
const mb = (n: number): string => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${(n / 1024).toFixed(0)} kB`);
const shape = (s: (number | null)[]): string => `[${s.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
const randomId = (): string => Math.random().toString(36).slice(2, 8);

/** A failure with a code the page maps to a sentence, plus the detail the converter gave. */
class ImportError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Test builds let the e2e suite lower the limits and the free space (a full disk cannot be made here). */
interface TestOverrides {
  limits?: { fileBytes: number; modelBytes: number };
  freeBytes?: number;
}
const testOverrides = (): TestOverrides => (__TEST__ ? ((globalThis as { tensorlensTest?: TestOverrides }).tensorlensTest ?? {}) : {});

// ---------- the worker ----------

let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, { resolve: (r: WorkerReply) => void; onProgress?: (stage: string, f: number) => void }>();

function ensureWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(extensionUrl('convert-worker.js'));
  w.addEventListener('message', (e: MessageEvent<WorkerReply>) => {
    const p = pending.get(e.data.id);
    if (!p) return;
    if (e.data.type === 'progress') p.onProgress?.(e.data.stage, e.data.fraction);
    else {
      pending.delete(e.data.id);
      p.resolve(e.data);
    }
  });
  w.addEventListener('error', (e) => {
    for (const [id, p] of pending) p.resolve({ type: 'error', id, code: 'internal', message: e.message || 'the conversion worker failed' });
    pending.clear();
    worker = null;
  });
  worker = w;
  return w;
}

type Unsent<T> = T extends unknown ? Omit<T, 'id'> : never;

function ask(req: Unsent<WorkerRequest>, transfer: Transferable[] = [], onProgress?: (stage: string, f: number) => void): Promise<WorkerReply> {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, { resolve, onProgress });
    ensureWorker().postMessage({ ...req, id }, transfer);
  });
}

// ---------- the section ----------

const background = rpcClient<BackgroundApi>('background', sendToRuntime);

export function mountModelsSection(container: HTMLElement): void {
  const status = h('div', { id: 'import-status', 'aria-live': 'polite', 'data-state': 'idle' });
  const errorBox = h('div', { id: 'import-error', role: 'alert', hidden: '' });
  const fileInput = h('input', { type: 'file', id: 'model-files', multiple: '', 'aria-label': msg('chooseFiles') });
  const drop = h('div', { id: 'model-drop', class: 'drop', tabindex: '0' }, msg('dropHere'), ' ', h('label', { class: 'link' }, msg('chooseFiles'), fileInput));
  const form = h('form', { id: 'import-form', hidden: '' });
  const notice = h('p', { id: 'models-notice', 'aria-live': 'polite' });
  const list = h('ul', { id: 'stored-models' });
  container.replaceChildren(
    // inside the options page's "Models" card (section#models): no second landmark or id
    h('div', { class: 'models-import' },
      h('h3', {}, msg('modelsTitle')),
      h('p', { class: 'muted' }, msg('modelsIntro')),
      drop, status, errorBox, form,
      h('h3', {}, msg('listTitle')), notice, list),
  );

  /** the files of the current import and what the worker made of them */
  let current: { files: SortedFiles; report: ImportReport; quantize: QuantChoice } | null = null;

  function setStatus(state: string, text: string, fraction?: number): void {
    status.dataset.state = state;
    status.replaceChildren(h('span', { class: 'status-text' }, text));
    if (fraction !== undefined) status.append(h('progress', { max: '1', value: String(fraction) }));
  }

  function showError(code: string, detail: string): void {
    errorBox.hidden = false;
    errorBox.dataset.code = code;
    errorBox.replaceChildren(h('strong', { class: 'error-sentence' }, msg(errorMessageKey(code))), h('p', { class: 'error-detail' }, detail), h('p', { class: 'muted' }, msg('nothingStored')));
    setStatus('error', '');
  }

  function clearError(): void {
    errorBox.hidden = true;
    errorBox.dataset.code = '';
    errorBox.replaceChildren();
  }

  const stageKey: Record<string, MessageKey> = { reading: 'stageReading', writing: 'stageWriting', validating: 'stageValidating' };

  async function convert(files: SortedFiles, quantize: QuantChoice): Promise<void> {
    clearError();
    form.hidden = true;
    const first = files.model[0];
    if (!first) throw new ImportError('no-model-file', msg('needModelFile'));
    const limits = testOverrides().limits ?? IMPORT_LIMITS;
    setStatus('working', msg('stageStarting'), 0);
    const t0 = performance.now();
    // copies: the originals stay here for a re-conversion with another quantization
    const copy = (f: DroppedFile): DroppedFile => ({ name: f.name, bytes: f.bytes.slice(0) });
    const req = { type: 'convert' as const, files: files.model.map(copy), architecture: files.architecture ? copy(files.architecture) : undefined, quantize, limits };
    const reply = await ask(req, [...req.files.map((f) => f.bytes), ...(req.architecture ? [req.architecture.bytes] : [])], (stage, f) =>
      setStatus('working', msg(stageKey[stage] ?? 'stageWriting', pct(f)), f),
    );
    if (reply.type === 'error') throw new ImportError(reply.code, reply.message);
    if (reply.type !== 'converted') throw new ImportError('internal', 'unexpected reply from the converter');
    current = { files, report: reply.report, quantize };
    setStatus('ready', msg('converted', `${((performance.now() - t0) / 1000).toFixed(1)} s`));
    renderForm();
  }

  async function startImport(dropped: DroppedFile[]): Promise<void> {
    try {
      await convert(sortFiles(dropped), 'float32');
    } catch (e) {
      current = null;
      fail(e);
    }
  }

  function fail(e: unknown): void {
    if (e instanceof ImportError) showError(e.code, e.message);
    else if (e instanceof ModelStoreError) showError(e.code, e.message);
    else showError('internal', e instanceof Error ? e.message : String(e));
  }

  // ---------- form ----------

  function select(id: string, options: [string, string][], value: string): HTMLSelectElement {
    const s = h('select', { id }, ...options.map(([v, t]) => h('option', { value: v }, t)));
    s.value = value;
    return s;
  }

  function renderForm(): void {
    if (!current) return;
    const { report: r, files } = current;
    const bundled = r.bundledMetadata;
    const task: ModelTask = bundled?.task ?? (files.vocab ? 'text' : r.suggested.task);
    const labels = files.labels?.labels ?? bundled?.labels ?? [];
    const baseName = (files.model[0]?.name ?? 'model').replace(/\.[^.]+$/, '');
    const defaultName = bundled?.displayName ?? (baseName === 'keras_model' || baseName === 'model' ? (files.labels ? files.labels.labels.slice(0, 3).join(' / ') : baseName) : baseName);
    const warnings = r.warnings.length ? h('ul', { class: 'warnings' }, ...r.warnings.map((w) => h('li', {}, w))) : msg('reportNoWarnings');
    const dev = r.maxDeviation !== null && r.quantize !== 'float32' ? ` (${msg('reportDeviation', r.maxDeviation.toExponential(2))})` : '';
    const row = (k: MessageKey, v: Child, key: string): HTMLElement => h('div', { class: 'report-row', 'data-key': key }, h('dt', {}, msg(k)), h('dd', {}, v));
    const report = h('dl', { id: 'import-report' },
      row('reportFormat', `${r.format}${r.kerasVersion ? `, Keras ${r.kerasVersion}` : ''}, ${r.className}`, 'format'),
      row('reportLayers', String(r.layers), 'layers'),
      row('reportParams', r.params.toLocaleString('en'), 'params'),
      row('reportSize', `${mb(r.bytesBefore)} → ${mb(r.bytesAfter)} (${r.shardCount} shard${r.shardCount === 1 ? '' : 's'})`, 'size'),
      row('reportInput', shape(r.inputShape), 'input'),
      row('reportOutput', r.outputShapes.map((s) => shape(s)).join(' '), 'output'),
      row('reportQuant', `${r.quantize}${dev}`, 'quantization'),
      task === 'image' ? row('reportPreset', r.suggested.presetReason, 'preset') : null,
      row('reportWarnings', warnings, 'warnings'),
    );
    const nameIn = h('input', { id: 'import-name', type: 'text', value: defaultName, required: '', maxlength: '80' });
    const taskSel = select('import-task', [['image', msg('taskImage')], ['text', msg('taskText')]], task);
    const labelsIn = h('textarea', { id: 'import-labels', rows: String(Math.min(8, Math.max(3, labels.length))) });
    labelsIn.value = labels.join('\n');
    const presetSel = select('import-preset', [['zero-one', msg('presetZeroOne')], ['minus-one-one', msg('presetMinusOneOne')], ['raw', msg('presetRaw')]], r.suggested.preset);
    const resizeSel = select('import-resize', [['stretch', msg('resizeStretch')], ['letterbox', msg('resizeLetterbox')]], 'stretch');
    const quantSel = select('import-quant', QUANT_CHOICES.map((q) => [q, msg(q === 'float32' ? 'quantFloat32' : q === 'float16' ? 'quantFloat16' : 'quantUint8')]), current.quantize);
    const bundledText = bundled?.text;
    const padSel = select('import-padding', [['pre', 'pre'], ['post', 'post']], bundledText?.padding ?? 'pre');
    const truncSel = select('import-truncating', [['pre', 'pre'], ['post', 'post']], bundledText?.truncating ?? 'pre');
    const vocabInfo = h('span', { id: 'import-vocab' }, files.vocab ? msg('vocabWords', files.vocab.name, files.vocab.words) : bundled?.text ? 'vocab.json' : msg('vocabNone'));
    const imageFields = h('div', { class: 'image-fields' }, h('label', {}, msg('fieldPreset'), ' ', presetSel), h('label', {}, msg('fieldResize'), ' ', resizeSel));
    const textFields = h('div', { class: 'text-fields' }, h('div', {}, msg('fieldVocab'), ': ', vocabInfo), h('label', {}, msg('fieldPadding'), ' ', padSel), h('label', {}, msg('fieldTruncating'), ' ', truncSel));
    const showTask = (): void => {
      imageFields.hidden = taskSel.value !== 'image';
      textFields.hidden = taskSel.value !== 'text';
      tryImage.hidden = taskSel.value !== 'image';
      tryTextBox.hidden = taskSel.value !== 'text';
    };
    // try it
    const tryFile = h('input', { type: 'file', id: 'try-image', accept: 'image/*', 'aria-label': msg('tryImage') });
    const tryImage = h('label', { class: 'try-drop', id: 'try-image-drop' }, msg('tryImage'), ' ', tryFile);
    const tryText = h('textarea', { id: 'try-text', rows: '3', placeholder: msg('tryText') });
    const tryTextBtn = h('button', { type: 'button', id: 'try-text-button' }, msg('tryButton'));
    const tryTextBox = h('div', {}, tryText, tryTextBtn);
    const tryOut = h('div', { id: 'try-result', 'aria-live': 'polite' });
    const save = h('button', { type: 'submit', id: 'import-save' }, msg('save'));
    const discard = h('button', { type: 'button', id: 'import-discard' }, msg('cancel'));

    const metaOptions = (): ImportMetaOptions => {
      const t = taskSel.value as ModelTask;
      const displayName = nameIn.value.trim() || defaultName;
      const edited = labelsIn.value.trim() !== (bundled?.labels ?? []).join('\n') || t !== bundled?.task;
      return {
        task: t,
        name: modelSlug(displayName, randomId()),
        displayName,
        labels: labelsIn.value.split(/\r?\n/).map((l) => l.trim()).filter(Boolean),
        image: t === 'image' ? { preset: presetSel.value as ImagePreset, resize: resizeSel.value as 'stretch' | 'letterbox' } : undefined,
        text: t === 'text' && files.vocab ? { vocabText: files.vocab.text, vocabName: files.vocab.name, padding: padSel.value as 'pre' | 'post', truncating: truncSel.value as 'pre' | 'post' } : undefined,
        sourceName: files.model.map((f) => f.name).join(', '),
        keepBundled: Boolean(bundled) && !edited && !(t === 'text' && files.vocab),
      };
    };

    const finalize = async (): Promise<ConvertedModel> => {
      const meta = metaOptions();
      if (meta.task === 'text' && !meta.text && !meta.keepBundled) throw new ImportError('metadata', msg('vocabNone'));
      const reply = await ask({ type: 'finalize', meta });
      if (reply.type === 'error') throw new ImportError(reply.code === 'usage' ? 'metadata' : reply.code, reply.message);
      if (reply.type !== 'finalized') throw new ImportError('internal', 'unexpected reply from the converter');
      return reply.model;
    };

    const runTry = async (input: { dataUrl: string } | { text: string }): Promise<void> => {
      clearError();
      tryOut.dataset.state = 'working';
      tryOut.replaceChildren(msg('tryWorking'));
      const draftId = `draft-${randomId()}`;
      try {
        const model = await finalize();
        await store(draftId, model, true);
        const name = storedModelName(draftId);
        const out: HostOutcome = await background.tryModel('dataUrl' in input ? { task: 'image', model: name, dataUrl: input.dataUrl } : { task: 'text', model: name, text: input.text });
        tryOut.dataset.state = 'done';
        tryOut.dataset.scores = JSON.stringify(out.scores);
        tryOut.replaceChildren(h('ol', { class: 'scores' }, ...[...out.scores].sort((a, b) => b.probability - a.probability).slice(0, 5).map((s) => h('li', { 'data-label': s.label }, `${s.label}: ${(s.probability * 100).toFixed(1)}%`))));
      } catch (e) {
        tryOut.dataset.state = 'error';
        tryOut.replaceChildren(msg('errTry'));
        fail(e);
      } finally {
        await deleteModel(draftId).catch(() => undefined);
      }
    };
    tryFile.addEventListener('change', () => {
      const f = tryFile.files?.[0];
      if (f) void readDataUrl(f).then((dataUrl) => runTry({ dataUrl }));
    });
    tryImage.addEventListener('dragover', (e) => e.preventDefault());
    tryImage.addEventListener('drop', (e) => {
      e.preventDefault();
      e.stopPropagation();
      const f = e.dataTransfer?.files[0];
      if (f) void readDataUrl(f).then((dataUrl) => runTry({ dataUrl }));
    });
    tryTextBtn.addEventListener('click', () => void runTry({ text: tryText.value }));
    taskSel.addEventListener('change', showTask);
    quantSel.addEventListener('change', () => {
      if (!current) return;
      const files = current.files;
      void convert(files, quantSel.value as QuantChoice).catch((e: unknown) => fail(e));
    });
    discard.addEventListener('click', () => {
      current = null;
      form.hidden = true;
      form.replaceChildren();
      setStatus('idle', '');
    });
    form.onsubmit = (e) => {
      e.preventDefault();
      void saveImport();
    };

    async function saveImport(): Promise<void> {
      clearError();
      save.disabled = true;
      setStatus('working', msg('stageSaving'));
      try {
        const model = await finalize();
        const id = model.metadata.name;
        const replaced = (await listModels()).filter((m) => m.displayName === model.metadata.displayName && m.task === model.metadata.task);
        await store(id, model, false);
        let note = msg('saved', model.metadata.displayName);
        for (const old of replaced) {
          await deleteModel(old.id);
          const fell = await fallBackIfSelected(old);
          note += ` ${msg('replaced', model.metadata.displayName)}${fell ? ` ${fell}` : ''}`;
        }
        current = null;
        form.hidden = true;
        form.replaceChildren();
        setStatus('saved', note);
        await renderList();
      } catch (e) {
        fail(e);
      } finally {
        save.disabled = false;
      }
    }

    form.replaceChildren(
      h('h3', {}, msg('reportTitle')), report,
      h('label', {}, msg('fieldName'), ' ', nameIn),
      h('label', {}, msg('fieldTask'), ' ', taskSel),
      h('label', { class: 'labels' }, msg('fieldLabels'), labelsIn),
      imageFields, textFields,
      h('label', {}, msg('fieldQuant'), ' ', quantSel),
      h('fieldset', { id: 'try' }, h('legend', {}, msg('tryTitle')), tryImage, tryTextBox, tryOut),
      h('div', { class: 'actions' }, save, discard),
    );
    showTask();
    form.hidden = false;
  }

  /** Saves converted artifacts under `id` (a draft while trying); checks the free space first. */
  async function store(id: string, model: ConvertedModel, draft: boolean): Promise<void> {
    const bytes = model.shards.reduce((s, x) => s + x.data.byteLength, 0);
    const est = await storageEstimate();
    const free = testOverrides().freeBytes ?? (est ? est.quota - est.usage : Infinity);
    if (bytes > free) throw new ModelStoreError('quota-exceeded', `the model needs ${mb(bytes)} but the browser allows only ${mb(Math.max(0, free))} more for TensorLens`);
    const info: StoredModelInfo = {
      id,
      displayName: model.metadata.displayName,
      task: model.metadata.task,
      labels: model.metadata.labels,
      createdAt: Date.now(),
      bytes,
      source: typeof model.metadata.source?.convertedFrom === 'string' ? model.metadata.source.convertedFrom : '',
      ...(draft ? { draft: true } : {}),
    };
    await putModel(info, { id, metadata: { ...model.metadata, name: id }, modelJson: model.modelJson, shards: model.shards, vocab: model.vocab });
  }

  // ---------- saved models ----------

  /** When `m` was picked for right-click, goes back to the default; returns the sentence saying so. */
  async function fallBackIfSelected(m: StoredModelInfo): Promise<string | null> {
    const index = await loadModelIndex();
    const s = await getSettings(defaultSettings(index.defaults));
    const key = m.task === 'image' ? 'imageModel' : 'textModel';
    if (s[key] !== storedModelName(m.id)) return null;
    const def = index.defaults[m.task] ?? '';
    await updateSettings((cur) => ({ ...cur, [key]: def }));
    return msg('fellBack', m.displayName, m.task, index.models.find((x) => x.name === def)?.displayName ?? def);
  }

  async function currentSettings(): Promise<Settings> {
    const index = await loadModelIndex();
    return getSettings(defaultSettings(index.defaults));
  }

  async function renderList(): Promise<void> {
    void refreshModelPickers();
    const [models, s] = await Promise.all([listModels(), currentSettings()]);
    list.replaceChildren(
      ...models.map((m) => {
        const name = storedModelName(m.id);
        const inUse = s.imageModel === name || s.textModel === name;
        const li = h('li', { 'data-id': m.id, 'data-name': name, 'data-task': m.task, ...(inUse ? { 'data-in-use': 'true' } : {}) },
          h('strong', { class: 'model-name' }, m.displayName), ' ',
          h('span', { class: 'muted' }, `${m.task === 'image' ? msg('taskImage') : msg('taskText')} · ${m.labels.length} labels · ${mb(m.bytes)}`),
          inUse ? h('span', { class: 'badge' }, msg('listInUse')) : null,
          h('span', { class: 'actions' },
            inUse ? null : h('button', { type: 'button', class: 'use' }, msg('useForRightClick')),
            h('button', { type: 'button', class: 'rename' }, msg('rename')),
            h('button', { type: 'button', class: 'export' }, msg('exportZip')),
            h('button', { type: 'button', class: 'delete' }, msg('delete'))));
        li.querySelector('.use')?.addEventListener('click', () => void act(async () => {
          await updateSettings((cur) => ({ ...cur, [m.task === 'image' ? 'imageModel' : 'textModel']: name }));
          return null;
        }));
        li.querySelector('.rename')?.addEventListener('click', () => {
          // inline, not prompt(): a native dialog blocks the page and cannot be localised
          const input = h('input', { type: 'text', class: 'rename-input', value: m.displayName, 'aria-label': msg('renamePrompt', m.displayName), maxlength: '80' });
          const ok = h('button', { type: 'button', class: 'rename-save' }, msg('rename'));
          li.replaceChildren(input, ok);
          input.focus();
          ok.addEventListener('click', () => void act(async () => {
            const n = input.value.trim();
            if (!n || n === m.displayName) return null;
            await renameModel(m.id, n);
            return msg('renamed', n);
          }));
        });
        li.querySelector('.export')?.addEventListener('click', () => void act(async () => {
          download(await exportZip(m.id), `${m.id}.zip`);
          return null;
        }));
        const del = li.querySelector<HTMLButtonElement>('.delete');
        del?.addEventListener('click', () => {
          // first click asks, second click deletes
          if (!del.classList.contains('confirm')) {
            del.classList.add('confirm');
            del.textContent = msg('deleteConfirm', m.displayName);
            return;
          }
          void act(async () => {
            await deleteModel(m.id);
            const fell = await fallBackIfSelected(m);
            return `${msg('deleted', m.displayName)}${fell ? ` ${fell}` : ''}`;
          });
        });
        return li;
      }),
    );
    if (models.length === 0) list.append(h('li', { class: 'muted empty' }, msg('listEmpty')));
    list.dataset.count = String(models.length);
  }

  async function act(fn: () => Promise<string | null>): Promise<void> {
    try {
      const said = await fn();
      if (said !== null) notice.textContent = said;
    } catch (e) {
      notice.textContent = e instanceof Error ? e.message : String(e);
    }
    await renderList();
  }

  // ---------- input ----------

  const take = (fl: FileList | null | undefined): void => {
    if (!fl || fl.length === 0) return;
    void Promise.all([...fl].map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() }))).then(startImport);
  };
  fileInput.addEventListener('change', () => {
    take(fileInput.files);
    fileInput.value = '';
  });
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    take(e.dataTransfer?.files);
  });

  void deleteDrafts().catch(() => undefined).then(() => renderList()).then(() => {
    container.dataset.ready = 'true';
  });
}

function readDataUrl(f: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(typeof r.result === 'string' ? r.result : '');
    r.onerror = () => reject(r.error ?? new Error('could not read the image'));
    r.readAsDataURL(f);
  });
}

/** The export a CLI, model_web/ and another TensorLens accept: model.json, shards, metadata.json, vocab.json. */
export async function exportZip(id: string): Promise<Blob> {
  const files = await getModelFiles(id);
  if (!files) throw new ModelStoreError('not-found', `no stored model ${id}`);
  const enc = new TextEncoder();
  const meta = files.metadata as ModelMetadata;
  const entries = [
    { name: 'model.json', data: enc.encode(JSON.stringify(files.modelJson)) },
    ...files.shards.map((s) => ({ name: s.name, data: new Uint8Array(s.data) })),
    { name: 'metadata.json', data: enc.encode(`${JSON.stringify(meta, null, 2)}\n`) },
    ...(files.vocab ? [{ name: meta.text ? textVocabFile(meta.text) : 'vocab.json', data: enc.encode(JSON.stringify(files.vocab)) }] : []),
  ];
  return new Blob([writeZip(entries) as Uint8Array<ArrayBuffer>], { type: 'application/zip' });
}

function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: '' });
  document.body.append(a);
  a.click();
  a.remove();
  // test builds keep the URL so the e2e suite can read the exported bytes
  if (__TEST__) document.body.dataset.lastExport = url;
  else setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
