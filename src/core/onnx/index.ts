/** ONNX graph surgery: hypernetworks inside the U-Net (issue 5). See README.md for the design and numbers. */
export { decodeModel, encodeModel, type ModelProto } from './proto.ts';
export { assertNoFusedAttention, findAttentionSites, type AttentionSites, type KvSite } from './locate.ts';
export {
  BASE_WEIGHTS,
  CONTEXT_K,
  CONTEXT_V,
  patchModel,
  patchUnet,
  PRECISION,
  strengthInputName,
  type PatchOptions,
  type PatchReport,
  type PatchResult,
  type StackEntry,
  type WidthReport,
} from './patch.ts';
export { buildContextModel, contextModel, type ContextModelOptions } from './context-model.ts';
export { externalLocations, referenceOriginal, relocateExternal } from './external.ts';
export { prepareUnet, type PreparedUnet } from './prepare.ts';
