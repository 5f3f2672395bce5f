export { img2imgSteps, img2imgPlan, img2imgStart, type Img2imgSteps, type Img2imgPlan } from './img2img.ts';
export { hiresTarget, oldHiresFirstPass, upscaleLatent, cropLatent, LATENT_UPSCALE_MODES, DEFAULT_LATENT_UPSCALER, type HiresRequest, type HiresTarget } from './hires.ts';
export { interpolate, type InterpolateMode } from './interpolate.ts';
