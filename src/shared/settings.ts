/**
 * User settings: their shape, defaults and validation. Stored in the extension's IndexedDB
 * (src/ext/db.ts), never in storage.local, which content scripts can read and write. Pure.
 */
import { BACKEND_SETTINGS, type BackendSetting } from './protocol';

export const HISTORY_LENGTHS = [10, 25, 50, 100] as const;

export interface Settings {
  imageModel: string;
  textModel: string;
  backend: BackendSetting;
  /** keep finished results in the history (never for private windows) */
  historyEnabled: boolean;
  historyLimit: number;
  /** show the top label on the toolbar button */
  badge: boolean;
  /** which right-click menu items exist */
  menus: { image: boolean; text: boolean };
  /**
   * Minutes without a classification after which the loaded models are released (Chrome closes
   * the offscreen document; Firefox disposes the models and backend memory). 0 = keep them.
   * Fractions allowed.
   */
  idleReleaseMinutes: number;
  /** WebAssembly threads for the model (0 = automatic: autoWasmThreads); only where threads can run (Chrome) */
  wasmThreads: number;
}

/** What the options page offers for wasmThreads (0 = automatic); more than the machine's cores are not offered. */
export const WASM_THREAD_CHOICES = [0, 1, 2, 4, 8] as const;

/**
 * Automatic wasm threads on a machine with `cores` logical cores: one core is left to the
 * browser and the page the user is on, at most 4. XNNPACK synchronises its threads at every
 * operator, so a thread that has to share its core stalls all of them: on this 2-core machine
 * 2 threads took ×0.68 of 1 thread's time when it was idle but ×3.6–4.4 longer while other work
 * ran (docs/benchmarks.md).
 */
export function autoWasmThreads(cores: number): number {
  return Math.max(1, Math.min(4, Math.floor(cores) - 1));
}

export function isWasmThreads(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 8;
}

export const DEFAULT_IDLE_RELEASE_MINUTES = 5;
/** What the options page offers (minutes; 0 = never). */
export const IDLE_RELEASE_CHOICES = [1, 5, 15, 30, 60, 0] as const;
/** The largest idle-release period the options page offers (one day). */
export const MAX_IDLE_RELEASE_MINUTES = 24 * 60;

/** The idle-release period of these settings in milliseconds (0 = never). */
export function idleReleaseMs(s: Pick<Settings, 'idleReleaseMinutes'>): number {
  return Math.round(s.idleReleaseMinutes * 60_000);
}

/** A stored idle-release value is usable: a finite number of minutes, 0 (never) up to one day. */
export function isIdleReleaseMinutes(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= MAX_IDLE_RELEASE_MINUTES;
}

export function defaultSettings(models: { image: string | null; text: string | null }): Settings {
  return {
    imageModel: models.image ?? '',
    textModel: models.text ?? '',
    backend: 'auto',
    historyEnabled: true,
    historyLimit: 50,
    badge: true,
    menus: { image: true, text: true },
    idleReleaseMinutes: DEFAULT_IDLE_RELEASE_MINUTES,
    wasmThreads: 0,
  };
}

const bool = (v: unknown, d: boolean): boolean => (typeof v === 'boolean' ? v : d);

/** Any stored value → valid settings: each field that is missing or wrong takes its default. */
export function normalizeSettings(raw: unknown, defaults: Settings): Settings {
  const s = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const menus = typeof s.menus === 'object' && s.menus !== null ? (s.menus as Record<string, unknown>) : {};
  const limit = s.historyLimit;
  return {
    imageModel: typeof s.imageModel === 'string' ? s.imageModel : defaults.imageModel,
    textModel: typeof s.textModel === 'string' ? s.textModel : defaults.textModel,
    backend: (BACKEND_SETTINGS as readonly unknown[]).includes(s.backend) ? (s.backend as BackendSetting) : defaults.backend,
    historyEnabled: bool(s.historyEnabled, defaults.historyEnabled),
    historyLimit: (HISTORY_LENGTHS as readonly unknown[]).includes(limit) ? (limit as number) : defaults.historyLimit,
    badge: bool(s.badge, defaults.badge),
    menus: { image: bool(menus.image, defaults.menus.image), text: bool(menus.text, defaults.menus.text) },
    idleReleaseMinutes: isIdleReleaseMinutes(s.idleReleaseMinutes) ? s.idleReleaseMinutes : defaults.idleReleaseMinutes,
    wasmThreads: isWasmThreads(s.wasmThreads) ? s.wasmThreads : defaults.wasmThreads,
  };
}
