/**
 * `torch.load(map_location="cpu")` without Python: the zip container (docs §1.1) and the legacy stream
 * (§1.2), the whitelisted globals of A1111's safe unpickler (§6) mapped to pure data constructors, storages
 * shared between views, and tensors decoded exactly to float32 — as zero-copy views where the bytes allow.
 */
import { StudioError } from '../errors.ts';
import { DTYPE_SIZE, decodeToFloat32, swapBytes, type TorchDtype } from './dtype.ts';
import { DATA_GLOBALS, PyDict, PyGlobal, PyObject, PyTuple, unpickle, type GlobalImpl, type PyExtension, type PyValue } from './pickle.ts';
import { isZip, readZipDirectory, readZipEntry, type ZipEntry } from './zip.ts';

/** A storage named by a persistent id; its bytes are bound once the container has been read. */
export interface StorageRef extends PyExtension {
  readonly pyKind: 'storage';
  readonly key: string;
  readonly dtype: TorchDtype;
  /** element count declared by the pickle */
  readonly numel: number;
  readonly location: string;
  /** element offset into the root storage (legacy storage views only) */
  readonly elementOffset: number;
  bytes: Uint8Array | undefined;
}

export interface TorchTensor extends PyExtension {
  readonly pyKind: 'tensor';
  readonly storage: StorageRef;
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

export interface TorchFile {
  readonly root: PyValue;
  readonly format: 'zip' | 'legacy';
  /** zip only: the archive's top-level folder (never assume "archive") */
  readonly archiveName: string | null;
  readonly littleEndian: boolean;
  /** zip records beyond A1111's strict set (`byteorder`, `.data/serialization_id`, …) */
  readonly extraRecords: string[];
}

export function isTensor(v: PyValue | undefined): v is TorchTensor {
  return typeof v === 'object' && v !== null && (v as Partial<TorchTensor>).pyKind === 'tensor';
}

const STORAGE_DTYPES = new Map<string, TorchDtype>([
  ['FloatStorage', 'float32'],
  ['HalfStorage', 'float16'],
  ['BFloat16Storage', 'bfloat16'],
  ['DoubleStorage', 'float64'],
  ['LongStorage', 'int64'],
  ['IntStorage', 'int32'],
  ['ByteStorage', 'uint8'],
]);
/** Real torch storage types that A1111's whitelist rejects: named in the error rather than "forbidden". */
const REJECTED_STORAGES = ['ShortStorage', 'CharStorage', 'BoolStorage', 'ComplexFloatStorage', 'ComplexDoubleStorage', 'QInt8Storage', 'QUInt8Storage', 'QInt32Storage', 'UntypedStorage'];

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

function bad(msg: string): never {
  throw new StudioError('bad-tensor', msg);
}

function intArg(v: PyValue | undefined, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) bad(`Tensor ${what} is not a non-negative integer.`);
  return v;
}

function intTuple(v: PyValue | undefined, what: string): number[] {
  if (!(v instanceof PyTuple)) bad(`Tensor ${what} is not a tuple.`);
  return v.items.map((x) => intArg(x, what));
}

const opaqueClass: GlobalImpl = { call: (args, self) => new PyObject(self, args) };
const notCallable = (what: string): GlobalImpl => ({
  call: () => {
    throw new StudioError('malformed-pickle', `Malformed pickle: ${what} cannot be called.`);
  },
});

function rebuildTensor(args: readonly PyValue[]): TorchTensor {
  const [storage, offset, size, stride] = args;
  if (typeof storage !== 'object' || storage === null || (storage as Partial<StorageRef>).pyKind !== 'storage') {
    bad('_rebuild_tensor_v2 did not receive a storage.');
  }
  const shape = intTuple(size, 'size');
  const strides = intTuple(stride, 'stride');
  if (shape.length !== strides.length) bad('Tensor size and stride differ in length.');
  return { pyKind: 'tensor', storage: storage as StorageRef, offset: intArg(offset, 'offset'), shape, stride: strides };
}

function passTensor(args: readonly PyValue[]): PyValue {
  if (!isTensor(args[0])) bad('_rebuild_parameter did not receive a tensor.');
  return args[0];
}

