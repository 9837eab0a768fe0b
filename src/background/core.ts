/**
 * What the background does on a menu click, shared by the Chrome service worker and the Firefox
 * background page; they differ only in how they reach the model host (injected `host`).
 * All state that matters is in storage (the service worker may die between events).
 */
import browser, { type Menus, type Tabs } from '../ext/browser';
import { rpcClient, sendToTab } from '../ext/rpc';
import { addToHistory, getJob, getSettings, setJob } from '../ext/storage';
import { clearBadge, createMenus, showBadge, setBusyBadge } from '../ext/ui';
import { getBadgeExpiry } from '../ext/storage';
import { AppError, toFailure, withTimeout } from '../shared/errors';
import { badgeColor, badgeText } from '../shared/badge';
import {
  MENU_IMAGE,
  MENU_TEXT,
  MODELS_INDEX_PATH,
  TOP_K,
  isRestrictedPage,
  parseCapturedImage,
  type ClassificationResult,
  type ContentApi,
  type HostOutcome,
  type ImageSource,
  type JobState,
  type LoadProgress,
  type ModelHostApi,
  type ModelIndex,
  type Settings,
  idleReleaseMs,
} from '../shared/protocol';
import { topK } from '../shared/postprocess';

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
  return getSettings({ imageModel: index.defaults.image ?? '', textModel: index.defaults.text ?? '', backend: 'auto' });
}

// Job-state writes are serialised: progress reports and results arrive concurrently.
let stateQueue: Promise<unknown> = Promise.resolve();
function updateJob(id: string, patch: (cur: JobState) => Partial<JobState> | null): Promise<void> {
  const run = stateQueue.then(async () => {
    const cur = await getJob();
    if (cur?.id !== id) return;
    const p = patch(cur);
    if (p) await setJob({ ...cur, ...p });
  });
  stateQueue = run.catch(() => undefined);
  return run;
}

// History is read-modify-write: serialise it too, so quick successive clicks lose nothing.
let historyQueue: Promise<unknown> = Promise.resolve();
function recordHistory(r: ClassificationResult): Promise<void> {
  const run = historyQueue.then(() => addToHistory(r));
  historyQueue = run.catch(() => undefined);
  return run;
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
  throw new AppError(captured.reason, captured.message);
}

/** The pixels of the page's own <img> for `url`, or null when the page cannot give them either. */
async function capturePixels(info: Menus.OnClickData, tab: Tabs.Tab | undefined, url: string): Promise<ImageSource | null> {
  try {
    const captured = parseCapturedImage(
      await callContent(tab, info.frameId, (c) => c.captureImage({ srcUrl: url, mediaType: info.mediaType, pixels: true }), CAPTURE_TIMEOUT_MS),
    );
    return captured.kind === 'data-url' ? { kind: 'data-url', dataUrl: captured.dataUrl, origin: info.pageUrl ?? '' } : null;
  } catch {
    return null;
  }
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

/** Off the result path: fetches the thumbnail into the stored result, then records history. */
async function afterResult(h: ModelHostApi, outcome: HostOutcome, result: ClassificationResult): Promise<void> {
  try {
    const thumb = outcome.thumbnailKey === undefined ? undefined : await h.thumbnail(outcome.thumbnailKey).catch(() => undefined);
    if (thumb) {
      result.thumbnail = thumb;
      await updateJob(result.id, (cur) => (cur.result?.id === result.id ? { result } : null));
    }
    await recordHistory(result);
  } catch (e) {
    // The result is already shown; a storage failure here must not turn it into an error.
    console.error('TensorLens: could not store the thumbnail or history entry', e);
  }
}

export interface Background {
  onMenuClicked(info: Menus.OnClickData, tab: Tabs.Tab | undefined): Promise<JobState | undefined>;
  reportProgress(p: LoadProgress): Promise<void>;
  onInstalledOrStartup(): Promise<void>;
  onBadgeAlarm(): Promise<void>;
}

export function createBackground(host: () => Promise<ModelHostApi>): Background {
  async function onMenuClicked(info: Menus.OnClickData, tab: Tabs.Tab | undefined): Promise<JobState | undefined> {
    if (info.menuItemId !== MENU_IMAGE && info.menuItemId !== MENU_TEXT) return undefined;
    const task = info.menuItemId === MENU_IMAGE ? 'image' : 'text';
    const startedAt = Date.now();
    const t0 = performance.now();
    const id = `${startedAt.toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    let modelNameForJob = '';
    try {
      const [index, settings] = await Promise.all([modelIndex(), currentSettings()]);
      const model = task === 'image' ? settings.imageModel : settings.textModel;
      modelNameForJob = model;
      await setJob({ id, task, phase: 'working', startedAt, model });
      void setBusyBadge().catch(() => undefined);
      const entry = index.models.find((m) => m.name === model && m.task === task);
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
          withTimeout(h.classifyImage({ model, backend: settings.backend, source: src, idleReleaseMs: idleReleaseMs(settings) }), JOB_TIMEOUT_MS, 'classifying the image');
        try {
          outcome = await classify(source);
        } catch (e) {
          // The extension's fetch carries no page cookies, so images behind a login fail there;
          // the page has already loaded them, so read its pixels instead (same-origin or CORS).
          const pagePixels = e instanceof AppError && e.code === 'image-fetch-failed' && sourceUrl ? await capturePixels(info, tab, sourceUrl) : null;
          if (!pagePixels) throw e;
          outcome = await classify(pagePixels);
        }
      } else {
        const text = await selectionText(info, tab);
        h = await host();
        outcome = await withTimeout(h.classifyText({ model, backend: settings.backend, text, idleReleaseMs: idleReleaseMs(settings) }), JOB_TIMEOUT_MS, 'classifying the text');
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
        pageUrl: info.pageUrl,
      };
      // The result is stored (and shown) first; the thumbnail and the history entry follow.
      await updateJob(id, () => ({ phase: 'done', result, progress: undefined }));
      const top = result.scores[0];
      if (top) await showBadge(badgeText(top.label), badgeColor(entry.labels.indexOf(top.label)));
      await afterResult(h, outcome, result);
    } catch (e) {
      const f = toFailure(e);
      const cur = await getJob();
      if (cur?.id === id) await updateJob(id, () => ({ phase: 'error', error: { code: f.code, message: f.message } }));
      else await setJob({ id, task, phase: 'error', startedAt, model: modelNameForJob, error: { code: f.code, message: f.message } });
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

  async function onInstalledOrStartup(): Promise<void> {
    await createMenus();
    await onBadgeAlarm();
  }

  async function onBadgeAlarm(): Promise<void> {
    const at = await getBadgeExpiry();
    if (at === undefined || at <= Date.now()) await clearBadge();
  }

  return { onMenuClicked, reportProgress, onInstalledOrStartup, onBadgeAlarm };
}
