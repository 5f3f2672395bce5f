/**
 * A restricted unpickler (protocols 0–5) that executes nothing.
 *
 * Globals resolve only through the caller's whitelist table to pure data constructors; anything else is a
 * `forbidden-global` error naming it. Dict keys keep Python's int/str/float distinction (no plain-object keys,
 * so no prototype pollution). Nesting depth, mark depth, stack size, memo size and every length field are
 * bounded before anything is allocated.
 */
import { StudioError } from '../errors.ts';
import { decodeLong, parseIntText, rawUnicodeEscape, unquote } from './pickle-literals.ts';
import { limit, malformed, PyDict, PyFloat, PyGlobal, PyObject, PySet, PyTuple, type PyValue, type UnpickleOptions, type UnpickleResult } from './pickle-values.ts';

export * from './pickle-values.ts';
export { DATA_GLOBALS } from './pickle-globals.ts';

const MAX_LONG_BYTES = 4096;
/** Longest module or class name quoted in a message. */
const MAX_NAME_IN_MESSAGE = 120;
const utf8 = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');


/** Unpickles one pickle starting at `start`. */
export function unpickle(bytes: Uint8Array, opts: UnpickleOptions, start = 0): UnpickleResult {
  const maxDepth = opts.maxDepth ?? 256;
  const maxStack = opts.maxStack ?? 4_000_000;
  const maxMemo = opts.maxMemo ?? 4_000_000;
  const maxValues = opts.maxValues ?? 4_000_000;
  let created = 0;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const depth = new WeakMap<object, number>();
  const memo = new Map<number, PyValue>();
  const metastack: PyValue[][] = [];
  let stack: PyValue[] = [];
  let stackTotal = 0;
  let pos = start;

  const need = (n: number): void => {
    if (n < 0 || pos + n > bytes.length) {
      throw new StudioError('truncated', 'The pickle ends unexpectedly: the file is truncated or damaged.');
    }
  };
  const u8 = (): number => (need(1), bytes[pos++]!);
  const u16 = (): number => (need(2), (pos += 2), dv.getUint16(pos - 2, true));
  const u32 = (): number => (need(4), (pos += 4), dv.getUint32(pos - 4, true));
  const i32 = (): number => (need(4), (pos += 4), dv.getInt32(pos - 4, true));
  const u64 = (): number => {
    need(8);
    const v = dv.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(bytes.length)) throw new StudioError('truncated', 'A pickle length field exceeds the file size.');
    return Number(v);
  };
  const take = (n: number): Uint8Array => {
    need(n);
    pos += n;
    return bytes.subarray(pos - n, pos);
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw new StudioError('truncated', 'The pickle ends unexpectedly inside a text field.');
    const text = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return text;
  };

  const depthOf = (v: PyValue): number => (typeof v === 'object' && v !== null ? (depth.get(v) ?? 0) : 0);
  const nest = <T extends object>(container: T, children: Iterable<PyValue>, base = 0): T => {
    let d = Math.max(base, 1);
    for (const c of children) d = Math.max(d, depthOf(c) + 1);
    if (d > maxDepth) limit('nesting depth', maxDepth);
    depth.set(container, d);
    return container;
  };

  const push = (v: PyValue): void => {
    if (++stackTotal > maxStack) limit('stack size', maxStack);
    if (++created > maxValues) limit('number of values', maxValues);
    stack.push(v);
  };
  const pop = (): PyValue => {
    if (stack.length === 0) malformed('stack underflow');
    stackTotal--;
    return stack.pop()!;
  };
  const top = (): PyValue => {
    if (stack.length === 0) malformed('stack underflow');
    return stack[stack.length - 1]!;
  };
  const popMark = (): PyValue[] => {
    const items = stack;
    const prev = metastack.pop();
    if (!prev) malformed('MARK missing');
    stack = prev;
    stackTotal -= items.length;
    return items;
  };

  const resolve = (module: string, name: string): PyGlobal => {
    const impl = opts.globals.get(`${module}.${name}`);
    if (!impl) {
      const full = `${module}.${name}`;
      const shown = full.length > MAX_NAME_IN_MESSAGE ? `${full.slice(0, MAX_NAME_IN_MESSAGE)}…` : full;
      throw new StudioError(
        'forbidden-global',
        `The file asks to run the Python global ${shown}, which is not allowed in a hypernetwork file. It may be malicious; it was not executed.`,
        { global: shown },
      );
    }
    return new PyGlobal(module, name, impl);
  };
  const call = (fn: PyValue, args: readonly PyValue[]): PyValue => {
    if (!(fn instanceof PyGlobal)) malformed('call of a non-callable value');
    const out = fn.impl.call(args, fn);
    if (typeof out === 'object' && out !== null && !depth.has(out)) nest(out, args);
    return out;
  };
  const tupleArgs = (v: PyValue): readonly PyValue[] => {
    if (!(v instanceof PyTuple)) malformed('call arguments are not a tuple');
    return v.items;
  };
  const memoPut = (idx: number, v: PyValue): void => {
    if (!memo.has(idx) && memo.size >= maxMemo) limit('memo size', maxMemo);
    memo.set(idx, v);
  };
  const memoGet = (idx: number): PyValue => {
    if (!memo.has(idx)) malformed(`memo key ${idx} missing`);
    return memo.get(idx)!;
  };
  const setItems = (dict: PyValue, items: PyValue[]): void => {
    if (!(dict instanceof PyDict)) malformed('SETITEM(S) on a non-dict');
    if (items.length % 2) malformed('odd number of dict items');
    for (let i = 0; i < items.length; i += 2) dict.set(items[i]!, items[i + 1]!);
    nest(dict, items, depthOf(dict));
  };
  const appendItems = (list: PyValue, items: PyValue[]): void => {
    if (!Array.isArray(list) && !(list instanceof PySet)) malformed('APPEND(S) on a non-list');
    const target = Array.isArray(list) ? list : list.items;
    // one at a time: `push(...items)` with 200k items overflows the call stack
    for (const item of items) target.push(item);
    nest(list, items, depthOf(list));
  };
  const pushLong = (n: number): void => {
    if (n > MAX_LONG_BYTES) limit('integer size in bytes', MAX_LONG_BYTES);
    push(decodeLong(take(n)));
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) malformed('unsupported protocol');
        break;
      case 0x95: // FRAME: a length hint only
        u64();
        break;
      case 0x2e: { // STOP
        const value = pop();
        return { value, end: pos };
      }
      case 0x28: // MARK
        if (metastack.length >= maxDepth) limit('nesting depth', maxDepth);
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length) pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;

      // --- scalars
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(u16()); break; // BININT2
      case 0x4a: push(i32()); break; // BININT
      case 0x8a: pushLong(u8()); break; // LONG1
      case 0x8b: { // LONG4
        const n = i32();
        if (n < 0) malformed('negative LONG4 length');
        pushLong(n);
        break;
      }
      case 0x49: { // INT (protocol 0; "00"/"01" are bools)
        const t = line();
        push(t === '00' ? false : t === '01' ? true : parseIntText(t));
        break;
      }
      case 0x4c: push(parseIntText(line())); break; // LONG
      case 0x46: { // FLOAT
        const v = Number(line().trim());
        if (Number.isNaN(v)) malformed('bad float literal');
        push(new PyFloat(v));
        break;
      }
      case 0x47: { // BINFLOAT: big-endian double
        need(8);
        push(new PyFloat(dv.getFloat64(pos, false)));
        pos += 8;
        break;
      }

      // --- strings and bytes
      case 0x58: push(utf8.decode(take(u32()))); break; // BINUNICODE
      case 0x8c: push(utf8.decode(take(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: push(utf8.decode(take(u64()))); break; // BINUNICODE8
      case 0x56: { // UNICODE
        const from = pos;
        line();
        push(rawUnicodeEscape(bytes.subarray(from, pos - 1)));
        break;
      }
      case 0x53: push(unquote(line().trim())); break; // STRING
      case 0x54: { // BINSTRING (torch unpickles py2 str as utf-8)
        const n = i32();
        if (n < 0) malformed('negative BINSTRING length');
        push(utf8.decode(take(n)));
        break;
      }
      case 0x55: push(utf8.decode(take(u8()))); break; // SHORT_BINSTRING
      case 0x42: push(take(u32())); break; // BINBYTES
      case 0x43: push(take(u8())); break; // SHORT_BINBYTES
      case 0x8e: push(take(u64())); break; // BINBYTES8
      case 0x96: push(take(u64()).slice()); break; // BYTEARRAY8

      // --- containers
      case 0x29: push(new PyTuple([])); break; // EMPTY_TUPLE
      case 0x85: { // TUPLE1
        const a = pop();
        push(nest(new PyTuple([a]), [a]));
        break;
      }
      case 0x86: { // TUPLE2
        const b = pop(), a = pop();
        push(nest(new PyTuple([a, b]), [a, b]));
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop(), b = pop(), a = pop();
        push(nest(new PyTuple([a, b, c]), [a, b, c]));
        break;
      }
      case 0x74: { // TUPLE
        const items = popMark();
        push(nest(new PyTuple(items), items));
        break;
      }
      case 0x5d: push(nest([], [])); break; // EMPTY_LIST
      case 0x6c: { // LIST
        const items = popMark();
        push(nest(items, items));
        break;
      }
      case 0x61: { // APPEND
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x7d: push(nest(new PyDict(), [])); break; // EMPTY_DICT
      case 0x64: { // DICT
        const items = popMark();
        const d = nest(new PyDict(), []);
        setItems(d, items);
        push(d);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop(), k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x8f: push(nest(new PySet(), [])); break; // EMPTY_SET
      case 0x90: { // ADDITEMS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x91: { // FROZENSET
        const items = popMark();
        push(nest(new PySet(items), items));
        break;
      }

      // --- memo
      case 0x70: memoPut(Number(parseIntText(line())), top()); break; // PUT
      case 0x71: memoPut(u8(), top()); break; // BINPUT
      case 0x72: memoPut(u32(), top()); break; // LONG_BINPUT
      case 0x94: memoPut(memo.size, top()); break; // MEMOIZE
      case 0x67: push(memoGet(Number(parseIntText(line())))); break; // GET
      case 0x68: push(memoGet(u8())); break; // BINGET
      case 0x6a: push(memoGet(u32())); break; // LONG_BINGET

      // --- globals and calls: only through the whitelist
      case 0x63: { // GLOBAL
        const module = line();
        push(resolve(module, line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop(), module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') malformed('STACK_GLOBAL needs two strings');
        push(resolve(module, name));
        break;
      }
      case 0x52: { // REDUCE
        const args = tupleArgs(pop());
        push(call(pop(), args));
        break;
      }
      case 0x81: { // NEWOBJ
        const args = tupleArgs(pop());
        push(call(pop(), args));
        break;
      }
      case 0x92: { // NEWOBJ_EX (keyword arguments are not used by any whitelisted constructor)
        pop();
        const args = tupleArgs(pop());
        push(call(pop(), args));
        break;
      }
      case 0x69: { // INST
        const module = line();
        const cls = resolve(module, line());
        push(call(cls, popMark()));
        break;
      }
      case 0x6f: { // OBJ
        const items = popMark();
        if (items.length === 0) malformed('OBJ without a class');
        push(call(items[0]!, items.slice(1)));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const obj = top();
        if (obj instanceof PyObject && obj.cls.impl.build) obj.cls.impl.build(obj, state);
        else if (obj instanceof PyObject || obj instanceof PyDict) obj.state = state;
        else malformed('BUILD on a value that has no state');
        if (typeof obj === 'object' && obj !== null) nest(obj, [state], depthOf(obj));
        break;
      }
      case 0x51: { // BINPERSID
        if (!opts.persistentLoad) malformed('persistent ids are not allowed here');
        push(opts.persistentLoad(pop()));
        break;
      }
      case 0x50: { // PERSID
        if (!opts.persistentLoad) malformed('persistent ids are not allowed here');
        push(opts.persistentLoad(line()));
        break;
      }

      case 0x82: case 0x83: case 0x84: // EXT1/2/4: the copyreg extension registry
      case 0x97: case 0x98: // NEXT_BUFFER / READONLY_BUFFER: out-of-band buffers
        throw new StudioError('unsupported-opcode', `The pickle uses opcode 0x${op.toString(16)}, which a hypernetwork file never needs.`);
      default:
        throw new StudioError('unsupported-opcode', `Unknown pickle opcode 0x${op.toString(16)} at byte ${pos - 1}: the file is damaged or not a pickle.`);
    }
  }
}
