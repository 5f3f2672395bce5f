/**
 * One network of the folder (text_encoder/, unet/, vae_decoder/) opened for a session: its graph read as a
 * skeleton (weights referenced, not loaded) and the weight files its external data names — Optimum's
 * `model.onnx_data`, the older export's `weights.pb`, the import's shards, or the `.onnx` file itself when
 * it embeds its weights. Every location is checked to stay inside the network's folder before it is opened.
 */
import { StudioError } from '../../errors.ts';
import { externalLocations } from '../../onnx/external.ts';
import { findAttentionSites } from '../../onnx/locate.ts';
import { convertedWeightsFile } from '../../onnx/converted.ts';
import { CONVERTED_WEIGHTS, halveModel, upcastModel, VAE_FP32_OPS } from '../../onnx/precision.ts';
import { upcastAttention } from '../../onnx/upcast-attention.ts';
import { decodeModel, encodeModel, type ModelProto } from '../../onnx/proto.ts';
import { scanModel } from '../../onnx/scan.ts';
import { checkReferences, weightStats, type GraphPackage, type WeightFile, type WeightStats } from '../../onnx/weights.ts';
import { openModelFile, requireModelFile, type ModelSource } from './model-source.ts';

export const GRAPH_FILE = 'model.onnx';

export interface NetworkGraph {
  /** for messages: "the U-Net" */
  readonly what: string;
  /** its folder in the model (`unet`) */
  readonly dir: string;
  /** ModelProto bytes with every large initializer external (decode a fresh copy to edit it) */
  readonly skeleton: Uint8Array;
  /** weight files by the location the graph names them with */
  readonly files: ReadonlyMap<string, WeightFile>;
  readonly stats: WeightStats;
}

export async function openNetwork(source: ModelSource, dir: string, what: string): Promise<NetworkGraph> {
  const path = `${dir}/${GRAPH_FILE}`;
  const file = await requireModelFile(source, path);
  let skeleton: Uint8Array;
  let model: ModelProto;
  try {
    skeleton = (await scanModel(file, { selfLocation: GRAPH_FILE, what: `${path} of "${source.name}"` })).skeleton;
    model = decodeModel(skeleton);
  } catch (e) {
    if (e instanceof StudioError && e.code === 'graph-error') throw new StudioError('bad-model-folder', `${capitalized(what)} (${path}) is not a readable ONNX model: ${e.message}`, { path });
    throw e;
  }
  const files = new Map<string, WeightFile>([[GRAPH_FILE, file]]);
  for (const location of externalLocations(model)) {
    if (files.has(location)) continue;
    const weights = await openModelFile(source, `${dir}/${location}`);
    if (!weights) throw new StudioError('missing-file', `${capitalized(what)} needs ${dir}/${location} (its external weights), which is not in "${source.name}".`, { path: `${dir}/${location}` });
    files.set(location, weights);
  }
  checkReferences(model, files, capitalized(what));
  return { what, dir, skeleton, files, stats: weightStats(model) };
}

/** The session input for `graph` (the skeleton, or a patched copy of it) with the network's weight files. */
export function packageOf(net: NetworkGraph, graph: Uint8Array = net.skeleton, what = net.what): GraphPackage {
  return { what, graph, files: net.files };
}

export function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** What `withPrecision` did, for the load report. */
export interface PrecisionChange {
  readonly network: string;
  /** 'attention': the attention scores of an fp16 U-Net computed in fp32 (`upcastAttention`) */
  readonly change: 'upcast' | 'halve' | 'attention';
  /** weight bytes before and after */
  readonly fromBytes: number;
  readonly toBytes: number;
  /** what was changed, in words ("16 of 16 attention softmaxes") */
  readonly detail?: string;
}

/**
 * The network converted to fp32 (`upcast`: an fp16 model on an adapter without shader-f16) or fp16 (`halve`,
 * with the VAE's normalisations kept fp32): the graph is rewritten, the weights converted as they are read.
 */
export function withPrecision(net: NetworkGraph, change: 'upcast' | 'halve'): { net: NetworkGraph; report: PrecisionChange } {
  const model = decodeModel(net.skeleton);
  // a name no file of the network has (a second conversion reads the first one's file)
  let location = CONVERTED_WEIGHTS;
  for (let i = 1; net.files.has(location); i++) location = `${CONVERTED_WEIGHTS}.${i}`;
  const result = change === 'upcast' ? upcastModel(model, location) : halveModel(model, net.dir.startsWith('vae') ? { keepFp32: VAE_FP32_OPS } : {}, location);
  const files = new Map(net.files);
  if (result.converted.length) files.set(location, convertedWeightsFile(result.converted, net.files));
  const skeleton = encodeModel(model);
  const stats = weightStats(model);
  return { net: { ...net, skeleton, files, stats }, report: { network: net.what, change, fromBytes: net.stats.totalBytes, toBytes: stats.totalBytes } };
}

/**
 * An fp16 network whose attention scores (Q·Kᵀ, scale, mask, Softmax) are computed in fp32, as A1111's "Upcast
 * cross attention layer to float32" and diffusers' `upcast_attention` do; null when it has no fp16 attention.
 */
export function withUpcastAttention(net: NetworkGraph): { net: NetworkGraph; report: PrecisionChange } | null {
  const model = decodeModel(net.skeleton);
  const result = upcastAttention(model);
  if (result.softmaxes === 0) return null;
  const bytes = net.stats.totalBytes;
  const detail = `${result.softmaxes} attention softmaxes${result.scores === result.softmaxes ? ' with their Q·Kᵀ' : ` (${result.scores} with their Q·Kᵀ)`}`;
  return { net: { ...net, skeleton: encodeModel(model) }, report: { network: net.what, change: 'attention', fromBytes: bytes, toBytes: bytes, detail } };
}

/**
 * The widths a hypernetwork module can act on in this U-Net (its attention K/V inputs: U-Net widths and the text
 * width), ascending; a hypernetwork with none of them changes nothing. Null when the attention is not found
 * (fused attention and the like: applying a hypernetwork then says why).
 */
export function attentionWidths(unet: NetworkGraph): number[] | null {
  try {
    return [...new Set(findAttentionSites(decodeModel(unet.skeleton).graph).sites.map((s) => s.width))].sort((a, b) => a - b);
  } catch {
    return null;
  }
}
