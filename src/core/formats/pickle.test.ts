import { describe, expect, it } from 'vitest';
import { isStudioError } from '../errors.ts';
import type { PySet, PyTuple} from './pickle.ts';
import { DATA_GLOBALS, PyDict, PyFloat, unpickle, type PyValue } from './pickle.ts';

const hex = (h: string): Uint8Array => Uint8Array.from(h.match(/../g)!.map((b) => parseInt(b, 16)));
const run = (h: string | Uint8Array, maxDepth?: number): PyValue =>
  unpickle(typeof h === 'string' ? hex(h) : h, { globals: DATA_GLOBALS, maxDepth }).value;

function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (e) {
    if (isStudioError(e)) return e;
    throw e;
  }
  throw new Error('no error');
}

/**
 * pickle.dumps(obj, protocol=0..5) by CPython 3.11 of
 * {1: 'a', '1': [1.5, True, None, (1, 2, 3)], 'big': 2**70, 'neg': -5, 'bytes': b'xyz', 'set': {7}, 'f': 1.0, 'u': 'héllo ✓'}
 */
const SAME_OBJECT_ALL_PROTOCOLS = [
  '286470300a49310a56610a70310a7356310a70320a286c70330a46312e350a614930310a614e612849310a49320a49330a7470340a6173566269670a70350a4c313138303539313632303731373431313330333432344c0a73566e65670a70360a492d350a735662797465730a70370a635f636f646563730a656e636f64650a70380a285678797a0a70390a566c6174696e310a7031300a747031310a527031320a73567365740a7031330a635f5f6275696c74696e5f5f0a7365740a7031340a28286c7031350a49370a61747031360a527031370a7356660a7031380a46312e300a7356750a7031390a5668e96c6c6f205c75323731330a7032300a732e',
  '7d7100284b01580100000061710158010000003171025d710328473ff80000000000004930310a4e284b014b024b0374710465580300000062696771054c313138303539313632303731373431313330333432344c0a58030000006e656771064afbffffff580500000062797465737107635f636f646563730a656e636f64650a710828580300000078797a710958060000006c6174696e31710a74710b52710c5803000000736574710d635f5f6275696c74696e5f5f0a7365740a710e285d710f4b07617471105271115801000000667112473ff00000000000005801000000757113580a00000068c3a96c6c6f20e29c937114752e',
  '80027d7100284b01580100000061710158010000003171025d710328473ff8000000000000884e4b014b024b0387710465580300000062696771058a0900000000000000004058030000006e656771064afbffffff580500000062797465737107635f636f646563730a656e636f64650a7108580300000078797a710958060000006c6174696e31710a86710b52710c5803000000736574710d635f5f6275696c74696e5f5f0a7365740a710e5d710f4b07618571105271115801000000667112473ff00000000000005801000000757113580a00000068c3a96c6c6f20e29c937114752e',
  '80037d7100284b01580100000061710158010000003171025d710328473ff8000000000000884e4b014b024b0387710465580300000062696771058a0900000000000000004058030000006e656771064afbffffff580500000062797465737107430378797a710858030000007365747109636275696c74696e730a7365740a710a5d710b4b076185710c52710d580100000066710e473ff0000000000000580100000075710f580a00000068c3a96c6c6f20e29c937110752e',
  '8004957a000000000000007d94284b018c0161948c0131945d9428473ff8000000000000884e4b014b024b038794658c03626967948a090000000000000000408c036e6567944afbffffff8c05627974657394430378797a948c03736574948f94284b07908c016694473ff00000000000008c0175948c0a68c3a96c6c6f20e29c9394752e',
  '8005957a000000000000007d94284b018c0161948c0131945d9428473ff8000000000000884e4b014b024b038794658c03626967948a090000000000000000408c036e6567944afbffffff8c05627974657394430378797a948c03736574948f94284b07908c016694473ff00000000000008c0175948c0a68c3a96c6c6f20e29c9394752e',
];

