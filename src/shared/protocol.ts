/**
 * The one contract for every cross-context call (STYLE §2). Each receiver's API is an interface of
 * async methods; src/ext/rpc.ts gives senders a typed client and receivers a server. Messages
 * carry a `target`, and a listener ignores messages not addressed to it. Payloads are JSON-safe.
 */
import type { ErrorCode } from './errors';
import type { LabelScore } from './postprocess';
import type { ModelTask } from './metadata';

export type Target = 'background' | 'model-host' | 'content' | 'menus';

export type BackendName = 'wasm' | 'webgl' | 'cpu';
export type BackendSetting = 'auto' | BackendName;
export const BACKEND_SETTINGS: readonly BackendSetting[] = ['auto', 'wasm', 'webgl', 'cpu'];

/** Where the model host gets an image: a URL it fetches itself, or pixels the page captured. */
export type ImageSource = { kind: 'url'; url: string } | { kind: 'data-url'; dataUrl: string; origin: string };

export interface Timings {
  /** fetching + decoding the image, or reading the selection */
  acquireMs: number;
  preprocessMs: number;
  inferenceMs: number;
  /** click → result, measured by the background */
  totalMs: number;
  /** model load time when this job loaded the model (cold), else 0 */
  modelLoadMs: number;
}

export interface ImageJob {
  model: string;
  backend: BackendSetting;
  source: ImageSource;
  /** release the models (and in Chrome the offscreen document) after this long without a job; 0 = never */
  idleReleaseMs?: number;
  /** wasm threads (settings.wasmThreads; 0 or absent = automatic) */
  wasmThreads?: number;
  /** an import being tried before it is saved: not kept loaded afterwards */
  transient?: boolean;
}

export interface TextJob {
  model: string;
  backend: BackendSetting;
  text: string;
  idleReleaseMs?: number;
  wasmThreads?: number;
  transient?: boolean;
}

export interface HostOutcome {
  scores: LabelScore[];
  backend: BackendName;
  timings: Omit<Timings, 'totalMs'>;
  /** image jobs: small JPEG data URL made by the host; text jobs: absent */
  thumbnail?: string;
  /** image jobs: ask `thumbnail(thumbnailKey)` for it after the result is stored (off the result path) */
  thumbnailKey?: number;
  imageSize?: { width: number; height: number };
  /** text jobs */
  text?: { snippet: string; tokenCount: number; truncated: boolean; charsTruncated: boolean; inputChars: number };
}

/** Offscreen document (Chrome) or background page (Firefox). */
export interface ModelHostApi {
  classifyImage(job: ImageJob): Promise<HostOutcome>;
  classifyText(job: TextJob): Promise<HostOutcome>;
  /** The thumbnail of the image classified with that key, once; undefined when it is gone. */
  thumbnail(key: number): Promise<string | undefined>;
}

export interface LoadProgress {
  model: string;
  fraction: number;
}

/** What extension pages (popup, offscreen, test page) may ask the background. */
export interface BackgroundApi {
  reportProgress(p: LoadProgress): Promise<void>;
  /** Chrome: the offscreen document has been idle for the user's idle-release period. */
  hostIdle(): Promise<void>;
  /** settings were saved (menus follow); wakes the Chrome service worker */
  settingsChanged(): Promise<void>;
  /** first-run page: runs the real pipeline on its sample image (a data: URL) or sample text */
  tryExample(task: ModelTask, payload: string): Promise<void>;
  /** the options page's "try it" on a model being imported (stored as a draft) */
  tryModel(req: TryRequest): Promise<HostOutcome>;
}

export type TryRequest =
  | { task: 'image'; model: string; dataUrl: string }
  | { task: 'text'; model: string; text: string };

/** What the page offers (narrow: content scripts only answer the extension). */
export interface ContentApi {
  /** the full current selection (browsers truncate info.selectionText) */
  getSelection(): Promise<string>;
  /** the image the user right-clicked, when only the page can read it */
  captureImage(hint: CaptureHint): Promise<CapturedImage>;
  /** whether the last trusted right-click was on something the image item can classify */
  hasImageAtClick(): Promise<boolean>;
}

/** What a content script may tell the background (Chrome: so the image item shows only over images). */
export interface MenusApi {
  rightClicked(onImage: boolean): Promise<void>;
}

