/**
 * A torch.save `.ckpt` read lazily: the zip directory through ranged reads (`zip-ranged.ts`), `data.pkl`
 * through the restricted unpickler of `src/core/formats/` (A1111's whitelist; nothing is executed, so a
 * malicious pickle is refused with the global it names), the state dict found (top level, or under
 * `state_dict` as Lightning saves it; other keys such as `global_step` tolerated), and each tensor read as one
 * range of its STORED `data/<key>` record when it is needed.
 */
import { StudioError } from '../errors.ts';
import { DTYPE_SIZE } from '../formats/dtype.ts';
import { PyDict, unpickle, type PyValue } from '../formats/pickle.ts';
import { decodeTensor, isTensor, type StorageRef, type TorchTensor } from '../formats/torch.ts';
import { storageFromPid, TORCH_GLOBALS } from '../formats/torch-globals.ts';
import { badCheckpoint, checkedNumel, FLOAT_DTYPES, MAX_TENSOR_BYTES, readExactly, type Checkpoint, type CheckpointTensor, type NamedFile } from './types.ts';
import { openRangedZip, type RangedZip } from './zip-ranged.ts';

/** A checkpoint's data.pkl is ~100 KB per thousand tensors; a crafted one cannot make us read more than this. */
const MAX_PICKLE_BYTES = 64 * 1024 * 1024;
/** values and memo entries the unpickler may hold (an SD checkpoint needs ~20 per tensor) */
const PICKLE_LIMITS = { maxStack: 1 << 21, maxMemo: 1 << 21 };

/** The dict of tensors: `state_dict` when the root has one (Lightning), else the root itself. */
function stateDict(root: PyValue, f: NamedFile): PyDict {
  if (!(root instanceof PyDict)) throw badCheckpoint(f.name, 'its pickle holds no dict of tensors');
  const nested = root.get('state_dict');
  if (nested instanceof PyDict) return nested;
  return root;
}

function tensorReader(f: NamedFile, zip: RangedZip, record: (ref: StorageRef) => string, name: string, t: TorchTensor, littleEndian: boolean): CheckpointTensor {
  const { storage, shape, stride, offset } = t;
  const elsize = DTYPE_SIZE[storage.dtype];
  const numel = checkedNumel(shape, elsize, f.name, name);
  const last = shape.reduce((acc, n, k) => acc + (n - 1) * stride[k]!, offset);
  if (numel > 0 && last >= storage.numel) throw badCheckpoint(f.name, `tensor "${name}" reaches past its storage ${storage.key}`, { tensor: name });
  if ((last - offset + 1) * elsize > MAX_TENSOR_BYTES) throw badCheckpoint(f.name, `tensor "${name}" spans more than ${MAX_TENSOR_BYTES} bytes of its storage`, { tensor: name });
  return {
    name,
    dtype: storage.dtype,
    shape,
    async read() {
      if (!FLOAT_DTYPES.has(storage.dtype)) throw badCheckpoint(f.name, `tensor "${name}" is ${storage.dtype}, not a float type`, { tensor: name });
      if (numel === 0) return new Float32Array(0);
      const entry = zip.entries.get(record(storage))!;
      const start = await zip.dataStart(entry);
      // the elements the tensor spans (exactly its own for the contiguous tensors torch saves), decoded by torch.ts
      const span = await readExactly(f, start + offset * elsize, (last - offset + 1) * elsize);
      const local: StorageRef = { ...storage, numel: last - offset + 1, elementOffset: 0, bytes: span };
      // the span was bounded above (MAX_TENSOR_BYTES), so the element budget is exactly this tensor's
      const source = { littleEndian, budget: { decodeElements: numel, inflateBytes: 0 }, storageBytes: () => span };
      return decodeTensor({ ...t, storage: local, offset: 0 }, source).data;
    },
  };
}

export async function readCkpt(f: NamedFile): Promise<Checkpoint> {
  const zip = await openRangedZip(f);
  const pickles = [...zip.entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pickles.length !== 1) throw new StudioError('not-a-torch-file', `${f.name} is a zip archive but not one written by torch.save (${pickles.length} data.pkl records).`, { file: f.name });
  const archive = pickles[0]!.slice(0, -'/data.pkl'.length);
  const pkl = zip.entries.get(pickles[0]!)!;
  if (pkl.size > MAX_PICKLE_BYTES) throw new StudioError('limit-exceeded', `${f.name}: its data.pkl is ${pkl.size} bytes (at most ${MAX_PICKLE_BYTES}).`, { bytes: pkl.size });

  let littleEndian = true;
  const order = zip.entries.get(`${archive}/byteorder`);
  if (order) {
    if (order.size > 16) throw badCheckpoint(f.name, 'its byteorder record is not "little" or "big"');
    const text = new TextDecoder().decode(await readExactly(f, await zip.dataStart(order), order.size)).trim();
    if (text !== 'little' && text !== 'big') throw badCheckpoint(f.name, `its byteorder record says "${text.slice(0, 20)}"`);
    littleEndian = text === 'little';
  }

  const record = (ref: StorageRef) => `${archive}/data/${ref.key}`;
  const cache = new Map<string, StorageRef>();
  const persistentLoad = (pid: PyValue): PyValue => {
    const ref = storageFromPid(pid, cache, false);
    const entry = zip.entries.get(record(ref));
    if (!entry) throw new StudioError('missing-record', `${f.name} has no record data/${ref.key} for a tensor's storage.`, { key: ref.key });
    if (ref.numel * DTYPE_SIZE[ref.dtype] > entry.size) {
      throw new StudioError('storage-size', `${f.name}: storage ${ref.key} declares ${ref.numel} ${ref.dtype} elements but its record holds ${entry.size} bytes.`, { key: ref.key });
    }
    return ref;
  };
  const pickle = await readExactly(f, await zip.dataStart(pkl), pkl.size);
  const { value } = unpickle(pickle, { globals: TORCH_GLOBALS, persistentLoad, ...PICKLE_LIMITS });

  const tensors = new Map<string, CheckpointTensor>();
  const otherKeys: string[] = [];
  for (const { key, value: v } of stateDict(value, f).entries()) {
    const name = typeof key === 'string' ? key : String(key);
    if (isTensor(v)) tensors.set(name, tensorReader(f, zip, record, name, v, littleEndian));
    else otherKeys.push(name);
  }
  if (value instanceof PyDict && value.get('state_dict') instanceof PyDict) {
    for (const { key } of value.entries()) if (key !== 'state_dict') otherKeys.push(String(key));
  }
  return { format: 'ckpt', tensors, metadata: {}, otherKeys };
}
