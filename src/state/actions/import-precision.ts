/**
 * The import's "Convert to fp16" choice, defaulted from what the GPU can run: with `shader-f16`, fp16 weights
 * run natively on WebGPU (half the storage, download-to-disk time and GPU memory, a small drift against fp32);
 * without it the engine widens fp16 back to fp32 at every load, and WASM computes in fp32 anyway, so converting
 * would only save disk space at the cost of precision and slower loads.
 */
import type { AdapterProbe } from '../../engine/api.ts';
import { getEngine } from '../../engine/client.ts';
import { useStudio } from '../store.ts';
import type { Fp16Choice } from '../storage-types.ts';

function setFp16(patch: Partial<Fp16Choice>): void {
  useStudio.setState((s) => ({ storage: { ...s.storage, fp16: { ...s.storage.fp16, ...patch } } }));
}

/** The default and its explanation for this adapter. */
export function fp16Default(probe: AdapterProbe): { recommended: boolean; note: string } {
  const device = probe.device;
  if (!device) {
    return { recommended: false, note: `Off by default: there is no WebGPU GPU here (${probe.missing ?? 'no adapter'}), and WASM computes fp16 weights in fp32, so converting only saves disk space.` };
  }
  if (!device.shaderF16) {
    return { recommended: false, note: `Off by default: ${device.name} lacks shader-f16, so fp16 weights would be widened back to fp32 at every load (slower, no memory saved). Converting only saves disk space.` };
  }
  const soft = device.isFallback ? ' (a software renderer)' : '';
  return { recommended: true, note: `On by default: ${device.name}${soft} has shader-f16, so fp16 runs natively with half the storage and GPU memory; images differ slightly from fp32 (see the README).` };
}

let probing: Promise<void> | null = null;

/** Asks the engine about the adapter once and sets the default, unless the user already chose. Never rejects. */
export function probeImportPrecision(): Promise<void> {
  probing ??= getEngine()
    .adapterFacts()
    .catch((e: unknown): AdapterProbe => ({ device: null, missing: (e as Error)?.message ?? String(e) }))
    .then((probe) => {
      const { recommended, note } = fp16Default(probe);
      const { userSet, checked } = useStudio.getState().storage.fp16;
      setFp16({ probed: true, recommended, note, checked: userSet ? checked : recommended });
    });
  return probing;
}

/** The user's choice, kept over the default for the rest of the session. */
export function setImportFp16(checked: boolean): void {
  setFp16({ checked, userSet: true });
}

/** The core import's `precision` option for the current choice. */
export function importPrecision(): 'fp16' | 'keep' {
  return useStudio.getState().storage.fp16.checked ? 'fp16' : 'keep';
}

/** Tests: probe again after the store was reset. */
export function forgetAdapterProbe(): void {
  probing = null;
}
