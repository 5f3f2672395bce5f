/**
 * `torch.load(map_location="cpu")` without Python: the zip container (docs §1.1) and the legacy stream
 * (§1.2), the whitelisted globals of A1111's safe unpickler (§6) mapped to pure data constructors, storages
 * shared between views, and tensors decoded exactly to float32 — as zero-copy views where the bytes allow.
 */
import { StudioError } from '../errors.ts';
import { DTYPE_SIZE } from './dtype.ts';
import { PyDict, unpickle, type GlobalImpl, type PyValue, type UnpickleOptions } from './pickle.ts';
import { describePyValue } from './py-describe.ts';
import { storageFromPid, TORCH_GLOBALS } from './torch-globals.ts';
import { ELEMENTS_PER_FILE_BYTE, ELEMENTS_SLACK, type ReadBudget, type StorageRef, type TensorSource } from './torch-tensor.ts';
import { DEFAULT_INFLATE_BUDGET, isZip, openZip, type ZipArchive } from './zip.ts';

export { decodeTensor, isTensor, type DecodedTensor, type ReadBudget, type StorageRef, type TorchTensor } from './torch-tensor.ts';

export interface TorchFile extends TensorSource {
  readonly root: PyValue;
  readonly format: 'zip' | 'legacy';
  /** zip only: the archive's top-level folder (never assume "archive") */
  readonly archiveName: string | null;
  readonly littleEndian: boolean;
  /** zip records beyond A1111's strict set (`byteorder`, `.data/serialization_id`, …) */
  readonly extraRecords: string[];
}

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

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

/**
 * Pickle limits for torch files. A hypernetwork's data.pkl holds a few hundred values (≈ 15 per tensor plus
 * the metadata); 2^18 leaves room for in-file optimizer state while keeping a hostile pickle's allocations
 * (one value per opcode byte at most) to tens of MB.
 */
const PICKLE_LIMITS: Partial<UnpickleOptions> = { maxValues: 1 << 18, maxMemo: 1 << 18 };

function defaultBudget(fileBytes: number): ReadBudget {
  return { decodeElements: ELEMENTS_PER_FILE_BYTE * fileBytes + ELEMENTS_SLACK, inflateBytes: DEFAULT_INFLATE_BUDGET };
}

function loadZip(bytes: Uint8Array): TorchFile {
  const budget = defaultBudget(bytes.length);
  const zip: ZipArchive = openZip(bytes, budget);
  const pickles = zip.entries.filter((e) => /^[^/]+\/data\.pkl$/.test(e.name));
  if (pickles.length !== 1) {
    throw new StudioError('not-a-torch-file', pickles.length ? 'The archive holds several data.pkl records; it is not a single torch.save file.' : 'The zip archive has no <folder>/data.pkl: it is not a file written by torch.save.');
  }
  const archiveName = pickles[0]!.name.slice(0, -'/data.pkl'.length);
  const strict = new RegExp(`^${archiveName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/(data/\\d+|version|data\\.pkl)$`);
  const extraRecords = zip.entries.map((e) => e.name).filter((n) => !strict.test(n));

  let littleEndian = true;
  const order = zip.get(`${archiveName}/byteorder`);
  if (order) {
    if (order.size > 16) throw new StudioError('corrupt-zip', `The byteorder record holds ${order.size} bytes; it should say "little" or "big".`);
    const text = new TextDecoder().decode(zip.read(order, { verifyCrc: true })).trim();
    if (text !== 'little' && text !== 'big') throw new StudioError('corrupt-zip', `The byteorder record says "${text.slice(0, 20)}".`);
    littleEndian = text === 'little';
  }

  const cache = new Map<string, StorageRef>();
  const recordOf = (ref: StorageRef) => {
    const entry = zip.get(`${archiveName}/data/${ref.key}`);
    if (!entry) throw new StudioError('missing-record', `The archive has no record data/${ref.key} for a tensor's storage.`, { key: ref.key });
    return entry;
  };
  const persistentLoad = (pid: PyValue): PyValue => {
    const ref = storageFromPid(pid, cache, false);
    // the record must exist and be large enough now; its bytes are read (inflated) only if a tensor is decoded
    checkStorageBytes(ref, recordOf(ref).size);
    return ref;
  };
  const { value } = unpickle(zip.read(pickles[0]!, { verifyCrc: true }), { globals: TORCH_GLOBALS, persistentLoad, ...PICKLE_LIMITS });
  return {
    root: value,
    format: 'zip',
    archiveName,
    littleEndian,
    extraRecords,
    budget,
    storageBytes(ref) {
      ref.bytes ??= zip.read(recordOf(ref));
      return ref.bytes;
    },
  };
}

function loadLegacy(bytes: Uint8Array): TorchFile {
  const plain: UnpickleOptions = { globals: new Map<string, GlobalImpl>(), ...PICKLE_LIMITS };
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
  if (protocol.value !== LEGACY_PROTOCOL) throw new StudioError('not-a-torch-file', `Unsupported legacy torch protocol (${describePyValue(protocol.value)}).`);
  const sysInfo = unpickle(bytes, { ...plain, globals: TORCH_GLOBALS }, protocol.end);
  const littleEndian = !(sysInfo.value instanceof PyDict && sysInfo.value.get('little_endian') === false);

  const cache = new Map<string, StorageRef>();
  const obj = unpickle(bytes, { ...plain, globals: TORCH_GLOBALS, persistentLoad: (pid) => storageFromPid(pid, cache, true) }, sysInfo.end);
  const keys = unpickle(bytes, plain, obj.end);
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) {
    throw new StudioError('malformed-pickle', 'Malformed legacy file: the storage key list is missing.');
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = keys.end;
  for (const key of keys.value as string[]) {
    const root = cache.get(key);
    if (!root) throw new StudioError('malformed-pickle', `Malformed legacy file: storage ${key} is listed but never used.`);
    if (root.bytes) throw new StudioError('malformed-pickle', `Malformed legacy file: storage ${key} is listed twice.`);
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
  return {
    root: obj.value,
    format: 'legacy',
    archiveName: null,
    littleEndian,
    extraRecords: [],
    budget: defaultBudget(bytes.length),
    storageBytes: (ref) => ref.bytes!,
  };
}

/** Reads a torch.save file (zip or legacy stream). Executes nothing; storages are bound, not decoded. */
export function loadTorchFile(bytes: Uint8Array): TorchFile {
  if (bytes.length === 0) throw new StudioError('empty-file', 'The file is empty (0 bytes).');
  return isZip(bytes) ? loadZip(bytes) : loadLegacy(bytes);
}
