/**
 * A generation request checked against the loaded model before any work: every field in the range A1111's UI
 * offers (and the model allows), a `bad-request` StudioError naming the field otherwise.
 */
import { StudioError } from '../../errors.ts';
import { samplingPlan, type DiscreteSchedule, type SamplingPlan } from '../schedulers/index.ts';
import { checkInitImage, RESIZE_MODES } from '../img2img/init-image.ts';
import { HIRES_UPSCALERS, isHiresUpscaler } from './hires-upscale.ts';
import { hiresSize } from './passes.ts';
import { MAX_SWEEP } from './sweep.ts';
import type { GenerateRequest, PipelineInfo } from './types.ts';

const MAX_SEED = 0xffffffff;
/** A1111's batch size slider goes to 8. */
export const MAX_BATCH_SIZE = 8;

const bad = (msg: string): never => {
  throw new StudioError('bad-request', msg);
};

const isWhole = (v: unknown, min: number, max: number): boolean => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;

/** ENSD, variation seed and strength, "Resize seed from": A1111's ranges. */
function checkNoiseFields(req: GenerateRequest): void {
  if (req.ensd !== undefined && !isWhole(req.ensd, 0, MAX_SEED)) bad(`Eta noise seed delta (ENSD) must be a whole number from 0 to ${MAX_SEED} (got ${req.ensd}).`);
  if (req.variationSeed !== undefined && !isWhole(req.variationSeed, 0, MAX_SEED)) bad(`Variation seed must be a whole number from 0 to ${MAX_SEED} (got ${req.variationSeed}).`);
  const strength = req.variationStrength;
  if (strength !== undefined && !(Number.isFinite(strength) && strength >= 0 && strength <= 1)) bad(`Variation strength must be from 0 to 1 (got ${strength}).`);
  const from = req.seedResizeFrom;
  if (from && !(isWhole(from.width, 0, 2048) && isWhole(from.height, 0, 2048))) bad(`Resize seed from must be whole numbers of pixels from 0 (off) to 2048 (got ${from.width}x${from.height}).`);
}

/** img2img's init and the hires fix's options: A1111's ranges, names from its lists, sizes the model takes. */
function checkImg2imgAndHires(req: GenerateRequest, info: PipelineInfo): void {
  const init = req.init;
  if (init) {
    if (typeof init !== 'object' || !init.image) bad('img2img needs an init image.');
    const d = init.denoisingStrength;
    if (!(Number.isFinite(d) && d >= 0 && d <= 1)) bad(`Denoising strength must be from 0 to 1 (got ${d}).`);
    if (init.resizeMode !== undefined && !RESIZE_MODES.includes(init.resizeMode)) bad(`Resize mode must be one of ${RESIZE_MODES.join(', ')} (got ${JSON.stringify(String(init.resizeMode).slice(0, 40))}).`);
    checkInitImage(init.image);
  }
  const hires = req.hires;
  if (!hires) return;
  if (init) bad('The hires fix is for txt2img; an img2img request cannot have one.');
  if (typeof hires.upscaler !== 'string' || !isHiresUpscaler(hires.upscaler)) bad(`Hires upscaler must be one of ${HIRES_UPSCALERS.join(', ')} (got ${JSON.stringify(String(hires.upscaler).slice(0, 60))}).`);
  const d = hires.denoisingStrength;
  if (!(Number.isFinite(d) && d >= 0 && d <= 1)) bad(`Hires denoising strength must be from 0 to 1 (got ${d}).`);
  if (hires.steps !== undefined && !isWhole(hires.steps, 0, 150)) bad(`Hires steps must be a whole number from 0 (the first pass's) to 150 (got ${hires.steps}).`);
  for (const [what, v] of [['Resize width to', hires.resizeX], ['Resize height to', hires.resizeY]] as const) {
    if (v !== undefined && !isWhole(v, 0, 4096)) bad(`Hires "${what}" must be a whole number of pixels from 0 (off) to 4096 (got ${v}).`);
  }
  if (!hires.resizeX && !hires.resizeY && !(Number.isFinite(hires.scale) && hires.scale >= 1 && hires.scale <= 4)) bad(`Hires "Upscale by" must be from 1 to 4 (got ${hires.scale}).`);
  const size = hiresSize(req, info.vaeScale)!;
  if (size.width < info.sizeStep || size.height < info.sizeStep || size.width > 4096 || size.height > 4096) bad(`The hires fix would generate at ${size.width}x${size.height}; it must be from ${info.sizeStep} to 4096 pixels a side.`);
  if (size.width % info.sizeStep !== 0 || size.height % info.sizeStep !== 0) bad(`The hires fix would generate at ${size.width}x${size.height}; this model needs multiples of ${info.sizeStep}: choose an upscale or resize that gives them.`);
}

/** Validates a request against the model; returns the latent dims [1, C, h, w] and the sampling plan. */
export function checkRequest(req: GenerateRequest, info: PipelineInfo, stackSize: number, schedule: DiscreteSchedule): { dims: number[]; sampling: SamplingPlan } {
  const { vaeScale, latentChannels, sizeStep } = info;
  if (!isWhole(req.steps, 1, 150)) bad('Steps must be a whole number from 1 to 150.');
  if (!Number.isFinite(req.cfgScale) || req.cfgScale < 1 || req.cfgScale > 30) bad('CFG scale must be between 1 and 30.');
  if (!isWhole(req.batchCount, 1, 100)) bad('Batch count must be from 1 to 100.');
  if (req.batchSize !== undefined && !isWhole(req.batchSize, 1, MAX_BATCH_SIZE)) bad(`Batch size must be a whole number from 1 to ${MAX_BATCH_SIZE} (got ${req.batchSize}).`);
  if (!isWhole(req.seed, 0, MAX_SEED)) bad(`Seed must be a whole number from 0 to ${MAX_SEED}.`);
  const clipSkip = req.clipSkip ?? 1;
  if (!isWhole(clipSkip, 1, info.clipSkipMax)) bad(`Clip skip must be a whole number from 1 to ${info.clipSkipMax} for this model (got ${clipSkip}).`);
  for (const [what, v] of [['Width', req.width], ['Height', req.height]] as const) {
    if (!Number.isInteger(v) || v % sizeStep !== 0 || v < sizeStep || v > 2048) bad(`${what} must be a multiple of ${sizeStep} from ${sizeStep} to 2048 for this model (got ${v}).`);
  }
  checkNoiseFields(req);
  checkImg2imgAndHires(req, info);
  const sweep = req.sweep;
  if (sweep) {
    if (stackSize === 0) bad('A strength sweep needs a hypernetwork in the stack.');
    if (!Number.isInteger(sweep.index) || sweep.index < 0 || sweep.index >= stackSize) bad(`The stack has no hypernetwork #${sweep.index + 1}.`);
    if (!Array.isArray(sweep.strengths) || sweep.strengths.length < 1 || sweep.strengths.length > MAX_SWEEP) bad(`A sweep takes 1 to ${MAX_SWEEP} strengths.`);
    if (!sweep.strengths.every(Number.isFinite)) bad('Every sweep strength must be a finite number.');
  }
  // an unknown sampler or schedule type is a bad-request StudioError from the plan
  const sampling = samplingPlan(schedule, req.sampler, req.steps, req.scheduleType ?? 'Automatic');
  return { dims: [1, latentChannels, req.height / vaeScale, req.width / vaeScale], sampling };
}
