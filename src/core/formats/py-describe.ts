/**
 * Short, bounded descriptions of unpickled values for error messages ("a tuple of 3 items", "the int 7"),
 * so that no message reads "[object Object]" or "holds a object", and none grows with a hostile value.
 */
import { PyDict, PyFloat, PyGlobal, PyObject, PySet, PyTuple, type PyValue } from './pickle.ts';

const MAX_TEXT = 40;

function quoted(text: string): string {
  return JSON.stringify(text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text);
}

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

export function describePyValue(v: PyValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number' || typeof v === 'bigint') {
    const text = String(v);
    return `the int ${text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}… (${text.length} digits)` : text}`;
  }
  if (typeof v === 'string') return `the string ${quoted(v)}`;
  if (v instanceof Uint8Array) return plural(v.length, 'byte');
  if (v instanceof PyFloat) return `the float ${v.value}`;
  if (v instanceof PyTuple) return `a tuple of ${plural(v.items.length, 'item')}`;
  if (Array.isArray(v)) return `a list of ${plural(v.length, 'item')}`;
  if (v instanceof PyDict) return v.size ? `a dict of ${plural(v.size, 'key')}` : 'an empty dict';
  if (v instanceof PySet) return `a set of ${plural(v.items.length, 'item')}`;
  if (v instanceof PyGlobal) return `the Python global ${quoted(v.qualifiedName)}`;
  if (v instanceof PyObject) return `an instance of ${quoted(v.cls.qualifiedName)}`;
  const kind = (v as { pyKind?: unknown }).pyKind;
  if (kind === 'tensor') return 'a single tensor';
  return typeof kind === 'string' ? `a torch ${kind}` : 'a value of unknown type';
}
