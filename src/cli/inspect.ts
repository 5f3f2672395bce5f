import { basename } from 'node:path';
import { allWarnings, inspectHypernetwork, sizeRole, type HypernetworkInspect, type LayerSpec } from '../core/hypernetwork/index.ts';
import { parse } from './args.ts';
import { readHypernetworkFile } from './read-file.ts';

const ROLE_LABEL = { 'sd1-text': 'SD1 text', 'sd2-text': 'SD2 text', unet: 'U-Net', other: 'other' } as const;

export function formatLayer(l: LayerSpec): string {
  switch (l.type) {
    case 'linear':
      return `Linear ${l.in}→${l.out}`;
    case 'activation':
      return l.name;
    case 'layernorm':
      return `LayerNorm ${l.features}`;
    case 'dropout':
      return `Dropout ${l.p} (inactive)`;
  }
}

function summary(file: string, info: HypernetworkInspect, warnings: string[]): string {
  const lines = [
    `${info.name}  (${basename(file)})`,
    `  sizes:            ${info.sizes.map((s) => `${s} [${ROLE_LABEL[sizeRole(s)]}]`).join(', ')}`,
    `  layer structure:  [${info.layerStructure.join(', ')}]`,
    `  activation:       ${info.activation}${info.activateOutput ? ' (also on output)' : ''}`,
    `  layer norm:       ${info.layerNorm ? 'yes' : 'no'}`,
    `  dropout:          [${info.dropoutStructure.join(', ')}] (inactive at inference)`,
    `  step:             ${info.step}`,
    `  base checkpoint:  ${info.sdCheckpointName ?? '—'}${info.sdCheckpoint ? ` [${info.sdCheckpoint}]` : ''}`,
    `  dtype:            ${info.dtype}`,
    `  parameters:       ${info.parameters.toLocaleString('en-US')}`,
    '  layout:',
    ...info.sizes.map((s) => `    ${s}: ${(info.layers[String(s)] ?? []).map(formatLayer).join(' · ')}`),
    ...warnings.map((w) => `  warning: ${w}`),
  ];
  return lines.join('\n');
}

export async function inspectCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } }, ['FILE.pt']);
  const file = positionals[0]!;
  const hn = await readHypernetworkFile(file);
  const info = inspectHypernetwork(hn);
  console.log(values.json ? JSON.stringify(info) : summary(file, info, allWarnings(hn)));
}
