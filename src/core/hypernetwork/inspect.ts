/** The `inspect --json` view of a hypernetwork, shared by the CLI and the UI. */
import type { Hypernetwork, HypernetworkInspect, LayerSpec } from './types.ts';

export type SizeRole = 'sd1-text' | 'sd2-text' | 'unet' | 'other';

/** What an attention width means in Stable Diffusion 1.x/2.x (docs §4.2). */
export function sizeRole(size: number): SizeRole {
  if (size === 768) return 'sd1-text';
  if (size === 1024) return 'sd2-text';
  if (size === 320 || size === 640 || size === 1280) return 'unet';
  return 'other';
}

export function layerSpecs(hn: Hypernetwork, size: number): LayerSpec[] {
  const pair = hn.modules.get(size);
  if (!pair) return [];
  return pair[0].layers.map((l): LayerSpec => {
    switch (l.type) {
      case 'linear':
        return { type: 'linear', in: l.in, out: l.out };
      case 'activation':
        return { type: 'activation', name: l.name };
      case 'layernorm':
        return { type: 'layernorm', features: l.features };
      case 'dropout':
        return { type: 'dropout', p: l.p };
    }
  });
}

export function inspectHypernetwork(hn: Hypernetwork): HypernetworkInspect {
  const { meta } = hn;
  return {
    name: meta.name,
    step: meta.step,
    sdCheckpoint: meta.sdCheckpoint,
    sdCheckpointName: meta.sdCheckpointName,
    sizes: [...hn.sizes],
    layerStructure: [...meta.layerStructure],
    activation: meta.activation,
    layerNorm: meta.layerNorm,
    activateOutput: meta.activateOutput,
    dropoutStructure: [...meta.dropoutStructure],
    dtype: hn.dtype,
    parameters: hn.parameters,
    layers: Object.fromEntries(hn.sizes.map((s) => [String(s), layerSpecs(hn, s)])),
  };
}
