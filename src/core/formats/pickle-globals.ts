/** The Python builtins the unpickler may call because they only build data (docs/hypernetwork-format.md §6). */
import { malformed, PyDict, PySet, PyTuple, type GlobalImpl } from './pickle-values.ts';

export const DATA_GLOBALS: ReadonlyMap<string, GlobalImpl> = new Map<string, GlobalImpl>([
  ['collections.OrderedDict', { call: (args) => {
    const d = new PyDict(true);
    const init = args[0];
    // OrderedDict(iterable of pairs) — protocol 0/1 pickles may pass the items.
    if (Array.isArray(init)) for (const pair of init) if (pair instanceof PyTuple && pair.items.length === 2) d.set(pair.items[0]!, pair.items[1]!);
    return d;
  } }],
  ['__builtin__.set', { call: (args) => new PySet(Array.isArray(args[0]) ? [...args[0]] : []) }],
  ['builtins.set', { call: (args) => new PySet(Array.isArray(args[0]) ? [...args[0]] : []) }],
  ['_codecs.encode', { call: (args) => {
    // protocol 2 writes bytes as _codecs.encode(str, 'latin1')
    const [text, enc] = args;
    if (typeof text !== 'string' || (enc !== 'latin1' && enc !== 'latin-1' && enc !== undefined)) malformed('unsupported _codecs.encode call');
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 255) malformed('latin1 text out of range');
      out[i] = c;
    }
    return out;
  } }],
]);
