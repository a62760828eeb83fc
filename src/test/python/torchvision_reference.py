"""Reference outputs from torchvision for the importer's tests.

  torchvision_reference.py networks DIR
      For googlenet-bn and inception-v3: builds torchvision's network with a fixed seed, random
      weights and BatchNorm statistics, saves its state_dict as DIR/<id>.pth (zip format) and
      writes its eval-mode logits on the inputs the Java test left in DIR/<id>.input.f32
      (N x 3 x S x S) to DIR/<id>.logits.f32 (N x 1000). All .f32 files are raw little-endian
      float32. googlenet's state_dict is also saved in torch's pre-1.6 format as
      DIR/googlenet-bn-legacy.pth, and with one key missing, one unexpected and one mis-shaped as
      DIR/googlenet-bn-doctored.pth.

  torchvision_reference.py photos DIR PHOTO...
      For googlenet-bn and inception-v3, with the state_dicts "networks" saved in DIR: each photo
      through torchvision's ImageNet pipeline on a PIL image (Image.open(f).convert("RGB"),
      Resize(resize), CenterCrop(crop), ToTensor, Normalize) and the network in eval mode; the
      softmax probabilities to DIR/<id>.photos.f32 (photos x 1000), in the order given. Each
      photo's pixels as PIL decodes them go to DIR/<photo file name>.rgb (H x W x 3 bytes), their
      sizes to DIR/photos.json.

  torchvision_reference.py resize DIR PHOTO...
      Each photo (as PIL decodes it, saved as above) resized with PIL's BILINEAR and BICUBIC to
      several sizes, shrinking and enlarging, one axis or both: DIR/resize.json lists
      {photo, width, height, filter, file}; each file holds the H x W x 3 bytes.

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
from PIL import Image
from torch import nn
from torchvision import transforms
from torchvision.models import googlenet, inception_v3

CLASSES = 1000
NETWORKS = {
    # id: (builder, input side)
    "googlenet-bn": (googlenet, 224),
    "inception-v3": (inception_v3, 299),
}

# torchvision's ImageNet evaluation transforms for each: resize of the shorter side, crop.
PIPELINES = {"googlenet-bn": (256, 224), "inception-v3": (342, 299)}
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


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


def decode(directory, photos):
    """PIL's decoding of each photo, as torchvision's ImageFolder loader does it; saved as raw RGB."""
    images = {}
    sizes = {}
    for photo in photos:
        path = Path(photo)
        with open(path, "rb") as f:
            image = Image.open(f).convert("RGB")
        (directory / f"{path.name}.rgb").write_bytes(image.tobytes())
        images[path.name] = image
        sizes[path.name] = list(image.size)
    (directory / "photos.json").write_text(json.dumps(sizes))
    return images


def photos(directory, *paths):
    images = decode(directory, paths)
    for name, (builder, size) in NETWORKS.items():
        model = builder(weights=None, num_classes=CLASSES, aux_logits=True, transform_input=True, init_weights=False)
        model.load_state_dict(torch.load(directory.parent / "networks" / f"{name}.pth"))
        model.eval()
        resize, crop = PIPELINES[name]
        pipeline = transforms.Compose(
            [
                transforms.Resize(resize),
                transforms.CenterCrop(crop),
                transforms.ToTensor(),
                transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
            ]
        )
        batch = torch.stack([pipeline(image) for image in images.values()])
        with torch.no_grad():
            probabilities = torch.softmax(model(batch), dim=1)
        probabilities.numpy().astype("<f4").tofile(directory / f"{name}.photos.f32")
        print(f"{name}: {len(batch)} photos, top-1 {probabilities.max(dim=1).values.tolist()}")


def resize(directory, *paths):
    images = decode(directory, paths)
    entries = []
    for name, image in images.items():
        w, h = image.size
        sizes = [(w // 3, h // 3), (w * 2 // 3 + 1, h // 2), (w + 37, h + 13), (w, h // 2), (w // 2, h), (224, 224)]
        for width, height in sizes:
            for filter_name in ("BILINEAR", "BICUBIC"):
                resized = image.resize((width, height), getattr(Image, filter_name))
                file = f"{name}.{width}x{height}.{filter_name}.rgb"
                (directory / file).write_bytes(resized.tobytes())
                entries.append({"photo": name, "width": width, "height": height, "filter": filter_name, "file": file})
    (directory / "resize.json").write_text(json.dumps(entries))


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
    {"networks": networks, "tensors": tensors, "photos": photos, "resize": resize}[mode](target, *sys.argv[3:])
