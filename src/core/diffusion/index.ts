/**
 * The engine's numeric core, DOM- and Node-free: torch-exact noise, A1111 samplers and schedules, the CLIP
 * tokenizer and A1111 prompt semantics. Namespaced because each part has its own small vocabulary.
 */
export * as noise from './noise/index.ts';
export * as samplers from './schedulers/index.ts';
export * as tokenizer from './tokenizer/index.ts';
export * as prompt from './prompt/index.ts';
