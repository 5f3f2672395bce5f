/**
 * PNG Info's reading of a file: the A1111 `parameters` text chunk, parsed (prompt, negative prompt, every
 * parameter) with the prompt's `<hypernet:…>` tags, plus what was skipped on the way (damaged or oversized
 * text chunks). Pure and bounded: the PNG walk reads text chunks only, inflates at most 8 MiB of text, and
 * every parser after it is linear in that text. Runs in the page's parse worker and in `hnstudio png-info`.
 */
import { readPngTextChunks, type PngTextProblem } from '../formats/png-text.ts';
import { parseInfotext, type Infotext } from './infotext.ts';
import { parseExtraNetworks, type HypernetTag } from './prompt/extra-networks.ts';

export interface PngParameters {
  /** the `parameters` text, or null when the PNG has none (or it was skipped) */
  parameters: string | null;
  /** the text parsed as A1111's PNG Info does */
  info: Infotext | null;
  /** `<hypernet:name:mult>` tags of the prompt, in order (empty when `hypernetError`) */
  hypernets: HypernetTag[];
  /** an unparsable multiplier: A1111 then applies none of the tags */
  hypernetError: string | null;
  /** text chunks other than `parameters`, keyword → text (A1111 shows them too) */
  otherText: Record<string, string>;
  /** chunks skipped, and why */
  problems: PngTextProblem[];
}

/** Throws `not-a-png` when the bytes are not a PNG; anything inside it is reported, not thrown. */
export function readPngParameters(bytes: Uint8Array): PngParameters {
  const { text, problems } = readPngTextChunks(bytes);
  const parameters = text.parameters ?? null;
  const otherText = Object.fromEntries(Object.entries(text).filter(([k]) => k !== 'parameters'));
  if (parameters === null) return { parameters, info: null, hypernets: [], hypernetError: null, otherText, problems };
  const info = parseInfotext(parameters);
  const tags = parseExtraNetworks(info.prompt);
  return { parameters, info, hypernets: tags.hypernets, hypernetError: tags.hypernetError ?? null, otherText, problems };
}
