/**
 * Laying a graph's external weights out into shards of at most `maxShardBytes` (1 GiB by default: well under
 * Chromium's 2 GiB Blob limit, so any shard could even be read whole), with every initializer re-pointed at its
 * shard. The import writes the shards from the plan, tensor by tensor, hashing as it goes; the stored graph is
 * then small and every weight lives in a file of bounded size, whatever the export looked like (weights inside
 * a 1.7 GB `.onnx`, one 3.4 GB `model.onnx_data`, `weights.pb`, or many files).
 */
import { StudioError } from '../errors.ts';
import { externalRef, setExternal, type ExternalRef } from './external.ts';
import type { ModelProto } from './proto.ts';

export const DEFAULT_SHARD_BYTES = 1024 ** 3;
/** tensors start at multiples of this, so runtimes may memory-map them */
const ALIGN = 4096;

export interface ShardPiece {
  /** where the bytes come from (a location the source graph names) */
  readonly source: ExternalRef;
  /** where they go in the shard */
  readonly at: number;
}

export interface Shard {
  /** file name, beside the graph */
  readonly location: string;
  readonly size: number;
  /** in write order (ascending `at`) */
  readonly pieces: readonly ShardPiece[];
}

/** Shard file names: `weights-0.bin`, `weights-1.bin`, … */
export function shardName(index: number): string {
  return `weights-${index}.bin`;
}

/**
 * Re-points every external initializer of `model` (in place) at shards and returns the shards to write. Tensors
 * keep the source's order within each source file, so reading them is sequential.
 */
export function layoutShards(model: ModelProto, maxShardBytes = DEFAULT_SHARD_BYTES): Shard[] {
  const refs = model.graph.initializer.flatMap((t) => {
    const ref = externalRef(t);
    return ref ? [{ t, ref }] : [];
  });
  const order = [...new Set(refs.map((r) => r.ref.location))];
  refs.sort((a, b) => order.indexOf(a.ref.location) - order.indexOf(b.ref.location) || a.ref.offset - b.ref.offset);
  const shards: { location: string; size: number; pieces: ShardPiece[] }[] = [];
  for (const { t, ref } of refs) {
    if (ref.length < 0) throw new StudioError('graph-error', `Initializer "${t.name}" has external data without a length.`);
    if (ref.length > maxShardBytes) throw new StudioError('unsupported-model', `Initializer "${t.name}" is ${ref.length} bytes, larger than a ${maxShardBytes}-byte shard.`);
    let shard = shards.at(-1);
    const at = shard ? Math.ceil(shard.size / ALIGN) * ALIGN : 0;
    if (!shard || at + ref.length > maxShardBytes) {
      shard = { location: shardName(shards.length), size: 0, pieces: [] };
      shards.push(shard);
    }
    const start = shard.pieces.length ? Math.ceil(shard.size / ALIGN) * ALIGN : 0;
    shard.pieces.push({ source: ref, at: start });
    shard.size = start + ref.length;
    setExternal(t, { location: shard.location, offset: start, length: ref.length });
  }
  return shards;
}
