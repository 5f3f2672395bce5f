/**
 * The session across reloads, as A1111 keeps its UI state: the form, the stack with its strengths and the sweep
 * settings in localStorage (`storage/session-store.ts`), the gallery in OPFS (`gallery.ts`), the hypernetwork
 * files in IndexedDB (`hypernetwork-keep.ts`). At startup the form comes back at once, the stack once the kept
 * files have been read again; from then on every change is written.
 */
import { browserKeyValueStore, readRecord, writeRecord, type KeyValueStore } from '../../storage/session-store.ts';
import { initialParams, type GenerationParams } from '../generation-types.ts';
import type { StackEntry } from '../stack-types.ts';
import { useStudio, type StudioState } from '../store.ts';
import { continueImageCounter } from './generation.ts';
import { restoreGallery } from './gallery.ts';
import { restoreHypernetworks } from './hypernetworks.ts';
import { syncStack } from './stack-sync.ts';

/** undefined: not asked yet; null: the browser keeps nothing (storage disabled) */
let kv: KeyValueStore | null | undefined;

/** Replaces localStorage (tests). */
export function setSessionStorage(next: KeyValueStore | null): void {
  kv = next;
}

function getKv(): KeyValueStore | null {
  if (kv === undefined) kv = browserKeyValueStore();
  return kv;
}

/** The record kept in localStorage: the form, the stack by file hash, the sweep. */
export interface SavedSession extends GenerationParams {
  /** the model the size was chosen for: another model starts at its own default size */
  sizeModel: string | null;
  stack: { sha256: string; enabled: boolean; strength: number }[];
  sweepText: string;
}

const KEY = 'hnstudio.session.v1';

const isString = (v: unknown) => typeof v === 'string';
const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const isSize = (v: unknown) => v === null || (typeof v === 'number' && Number.isInteger(v));
const isStackEntry = (e: unknown) => {
  const o = e as Partial<SavedSession['stack'][number]> | null;
  return !!o && typeof o.sha256 === 'string' && /^[0-9a-f]{64}$/.test(o.sha256) && typeof o.enabled === 'boolean' && isNumber(o.strength);
};

/** Each field's check: a damaged or older record is read field by field, the rest keeps its defaults. */
const FIELDS: { [K in keyof SavedSession]: (v: unknown) => boolean } = {
  prompt: isString,
  negativePrompt: isString,
  sampler: isString,
  steps: isNumber,
  cfgScale: isNumber,
  seed: isNumber,
  randomSeed: (v) => typeof v === 'boolean',
  width: isSize,
  height: isSize,
  batchCount: isNumber,
  batchSize: isNumber,
  scheduleType: isString,
  clipSkip: isNumber,
  ensd: isNumber,
  variationSeed: isNumber,
  variationStrength: isNumber,
  seedResizeWidth: isNumber,
  seedResizeHeight: isNumber,
  mode: (v) => v === 'txt2img' || v === 'img2img',
  denoisingStrength: isNumber,
  resizeMode: (v) => v === 'just-resize' || v === 'crop-and-resize' || v === 'resize-and-fill',
  hiresEnabled: (v) => typeof v === 'boolean',
  hiresUpscaler: isString,
  hiresSteps: isNumber,
  hiresDenoisingStrength: isNumber,
  hiresScale: isNumber,
  hiresResizeX: isNumber,
  hiresResizeY: isNumber,
  hiresSampler: isString,
  hiresScheduleType: isString,
  sizeModel: (v) => v === null || isString(v),
  stack: (v) => Array.isArray(v) && v.every(isStackEntry),
  sweepText: isString,
};

function parseSaved(raw: unknown): Partial<SavedSession> {
  if (!raw || typeof raw !== 'object') return {};
  const o = raw as Record<string, unknown>;
  return Object.fromEntries(Object.entries(FIELDS).flatMap(([key, ok]) => (ok(o[key]) ? [[key, o[key]]] : []))) as Partial<SavedSession>;
}

/** What is kept of the state now. */
export function sessionSnapshot(state: StudioState): SavedSession {
  const sha = (id: string) => state.hypernetworks.find((e) => e.id === id)?.sha256;
  return {
    ...state.generation.params,
    sizeModel: state.model.info?.name ?? state.generation.sizeModel,
    stack: state.stack.entries.flatMap((e) => {
      const sha256 = sha(e.id);
      return sha256 ? [{ sha256, enabled: e.enabled, strength: e.strength }] : [];
    }),
    sweepText: state.session.sweep.text,
  };
}

/**
 * Restores the kept session: the form at once (call before the model loads, so a kept size stays for the same
 * model), then the hypernetwork files, the stack and the gallery. From then on every change is kept. Resolves
 * when all is back; returns a function that stops keeping changes (tests).
 */
export async function restoreSession(): Promise<() => void> {
  const store = getKv();
  const saved = store ? parseSaved(readRecord(store, KEY)) : {};
  const { stack: savedStack, sweepText, sizeModel, ...form } = saved;
  // numbers out of range stay as typed: the engine says what a valid value is, as it does for typed ones
  useStudio.setState((s) => ({
    generation: { ...s.generation, params: { ...initialParams, ...s.generation.params, ...form }, sizeModel: sizeModel ?? s.generation.sizeModel },
    session: { ...s.session, sweep: { ...s.session.sweep, ...(sweepText === undefined ? {} : { text: sweepText }) } },
  }));
  const [, lastNumber] = await Promise.all([restoreHypernetworks(), restoreGallery()]);
  continueImageCounter(lastNumber);
  if (savedStack?.length) restoreStack(savedStack);
  return keepChanges();
}

/** The kept stack, by file hash, among the files read again (a file no longer kept is left out). */
function restoreStack(saved: NonNullable<SavedSession['stack']>): void {
  const state = useStudio.getState();
  const entries: StackEntry[] = saved.flatMap(({ sha256, enabled, strength }) => {
    const entry = state.hypernetworks.find((e) => e.sha256 === sha256 && e.status === 'ready');
    return entry ? [{ id: entry.id, enabled, strength }] : [];
  });
  useStudio.setState((s) => ({ stack: { ...s.stack, entries } }));
  void syncStack();
}

/** Writes the session whenever what is kept of it changes. */
function keepChanges(): () => void {
  const store = getKv();
  if (!store) return () => undefined;
  let last = '';
  const write = (state: StudioState) => {
    const snapshot = sessionSnapshot(state);
    const text = JSON.stringify(snapshot);
    if (text === last) return;
    last = text;
    writeRecord(store, KEY, snapshot);
  };
  write(useStudio.getState());
  return useStudio.subscribe(write);
}
