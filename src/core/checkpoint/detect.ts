/**
 * The architecture of an A1111 checkpoint, read from its keys and shapes as A1111 tells SD 1.x from 2.x
 * (`cond_stage_model.transformer.*`: CLIP ViT-L, SD1; `cond_stage_model.model.*`: OpenCLIP ViT-H, SD2), with an
 * LDM `.yaml` overriding what it states. What neither says takes LDM's and CLIP's defaults: 32-group norms,
 * 64-wide CLIP heads, SD1's 8 attention heads or SD2's 64-wide ones, the scaled-linear 0.00085–0.012 schedule,
 * scale factor 0.18215. Inpainting (9 input channels), SDXL and other variants are refused by name.
 */
import { StudioError } from '../errors.ts';
import type { ModelArchitecture, Prediction, TextArch, UnetArch, VaeArch } from './architecture.ts';
import type { Checkpoint } from './types.ts';
import type { LdmYaml } from './yaml-config.ts';

const U = 'model.diffusion_model.';
export const VAE_PREFIX = 'first_stage_model.';

function shapeOf(ckpt: Checkpoint, key: string): readonly number[] | undefined {
  return ckpt.tensors.get(key)?.shape;
}

/** distinct values of the first `(\d+)` after `prefix` among the keys */
function indices(ckpt: Checkpoint, prefix: string): number[] {
  const found = new Set<number>();
  for (const key of ckpt.tensors.keys()) {
    if (!key.startsWith(prefix)) continue;
    const m = /^(\d+)\./.exec(key.slice(prefix.length));
    if (m) found.add(Number(m[1]));
  }
  return [...found].sort((a, b) => a - b);
}

function unsupported(file: string, what: string): StudioError {
  return new StudioError('unsupported-model', `${file} is ${what}, which cannot be converted yet; only SD 1.x/2.x text-to-image checkpoints are.`, { file });
}

function need(ckpt: Checkpoint, file: string, key: string, what: string): readonly number[] {
  const s = shapeOf(ckpt, key);
  if (!s) throw new StudioError('bad-checkpoint', `${file} has no ${what} ("${key}"): it is not a complete SD 1.x/2.x checkpoint.`, { file, key });
  return s;
}

/** U-Net parameters that its tensors state (levels, channels, attention placement, context width). */
function unetFromKeys(ckpt: Checkpoint, file: string, sd2: boolean): UnetArch {
  const conv = need(ckpt, file, `${U}input_blocks.0.0.weight`, 'U-Net');
  const mc = conv[0]!;
  const blocks = indices(ckpt, `${U}input_blocks.`).filter((i) => i > 0);
  const channelMult: number[] = [];
  const numResBlocks: number[] = [];
  const attentionResolutions = new Set<number>();
  let count = 0;
  let ds = 1;
  let contextDim = 0;
  let useLinear = false;
  let depth = 1;
  for (const i of blocks) {
    const p = `${U}input_blocks.${i}.`;
    if (shapeOf(ckpt, `${p}0.op.weight`)) {
      numResBlocks.push(count);
      count = 0;
      ds *= 2;
      continue;
    }
    const out = shapeOf(ckpt, `${p}0.in_layers.2.weight`)?.[0];
    if (!out) throw new StudioError('bad-checkpoint', `${file}: U-Net input block ${i} is neither a ResBlock nor a downsampler.`, { file, key: `${p}0` });
    if (count === 0) channelMult.push(out / mc);
    count++;
    const k = shapeOf(ckpt, `${p}1.transformer_blocks.0.attn2.to_k.weight`);
    if (k) {
      attentionResolutions.add(ds);
      contextDim ||= k[1]!;
      useLinear = shapeOf(ckpt, `${p}1.proj_in.weight`)?.length === 2;
      depth = indices(ckpt, `${p}1.transformer_blocks.`).length;
    }
  }
  if (count > 0) numResBlocks.push(count);
  return {
    inChannels: conv[1]!,
    outChannels: need(ckpt, file, `${U}out.2.weight`, 'U-Net output')[0]!,
    modelChannels: mc,
    channelMult,
    numResBlocks,
    attentionResolutions: [...attentionResolutions],
    // LDM's configs: v1 `num_heads: 8`; v2 `num_head_channels: 64`
    numHeads: sd2 ? -1 : 8,
    numHeadChannels: sd2 ? 64 : -1,
    transformerDepth: depth,
    contextDim: contextDim || (shapeOf(ckpt, `${U}middle_block.1.transformer_blocks.0.attn2.to_k.weight`)?.[1] ?? 0),
    useLinear,
  };
}

