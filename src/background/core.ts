/**
 * What the background does on a menu click, shared by the Chrome service worker and the Firefox
 * background page; they differ only in how they reach the model host (injected `host`).
 * All state that matters is in storage (the service worker may die between events).
 */
import browser, { type Menus, type Tabs } from '../ext/browser';
import { rpcClient, sendToTab } from '../ext/rpc';
import { addToHistory, getBadgeExpiry, getJob, getSettings, migrateFromStorageLocal, restrictSessionToExtension, setJob, setSettings } from '../ext/storage';
import { clearBadge, createMenus, setImageMenuVisible, showBadge, setBusyBadge } from '../ext/ui';
import { hasAllSites, syncContentScript } from '../ext/permissions';
import { listModels } from '../ext/model-store';
import { t } from '../ext/i18n';
import { AppError, toFailure, withTimeout } from '../shared/errors';
import { badgeColor, badgeText } from '../shared/badge';
import {
  MENU_IMAGE,
  MENU_TEXT,
  MODELS_INDEX_PATH,
  TOP_K,
  isRestrictedPage,
  parseCapturedImage,
  type CapturedImage,
  type ClassificationResult,
  type ContentApi,
  type HistoryErrorCode,
  type HostOutcome,
  type ImageSource,
  type JobState,
  type LoadProgress,
  type ModelHostApi,
  type ModelIndex,
  type TryRequest,
} from '../shared/protocol';
import { defaultSettings, idleReleaseMs, type Settings } from '../shared/settings';
import { isStoredModelName, withStoredModels } from '../shared/stored-model';
import { topK } from '../shared/postprocess';
import { serialQueue } from '../shared/serial';

/** Cold start (offscreen document + TF.js + model + warm-up) fits well inside this. */
const JOB_TIMEOUT_MS = 180_000;
const SELECTION_TIMEOUT_MS = 3_000;
const CAPTURE_TIMEOUT_MS = 15_000;

let indexPromise: Promise<ModelIndex> | null = null;

export function modelIndex(): Promise<ModelIndex> {
  indexPromise ??= fetch(browser.runtime.getURL(MODELS_INDEX_PATH))
    .then((r) => r.json() as Promise<ModelIndex>)
    .catch((e: unknown) => {
      indexPromise = null;
      throw new AppError('model-missing', `${MODELS_INDEX_PATH} is missing from the extension package (${String(e)})`);
    });
  return indexPromise;
}

export async function currentSettings(): Promise<Settings> {
  const index = await modelIndex();
  return getSettings(defaultSettings(index.defaults));
}

// Every job-state write is serialised, a new click's included: progress reports and results
// arrive concurrently, and a read-modify-write of the older job that straddled a newer click's
// write would put the older job back (the newer click's result was then never shown).
const inStateQueue = serialQueue();

function updateJob(id: string, patch: (cur: JobState) => Partial<JobState> | null): Promise<void> {
  return inStateQueue(async () => {
    const cur = await getJob();
    if (cur?.id !== id) return;
    const p = patch(cur);
    if (p) await setJob({ ...cur, ...p });
  });
}

// History is read-modify-write: serialise it too, so quick successive clicks lose nothing.
const inHistoryQueue = serialQueue();
function recordHistory(r: ClassificationResult, limit: number): Promise<HistoryErrorCode | null> {
  return inHistoryQueue(() => addToHistory(r, limit));
}

function contentClient(tabId: number, frameId: number | undefined): ContentApi {
  return rpcClient<ContentApi>('content', sendToTab(tabId, frameId));
}

