/**
 * Python `float(str)` for the strings A1111 feeds it (emphasis weights, extra-network multipliers): the
 * accepted grammar matters because an invalid number aborts A1111's generation (emphasis) or drops all tag
 * hypernetworks (multipliers). ASCII digits only (Python also takes other Unicode decimal digits).
 */
import { PY_SPACE } from '../python-text.ts';

const PY_WS = `[${PY_SPACE}]*`;
const DIGITS = '\\d(?:_?\\d)*';
const NUMBER = new RegExp(
  `^${PY_WS}([+-]?)(?:((?:${DIGITS})?\\.${DIGITS}|${DIGITS}\\.?)(?:[eE]([+-]?${DIGITS}))?|(inf|infinity|nan))${PY_WS}$`,
  'iu',
);

/** Returns the value, or undefined where Python would raise ValueError. */
export function pyFloat(text: string): number | undefined {
  const m = NUMBER.exec(text);
  if (!m) return undefined;
  const sign = m[1] === '-' ? -1 : 1;
  if (m[4] !== undefined) return m[4].toLowerCase() === 'nan' ? NaN : sign * Infinity;
  const mantissa = (m[2] ?? '').replaceAll('_', '');
  const exp = m[3] !== undefined ? `e${m[3].replaceAll('_', '')}` : '';
  return sign * Number(`${mantissa}${exp}`);
}
