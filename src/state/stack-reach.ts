/** What one stack entry touches in the loaded model, from the engine's `StackInfo`, in words. */
import type { StackInfo } from './stack-types.ts';

export interface Reach {
  /** e.g. "128 → 5 cross-attention layers" (attn2: the K/V input is the text context) */
  cross: string | null;
  /** e.g. "64/96 → 5 self-attention layers" (attn1) */
  self: string | null;
  /** e.g. "1024: unused" (widths of the file the model has no attention layer for) */
  unused: string | null;
}

/** The reach of stack index `index` (an index into the enabled entries sent to the engine). */
export function stackReach(info: StackInfo, index: number): Reach {
  const mine = info.widths.filter((w) => w.hypernetworks.includes(index));
  const part = (role: 'attn1' | 'attn2', what: string): string | null => {
    const hit = mine.filter((w) => w[role] > 0).sort((a, b) => a.width - b.width);
    if (hit.length === 0) return null;
    const count = hit.reduce((sum, w) => sum + w[role], 0);
    return `${hit.map((w) => w.width).join('/')} → ${count} ${what} ${count === 1 ? 'layer' : 'layers'}`;
  };
  const unusedWidths = [...new Set(info.unused.filter((u) => u.hypernetwork === index).map((u) => u.width))].sort((a, b) => a - b);
  return {
    cross: part('attn2', 'cross-attention'),
    self: part('attn1', 'self-attention'),
    unused: unusedWidths.length ? `${unusedWidths.join('/')}: unused` : null,
  };
}

/** One line: "128 → 5 cross-attention layers; 64/96 → 5 self-attention layers; 1024: unused". */
export function reachText(reach: Reach): string {
  const parts = [reach.cross, reach.self, reach.unused].filter((p): p is string => p !== null);
  return parts.length ? parts.join('; ') : 'touches no attention layer of this model';
}

/**
 * Why a hypernetwork can do nothing on the loaded model, or null when it can (or nothing is loaded): none of
 * its widths is an attention width of the model (e.g. an SD1 file, 768/320/640/1280, on the demo, 128/64/96).
 * Such an entry is not sent to the engine: no session is rebuilt for it and no PNG records it.
 */
export function widthMismatch(sizes: readonly number[], model: { name: string; attentionWidths: readonly number[] | null } | null): string | null {
  const widths = model?.attentionWidths;
  if (!model || !widths || sizes.some((w) => widths.includes(w))) return null;
  return `Matches no width of ${model.name}: the file has ${sizes.join('/')}, the model's attention layers take ${widths.join('/')}. It would change nothing, so it is not applied.`;
}
