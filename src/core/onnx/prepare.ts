/**
 * The engine's entry point: the patched U-Net plus, when a hypernetwork has the text width, the context model
 * that computes the attn2 K/V contexts once per prompt (and again when a strength changes: it is tiny).
 * Measured faster than keeping the attn2 chains in the U-Net (README.md: SD1 widths 1.001× vs 1.038× the base
 * step, CPU time), so this is the default; the CLI keeps them in the graph for a drop-in file.
 */
import { contextModel } from './context-model.ts';
import { defaultOpset } from './graph.ts';
import { patchModel, type PatchOptions, type PatchResult, type StackEntry, BASE_WEIGHTS } from './patch.ts';
import { DataType, decodeModel, encodeModel } from './proto.ts';
import { EXTERNAL_THRESHOLD, referenceOriginal } from './external.ts';

export interface PreparedUnet extends PatchResult {
  /**
   * Run once per prompt (and after a strength change) on the text context: inputs `encoder_hidden_states`
   * and the `hypernetwork_strength_<i>`; outputs `hypernetwork_context_k` / `_v`, which feed the U-Net's
   * inputs of the same names. Null when no hypernetwork has the text width.
   */
  context: Uint8Array | null;
}

export function prepareUnet(bytes: Uint8Array, stack: readonly StackEntry[], options: Omit<PatchOptions, 'crossAttention'> = {}): PreparedUnet {
  const model = decodeModel(bytes);
  const report = patchModel(model, stack, { ...options, crossAttention: 'external' });
  const referenced = referenceOriginal(model, bytes, BASE_WEIGHTS, EXTERNAL_THRESHOLD);
  const ctx = report.contextInputs;
  const context = ctx
    ? encodeModel(
        contextModel(
          stack.map((e) => e.hypernetwork),
          {
            width: ctx.width,
            dtype: report.modelDtype === 'float16' ? DataType.FLOAT16 : DataType.FLOAT,
            opset: Math.max(defaultOpset(model), 13),
            strengthShape: options.strengthShape,
            precision: options.precision,
            collapseLinear: options.collapseLinear,
          },
        ),
      )
    : null;
  return { model: encodeModel(model), externalData: referenced ? [{ path: BASE_WEIGHTS, data: bytes }] : [], report, context };
}
