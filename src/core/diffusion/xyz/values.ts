/**
 * A1111's X/Y/Z plot value syntax (scripts/xyz_grid.py): the text is read as CSV (Python's `csv.reader`,
 * default dialect: a quote opens a quoted field only at the very start of a field, `""` inside is a quote, a line
 * break ends a row and rows are chained), every item stripped; then, for whole-number and decimal axes, items
 * that are ranges expand. Pure and linear in the text; every failure is a `bad-request` StudioError.
 */
import { StudioError } from '../../errors.ts';

/** The most values one axis takes after ranges expand (A1111 has no cap; a browser needs one). */
export const MAX_AXIS_VALUES = 32;
/** The longest value text an axis takes. */
export const MAX_AXIS_TEXT = 2000;

/** Python `csv.reader` over the text, rows chained, each item stripped (A1111's `csv_string_to_list_strip`). */
export function splitCsv(text: string): string[] {
  if (text.length > MAX_AXIS_TEXT) throw new StudioError('bad-request', `Axis values are at most ${MAX_AXIS_TEXT} characters (got ${text.length}).`);
  const items: string[] = [];
  let field = '';
  let quoted = false;
  let atStart = true;
  let rowHasField = false;
  const endField = () => {
    items.push(field.trim());
    field = '';
    atStart = true;
    rowHasField = true;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
      continue;
    }
    if (c === '"' && atStart) {
      quoted = true;
      atStart = false;
    } else if (c === ',') endField();
    else if (c === '\n' || c === '\r') {
      // a line break ends the row; an empty line is no row at all
      if (!atStart || rowHasField) endField();
      rowHasField = false;
      if (c === '\r' && text[i + 1] === '\n') i++;
    } else {
      field += c;
      atStart = false;
    }
  }
  if (quoted) throw new StudioError('bad-request', 'Axis values: a quoted value is not closed (unexpected end of the text).');
  if (!atStart || rowHasField) endField();
  return items;
}

const INT = /^[+-]?\d+$/;
// Python float(): decimals and exponents; "inf"/"nan" are refused here (they would make no image)
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/** Python `int(x)` for an already stripped item. */
export function pyInt(item: string, axis: string): number {
  if (!INT.test(item)) throw new StudioError('bad-request', `${axis}: "${clip(item)}" is not a whole number.`);
  const v = Number(item);
  if (!Number.isSafeInteger(v)) throw new StudioError('bad-request', `${axis}: ${clip(item)} is too large.`);
  return v;
}

/** Python `float(x)`, finite values only. */
export function pyFloat(item: string, axis: string): number {
  const v = FLOAT.test(item) ? Number(item) : NaN;
  if (!Number.isFinite(v)) throw new StudioError('bad-request', `${axis}: "${clip(item)}" is not a number.`);
  return v;
}

// A1111's range patterns, as it writes them (its `.` is any character: "1x5-3" matches and then fails float())
const NUM_I = String.raw`([+-]?\s*\d+)`;
const NUM_F = String.raw`([+-]?\s*\d+(?:.\d*)?)`;
const RANGE = new RegExp(String.raw`^\s*${NUM_I}\s*-\s*${NUM_I}(?:\s*\(([+-]\d+)\s*\))?\s*$`);
const RANGE_FLOAT = new RegExp(String.raw`^\s*${NUM_F}\s*-\s*${NUM_F}(?:\s*\(([+-]\d+(?:.\d*)?)\s*\))?\s*$`);
const RANGE_COUNT = new RegExp(String.raw`^\s*${NUM_I}\s*-\s*${NUM_I}(?:\s*\[(\d+)\s*])?\s*$`);
const RANGE_COUNT_FLOAT = new RegExp(String.raw`^\s*${NUM_F}\s*-\s*${NUM_F}(?:\s*\[(\d+(?:.\d*)?)\s*])?\s*$`);

/** A captured number as Python reads it: int("- 3") fails (a space after the sign), so it fails here too. */
const num = (s: string, parse: (item: string, axis: string) => number, axis: string) => parse(s.trim(), axis);

