/**
 * The top-level dict of a hypernetwork file → metadata with A1111's `load()` defaults (docs §2.5, §3.2),
 * and the per-width (K, V) state dicts. Only keys whose Python type is exactly `int` are widths.
 */
import { StudioError } from '../errors.ts';
import { PyDict, PyFloat, PyTuple, type PyValue } from '../formats/pickle.ts';
import { describePyValue } from '../formats/py-describe.ts';
import type { HypernetworkMeta } from './types.ts';

export interface RawModules {
  /** width → [K state dict, V state dict] in file order */
  readonly widths: ReadonlyMap<number, readonly [PyDict, PyDict]>;
  /** str keys that look like widths ("768"): ComfyUI would use them, A1111 ignores them */
  readonly ignoredStringWidths: string[];
  readonly hasOptimizerState: boolean;
}

/** The largest width any real model has is 2048 (SDXL text); leave ample room but refuse nonsense. */
const MAX_WIDTH = 1 << 16;
/**
 * Entries of `layer_structure`: A1111's UI offers a handful (`1, 2, 1` … `1, 1.5, 1.5, 1.5, 1`); 64 is far
 * beyond any trained file and keeps layouts, messages and checks small.
 */
export const MAX_LAYER_STRUCTURE = 64;
/** A layer_structure multiplier above this makes every layer wider than any GPU holds (1280 × 64 = 81,920). */
export const MAX_LAYER_MULTIPLIER = 64;

function invalid(msg: string): never {
  throw new StudioError('invalid-metadata', msg);
}

function fileStem(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** Python truthiness for the flags A1111 tests with `if flag:`. */
function truthy(v: PyValue | undefined, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'bigint') return v !== 0n;
  if (v instanceof PyFloat) return v.value !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

function num(v: PyValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof PyFloat) return v.value;
  return undefined;
}

function numberList(v: PyValue | undefined, key: string): number[] | undefined {
  if (v === undefined || v === null) return undefined;
  const items = Array.isArray(v) ? v : v instanceof PyTuple ? v.items : invalid(`${key} is ${describePyValue(v)}, not a list of numbers.`);
  if (items.length > MAX_LAYER_STRUCTURE) invalid(`${key} has ${items.length} entries; hypernetworks have a handful (at most ${MAX_LAYER_STRUCTURE} are read).`);
  return items.map((x, i) => num(x) ?? invalid(`${key} entry ${i} is ${describePyValue(x)}, not a number.`));
}

function optionalText(v: PyValue | undefined): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return null;
}

/** A1111's `parse_dropout_structure` for files written before `dropout_structure` existed. */
export function deriveDropoutStructure(layerStructure: readonly number[], useDropout: boolean, lastLayerDropout: boolean): number[] {
  if (!useDropout) return layerStructure.map(() => 0);
  return [0, ...Array<number>(Math.max(0, layerStructure.length - 3)).fill(0.3), lastLayerDropout ? 0.3 : 0, 0];
}

function describeTopLevel(root: PyValue): string {
  if (root instanceof PyDict) {
    const keys: string[] = [];
    for (const { key } of root.entries()) {
      if (keys.length === 6) break;
      keys.push(typeof key === 'string' ? (key.length > 40 ? `${key.slice(0, 40)}…` : key) : describePyValue(key));
    }
    return keys.length ? `a dict with keys ${keys.join(', ')}${root.size > 6 ? ', …' : ''}` : 'an empty dict';
  }
  return describePyValue(root);
}

function asStateDict(v: PyValue | undefined, where: string): PyDict {
  if (!(v instanceof PyDict)) {
    throw new StudioError('not-a-hypernetwork', `Width ${where} is ${describePyValue(v)}, not a state dict; this is not an A1111 hypernetwork.`);
  }
  return v;
}

