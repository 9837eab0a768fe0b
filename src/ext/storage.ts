/**
 * Typed access to extension state: the current job and badge expiry in storage.session (memory
 * only, trusted contexts), history and settings in the extension's IndexedDB (src/ext/db.ts).
 */
import browser from './browser';
import { onDbChanged, putHistory, readHistory, readValue, takeHistory, writeFailure, writeValue } from './db';
import type { ClassificationResult, HistoryErrorCode, JobState } from '../shared/protocol';
import { normalizeSettings, type Settings } from '../shared/settings';
import { isSafeThumbnail } from '../shared/safe-text';

interface SessionArea {
  get(keys: string | string[]): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string | string[]): Promise<void>;
  setAccessLevel?(o: { accessLevel: string }): Promise<void>;
}

// storage.session: Chrome 102+, Firefox 115+. Not in the polyfill's metadata, so typed here.
const session = (): SessionArea => (browser.storage as unknown as { session: SessionArea }).session;

/**
 * The job holds the latest result (thumbnail, selected text): keep it from content scripts.
 * Chrome's default is already trusted contexts only; saying so guards against a future default.
 */
export async function restrictSessionToExtension(): Promise<void> {
  await session().setAccessLevel?.({ accessLevel: 'TRUSTED_CONTEXTS' });
}

export async function getJob(): Promise<JobState | undefined> {
  return (await session().get('job')).job as JobState | undefined;
}

export async function setJob(job: JobState): Promise<void> {
  await session().set({ job });
}

/** Updates the job only if it is still the current one (a newer click wins). */
export async function patchJob(id: string, patch: Partial<JobState>): Promise<void> {
  const cur = await getJob();
  if (cur?.id === id) await session().set({ job: { ...cur, ...patch } });
}

export async function getBadgeExpiry(): Promise<number | undefined> {
  return (await session().get('badgeExpiresAt')).badgeExpiresAt as number | undefined;
}

export async function setBadgeExpiry(at: number | null): Promise<void> {
  if (at === null) await session().remove('badgeExpiresAt');
  else await session().set({ badgeExpiresAt: at });
}

export const getHistory = (): Promise<ClassificationResult[]> => readHistory();

/** Saves `r` in the history; on failure says why instead of throwing (null: saved). */
export async function addToHistory(r: ClassificationResult, limit: number): Promise<HistoryErrorCode | null> {
  try {
    await putHistory([r], limit);
    return null;
  } catch (e) {
    console.error('TensorLens: could not save the history entry', e);
    return writeFailure(e);
  }
}

/** Empties the history and returns what it held, so the popup can undo. */
export const clearHistory = (): Promise<ClassificationResult[]> => takeHistory();

export async function restoreHistory(items: ClassificationResult[], limit: number): Promise<void> {
  await putHistory(items, limit);
}

export async function getSettings(defaults: Settings): Promise<Settings> {
  return normalizeSettings(await readValue('settings'), defaults);
}

export async function setSettings(s: Settings): Promise<void> {
  await writeValue('settings', s, 'settings');
}

/** Calls `cb` with the names of what changed: 'job' (session), 'history', 'settings' (IndexedDB). */
export function onStateChanged(cb: (keys: string[]) => void): () => void {
  const listener = (changes: Record<string, unknown>, area: string): void => {
    if (area === 'session') cb(Object.keys(changes));
  };
  browser.storage.onChanged.addListener(listener);
  const stopDb = onDbChanged((what) => cb([what]));
  return () => {
    browser.storage.onChanged.removeListener(listener);
    stopDb();
  };
}

/**
 * Before this version, history and settings sat in storage.local, where pages' content scripts
 * could read and plant them. Move settings (validated) and history (only fields we show, only
 * thumbnails the extension made) into IndexedDB, then delete the old copies.
 */
export async function migrateFromStorageLocal(defaults: Settings): Promise<void> {
  const old = await browser.storage.local.get(['history', 'settings']);
  if (old.settings !== undefined) await setSettings(normalizeSettings(old.settings, defaults));
  if (Array.isArray(old.history)) {
    const items = (old.history as (ClassificationResult & { pageUrl?: unknown })[])
      .filter((r) => typeof r === 'object' && r !== null && typeof r.id === 'string' && typeof r.createdAt === 'number' && Array.isArray(r.scores))
      .map((r) => {
        const rest: ClassificationResult & { pageUrl?: unknown } = { ...r, thumbnail: isSafeThumbnail(r.thumbnail) ? r.thumbnail : undefined };
        delete rest.pageUrl; // page addresses were stored but never shown: not kept
        return rest;
      });
    if (items.length) await putHistory(items, defaults.historyLimit);
  }
  await browser.storage.local.remove(['history', 'settings']);
}
