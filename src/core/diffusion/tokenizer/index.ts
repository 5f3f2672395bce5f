export { ClipTokenizer, TokenizerFileError, cleanText, preTokenize, parseMerges, BOS_TOKEN, EOS_TOKEN } from './clip-tokenizer.ts';
export { bytesToUnicode, BYTE_ENCODER, BYTE_DECODER } from './bytes.ts';