/** A1111's `modules/safe.py` whitelist (docs §6) plus torch's tensor-rebuild functions. */
function torchGlobals(): Map<string, GlobalImpl> {
  const g = new Map<string, GlobalImpl>(DATA_GLOBALS);
  g.set('torch._utils._rebuild_tensor_v2', { call: rebuildTensor });
  g.set('torch._utils._rebuild_parameter', { call: passTensor });
  g.set('torch._utils._rebuild_parameter_with_state', { call: passTensor });
  g.set('torch._utils._rebuild_device_tensor_from_numpy', {
    call: () => {
      throw new StudioError('unsupported-dtype', 'The file stores a numpy-backed tensor (_rebuild_device_tensor_from_numpy), which hypernetworks never use.');
    },
  });
  for (const name of [...STORAGE_DTYPES.keys(), ...REJECTED_STORAGES]) g.set(`torch.${name}`, notCallable(`torch.${name}`));
  g.set('torch.float32', notCallable('torch.float32'));
  for (const cls of [
    'torch.nn.modules.container.ParameterDict',
    'numpy.core.multiarray.scalar',
    'numpy.core.multiarray._reconstruct',
    'numpy.dtype',
    'numpy.ndarray',
    'pytorch_lightning.callbacks.model_checkpoint',
    'pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint',
  ]) g.set(cls, opaqueClass);
  return g;
}

export const TORCH_GLOBALS = torchGlobals();

/** Interprets a storage persistent id: ('storage', torch.<X>Storage, key, location, numel[, view_metadata]). */
export function storageFromPid(pid: PyValue, cache: Map<string, StorageRef>, legacy: boolean): StorageRef {
  if (!(pid instanceof PyTuple) || pid.items[0] !== 'storage') {
    throw new StudioError('malformed-pickle', 'Malformed pickle: a persistent id is not a storage reference.');
  }
  const [, type, key, location, numel, view] = pid.items;
  if (!(type instanceof PyGlobal) || type.module !== 'torch') throw new StudioError('malformed-pickle', 'Malformed pickle: storage type is not a torch storage class.');
  const dtype = STORAGE_DTYPES.get(type.name);
  if (!dtype) {
    throw new StudioError('unsupported-dtype', `The file stores a tensor of type torch.${type.name}, which hypernetworks never use and A1111 rejects.`, { global: `torch.${type.name}` });
  }
  if (typeof key !== 'string' || !/^\w+$/.test(key)) throw new StudioError('malformed-pickle', 'Malformed pickle: bad storage key.');
  if (typeof numel !== 'number' && typeof numel !== 'bigint') throw new StudioError('malformed-pickle', `Malformed pickle: storage ${key} has no element count.`);
  if (typeof numel === 'bigint' || numel < 0 || !Number.isSafeInteger(numel * DTYPE_SIZE[dtype])) {
    throw new StudioError('storage-size', `Storage ${key} declares ${numel} elements, far beyond any real file; refusing to allocate.`, { key, declared: String(numel) });
  }
  let root = cache.get(key);
  if (!root) {
    root = { pyKind: 'storage', key, dtype, numel, location: typeof location === 'string' ? location : '', elementOffset: 0, bytes: undefined };
    cache.set(key, root);
  } else if (root.dtype !== dtype) {
    throw new StudioError('malformed-pickle', `Malformed pickle: storage ${key} is used with two element types.`);
  }
  if (legacy && view instanceof PyTuple) {
    // very old torch: (view_key, offset, view_size) into the root storage
    const [viewKey, offset, size] = view.items;
    if (typeof viewKey !== 'string' || typeof offset !== 'number' || typeof size !== 'number') throw new StudioError('malformed-pickle', 'Malformed pickle: bad storage view.');
    const existing = cache.get(`view:${viewKey}`);
    if (existing) return existing;
    if (offset < 0 || size < 0 || offset + size > root.numel) throw new StudioError('storage-size', `Storage view ${viewKey} lies outside storage ${key}.`);
    const v: StorageRef = { pyKind: 'storage', key, dtype, numel: size, location: root.location, elementOffset: offset, bytes: undefined };
    cache.set(`view:${viewKey}`, v);
    return v;
  }
  return root;
}

