/**
 * The values a restricted unpickle produces: Python's types kept apart (int vs float, str vs bytes, tuple vs
 * list), dicts keyed by a typed identity so no plain-object key can pollute a prototype, and the whitelist
 * hooks a caller supplies. The pickle errors (`limit`, `malformed`) live here as every pickle module throws them.
 */
import { StudioError } from '../errors.ts';

/** The longest key identity (see `PyDict.tag`): hypernetwork keys are short strings and ints. */
const MAX_KEY_TAG = 1 << 16;
const TUPLE_TAGS = new WeakMap<PyTuple, string>();

export function limit(what: string, max: number): never {
  throw new StudioError('limit-exceeded', `The pickle exceeds the reader's limit on ${what} (${max}); the file is malformed or malicious.`);
}

export function malformed(msg: string): never {
  throw new StudioError('malformed-pickle', `Malformed pickle: ${msg}.`);
}

/** A Python float (ints stay plain numbers or bigints, so `768` and `768.0` remain distinguishable). */
export class PyFloat {
  constructor(readonly value: number) {}
}

export class PyTuple {
  constructor(readonly items: readonly PyValue[]) {}
}

export class PySet {
  constructor(readonly items: PyValue[] = []) {}
}

/** A whitelisted global (class or function) as resolved by the caller's table. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly impl: GlobalImpl,
  ) {}
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An instance of a whitelisted class that has no data representation of its own. */
export class PyObject {
  state: PyValue | undefined;
  constructor(
    readonly cls: PyGlobal,
    readonly args: readonly PyValue[],
  ) {}
}

/** Extension values produced by whitelisted constructors or persistent ids (storages, tensors, …). */
export interface PyExtension {
  readonly pyKind: string;
}

export type PyKey = string | number | bigint | boolean | null | PyFloat | PyTuple;

/** A dict or OrderedDict. Keys are tagged by Python type, so 1, "1" and 1.0 never merge. */
export class PyDict {
  private readonly map = new Map<string, { key: PyValue; value: PyValue }>();
  /** State set by BUILD (torch's OrderedDict carries `_metadata` this way). */
  state: PyValue | undefined;
  constructor(readonly ordered = false) {}

  /**
   * The key's identity as a string. A tuple's is built from its items' and cached on it: memo references
   * let a few bytes nest a tuple of itself twice, 30 times over, so the size is checked before joining.
   */
  static tag(key: PyValue): string {
    if (typeof key === 'string') return `s:${key}`;
    if (typeof key === 'number' || typeof key === 'bigint') return `i:${key}`;
    if (typeof key === 'boolean') return `i:${key ? 1 : 0}`; // Python: True == 1 as a key
    if (key === null) return 'n:';
    if (key instanceof PyFloat) return Number.isInteger(key.value) ? `i:${key.value}` : `f:${key.value}`;
    if (key instanceof PyTuple) {
      const cached = TUPLE_TAGS.get(key);
      if (cached !== undefined) return cached;
      const parts = key.items.map((k) => PyDict.tag(k));
      if (parts.reduce((n, p) => n + p.length + 1, 4) > MAX_KEY_TAG) limit('dict key size', MAX_KEY_TAG);
      const tag = `t:(${parts.join(',')})`;
      TUPLE_TAGS.set(key, tag);
      return tag;
    }
    throw new StudioError('malformed-pickle', 'A dict key has an unhashable type.');
  }

  set(key: PyValue, value: PyValue): void {
    this.map.set(PyDict.tag(key), { key, value });
  }
  get(key: PyKey): PyValue | undefined {
    return this.map.get(PyDict.tag(key))?.value;
  }
  has(key: PyKey): boolean {
    return this.map.has(PyDict.tag(key));
  }
  get size(): number {
    return this.map.size;
  }
  entries(): IterableIterator<{ key: PyValue; value: PyValue }> {
    return this.map.values();
  }
}

export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyFloat
  | PyTuple
  | PyValue[]
  | PyDict
  | PySet
  | PyGlobal
  | PyObject
  | PyExtension;

/** What a whitelisted global does when called (REDUCE, NEWOBJ, INST, OBJ). */
export interface GlobalImpl {
  call(args: readonly PyValue[], self: PyGlobal): PyValue;
  /** BUILD on an instance; default: keep the state on PyObject/PyDict. */
  build?(obj: PyValue, state: PyValue): void;
}

export interface UnpickleOptions {
  /** `module.name` → implementation. Everything not listed is forbidden. */
  globals: ReadonlyMap<string, GlobalImpl>;
  persistentLoad?: (pid: PyValue) => PyValue;
  /** container nesting (default 256) */
  maxDepth?: number;
  /** values on the stack (default 4M) */
  maxStack?: number;
  /** memo entries (default 4M) */
  maxMemo?: number;
  /** values created over the whole pickle, one per value-producing opcode (default 4M): bounds its memory */
  maxValues?: number;
}

export interface UnpickleResult {
  value: PyValue;
  /** offset just past STOP: legacy torch files hold several pickles back to back */
  end: number;
}
