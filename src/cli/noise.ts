import { ImageRng } from '../core/diffusion/noise/index.ts';
import { parse } from './args.ts';
import { UsageError } from './errors.ts';
import { encodeNpyFloat32 } from './npy.ts';
import { writeFileAtomic } from './write-file.ts';

/** `hnstudio noise --seed N --shape B,C,H,W --out FILE.npy`: the engine's initial latent noise, exactly. */
export async function noiseCommand(args: string[]): Promise<void> {
  const { values } = parse(args, { seed: { type: 'string' }, shape: { type: 'string' }, out: { type: 'string' } }, []);
  if (values.seed === undefined || !/^\d+$/.test(values.seed)) throw new UsageError('--seed N is required (a whole number)');
  const shape = (values.shape ?? '').split(',').map(Number);
  if (shape.length !== 4 || shape.some((n) => !Number.isInteger(n) || n < 1)) throw new UsageError('--shape B,C,H,W is required (four positive integers)');
  if (!values.out) throw new UsageError('--out FILE.npy is required');
  const [batch, ...image] = shape as [number, number, number, number];
  const seed = Number(values.seed);
  // one CPU generator per image, seeds seed, seed+1, … — as the engine and A1111 draw them
  const seeds = Array.from({ length: batch }, (_, i) => seed + i);
  const noise = new ImageRng({ shape: image, seeds }).next();
  await writeFileAtomic(values.out, encodeNpyFloat32(noise, shape));
  console.log(`wrote ${values.out}: float32 [${shape.join(', ')}], seeds ${seeds[0]}…${seeds[seeds.length - 1]}`);
}