export interface CaptureHint {
  srcUrl?: string;
  mediaType?: string;
  /**
   * Read the pixels of the right-clicked <img> showing `srcUrl` (and nothing else): the fallback
   * when the extension's own fetch is refused (images behind a login need the page's cookies).
   */
  pixels?: boolean;
}

export type CapturedImage =
  | { kind: 'url'; url: string }
  | { kind: 'data-url'; dataUrl: string }
  | { kind: 'none'; reason: CaptureRefusal; message: string };

/** 'no-click': the script was injected after the right-click, so it cannot know the element. */
export type CaptureRefusal = 'no-image' | 'image-tainted' | 'image-unreadable' | 'page-image-not-shown' | 'no-click';
const CAPTURE_REFUSALS: readonly unknown[] = ['no-image', 'image-tainted', 'image-unreadable', 'page-image-not-shown', 'no-click'] satisfies CaptureRefusal[];

export interface RpcRequest {
  target: Target;
  method: string;
  args: unknown[];
}

export function isRpcRequest(m: unknown): m is RpcRequest {
  if (typeof m !== 'object' || m === null) return false;
  const r = m as Record<string, unknown>;
  return (r.target === 'background' || r.target === 'model-host' || r.target === 'content' || r.target === 'menus') &&
    typeof r.method === 'string' && Array.isArray(r.args);
}

// ---- What is stored (state lives in storage, STYLE §7) ----

export type JobPhase = 'loading-model' | 'working' | 'done' | 'error';

export interface ClassificationResult {
  id: string;
  task: ModelTask;
  model: string;
  modelName: string;
  scores: LabelScore[];
  backend: BackendName;
  timings: Timings;
  createdAt: number;
  thumbnail?: string;
  imageSize?: { width: number; height: number };
  /** the image URL the browser reported for the click (never the page's address) */
  sourceUrl?: string;
  text?: HostOutcome['text'];
  /** from a private window: shown once, never stored */
  private?: boolean;
  /** said beside the result, e.g. that the picked model is gone and the default was used */
  notice?: string;
  /** the result is shown but could not be saved in the history (only on the job, never in the history) */
  historyError?: HistoryErrorCode;
}

/** Why a result could not be saved in the history: the extension's storage is full, or another storage failure. */
export type HistoryErrorCode = 'storage-full' | 'storage-failed';

export interface JobState {
  id: string;
  task: ModelTask;
  phase: JobPhase;
  startedAt: number;
  model: string;
  /** 0..1 while the model loads */
  progress?: number;
  result?: ClassificationResult;
  error?: { code: ErrorCode; message: string };
}

export interface ModelIndexEntry {
  name: string;
  displayName: string;
  task: ModelTask;
  labels: string[];
  /** path of the model folder inside the extension, e.g. "models/nsfw-mobilenet-v2/" */
  path: string;
}

export interface ModelIndex {
  models: ModelIndexEntry[];
  defaults: { image: string | null; text: string | null };
}

export const MODELS_INDEX_PATH = 'models/index.json';
export const TOP_K = 5;

export const MENU_IMAGE = 'tensorlens-classify-image';
export const MENU_TEXT = 'tensorlens-classify-selection';

/** Validates a content script's capture reply (types don't exist on the wire, STYLE §4). */
export function parseCapturedImage(v: unknown): CapturedImage {
  if (typeof v !== 'object' || v === null) throw new Error('capture reply is not an object');
  const c = v as Record<string, unknown>;
  if (c.kind === 'url' && typeof c.url === 'string' && /^(https?|data):/i.test(c.url)) return { kind: 'url', url: c.url };
  if (c.kind === 'data-url' && typeof c.dataUrl === 'string' && c.dataUrl.startsWith('data:image/'))
    return { kind: 'data-url', dataUrl: c.dataUrl };
  if (c.kind === 'none' && CAPTURE_REFUSALS.includes(c.reason))
    return { kind: 'none', reason: c.reason as CaptureRefusal, message: typeof c.message === 'string' ? c.message : '' };
  throw new Error('capture reply has an unexpected shape');
}

/** The snippet shown in the popup and history for text results. */
export function snippet(text: string, max = 160): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}

/** Pages where extensions may not run content scripts. */
export function isRestrictedPage(url: string | undefined): boolean {
  if (!url) return false;
  return /^(chrome|chrome-extension|edge|about|moz-extension|view-source|devtools|chrome-search|resource):/i.test(url) ||
    /^https:\/\/(chromewebstore\.google\.com|chrome\.google\.com\/webstore|addons\.mozilla\.org)\//i.test(url);
}
