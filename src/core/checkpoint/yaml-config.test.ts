import { describe, expect, it } from 'vitest';
import { parseLdmYaml } from './yaml-config.ts';

/** Stability's v2-inference-v.yaml, as A1111 ships it (comments and unused keys included) */
const V2_V = `model:
  base_learning_rate: 1.0e-4
  target: ldm.models.diffusion.ddpm.LatentDiffusion
  params:
    parameterization: "v"
    linear_start: 0.00085
    linear_end: 0.0120
    num_timesteps_cond: 1
    log_every_t: 200
    timesteps: 1000
    first_stage_key: "jpg"
    cond_stage_key: "txt"
    image_size: 64
    channels: 4
    cond_stage_trainable: false
    conditioning_key: crossattn
    monitor: val/loss_simple_ema
    scale_factor: 0.18215
    use_ema: False # we set this to false because this is an inference only config

    unet_config:
      target: ldm.modules.diffusionmodules.openaimodel.UNetModel
      params:
        use_checkpoint: True
        use_fp16: True
        image_size: 32 # unused
        in_channels: 4
        out_channels: 4
        model_channels: 320
        attention_resolutions: [ 4, 2, 1 ]
        num_res_blocks: 2
        channel_mult: [ 1, 2, 4, 4 ]
        num_head_channels: 64 # need to fix for flash-attn
        use_spatial_transformer: True
        use_linear_in_transformer: True
        transformer_depth: 1
        context_dim: 1024
        legacy: False

    first_stage_config:
      target: ldm.models.autoencoder.AutoencoderKL
      params:
        embed_dim: 4
        monitor: val/rec_loss
        ddconfig:
          #attn_type: "vanilla-xformers"
          double_z: true
          z_channels: 4
          resolution: 256
          in_channels: 3
          out_ch: 3
          ch: 128
          ch_mult:
          - 1
          - 2
          - 4
          - 4
          num_res_blocks: 2
          attn_resolutions: []
          dropout: 0.0
        lossconfig:
          target: torch.nn.Identity

    cond_stage_config:
      target: ldm.modules.encoders.modules.FrozenOpenCLIPEmbedder
      params:
        freeze: True
        layer: "penultimate"
`;

describe('LDM yaml configs', () => {
  it('reads what shapes the networks from v2-inference-v.yaml', () => {
    const c = parseLdmYaml(V2_V, 'v2-inference-v.yaml');
    expect(c.prediction).toBe('v_prediction');
    expect(c.schedule).toEqual({ betaStart: 0.00085, betaEnd: 0.012, numTrainTimesteps: 1000 });
    expect(c.scaleFactor).toBe(0.18215);
    expect(c.textLayer).toBe('penultimate');
    expect(c.unet).toEqual({ inChannels: 4, outChannels: 4, modelChannels: 320, channelMult: [1, 2, 4, 4], numResBlocks: [2], attentionResolutions: [4, 2, 1], numHeadChannels: 64, transformerDepth: 1, contextDim: 1024, useLinear: true });
    expect(c.vae).toEqual({ embedDim: 4, ch: 128, chMult: [1, 2, 4, 4], numResBlocks: 2, zChannels: 4, inChannels: 3, outCh: 3, resolution: 256, attnResolutions: [] });
    expect(parseLdmYaml(V2_V.replace('parameterization: "v"', 'parameterization: "eps"'), 'x.yaml').prediction).toBe('epsilon');
    expect(parseLdmYaml(V2_V.replace('    parameterization: "v"\n', ''), 'x.yaml').prediction).toBeUndefined();
  });

  it('refuses what it cannot build, by name, and malformed values with the key', () => {
    const code = (text: string) => {
      try {
        parseLdmYaml(text, 'x.yaml');
        return 'ok';
      } catch (e) {
        return `${(e as { code: string }).code}: ${(e as Error).message}`;
      }
    };
    expect(code(V2_V.replace('in_channels: 4\n        out_channels', 'in_channels: 9\n        out_channels'))).toMatch(/^unsupported-model: .*inpainting/);
    expect(code(V2_V.replace('ldm.models.diffusion.ddpm.LatentDiffusion', 'sgm.models.diffusion.DiffusionEngine'))).toMatch(/^unsupported-model: .*SDXL/);
    expect(code(V2_V.replace('legacy: False', 'legacy: False\n        use_scale_shift_norm: True'))).toMatch(/^unsupported-model: .*scale-shift/);
    expect(code(V2_V.replace('num_classes', '').replace('legacy: False', 'legacy: False\n        num_classes: sequential'))).toMatch(/^unsupported-model: .*num_classes/);
    expect(code(V2_V.replace('context_dim: 1024', 'context_dim: -3'))).toMatch(/^bad-config: .*context_dim/);
    expect(code(V2_V.replace('channel_mult: [ 1, 2, 4, 4 ]', 'channel_mult: "wide"'))).toMatch(/^bad-config: .*channel_mult/);
    expect(code(V2_V.replace('parameterization: "v"', 'parameterization: "x0"'))).toMatch(/^bad-config: .*parameterization/);
    expect(code(V2_V.replace('layer: "penultimate"', 'layer: 7'))).toMatch(/^bad-config: .*layer/);
    expect(code('model: [unclosed')).toMatch(/^bad-config: x.yaml: not valid YAML/);
    expect(code('just: text')).toMatch(/^bad-config: .*no `model:`/);
    expect(code(`${V2_V}\nmodel: {}\n`)).toMatch(/^bad-config/); // duplicate keys
    expect(code('a: &a [*a]\n')).toMatch(/^bad-config/);
    expect(code('x'.repeat(2 * 1024 * 1024))).toMatch(/^bad-config: .*too large/);
  });
});
