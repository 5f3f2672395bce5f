/**
 * Hypernetworks inside the U-Net graph (issue 5): every attention K/V projection of a width some loaded
 * hypernetwork has gets its input through that width's stacked K or V chain; strengths are graph inputs, so
 * moving a slider only changes a feed (no session rebuild, no weight upload).
 *
 * Sharing: weights are initializers stored once per (hypernetwork, width, K/V). An ONNX node runs once, so each
 * call site gets its own small node chain over those shared initializers. Call sites cannot be concatenated
 * into one batched MLP: each attn1 input depends on the previous blocks' outputs. Sites that read the same
 * tensor share one chain — all attn2 layers read `encoder_hidden_states`, so the text-width chain runs once per
 * U-Net call instead of once per layer.
 */
import { StudioError } from '../errors.ts';
import type { Hypernetwork } from '../hypernetwork/types.ts';
import { emitChain } from './chain.ts';
import { EXTERNAL_THRESHOLD, referenceOriginal } from './external.ts';
import { defaultOpset, Emitter, floatTensor, int64Tensor } from './graph.ts';
import { findAttentionSites, type KvSite } from './locate.ts';
import { DataType, decodeModel, encodeModel, type GraphProto, type ModelProto, type NodeProto, type ValueInfoProto } from './proto.ts';

export interface StackEntry {
  hypernetwork: Hypernetwork;
  /** used by `bake` (default 1) */
  strength?: number;
}

export interface PatchOptions {
  /** strengths become constants; the graph inputs are exactly the original ones */
  bake?: boolean;
  /** `[1]` (default) or `[batch]`: one strength per image of a batched run */
  strengthShape?: 'scalar' | 'batch';
  /** fp16 U-Nets: MLP in fp32 between Casts (default, see PRECISION) or in the model's fp16 */
  precision?: 'fp32' | 'model';
  /** attn2 chains in the graph (default) or fed from outside through two context inputs (see context-model.ts) */
  crossAttention?: 'in-graph' | 'external';
  /**
   * Multiply out all-linear modules (default true; mlp.ts `collapsibleLinears`): 4× fewer MLP FLOPs per step
   * for A1111's default [1, 2, 1] linear hypernetworks; same values up to float32 rounding (≤1e-6 here).
   */
  collapseLinear?: boolean;
}

export interface WidthReport {
  width: number;
  attn1: number;
  attn2: number;
  /** stack indices of the hypernetworks that have this width */
  hypernetworks: number[];
}

export interface PatchReport {
  method: 'names' | 'structure';
  modelDtype: 'float32' | 'float16';
  /** every attention width of the model, with its layer counts */
  widths: WidthReport[];
  /** widths a hypernetwork has that no attention layer of the model uses (e.g. 1024 on SD1) */
  unused: { hypernetwork: number; width: number }[];
  /** `hypernetwork_strength_<i>` per stack entry; empty when baked */
  strengthInputs: string[];
  /** the two attn2 context inputs in `crossAttention: 'external'` mode */
  contextInputs: { k: string; v: string; width: number } | null;
}

/**
 * Measured choice for fp16 U-Nets (README.md): fp32 MLPs between Casts give the fp32 reference rounded once to
 * fp16 (≤ half an ulp); fp16 MLPs drift up to 2 ulps. Two Casts per chain cost little next to the U-Net.
 */
export const PRECISION: 'fp32' | 'model' = 'fp32';

export const strengthInputName = (i: number): string => `hypernetwork_strength_${i}`;
export const CONTEXT_K = 'hypernetwork_context_k';
export const CONTEXT_V = 'hypernetwork_context_v';
const MIN_OPSET = 13;

function batchDim(graph: GraphProto): { dim_param?: string; dim_value?: number } {
  const d = graph.input.find((v) => v.name === 'sample')?.type?.tensor_type?.shape?.dim[0] ?? graph.input[0]?.type?.tensor_type?.shape?.dim[0];
  if (d?.dim_param) return { dim_param: d.dim_param };
  if (d?.dim_value) return { dim_value: Number(d.dim_value) };
  return { dim_param: 'batch_size' };
}

function floatInput(name: string, dims: { dim_param?: string; dim_value?: number }[], elem = DataType.FLOAT): ValueInfoProto {
  return { name, type: { tensor_type: { elem_type: elem, shape: { dim: dims } } } };
}

/** Strength tensors per (hypernetwork, dtype), emitted once at the top of the graph. */
function strengths(graph: GraphProto, emit: Emitter, stack: readonly StackEntry[], o: PatchOptions, prelude: NodeProto[]): { inputs: string[]; get: (i: number, dtype: number) => string } {
  const inputs: string[] = [];
  const base: string[] = stack.map((entry, i) => {
    const name = strengthInputName(i);
    if (o.bake) {
      emit.initializers.push(floatTensor(name, [1], Float32Array.of(entry.strength ?? 1), DataType.FLOAT));
      return name;
    }
    graph.input.push(floatInput(name, [o.strengthShape === 'batch' ? batchDim(graph) : { dim_value: 1 }]));
    inputs.push(name);
    if (o.strengthShape !== 'batch') return name;
    // [B] → [B, 1, 1] to scale each image's [N, C] context
    const shape = emit.initializer('hypernetwork.shape.per_image', (n) => int64Tensor(n, [-1, 1, 1]));
    const out = emit.node('Reshape', [name, shape], `/hypernetwork_${i}/strength/Reshape`);
    prelude.push(...emit.drain());
    return out;
  });
  const cache = new Map<string, string>();
  const get = (i: number, dtype: number): string => {
    if (dtype === DataType.FLOAT) return base[i]!;
    const key = `${i}.${dtype}`;
    let t = cache.get(key);
    if (!t) {
      t = emit.node('Cast', [base[i]!], `/hypernetwork_${i}/strength/Cast`, { to: dtype });
      prelude.push(...emit.drain());
      cache.set(key, t);
    }
    return t;
  };
  return { inputs, get };
}

