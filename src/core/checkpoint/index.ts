/**
 * A1111 single-file checkpoints (SD 1.x/2.x `.safetensors`/`.ckpt`) converted into the app's ONNX pipeline,
 * client-side. The state layer calls `convertCheckpoint(file, options, fs, onProgress)` with the dropped file
 * as a `WeightFile` (its name for messages and A1111's `Model:`), CLIP's tokenizer files (the demo model's), the
 * store (`OpfsFs`), and gets the installed model's manifest plus what was detected (docs/checkpoints.md).
 */
export { checkpointStem, convertCheckpoint, type ConvertOptions, type ConvertProgress, type ConvertResult } from './convert.ts';
export { probeVPrediction, type ProbeResult } from './prediction.ts';
export { openCheckpoint } from './open.ts';
export type { ModelArchitecture, Prediction } from './architecture.ts';
export type { TokenizerFiles } from './folder-files.ts';
export type { Checkpoint, CheckpointTensor, NamedFile } from './types.ts';
