/**
 * Opening a model folder before any session exists: tokenizer, noise schedule and configs read and checked,
 * each network's graph read as a skeleton with its weight files opened (not read). What this returns is enough
 * to plan memory and choose a backend; `StableDiffusionPipeline.create` then makes the sessions.
 */
import { StudioError } from '../../errors.ts';
import type { ProgressFn } from '../../progress.ts';
import { DiscreteSchedule, parseSchedulerConfig, SchedulerConfigError } from '../schedulers/index.ts';
import { ClipTokenizer, TokenizerFileError } from '../tokenizer/index.ts';
import type { PlanInput, UnetGeometry } from './memory-plan.ts';
import { fileSha256, MODEL_FILES, parseJsonFile, readOptionalJson, requireSmallFile, shortHash, type ModelSource } from './model-source.ts';
import { GRAPH_FILE, openNetwork, type NetworkGraph } from './network-graph.ts';

export interface ModelConfig {
  /** unet/config.json's `upcast_attention` (diffusers; SD 2.1): attention scores in fp32 when the U-Net runs in fp16 */
  readonly upcastAttention: boolean;
  /** pixels per latent cell (8 for SD) */
  readonly vaeScale: number;
  readonly scalingFactor: number;
  /** the size the U-Net was trained at (sample_size × vaeScale) */
  readonly defaultSize: number;
  /** width and height must be multiples of this: the VAE factor times the U-Net's down-sampling */
  readonly sizeStep: number;
  readonly geometry: UnetGeometry;
}

export interface OpenedModel {
  readonly name: string;
  readonly tokenizer: ClipTokenizer;
  readonly schedule: DiscreteSchedule;
  readonly networks: { readonly textEncoder: NetworkGraph; readonly unet: NetworkGraph; readonly vae: NetworkGraph };
  readonly config: ModelConfig;
  /** A1111-style short hash of the U-Net's model.onnx */
  readonly modelHash: string;
  /** the id the text encoder's input is padded with after EOS: EOS itself (SD 1.x), 0 for SD 2.x's OpenCLIP */
  readonly padId: number;
  /** the folder, kept for networks opened only when a request needs them (the VAE encoder) */
  readonly source: ModelSource;
}

/** `pad_token` of special_tokens_map.json (a string or `{ content }`) as an id; EOS when absent or unknown. */
export function padTokenId(specialTokens: Record<string, unknown>, tokenizer: ClipTokenizer): number {
  const pad = specialTokens.pad_token;
  const text = typeof pad === 'string' ? pad : typeof pad === 'object' && pad !== null ? (pad as { content?: unknown }).content : undefined;
  return (typeof text === 'string' ? tokenizer.tokenToId(text) : undefined) ?? tokenizer.eosId;
}

const decoder = new TextDecoder();

function num(obj: Record<string, unknown>, key: string, min: number, max: number, path: string): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new StudioError('bad-model-folder', `${path}: "${key}" is ${JSON.stringify(v).slice(0, 40)}; expected a number from ${min} to ${max}.`, { path });
  }
  return v;
}

function intList(obj: Record<string, unknown>, key: string, path: string): number[] | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length < 1 || v.length > 8 || !v.every((x) => Number.isInteger(x) && x > 0 && x <= 8192)) {
    throw new StudioError('bad-model-folder', `${path}: "${key}" must be a list of 1 to 8 positive whole numbers.`, { path });
  }
  return v as number[];
}

