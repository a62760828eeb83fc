"""Traces torchvision's googlenet and inception_v3 (random weights, eval mode) to TorchScript.

They are the references the JMH benchmark holds our networks against: the same topology run by
libtorch's graph runtime instead of by our Java blocks. Weights do not matter for speed, so none
are downloaded. Usage: trace_torchvision.py OUTPUT_DIR
"""
import pathlib
import sys

import torch
import torchvision

REFERENCES = {
    # name: (constructor, input side)
    "googlenet": (lambda: torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=False), 224),
    "inception_v3": (lambda: torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=False), 299),
}


def main() -> None:
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    for name, (build, side) in REFERENCES.items():
        model = build().eval()
        with torch.no_grad():
            traced = torch.jit.trace(model, torch.rand(1, 3, side, side))
        traced.save(str(out / f"{name}.pt"))
        print(f"traced {name} at {side}x{side} -> {out / (name + '.pt')}")


if __name__ == "__main__":
    main()