/** Calls the page's content script, injecting it first when the tab predates the install. */
async function callContent<T>(tab: Tabs.Tab | undefined, frameId: number | undefined, fn: (c: ContentApi) => Promise<T>, timeoutMs: number): Promise<T> {
  if (tab?.id === undefined || tab.id < 0 || isRestrictedPage(tab.url)) throw new AppError('page-not-allowed', `extensions cannot read ${tab?.url ?? 'this page'}`);
  const c = contentClient(tab.id, frameId);
  try {
    return await withTimeout(fn(c), timeoutMs, 'reading the page');
  } catch (e) {
    if (e instanceof AppError && e.code !== 'internal') throw e;
    // "Receiving end does not exist": no content script in that frame yet.
    try {
      await browser.scripting.executeScript({
        target: frameId === undefined ? { tabId: tab.id } : { tabId: tab.id, frameIds: [frameId] },
        files: ['content.js'],
      });
    } catch {
      throw new AppError('page-not-allowed', `extensions cannot read ${tab.url ?? 'this page'}`);
    }
    return await withTimeout(fn(c), timeoutMs, 'reading the page');
  }
}

async function imageSource(info: Menus.OnClickData, tab: Tabs.Tab | undefined): Promise<ImageSource> {
  const src = info.srcUrl;
  // Plain image URLs are fetched by the extension itself (works cross-origin with host permissions).
  if (info.mediaType === 'image' && src && /^(https?|data):/i.test(src)) return { kind: 'url', url: src };
  // Everything else (video frames, canvas, blob: URLs, CSS backgrounds) only the page can read.
  const captured = parseCapturedImage(
    await callContent(tab, info.frameId, (c) => c.captureImage({ srcUrl: src, mediaType: info.mediaType }), CAPTURE_TIMEOUT_MS),
  );
  if (captured.kind === 'url') return { kind: 'url', url: captured.url };
  if (captured.kind === 'data-url') return { kind: 'data-url', dataUrl: captured.dataUrl, origin: info.pageUrl ?? '' };
  if (captured.reason === 'no-click') {
    // Injected after the click: without all-sites access there was no script to see the element.
    if (!(await hasAllSites())) throw new AppError('site-access-needed', 'which element was right-clicked is only known with access to all sites');
    throw new AppError('no-image', captured.message);
  }
  throw new AppError(captured.reason, captured.message);
}

/**
 * The pixels of the right-clicked <img> when it shows `url` completely; otherwise an error (never
 * other pixels, issue 8): the page's reason when access was refused, else `fetchError` itself.
 */
async function capturePixels(info: Menus.OnClickData, tab: Tabs.Tab | undefined, url: string, fetchError: AppError): Promise<ImageSource> {
  let captured: CapturedImage | null;
  try {
    captured = parseCapturedImage(
      await callContent(tab, info.frameId, (c) => c.captureImage({ srcUrl: url, mediaType: info.mediaType, pixels: true }), CAPTURE_TIMEOUT_MS),
    );
  } catch {
    captured = null;
  }
  if (captured?.kind === 'data-url') return { kind: 'data-url', dataUrl: captured.dataUrl, origin: info.pageUrl ?? '' };
  // Without all-sites access the extension may only read the clicked page's own origin.
  if (!sameOrigin(url, info.pageUrl) && !(await hasAllSites()))
    throw new AppError('site-access-needed', `${new URL(url).origin} is another site than the page`);
  if (!captured) throw fetchError;
  // Access refused (HTTP 401/403, fetchImage's message): the page's copy was the way in, so say
  // why it could not be used. Any other failure (404, network) stays the download error.
  if (!/^HTTP 40[13] /.test(fetchError.message)) throw fetchError;
  const why = captured.kind === 'none' ? captured.message : 'the page gave a URL instead of pixels';
  const refusal = captured.kind === 'none' && captured.reason !== 'no-image' && captured.reason !== 'no-click' ? captured.reason : 'page-image-not-shown';
  throw new AppError(refusal, `${fetchError.message}; ${why}`);
}

