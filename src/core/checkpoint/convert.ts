/**
 * `convertCheckpoint`: an A1111 single-file checkpoint (SD 1.x/2.x `.safetensors` or `.ckpt`) into an installed
 * model in the app's store — ONNX text encoder, U-Net, VAE decoder and encoder built here from the file's
 * architecture (and its LDM `.yaml`), weights streamed from the checkpoint tensor by tensor into ≤ 1 GiB shards
 * (fp16 on request), configs, tokenizer and scheduler written beside them, the manifest last — with the
 * import's progress, cancel and cleanup (`storeModel`): any failure leaves nothing behind. The manifest records
 * A1111's identity: `name` is the file's stem (`Model:`) and `modelHash` the first 10 hex digits of the whole
 * checkpoint file's SHA-256 (`Model hash`), hashed in 4 MiB slices.
 */
import { openNetwork, packageOf, withPrecision } from '../diffusion/pipeline/network-graph.ts';
import type { ModelSource } from '../diffusion/pipeline/model-source.ts';
import { shortHash } from '../diffusion/pipeline/model-source.ts';
import { ClipTokenizer } from '../diffusion/tokenizer/index.ts';
import { StudioError } from '../errors.ts';
import { halfShare, memoryWeightFile, type GraphPackage, type WeightFile } from '../onnx/weights.ts';
import { checkCancelled, planNetwork, sha256Of, storeModel, type ImportOptions, type NetworkPlan, type PlainFile } from '../storage/import-model.ts';
import type { ModelManifest } from '../storage/manifest.ts';
import type { StorageFs } from '../storage/storage-fs.ts';
import type { ModelArchitecture, Prediction } from './architecture.ts';
import { detectArchitecture } from './detect.ts';
import { folderFiles, type TokenizerFiles } from './folder-files.ts';
import { buildNetworks, CHECKPOINT_WEIGHTS, unusedTensors, type VaeOverride } from './networks.ts';
import { openCheckpoint } from './open.ts';
import type { NamedFile } from './types.ts';
import { parseLdmYaml } from './yaml-config.ts';

export interface ConvertOptions {
  /** the new model's id (a folder name in the store) */
  id: string;
  /** listed name and A1111's `Model:`; default: the checkpoint's file name without its extension */
  name?: string;
  /** the LDM config (A1111 reads `<stem>.yaml` beside the checkpoint) */
  config?: { name: string; text: string };
  /** a separate VAE (`.vae.pt`, `.vae.safetensors`) used instead of the checkpoint's */
  vae?: NamedFile;
  /** CLIP's BPE files (vocab.json, merges.txt) for the model's tokenizer/ */
  tokenizer: TokenizerFiles;
  /**
   * 'auto' (default): the yaml's `parameterization`, else epsilon for SD 1.x, else `detectPrediction` for an
   * SD 2.x checkpoint (A1111's probe: `probeVPrediction`), else a `bad-request` error asking for it.
   */
  prediction?: 'auto' | Prediction;
  /** runs A1111's v-prediction probe on the stored U-Net (fp32) when the prediction is not known */
  detectPrediction?: (unet: GraphPackage) => Promise<{ prediction: Prediction; value?: number }>;
  /** 'fp16': weights stored as float16 (half the space and GPU memory); default fp32 */
  precision?: 'fp32' | 'fp16';
  shardBytes?: number;
  freeBytes?: number | null;
  signal?: AbortSignal;
  now?: () => Date;
}

export interface ConvertProgress {
  /** build: reading the file's table and making the graphs; write: streaming the weights; probe; hash */
  phase: 'build' | 'write' | 'probe' | 'hash';
  file: string;
  bytesDone: number;
  bytesTotal: number;
}

export interface ConvertResult {
  manifest: ModelManifest;
  architecture: ModelArchitecture;
  /** the chosen prediction, how it was decided, and A1111's probe statistic when the probe ran */
  prediction: { value: Prediction; source: string; probeValue?: number };
  /** full SHA-256 of the checkpoint file */
  sha256: string;
  /** checkpoint tensors no network used (besides EMA copies and training state) */
  unusedTensors: string[];
  /** keys that are not tensors (`global_step`, `epoch`, …) */
  otherKeys: readonly string[];
}

/** `v1-5-pruned-emaonly.safetensors` → `v1-5-pruned-emaonly` (A1111's model name) */
export function checkpointStem(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.(safetensors|ckpt|pt|pth|bin)$/i, '') || base;
}

function plain(path: string, bytes: Uint8Array): PlainFile {
  return { path, size: bytes.length, chunks: () => [bytes] };
}

