/**
 * The page's parse worker: user files and text that the page reads itself (PNG Info, the prompt box's token
 * counter) are parsed here, off the page thread, so a hostile PNG or prompt can never freeze the page. It is
 * separate from the engine worker so that a PNG dropped during a generation is answered at once.
 */
import type { PngParameters } from '../core/diffusion/png-parameters.ts';
import type { TokenReport } from '../core/diffusion/prompt/index.ts';
import type { ModelSpec } from './api.ts';

export type { PngParameters, TokenReport };

export interface ParseApi {
  /**
   * PNG Info's reading of a PNG (`bytes` is transferred in the worker transport).
   * @throws StudioError `not-a-png`; damaged or oversized text chunks are in `problems`, not thrown
   */
  readPngParameters(bytes: ArrayBuffer): Promise<PngParameters>;

  /**
   * A1111's token counter for `prompt` with the tokenizer of `model` (read once per model, then cached).
   * @throws StudioError `bad-prompt` (a prompt generation would refuse), `bad-model-folder` (tokenizer files)
   */
  countTokens(prompt: string, model: ModelSpec): Promise<TokenReport>;
}