async function selectionText(info: Menus.OnClickData, tab: Tabs.Tab | undefined): Promise<string> {
  // Browsers truncate info.selectionText (Chrome ~ 150 chars in some paths); ask the page first.
  let full = '';
  try {
    full = await callContent(tab, info.frameId, (c) => c.getSelection(), SELECTION_TIMEOUT_MS);
  } catch {
    full = '';
  }
  const text = typeof full === 'string' && full.trim() ? full : (info.selectionText ?? '');
  if (!text.trim()) throw new AppError('empty-selection', 'nothing is selected');
  return text;
}

/**
 * Off the result path: fetches the thumbnail into the stored result, then records history
 * (`history` = the history length, null = not recorded). The result is already shown: a storage
 * failure here never turns it into an error; a history entry that could not be saved is said
 * beside the result (historyError).
 */
async function afterResult(h: ModelHostApi, outcome: HostOutcome, result: ClassificationResult, history: number | null): Promise<void> {
  const show = (): Promise<void> => updateJob(result.id, (cur) => (cur.result?.id === result.id ? { result } : null));
  try {
    const thumb = outcome.thumbnailKey === undefined ? undefined : await h.thumbnail(outcome.thumbnailKey).catch(() => undefined);
    if (thumb) {
      result.thumbnail = thumb;
      await show();
    }
  } catch (e) {
    console.error('TensorLens: could not store the thumbnail', e);
  }
  if (history === null) return;
  const failed = await recordHistory(result, history);
  if (!failed) return;
  result.historyError = failed;
  await show().catch((e: unknown) => console.error('TensorLens: could not say the history entry was not saved', e));
}

