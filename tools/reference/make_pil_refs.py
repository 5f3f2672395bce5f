"""Pillow reference numbers for src/core/diffusion/img2img/{pil-resize,init-image}.ts (test/reference/diffusion/pil.json).

Pillow's Image.resize (LANCZOS, BICUBIC with a zero-height box, NEAREST) on a seeded random RGB image, and the
init-image preparation A1111 1.10 does (images.flatten onto white, then images.resize_image modes 0/1/2, restated
here from its documented behaviour: stretch; cover and crop the centre; fit, centre on black, stretch the edge
lines into the empty bands). Run: OMP_NUM_THREADS=2 /usr/bin/python3 tools/reference/make_pil_refs.py
"""
import json
import os
import random

import PIL
from PIL import Image

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'reference', 'diffusion', 'pil.json')


def rgb_image(w, h, seed):
    rnd = random.Random(seed)
    data = bytes(rnd.randrange(256) for _ in range(w * h * 3))
    return Image.frombytes('RGB', (w, h), data)


def rgba_image(w, h, seed):
    rnd = random.Random(seed)
    px = []
    for _ in range(w * h):
        px += [rnd.randrange(256), rnd.randrange(256), rnd.randrange(256), rnd.choice([0, 255, rnd.randrange(256)])]
    return Image.frombytes('RGBA', (w, h), bytes(px))


def flat(im):
    return list(im.convert('RGB').tobytes())


def flatten(img, bgcolor='#ffffff'):
    # A1111 images.flatten: alpha composited onto the background colour, then RGB
    if img.mode == 'RGBA':
        background = Image.new('RGBA', img.size, bgcolor)
        background.paste(img, mask=img)
        img = background
    return img.convert('RGB')


def resize_image(mode, im, width, height):
    lanczos = Image.Resampling.LANCZOS
    if mode == 0:
        return im.resize((width, height), resample=lanczos)
    ratio = width / height
    src_ratio = im.width / im.height
    if mode == 1:
        src_w = width if ratio > src_ratio else im.width * height // im.height
        src_h = height if ratio <= src_ratio else im.height * width // im.width
    else:
        src_w = width if ratio < src_ratio else im.width * height // im.height
        src_h = height if ratio >= src_ratio else im.height * width // im.width
    resized = im.resize((src_w, src_h), resample=lanczos)
    res = Image.new('RGB', (width, height))
    res.paste(resized, box=(width // 2 - src_w // 2, height // 2 - src_h // 2))
    if mode == 2:
        if ratio < src_ratio:
            fill = height // 2 - src_h // 2
            if fill > 0:
                res.paste(resized.resize((width, fill), box=(0, 0, width, 0)), box=(0, 0))
                res.paste(resized.resize((width, fill), box=(0, resized.height, width, resized.height)), box=(0, fill + src_h))
        elif ratio > src_ratio:
            fill = width // 2 - src_w // 2
            if fill > 0:
                res.paste(resized.resize((fill, height), box=(0, 0, 0, height)), box=(0, 0))
                res.paste(resized.resize((fill, height), box=(resized.width, 0, resized.width, height)), box=(fill + src_w, 0))
    return res


def main():
    src = rgb_image(23, 17, 1)
    resizes = []
    for w, h, f in [(40, 30, 'lanczos'), (11, 8, 'lanczos'), (23, 40, 'lanczos'), (64, 48, 'lanczos'), (7, 17, 'lanczos'),
                    (50, 37, 'nearest'), (9, 7, 'nearest'), (46, 34, 'nearest'), (31, 21, 'bicubic'), (30, 12, 'bilinear')]:
        filt = {'lanczos': Image.Resampling.LANCZOS, 'nearest': Image.Resampling.NEAREST, 'bicubic': Image.Resampling.BICUBIC, 'bilinear': Image.Resampling.BILINEAR}[f]
        resizes.append({'width': w, 'height': h, 'filter': f, 'out': flat(src.resize((w, h), resample=filt))})
    boxes = []
    for w, h, box in [(23, 5, (0, 0, 23, 0)), (23, 4, (0, 17, 23, 17)), (6, 17, (0, 0, 0, 17)), (3, 17, (23, 0, 23, 17))]:
        boxes.append({'width': w, 'height': h, 'box': list(box), 'out': flat(src.resize((w, h), box=box))})
    rgba = rgba_image(19, 13, 2)
    modes = []
    for mode in (0, 1, 2):
        for w, h in [(32, 32), (48, 16), (16, 40)]:
            modes.append({'mode': mode, 'width': w, 'height': h, 'out': flat(resize_image(mode, flatten(rgba), w, h))})
    ref = {
        'pillow': PIL.__version__,
        'src': {'width': src.width, 'height': src.height, 'rgb': flat(src)},
        'rgba': {'width': rgba.width, 'height': rgba.height, 'rgba': list(rgba.tobytes())},
        'flattened': flat(flatten(rgba)),
        'resizes': resizes,
        'boxes': boxes,
        'modes': modes,
    }
    with open(OUT, 'w') as f:
        json.dump(ref, f, separators=(',', ':'))
    print('wrote', OUT)


if __name__ == '__main__':
    main()