/** Whole-number axis items: "1-5" (inclusive), "1-5 (+2)", "10-1 (-3)", "1-10 [4]" (numpy linspace, truncated). */
export function expandInts(items: readonly string[], axis: string): number[] {
  const out: number[] = [];
  for (const item of items) {
    const m = RANGE.exec(item);
    const mc = m ? null : RANGE_COUNT.exec(item);
    if (m) {
      const start = num(m[1]!, pyInt, axis);
      const end = num(m[2]!, pyInt, axis) + 1;
      const step = m[3] === undefined ? 1 : pyInt(m[3], axis);
      if (step === 0) throw new StudioError('bad-request', `${axis}: "${clip(item)}" has a step of 0.`);
      // Python range(start, end, step)
      for (let v = start; step > 0 ? v < end : v > end; v += step) push(out, Math.trunc(v), axis);
    } else if (mc) {
      const start = num(mc[1]!, pyInt, axis);
      const end = num(mc[2]!, pyInt, axis);
      const count = mc[3] === undefined ? 1 : pyInt(mc[3], axis);
      for (const v of linspace(start, end, count, axis)) push(out, Math.trunc(v), axis);
    } else push(out, pyInt(item, axis), axis);
  }
  return out;
}

/** Decimal axis items: "0-1 (+0.25)" (numpy arange to end + step, as A1111 writes it), "0.0-1.0 [5]" (linspace). */
export function expandFloats(items: readonly string[], axis: string): number[] {
  const out: number[] = [];
  for (const item of items) {
    const m = RANGE_FLOAT.exec(item);
    const mc = m ? null : RANGE_COUNT_FLOAT.exec(item);
    if (m) {
      const start = num(m[1]!, pyFloat, axis);
      const end = num(m[2]!, pyFloat, axis);
      const step = m[3] === undefined ? 1 : pyFloat(m[3], axis);
      if (step === 0) throw new StudioError('bad-request', `${axis}: "${clip(item)}" has a step of 0.`);
      // numpy.arange(start, end + step, step): ceil((stop - start) / step) values start + i·step
      const count = Math.max(0, Math.ceil((end + step - start) / step));
      if (count > MAX_AXIS_VALUES) tooMany(axis, count);
      for (let i = 0; i < count; i++) push(out, start + i * step, axis);
    } else if (mc) {
      const start = num(mc[1]!, pyFloat, axis);
      const end = num(mc[2]!, pyFloat, axis);
      // A1111 reads the count with int(): "[2.5]" fails
      const count = mc[3] === undefined ? 1 : pyInt(mc[3], axis);
      for (const v of linspace(start, end, count, axis)) push(out, v, axis);
    } else push(out, pyFloat(item, axis), axis);
  }
  return out;
}

/** numpy.linspace(start, stop, num): the last value is `stop` exactly. */
function linspace(start: number, stop: number, count: number, axis: string): number[] {
  if (count > MAX_AXIS_VALUES) tooMany(axis, count);
  if (count === 1) return [start];
  const step = (stop - start) / (count - 1);
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? stop : start + i * step));
}

function push(out: number[], v: number, axis: string): void {
  if (out.length >= MAX_AXIS_VALUES) tooMany(axis, out.length + 1);
  out.push(v);
}

function tooMany(axis: string, count: number): never {
  throw new StudioError('bad-request', `${axis}: at most ${MAX_AXIS_VALUES} values per axis (this gives ${count} or more).`);
}

const clip = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s);

/** Python's `str()` of a float rounded to 8 places (A1111's labels: `round(x, 8)`, so 7 → "7.0", 0.1+0.2 → "0.3"). */
export function pyFloatText(v: number): string {
  const r = Number(v.toFixed(8));
  if (Number.isInteger(r) && Math.abs(r) < 1e16) return `${r}.0`;
  // JavaScript and Python both write the shortest round-trip digits; Python switches to an exponent below 1e-4
  const text = r !== 0 && Math.abs(r) < 1e-4 ? r.toExponential() : String(r);
  return text.replace(/e([+-])(\d)$/, 'e$10$2');
}
