/** One hostile input of the corpus (test/fixtures/hostile/, made by tools/fixtures/make-hostile.ts). */
export type Kind = 'pt' | 'png' | 'prompt' | 'infotext' | 'tokenizer' | 'config';

export interface Recipe {
  /** file stem in the corpus */
  name: string;
  kind: Kind;
  /** the attack, in one line */
  what: string;
  /**
   * The outcome it must have: `valid`, or the `StudioError` code. For PNG Info, `skipped:<code>` means the
   * file reads but a text chunk is skipped with that code.
   */
  expect: string;
  /** made at test time from the recipe instead of being committed (keeps the repository small) */
  big?: boolean;
  make(): Uint8Array;
}

/** The corpus file extension of a kind. */
export const EXTENSION: Record<Kind, string> = { pt: 'pt', png: 'png', prompt: 'prompt.txt', infotext: 'infotext.txt', tokenizer: 'tokenizer.json', config: 'config.json' };
