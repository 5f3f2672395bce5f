import { hypernetworkToSafetensors } from '../core/hypernetwork/index.ts';
import { parse } from './args.ts';
import { readHypernetworkFile } from './read-file.ts';
import { writeFileAtomic } from './write-file.ts';

export async function convertCommand(args: string[]): Promise<void> {
  const { positionals } = parse(args, {}, ['FILE.pt', 'OUT.safetensors']);
  const [input, output] = positionals as [string, string];
  const hn = await readHypernetworkFile(input);
  await writeFileAtomic(output, hypernetworkToSafetensors(hn));
  console.log(`wrote ${output}: ${hn.sizes.length} widths, ${hn.parameters.toLocaleString('en-US')} parameters (${hn.dtype})`);
}
