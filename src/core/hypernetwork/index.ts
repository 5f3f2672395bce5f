/** Hypernetworks: read A1111 `.pt` files, describe them, and run their MLPs exactly. */
export { allWarnings, nonFiniteWarnings, readHypernetwork } from './read.ts';
export { inspectHypernetwork, layerSpecs, sizeRole, type SizeRole } from './inspect.ts';
export { applyHypernetworks, forwardModule, runSequential, type AppliedHypernetwork } from './forward.ts';
export { buildLayout } from './layout.ts';
export { hypernetworkToSafetensors } from './convert.ts';
export type * from './types.ts';
