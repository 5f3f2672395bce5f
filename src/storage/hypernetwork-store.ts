/**
 * Dropped hypernetwork files kept across reloads, in IndexedDB (a few MB to a few hundred MB each, stored as
 * Blobs so they are not held in memory). The cards are re-parsed from these bytes at startup.
 */
export interface StoredHypernetwork {
  key: string;
  fileName: string;
  /** the display name given by "Rename" (the `<hypernet:name>` tag name); null: the file stem */
  name: string | null;
  bytes: Blob;
  /** ms since the epoch: restores keep the drop order */
  addedAt: number;
}

/** What the hypernetwork actions need; tests pass an in-memory one. */
export interface HypernetworkLibrary {
  list(): Promise<StoredHypernetwork[]>;
  put(record: StoredHypernetwork): Promise<void>;
  rename(key: string, name: string | null): Promise<void>;
  remove(key: string): Promise<void>;
}

const DB_NAME = 'hypernetwork-studio';
const STORE = 'hypernetworks';

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'key' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function run<T>(db: IDBDatabase, mode: IDBTransactionMode, op: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const request = op(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(request.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export function indexedDbLibrary(): HypernetworkLibrary | null {
  if (typeof indexedDB === 'undefined') return null;
  let db: Promise<IDBDatabase> | null = null;
  const get = () => (db ??= openDb());
  return {
    async list() {
      const all = await run(await get(), 'readonly', (s) => s.getAll() as IDBRequest<StoredHypernetwork[]>);
      return all.sort((a, b) => a.addedAt - b.addedAt);
    },
    async put(record) {
      await run(await get(), 'readwrite', (s) => s.put(record));
    },
    async rename(key, name) {
      const d = await get();
      const record = await run(d, 'readonly', (s) => s.get(key) as IDBRequest<StoredHypernetwork | undefined>);
      if (record) await run(d, 'readwrite', (s) => s.put({ ...record, name }));
    },
    async remove(key) {
      await run(await get(), 'readwrite', (s) => s.delete(key));
    },
  };
}
