/**
 * LDM's `AutoencoderKL` halves as ONNX graphs with diffusers names and Optimum's I/O:
 * - decoder: `latent_sample` [batch, z, h, w] → post_quant_conv → Decoder → `sample` [batch, 3, H, W] in [-1, 1]
 *   (the 1/scale_factor is the pipeline's, as in diffusers);
 * - encoder: `sample` [batch, 3, H, W] → Encoder → quant_conv → `latent_sample`, the latent distribution's mean
 *   (unscaled), as the demo model's encoder gives it.
 * `prefix` is `first_stage_model.` in a checkpoint, empty in a separate `.vae.pt`/`.vae.safetensors`.
 */
import type { VaeArch } from '../../checkpoint/architecture.ts';
import { DataType } from '../proto.ts';
import type { GraphBuilder } from './builder.ts';
import { conv, groupNorm, silu, upsample2x } from './layers.ts';

const GROUPS = 32;
const EPS = 1e-6;

function resnet(b: GraphBuilder, scope: string, key: string, x: string, cin: number, cout: number): string {
  let h = conv(b, `${scope}/conv1`, `${key}.conv1`, silu(b, `${scope}/nonlinearity`, groupNorm(b, `${scope}/norm1`, `${key}.norm1`, x, cin, GROUPS, EPS)), cin, cout, 3);
  h = conv(b, `${scope}/conv2`, `${key}.conv2`, silu(b, `${scope}/nonlinearity`, groupNorm(b, `${scope}/norm2`, `${key}.norm2`, h, cout, GROUPS, EPS)), cout, cout, 3);
  const skip = cin === cout ? x : conv(b, `${scope}/conv_shortcut`, `${key}.nin_shortcut`, x, cin, cout, 1);
  return b.node('Add', [skip, h], `${scope}/Add`);
}

/** LDM's AttnBlock: single-head attention over the h·w positions with 1×1-conv projections */
function attnBlock(b: GraphBuilder, scope: string, key: string, x: string, c: number): string {
  const h = groupNorm(b, `${scope}/group_norm`, `${key}.norm`, x, c, GROUPS, EPS);
  const proj = (name: string, part: string) => b.node('Reshape', [conv(b, `${scope}/${name}`, `${key}.${part}`, h, c, c, 1, { acceptLinear: true }), b.ints([0, c, -1])], `${scope}/${name}/Reshape`);
  const q = b.node('Transpose', [proj('to_q', 'q')], `${scope}/Transpose`, { perm: [0, 2, 1] });
  const k = proj('to_k', 'k');
  const v = proj('to_v', 'v');
  const w = b.node('Softmax', [b.node('Mul', [b.node('MatMul', [q, k], `${scope}/MatMul`), b.scalar(c ** -0.5)], `${scope}/Mul`)], `${scope}/Softmax`, { axis: -1 });
  const out = b.node('MatMul', [v, b.node('Transpose', [w], `${scope}/Transpose`, { perm: [0, 2, 1] })], `${scope}/MatMul`);
  const shaped = b.node('Reshape', [out, b.node('Shape', [x], `${scope}/Shape`)], `${scope}/Reshape`);
  return b.node('Add', [x, conv(b, `${scope}/to_out.0`, `${key}.proj_out`, shaped, c, c, 1, { acceptLinear: true })], `${scope}/Add`);
}

function middle(b: GraphBuilder, scope: string, key: string, x: string, c: number): string {
  let h = resnet(b, `${scope}/resnets.0`, `${key}.block_1`, x, c, c);
  h = attnBlock(b, `${scope}/attentions.0`, `${key}.attn_1`, h, c);
  return resnet(b, `${scope}/resnets.1`, `${key}.block_2`, h, c, c);
}

