/**
 * LDM's `UNetModel` (input_blocks / middle_block / output_blocks of ResBlocks, SpatialTransformers and
 * resamplers) as an ONNX graph with diffusers-style node names (`/down_blocks.0/attentions.0/
 * transformer_blocks.0/attn1/to_k/MatMul`), so the hypernetwork surgery finds every K/V projection by name,
 * and Optimum's inputs and outputs: `sample` [batch, C, h, w], `timestep` (float32 scalar, fractional values
 * allowed), `encoder_hidden_states` [batch, tokens, context] → `out_sample`.
 */
import { headsFor, type UnetArch } from '../../checkpoint/architecture.ts';
import { DataType } from '../proto.ts';
import type { GraphBuilder } from './builder.ts';
import { attentionCore, conv, gelu, groupNorm, layerNorm, linear, silu, upsample2x } from './layers.ts';

const GROUPS = 32;
const P = 'model.diffusion_model';

/** LDM's `timestep_embedding` frequencies, in float32 as torch computes them: exp(-ln(10000)·i/half) */
export function timestepFrequencies(dim: number): Float32Array {
  const half = Math.floor(dim / 2);
  const f = Math.fround(-Math.log(10000));
  return Float32Array.from({ length: half }, (_, i) => Math.fround(Math.exp(Math.fround(Math.fround(f * i) / half))));
}

interface Ctx {
  b: GraphBuilder;
  arch: UnetArch;
  /** SiLU(time embedding): every ResBlock's emb_layers start with it */
  embAct: string;
  embDim: number;
  context: string;
}

function resBlock(c: Ctx, scope: string, key: string, x: string, cin: number, cout: number): string {
  const { b } = c;
  let h = conv(b, `${scope}/conv1`, `${key}.in_layers.2`, silu(b, `${scope}/nonlinearity`, groupNorm(b, `${scope}/norm1`, `${key}.in_layers.0`, x, cin, GROUPS, 1e-5)), cin, cout, 3);
  const emb = linear(b, `${scope}/time_emb_proj`, `${key}.emb_layers.1`, c.embAct, c.embDim, cout);
  h = b.node('Add', [h, b.node('Unsqueeze', [emb, b.ints([2, 3])], `${scope}/Unsqueeze`)], `${scope}/Add`);
  h = groupNorm(b, `${scope}/norm2`, `${key}.out_layers.0`, h, cout, GROUPS, 1e-5);
  h = conv(b, `${scope}/conv2`, `${key}.out_layers.3`, silu(b, `${scope}/nonlinearity`, h), cout, cout, 3);
  const skip = cin === cout ? x : conv(b, `${scope}/conv_shortcut`, `${key}.skip_connection`, x, cin, cout, 1);
  return b.node('Add', [skip, h], `${scope}/Add`);
}

function crossAttention(c: Ctx, scope: string, key: string, x: string, context: string | null, dim: number, contextDim: number, heads: number, headDim: number): string {
  const { b } = c;
  const inner = heads * headDim;
  const ctx = context ?? x;
  const q = linear(b, `${scope}/to_q`, `${key}.to_q`, x, dim, inner, false);
  const k = linear(b, `${scope}/to_k`, `${key}.to_k`, ctx, contextDim, inner, false);
  const v = linear(b, `${scope}/to_v`, `${key}.to_v`, ctx, contextDim, inner, false);
  return linear(b, `${scope}/to_out.0`, `${key}.to_out.0`, attentionCore(b, scope, q, k, v, heads, headDim), inner, dim);
}

function transformerBlock(c: Ctx, scope: string, key: string, x: string, dim: number, heads: number, headDim: number): string {
  const { b } = c;
  let h = b.node('Add', [crossAttention(c, `${scope}/attn1`, `${key}.attn1`, layerNorm(b, `${scope}/norm1`, `${key}.norm1`, x, dim), null, dim, dim, heads, headDim), x], `${scope}/Add`);
  h = b.node('Add', [crossAttention(c, `${scope}/attn2`, `${key}.attn2`, layerNorm(b, `${scope}/norm2`, `${key}.norm2`, h, dim), c.context, dim, c.arch.contextDim, heads, headDim), h], `${scope}/Add`);
  // FeedForward with GEGLU: proj to 2·inner, first half × gelu(second half)
  const inner = 4 * dim;
  const proj = linear(b, `${scope}/ff/net.0/proj`, `${key}.ff.net.0.proj`, layerNorm(b, `${scope}/norm3`, `${key}.norm3`, h, dim), dim, 2 * inner);
  const half = (from: number, to: number) => b.node('Slice', [proj, b.ints([from]), b.ints([to]), b.ints([-1])], `${scope}/ff/net.0/Slice`);
  const gated = b.node('Mul', [half(0, inner), gelu(b, `${scope}/ff/net.0`, half(inner, 2 * inner))], `${scope}/ff/net.0/Mul`);
  return b.node('Add', [linear(b, `${scope}/ff/net.2`, `${key}.ff.net.2`, gated, inner, dim), h], `${scope}/Add`);
}

