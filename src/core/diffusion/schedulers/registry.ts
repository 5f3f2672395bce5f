/**
 * Sampler registry: the one table the UI's sampler list and the CLI's `--sampler` read. Order = A1111 1.10's
 * list (the samplers implemented here); labels are A1111's names (accepted case-insensitively, as are the
 * aliases and the old combined names such as "DPM++ 2M Karras").
 */
import { StudioError } from '../../errors.ts';
import { ddim } from './ddim.ts';
import { dpm2, dpm2Ancestral } from './dpm2.ts';
import { dpmpp2m } from './dpmpp2m.ts';
import { dpmpp2mSde, dpmpp2mSdeHeun, dpmpp3mSde } from './dpmpp-multistep-sde.ts';
import { dpmppSde } from './dpmpp-sde.ts';
import { dpmpp2sAncestral } from './dpmpp2s-ancestral.ts';
import { euler } from './euler.ts';
import { eulerAncestral } from './euler-ancestral.ts';
import { heun } from './heun.ts';
import { lcm } from './lcm.ts';
import { lms } from './lms.ts';
import { resolveSamplerName, withDefaultSchedule } from './names.ts';
import { plms } from './plms.ts';
import type { SamplerDef } from './types.ts';
import { unipc } from './unipc.ts';

export const SAMPLERS: readonly SamplerDef[] = [
  dpmpp2m,
  dpmppSde,
  dpmpp2mSde,
  dpmpp2mSdeHeun,
  dpmpp2sAncestral,
  dpmpp3mSde,
  eulerAncestral,
  euler,
  lms,
  heun,
  dpm2,
  dpm2Ancestral,
  ddim,
  plms,
  unipc,
  lcm,
];

export const DEFAULT_SAMPLER = 'Euler a';

export function samplerLabels(): string[] {
  return SAMPLERS.map((s) => s.meta.label);
}

/**
 * Look a sampler up by A1111 label, id or alias (case-insensitive); an old combined name ("LMS Karras") gives
 * the sampler with that schedule as its "Automatic". Undefined if unknown.
 */
export function findSampler(name: string): SamplerDef | undefined {
  const choice = resolveSamplerName(SAMPLERS, name, undefined, false);
  return choice && withDefaultSchedule(choice.sampler, choice.scheduleType.id);
}

export function getSampler(name: string): SamplerDef {
  const s = findSampler(name);
  if (!s) throw new StudioError('bad-request', `Unknown sampler ${JSON.stringify(name.slice(0, 60))}; known: ${samplerLabels().join(', ')}.`);
  return s;
}
