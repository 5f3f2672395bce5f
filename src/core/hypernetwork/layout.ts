/**
 * A1111's Sequential for one width (docs §3.1), and the strict binding of a state dict to it: every
 * expected key present with its shape, nothing unexpected — as `load_state_dict(strict=True)`.
 */
import { StudioError } from '../errors.ts';
import type { PyDict } from '../formats/pickle.ts';
import { describePyValue } from '../formats/py-describe.ts';
import { decodeTensor, isTensor, type TorchTensor } from '../formats/torch.ts';
import type { TensorSource } from '../formats/torch-tensor.ts';
import { isKnownActivation, unusableReason } from './activations.ts';
import type { HypernetworkMeta, Layer, LayerSpec, StoredDtype, Weight } from './types.ts';

/** The Sequential children A1111 builds for width `d` (indices shift with activations and dropouts). */
export function buildLayout(d: number, meta: HypernetworkMeta): LayerSpec[] {
  const ls = meta.layerStructure;
  const L = ls.length - 1;
  const layers: LayerSpec[] = [];
  for (let i = 0; i < L; i++) {
    // Python's int(d * ls[i]): a double product truncated toward zero
    const out = Math.trunc(d * ls[i + 1]!);
    layers.push({ type: 'linear', in: Math.trunc(d * ls[i]!), out });
    if (meta.activation !== 'linear' && (i < L - 1 || meta.activateOutput)) {
      if (!isKnownActivation(meta.activation)) {
        throw new StudioError('unsupported-activation', `Unsupported activation function "${meta.activation}": A1111 cannot load this hypernetwork.`, { activation: meta.activation });
      }
      const unusable = unusableReason(meta.activation);
      if (unusable) throw new StudioError('unsupported-activation', `Activation "${meta.activation}" cannot be used: ${unusable}.`, { activation: meta.activation });
      layers.push({ type: 'activation', name: meta.activation });
    }
    if (meta.layerNorm) layers.push({ type: 'layernorm', features: out });
    const p = meta.dropoutStructure[i + 1]!;
    if (p > 0) {
      if (!(p < 1)) throw new StudioError('invalid-metadata', `dropout_structure entry ${i + 1} is ${p}; dropout needs 0 < p < 1.`);
      layers.push({ type: 'dropout', p });
    }
  }
  return layers;
}

/** Parameters each child owns: key suffix → torch shape. */
function expectedParams(spec: LayerSpec): [string, number[]][] {
  switch (spec.type) {
    case 'linear':
      return [['weight', [spec.out, spec.in]], ['bias', [spec.out]]];
    case 'layernorm':
      return [['weight', [spec.features]], ['bias', [spec.features]]];
    case 'activation':
      return spec.name === 'prelu' ? [['weight', [1]]] : [];
    case 'dropout':
      return [];
  }
}

/** A1111's `fix_old_state_dict`: NAI-era `linear1`/`linear2` become `linear.0`/`linear.1`. */
function renameLegacyKey(key: string): string {
  return key.replace(/^linear1\./, 'linear.0.').replace(/^linear2\./, 'linear.1.');
}

const FLOAT_DTYPES = new Set<string>(['float32', 'float16', 'bfloat16', 'float64']);

/** Items shown of a list in a message (a hostile file may have a million). */
const MAX_SHOWN = 12;
const list = (items: readonly string[]): string =>
  items.length === 0 ? 'none' : items.slice(0, MAX_SHOWN).join(', ') + (items.length > MAX_SHOWN ? `, … (${items.length} in all)` : '');
const fmt = (shape: readonly number[]): string => `[${list(shape.map(String))}]`;

function describeStructure(meta: HypernetworkMeta): string {
  return `layer_structure ${fmt(meta.layerStructure)}, activation ${meta.activation}${meta.layerNorm ? ', layer norm' : ''}, dropout ${fmt(meta.dropoutStructure)}`;
}

