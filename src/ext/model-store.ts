/**
 * The imported models, in the extension's IndexedDB (shared by every extension page, the Chrome
 * service worker and offscreen document, and the Firefox background page; `unlimitedStorage`
 * lifts the quota). Two stores: `models` holds the small listing records, `files` the model.json,
 * shards, metadata and vocabulary, so listing never reads weights. A save writes both in one
 * transaction: a failure (quota) leaves nothing behind.
 */
import { extensionUrl } from './browser';
import { idbRequest, lazyDatabase, txDone } from './idb';
import { MODELS_INDEX_PATH, type ModelIndex } from '../shared/protocol';
import { withStoredModels, type StoredModelFiles, type StoredModelInfo } from '../shared/stored-model';

const DB_NAME = 'tensorlens-models';
const DB_VERSION = 1;
const INFO = 'models';
const FILES = 'files';

/** Why a store call failed, as data the UI maps to a sentence. */
export class ModelStoreError extends Error {
  override name = 'ModelStoreError';
  constructor(
    readonly code: 'quota-exceeded' | 'not-found' | 'storage-failed',
    message: string,
  ) {
    super(message);
  }
}

function storeError(e: DOMException | null): ModelStoreError {
  if (e?.name === 'QuotaExceededError') return new ModelStoreError('quota-exceeded', `the browser refused to store the model: ${e.message}`);
  return new ModelStoreError('storage-failed', e ? `${e.name}: ${e.message}` : 'the model store failed');
}

const openDb = lazyDatabase(
  DB_NAME,
  DB_VERSION,
  (db) => {
    if (!db.objectStoreNames.contains(INFO)) db.createObjectStore(INFO, { keyPath: 'id' });
    if (!db.objectStoreNames.contains(FILES)) db.createObjectStore(FILES, { keyPath: 'id' });
  },
  storeError,
);
const done = (tx: IDBTransaction): Promise<void> => txDone(tx, storeError);
const request = <T>(r: IDBRequest<T>): Promise<T> => idbRequest(r, storeError);

/** Stores (or replaces) a model and its files atomically. */
export async function putModel(info: StoredModelInfo, files: StoredModelFiles): Promise<void> {
  // openDb.write: a write that hit the quota leaves Firefox's connection refusing writes
  await openDb.write(async (db) => {
    const tx = db.transaction([INFO, FILES], 'readwrite');
    const finished = done(tx);
    try {
      tx.objectStore(FILES).put(files);
      tx.objectStore(INFO).put(info);
    } catch (e) {
      tx.abort();
      await finished.catch(() => undefined);
      throw e instanceof DOMException ? storeError(e) : e;
    }
    await finished;
  });
}

/** Saved models (drafts excluded), oldest first. */
export async function listModels(): Promise<StoredModelInfo[]> {
  const db = await openDb();
  const all = await request(db.transaction(INFO).objectStore(INFO).getAll() as IDBRequest<StoredModelInfo[]>);
  return all.filter((m) => !m.draft).sort((a, b) => a.createdAt - b.createdAt);
}

export async function getModelInfo(id: string): Promise<StoredModelInfo | null> {
  const db = await openDb();
  return ((await request(db.transaction(INFO).objectStore(INFO).get(id))) as StoredModelInfo | undefined) ?? null;
}

export async function getModelFiles(id: string): Promise<StoredModelFiles | null> {
  const db = await openDb();
  return ((await request(db.transaction(FILES).objectStore(FILES).get(id))) as StoredModelFiles | undefined) ?? null;
}

/** Changes the display name (listing record and metadata.json together). */
export async function renameModel(id: string, displayName: string): Promise<void> {
  const db = await openDb();
  const tx = db.transaction([INFO, FILES], 'readwrite');
  const finished = done(tx);
  const info = (await request(tx.objectStore(INFO).get(id))) as StoredModelInfo | undefined;
  const files = (await request(tx.objectStore(FILES).get(id))) as StoredModelFiles | undefined;
  if (!info || !files) {
    tx.abort();
    await finished.catch(() => undefined);
    throw new ModelStoreError('not-found', `no stored model ${id}`);
  }
  tx.objectStore(INFO).put({ ...info, displayName });
  tx.objectStore(FILES).put({ ...files, metadata: { ...(files.metadata as object), displayName } });
  await finished;
}

export async function deleteModel(id: string): Promise<void> {
  const db = await openDb();
  const tx = db.transaction([INFO, FILES], 'readwrite');
  const finished = done(tx);
  tx.objectStore(INFO).delete(id);
  tx.objectStore(FILES).delete(id);
  await finished;
}

/** Removes drafts left by an options page that closed before saving. */
export async function deleteDrafts(): Promise<void> {
  const db = await openDb();
  const all = await request(db.transaction(INFO).objectStore(INFO).getAll() as IDBRequest<StoredModelInfo[]>);
  for (const m of all.filter((x) => x.draft)) await deleteModel(m.id);
}

/** Bytes used and available to this extension's origin, when the browser says. */
export async function storageEstimate(): Promise<{ usage: number; quota: number } | null> {
  const est = await navigator.storage?.estimate?.().catch(() => null);
  return est && typeof est.usage === 'number' && typeof est.quota === 'number' ? { usage: est.usage, quota: est.quota } : null;
}

/** The packaged models (models/index.json) plus the saved imports: what model pickers list. */
export async function loadModelIndex(): Promise<ModelIndex> {
  let index: ModelIndex = { models: [], defaults: { image: null, text: null } };
  try {
    index = (await (await fetch(extensionUrl(MODELS_INDEX_PATH))).json()) as ModelIndex;
  } catch {
    // the packaged index is missing: the imports are still listed; using a model reports it
  }
  return withStoredModels(index, await listModels().catch(() => []));
}