function checkStorageBytes(ref: StorageRef, available: number): void {
  const needed = (ref.elementOffset + ref.numel) * DTYPE_SIZE[ref.dtype];
  if (needed > available) {
    throw new StudioError(
      'storage-size',
      `Storage ${ref.key} declares ${ref.numel} ${ref.dtype} elements (${needed} bytes) but its record holds only ${available} bytes.`,
      { key: ref.key, declared: ref.numel, bytes: available },
    );
  }
}

function loadZip(bytes: Uint8Array): TorchFile {
  let entries: ZipEntry[];
  try {
    entries = readZipDirectory(bytes);
  } catch (e) {
    if (e instanceof StudioError) throw e;
    throw new StudioError('corrupt-zip', `The zip archive is damaged: ${(e as Error).message}`);
  }
  const pickles = entries.filter((e) => /^[^/]+\/data\.pkl$/.test(e.name));
  if (pickles.length !== 1) {
    throw new StudioError('not-a-torch-file', pickles.length ? 'The archive holds several data.pkl records; it is not a single torch.save file.' : 'The zip archive has no <folder>/data.pkl: it is not a file written by torch.save.');
  }
  const archiveName = pickles[0]!.name.slice(0, -'/data.pkl'.length);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const strict = new RegExp(`^${archiveName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/(data/\\d+|version|data\\.pkl)$`);
  const extraRecords = entries.map((e) => e.name).filter((n) => !strict.test(n));

  let littleEndian = true;
  const order = byName.get(`${archiveName}/byteorder`);
  if (order) {
    const text = new TextDecoder().decode(readZipEntry(bytes, order)).trim();
    if (text !== 'little' && text !== 'big') throw new StudioError('corrupt-zip', `The byteorder record says "${text.slice(0, 20)}".`);
    littleEndian = text === 'little';
  }

  const cache = new Map<string, StorageRef>();
  const persistentLoad = (pid: PyValue): PyValue => {
    const ref = storageFromPid(pid, cache, false);
    if (!ref.bytes) {
      const entry = byName.get(`${archiveName}/data/${ref.key}`);
      if (!entry) throw new StudioError('missing-record', `The archive has no record data/${ref.key} for a tensor's storage.`, { key: ref.key });
      checkStorageBytes(ref, entry.size);
      ref.bytes = readZipEntry(bytes, entry);
    }
    return ref;
  };
  const { value } = unpickle(readZipEntry(bytes, pickles[0]!), { globals: TORCH_GLOBALS, persistentLoad });
  return { root: value, format: 'zip', archiveName, littleEndian, extraRecords };
}

function loadLegacy(bytes: Uint8Array): TorchFile {
  const plain = { globals: new Map<string, GlobalImpl>() };
  let magic: PyValue;
  let pos: number;
  try {
    ({ value: magic, end: pos } = unpickle(bytes, plain));
  } catch {
    magic = null;
    pos = 0;
  }
  if (magic !== LEGACY_MAGIC) {
    throw new StudioError('not-a-torch-file', 'This is not a PyTorch file: it is neither a torch.save zip archive nor a legacy torch stream.');
  }
  const protocol = unpickle(bytes, plain, pos);
  if (protocol.value !== LEGACY_PROTOCOL) throw new StudioError('not-a-torch-file', `Unsupported legacy torch protocol ${String(protocol.value)}.`);
  const sysInfo = unpickle(bytes, { globals: TORCH_GLOBALS }, protocol.end);
  const littleEndian = !(sysInfo.value instanceof PyDict && sysInfo.value.get('little_endian') === false);

  const cache = new Map<string, StorageRef>();
  const obj = unpickle(bytes, { globals: TORCH_GLOBALS, persistentLoad: (pid) => storageFromPid(pid, cache, true) }, sysInfo.end);
  const keys = unpickle(bytes, plain, obj.end);
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) {
    throw new StudioError('malformed-pickle', 'Malformed legacy file: the storage key list is missing.');
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = keys.end;
  for (const key of keys.value as string[]) {
    const root = cache.get(key);
    if (!root) throw new StudioError('malformed-pickle', `Malformed legacy file: storage ${key} is listed but never used.`);
    if (at + 8 > bytes.length) throw new StudioError('truncated', `The file ends before storage ${key}: the file is truncated.`);
    const count = dv.getBigInt64(at, littleEndian);
    at += 8;
    const size = DTYPE_SIZE[root.dtype];
    if (count < 0n || count * BigInt(size) > BigInt(bytes.length - at)) {
      throw new StudioError('truncated', `Storage ${key} needs ${count} elements but the file ends first: the file is truncated.`);
    }
    const n = Number(count) * size;
    checkStorageBytes(root, n);
    root.bytes = bytes.subarray(at, at + n);
    at += n;
  }
  for (const [name, ref] of cache) {
    if (name.startsWith('view:')) ref.bytes = cache.get(ref.key)?.bytes;
    if (!ref.bytes) throw new StudioError('missing-record', `The file holds no data for storage ${ref.key}.`, { key: ref.key });
  }
  return { root: obj.value, format: 'legacy', archiveName: null, littleEndian, extraRecords: [] };
}

