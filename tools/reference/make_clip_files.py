#!/usr/bin/env python3
"""Derive CLIP's vocab.json + merges.txt (Hugging Face layout) from OpenAI's bpe_simple_vocab_16e6.txt.gz.

Run:  /usr/bin/python3 tools/reference/make_clip_files.py [SRC.gz] [OUT_DIR]
Defaults: .clip/bpe_simple_vocab_16e6.txt.gz (a copy of OpenAI CLIP's file, as tools/demo-model uses) -> test/reference/diffusion/clip/

Built exactly as OpenAI's CLIP simple_tokenizer.py builds its encoder (MIT, Copyright (c) 2021 OpenAI):
the 256 byte-level characters (GPT-2 bytes_to_unicode order), the same with '</w>', the first 48,894 merges
joined, then <|startoftext|> (49406) and <|endoftext|> (49407): 49,408 ids. merges.txt = '#version: 0.2' + merges.
"""
import gzip
import json
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')


def bytes_to_unicode():
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]
    n = 0
    for b in range(2 ** 8):
        if b not in bs:
            bs.append(b)
            cs.append(2 ** 8 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, '.clip', 'bpe_simple_vocab_16e6.txt.gz')
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, 'test', 'reference', 'diffusion', 'clip')
    lines = gzip.open(src).read().decode('utf-8').split('\n')
    merges = [tuple(m.split()) for m in lines[1:49152 - 256 - 2 + 1]]
    assert len(merges) == 48894 and all(len(m) == 2 for m in merges)
    vocab = list(bytes_to_unicode().values())
    vocab = vocab + [v + '</w>' for v in vocab]
    vocab += [''.join(m) for m in merges]
    vocab += ['<|startoftext|>', '<|endoftext|>']
    assert len(vocab) == 49408 and len(set(vocab)) == 49408
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, 'vocab.json'), 'w', encoding='utf-8') as f:
        json.dump({tok: i for i, tok in enumerate(vocab)}, f, ensure_ascii=False)
    with open(os.path.join(out, 'merges.txt'), 'w', encoding='utf-8') as f:
        f.write('#version: 0.2\n' + '\n'.join(' '.join(m) for m in merges) + '\n')
    print('wrote', out, len(vocab), 'tokens,', len(merges), 'merges')


if __name__ == '__main__':
    main()
