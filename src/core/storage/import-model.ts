/**
 * Copies a validated model folder into the store. Configs and tokenizer files are copied as they are; each
 * network (text_encoder/, unet/, vae_decoder/, vae_encoder/) is stored canonically: its graph as a small
 * `model.onnx` whose weights all live in shards of at most 1 GiB (`weights-N.bin`), whatever the export
 * looked like, optionally converted to fp16 on the way. Everything is streamed (one tensor in memory at a
 * time), hashed as it is written, and the manifest, written last, is the commit: any failure or cancel
 * removes the model's folder, so nothing half-copied is left; a full disk is explained in bytes.
 */
import { shortHash, type ModelSource } from '../diffusion/pipeline/model-source.ts';
import { GRAPH_FILE, openNetwork, withPrecision, type NetworkGraph } from '../diffusion/pipeline/network-graph.ts';
import { StudioError, isStudioError } from '../errors.ts';
import { halfShare, type WeightFile } from '../onnx/weights.ts';
import { encodeModel, decodeModel } from '../onnx/proto.ts';
import { DEFAULT_SHARD_BYTES, layoutShards, type Shard } from '../onnx/shard.ts';
import { formatBytes } from './bytes.ts';
import { buildManifest, serializeManifest, type ManifestFile, type ModelManifest, type StoredLayout } from './manifest.ts';
import { NETWORK_FOLDERS, validateModelFolder, type ModelFolder } from './model-folder.ts';
import { createSha256 } from './sha256.ts';
import { MANIFEST_FILE, modelDir, type FileSink, type SourceFile, type StorageFs } from './storage-fs.ts';

export interface ImportProgress {
  /** the file being written (relative to the model folder) */
  file: string;
  bytesDone: number;
  bytesTotal: number;
}

export interface ImportOptions {
  /** the new model's id (a folder name in the store) */
  id: string;
  /** the name to list it under; the folder's name by default */
  name?: string;
  /** bytes the origin may still write (quota − usage), when the browser says */
  freeBytes?: number | null;
  /** 'fp16': fp32 weights are converted to fp16 as they are stored (half the space and GPU memory) */
  precision?: 'keep' | 'fp16';
  /** the largest shard (default 1 GiB) */
  shardBytes?: number;
  signal?: AbortSignal;
  onProgress?: (progress: ImportProgress) => void;
  now?: () => Date;
}

/** A network as it will be stored: the rewritten graph and the shards to fill from its (possibly converted) weights. */
export interface NetworkPlan {
  readonly dir: string;
  readonly graph: Uint8Array;
  readonly shards: Shard[];
  readonly net: NetworkGraph;
}

/** The picked folder's files as a `ModelSource`, so the import opens networks exactly as a load does. */
function folderSource(folder: ModelFolder): ModelSource {
  const byPath = new Map(folder.files.map((f) => [f.path, f]));
  return {
    name: folder.name,
    async open(path) {
      const f = byPath.get(path);
      return f ? sourceWeightFile(f) : null;
    },
  };
}

function sourceWeightFile(f: SourceFile): WeightFile {
  return { size: f.size, read: (offset, length) => f.read(offset, length) };
}

/** Opens network `dir` of `source` as a load would, converts it to fp16 if asked, and lays its weights out in shards. */
export async function planNetwork(source: ModelSource, dir: string, opts: Pick<ImportOptions, 'precision' | 'shardBytes'>): Promise<NetworkPlan> {
  let net = await openNetwork(source, dir, `${dir}/${GRAPH_FILE}`);
  if (opts.precision === 'fp16' && halfShare(net.stats) < 1) net = withPrecision(net, 'halve').net;
  const model = decodeModel(net.skeleton);
  const shards = layoutShards(model, opts.shardBytes ?? DEFAULT_SHARD_BYTES);
  return { dir, graph: encodeModel(model), shards, net };
}

/** A file stored as it is (configs, tokenizer files), streamed. */
export interface PlainFile {
  readonly path: string;
  readonly size: number;
  chunks(): AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
}

/** What `storeModel` writes under `models/<id>/`. */
export interface StoreContents {
  /** written first, as they are */
  readonly files: readonly PlainFile[];
  readonly networks: readonly NetworkPlan[];
  /** files made once the networks are stored (they may read them back from `dir`), written last */
  finish?(dir: string): Promise<PlainFile[]>;
  /** the A1111 short hash recorded in the manifest */
  modelHash?(): Promise<string | undefined>;
}

/** Validates `folder`, copies it under `models/<id>/` and returns its manifest. */
export async function importModel(folder: ModelFolder, fs: StorageFs, opts: ImportOptions): Promise<ModelManifest> {
  await validateModelFolder(folder);
  checkCancelled(opts.signal);
  const source = folderSource(folder);
  const networks: NetworkPlan[] = [];
  for (const dir of NETWORK_FOLDERS) if (folder.files.some((f) => f.path === `${dir}/${GRAPH_FILE}`)) networks.push(await planNetwork(source, dir, opts));
  const inNetwork = (path: string) => NETWORK_FOLDERS.some((dir) => path.startsWith(`${dir}/`) && !path.endsWith('.json'));
  const files = folder.files.filter((f) => !inNetwork(f.path));
  return storeModel(fs, opts, opts.name ?? folder.name, {
    files,
    networks,
    async modelHash() {
      const unet = networks.find((n) => n.dir === 'unet');
      return unet ? shortHash(await sha256Of(unet.net.files.get(GRAPH_FILE)!, opts.signal)) : undefined;
    },
  });
}

/**
 * Writes a model's files under `models/<id>/` — plain files, then each network's shards and graph, then the
 * `finish` files — hashing each as it is written, and commits it by writing the manifest last. Any failure or
 * cancel removes the folder; a full disk is reported in bytes.
 */
