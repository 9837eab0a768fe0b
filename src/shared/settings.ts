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
  };
}
