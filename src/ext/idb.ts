/**
 * Promise wrappers over IndexedDB, shared by the history/settings database (db.ts) and the model
 * store (model-store.ts). `toError` turns a failed request into the caller's own error type.
 */
export type IdbError = (e: DOMException | null, what: string) => Error;

const plainError: IdbError = (e, what) => e ?? new Error(`IndexedDB ${what} failed`);

export interface LazyDatabase {
  (): Promise<IDBDatabase>;
  /**
   * After a failed write: closes the connection so the next call opens a new one (Firefox refuses
   * every later write on a connection whose write hit the quota, with InvalidStateError).
   */
  reset(): void;
  /** Runs a write on the connection; when it fails, resets (above) and rethrows. */
  write<T>(fn: (db: IDBDatabase) => Promise<T>): Promise<T>;
}

/**
 * A database opened on first use (`upgrade` creates its stores). After a failed open, when
 * another context upgrades or deletes it, or when the browser closes it, the next call opens it again.
 */
export function lazyDatabase(name: string, version: number, upgrade: (db: IDBDatabase) => void, toError: IdbError = plainError): LazyDatabase {
  let opening: Promise<IDBDatabase> | null = null;
  const reset = (): void => {
    const was = opening;
    opening = null;
    void was?.then((db) => db.close(), () => undefined); // close() lets running transactions finish
  };
  const open = (): Promise<IDBDatabase> => {
    opening ??= new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(name, version);
      req.onupgradeneeded = () => upgrade(req.result);
      req.onsuccess = () => {
        const db = req.result;
        db.onversionchange = () => {
          db.close();
          opening = null;
        };
        // The browser closed it (Chromium does on an I/O error such as a full disk): reopen next time.
        db.onclose = () => {
          opening = null;
        };
        resolve(db);
      };
      req.onerror = () => reject(toError(req.error, 'open'));
    }).catch((e: unknown) => {
      opening = null;
      throw e;
    });
    return opening;
  };
  const write = async <T>(fn: (db: IDBDatabase) => Promise<T>): Promise<T> => {
    try {
      return await fn(await open());
    } catch (e) {
      reset();
      throw e;
    }
  };
  return Object.assign(open, { reset, write });
}

/**
 * Resolves when `tx` commits; rejects when it fails or aborts (quota, for example) with the
 * failing request's error (tx.error is only set once the abort follows).
 */
export function txDone(tx: IDBTransaction, toError: IdbError = plainError): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = (ev) => reject(toError(tx.error ?? (ev.target as IDBRequest | null)?.error ?? null, 'transaction'));
    tx.onabort = () => reject(toError(tx.error, 'transaction (aborted)'));
  });
}

export function idbRequest<T>(r: IDBRequest<T>, toError: IdbError = plainError): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(toError(r.error, 'request'));
  });
}
