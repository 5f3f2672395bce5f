/**
 * The studio's settings kept across reloads (localStorage, a few hundred bytes), as A1111 keeps its UI state:
 * the form, the stack (files named by the SHA-256 of their bytes, so a restored library finds them again) and
 * the sweep. Anything unreadable is ignored field by field: a damaged or older record never breaks the page.
 */

export interface SavedStackEntry {
  sha256: string;
  enabled: boolean;
  strength: number;
}

export interface SavedSession {
  prompt: string;
  negativePrompt: string;
  sampler: string;
  steps: number;
  cfgScale: number;
  seed: number;
  randomSeed: boolean;
  width: number | null;
  height: number | null;
  batchCount: number;
  /** the model the size was chosen for: another model starts at its own default size */
  sizeModel: string | null;
  stack: SavedStackEntry[];
  sweepText: string;
}

const KEY = 'hnstudio.session.v1';

/** What the page can keep the session in; tests pass a map. */
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

/** Writes the session; false (with nothing thrown) when the browser refuses (full, disabled). */
export function saveSession(store: KeyValueStore, session: SavedSession): boolean {
  try {
    store.setItem(KEY, JSON.stringify(session));
    return true;
  } catch {
    return false;
  }
}

/** The kept session's readable fields (a partial record: the caller keeps its defaults for the rest). */
export function loadSession(store: KeyValueStore): Partial<SavedSession> {
  let raw: unknown;
  try {
    raw = JSON.parse(store.getItem(KEY) ?? 'null');
  } catch {
    return {};
  }
  if (!raw || typeof raw !== 'object') return {};
  const o = raw as Record<string, unknown>;
  const out: Partial<SavedSession> = {};
  const str = (k: 'prompt' | 'negativePrompt' | 'sampler' | 'sweepText') => typeof o[k] === 'string' && (out[k] = o[k] as string);
  const num = (k: 'steps' | 'cfgScale' | 'seed' | 'batchCount') => typeof o[k] === 'number' && Number.isFinite(o[k]) && (out[k] = o[k] as number);
  const size = (k: 'width' | 'height') => (o[k] === null || (typeof o[k] === 'number' && Number.isInteger(o[k]))) && (out[k] = o[k] as number | null);
  for (const k of ['prompt', 'negativePrompt', 'sampler', 'sweepText'] as const) str(k);
  for (const k of ['steps', 'cfgScale', 'seed', 'batchCount'] as const) num(k);
  for (const k of ['width', 'height'] as const) size(k);
  if (typeof o.randomSeed === 'boolean') out.randomSeed = o.randomSeed;
  if (typeof o.sizeModel === 'string' || o.sizeModel === null) out.sizeModel = o.sizeModel;
  if (Array.isArray(o.stack)) out.stack = o.stack.filter(isStackEntry);
  return out;
}

function isStackEntry(e: unknown): e is SavedStackEntry {
  const o = e as Partial<SavedStackEntry> | null;
  return !!o && typeof o.sha256 === 'string' && /^[0-9a-f]{64}$/.test(o.sha256) && typeof o.enabled === 'boolean' && typeof o.strength === 'number' && Number.isFinite(o.strength);
}