function sameOrigin(a: string, b: string | undefined): boolean {
  try {
    return b !== undefined && new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/** Packaged models plus the user's saved imports (read fresh: the options page may change them). */
async function allModels(): Promise<ModelIndex> {
  return withStoredModels(await modelIndex(), await listModels().catch(() => []));
}

export interface Background {
  onMenuClicked(info: Menus.OnClickData, tab: Tabs.Tab | undefined): Promise<JobState | undefined>;
  tryModel(req: TryRequest): Promise<HostOutcome>;
  reportProgress(p: LoadProgress): Promise<void>;
  onInstalledOrStartup(reason?: string): Promise<void>;
  /** settings or all-sites access changed: menus and the registered content script follow */
  refreshMenus(): Promise<void>;
  /** Chrome: a content script reports a trusted right-click */
  onRightClicked(onImage: boolean): Promise<void>;
  /** Firefox menus.onShown: should the image item show? */
  imageMenuVisible(contexts: string[], tabId: number | undefined, frameId: number | undefined): Promise<boolean>;
  onBadgeAlarm(): Promise<void>;
  tryExample(task: unknown, payload: unknown): Promise<void>;
}

/** A job whose background stopped (idle suspension, reload, crash) before it finished. */
const INTERRUPTED = 'the browser stopped the extension\'s background before the job finished (it was idle, reloaded or busy too long); right-click again';

/**
 * `dropOrphanedWork`: called when a new background finds a job an earlier one left unfinished,
 * whose work may still run where the model lives (Chrome's offscreen document outlives the
 * service worker) and would hold up the next click.
 */
export function createBackground(host: () => Promise<ModelHostApi>, dropOrphanedWork?: () => Promise<void>): Background {
  // Jobs run only inside the background that started them: a job still unfinished in storage
  // when a new background starts can never finish, so say so instead of "working" forever.
  const startedHere = new Set<string>();
  void getJob()
    .then(async (cur) => {
      if (!cur || startedHere.has(cur.id) || (cur.phase !== 'working' && cur.phase !== 'loading-model')) return;
      await updateJob(cur.id, (j) => (startedHere.has(j.id) ? null : { phase: 'error', progress: undefined, error: { code: 'internal', message: INTERRUPTED } }));
      await dropOrphanedWork?.();
    })
    .catch(() => undefined);

  async function onMenuClicked(info: Menus.OnClickData, tab: Tabs.Tab | undefined): Promise<JobState | undefined> {
    if (info.menuItemId !== MENU_IMAGE && info.menuItemId !== MENU_TEXT) return undefined;
    const task = info.menuItemId === MENU_IMAGE ? 'image' : 'text';
    const startedAt = Date.now();
    const t0 = performance.now();
    const id = `${startedAt.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    startedHere.add(id);
    let modelNameForJob = '';
    /** this click's job has been the current one (a newer click may have replaced it since) */
    let stored = false;
    try {
      const [index, settings] = await Promise.all([allModels(), currentSettings()]);
      let model = task === 'image' ? settings.imageModel : settings.textModel;
      let entry = index.models.find((m) => m.name === model && m.task === task);
      let notice: string | undefined;
      const fallback = index.models.find((m) => m.name === index.defaults[task] && m.task === task);
      if (!entry && isStoredModelName(model) && fallback) {
        // the imported model picked in settings was deleted: use the default, say so, and fix the setting
        notice = t(task === 'image' ? 'noticeImageModelGone' : 'noticeTextModelGone', fallback.displayName);
        model = fallback.name;
        entry = fallback;
        await setSettings({ ...settings, [task === 'image' ? 'imageModel' : 'textModel']: model });
      }
      modelNameForJob = model;
      await inStateQueue(() => setJob({ id, task, phase: 'working', startedAt, model }));
      stored = true;
      void setBusyBadge().catch(() => undefined);
      if (!entry)
        throw new AppError(task === 'image' ? 'model-missing' : 'text-model-missing', `no ${task} model "${model || '(none)'}" in ${MODELS_INDEX_PATH}`);

      let outcome: HostOutcome;
      let sourceUrl: string | undefined;
      let h: ModelHostApi;
      if (task === 'image') {
        const source = await imageSource(info, tab);
        sourceUrl = source.kind === 'url' && !source.url.startsWith('data:') ? source.url : undefined;
        h = await host();
        const classify = (src: ImageSource): Promise<HostOutcome> =>
          withTimeout(h.classifyImage({ model, backend: settings.backend, wasmThreads: settings.wasmThreads, source: src, idleReleaseMs: idleReleaseMs(settings) }), JOB_TIMEOUT_MS, 'classifying the image');
        try {
          outcome = await classify(source);
        } catch (e) {
          // The extension's fetch carries no page cookies, so images behind a login fail there;
          // the page has already loaded them, so read the right-clicked image's pixels instead.
          if (!(e instanceof AppError && e.code === 'image-fetch-failed' && sourceUrl)) throw e;
          outcome = await classify(await capturePixels(info, tab, sourceUrl, e));
        }
      } else {
        const text = await selectionText(info, tab);
        h = await host();
        outcome = await withTimeout(h.classifyText({ model, backend: settings.backend, wasmThreads: settings.wasmThreads, text, idleReleaseMs: idleReleaseMs(settings) }), JOB_TIMEOUT_MS, 'classifying the text');
      }
      const result: ClassificationResult = {
        id,
        task,
        model,
        modelName: entry.displayName,
        scores: topK(outcome.scores, TOP_K),
        backend: outcome.backend,
        timings: { ...outcome.timings, totalMs: performance.now() - t0 },
        createdAt: Date.now(),
        thumbnail: outcome.thumbnail,
        imageSize: outcome.imageSize,
        text: outcome.text,
        sourceUrl,
        ...(tab?.incognito ? { private: true } : {}),
        ...(notice ? { notice } : {}),
      };
      // The result is stored (and shown) first; the thumbnail and the history entry follow.
      await updateJob(id, () => ({ phase: 'done', result, progress: undefined }));
      const top = result.scores[0];
      if (top && settings.badge) await showBadge(badgeText(top.label), badgeColor(entry.labels.indexOf(top.label)));
      else await clearBadge();
      // Results from private windows are shown once and never written down.
      await afterResult(h, outcome, result, settings.historyEnabled && !tab?.incognito ? settings.historyLimit : null);
    } catch (e) {
      const f = toFailure(e);
      const error = { code: f.code, message: f.message };
      // A failure before the job was stored is shown as this click's job; after, only while it is still the current one.
      if (stored) await updateJob(id, () => ({ phase: 'error', error }));
      else await inStateQueue(() => setJob({ id, task, phase: 'error', startedAt, model: modelNameForJob, error }));
      await clearBadge().catch(() => undefined);
    }
    return getJob();
  }

  async function reportProgress(p: LoadProgress): Promise<void> {
    const cur = await getJob();
    if (!cur) return;
    await updateJob(cur.id, (j) =>
      j.model === p.model && (j.phase === 'working' || j.phase === 'loading-model')
        ? { phase: p.fraction < 1 ? 'loading-model' : 'working', progress: p.fraction }
        : null,
    );
  }

  async function refreshMenus(): Promise<void> {
    const [settings, allSites] = await Promise.all([currentSettings(), syncContentScript()]);
    await createMenus({ image: settings.menus.image, text: settings.menus.text, allSites });
  }

  async function onInstalledOrStartup(reason?: string): Promise<void> {
    await restrictSessionToExtension().catch(() => undefined);
    if (reason === 'update') await migrateFromStorageLocal(await currentSettings()).catch(() => undefined);
    await refreshMenus();
    await onBadgeAlarm();
    if (reason === 'install') await browser.tabs.create({ url: browser.runtime.getURL('welcome.html') });
  }

  async function onRightClicked(onImage: boolean): Promise<void> {
    // Page contexts are only offered with all-sites access, which is when content scripts report.
    await setImageMenuVisible(onImage);
  }

  async function imageMenuVisible(contexts: string[], tabId: number | undefined, frameId: number | undefined): Promise<boolean> {
    if (contexts.includes('image') || contexts.includes('video')) return true;
    if (tabId === undefined) return false;
    try {
      return await withTimeout(contentClient(tabId, frameId).hasImageAtClick(), 300, 'asking the page');
    } catch {
      return false;
    }
  }

  async function onBadgeAlarm(): Promise<void> {
    const at = await getBadgeExpiry();
    if (at === undefined || at <= Date.now()) await clearBadge();
  }

  /** The first-run page's samples go through the same handler as a right-click. */
  async function tryExample(task: unknown, payload: unknown): Promise<void> {
    if (typeof payload !== 'string' || payload.length > 2_000_000) throw new AppError('internal', 'bad example');
    if (task === 'image' && payload.startsWith('data:image/')) {
      await onMenuClicked({ menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl: payload, editable: false, frameId: 0 } as Menus.OnClickData, undefined);
    } else if (task === 'text') {
      await onMenuClicked({ menuItemId: MENU_TEXT, selectionText: payload, editable: false } as Menus.OnClickData, undefined);
    } else throw new AppError('internal', 'bad example');
  }

  /** The options page tries an import before saving it: the real host, nothing kept loaded. */
  async function tryModel(req: TryRequest): Promise<HostOutcome> {
    const settings = await currentSettings();
    const h = await host();
    return req.task === 'image'
      ? withTimeout(h.classifyImage({ model: req.model, backend: settings.backend, wasmThreads: settings.wasmThreads, source: { kind: 'data-url', dataUrl: req.dataUrl, origin: '' }, transient: true, idleReleaseMs: idleReleaseMs(settings) }), JOB_TIMEOUT_MS, 'trying the model')
      : withTimeout(h.classifyText({ model: req.model, backend: settings.backend, wasmThreads: settings.wasmThreads, text: req.text, transient: true, idleReleaseMs: idleReleaseMs(settings) }), JOB_TIMEOUT_MS, 'trying the model');
  }

  return { tryExample, tryModel, onMenuClicked, reportProgress, onInstalledOrStartup, refreshMenus, onRightClicked, imageMenuVisible, onBadgeAlarm };
}
