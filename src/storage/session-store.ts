/**
 * Small records kept across reloads in localStorage (the studio's settings: a few hundred bytes). Reading never
 * throws: a missing, damaged or unreadable record is `undefined`, and a refused write (storage full or disabled)
 * returns false.
 */

/** What the page can keep records in; tests pass a map. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function browserKeyValueStore(): KeyValueStore | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // storage disabled for this origin
  }
}

export function readRecord(store: KeyValueStore, key: string): unknown {
  try {
    return JSON.parse(store.getItem(key) ?? 'null') ?? undefined;
  } catch {
    return undefined;
  }
}

export function writeRecord(store: KeyValueStore, key: string, value: unknown): boolean {
  try {
    store.setItem(key, JSON.stringify(value));
    return true;
  } catch {
    return false;
  }
}
