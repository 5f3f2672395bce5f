export { MT19937, seedToU32 } from './mt19937.ts';
export { TorchGenerator, numel, VECTOR_THRESHOLD } from './generator.ts';
export { ImageRng, batchSeeds, type ImageRngOptions } from './image-rng.ts';
export { f32Bits, f32FromBits } from './f32math.ts';
export { slerp, pasteResizedNoise, seedResizeShape, variationSeeds } from './variation.ts';