describe('restricted unpickler', () => {
  it.each(SAME_OBJECT_ALL_PROTOCOLS.map((h, protocol) => ({ h, protocol })))('reads protocol $protocol', ({ h }) => {
    const d = run(h) as PyDict;
    expect(d).toBeInstanceOf(PyDict);
    expect(d.get(1)).toBe('a');
    const list = d.get('1') as PyValue[];
    expect(list[0]).toEqual(new PyFloat(1.5));
    expect(list.slice(1, 3)).toEqual([true, null]);
    expect((list[3] as PyTuple).items).toEqual([1, 2, 3]);
    expect(d.get('big')).toBe(2n ** 70n);
    expect(d.get('neg')).toBe(-5);
    expect(d.get('bytes')).toEqual(new Uint8Array([0x78, 0x79, 0x7a]));
    expect((d.get('set') as PySet).items).toEqual([7]);
    expect(d.get('f')).toEqual(new PyFloat(1));
    expect(d.get('u')).toBe('héllo ✓');
  });

  it('keeps int and str keys apart, and never touches Object.prototype', () => {
    const d = new PyDict();
    d.set(768, 'int');
    d.set('768', 'str');
    d.set('__proto__', 'proto');
    d.set('constructor', 'ctor');
    expect(d.size).toBe(4);
    expect([d.get(768), d.get('768'), d.get('__proto__'), d.get('constructor')]).toEqual(['int', 'str', 'proto', 'ctor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('treats 1.0 and True as the same key as 1, as Python does', () => {
    const d = new PyDict();
    d.set(1, 'a');
    d.set(new PyFloat(1), 'b');
    d.set(true, 'c');
    expect(d.size).toBe(1);
    expect(d.get(1)).toBe('c');
  });

  it('names a forbidden global and executes nothing', () => {
    // cposix\nsystem\n(S'echo pwned'\ntR.
    const bytes = new TextEncoder().encode("cposix\nsystem\n(S'echo pwned'\ntR.");
    const e = errorOf(() => run(bytes));
    expect(e.code).toBe('forbidden-global');
    expect(e.message).toContain('posix.system');
  });

  it('refuses STACK_GLOBAL outside the whitelist too', () => {
    // \x80\x04 \x8c\x08builtins \x8c\x04eval \x93 .
    const e = errorOf(() => run('80048c086275696c74696e738c046576616c932e'));
    expect(e.code).toBe('forbidden-global');
    expect(e.message).toContain('builtins.eval');
  });

  it('bounds nesting built without MARK (TUPLE1 chains)', () => {
    const bytes = new Uint8Array(2 + 100_000 + 1).fill(0x85);
    bytes[0] = 0x5d; // EMPTY_LIST
    bytes[1] = 0x85;
    bytes[bytes.length - 1] = 0x2e;
    expect(errorOf(() => run(bytes)).code).toBe('limit-exceeded');
    expect(() => run(bytes, 200_000)).not.toThrow();
  });

  it('bounds MARK depth', () => {
    const bytes = new Uint8Array(300_000).fill(0x28);
    expect(errorOf(() => run(bytes)).code).toBe('limit-exceeded');
  });

  it('reads a self-referential list without looping', () => {
    const v = run('80025d71006800612e') as PyValue[];
    expect(v[0]).toBe(v);
  });

  it('accepts BUILD on OrderedDict (torch stores _metadata that way)', () => {
    // OrderedDict() ; SETITEM 'x' 1 ; BUILD {'_metadata': {}}
    const d = run('800263636f6c6c656374696f6e730a4f726465726564446963740a295258010000' + '00784b01737d58090000005f6d657461646174617d73622e') as PyDict;
    expect(d.ordered).toBe(true);
    expect(d.get('x')).toBe(1);
    expect((d.state as PyDict).get('_metadata')).toBeInstanceOf(PyDict);
  });

  it.each([
    ['truncated string', '8002580a000000616263', 'truncated'],
    ['unknown opcode', '8002ff', 'unsupported-opcode'],
    ['extension registry', '8002820100', 'unsupported-opcode'],
    ['stack underflow', '80027352', 'malformed-pickle'],
    ['missing memo', '800268052e', 'malformed-pickle'],
    ['huge LONG4', '80028bffffff7f', 'limit-exceeded'],
    ['length beyond file', '8002580000ffff', 'truncated'],
  ])('rejects %s', (_name, h, code) => {
    expect(errorOf(() => run(h)).code).toBe(code);
  });
});