/** Reads a torch.save file (zip or legacy stream). Executes nothing; storages are bound, not decoded. */
export function loadTorchFile(bytes: Uint8Array): TorchFile {
  if (bytes.length === 0) throw new StudioError('empty-file', 'The file is empty (0 bytes).');
  return isZip(bytes) ? loadZip(bytes) : loadLegacy(bytes);
}

export interface DecodedTensor {
  readonly dtype: TorchDtype;
  readonly shape: readonly number[];
  /** float32 values, row-major; a view of the file where the stored bytes allow */
  readonly data: Float32Array;
  /** the stored bytes in row-major order, little-endian; a view where the tensor is contiguous */
  readonly raw: Uint8Array;
}

function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    if (shape[k] !== 1 && stride[k] !== expected) return false;
    expected *= shape[k]!;
  }
  return true;
}

/** Gathers a strided tensor's elements into contiguous bytes (iteratively: no recursion on rank). */
function gather(src: Uint8Array, elsize: number, offset: number, shape: readonly number[], stride: readonly number[], numel: number): Uint8Array {
  const out = new Uint8Array(numel * elsize);
  const index = new Array<number>(shape.length).fill(0);
  let element = offset;
  for (let i = 0; i < numel; i++) {
    out.set(src.subarray(element * elsize, element * elsize + elsize), i * elsize);
    for (let k = shape.length - 1; k >= 0; k--) {
      index[k]!++;
      element += stride[k]!;
      if (index[k]! < shape[k]!) break;
      element -= stride[k]! * shape[k]!;
      index[k] = 0;
    }
  }
  return out;
}

/** Decodes a tensor exactly to float32 (bounds checked against its storage). */
export function decodeTensor(t: TorchTensor, littleEndian: boolean): DecodedTensor {
  const { storage, shape, stride, offset } = t;
  const elsize = DTYPE_SIZE[storage.dtype];
  const numel = shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(numel)) bad('Tensor element count overflows.');
  if (numel > 0) {
    const last = shape.reduce((acc, n, k) => acc + (n - 1) * stride[k]!, offset);
    if (last >= storage.numel) bad(`Tensor of shape [${shape.join(', ')}] at offset ${offset} reaches past its storage ${storage.key} (${storage.numel} elements).`);
  }
  const base = storage.bytes!.subarray(storage.elementOffset * elsize);
  let raw = isContiguous(shape, stride) ? base.subarray(offset * elsize, (offset + numel) * elsize) : gather(base, elsize, offset, shape, stride, numel);
  if (!littleEndian && elsize > 1) {
    if (raw.buffer === base.buffer) raw = raw.slice();
    swapBytes(raw, elsize);
  }
  const aligned = raw.byteOffset % 4 === 0;
  const data = storage.dtype === 'float32' && aligned ? new Float32Array(raw.buffer, raw.byteOffset, numel) : decodeToFloat32(raw, storage.dtype, numel);
  return { dtype: storage.dtype, shape, data, raw };
}
