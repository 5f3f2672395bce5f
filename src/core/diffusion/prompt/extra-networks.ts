/**
 * A1111 extra-network tags (`modules/extra_networks.py`): every `<kind:args>` matching `<(\w+):([^>]+)>` is
 * removed from the positive prompt before CLIP sees it; `<hypernet:NAME[:MULT]>` selects a hypernetwork with
 * MULT parsed by Python float() (default 1.0). See docs/hypernetwork-format.md §5.
 */
import { pyFloat } from './pyfloat.ts';

export interface ExtraNetworkTag {
  /** Tag kind, e.g. "hypernet", "lora". */
  kind: string;
  /** The argument string split on ':' (items[0] is the name). */
  items: string[];
  /** Where the tag started in the original prompt. */
  index: number;
}

export interface HypernetTag {
  name: string;
  multiplier: number;
}

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

/** Python's `\w` is Unicode: letters, numbers, underscore. */
const RE_EXTRA_NET = /<([\p{L}\p{N}_]+):([^>]+)>/gu;

export function parseExtraNetworks(prompt: string): ExtraNetworksResult {
  const tags: ExtraNetworkTag[] = [];
  const cleaned = prompt.replace(RE_EXTRA_NET, (_m, kind: string, args: string, index: number) => {
    tags.push({ kind, items: args.split(':'), index });
    return '';
  });
  const hypernets: HypernetTag[] = [];
  let hypernetError: string | undefined;
  for (const t of tags) {
    if (t.kind !== 'hypernet') continue;
    const name = t.items[0] ?? '';
    const raw = t.items[1];
    const multiplier = raw === undefined ? 1.0 : pyFloat(raw);
    if (multiplier === undefined) {
      hypernetError = `could not convert string to float: '${raw ?? ''}' in <hypernet:${t.items.join(':')}>`;
      break;
    }
    hypernets.push({ name, multiplier });
  }
  return hypernetError === undefined ? { prompt: cleaned, tags, hypernets } : { prompt: cleaned, tags, hypernets: [], hypernetError };
}
