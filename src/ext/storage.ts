/** Typed access to extension storage: job state (session), history + settings (local). */
import browser from './browser';
import { HISTORY_LIMIT, isSettings, type ClassificationResult, type JobState, type Settings } from '../shared/protocol';

interface SessionArea {
  get(keys: string | string[]): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string | string[]): Promise<void>;
}

// storage.session: Chrome 102+, Firefox 115+. Not in the polyfill's metadata, so typed here.
const session = (): SessionArea => (browser.storage as unknown as { session: SessionArea }).session;

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

export async function getHistory(): Promise<ClassificationResult[]> {
  const h = (await browser.storage.local.get('history')).history;
  return Array.isArray(h) ? (h as ClassificationResult[]) : [];
}

export async function addToHistory(r: ClassificationResult): Promise<void> {
  const h = await getHistory();
  await browser.storage.local.set({ history: [r, ...h.filter((x) => x.id !== r.id)].slice(0, HISTORY_LIMIT) });
}

export async function clearHistory(): Promise<void> {
  await browser.storage.local.set({ history: [] });
}

export async function getSettings(defaults: Settings): Promise<Settings> {
  const s = (await browser.storage.local.get('settings')).settings;
  return isSettings(s) ? s : defaults;
}

export async function setSettings(s: Settings): Promise<void> {
  await browser.storage.local.set({ settings: s });
}

/** Calls `cb` whenever job, history or settings change. Returns an unsubscribe function. */
export function onStateChanged(cb: (keys: string[]) => void): () => void {
  const listener = (changes: Record<string, unknown>): void => cb(Object.keys(changes));
  browser.storage.onChanged.addListener(listener);
  return () => browser.storage.onChanged.removeListener(listener);
}
