export { MT19937, seedToU32 } from './mt19937';
export { TorchGenerator, numel, VECTOR_THRESHOLD } from './generator';
export { ImageRng, batchSeeds, type ImageRngOptions } from './image-rng';
export { f32Bits, f32FromBits } from './f32math';
