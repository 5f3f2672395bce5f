/**
 * The grid PNG's `parameters`, as A1111's X/Y/Z plot writes them: the infotext of the grid's first cell (x 0,
 * y 0) with `Script: X/Y/Z plot`, `X Type`, `X Values` (the text as typed) and, for a Seed axis whose -1 values
 * were drawn, `Fixed X Values`; the same for Y; Z only on the combined grid (the sub-grid of one Z value has X
 * and Y only). A "Nothing" axis writes nothing.
 */
import { formatInfotext, parseInfotext } from '../infotext.ts';
import type { ParsedAxis } from './axes.ts';

export function xyzGridInfotext(firstCell: string, axes: readonly [ParsedAxis, ParsedAxis, ParsedAxis], { withZ }: { withZ: boolean }): string {
  const info = parseInfotext(firstCell);
  const params = new Map(info.params);
  params.set('Script', 'X/Y/Z plot');
  const named = withZ ? axes : axes.slice(0, 2);
  for (const [i, axis] of named.entries()) {
    if (axis.type === 'Nothing') continue;
    const letter = 'XYZ'[i]!;
    params.set(`${letter} Type`, axis.type);
    params.set(`${letter} Values`, axis.text);
    if (axis.fixedSeeds) params.set(`Fixed ${letter} Values`, axis.fixedSeeds.join(', '));
  }
  return formatInfotext({ ...info, params });
}