/** Elements (parameters) of one module's layout: what a file that binds to it decodes per module. */
export function layoutElements(layout: readonly LayerSpec[]): number {
  let n = 0;
  for (const spec of layout) for (const [, shape] of expectedParams(spec)) n += shape.reduce((a, b) => a * b, 1);
  return n;
}

/**
 * Binds one module's state dict to its layout: every key and shape is checked first, then each tensor is
 * decoded exactly (so a hostile shape is refused before any work proportional to it).
 * Throws `layout-mismatch` naming the offending key and shapes.
 */
export function bindModule(
  d: number,
  which: 'K' | 'V',
  stateDict: PyDict,
  layout: readonly LayerSpec[],
  meta: HypernetworkMeta,
  source: TensorSource,
): { layers: Layer[]; legacyKeys: boolean } {
  const where = `width ${d}, ${which} module`;
  const tensors = new Map<string, TorchTensor>();
  let legacyKeys = false;
  for (const { key, value } of stateDict.entries()) {
    if (typeof key !== 'string') throw new StudioError('layout-mismatch', `In ${where}: a state-dict key is ${describePyValue(key)}, not a string.`);
    const name = renameLegacyKey(key);
    legacyKeys ||= name !== key;
    if (!isTensor(value)) throw new StudioError('layout-mismatch', `In ${where}: ${key} is ${describePyValue(value)}, not a tensor.`, { key });
    if (!FLOAT_DTYPES.has(value.storage.dtype)) {
      throw new StudioError('unsupported-dtype', `In ${where}: ${key} is stored as ${value.storage.dtype}; hypernetwork weights must be floating point.`, { key });
    }
    if (tensors.has(name)) throw new StudioError('layout-mismatch', `In ${where}: ${key} appears twice (after renaming legacy keys).`, { key });
    tensors.set(name, value);
  }

  // keys and shapes first: nothing is decoded for a file that does not bind
  const used = new Set<string>();
  for (const [index, spec] of layout.entries()) {
    for (const [suffix, shape] of expectedParams(spec)) {
      const key = `linear.${index}.${suffix}`;
      const t = tensors.get(key);
      if (!t) {
        throw new StudioError(
          'layout-mismatch',
          `In ${where}: ${key} ${fmt(shape)} is missing. The file's ${describeStructure(meta)} implies it, but the file has: ${list([...tensors.keys()])}.`,
          { key, expected: shape },
        );
      }
      if (t.shape.length !== shape.length || t.shape.some((n, k) => n !== shape[k])) {
        throw new StudioError(
          'layout-mismatch',
          `In ${where}: ${key} has shape ${fmt(t.shape)} but the file's ${describeStructure(meta)} needs ${fmt(shape)}.`,
          { key, expected: shape, got: t.shape.slice(0, MAX_SHOWN) },
        );
      }
      used.add(key);
    }
  }
  const unexpected = [...tensors.keys()].filter((k) => !used.has(k));
  if (unexpected.length) {
    throw new StudioError(
      'layout-mismatch',
      `In ${where}: unexpected key ${unexpected[0]} ${fmt(tensors.get(unexpected[0]!)!.shape)}${unexpected.length > 1 ? ` (and ${unexpected.length - 1} more)` : ''}; the file's ${describeStructure(meta)} has no such layer.`,
      { key: unexpected[0] },
    );
  }

  const layers: Layer[] = layout.map((spec, index): Layer => {
    const params: Record<string, Weight> = {};
    for (const [suffix] of expectedParams(spec)) {
      const t = decodeTensor(tensors.get(`linear.${index}.${suffix}`)!, source);
      params[suffix] = { shape: t.shape, data: t.data, dtype: t.dtype as StoredDtype, raw: t.raw };
    }
    switch (spec.type) {
      case 'linear':
        return { ...spec, index, weight: params.weight!, bias: params.bias! };
      case 'layernorm':
        return { ...spec, index, weight: params.weight!, bias: params.bias! };
      case 'activation':
        return params.weight ? { ...spec, index, weight: params.weight } : { ...spec, index };
      case 'dropout':
        return { ...spec, index };
    }
  });
  return { layers, legacyKeys };
}
