/**
 * The checkpoint's networks as ONNX graphs (text encoder, U-Net, VAE decoder and encoder), each with a virtual
 * weight file that produces its fp32 tensors from the checkpoint as they are read. A separate VAE file replaces
 * the checkpoint's VAE tensors. Shapes are checked against the architecture while the graphs are built.
 */
import { StudioError } from '../errors.ts';
import { GraphBuilder, layoutValues, type Lookup, type PlannedWeight } from '../onnx/build/builder.ts';
import { buildTextEncoder } from '../onnx/build/text-encoder.ts';
import { buildUnet } from '../onnx/build/unet.ts';
import { buildVaeDecoder, buildVaeEncoder } from '../onnx/build/vae.ts';
import { encodeModel } from '../onnx/proto.ts';
import { virtualWeightsFile } from '../onnx/virtual-weights.ts';
import type { WeightFile } from '../onnx/weights.ts';
import type { ModelArchitecture, VaeArch } from './architecture.ts';
import { VAE_PREFIX, vaeFromKeys } from './detect.ts';
import type { Checkpoint } from './types.ts';

/** where a built graph's weights are (a virtual file: never written as it is, re-sharded by the import) */
export const CHECKPOINT_WEIGHTS = 'checkpoint-weights.bin';

export interface BuiltNetwork {
  /** its folder in the model (`unet`) */
  readonly dir: 'text_encoder' | 'unet' | 'vae_decoder' | 'vae_encoder';
  /** ModelProto bytes; every weight external in CHECKPOINT_WEIGHTS */
  readonly graph: Uint8Array;
  readonly weights: WeightFile;
  readonly planned: readonly PlannedWeight[];
}

/** A separate VAE (`.vae.pt`, `.vae.safetensors`), opened. */
export interface VaeOverride {
  readonly name: string;
  readonly checkpoint: Checkpoint;
}

function weightsFile(planned: readonly PlannedWeight[]): WeightFile {
  return virtualWeightsFile(planned, async (w) => {
    const values = layoutValues(await w.layout.tensor.read(), w);
    if (values.length * 4 !== w.length) throw new StudioError('bad-checkpoint', `tensor "${w.layout.key}" read as ${values.length} values, ${w.length / 4} expected.`, { key: w.layout.key });
    return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  });
}

function built(dir: BuiltNetwork['dir'], b: GraphBuilder): BuiltNetwork {
  return { dir, graph: encodeModel(b.model('hnstudio-checkpoint')), weights: weightsFile(b.weights), planned: b.weights };
}

/** The VAE to build: the override's own layout and tensors, else the checkpoint's. */
function vaeSource(ckpt: Checkpoint, file: string, arch: ModelArchitecture, override?: VaeOverride): { arch: VaeArch; prefix: string; lookup: Lookup; file: string } {
  if (!override) return { arch: arch.vae, prefix: VAE_PREFIX, lookup: (k) => ckpt.tensors.get(k), file };
  const prefix = override.checkpoint.tensors.has(`${VAE_PREFIX}decoder.conv_in.weight`) ? VAE_PREFIX : '';
  const vae = vaeFromKeys(override.checkpoint, override.name, prefix);
  if (vae.embedDim !== arch.unet.inChannels) {
    throw new StudioError('bad-checkpoint', `${override.name} makes ${vae.embedDim}-channel latents but the U-Net of ${file} takes ${arch.unet.inChannels}: it is not a VAE for this model.`, { file: override.name });
  }
  return { arch: vae, prefix, lookup: (k) => override.checkpoint.tensors.get(k), file: override.name };
}

export function buildNetworks(ckpt: Checkpoint, file: string, arch: ModelArchitecture, textPrefix: string, override?: VaeOverride): BuiltNetwork[] {
  const lookup: Lookup = (k) => ckpt.tensors.get(k);
  const text = new GraphBuilder(CHECKPOINT_WEIGHTS, lookup, file);
  buildTextEncoder(text, arch.text, textPrefix);
  const unet = new GraphBuilder(CHECKPOINT_WEIGHTS, lookup, file);
  buildUnet(unet, arch.unet);
  const v = vaeSource(ckpt, file, arch, override);
  const decoder = new GraphBuilder(CHECKPOINT_WEIGHTS, v.lookup, v.file);
  buildVaeDecoder(decoder, v.arch, v.prefix);
  const encoder = new GraphBuilder(CHECKPOINT_WEIGHTS, v.lookup, v.file);
  buildVaeEncoder(encoder, v.arch, v.prefix);
  return [built('unet', unet), built('text_encoder', text), built('vae_decoder', decoder), built('vae_encoder', encoder)];
}

/** Checkpoint tensors no network reads (EMA copies, training state, the text layers LDM skips excepted), for the report. */
export function unusedTensors(ckpt: Checkpoint, networks: readonly BuiltNetwork[], arch: ModelArchitecture, textPrefix: string, override?: VaeOverride): string[] {
  const used = new Set(networks.flatMap((n) => n.planned.map((w) => w.layout.key)));
  const ignored = /^(model_ema\.|cond_stage_model\.(transformer\.(text_model\.)?embeddings\.position_ids|model\.(text_projection|logit_scale|attn_mask))$|(betas|alphas_cumprod|alphas_cumprod_prev|sqrt_\w+|log_one_minus_alphas_cumprod|posterior_\w+|lvlb_weights|logvar)$)/;
  const skippedLayer = (k: string) => {
    const m = /(?:encoder\.layers|transformer\.resblocks)\.(\d+)\./.exec(k);
    return k.startsWith(textPrefix) && m !== null && Number(m[1]) >= arch.text.usedLayers;
  };
  return [...ckpt.tensors.keys()].filter((k) => !used.has(k) && !ignored.test(k) && !skippedLayer(k) && !(override && k.startsWith(VAE_PREFIX)));
}
