/**
 * The three networks of an SD 1.x/2.x checkpoint as LDM's configs describe them (`unet_config`,
 * `first_stage_config.ddconfig`, the text encoder), plus what the pipeline needs around them. Filled from the
 * checkpoint's keys and shapes, overridden by an LDM `.yaml` where one is given (`detect.ts`).
 */

/** LDM `openaimodel.UNetModel` parameters (the subset SD 1.x/2.x use). */
export interface UnetArch {
  inChannels: number;
  outChannels: number;
  modelChannels: number;
  channelMult: number[];
  /** per level (LDM also accepts one number for all) */
  numResBlocks: number[];
  attentionResolutions: number[];
  /** heads per attention layer, or -1 when `numHeadChannels` fixes the head width (SD2: 64) */
  numHeads: number;
  numHeadChannels: number;
  transformerDepth: number;
  contextDim: number;
  /** SD2: proj_in/proj_out are Linear instead of 1×1 Conv */
  useLinear: boolean;
}

/** LDM `AutoencoderKL` ddconfig (+ embed_dim). */
export interface VaeArch {
  ch: number;
  chMult: number[];
  numResBlocks: number;
  zChannels: number;
  embedDim: number;
  inChannels: number;
  outCh: number;
  resolution: number;
  attnResolutions: number[];
}

export interface TextArch {
  /** SD1: `cond_stage_model.transformer` (HF CLIPTextModel, CLIP ViT-L/14); SD2: `cond_stage_model.model` (OpenCLIP ViT-H/14) */
  kind: 'clip' | 'openclip';
  width: number;
  /** transformer layers in the checkpoint */
  layers: number;
  /** layers run: all for SD1 ("last"), all but the last for SD2 (LDM's `layer: penultimate`) */
  usedLayers: number;
  heads: number;
  vocab: number;
  positions: number;
}

export type Prediction = 'epsilon' | 'v_prediction';

export interface ModelArchitecture {
  family: 'sd1' | 'sd2';
  unet: UnetArch;
  vae: VaeArch;
  text: TextArch;
  /** what the U-Net predicts, and how that was decided */
  prediction: Prediction;
  predictionSource: string;
  /** LDM's linear_start / linear_end / timesteps (the scaled_linear beta schedule) */
  schedule: { betaStart: number; betaEnd: number; numTrainTimesteps: number };
  /** LDM `scale_factor` (the VAE's diffusers `scaling_factor`) */
  scaleFactor: number;
}

/** LDM's head count and width for an attention layer of `ch` channels (openaimodel.py, legacy or not). */
export function headsFor(unet: UnetArch, ch: number): { heads: number; headDim: number } {
  if (unet.numHeadChannels > 0) return { heads: Math.floor(ch / unet.numHeadChannels), headDim: unet.numHeadChannels };
  return { heads: unet.numHeads, headDim: Math.floor(ch / unet.numHeads) };
}