function checkTokenizer(files: TokenizerFiles): void {
  try {
    const decoder = new TextDecoder();
    ClipTokenizer.fromFiles(decoder.decode(files.vocab), decoder.decode(files.merges));
  } catch (e) {
    throw new StudioError('bad-request', `The tokenizer files given for the model are not CLIP's (${(e as Error).message}).`);
  }
}

export async function convertCheckpoint(source: NamedFile, options: ConvertOptions, fs: StorageFs, onProgress?: (p: ConvertProgress) => void): Promise<ConvertResult> {
  const { signal } = options;
  checkTokenizer(options.tokenizer);
  onProgress?.({ phase: 'build', file: source.name, bytesDone: 0, bytesTotal: source.file.size });
  const ckpt = await openCheckpoint(source);
  const yaml = options.config ? parseLdmYaml(options.config.text, options.config.name) : undefined;
  const detected = detectArchitecture(ckpt, source.name, yaml, options.config?.name);
  const override: VaeOverride | undefined = options.vae ? { name: options.vae.name, checkpoint: await openCheckpoint(options.vae) } : undefined;
  checkCancelled(signal);

  let prediction: ConvertResult['prediction'] | null =
    options.prediction && options.prediction !== 'auto' ? { value: options.prediction, source: 'chosen by the user' } : detected.prediction;
  if (!prediction && !options.detectPrediction) {
    throw new StudioError('bad-request', `${source.name} is an SD 2.x checkpoint without a .yaml: say whether it predicts v (the 768-v models) or epsilon (512-base), or give its .yaml.`, { file: source.name, needs: 'prediction' });
  }
  const arch: ModelArchitecture = { ...detected.arch, prediction: prediction?.value ?? 'epsilon', predictionSource: prediction?.source ?? 'probe' };
  const networks = buildNetworks(ckpt, source.name, arch, detected.textPrefix, override);
  const unused = unusedTensors(ckpt, networks, arch, detected.textPrefix, override);

  const files = new Map<string, WeightFile>();
  for (const n of networks) {
    files.set(`${n.dir}/model.onnx`, memoryWeightFile(n.graph));
    files.set(`${n.dir}/${CHECKPOINT_WEIGHTS}`, n.weights);
  }
  const built: ModelSource = { name: source.name, open: async (path) => files.get(path) ?? null };
  const plans: NetworkPlan[] = [];
  for (const n of networks) plans.push(await planNetwork(built, n.dir, { precision: options.precision === 'fp16' ? 'fp16' : 'keep', ...(options.shardBytes ? { shardBytes: options.shardBytes } : {}) }));

  let needed = 0;
  let sha256 = '';
  const name = options.name ?? checkpointStem(source.name);
  const store: ImportOptions = {
    id: options.id,
    name,
    freeBytes: options.freeBytes ?? null,
    ...(signal ? { signal } : {}),
    ...(options.now ? { now: options.now } : {}),
    onProgress: (p) => {
      needed = p.bytesTotal;
      onProgress?.({ phase: 'write', file: p.file, bytesDone: p.bytesDone, bytesTotal: p.bytesTotal + source.file.size });
    },
  };
  const manifest = await storeModel(fs, store, name, {
    files: [],
    networks: plans,
    finish: async (dir) => {
      if (!prediction) {
        onProgress?.({ phase: 'probe', file: 'unet/model.onnx', bytesDone: needed, bytesTotal: needed + source.file.size });
        let unet = await openNetwork({ name, open: (path) => fs.open(`${dir}/${path}`) }, 'unet', 'the U-Net');
        if (halfShare(unet.stats) > 0) unet = withPrecision(unet, 'upcast').net; // A1111 probes in fp32
        const probe = await options.detectPrediction!(packageOf(unet));
        prediction = { value: probe.prediction, source: "A1111's probe of the U-Net (no .yaml)", ...(probe.value !== undefined ? { probeValue: probe.value } : {}) };
      }
      checkCancelled(signal);
      sha256 = await sha256Of(source.file, signal, (done) => onProgress?.({ phase: 'hash', file: source.name, bytesDone: needed + done, bytesTotal: needed + source.file.size }));
      arch.prediction = prediction.value;
      arch.predictionSource = prediction.source;
      const provenance = {
        file: source.name,
        format: ckpt.format,
        sha256,
        family: arch.family,
        prediction: prediction.value,
        predictionSource: prediction.source,
        ...(options.config ? { config: options.config.name } : {}),
        ...(override ? { vae: override.name } : {}),
        precision: options.precision ?? 'fp32',
      };
      return [...folderFiles(arch, prediction.value, options.tokenizer, provenance)].map(([path, bytes]) => plain(path, bytes));
    },
    modelHash: async () => shortHash(sha256),
  });
  return { manifest, architecture: arch, prediction: prediction!, sha256, unusedTensors: unused, otherKeys: ckpt.otherKeys };
}
