/** The model store's pure logic: folder validation, streaming import, manifest, integrity. */
export * from './bytes.ts';
export * from './import-model.ts';
export * from './installed.ts';
export * from './integrity.ts';
export * from './manifest.ts';
export * from './model-folder.ts';
export * from './sha256.ts';
export * from './storage-fs.ts';
