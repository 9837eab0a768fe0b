/**
 * Models the user imported in the options page and the extension keeps in IndexedDB
 * (src/ext/model-store.ts), beside the packaged ones. Their model name is `stored:<id>`, so it
 * can never collide with a packaged folder name (kebab-case, no colon).
 */
import type { ModelTask } from './metadata';

export const STORED_PREFIX = 'stored:';

export const storedModelName = (id: string): string => `${STORED_PREFIX}${id}`;
export const isStoredModelName = (name: string): boolean => name.startsWith(STORED_PREFIX);
export const storedModelId = (name: string): string => name.slice(STORED_PREFIX.length);

/** The small listing record (what pickers and the models list show). */
export interface StoredModelInfo {
  id: string;
  displayName: string;
  task: ModelTask;
  labels: string[];
  createdAt: number;
  /** weight bytes stored */
  bytes: number;
  /** the file(s) it was imported from, for the list */
  source: string;
  /** a not-yet-saved import kept only while the user tries it; never listed */
  draft?: boolean;
}

/** Everything the model host needs to load a stored model (one IndexedDB record). */
export interface StoredModelFiles {
  id: string;
  /** metadata.json content */
  metadata: unknown;
  /** model.json content */
  modelJson: unknown;
  /** weight files in manifest order, named as in model.json */
  shards: { name: string; data: ArrayBuffer }[];
  /** vocab.json content for text models */
  vocab: unknown;
}

/** Size limits of the models section (each message names the limit it hit). */
export const IMPORT_LIMITS = {
  /** one dropped file */
  fileBytes: 512 * 1024 * 1024,
  /** the converted weights of one model */
  modelBytes: 256 * 1024 * 1024,
};

/** The packaged index with the saved imports appended (what every model picker lists). */
export function withStoredModels<T extends { models: { name: string; displayName: string; task: ModelTask; labels: string[]; path: string }[] }>(index: T, stored: StoredModelInfo[]): T {
  const extra = stored.filter((m) => !m.draft).map((m) => ({ name: storedModelName(m.id), displayName: m.displayName, task: m.task, labels: m.labels, path: '' }));
  return { ...index, models: [...index.models, ...extra] };
}
