/**
 * The engine's numeric core, DOM- and Node-free: torch-exact noise (with variation seeds), A1111 samplers and
 * schedule types, img2img/hires arithmetic, clip skip, the CLIP
 * tokenizer and A1111 prompt semantics. Namespaced because each part has its own small vocabulary.
 */
export * as noise from './noise/index.ts';
export * as samplers from './schedulers/index.ts';
export * as tokenizer from './tokenizer/index.ts';
export * as prompt from './prompt/index.ts';
export * as img2img from './img2img/index.ts';
export * as clipSkip from './text/clip-skip.ts';
