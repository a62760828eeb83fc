"""Traces the reference networks to TorchScript for the in-process engine ceiling, and describes
them for the benchmark, which builds its model directories from that description.

usage: trace_references.py OUTPUT_DIR
writes <network>.pt, imagenet-labels.txt and references.json (networks, preprocessing,
versions) to OUTPUT_DIR
"""

import json
import pathlib
import sys

import torch

import references


def main(out):
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    networks = {}
    for name, network in references.NETWORKS.items():
        size = network["size"]
        with torch.no_grad():
            traced = torch.jit.trace(references.build(name), torch.rand(1, 3, size, size))
        torchscript = f"{network['network']}.pt"
        traced.save(str(out / torchscript))
        networks[name] = dict(network, torchscript=torchscript)
    (out / "imagenet-labels.txt").write_text("\n".join(references.imagenet_labels()) + "\n")
    description = {"networks": networks, "mean": references.IMAGENET_MEAN, "std": references.IMAGENET_STD,
                   "labels": "imagenet-labels.txt", "versions": references.versions()}
    (out / "references.json").write_text(json.dumps(description, indent=2))


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]))
