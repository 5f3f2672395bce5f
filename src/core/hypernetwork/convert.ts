/** Hypernetwork → safetensors: `<size>.<0|1>.<key>` tensors with the stored bytes, metadata as JSON. */
import { SAFETENSORS_DTYPE, writeSafetensors, type SafetensorsEntry } from '../formats/safetensors.ts';
import { inspectHypernetwork } from './inspect.ts';
import type { Hypernetwork, Weight } from './types.ts';

export function hypernetworkToSafetensors(hn: Hypernetwork): Uint8Array {
  const entries: SafetensorsEntry[] = [];
  const add = (name: string, w: Weight): void => {
    entries.push({ name, dtype: SAFETENSORS_DTYPE[w.dtype]!, shape: w.shape, bytes: w.raw });
  };
  for (const size of hn.sizes) {
    hn.modules.get(size)!.forEach((module, which) => {
      for (const l of module.layers) {
        const prefix = `${size}.${which}.linear.${l.index}`;
        if (l.type === 'linear' || l.type === 'layernorm') {
          add(`${prefix}.weight`, l.weight);
          add(`${prefix}.bias`, l.bias);
        } else if (l.type === 'activation' && l.weight) {
          add(`${prefix}.weight`, l.weight);
        }
      }
    });
  }
  const { useDropout, lastLayerDropout, weightInitialization, optionalInfo } = hn.meta;
  const metadata = { ...inspectHypernetwork(hn), useDropout, lastLayerDropout, weightInitialization, optionalInfo };
  return writeSafetensors(entries, { hypernetwork: JSON.stringify(metadata) });
}