export async function storeModel(fs: StorageFs, opts: ImportOptions, name: string, contents: StoreContents): Promise<ModelManifest> {
  const { files, networks } = contents;
  const needed = files.reduce((n, f) => n + f.size, 0) + networks.reduce((n, p) => n + p.graph.length + p.shards.reduce((s, sh) => s + sh.size, 0), 0);
  if (opts.freeBytes != null && needed > opts.freeBytes) throw storageFull(needed, opts.freeBytes);

  const dir = modelDir(opts.id);
  await fs.removeDir(dir); // a leftover of an earlier attempt under the same id
  let done = 0;
  let sink: FileSink | null = null;
  const records: ManifestFile[] = [];
  /** writes one file from `parts` (each awaited in turn), hashing it; returns its size */
  const writeFile = async (path: string, parts: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<number> => {
    checkCancelled(opts.signal);
    opts.onProgress?.({ file: path, bytesDone: done, bytesTotal: needed });
    sink = await fs.write(`${dir}/${path}`);
    const hash = createSha256();
    let size = 0;
    for await (const chunk of parts) {
      checkCancelled(opts.signal);
      hash.update(chunk);
      await sink.write(chunk);
      size += chunk.byteLength;
      done += chunk.byteLength;
      opts.onProgress?.({ file: path, bytesDone: done, bytesTotal: needed });
    }
    await sink.close();
    sink = null;
    records.push({ path, size, sha256: hash.hex() });
    return size;
  };
  const writePlain = async (file: PlainFile): Promise<void> => {
    const size = await writeFile(file.path, file.chunks());
    if (size !== file.size) throw new StudioError('bad-model-folder', `${file.path} changed while it was copied (${size} bytes read, ${file.size} listed). Import the folder again.`, { path: file.path });
  };
  try {
    for (const file of files) await writePlain(file);
    for (const plan of networks) {
      for (const shard of plan.shards) await writeFile(`${plan.dir}/${shard.location}`, shardBytes(shard, plan.net));
      await writeFile(`${plan.dir}/${GRAPH_FILE}`, [plan.graph]);
    }
    for (const file of (await contents.finish?.(dir)) ?? []) await writePlain(file);
    checkCancelled(opts.signal);
    const modelHash = await contents.modelHash?.();
    checkCancelled(opts.signal);
    const manifest = buildManifest(opts.id, name, records, (opts.now ?? (() => new Date()))(), { ...(modelHash ? { modelHash } : {}), storage: layoutOf(networks, opts) });
    sink = await fs.write(`${dir}/${MANIFEST_FILE}`);
    await (sink as FileSink).write(serializeManifest(manifest));
    await (sink as FileSink).close();
    sink = null;
    return manifest;
  } catch (e) {
    await (sink as FileSink | null)?.abort().catch(() => undefined);
    await fs.removeDir(dir).catch(() => undefined);
    if (isQuotaError(e)) throw storageFull(needed, opts.freeBytes ?? null, done);
    throw e;
  }
}

/** A shard's bytes, tensor by tensor (zero padding between them), read from the network's weight files. */
async function* shardBytes(shard: Shard, net: NetworkGraph): AsyncIterable<Uint8Array> {
  let at = 0;
  for (const { source, at: start } of shard.pieces) {
    if (start > at) yield new Uint8Array(start - at);
    const file = net.files.get(source.location);
    if (!file) throw new StudioError('missing-file', `${net.dir}/${source.location} is missing.`, { path: `${net.dir}/${source.location}` });
    const bytes = await file.read(source.offset, source.length);
    if (bytes.length !== source.length) throw new StudioError('bad-model-folder', `${net.dir}/${source.location} changed while it was copied.`, { path: `${net.dir}/${source.location}` });
    yield bytes;
    at = start + source.length;
  }
}

/** SHA-256 of the file as the user had it (the U-Net's model.onnx, or a checkpoint, for `Model hash`), streamed. */
export async function sha256Of(file: WeightFile, signal?: AbortSignal, onBytes?: (done: number) => void): Promise<string> {
  const hash = createSha256();
  const step = 4 * 1024 * 1024;
  for (let at = 0; at < file.size; at += step) {
    checkCancelled(signal);
    hash.update(await file.read(at, Math.min(step, file.size - at)));
    onBytes?.(Math.min(at + step, file.size));
  }
  return hash.hex();
}

function layoutOf(networks: readonly NetworkPlan[], opts: ImportOptions): StoredLayout {
  const shares = networks.map((n) => halfShare(n.net.stats));
  const precision = shares.every((s) => s === 0) ? 'fp32' : shares.every((s) => s > 0.99) ? 'fp16' : 'mixed';
  return { shardBytes: Math.max(0, ...networks.flatMap((n) => n.shards.map((s) => s.size))), precision, converted: opts.precision === 'fp16' };
}

/** `QuotaExceededError` from OPFS writes (a DOMException, matched by name: the core has no DOM types). */
export function isQuotaError(e: unknown): boolean {
  if (isStudioError(e)) return e.code === 'storage-full';
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'QuotaExceededError';
}

function storageFull(needed: number, free: number | null, copied?: number): StudioError {
  const freeText = free == null ? 'the browser gave no more room' : `${formatBytes(free)} free`;
  const where = copied !== undefined ? ` (stopped after ${formatBytes(copied)}; the partial copy was removed)` : '';
  return new StudioError('storage-full', `Storage full: the model needs ${formatBytes(needed)}, ${freeText}${where}. Delete installed models or free disk space, then import again.`, {
    needed,
    free,
  });
}

export function checkCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StudioError('cancelled', 'The import was cancelled; the partial copy was removed.');
}
