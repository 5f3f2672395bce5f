"""Fixture U-Nets for the ONNX graph surgery (src/core/onnx) and their PyTorch references.

  OMP_NUM_THREADS=2 /usr/bin/python3 tools/onnx-fixtures/make_onnx_fixtures.py            # test/fixtures/onnx/
  OMP_NUM_THREADS=2 /usr/bin/python3 tools/onnx-fixtures/make_onnx_fixtures.py --sd1 DIR  # SD1.5-width bench U-Net

The fixture U-Net has self-attention widths 8 and 16 and text width 12, so every layout #1-#11 and every
activation fixture of test/fixtures/hypernetwork touches it (they all have width 8, most also 12). References
apply the hypernetworks the A1111 way: the attention's context goes through each net's K and V modules in
order (separate chains, module chosen by the context width) before to_k / to_v, in attn1 and attn2.
"""
import argparse
import base64
import json
import sys
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tools" / "fixtures"))
from unet import UNet, export  # noqa: E402
from make_fixtures import ref_load  # noqa: E402  (A1111 loader re-implemented with torch.nn)

HN_DIR = ROOT / "test" / "fixtures" / "hypernetwork"
OUT = ROOT / "test" / "fixtures" / "onnx"


def b64(t):
    return base64.b64encode(t.detach().contiguous().numpy().astype("<f4").tobytes()).decode()


def a1111_stack(nets):
    """nets: [(modules: {size: [k, v]}, strength: float or tensor [B])] -> hook(context) -> (ck, cv)."""
    def hook(context):
        ck, cv = context, context
        for modules, s in nets:
            pair = modules.get(context.shape[2])
            if pair is None:
                continue
            m = s if not torch.is_tensor(s) else s.reshape(-1, 1, 1)
            ck = ck + pair[0].linear(ck) * m
            cv = cv + pair[1].linear(cv) * m
        return ck, cv
    return hook


def to_fp16(src, dst):
    """fp32 ONNX -> fp16 copy (weights, constants, I/O, Casts); Resize scales stay fp32 as the op requires."""
    import onnx
    from onnx import TensorProto, numpy_helper
    m = onnx.load(str(src))
    g = m.graph
    keep = {n.input[2] for n in g.node if n.op_type == "Resize" and len(n.input) > 2}
    def conv(t):
        if t.data_type == TensorProto.FLOAT and t.name not in keep:
            t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(t).astype(np.float16), t.name))
    for t in g.initializer:
        conv(t)
    for n in g.node:
        if n.op_type == "Constant" and n.output[0] not in keep:
            for a in n.attribute:
                if a.name == "value":
                    conv(a.t)
        if n.op_type == "Cast":
            for a in n.attribute:
                if a.name == "to" and a.i == TensorProto.FLOAT:
                    a.i = TensorProto.FLOAT16
    for v in list(g.input) + list(g.output):
        if v.type.tensor_type.elem_type == TensorProto.FLOAT:
            v.type.tensor_type.elem_type = TensorProto.FLOAT16
    del g.value_info[:]
    onnx.save(m, str(dst))


def fixtures():
    torch.manual_seed(0)
    OUT.mkdir(parents=True, exist_ok=True)
    unet = UNet(channels=(8, 16), ctx_dim=12, heads=2, groups=4).eval()
    sample = torch.randn(2, 4, 4, 4)
    timestep = torch.tensor(421.5)
    ctx = torch.randn(2, 5, 12)
    export(unet, OUT / "tiny-unet.onnx", sample, timestep, ctx, opset=14)
    export(unet, OUT / "tiny-unet-opset17.onnx", sample, timestep, ctx, opset=17)
    to_fp16(OUT / "tiny-unet.onnx", OUT / "tiny-unet-fp16.onnx")

    index = json.loads((HN_DIR / "index.json").read_text())
    loaded = {}
    for f in index["fixtures"]:
        if not f["valid"]:
            continue
        _, _, modules, _ = ref_load(HN_DIR / f["file"])
        if set(modules) & {8, 12, 16}:
            loaded[f["file"]] = modules

    def run(nets):
        unet.hn = a1111_stack(nets) if nets else None
        with torch.no_grad():
            return unet(sample, timestep, ctx)

    cases = []
    for name, modules in loaded.items():
        strengths = [0.0, 0.5, 1.0, -0.5] if name.startswith("layout-") else [0.7]
        for s in strengths:
            cases.append({"hypernetworks": [name], "strengths": [s], "output": b64(run([(modules, s)]))})
    a, b = "layout-05-act-ln.pt", "layout-11-prelu.pt"
    for pair, st in (([a, b], [0.5, 1.0]), ([b, a], [1.0, 0.5]), ([b, a], [-0.5, 0.7])):
        cases.append({"hypernetworks": pair, "strengths": st,
                      "output": b64(run([(loaded[n], s) for n, s in zip(pair, st)]))})
    per_image = torch.tensor([1.0, -0.5])
    cases.append({"hypernetworks": [a], "strengths": [1.0, -0.5], "perImage": True,
                  "output": b64(run([(loaded[a], per_image)]))})
    ref = {
        "generator": "tools/onnx-fixtures/make_onnx_fixtures.py",
        "torch": torch.__version__,
        "model": "tiny-unet.onnx (opset 14), tiny-unet-opset17.onnx (opset 17), tiny-unet-fp16.onnx (fp16 copy)",
        "widths": {"attn1": [8, 16], "attn2": [12]},
        "layers": {"attn1": {"8": 3, "16": 4}, "attn2": {"12": 7}},
        "encoding": "float32 little-endian, base64",
        "inputs": {"sample": {"dims": list(sample.shape), "data": b64(sample)},
                   "timestep": {"dims": [], "data": b64(timestep.reshape(1))},
                   "encoder_hidden_states": {"dims": list(ctx.shape), "data": b64(ctx)}},
        "base": b64(run(None)),
        "cases": cases,
    }
    (OUT / "tiny-unet.reference.json").write_text(json.dumps(ref, indent=1) + "\n")
    print(f"wrote {len(cases)} cases for {len(loaded)} hypernetworks")


def sd1(out_dir, layers):
    """SD1.5 widths (320/640/1280, 768 context, 8 heads), random weights; not committed (GBs)."""
    torch.manual_seed(0)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    unet = UNet(channels=(320, 640, 1280, 1280), attn=(True, True, True, False), layers=layers, ctx_dim=768,
                heads=8, groups=32).eval()
    print("parameters", sum(p.numel() for p in unet.parameters()))
    export(unet, out / "model.onnx", torch.randn(2, 4, 8, 8), torch.tensor(500.0), torch.randn(2, 77, 768),
           opset=14, external=True)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--sd1", help="write the SD1.5-width bench U-Net to this folder instead")
    p.add_argument("--layers", type=int, default=2, help="resnet+transformer pairs per block (SD1.5: 2)")
    a = p.parse_args()
    sd1(a.sd1, a.layers) if a.sd1 else fixtures()
