/** "DPM++ 2M Karras": the DPM++ 2M update on the Karras (rho 7) schedule between the model's sigma_min/max. */
import { createDpmpp2m } from './dpmpp2m.ts';
import type { SamplerDef } from './types.ts';

export const dpmpp2mKarras: SamplerDef = createDpmpp2m('karras');