/** Sizes and shapes from unet/config.json and vae_decoder/config.json, each checked against a sane range. */
export function modelConfig(unet: Record<string, unknown>, vae: Record<string, unknown>): ModelConfig {
  const vaeBlocks = intList(vae, 'block_out_channels', MODEL_FILES.vaeConfig);
  const vaeScale = vaeBlocks ? 2 ** (vaeBlocks.length - 1) : 8;
  const unetBlocks = intList(unet, 'block_out_channels', MODEL_FILES.unetConfig);
  const channels = unetBlocks?.[0] ?? 320;
  // diffusers' `attention_head_dim` is the head count for SD 1.x (8) and per-block head widths for SD 2.x (5, 10, …: heads = channels / 64)
  const headDim = unet.attention_head_dim;
  const heads = Array.isArray(headDim) ? Math.max(1, Math.round(channels / 64)) : typeof headDim === 'number' && headDim > 0 && headDim <= 64 ? headDim : 8;
  return {
    upcastAttention: unet.upcast_attention === true,
    vaeScale,
    scalingFactor: num(vae, 'scaling_factor', 1e-6, 100, MODEL_FILES.vaeConfig) ?? 0.18215,
    defaultSize: (num(unet, 'sample_size', 1, 1024, MODEL_FILES.unetConfig) ?? 64) * vaeScale,
    sizeStep: vaeScale * 2 ** Math.max(0, (unetBlocks?.length ?? 1) - 1),
    geometry: { heads, channels, vaeChannels: vaeBlocks?.[0] ?? 128, vaeScale },
  };
}

export async function openModel(source: ModelSource, onProgress?: ProgressFn): Promise<OpenedModel> {
  // five steps to open, three more for the sessions (pipeline.ts)
  const files = 8;
  const progress = (file: string, index: number) => onProgress?.({ phase: 'load', file, index, files });
  progress(MODEL_FILES.vocab, 0);
  let tokenizer: ClipTokenizer;
  try {
    tokenizer = ClipTokenizer.fromFiles(decoder.decode(await requireSmallFile(source, MODEL_FILES.vocab)), decoder.decode(await requireSmallFile(source, MODEL_FILES.merges)));
  } catch (e) {
    if (e instanceof TokenizerFileError) throw new StudioError('bad-model-folder', `The tokenizer files of "${source.name}" are malformed: ${e.message}.`);
    throw e;
  }
  progress(MODEL_FILES.scheduler, 1);
  let schedule: DiscreteSchedule;
  try {
    schedule = new DiscreteSchedule(parseSchedulerConfig(parseJsonFile(await requireSmallFile(source, MODEL_FILES.scheduler), MODEL_FILES.scheduler, source)));
  } catch (e) {
    if (e instanceof SchedulerConfigError) throw new StudioError('bad-model-folder', `${MODEL_FILES.scheduler} of "${source.name}": ${e.message}.`);
    throw e;
  }
  const config = modelConfig(await readOptionalJson(source, MODEL_FILES.unetConfig), await readOptionalJson(source, MODEL_FILES.vaeConfig));
  // the largest network first: its files are the likeliest to be missing or damaged
  progress(MODEL_FILES.unet, 2);
  const unet = await openNetwork(source, 'unet', 'the U-Net');
  progress(MODEL_FILES.textEncoder, 3);
  const textEncoder = await openNetwork(source, 'text_encoder', 'the text encoder');
  progress(MODEL_FILES.vaeDecoder, 4);
  const vae = await openNetwork(source, 'vae_decoder', 'the VAE decoder');
  const modelHash = source.modelHash ?? shortHash(await fileSha256(unet.files.get(GRAPH_FILE)!));
  const padId = padTokenId(await readOptionalJson(source, MODEL_FILES.specialTokens), tokenizer);
  return { name: source.name, tokenizer, schedule, networks: { textEncoder, unet, vae }, config, modelHash, padId, source };
}

/**
 * Whether an fp16 U-Net of this model computes its attention scores in fp32: its config asks for it, or it
 * predicts v (SD 2.x 768-v, whose fp16 attention overflows into black images in A1111 without the upcast).
 */
export function needsUpcastAttention(model: Pick<OpenedModel, 'config' | 'schedule'>): boolean {
  return model.config.upcastAttention || model.schedule.config.predictionType === 'v_prediction';
}

/** The memory plan's view of a generation at width × height with `images` per U-Net call (CFG doubles it). */
export function planInput(model: OpenedModel, width: number, height: number, images = 1): PlanInput {
  const { textEncoder, unet, vae } = model.networks;
  return { networks: { textEncoder: textEncoder.stats, unet: unet.stats, vae: vae.stats }, geometry: model.config.geometry, width, height, batch: 2 * images };
}
