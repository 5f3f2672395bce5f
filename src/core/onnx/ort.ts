/**
 * The onnxruntime surface the core uses, as a type only: the engine injects the module it loaded
 * (`onnxruntime-web/webgpu` in the browser; `onnxruntime-web` or `onnxruntime-node`, whose API is the same, in
 * Node), so the core stays realm-free.
 */
import type * as OrtModule from 'onnxruntime-web';

export type Ort = typeof OrtModule;
export type OrtSession = OrtModule.InferenceSession;
export type OrtTensor = OrtModule.Tensor;
export type OrtSessionOptions = OrtModule.InferenceSession.SessionOptions;
export type OrtValueMetadata = OrtModule.InferenceSession.ValueMetadata;

/**
 * Where the networks run: onnxruntime-web's WebGPU or WASM backends (browser, and WASM in Node), or native
 * onnxruntime's CPU provider (onnxruntime-node, the CLI). Native onnxruntime also has a WebGPU provider (Dawn);
 * it is `webgpu` on a native runtime.
 */
export type Backend = 'webgpu' | 'wasm' | 'cpu';