/** Splits the top-level dict into module state dicts and normalized metadata. */
export function readTopLevel(root: PyValue, fileName: string): { meta: HypernetworkMeta; modules: RawModules } {
  if (!(root instanceof PyDict)) {
    throw new StudioError('not-a-hypernetwork', `This PyTorch file holds ${describeTopLevel(root)}, not a hypernetwork (a dict keyed by widths such as 768, 320, 640, 1280).`);
  }
  const widths = new Map<number, readonly [PyDict, PyDict]>();
  const ignoredStringWidths: string[] = [];
  for (const { key, value } of root.entries()) {
    if (typeof key === 'string' && /^\d+$/.test(key)) ignoredStringWidths.push(key);
    if (typeof key !== 'number' && typeof key !== 'bigint') continue; // bool and float keys are not widths
    const width = Number(key);
    if (!Number.isSafeInteger(width) || width <= 0 || width > MAX_WIDTH) invalid(`Width key ${key} is not a plausible attention width.`);
    const pair = value instanceof PyTuple ? value.items : Array.isArray(value) ? value : null;
    if (!pair || pair.length < 2) throw new StudioError('not-a-hypernetwork', `Width ${width} does not hold a (K, V) pair of state dicts.`);
    widths.set(width, [asStateDict(pair[0], `${width} K`), asStateDict(pair[1], `${width} V`)]);
  }
  if (widths.size === 0) {
    throw new StudioError('not-a-hypernetwork', `This PyTorch file holds ${describeTopLevel(root)}, not a hypernetwork: no width keys (768, 320, 640, 1280, …) were found.`);
  }

  const get = (k: string): PyValue | undefined => root.get(k);
  const layerStructure = numberList(get('layer_structure'), 'layer_structure') ?? [1, 2, 1];
  if (layerStructure.length < 2 || layerStructure[0] !== 1 || layerStructure[layerStructure.length - 1] !== 1) {
    invalid(`layer_structure [${layerStructure.join(', ')}] must start and end with 1.`);
  }
  if (layerStructure.some((x) => !(x > 0) || !(x <= MAX_LAYER_MULTIPLIER))) {
    invalid(`layer_structure [${layerStructure.join(', ')}] must hold positive numbers up to ${MAX_LAYER_MULTIPLIER}.`);
  }

  const act = get('activation_func');
  if (act !== undefined && act !== null && typeof act !== 'string') invalid(`activation_func is ${describePyValue(act)}, not a string.`);
  const storedDropout = numberList(get('dropout_structure'), 'dropout_structure');
  const useDropout = storedDropout !== undefined && storedDropout.some((p) => p !== 0) ? true : truthy(get('use_dropout'), false);
  const lastLayerDropout = truthy(get('last_layer_dropout'), false);
  const dropoutStructure = storedDropout ?? deriveDropoutStructure(layerStructure, useDropout, lastLayerDropout);
  if (dropoutStructure.length < layerStructure.length) {
    invalid(`dropout_structure has ${dropoutStructure.length} entries but layer_structure needs ${layerStructure.length}.`);
  }
  // A1111 skips a Dropout for p <= 0, so NaN or a negative p would load there as "no dropout": almost
  // certainly a damaged file, and torch's own Dropout refuses them.
  dropoutStructure.forEach((p, i) => {
    if (!(p >= 0)) invalid(`dropout_structure entry ${i} is ${p}; a dropout probability must be 0 ≤ p < 1.`);
  });
  const name = get('name');
  const step = get('step');
  const init = get('weight_initialization');

  const meta: HypernetworkMeta = {
    name: typeof name === 'string' ? name : fileStem(fileName),
    step: typeof step === 'number' ? step : typeof step === 'bigint' ? Number(step) : 0,
    sdCheckpoint: optionalText(get('sd_checkpoint')),
    sdCheckpointName: optionalText(get('sd_checkpoint_name')),
    layerStructure,
    activation: typeof act === 'string' ? act : 'linear',
    layerNorm: truthy(get('is_layer_norm'), false),
    activateOutput: truthy(get('activate_output'), true),
    useDropout,
    lastLayerDropout,
    dropoutStructure,
    weightInitialization: typeof init === 'string' ? init : 'Normal',
    optionalInfo: optionalText(get('optional_info')),
    legacyKeys: false,
  };
  return { meta, modules: { widths, ignoredStringWidths, hasOptimizerState: root.has('optimizer_state_dict') } };
}
