/**
 * The small files of the Optimum-layout folder a checkpoint becomes: model_index.json, each network's
 * diffusers-style config.json (what `open-model.ts` reads sizes from), the scheduler config (the LDM schedule and
 * the prediction type chosen) and the tokenizer (CLIP's BPE files, which OpenCLIP shares; SD2 pads with "!",
 * id 0, as its diffusers tokenizer config says).
 */
import type { ModelArchitecture, Prediction } from './architecture.ts';
import { headsFor } from './architecture.ts';

export interface TokenizerFiles {
  /** CLIP's vocab.json and merges.txt (the demo model's tokenizer/ files are CLIP's own) */
  readonly vocab: Uint8Array;
  readonly merges: Uint8Array;
}

const json = (value: unknown): Uint8Array => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

export function schedulerConfig(arch: ModelArchitecture, prediction: Prediction): Uint8Array {
  return json({
    _class_name: 'PNDMScheduler',
    beta_start: arch.schedule.betaStart,
    beta_end: arch.schedule.betaEnd,
    beta_schedule: 'scaled_linear',
    num_train_timesteps: arch.schedule.numTrainTimesteps,
    prediction_type: prediction,
    set_alpha_to_one: false,
    skip_prk_steps: true,
    steps_offset: 1,
    clip_sample: false,
  });
}

/** the files written before the networks, by path */
export function folderFiles(arch: ModelArchitecture, prediction: Prediction, tokenizer: TokenizerFiles, provenance: Record<string, unknown>): Map<string, Uint8Array> {
  const { unet, vae, text } = arch;
  const vaeScale = 2 ** (vae.chMult.length - 1);
  const imageSize = arch.family === 'sd2' && prediction === 'v_prediction' ? 768 : 512;
  const blocks = unet.channelMult.map((m) => m * unet.modelChannels);
  const withAttention = (level: number) => unet.attentionResolutions.includes(2 ** level);
  const headDim = unet.numHeadChannels > 0 ? blocks.map((ch) => headsFor(unet, ch).heads) : unet.numHeads;
  const vaeConfig = {
    _class_name: 'AutoencoderKL',
    in_channels: vae.inChannels,
    out_channels: vae.outCh,
    latent_channels: vae.embedDim,
    block_out_channels: vae.chMult.map((m) => m * vae.ch),
    layers_per_block: vae.numResBlocks,
    norm_num_groups: 32,
    act_fn: 'silu',
    sample_size: imageSize,
    scaling_factor: arch.scaleFactor,
  };
  const pad = text.kind === 'openclip' ? '!' : '<|endoftext|>';
  return new Map([
    [
      'model_index.json',
      json({
        _class_name: 'ORTStableDiffusionPipeline',
        _diffusers_version: '0.27.2',
        requires_safety_checker: false,
        scheduler: ['diffusers', 'PNDMScheduler'],
        text_encoder: ['optimum', 'ORTModelTextEncoder'],
        tokenizer: ['transformers', 'CLIPTokenizer'],
        unet: ['optimum', 'ORTModelUnet'],
        vae_decoder: ['optimum', 'ORTModelVaeDecoder'],
        vae_encoder: ['optimum', 'ORTModelVaeEncoder'],
        hnstudio_checkpoint: provenance,
      }),
    ],
    ['scheduler/scheduler_config.json', schedulerConfig(arch, prediction)],
    [
      'unet/config.json',
      json({
        _class_name: 'UNet2DConditionModel',
        sample_size: imageSize / vaeScale,
        in_channels: unet.inChannels,
        out_channels: unet.outChannels,
        block_out_channels: blocks,
        layers_per_block: unet.numResBlocks[0],
        attention_head_dim: headDim,
        cross_attention_dim: unet.contextDim,
        use_linear_projection: unet.useLinear,
        transformer_layers_per_block: unet.transformerDepth,
        norm_num_groups: 32,
        down_block_types: blocks.map((_, i) => (withAttention(i) ? 'CrossAttnDownBlock2D' : 'DownBlock2D')),
        up_block_types: blocks.map((_, i) => (withAttention(blocks.length - 1 - i) ? 'CrossAttnUpBlock2D' : 'UpBlock2D')),
      }),
    ],
    ['vae_decoder/config.json', json(vaeConfig)],
    ['vae_encoder/config.json', json(vaeConfig)],
    [
      'text_encoder/config.json',
      json({
        architectures: ['CLIPTextModel'],
        model_type: 'clip_text_model',
        hidden_size: text.width,
        intermediate_size: 4 * text.width,
        num_attention_heads: text.heads,
        num_hidden_layers: text.usedLayers,
        max_position_embeddings: text.positions,
        vocab_size: text.vocab,
        hidden_act: text.kind === 'clip' ? 'quick_gelu' : 'gelu',
        layer_norm_eps: 1e-5,
        bos_token_id: 49406,
        eos_token_id: 49407,
        pad_token_id: text.kind === 'openclip' ? 0 : 49407,
      }),
    ],
    ['tokenizer/vocab.json', tokenizer.vocab],
    ['tokenizer/merges.txt', tokenizer.merges],
    ['tokenizer/special_tokens_map.json', json({ bos_token: '<|startoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>', pad_token: pad })],
    ['tokenizer/tokenizer_config.json', json({ tokenizer_class: 'CLIPTokenizer', model_max_length: text.positions, bos_token: '<|startoftext|>', eos_token: '<|endoftext|>', unk_token: '<|endoftext|>', pad_token: pad, do_lower_case: true })],
  ]);
}