export function buildVaeDecoder(b: GraphBuilder, arch: VaeArch, prefix: string): void {
  const levels = arch.chMult.length;
  const latent = b.input('latent_sample', DataType.FLOAT, ['batch_size', arch.embedDim, 'latent_height', 'latent_width']);
  const z = conv(b, '/post_quant_conv', `${prefix}post_quant_conv`, latent, arch.embedDim, arch.zChannels, 1);
  let c = arch.ch * arch.chMult[levels - 1]!;
  let h = conv(b, '/decoder/conv_in', `${prefix}decoder.conv_in`, z, arch.zChannels, c, 3);
  h = middle(b, '/decoder/mid_block', `${prefix}decoder.mid`, h, c);
  let res = arch.resolution / 2 ** (levels - 1);
  for (let level = levels - 1; level >= 0; level--) {
    const scope = `/decoder/up_blocks.${levels - 1 - level}`;
    const key = `${prefix}decoder.up.${level}`;
    const out = arch.ch * arch.chMult[level]!;
    for (let j = 0; j <= arch.numResBlocks; j++) {
      h = resnet(b, `${scope}/resnets.${j}`, `${key}.block.${j}`, h, c, out);
      c = out;
      if (arch.attnResolutions.includes(res)) h = attnBlock(b, `${scope}/attentions.${j}`, `${key}.attn.${j}`, h, c);
    }
    if (level !== 0) {
      h = conv(b, `${scope}/upsamplers.0/conv`, `${key}.upsample.conv`, upsample2x(b, `${scope}/upsamplers.0`, h), c, c, 3);
      res *= 2;
    }
  }
  h = silu(b, '/decoder/conv_act', groupNorm(b, '/decoder/conv_norm_out', `${prefix}decoder.norm_out`, h, c, GROUPS, EPS));
  b.output('sample', conv(b, '/decoder/conv_out', `${prefix}decoder.conv_out`, h, c, arch.outCh, 3), DataType.FLOAT, ['batch_size', arch.outCh, 'height', 'width']);
}

export function buildVaeEncoder(b: GraphBuilder, arch: VaeArch, prefix: string): void {
  const levels = arch.chMult.length;
  const sample = b.input('sample', DataType.FLOAT, ['batch_size', arch.inChannels, 'height', 'width']);
  let c = arch.ch;
  let h = conv(b, '/encoder/conv_in', `${prefix}encoder.conv_in`, sample, arch.inChannels, c, 3);
  let res = arch.resolution;
  for (let level = 0; level < levels; level++) {
    const scope = `/encoder/down_blocks.${level}`;
    const key = `${prefix}encoder.down.${level}`;
    const out = arch.ch * arch.chMult[level]!;
    for (let j = 0; j < arch.numResBlocks; j++) {
      h = resnet(b, `${scope}/resnets.${j}`, `${key}.block.${j}`, h, c, out);
      c = out;
      if (arch.attnResolutions.includes(res)) h = attnBlock(b, `${scope}/attentions.${j}`, `${key}.attn.${j}`, h, c);
    }
    if (level !== levels - 1) {
      // LDM pads right and bottom by one, then convolves with stride 2 and no padding
      const padded = b.node('Pad', [h, b.ints([0, 0, 0, 0, 0, 0, 1, 1])], `${scope}/downsamplers.0/Pad`);
      h = conv(b, `${scope}/downsamplers.0/conv`, `${key}.downsample.conv`, padded, c, c, 3, { stride: 2, pad: 0 });
      res /= 2;
    }
  }
  h = middle(b, '/encoder/mid_block', `${prefix}encoder.mid`, h, c);
  h = silu(b, '/encoder/conv_act', groupNorm(b, '/encoder/conv_norm_out', `${prefix}encoder.norm_out`, h, c, GROUPS, EPS));
  h = conv(b, '/encoder/conv_out', `${prefix}encoder.conv_out`, h, c, 2 * arch.zChannels, 3);
  const moments = conv(b, '/quant_conv', `${prefix}quant_conv`, h, 2 * arch.zChannels, 2 * arch.embedDim, 1);
  const mean = b.node('Slice', [moments, b.ints([0]), b.ints([arch.embedDim]), b.ints([1])], '/latent_dist/Slice');
  b.output('latent_sample', mean, DataType.FLOAT, ['batch_size', arch.embedDim, 'latent_height', 'latent_width']);
}
