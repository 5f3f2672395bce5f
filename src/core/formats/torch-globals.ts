/**
 * The Python globals a torch file may name (A1111's `modules/safe.py` whitelist, docs/hypernetwork-format.md
 * §6) mapped to pure data constructors, and the storage persistent ids (§2.2) they refer to.
 */
import { StudioError } from '../errors.ts';
import { DTYPE_SIZE, type TorchDtype } from './dtype.ts';
import { DATA_GLOBALS, PyGlobal, PyObject, PyTuple, type GlobalImpl, type PyValue } from './pickle.ts';
import { isTensor, type StorageRef, type TorchTensor } from './torch-tensor.ts';

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