function report(sites: KvSite[], stack: readonly StackEntry[]): Pick<PatchReport, 'widths' | 'unused'> {
  const widths = new Map<number, WidthReport>();
  for (const s of sites) {
    const w = widths.get(s.width) ?? { width: s.width, attn1: 0, attn2: 0, hypernetworks: stack.flatMap((e, i) => (e.hypernetwork.modules.has(s.width) ? [i] : [])) };
    if (s.role === 'k') w[s.attention]++;
    widths.set(s.width, w);
  }
  const unused = stack.flatMap((e, i) => e.hypernetwork.sizes.filter((w) => !widths.has(w)).map((width) => ({ hypernetwork: i, width })));
  return { widths: [...widths.values()].sort((a, b) => a.width - b.width), unused };
}

/** Edits `model` in place; returns what was patched. */
export function patchModel(model: ModelProto, stack: readonly StackEntry[], options: PatchOptions = {}): PatchReport {
  const graph = model.graph;
  const opset = defaultOpset(model);
  if (opset < MIN_OPSET) throw new StudioError('unsupported-model', `The U-Net uses ONNX opset ${opset}; hypernetworks need opset ${MIN_OPSET} or later (re-export with a newer opset).`);
  const { sites, method, contextInput } = findAttentionSites(graph);
  if (!sites.length) throw new StudioError('unsupported-model', 'No attention K/V projections (to_k / to_v MatMuls) were found in this U-Net.');
  const modelType = sites[0]!.dtype;
  const mlpType = (options.precision ?? PRECISION) === 'fp32' ? DataType.FLOAT : modelType;
  const emit = new Emitter(graph);
  const prelude: NodeProto[] = [];
  const strength = strengths(graph, emit, stack, options, prelude);
  const hns = stack.map((e) => e.hypernetwork);
  const insertBefore = new Map<NodeProto, NodeProto[]>();
  const order = new Map(graph.node.map((n, i) => [n, i]));

  // group call sites by the tensor they read: one chain per (input, width, role)
  const groups = new Map<string, KvSite[]>();
  for (const s of sites) {
    if (!hns.some((h) => h.modules.has(s.width))) continue;
    const key = `${s.node.input[0]}\u0000${s.width}`;
    const list = groups.get(key);
    if (list) list.push(s);
    else groups.set(key, [s]);
  }
  let contextInputs: PatchReport['contextInputs'] = null;
  let g = 0;
  for (const group of groups.values()) {
    const x = group[0]!.node.input[0]!;
    const width = group[0]!.width;
    const first = group.reduce((a, s) => (order.get(s.node)! < order.get(a.node)! ? s : a)).node;
    if (options.crossAttention === 'external' && x === contextInput && group.every((s) => s.attention === 'attn2')) {
      const ctx = graph.input.find((v) => v.name === contextInput)!;
      graph.input.push({ ...ctx, name: CONTEXT_K }, { ...ctx, name: CONTEXT_V });
      for (const s of group) s.node.input[0] = s.role === 'k' ? CONTEXT_K : CONTEXT_V;
      contextInputs = { k: CONTEXT_K, v: CONTEXT_V, width };
      continue;
    }
    for (const role of ['k', 'v'] as const) {
      const mine = group.filter((s) => s.role === role);
      if (!mine.length) continue;
      const scope = `/hypernetwork/${group[0]!.attention}_${width}_${g}/${role}`;
      const out = emitChain({ emit, opset, ioType: modelType, mlpType, strength: strength.get, scope, collapseLinear: options.collapseLinear }, hns, width, role, x);
      for (const s of mine) s.node.input[0] = out;
    }
    g++;
    insertBefore.set(first, [...(insertBefore.get(first) ?? []), ...emit.drain()]);
  }
  graph.node = [...prelude, ...emit.constantNodes, ...graph.node.flatMap((n) => [...(insertBefore.get(n) ?? []), n])];
  graph.initializer.push(...emit.initializers);
  return {
    method,
    modelDtype: modelType === DataType.FLOAT16 ? 'float16' : 'float32',
    ...report(sites, stack),
    strengthInputs: strength.inputs,
    contextInputs,
  };
}

export interface PatchResult {
  /** the patched ModelProto: small, its large weights reference `externalData` */
  model: Uint8Array;
  /**
   * What to pass as ORT's `externalData` (add the model's own external files, e.g. `model.onnx_data`, which
   * keep their references): the original model bytes, mounted under `BASE_WEIGHTS`.
   */
  externalData: { path: string; data: Uint8Array }[];
  report: PatchReport;
}

/** Mount name of the original model bytes that the patched graph references. */
export const BASE_WEIGHTS = 'hnstudio-base-unet.onnx';

/** Bytes in, bytes out: decode, patch, point large initializers at the original bytes, encode the small rest. */
export function patchUnet(bytes: Uint8Array, stack: readonly StackEntry[], options: PatchOptions = {}): PatchResult {
  const model = decodeModel(bytes);
  const report = patchModel(model, stack, options);
  const referenced = referenceOriginal(model, bytes, BASE_WEIGHTS, EXTERNAL_THRESHOLD);
  return { model: encodeModel(model), externalData: referenced ? [{ path: BASE_WEIGHTS, data: bytes }] : [], report };
}
