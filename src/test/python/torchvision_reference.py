"""Reference outputs from torchvision for the importer's tests.

  torchvision_reference.py networks DIR
      For googlenet-bn and inception-v3: builds torchvision's network with a fixed seed, random
      weights and BatchNorm statistics, saves its state_dict as DIR/<id>.pth (zip format) and
      writes its eval-mode logits on the inputs the Java test left in DIR/<id>.input.f32
      (N x 3 x S x S) to DIR/<id>.logits.f32 (N x 1000). All .f32 files are raw little-endian
      float32. googlenet's state_dict is also saved in torch's pre-1.6 format as
      DIR/googlenet-bn-legacy.pth, and with one key missing, one unexpected and one mis-shaped as
      DIR/googlenet-bn-doctored.pth.

  torchvision_reference.py tensors DIR
      Saves a state_dict of small tensors with the layouts and types a reader must handle
      (non-contiguous strides, storage offsets, shared storages, float16, bfloat16, float64, a
      scalar, an int64 counter) as DIR/tensors.pth and DIR/tensors-legacy.pth, and their values
      as DIR/tensors.json; and a whole module, not a state_dict, as DIR/module.pth.
"""

import json
import math
import sys
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torchvision.models import googlenet, inception_v3

CLASSES = 1000
NETWORKS = {
    # id: (builder, input side)
    "googlenet-bn": (googlenet, 224),
    "inception-v3": (inception_v3, 299),
}


LOGIT_STD = 4.0  # about a trained ImageNet classifier's


def randomise(model, inputs):
    """Random BatchNorm affine parameters and running statistics, and logits of a trained net's scale.

    The running statistics come from a train-mode pass over the test inputs, so that every input
    (noise and a photo differ a lot) stays in range through the whole depth as in a trained network,
    and are then perturbed, so that eval mode normalises with statistics that are not the batch's.
    """
    batch_norms = [module for module in model.modules() if isinstance(module, nn.BatchNorm2d)]
    with torch.no_grad():
        for module in batch_norms:
            module.weight.uniform_(0.5, 1.5)
            module.bias.normal_(0.0, 0.2)
            module.reset_running_stats()
            module.momentum = None  # cumulative average: the calibration batch's statistics
        model.train()
        model(inputs)
        model.eval()
        for module in batch_norms:
            module.running_mean.add_(0.1 * module.running_var.sqrt() * torch.randn_like(module.running_mean))
            module.running_var.mul_(torch.empty_like(module.running_var).uniform_(0.8, 1.25))
        for module in model.modules():
            if isinstance(module, nn.Linear):
                module.weight.normal_(0.0, 1.0 / math.sqrt(module.in_features))
                module.bias.normal_(0.0, 0.1)
        scale = LOGIT_STD / model(inputs).std()
        model.fc.weight.mul_(scale)
        model.fc.bias.mul_(scale)


def read_f32(path, shape):
    return torch.from_numpy(np.fromfile(path, dtype="<f4").reshape(shape))


def networks(directory):
    for index, (name, (builder, size)) in enumerate(NETWORKS.items()):
        torch.manual_seed(index)
        model = builder(
            weights=None, num_classes=CLASSES, aux_logits=True, transform_input=True, init_weights=True
        )
        inputs = read_f32(directory / f"{name}.input.f32", (-1, 3, size, size))
        randomise(model, inputs)
        state_dict = model.state_dict()
        torch.save(state_dict, directory / f"{name}.pth")
        if name == "googlenet-bn":
            torch.save(state_dict, directory / f"{name}-legacy.pth", _use_new_zipfile_serialization=False)
            doctored = OrderedDict(state_dict)
            doctored["inception3a.branch5.conv.weight"] = doctored.pop("inception3a.branch1.conv.weight")
            doctored["fc.bias"] = doctored["fc.bias"][:-1]
            torch.save(doctored, directory / f"{name}-doctored.pth")
        with torch.no_grad():
            logits = model(inputs)
        logits.numpy().astype("<f4").tofile(directory / f"{name}.logits.f32")
        print(f"{name}: {len(inputs)} inputs, logits std {logits.std().item():.2f}")


def tensors(directory):
    base = torch.arange(2 * 3 * 4, dtype=torch.float32).reshape(2, 3, 4) / 7 - 1
    half = (base * 3).half()
    state_dict = OrderedDict(
        contiguous=base,
        transposed=base.transpose(0, 2),
        sliced=base[1:, :, 1:3],
        shared=base[0],
        half=half,
        half_transposed=half.transpose(1, 2),
        bfloat16=base.bfloat16(),
        float64=base.double() / 3,
        scalar=torch.tensor(3.25),
        num_batches_tracked=torch.tensor(5),
    )
    torch.save(state_dict, directory / "tensors.pth")
    torch.save(state_dict, directory / "tensors-legacy.pth", _use_new_zipfile_serialization=False)
    expected = {
        key: {
            "shape": list(value.shape),
            "dtype": str(value.dtype).removeprefix("torch."),
            "values": value.float().flatten().tolist() if value.is_floating_point() else None,
        }
        for key, value in state_dict.items()
    }
    (directory / "tensors.json").write_text(json.dumps(expected))
    torch.save(nn.Linear(2, 2), directory / "module.pth")


if __name__ == "__main__":
    mode, target = sys.argv[1], Path(sys.argv[2])
    {"networks": networks, "tensors": tensors}[mode](target)
