/**
 * A1111's CLIP skip for SD 1.x text encoders (modules/sd_hijack_clip.py `encode_with_transformers`): with
 * "Clip skip" N > 1 the prompt's states are the transformer's hidden state -N (hidden_states[-N] of N_layers + 1
 * states: the embeddings, then each layer's output) passed through the model's final LayerNorm; N = 1 is the
 * usual last_hidden_state. SD 2.x (OpenCLIP) ignores it in A1111. Spec: docs/img2img-hires.md §6.
 */
import { StudioError } from '../../errors.ts';

const fl = Math.fround;

/** A1111's slider range. */
export const CLIP_SKIP_MAX = 12;

/**
 * Which of the `layers + 1` hidden states (0 = embeddings, i = output of layer i) clip skip N reads, or null
 * for N = 1 (the last hidden state after the final LayerNorm, as the encoder returns it).
 */
export function clipSkipHiddenState(clipSkip: number, layers = 12): number | null {
  if (!Number.isInteger(clipSkip) || clipSkip < 1 || clipSkip > Math.min(CLIP_SKIP_MAX, layers)) {
    throw new StudioError('bad-request', `Clip skip must be a whole number from 1 to ${Math.min(CLIP_SKIP_MAX, layers)} (got ${clipSkip}).`);
  }
  return clipSkip === 1 ? null : layers + 1 - clipSkip;
}

/**
 * torch.nn.functional.layer_norm over the last dim of a [tokens, width] float32 array (CLIP's
 * final_layer_norm, eps 1e-5): (x - mean) * rstd * weight + bias, rstd = 1 / sqrt(var + eps) (biased var).
 */
export function layerNorm(hidden: Float32Array, width: number, weight: Float32Array, bias: Float32Array, eps = 1e-5): Float32Array {
  if (width <= 0 || hidden.length % width !== 0 || weight.length !== width || bias.length !== width) {
    throw new StudioError('internal-error', `layerNorm: ${hidden.length} values, width ${width}, weight ${weight.length}, bias ${bias.length}`);
  }
  const out = new Float32Array(hidden.length);
  for (let row = 0; row < hidden.length; row += width) {
    let sum = 0;
    for (let k = 0; k < width; k++) sum += hidden[row + k] ?? 0;
    const mean = sum / width;
    let sq = 0;
    for (let k = 0; k < width; k++) sq += ((hidden[row + k] ?? 0) - mean) ** 2;
    const rstd = fl(1 / Math.sqrt(fl(fl(sq / width) + fl(eps))));
    const shift = fl(-rstd * fl(mean));
    for (let k = 0; k < width; k++) out[row + k] = fl(fl(fl(fl((hidden[row + k] ?? 0) * rstd) + shift) * (weight[k] ?? 0)) + (bias[k] ?? 0));
  }
  return out;
}

/** The text states for clip skip N from the encoder's hidden states (applies the final LayerNorm when N > 1). */
export function clipSkipStates(
  hiddenStates: readonly Float32Array[],
  clipSkip: number,
  finalLayerNorm: { weight: Float32Array; bias: Float32Array; eps?: number },
  width: number,
): Float32Array | null {
  const index = clipSkipHiddenState(clipSkip, hiddenStates.length - 1);
  if (index === null) return null;
  const h = hiddenStates[index];
  if (!h) throw new StudioError('internal-error', `hidden state ${index} missing`);
  return layerNorm(h, width, finalLayerNorm.weight, finalLayerNorm.bias, finalLayerNorm.eps);
}
