/**
 * The text encoder as A1111 runs it, with Optimum's I/O (`input_ids` int32 [batch, tokens] →
 * `last_hidden_state`, `pooler_output`) and HF CLIPTextModel node names:
 * - SD1 (`cond_stage_model.transformer.*`, HF CLIP ViT-L/14): every layer, then the final LayerNorm, quick_gelu;
 * - SD2 (`cond_stage_model.model.*`, OpenCLIP ViT-H/14): the layers but the last (LDM's `penultimate`), then
 *   `ln_final`, exact GELU, q/k/v from the packed `in_proj_weight` — what diffusers' SD2 text encoder computes.
 */
import type { TextArch } from '../../checkpoint/architecture.ts';
import { DataType } from '../proto.ts';
import type { GraphBuilder } from './builder.ts';
import { attentionCore, gelu, layerNorm, linear, packedLinear, quickGelu } from './layers.ts';

const INT32 = 6;

/** the key of each part of one text model layout */
interface TextKeys {
  token: string;
  position: string;
  /** the position table is a Parameter [P, D] (OpenCLIP) or an Embedding's `.weight` (HF) */
  layer(i: number): { ln1: string; ln2: string; fc1: string; fc2: string; out: string; q?: string; k?: string; v?: string; packed?: string };
  final: string;
}

export function textKeys(arch: TextArch, prefix: string): TextKeys {
  if (arch.kind === 'clip') {
    return {
      token: `${prefix}embeddings.token_embedding.weight`,
      position: `${prefix}embeddings.position_embedding.weight`,
      layer: (i) => {
        const l = `${prefix}encoder.layers.${i}`;
        return { ln1: `${l}.layer_norm1`, ln2: `${l}.layer_norm2`, fc1: `${l}.mlp.fc1`, fc2: `${l}.mlp.fc2`, out: `${l}.self_attn.out_proj`, q: `${l}.self_attn.q_proj`, k: `${l}.self_attn.k_proj`, v: `${l}.self_attn.v_proj` };
      },
      final: `${prefix}final_layer_norm`,
    };
  }
  return {
    token: `${prefix}token_embedding.weight`,
    position: `${prefix}positional_embedding`,
    layer: (i) => {
      const l = `${prefix}transformer.resblocks.${i}`;
      return { ln1: `${l}.ln_1`, ln2: `${l}.ln_2`, fc1: `${l}.mlp.c_fc`, fc2: `${l}.mlp.c_proj`, out: `${l}.attn.out_proj`, packed: `${l}.attn.in_proj` };
    },
    final: `${prefix}ln_final`,
  };
}

/** CLIP's causal mask over the longest sequence: float32's lowest value above the diagonal, as HF builds it */
function causalMask(positions: number): Float32Array {
  const m = new Float32Array(positions * positions);
  for (let r = 0; r < positions; r++) for (let c = r + 1; c < positions; c++) m[r * positions + c] = -3.4028234663852886e38;
  return m;
}

export function buildTextEncoder(b: GraphBuilder, arch: TextArch, prefix: string): void {
  const keys = textKeys(arch, prefix);
  const D = arch.width;
  const ids = b.input('input_ids', INT32, ['batch_size', 'sequence_length']);
  const shape = b.node('Shape', [ids], '/text_model/Shape');
  const length = b.node('Slice', [shape, b.ints([1]), b.ints([2])], '/text_model/Slice');
  const token = b.weight('text_model.embeddings.token_embedding.weight', keys.token, [arch.vocab, D], [[arch.vocab, D]]);
  const position = b.weight('text_model.embeddings.position_embedding.weight', keys.position, [arch.positions, D], [[arch.positions, D]]);
  const embedded = b.node('Gather', [token, ids], '/text_model/embeddings/token_embedding/Gather', { axis: 0 });
  const positions = b.node('Slice', [position, b.ints([0]), length, b.ints([0])], '/text_model/embeddings/position_embedding/Slice');
  let x = b.node('Add', [embedded, positions], '/text_model/embeddings/Add');
  const fullMask = b.floats('text_model.causal_mask', [arch.positions, arch.positions], causalMask(arch.positions));
  const both = b.node('Concat', [length, length], '/text_model/Concat', { axis: 0 });
  const mask = b.node('Slice', [fullMask, b.ints([0, 0]), both, b.ints([0, 1])], '/text_model/Slice');
  const heads = arch.heads;
  const headDim = D / heads;

  for (let i = 0; i < arch.usedLayers; i++) {
    const k = keys.layer(i);
    const s = `/text_model/encoder/layers.${i}`;
    const h = layerNorm(b, `${s}/layer_norm1`, k.ln1, x, D);
    const proj = (part: 'q' | 'k' | 'v', n: number) =>
      k.packed ? packedLinear(b, `${s}/self_attn/${part}_proj`, `${k.packed}_weight`, `${k.packed}_bias`, h, D, n, 3) : linear(b, `${s}/self_attn/${part}_proj`, k[part]!, h, D, D);
    const attn = attentionCore(b, `${s}/self_attn`, proj('q', 0), proj('k', 1), proj('v', 2), heads, headDim, mask);
    x = b.node('Add', [x, linear(b, `${s}/self_attn/out_proj`, k.out, attn, D, D)], `${s}/Add`);
    const m = linear(b, `${s}/mlp/fc1`, k.fc1, layerNorm(b, `${s}/layer_norm2`, k.ln2, x, D), D, 4 * D);
    const act = arch.kind === 'clip' ? quickGelu(b, `${s}/mlp/activation_fn`, m) : gelu(b, `${s}/mlp/activation_fn`, m);
    x = b.node('Add', [x, linear(b, `${s}/mlp/fc2`, k.fc2, act, 4 * D, D)], `${s}/Add`);
  }
  const hidden = layerNorm(b, '/text_model/final_layer_norm', keys.final, x, D);
  b.output('last_hidden_state', hidden, DataType.FLOAT, ['batch_size', 'sequence_length', D]);

  // pooler_output: the state at each sequence's end token (its highest id), as CLIPTextModel returns it
  const end = b.node('ArgMax', [ids], '/text_model/ArgMax', { axis: -1, keepdims: 1 });
  const batch = b.node('Slice', [shape, b.ints([0]), b.ints([1])], '/text_model/Slice');
  const where = b.node('Expand', [b.node('Unsqueeze', [end, b.ints([2])], '/text_model/Unsqueeze'), b.node('Concat', [batch, b.ints([1, D])], '/text_model/Concat', { axis: 0 })], '/text_model/Expand');
  const pooled = b.node('Squeeze', [b.node('GatherElements', [hidden, where], '/text_model/GatherElements', { axis: 1 }), b.ints([1])], '/text_model/Squeeze');
  b.output('pooler_output', pooled, DataType.FLOAT, ['batch_size', D]);
}
