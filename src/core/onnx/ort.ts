/**
 * The onnxruntime-web surface the core uses, as a type only: the engine injects the module it loaded
 * (`onnxruntime-web/webgpu` in the browser, `onnxruntime-web` in Node), so the core stays realm-free.
 */
import type * as OrtModule from 'onnxruntime-web';

export type Ort = typeof OrtModule;
export type OrtSession = OrtModule.InferenceSession;
export type OrtTensor = OrtModule.Tensor;
export type OrtSessionOptions = OrtModule.InferenceSession.SessionOptions;
export type OrtValueMetadata = OrtModule.InferenceSession.ValueMetadata;

/** Where the networks run. */
export type Backend = 'webgpu' | 'wasm';
