/**
 * The stacked K or V chain of one width: each hypernetwork that has the width applies its module in order
 * (A1111 `apply_hypernetworks`, docs §4.2), each with its own strength tensor. For fp16 graphs the chain can
 * run in fp32 between two Casts (see PRECISION in patch.ts).
 */
import type { Hypernetwork } from '../hypernetwork/types.ts';
import type { Emitter } from './graph.ts';
import { emitModule } from './mlp.ts';
import { DataType } from './proto.ts';

export interface ChainOptions {
  emit: Emitter;
  opset: number;
  /** element type of the tensor flowing in and out */
  ioType: number;
  /** element type the MLPs compute in */
  mlpType: number;
  /** strength tensor of hypernetwork `i`, in `mlpType` */
  strength: (i: number, dtype: number) => string;
  scope: string;
  collapseLinear?: boolean;
}

export function emitChain(o: ChainOptions, stack: readonly Hypernetwork[], width: number, role: 'k' | 'v', x: string): string {
  const e = o.emit;
  const cast = o.ioType !== o.mlpType;
  let h = cast ? e.node('Cast', [x], `${o.scope}/Cast`, { to: o.mlpType }) : x;
  stack.forEach((hn, i) => {
    const pair = hn.modules.get(width);
    if (!pair) return;
    const ctx = { emit: e, opset: o.opset, dtype: o.mlpType, key: `hypernetwork_${i}.${width}.${role}${o.mlpType === DataType.FLOAT16 ? '.f16' : ''}`, scope: `${o.scope}/hypernetwork_${i}`, collapseLinear: o.collapseLinear };
    h = emitModule(ctx, pair[role === 'k' ? 0 : 1], h, o.strength(i, o.mlpType));
  });
  return cast ? e.node('Cast', [h], `${o.scope}/Cast_back`, { to: o.ioType }) : h;
}
