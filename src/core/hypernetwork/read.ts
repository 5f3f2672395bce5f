/** `.pt` bytes → a validated, decoded hypernetwork (A1111 semantics). */
import { StudioError } from '../errors.ts';
import { loadTorchFile } from '../formats/torch.ts';
import { bindModule, buildLayout, layoutElements } from './layout.ts';
import { readTopLevel } from './spec.ts';
import type { Hypernetwork, HypernetworkModule, Layer, StoredDtype } from './types.ts';

export function weightsOf(layers: readonly Layer[]): { key: string; data: Float32Array; dtype: StoredDtype }[] {
  const out: { key: string; data: Float32Array; dtype: StoredDtype }[] = [];
  for (const l of layers) {
    if (l.type === 'linear' || l.type === 'layernorm') {
      out.push({ key: `linear.${l.index}.weight`, data: l.weight.data, dtype: l.weight.dtype });
      out.push({ key: `linear.${l.index}.bias`, data: l.bias.data, dtype: l.bias.dtype });
    } else if (l.type === 'activation' && l.weight) {
      out.push({ key: `linear.${l.index}.weight`, data: l.weight.data, dtype: l.weight.dtype });
    }
  }
  return out;
}

function countNonFinite(data: Float32Array): { nan: number; inf: number } {
  // fast path: x * 0 is 0 for every finite x, NaN otherwise
  let probe = 0;
  for (let i = 0; i < data.length; i++) probe += data[i]! * 0;
  if (probe === 0) return { nan: 0, inf: 0 };
  let nan = 0;
  let inf = 0;
  for (let i = 0; i < data.length; i++) {
    const x = data[i]!;
    if (x !== x) nan++;
    else if (x === Infinity || x === -Infinity) inf++;
  }
  return { nan, inf };
}

/**
 * Scans every weight for NaN/Inf (a diverged training run). Kept out of `readHypernetwork` so that reading
 * stays proportional to the metadata, not the weights; the inspector and the engine call both.
 */
export function nonFiniteWarnings(hn: Hypernetwork): string[] {
  const warnings: string[] = [];
  for (const size of hn.sizes) {
    hn.modules.get(size)!.forEach((module, i) => {
      for (const w of weightsOf(module.layers)) {
        const bad = countNonFinite(w.data);
        if (bad.nan || bad.inf) warnings.push(`Width ${size} ${i ? 'V' : 'K'} module: ${w.key} has ${bad.nan} NaN and ${bad.inf} infinite values; images will break.`);
      }
    });
  }
  return warnings;
}

/**
 * Reads an A1111 hypernetwork file. Throws `StudioError` with a specific code on any bad input.
 * @param fileName used for A1111's default name (the file stem) and in messages
 */
export function readHypernetwork(bytes: Uint8Array, fileName: string): Hypernetwork {
  const file = loadTorchFile(bytes);
  const { meta, modules } = readTopLevel(file.root, fileName);
  const warnings: string[] = [];
  const pairs = new Map<number, readonly [HypernetworkModule, HypernetworkModule]>();
  const dtypes = new Map<StoredDtype, number>();
  let parameters = 0;

  const sizes = [...modules.widths.keys()].sort((a, b) => a - b);
  const layouts = new Map(sizes.map((size) => [size, buildLayout(size, meta)]));
  // The metadata says exactly how many weights the file holds: decode no more than that, and inflate no
  // more than they can take (fp64, stored twice over in shared storages, plus the small records).
  const expected = 2 * [...layouts.values()].reduce((n, layout) => n + layoutElements(layout), 0);
  file.budget.decodeElements = Math.min(file.budget.decodeElements, expected);
  file.budget.inflateBytes = Math.min(file.budget.inflateBytes, 16 * expected + (1 << 20));

  for (const size of sizes) {
    const layout = layouts.get(size)!;
    const [k, v] = modules.widths.get(size)!;
    const pair = (['K', 'V'] as const).map((which, i) => {
      const bound = bindModule(size, which, i === 0 ? k : v, layout, meta, file);
      meta.legacyKeys ||= bound.legacyKeys;
      for (const w of weightsOf(bound.layers)) {
        parameters += w.data.length;
        dtypes.set(w.dtype, (dtypes.get(w.dtype) ?? 0) + w.data.length);
      }
      return { size, layers: bound.layers };
    });
    pairs.set(size, [pair[0]!, pair[1]!]);
  }

  const ranked = [...dtypes.entries()].sort((a, b) => b[1] - a[1]);
  if (ranked.length > 1) warnings.push(`Weights mix dtypes (${ranked.map(([d]) => d).join(', ')}); all are decoded exactly to float32.`);
  if (modules.hasOptimizerState) warnings.push('The file carries in-file optimizer state (Oct–Nov 2022 A1111); it is ignored.');
  if (modules.ignoredStringWidths.length) warnings.push(`String keys ${modules.ignoredStringWidths.join(', ')} look like widths; A1111 ignores them (only int keys are modules).`);
  if (file.extraRecords.length) {
    warnings.push(`Archive records beyond A1111's strict set (${file.extraRecords.map((r) => r.split('/').slice(1).join('/')).join(', ')}): written by torch ≥ 2.1; stock A1111's safe loader rejects such files (A1111 #14261), ComfyUI accepts them.`);
  }
  if (!ranked.length) throw new StudioError('not-a-hypernetwork', 'The hypernetwork has no weights.');

  return { meta, sizes: [...pairs.keys()], modules: pairs, dtype: ranked[0]![0], parameters, warnings };
}

/** Every finding worth showing next to a hypernetwork: reader notes plus NaN/Inf weights. */
export function allWarnings(hn: Hypernetwork): string[] {
  return [...hn.warnings, ...nonFiniteWarnings(hn)];
}