/** The VAE's ddconfig from its tensors; `prefix` is `first_stage_model.` or empty for a separate VAE file. */
export function vaeFromKeys(ckpt: Checkpoint, file: string, prefix: string): VaeArch {
  const convIn = need(ckpt, file, `${prefix}encoder.conv_in.weight`, 'VAE encoder');
  const ch = convIn[0]!;
  const levels = indices(ckpt, `${prefix}encoder.down.`);
  const chMult = levels.map((i) => need(ckpt, file, `${prefix}encoder.down.${i}.block.0.conv1.weight`, 'VAE block')[0]! / ch);
  const resolution = 256; // LDM's SD configs; only attention placement depends on it
  const attnResolutions = levels.filter((i) => shapeOf(ckpt, `${prefix}encoder.down.${i}.attn.0.norm.weight`)).map((i) => resolution / 2 ** i);
  return {
    ch,
    chMult,
    numResBlocks: indices(ckpt, `${prefix}encoder.down.0.block.`).length,
    zChannels: need(ckpt, file, `${prefix}decoder.conv_in.weight`, 'VAE decoder')[1]!,
    embedDim: need(ckpt, file, `${prefix}post_quant_conv.weight`, 'VAE post_quant_conv')[1]!,
    inChannels: convIn[1]!,
    outCh: need(ckpt, file, `${prefix}decoder.conv_out.weight`, 'VAE output')[0]!,
    resolution,
    attnResolutions,
  };
}

/** The text encoder's layout and the key prefix of its tensors. */
function textFromKeys(ckpt: Checkpoint, file: string): { text: TextArch; prefix: string } {
  const clipPrefixes = ['cond_stage_model.transformer.text_model.', 'cond_stage_model.transformer.'];
  for (const prefix of clipPrefixes) {
    const emb = shapeOf(ckpt, `${prefix}embeddings.token_embedding.weight`);
    if (!emb) continue;
    const layers = indices(ckpt, `${prefix}encoder.layers.`).length;
    const positions = need(ckpt, file, `${prefix}embeddings.position_embedding.weight`, 'text position embedding')[0]!;
    return { text: { kind: 'clip', width: emb[1]!, vocab: emb[0]!, positions, layers, usedLayers: layers, heads: emb[1]! / 64 }, prefix };
  }
  const prefix = 'cond_stage_model.model.';
  const emb = shapeOf(ckpt, `${prefix}token_embedding.weight`);
  if (emb) {
    const layers = indices(ckpt, `${prefix}transformer.resblocks.`).length;
    const positions = need(ckpt, file, `${prefix}positional_embedding`, 'text position embedding')[0]!;
    return { text: { kind: 'openclip', width: emb[1]!, vocab: emb[0]!, positions, layers, usedLayers: layers - 1, heads: emb[1]! / 64 }, prefix };
  }
  throw new StudioError('bad-checkpoint', `${file} has no text encoder (cond_stage_model.transformer.* for SD 1.x or cond_stage_model.model.* for SD 2.x).`, { file });
}

export interface Detected {
  arch: Omit<ModelArchitecture, 'prediction' | 'predictionSource'>;
  /** what the yaml or the family settles; null: an SD 2.x checkpoint without a yaml (probe or ask) */
  prediction: { value: Prediction; source: string } | null;
  textPrefix: string;
}

