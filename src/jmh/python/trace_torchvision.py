"""Traces torchvision networks (random weights, eval mode) to TorchScript for the JMH benchmark.

They are the references our networks are held against: the same topology, run by libtorch's
graph runtime instead of by our Java blocks. Weights do not change the speed, so none are
downloaded; the auxiliary heads are left out, as in inference.

Usage: trace_torchvision.py OUTPUT_DIR NAME:SIZE [NAME:SIZE ...]
   e.g. trace_torchvision.py target/torchscript googlenet:224 inception_v3:299
"""
import pathlib
import sys

import torch
import torchvision


def main() -> None:
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    for spec in sys.argv[2:]:
        name, size = spec.split(":")
        model = getattr(torchvision.models, name)(weights=None, aux_logits=False, init_weights=False).eval()
        with torch.no_grad():
            traced = torch.jit.trace(model, torch.rand(1, 3, int(size), int(size)))
        traced.save(str(out / f"{name}.pt"))
        print(f"traced torchvision {name} ({torch.__version__}) at {size}x{size} -> {out / name}.pt")


if __name__ == "__main__":
    main()
