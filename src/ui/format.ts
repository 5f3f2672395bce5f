/** Display formatting for the inspector cards. Pure, so it is unit-tested in Node. */
import type { LayerSpec, SizeRole } from '../state/hypernetwork-entry.ts';

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 87_787_008 → "87.8 MB": the core's formatter, so the UI and the core's messages write sizes alike. */
export { formatBytes } from '../core/storage/bytes.ts';

/** 21939840 → "21,939,840". */
export function formatInteger(n: number): string {
  return integer.format(n);
}

/** 21939840 → "21.9 M"; small counts stay exact. */
export function formatCompactCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} k`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} M`;
  return `${(n / 1e9).toFixed(2)} B`;
}

/** [1, 2, 1] → "1, 2, 1" (A1111's own notation for layer and dropout structures). */
export function formatStructure(values: readonly number[]): string {
  return values.map((v) => String(v)).join(', ');
}

const ROLE_LABELS: Record<SizeRole, string> = {
  'sd1-text': 'SD1 text',
  'sd2-text': 'SD2 text',
  unet: 'U-Net',
  other: 'other',
};

export function roleLabel(role: SizeRole): string {
  return ROLE_LABELS[role];
}

/** A1111's lower-case activation names → the torch module they build (spec §3.4). */
const ACTIVATION_MODULES: Record<string, string> = {
  relu: 'ReLU',
  leakyrelu: 'LeakyReLU',
  elu: 'ELU',
  swish: 'Hardswish',
  tanh: 'Tanh',
  sigmoid: 'Sigmoid',
  softsign: 'Softsign',
  mish: 'Mish',
  hardswish: 'Hardswish',
  silu: 'SiLU',
  gelu: 'GELU',
  celu: 'CELU',
  selu: 'SELU',
  relu6: 'ReLU6',
  hardtanh: 'Hardtanh',
  hardsigmoid: 'Hardsigmoid',
  hardshrink: 'Hardshrink',
  softshrink: 'Softshrink',
  tanhshrink: 'Tanhshrink',
  logsigmoid: 'LogSigmoid',
  softplus: 'Softplus',
  rrelu: 'RReLU',
  prelu: 'PReLU',
  softmax: 'Softmax',
  softmin: 'Softmin',
  logsoftmax: 'LogSoftmax',
  softmax2d: 'Softmax2d',
  glu: 'GLU',
};

/** Module name for a layout entry: "relu" → "ReLU"; unknown names are shown as stored. */
export function activationModule(name: string): string {
  return ACTIVATION_MODULES[name] ?? name;
}

/** The activation fact: "linear (none)", "relu", or "swish (Hardswish)" where the name misleads. */
export function formatActivation(name: string): string {
  if (name === 'linear') return 'linear (none)';
  const module = ACTIVATION_MODULES[name];
  return module && module.toLowerCase() !== name ? `${name} (${module})` : name;
}

/** One Sequential child: "Linear 768→1536", "ReLU", "LayerNorm 1536", "Dropout 0.3". */
export function formatLayer(layer: LayerSpec): string {
  switch (layer.type) {
    case 'linear':
      return `Linear ${layer.in}→${layer.out}`;
    case 'activation':
      return activationModule(layer.name);
    case 'layernorm':
      return `LayerNorm ${layer.features}`;
    case 'dropout':
      return `Dropout ${layer.p}`;
  }
}

export function formatLayout(layers: readonly LayerSpec[]): string {
  return layers.map(formatLayer).join(' · ');
}

/** True when any dropout is configured; it only shifts layer indices, since inference runs in eval mode. */
export function hasDropout(dropoutStructure: readonly number[]): boolean {
  return dropoutStructure.some((p) => p > 0);
}

/** 860 → "0.9 s", 12_400 → "12 s", 75_000 → "1 min 15 s": short durations for progress and timings. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${String(s % 60).padStart(2, '0')} s`;
}

/** A run's seeds as A1111 users read them: "1234–1237" when they count up, else a list (the first 8, then how many). */
export function formatSeeds(seeds: readonly number[]): string {
  if (seeds.length === 0) return '';
  const first = seeds[0]!;
  if (seeds.length > 1 && seeds.every((s, i) => s === first + i)) return `${first}–${seeds.at(-1)}`;
  const shown = seeds.slice(0, 8).join(', ');
  return seeds.length > 8 ? `${shown}, … (${seeds.length} seeds)` : shown;
}
