import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DiscreteSchedule, findSampler, parseSchedulerConfig, samplerLabels } from '../core/diffusion/schedulers/index.ts';
import { parse } from './args.ts';
import { UsageError } from './errors.ts';

/** `hnstudio sigmas --model DIR --sampler NAME --steps N --json`: the sampler's noise levels, ending in 0. */
export async function sigmasCommand(args: string[]): Promise<void> {
  const { values } = parse(args, { model: { type: 'string' }, sampler: { type: 'string' }, steps: { type: 'string' }, json: { type: 'boolean' } }, []);
  if (!values.model) throw new UsageError('--model DIR is required');
  const sampler = findSampler(values.sampler ?? 'Euler a');
  if (!sampler) throw new UsageError(`unknown sampler "${values.sampler}"; known: ${samplerLabels().join(', ')}`);
  const steps = Number(values.steps ?? sampler.meta.defaultSteps);
  if (!Number.isInteger(steps) || steps < 1 || steps > 1000) throw new UsageError('--steps must be a whole number from 1 to 1000');
  const configPath = join(values.model, 'scheduler', 'scheduler_config.json');
  const schedule = new DiscreteSchedule(parseSchedulerConfig(await readFile(configPath, 'utf8')));
  const sigmas = Array.from(sampler.plan(schedule, steps).sigmas);
  console.log(values.json ? JSON.stringify(sigmas) : sigmas.map((s, i) => `${i}\t${s}`).join('\n'));
}
