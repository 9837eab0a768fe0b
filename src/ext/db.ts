/**
 * The extension's own IndexedDB: history and settings. Why not storage.local: content scripts
 * can read and write storage.local, so a compromised page process could read what the user
 * classified or plant entries. IndexedDB belongs to the extension's origin; content scripts run
 * in the page's origin and never see it. Changes are announced to the other extension contexts
 * (popup, options, background) over a BroadcastChannel, which is same-origin too.
 */
import type { ClassificationResult, HistoryErrorCode } from '../shared/protocol';
import { idbRequest, lazyDatabase, txDone } from './idb';

const DB_NAME = 'tensorlens';
const DB_VERSION = 1;
const HISTORY = 'history';
const KV = 'kv';
const CHANNEL = 'tensorlens-db';

export type DbChange = 'history' | 'settings';

const openDb = lazyDatabase(DB_NAME, DB_VERSION, (db) => {
  if (!db.objectStoreNames.contains(HISTORY)) db.createObjectStore(HISTORY, { keyPath: 'id' }).createIndex('createdAt', 'createdAt');
  if (!db.objectStoreNames.contains(KV)) db.createObjectStore(KV);
});
const done = (tx: IDBTransaction): Promise<void> => txDone(tx);

const request = <T>(r: IDBRequest<T>): Promise<T> => idbRequest(r);

function announce(what: DbChange): void {
  const ch = new BroadcastChannel(CHANNEL);
  ch.postMessage(what);
  ch.close();
}

/** Calls `cb` when another context (or this one) changes history or settings. */
export function onDbChanged(cb: (what: DbChange) => void): () => void {
  const ch = new BroadcastChannel(CHANNEL);
  ch.onmessage = (e: MessageEvent<unknown>) => {
    const what = e.data;
    if (what === 'history' || what === 'settings') cb(what);
  };
  return () => ch.close();
}

/** Newest first. */
export async function readHistory(): Promise<ClassificationResult[]> {
  const db = await openDb();
  const tx = db.transaction(HISTORY, 'readonly');
  const all = await request(tx.objectStore(HISTORY).index('createdAt').getAll() as IDBRequest<ClassificationResult[]>);
  return all.reverse();
}

/**
 * Adds (or replaces) entries, then keeps only the newest `limit`: one transaction, so a failed
 * write (a full storage) changes nothing, and rejects with the browser's error.
 */
export async function putHistory(items: ClassificationResult[], limit: number): Promise<void> {
  await openDb.write(async (db) => {
    const tx = db.transaction(HISTORY, 'readwrite');
    const committed = done(tx);
    const store = tx.objectStore(HISTORY);
    for (const r of items) store.put(r);
    const keys = store.index('createdAt').getAllKeys();
    // getAllKeys on an index returns primary keys in index (oldest first) order. Not awaited: a
    // failed put aborts the transaction, and its error (not this request's AbortError) is the reason.
    keys.onsuccess = () => {
      for (const k of keys.result.slice(0, Math.max(0, keys.result.length - limit))) store.delete(k);
    };
    await committed;
  });
  announce('history');
}

/** Less room left than this in the extension's storage counts as full. */
const FULL_MARGIN_BYTES = 1 << 20;

/**
 * Why a write failed: 'storage-full' when the browser says the quota is exceeded, or when the
 * storage is at its limit (with unlimitedStorage only the disk limits Chromium, and a full disk
 * fails its IndexedDB with a generic I/O error); otherwise 'storage-failed'.
 */
export async function writeFailure(e: unknown): Promise<HistoryErrorCode> {
  if (e instanceof DOMException && e.name === 'QuotaExceededError') return 'storage-full';
  const { quota, usage } = await navigator.storage.estimate().catch(() => ({ quota: undefined, usage: undefined }));
  return quota !== undefined && usage !== undefined && quota - usage < FULL_MARGIN_BYTES ? 'storage-full' : 'storage-failed';
}

/** Removes every entry and returns them (for undo). */
export async function takeHistory(): Promise<ClassificationResult[]> {
  const all = await openDb.write(async (db) => {
    const tx = db.transaction(HISTORY, 'readwrite');
    const store = tx.objectStore(HISTORY);
    const items = await request(store.getAll() as IDBRequest<ClassificationResult[]>);
    store.clear();
    await done(tx);
    return items;
  });
  announce('history');
  return all;
}

export async function readValue(key: string): Promise<unknown> {
  const db = await openDb();
  return request(db.transaction(KV, 'readonly').objectStore(KV).get(key) as IDBRequest<unknown>);
}

export async function writeValue(key: string, value: unknown, change: DbChange): Promise<void> {
  await openDb.write(async (db) => {
    const tx = db.transaction(KV, 'readwrite');
    tx.objectStore(KV).put(value, key);
    await done(tx);
  });
  announce(change);
}
