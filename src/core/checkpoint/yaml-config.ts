/**
 * An LDM inference config (`v1-inference.yaml`, `v2-inference-v.yaml`, or the `.yaml` A1111 finds beside a
 * checkpoint under the same base name), parsed with the `yaml` library (plain data only: no custom tags or
 * code) and reduced to what shapes the networks. Every value is type-checked and named in the error; options
 * that change the architecture in ways the converter does not build (inpainting, SDXL, unCLIP, scale-shift
 * norms, …) are refused with `unsupported-model` instead of being ignored.
 */
import { parse } from 'yaml';
import { StudioError } from '../errors.ts';
import type { Prediction, UnetArch, VaeArch } from './architecture.ts';

/** what a yaml says; absent fields leave the checkpoint's (or LDM's default) values */
export interface LdmYaml {
  unet: Partial<UnetArch>;
  vae: Partial<VaeArch>;
  textLayer?: 'last' | 'penultimate';
  prediction?: Prediction;
  schedule: { betaStart?: number; betaEnd?: number; numTrainTimesteps?: number };
  scaleFactor?: number;
}

const MAX_YAML_BYTES = 1024 * 1024;
type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseLdmYaml(text: string, file: string): LdmYaml {
  const bad = (detail: string, key?: string) => new StudioError('bad-config', `${file}: ${detail}.`, { file, ...(key ? { key } : {}) });
  if (text.length > MAX_YAML_BYTES) throw bad(`it is ${text.length} bytes, too large for an LDM config`);
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 64, uniqueKeys: true });
  } catch (e) {
    throw bad(`not valid YAML (${(e as Error).message.split('\n')[0]!.slice(0, 160)})`);
  }
  const model = isObj(doc) ? doc.model : undefined;
  if (!isObj(model)) throw bad('it has no `model:` section (not an LDM config)');
  const target = typeof model.target === 'string' ? model.target : '';
  const unsupported = (what: string) => new StudioError('unsupported-model', `${file} describes ${what}, which cannot be converted yet; only SD 1.x/2.x text-to-image checkpoints are.`, { file, target });
  if (/Inpaint/i.test(target)) throw unsupported('an inpainting model');
  if (/^sgm\./.test(target)) throw unsupported('an SDXL-family model');
  if (/ImageEmbeddingConditioned|unclip/i.test(target)) throw unsupported('an unCLIP model');
  const params = isObj(model.params) ? model.params : {};

  const num = (o: Obj, key: string, path: string, min: number, max: number, int = true): number | undefined => {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (int && !Number.isInteger(v))) throw bad(`${path}.${key} is ${JSON.stringify(v).slice(0, 40)}; expected ${int ? 'a whole number' : 'a number'} from ${min} to ${max}`, `${path}.${key}`);
    return v;
  };
  const ints = (o: Obj, key: string, path: string, allowScalar = false): number[] | undefined => {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (allowScalar && typeof v === 'number') return [num(o, key, path, 1, 64)!];
    if (!Array.isArray(v) || v.length > 8 || !v.every((x) => Number.isInteger(x) && x >= 0 && x <= 4096)) throw bad(`${path}.${key} must be a list of whole numbers`, `${path}.${key}`);
    return v as number[];
  };
  const bool = (o: Obj, key: string, path: string): boolean | undefined => {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') throw bad(`${path}.${key} must be true or false`, `${path}.${key}`);
    return v;
  };
  const drop = <T extends Obj>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

  const out: LdmYaml = { unet: {}, vae: {}, schedule: {} };
  const parameterization = params.parameterization;
  if (parameterization !== undefined) {
    if (parameterization !== 'eps' && parameterization !== 'v') throw bad(`model.params.parameterization is ${JSON.stringify(parameterization).slice(0, 40)}; expected "eps" or "v"`, 'model.params.parameterization');
    out.prediction = parameterization === 'v' ? 'v_prediction' : 'epsilon';
  }
  out.schedule = drop({ betaStart: num(params, 'linear_start', 'model.params', 1e-6, 0.5, false), betaEnd: num(params, 'linear_end', 'model.params', 1e-6, 0.999, false), numTrainTimesteps: num(params, 'timesteps', 'model.params', 2, 100_000) });
  const scale = num(params, 'scale_factor', 'model.params', 1e-6, 100, false);
  if (scale !== undefined) out.scaleFactor = scale;

  const unetConfig = isObj(params.unet_config) ? params.unet_config : {};
  const u = isObj(unetConfig.params) ? unetConfig.params : {};
  const up = 'unet_config.params';
  for (const [key, what] of [['use_scale_shift_norm', 'scale-shift norms'], ['resblock_updown', 'ResBlock resampling']] as const) if (u[key] === true) throw unsupported(`a U-Net with ${what}`);
  for (const key of ['num_classes', 'adm_in_channels', 'disable_self_attentions', 'num_attention_blocks']) if (u[key] !== undefined && u[key] !== null) throw unsupported(`a U-Net with \`${key}\``);
  if (u.use_spatial_transformer === false) throw unsupported('a U-Net without text conditioning');
  const inChannels = num(u, 'in_channels', up, 1, 64);
  if (inChannels !== undefined && inChannels !== 4) throw unsupported(inChannels === 9 ? 'an inpainting model (9 input channels)' : `a U-Net with ${inChannels} input channels`);
  const depth = u.transformer_depth;
  if (Array.isArray(depth)) throw unsupported('a U-Net with per-level transformer depths (SDXL)');
  out.unet = drop({
    inChannels,
    outChannels: num(u, 'out_channels', up, 1, 64),
    modelChannels: num(u, 'model_channels', up, 32, 4096),
    channelMult: ints(u, 'channel_mult', up),
    numResBlocks: ints(u, 'num_res_blocks', up, true),
    attentionResolutions: ints(u, 'attention_resolutions', up),
    numHeads: num(u, 'num_heads', up, -1, 256),
    numHeadChannels: num(u, 'num_head_channels', up, -1, 4096),
    transformerDepth: num(u, 'transformer_depth', up, 1, 16),
    contextDim: num(u, 'context_dim', up, 1, 8192),
    useLinear: bool(u, 'use_linear_in_transformer', up),
  });

  const first = isObj(params.first_stage_config) && isObj(params.first_stage_config.params) ? params.first_stage_config.params : {};
  const dd = isObj(first.ddconfig) ? first.ddconfig : {};
  const dp = 'first_stage_config.params.ddconfig';
  out.vae = drop({
    embedDim: num(first, 'embed_dim', 'first_stage_config.params', 1, 64),
    ch: num(dd, 'ch', dp, 32, 4096),
    chMult: ints(dd, 'ch_mult', dp),
    numResBlocks: num(dd, 'num_res_blocks', dp, 1, 16),
    zChannels: num(dd, 'z_channels', dp, 1, 64),
    inChannels: num(dd, 'in_channels', dp, 1, 16),
    outCh: num(dd, 'out_ch', dp, 1, 16),
    resolution: num(dd, 'resolution', dp, 8, 65536),
    attnResolutions: ints(dd, 'attn_resolutions', dp),
  });

  const cond = isObj(params.cond_stage_config) ? params.cond_stage_config : {};
  const layer = isObj(cond.params) ? cond.params.layer : undefined;
  if (layer !== undefined) {
    if (layer !== 'last' && layer !== 'penultimate') throw bad(`cond_stage_config.params.layer is ${JSON.stringify(layer).slice(0, 40)}; expected "last" or "penultimate"`, 'cond_stage_config.params.layer');
    out.textLayer = layer;
  }
  return out;
}