export function detectArchitecture(ckpt: Checkpoint, file: string, yaml?: LdmYaml, yamlName = 'the .yaml'): Detected {
  const keys = [...ckpt.tensors.keys()];
  if (keys.some((k) => k.startsWith('conditioner.embedders.')) || shapeOf(ckpt, `${U}label_emb.0.0.weight`)) throw unsupported(file, 'an SDXL-family checkpoint');
  if (!shapeOf(ckpt, `${U}input_blocks.0.0.weight`)) {
    const vae = keys.some((k) => k.startsWith('encoder.') || k.startsWith('decoder.'));
    throw new StudioError('bad-checkpoint', `${file} has no U-Net (model.diffusion_model.*)${vae ? ': it looks like a VAE on its own — pass it as the VAE of a checkpoint' : ': is it a LoRA, an embedding or a VAE?'}`, { file });
  }
  const inChannels = shapeOf(ckpt, `${U}input_blocks.0.0.weight`)![1]!;
  if (inChannels === 9) throw unsupported(file, 'an inpainting checkpoint (its U-Net takes 9 input channels)');
  if (inChannels !== 4) throw unsupported(file, `a checkpoint whose U-Net takes ${inChannels} input channels (depth or instruct-pix2pix?)`);
  const { text, prefix } = textFromKeys(ckpt, file);
  const sd2 = text.kind === 'openclip';
  const unet = { ...unetFromKeys(ckpt, file, sd2), ...yaml?.unet };
  if (unet.numResBlocks.length === 1 && unet.channelMult.length > 1) unet.numResBlocks = unet.channelMult.map(() => unet.numResBlocks[0]!);
  if (yaml?.unet.numHeads !== undefined && yaml.unet.numHeadChannels === undefined) unet.numHeadChannels = -1;
  if (yaml?.unet.numHeadChannels !== undefined && yaml.unet.numHeadChannels > 0 && yaml.unet.numHeads === undefined) unet.numHeads = -1;
  if (yaml?.textLayer) text.usedLayers = yaml.textLayer === 'last' ? text.layers : text.layers - 1;
  checkConsistent(file, unet, text, yaml ? yamlName : null);
  const vae = { ...vaeFromKeys(ckpt, file, VAE_PREFIX), ...yaml?.vae };
  const prediction = yaml?.prediction
    ? { value: yaml.prediction, source: `${yamlName} (parameterization${yaml.prediction === 'v_prediction' ? ': "v"' : ''})` }
    : !sd2
      ? { value: 'epsilon' as const, source: 'SD 1.x: epsilon (A1111 uses v1-inference.yaml)' }
      : null;
  return {
    arch: {
      family: sd2 ? 'sd2' : 'sd1',
      unet,
      vae,
      text,
      schedule: { betaStart: yaml?.schedule.betaStart ?? 0.00085, betaEnd: yaml?.schedule.betaEnd ?? 0.012, numTrainTimesteps: yaml?.schedule.numTrainTimesteps ?? 1000 },
      scaleFactor: yaml?.scaleFactor ?? 0.18215,
    },
    prediction,
    textPrefix: prefix,
  };
}

function checkConsistent(file: string, unet: UnetArch, text: TextArch, yaml: string | null): void {
  const where = yaml ? `${file} with ${yaml}` : file;
  const bad = (detail: string) => new StudioError(yaml ? 'bad-config' : 'bad-checkpoint', `${where}: ${detail}.`, { file });
  if (unet.channelMult.length === 0 || unet.numResBlocks.length !== unet.channelMult.length || unet.numResBlocks.some((n) => n < 1)) throw bad('the U-Net levels and their ResBlock counts disagree');
  if (unet.contextDim !== text.width) throw bad(`the U-Net attends to ${unet.contextDim}-wide text but the text encoder is ${text.width} wide (mixed models?)`);
  if (!Number.isInteger(text.heads) || text.heads < 1) throw bad(`the text encoder is ${text.width} wide, not a multiple of CLIP's 64-wide heads`);
  if (text.usedLayers < 1 || text.usedLayers > text.layers) throw bad('the text encoder has too few layers');
  unet.channelMult.forEach((mult, level) => {
    const ch = mult * unet.modelChannels;
    if (!Number.isInteger(ch) || ch % 32 !== 0) throw bad(`a U-Net level has ${ch} channels, not a multiple of 32 (GroupNorm32)`);
    // transformers sit at the attention levels and in the middle block (the deepest level)
    if (!unet.attentionResolutions.includes(2 ** level) && level !== unet.channelMult.length - 1) return;
    const heads = unet.numHeadChannels > 0 ? ch / unet.numHeadChannels : unet.numHeads;
    if (!Number.isInteger(heads) || heads < 1 || ch % heads !== 0) throw bad(`${ch} channels cannot be split into ${unet.numHeadChannels > 0 ? `${unet.numHeadChannels}-wide heads` : `${unet.numHeads} heads`}`);
  });
}
