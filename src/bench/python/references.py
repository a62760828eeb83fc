"""The reference networks the benchmark compares inception-serve with, shared by the tracing
script and the reference service so that both build exactly the same networks: inception-serve's
own architectures, written in PyTorch in networks.py, with torchvision's ImageNet preprocessing."""

import os
import sys

import fastapi
import PIL
import torch
import torchvision
import uvicorn
from torchvision import transforms

import networks

# Served name -> builder in networks.py, resize target and crop (torchvision's recipe for
# googlenet and inception_v3, the nearest torchvision relatives).
NETWORKS = {
    "googlenet": {"network": "googlenet", "resizeTo": 256, "size": 224},
    "inception-v2": {"network": "inception_v2", "resizeTo": 342, "size": 299},
}

IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def use_all_cores():
    """Debian's torch starts with one intra-op thread; a fair peer uses every core, as libtorch
    in the JVM does."""
    torch.set_num_threads(len(os.sched_getaffinity(0)))


def build(name):
    """The random-init, inference-mode network served as ``name``."""
    return getattr(networks, NETWORKS[name]["network"])().eval()


def preprocessing(name):
    """Resize the shorter side, center-crop, scale to [0, 1], normalise: the ImageNet recipe."""
    network = NETWORKS[name]
    return transforms.Compose([
        transforms.Resize(network["resizeTo"]),
        transforms.CenterCrop(network["size"]),
        transforms.ToTensor(),
        transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
    ])


def imagenet_labels():
    """The 1000 ImageNet class names shipped in torchvision's weight metadata (no download)."""
    return torchvision.models.GoogLeNet_Weights.IMAGENET1K_V1.meta["categories"]


def versions():
    return {"python": sys.version.split()[0], "torch": torch.__version__,
            "torchvision": torchvision.__version__, "pillow": PIL.__version__,
            "fastapi": fastapi.__version__, "uvicorn": uvicorn.__version__}
