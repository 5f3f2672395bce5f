/**
 * Emphasis on CLIP hidden states (A1111 `EmphasisOriginal.after_transformers`), per 77-token chunk:
 * mean0 = mean(z); z = z * w (per token); z = z * (mean0 / mean(z)). Means cover all 77*D values of the chunk,
 * BOS/EOS/padding included, so weights redistribute emphasis without changing the chunk's overall mean.
 * Pure function over z [chunks*77, D] float32. Spec: docs/prompt-weighting.md §5.
 */
import { internalError, StudioError } from '../../errors.ts';
import { CHUNK_LENGTH, type EmphasisMode } from './chunks.ts';

const TOKENS = CHUNK_LENGTH + 2;

/** float32 mean; accumulated in double (torch's float32 reduction order differs by device; ~1 ulp). */
function mean(z: Float32Array, start: number, end: number): number {
  let s = 0;
  for (let i = start; i < end; i++) s += z[i] ?? 0;
  return Math.fround(s / (end - start));
}

/**
 * Returns a new array; `z` holds chunks*77 rows of `dim` values, `weights` chunks*77 values.
 * Modes: "Original" (multiply + mean restore), "No norm" (multiply only), "Ignore"/"None" (unchanged).
 */
export function applyEmphasis(
  z: Float32Array,
  weights: ArrayLike<number>,
  dim: number,
  mode: EmphasisMode = 'Original',
  /** Rows per chunk (77 for SD; other values only for small worked examples). */
  chunkTokens: number = TOKENS,
): Float32Array {
  if (!Number.isInteger(dim) || dim <= 0) throw internalError(`bad hidden size ${dim}`);
  const rows = weights.length;
  if (!Number.isInteger(chunkTokens) || chunkTokens <= 0 || rows % chunkTokens !== 0) {
    throw internalError(`weights length ${rows} is not a multiple of ${chunkTokens}`);
  }
  if (z.length !== rows * dim) throw internalError(`hidden states length ${z.length} != ${rows} x ${dim}`);
  const out = Float32Array.from(z);
  if (mode === 'Ignore' || mode === 'None') return out;
  for (let c = 0; c < rows / chunkTokens; c++) {
    const start = c * chunkTokens * dim;
    const end = start + chunkTokens * dim;
    const mean0 = mean(out, start, end);
    for (let r = 0; r < chunkTokens; r++) {
      const w = Math.fround(weights[c * chunkTokens + r] ?? 1);
      const base = start + r * dim;
      for (let k = 0; k < dim; k++) out[base + k] = (out[base + k] ?? 0) * w;
    }
    if (mode === 'No norm') continue;
    const ratio = Math.fround(mean0 / mean(out, start, end));
    // a zero mean after weighting (or an infinite weight) would turn the whole image to NaN: black
    if (!Number.isFinite(ratio)) throw new StudioError('bad-prompt', `Emphasis weights of prompt chunk ${c + 1} cancel its text states out (ratio ${ratio}); change the weights.`);
    for (let i = start; i < end; i++) out[i] = (out[i] ?? 0) * ratio;
  }
  return out;
}
