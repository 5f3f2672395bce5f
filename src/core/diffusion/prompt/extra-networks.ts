/**
 * The positive prompt as A1111's extra-network step leaves it (`modules/extra_networks.py`): every extra-network
 * tag removed before CLIP sees the text, and the `<hypernet:…>` tags it selects. The grammar is in
 * `hypernet-tags.ts`.
 */
import { extraNetworkTags, parseHypernetTags, withoutExtraNetworkTags, type ExtraNetworkTag, type HypernetTag } from './hypernet-tags.ts';

export type { ExtraNetworkTag, HypernetTag };

export interface ExtraNetworksResult {
  /** The prompt with every extra-network tag removed (nothing else changes). */
  prompt: string;
  /** All tags, in prompt order. */
  tags: ExtraNetworkTag[];
  /** The `hypernet` tags in order. */
  hypernets: HypernetTag[];
  /**
   * Set when a hypernet multiplier is not a Python float: A1111's activate() raises and then applies no tag
   * hypernetworks at all in that run (`hypernets` is then empty).
   */
  hypernetError?: string;
}

export function parseExtraNetworks(prompt: string): ExtraNetworksResult {
  // one scan of the prompt serves the three readings
  const tags = extraNetworkTags(prompt);
  const { tags: hypernets, error } = parseHypernetTags(prompt, tags);
  const result = { prompt: withoutExtraNetworkTags(prompt, tags), tags, hypernets };
  return error === null ? result : { ...result, hypernetError: error };
}
