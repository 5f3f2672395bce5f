/**
 * The hostile corpus: every recipe, and how each kind of input is fed to the code the app and the CLI run on
 * it. `runInput` returns the outcome (`valid`, an error code, or `skipped:<code>` for a PNG text chunk) and
 * rethrows anything that is not a `StudioError` — the one thing no input may cause.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelGeometry } from '../../src/core/diffusion/model-config.ts';
import { readPngParameters } from '../../src/core/diffusion/png-parameters.ts';
import { preparePrompts, promptTokenReport } from '../../src/core/diffusion/prompt/index.ts';
import { parseSchedulerConfig } from '../../src/core/diffusion/schedulers/index.ts';
import { ClipTokenizer } from '../../src/core/diffusion/tokenizer/index.ts';
import { isStudioError } from '../../src/core/errors.ts';
import { allWarnings, inspectHypernetwork, readHypernetwork } from '../../src/core/hypernetwork/index.ts';
import { SAMPLER_LABELS } from '../../src/state/generation-types.ts';
import { paramsFromInfotext } from '../../src/state/png-info.ts';
import { EXTENSION, type Kind, type Recipe } from './recipe.ts';
import { PT_RECIPES } from './recipes-pt.ts';
import { CONFIG_RECIPES, INFOTEXT_RECIPES, PNG_RECIPES, PROMPT_RECIPES, TOKENIZER_RECIPES } from './recipes-text.ts';

export const RECIPES: Recipe[] = [...PT_RECIPES, ...PNG_RECIPES, ...PROMPT_RECIPES, ...INFOTEXT_RECIPES, ...TOKENIZER_RECIPES, ...CONFIG_RECIPES];
export const CORPUS_DIR = join(import.meta.dirname, '..', 'fixtures', 'hostile');

export const corpusFile = (r: Pick<Recipe, 'name' | 'kind'>): string => `${r.name}.${EXTENSION[r.kind]}`;

/** The recipe's bytes: the committed file, or made now for big ones. */
export function inputOf(r: Recipe): Uint8Array {
  return r.big ? r.make() : new Uint8Array(readFileSync(join(CORPUS_DIR, corpusFile(r))));
}

const REF = join(import.meta.dirname, '..', 'reference', 'diffusion', 'clip');
let clip: ClipTokenizer | undefined;
/** The CLIP tokenizer of SD 1.x (the committed reference files). */
export function clipTokenizer(): ClipTokenizer {
  clip ??= ClipTokenizer.fromFiles(readFileSync(join(REF, 'vocab.json'), 'utf8'), readFileSync(join(REF, 'merges.txt'), 'utf8'));
  return clip;
}

const utf8 = new TextDecoder();

/** Feeds the input to what the app runs on it; returns only after all of that work. */
function feed(kind: Kind, bytes: Uint8Array): string {
  switch (kind) {
    case 'pt': {
      const hn = readHypernetwork(bytes, 'hostile.pt');
      inspectHypernetwork(hn);
      allWarnings(hn);
      return 'valid';
    }
    case 'png': {
      const got = readPngParameters(bytes);
      if (got.info) paramsFromInfotext(got.info, SAMPLER_LABELS);
      return got.problems.length ? `skipped:${got.problems[0]!.code}` : 'valid';
    }
    case 'prompt': {
      const prompt = utf8.decode(bytes);
      promptTokenReport(prompt, clipTokenizer());
      preparePrompts(prompt, '', clipTokenizer());
      return 'valid';
    }
    case 'infotext':
      paramsFromInfotext(utf8.decode(bytes), SAMPLER_LABELS);
      return 'valid';
    case 'tokenizer': {
      const { vocab, merges } = JSON.parse(utf8.decode(bytes)) as { vocab: string; merges: string };
      ClipTokenizer.fromFiles(vocab, merges).encode('a a');
      return 'valid';
    }
    case 'config': {
      const { vae, unet, scheduler } = JSON.parse(utf8.decode(bytes)) as Record<string, Record<string, unknown>>;
      modelGeometry(vae!, unet!);
      parseSchedulerConfig(scheduler!);
      return 'valid';
    }
  }
}

/** The outcome, and the error's message (empty when valid). */
export function runInput(kind: Kind, bytes: Uint8Array): { outcome: string; message: string } {
  try {
    return { outcome: feed(kind, bytes), message: '' };
  } catch (e) {
    if (isStudioError(e)) return { outcome: e.code, message: e.message };
    throw e;
  }
}