function spatialTransformer(c: Ctx, scope: string, key: string, x: string, ch: number): string {
  const { b, arch } = c;
  const { heads, headDim } = headsFor(arch, ch);
  let h = groupNorm(b, `${scope}/norm`, `${key}.norm`, x, ch, GROUPS, 1e-6);
  if (!arch.useLinear) h = conv(b, `${scope}/proj_in`, `${key}.proj_in`, h, ch, ch, 1);
  // b c h w → b (h w) c
  h = b.node('Transpose', [b.node('Reshape', [h, b.ints([0, ch, -1])], `${scope}/Reshape`)], `${scope}/Transpose`, { perm: [0, 2, 1] });
  if (arch.useLinear) h = linear(b, `${scope}/proj_in`, `${key}.proj_in`, h, ch, ch);
  for (let d = 0; d < arch.transformerDepth; d++) h = transformerBlock(c, `${scope}/transformer_blocks.${d}`, `${key}.transformer_blocks.${d}`, h, ch, heads, headDim);
  if (arch.useLinear) h = linear(b, `${scope}/proj_out`, `${key}.proj_out`, h, ch, ch);
  h = b.node('Reshape', [b.node('Transpose', [h], `${scope}/Transpose`, { perm: [0, 2, 1] }), b.node('Shape', [x], `${scope}/Shape`)], `${scope}/Reshape`);
  if (!arch.useLinear) h = conv(b, `${scope}/proj_out`, `${key}.proj_out`, h, ch, ch, 1);
  return b.node('Add', [h, x], `${scope}/Add`);
}

export function buildUnet(b: GraphBuilder, arch: UnetArch): void {
  const mc = arch.modelChannels;
  const sample = b.input('sample', DataType.FLOAT, ['batch_size', arch.inChannels, 'height', 'width']);
  const timestep = b.input('timestep', DataType.FLOAT, []);
  const context = b.input('encoder_hidden_states', DataType.FLOAT, ['batch_size', 'sequence_length', arch.contextDim]);

  const freqs = b.floats('time_proj.freqs', [1, Math.floor(mc / 2)], timestepFrequencies(mc));
  const args = b.node('Mul', [b.node('Reshape', [timestep, b.ints([-1, 1])], '/time_proj/Reshape'), freqs], '/time_proj/Mul');
  const tproj = b.node('Concat', [b.node('Cos', [args], '/time_proj/Cos'), b.node('Sin', [args], '/time_proj/Sin')], '/time_proj/Concat', { axis: -1 });
  const embDim = 4 * mc;
  let emb = linear(b, '/time_embedding/linear_1', `${P}.time_embed.0`, tproj, mc, embDim);
  emb = linear(b, '/time_embedding/linear_2', `${P}.time_embed.2`, silu(b, '/time_embedding/act', emb), embDim, embDim);
  const c: Ctx = { b, arch, embAct: silu(b, '/nonlinearity', emb), embDim, context };

  let h = conv(b, '/conv_in', `${P}.input_blocks.0.0`, sample, arch.inChannels, mc, 3);
  const skips: { value: string; ch: number }[] = [{ value: h, ch: mc }];
  let ch = mc;
  let ds = 1;
  let index = 1;
  const levels = arch.channelMult.length;
  for (let level = 0; level < levels; level++) {
    for (let n = 0; n < arch.numResBlocks[level]!; n++) {
      const out = arch.channelMult[level]! * mc;
      h = resBlock(c, `/down_blocks.${level}/resnets.${n}`, `${P}.input_blocks.${index}.0`, h, ch, out);
      ch = out;
      if (arch.attentionResolutions.includes(ds)) h = spatialTransformer(c, `/down_blocks.${level}/attentions.${n}`, `${P}.input_blocks.${index}.1`, h, ch);
      skips.push({ value: h, ch });
      index++;
    }
    if (level !== levels - 1) {
      h = conv(b, `/down_blocks.${level}/downsamplers.0/conv`, `${P}.input_blocks.${index}.0.op`, h, ch, ch, 3, { stride: 2, pad: 1 });
      skips.push({ value: h, ch });
      index++;
      ds *= 2;
    }
  }
  h = resBlock(c, '/mid_block/resnets.0', `${P}.middle_block.0`, h, ch, ch);
  h = spatialTransformer(c, '/mid_block/attentions.0', `${P}.middle_block.1`, h, ch);
  h = resBlock(c, '/mid_block/resnets.1', `${P}.middle_block.2`, h, ch, ch);

  index = 0;
  for (let level = levels - 1; level >= 0; level--) {
    const up = levels - 1 - level;
    const blocks = arch.numResBlocks[level]! + 1;
    for (let i = 0; i < blocks; i++) {
      const skip = skips.pop()!;
      const out = arch.channelMult[level]! * mc;
      const scope = `/up_blocks.${up}`;
      h = b.node('Concat', [h, skip.value], `${scope}/Concat`, { axis: 1 });
      h = resBlock(c, `${scope}/resnets.${i}`, `${P}.output_blocks.${index}.0`, h, ch + skip.ch, out);
      ch = out;
      let layer = 1;
      if (arch.attentionResolutions.includes(ds)) h = spatialTransformer(c, `${scope}/attentions.${i}`, `${P}.output_blocks.${index}.${layer++}`, h, ch);
      if (level > 0 && i === blocks - 1) {
        h = conv(b, `${scope}/upsamplers.0/conv`, `${P}.output_blocks.${index}.${layer}.conv`, upsample2x(b, `${scope}/upsamplers.0`, h), ch, ch, 3);
        ds /= 2;
      }
      index++;
    }
  }
  h = silu(b, '/conv_act', groupNorm(b, '/conv_norm_out', `${P}.out.0`, h, ch, GROUPS, 1e-5));
  b.output('out_sample', conv(b, '/conv_out', `${P}.out.2`, h, ch, arch.outChannels, 3), DataType.FLOAT, ['batch_size', arch.outChannels, 'height', 'width']);
}
